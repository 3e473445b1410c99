"""Word registers (.docx): paragraphs and tables in document order, including tables inside content
controls (w:sdt), text boxes and a wrapping 1×1 table, cells inside content controls, nested tables (their
rows become lines of the cell), merged cells (gridSpan, vMerge) and header rows (标题行重复).

Positions ("lines") count the document's paragraphs and table rows from 1, as before; each table row also
gets a place a person can find in Word: 「第2个表格第5行」."""

from __future__ import annotations

import zipfile
from pathlib import Path

from corpus.errors import RegisterFormatError
from corpus.tables import Document, Paragraph, Table, TableCell

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_WRAPPERS = (W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins")


def _children(el, tags: tuple[str, ...]):
    """Direct children with one of `tags`, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def _inside(el, stop, tag: str) -> bool:
    """True when an ancestor of `el` below `stop` has `tag`."""
    p = el.getparent()
    while p is not None and p is not stop:
        if p.tag == tag:
            return True
        p = p.getparent()
    return False


def _para_text(p) -> str:
    """A paragraph's own text (a text box anchored in it is read as blocks of its own)."""
    out = []
    for el in p.iter(W + "t", W + "tab"):
        if el.tag == W + "tab":
            out.append(" ")
        elif not _inside(el, p, W + "txbxContent"):
            out.append(el.text or "")
    return "".join(out)


def _text_boxes(p):
    """Text-box contents anchored in a paragraph (Word writes each twice: once for new readers, once as a
    VML fallback; the fallback is skipped), outermost boxes only."""
    for box in p.iter(W + "txbxContent"):
        if not _inside(box, p, MC_FALLBACK) and not _inside(box, p, W + "txbxContent"):
            yield box


def _cell_pieces(tc) -> list[str]:
    """A cell's lines: each paragraph, and each row of a nested table as its cells joined by spaces."""
    pieces = []
    for el in _children(tc, (W + "p", W + "tbl")):
        if el.tag == W + "p":
            pieces.append(_para_text(el))
        else:
            for tr in _children(el, (W + "tr",)):
                texts = [" ".join(x for x in _cell_pieces(c) if x.strip()) for c in _children(tr, (W + "tc",))]
                pieces.append(" ".join(t for t in texts if t))
    return pieces


class _Reader:
    def __init__(self, name: str):
        self.name, self.blocks, self.line, self.tables = name, [], 0, 0

    def body(self, el) -> None:
        for child in _children(el, (W + "p", W + "tbl")):
            if child.tag == W + "p":
                self.line += 1
                text = _para_text(child).strip()
                if text.replace("\u3000", ""):
                    self.blocks.append(Paragraph(text, self.line))
                for box in _text_boxes(child):
                    self.body(box)
            else:
                self.table(child)

    def table(self, tbl) -> None:
        rows = list(_children(tbl, (W + "tr",)))
        if len(rows) == 1:
            cells = list(_children(rows[0], (W + "tc",)))
            if len(cells) == 1 and list(_children(cells[0], (W + "tbl",))):
                self.body(cells[0])  # a wrapping 1×1 table: read what it holds
                return
        self.tables += 1
        k = self.tables
        first = self.line + 1
        out: list[TableCell] = []
        open_: dict[int, TableCell] = {}  # grid column → the vMerge cell still open there
        places = {}
        for r, tr in enumerate(rows):
            self.line += 1
            places[r] = f"第{k}个表格第{r + 1}行"
            trpr = tr.find(W + "trPr")
            header = trpr is not None and trpr.find(W + "tblHeader") is not None
            col = 0
            if trpr is not None and trpr.find(W + "gridBefore") is not None:
                col = int(trpr.find(W + "gridBefore").get(W + "val", "0"))
            for tc in _children(tr, (W + "tc",)):
                pr = tc.find(W + "tcPr")
                span = 1
                vmerge = None
                if pr is not None:
                    gs = pr.find(W + "gridSpan")
                    span = int(gs.get(W + "val", "1")) if gs is not None else 1
                    vm = pr.find(W + "vMerge")
                    if vm is not None:
                        vmerge = vm.get(W + "val", "continue")
                if vmerge == "continue" and col in open_:
                    open_[col].row_span = r - open_[col].row + 1
                else:
                    cell = TableCell(r, col, _cell_pieces(tc), self.line, self.line, col_span=span,
                                     kind="column_header" if header else "data")
                    out.append(cell)
                    if vmerge == "restart":
                        open_[col] = cell
                    else:
                        open_.pop(col, None)
                col += span
        self.blocks.append(Table(out, first, f"第{k}个表格", merges_known=True, row_places=places))


def read_docx(path: str | Path, display: str | None = None) -> Document:
    """Blocks of a .docx register; RegisterFormatError when it is empty or not a Word package."""
    path = Path(path)
    name = display or str(path)
    if path.stat().st_size == 0:
        raise RegisterFormatError(name, "the file is empty")
    if not zipfile.is_zipfile(path):
        raise RegisterFormatError(name, "not a Word .docx file (it is not a zip package)")
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise RegisterFormatError(name, f"cannot open as a Word document: {exc}") from exc
    reader = _Reader(name)
    reader.body(document.element.body)
    return Document(name, reader.blocks, "docx")
