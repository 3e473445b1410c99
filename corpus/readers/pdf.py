"""PDF registers with ruled tables (pdfplumber): text outside the tables becomes paragraphs, each table's
cells keep their spans (found from the cell boxes). Only PDFs with a text layer can be read; a scanned PDF
is an error that says so. Positions count lines and table rows from 1; places name the page."""

from __future__ import annotations

from pathlib import Path

from corpus.errors import RegisterFormatError
from corpus.tables import Document, Paragraph, Table, TableCell


def _inside(obj, boxes) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def read_pdf(path: str | Path, display: str | None = None) -> Document:
    """Blocks of a PDF register; RegisterFormatError when it cannot be opened or has no text layer."""
    path = Path(path)
    name = display or str(path)
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises several types for a broken file
        raise RegisterFormatError(name, f"cannot open as a PDF: {exc}") from exc
    blocks: list = []
    line, k, chars = 0, 0, 0
    with pdf:
        for pno, page in enumerate(pdf.pages, 1):
            chars += len(page.chars)
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]
            items: list[tuple[float, object]] = []
            outside = page.filter(lambda o: o.get("object_type") != "char" or not _inside(o, boxes))
            for tl in outside.extract_text_lines():
                items.append((tl["top"], tl["text"]))
            for t in tables:
                items.append((t.bbox[1], t))
            for _, item in sorted(items, key=lambda x: x[0]):
                if isinstance(item, str):
                    line += 1
                    if item.strip():
                        blocks.append(Paragraph(item.strip(), line, f"第{pno}页"))
                    continue
                k += 1
                first = line + 1
                texts = item.extract()
                rows = item.rows
                rows_y = [next(((c[1] + c[3]) / 2 for c in r.cells if c), 0.0) for r in rows]
                cells, places = [], {}
                for i, r in enumerate(rows):
                    line += 1
                    places[i] = f"第{pno}页第{k}个表格第{i + 1}行"
                    for j, box in enumerate(r.cells):
                        if box is None:
                            continue
                        x0, top, x1, bottom = box
                        rs = max(1, sum(1 for y in rows_y[i:] if top <= y <= bottom))
                        cs = max(1, sum(1 for j2, rr in enumerate(r.cells[j:], j)
                                        if j2 == j or (rr is None and _covers(rows, j2, x0, x1))))
                        text = texts[i][j] if i < len(texts) and j < len(texts[i]) else ""
                        cells.append(TableCell(i, j, (text or "").split("\n"), line, line + rs - 1,
                                               row_span=rs, col_span=cs))
                blocks.append(Table(cells, first, f"第{pno}页第{k}个表格", merges_known=True, row_places=places))
    if not chars:
        raise RegisterFormatError(name, "the PDF has no text layer (a scan); ask the bureau for the Word or Excel "
                                        "file, or run OCR and save it as .docx")
    return Document(name, blocks, "pdf")


def _covers(rows, j: int, x0: float, x1: float) -> bool:
    """True when grid column j (as other rows draw it) lies inside [x0, x1]."""
    for r in rows:
        if j < len(r.cells) and r.cells[j] is not None:
            c = r.cells[j]
            return x0 <= (c[0] + c[2]) / 2 <= x1
    return False
