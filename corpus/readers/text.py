"""Plain-text registers: Word's text export (each cell a tab-led line, rows after blank lines) or a
spreadsheet saved as text (one row per line, cells separated by tabs). The encoding (UTF-8, GB18030/GBK,
UTF-16 …) is detected with charset-normalizer. Positions are line numbers, from 1."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.errors import RegisterFormatError
from corpus.tables import Document, Paragraph, Table, TableCell
from corpus.vocab import META_LINE as _META, squeeze, vocabulary

_SERIAL = re.compile(r"^\d{1,3}$")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode(data: bytes, name: str) -> str:
    """The text of a register file in whatever encoding it was saved; RegisterFormatError when it is no
    text at all (the message says how to save it)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                break
    if b"\x00" not in data:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else ""
    if not best or not re.search(r"[\u4e00-\u9fff]", text) or "\x00" in text:
        raise RegisterFormatError(name, "the file is binary or text in an unknown encoding, not a register this "
                                        "reads (.txt in UTF-8, GB18030/GBK or UTF-16; .docx; .xlsx; .pdf; .doc); "
                                        "open it in Word or WPS and save it as .docx")
    return text


def _tab_rows(lines: list[str]) -> bool:
    """A spreadsheet saved as text: two or more lines that hold tab-separated cells not led by a tab."""
    return sum(1 for ln in lines if not ln.startswith("\t") and ln.count("\t") >= 1
               and len([c for c in ln.split("\t") if c.strip()]) >= 2) >= 2


class _Assembler:
    """Rows of one stretch of tab-led lines between headings (the reading rules of Word's text export)."""

    def __init__(self, blocks: list, tables: int):
        self.blocks, self.tables = blocks, tables
        self.rows: list[list[TableCell]] = []
        self.row: list[TableCell] | None = None
        self.header: list[str] = []
        self.first = 0

    def close(self) -> None:
        if self.row is not None:
            texts = [squeeze(" ".join(c.pieces)) for c in self.row]
            if not self.header and vocabulary().is_header_row(texts):
                self.header = texts
            self.rows.append(self.row)
        self.row = None

    def add(self, text: str, no: int, blank_before: bool) -> None:
        ncols, row = len(self.header), self.row
        new_row = (
            row is None
            or (blank_before and squeeze(text) in ("序号", "序"))
            or (ncols and len(row) >= ncols)
            or (not ncols and blank_before)
            or (ncols and blank_before and _SERIAL.match(text.strip()) and len(row) >= 2
                and self.header[len(row)] not in ("序号", "序"))
        )
        if new_row:
            self.close()
            self.first = self.first or no
            self.row = [TableCell(len(self.rows), 0, [text], no, no)]
        else:
            row.append(TableCell(len(self.rows), len(row), [text], no, no))

    def more(self, raw: str, no: int) -> None:
        self.row[-1].pieces.append(raw)
        self.row[-1].end = no

    def finish(self) -> None:
        self.close()
        if self.rows:
            self.blocks.append(Table([c for r in self.rows for c in r], self.first,
                                     f"第{self.tables + 1}个表格", merges_known=False))


def read_text(path: str | Path, display: str | None = None) -> Document:
    """Blocks of a text register; RegisterFormatError when it is empty or no text."""
    path = Path(path)
    name = display or str(path)
    data = path.read_bytes()
    if not data.strip():
        raise RegisterFormatError(name, "the file is empty")
    lines = decode(data, name).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    vocab = vocabulary()
    blocks: list = []
    if _tab_rows(lines):
        return Document(name, _read_tab_rows(lines), "txt")
    asm: _Assembler | None = None
    blank_before = False
    for i, raw in enumerate(lines):
        no = i + 1
        if not raw.startswith("\t") and not raw.strip():
            blank_before = True
            continue
        if not raw.startswith("\t") and (vocab.heading_kind(raw) or _META.match(raw)):
            if asm and vocab.heading_kind(raw):
                asm.finish()
                asm = None
            blocks.append(Paragraph(raw.strip(), no))
        elif raw.startswith("\t"):
            if asm is None:
                asm = _Assembler(blocks, sum(isinstance(b, Table) for b in blocks))
            asm.add(raw[1:], no, blank_before)
        elif asm is not None and asm.row is not None:
            asm.more(raw, no)
        else:
            blocks.append(Paragraph(raw.strip().replace("\u3000", " ").strip(), no))
        blank_before = False
    if asm:
        asm.finish()
    return Document(name, blocks, "txt")


def _read_tab_rows(lines: list[str]) -> list:
    blocks: list = []
    cells: list[TableCell] = []
    first, row = 0, 0
    for i, raw in enumerate(lines):
        no = i + 1
        if "\t" in raw.strip("\t") or (raw.startswith("\t") and raw.strip()):
            first = first or no
            cells += [TableCell(row, j, [text], no, no) for j, text in enumerate(raw.split("\t"))]
            row += 1
        elif raw.strip():
            if cells:
                blocks.append(Table(cells, first, f"第{sum(isinstance(b, Table) for b in blocks) + 1}个表格",
                                    merges_known=False))
                cells, first, row = [], 0, 0
            blocks.append(Paragraph(raw.strip(), no))
    if cells:
        blocks.append(Table(cells, first, f"第{sum(isinstance(b, Table) for b in blocks) + 1}个表格",
                            merges_known=False))
    return blocks
