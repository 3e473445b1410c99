"""From a read document (corpus.tables) to register parts: headings in any numbering style open parts,
each table's header rows are found and flattened to one name per column (公开事项/二级事项), columns are
mapped to fields by the vocabulary (corpus/data/columns.toml), repeated header rows and full-width notes are
set aside. A table with no heading is placed by its header alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.errors import ParseWarning, RegisterFormatError
from corpus.tables import Document, Paragraph, Row, Table
from corpus.vocab import META_LINE as _META, squeeze, vocabulary

_NOTE = re.compile(r"^\s*(备注|注|说明|附注)\s*[:：]?")
_SUBHEADER_MAX = 12


@dataclass
class Part:
    """One part of a register: a table (header, fields per column, rows) or, for supervision, text lines."""

    kind: str
    line: int
    header: list[str] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    merges_known: bool = True
    place: str = ""

    def col(self, name: str, nth: int = 0) -> int | None:
        """Index of the nth column mapped to field `name`."""
        found = [i for i, f in enumerate(self.fields) if f == name]
        return found[nth] if len(found) > nth else None

    def cols(self, name: str) -> list[int]:
        return [i for i, f in enumerate(self.fields) if f == name]


@dataclass
class RegisterDoc:
    path: str
    parts: list[Part]
    format: str = "txt"

    def of(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]


def _texts(row: Row) -> list[str]:
    return [squeeze(c.text()) if not c.merged else "" for c in row.cells]


def _is_subheader(row: Row, above: Row, serial_col: int) -> bool:
    """A second header row (一级事项 / 二级事项 under 公开事项): short label cells, no serial number, at least
    one of them under a header cell spanning several columns."""
    texts = _texts(row)
    if serial_col < len(texts) and texts[serial_col]:
        return False
    own = [(j, t) for j, t in enumerate(texts) if t]
    if not own or any(len(t) > _SUBHEADER_MAX or re.search(r"\d", t) for _, t in own):
        return False
    top = _texts(above)
    for j, _ in own:
        if j > 0 and (above.cells[j].merged == "left" or (not top[j] and any(top[:j]))):
            return True
    return False


def flatten(header_rows: list[Row]) -> list[str]:
    """One name per column: the levels of a multi-row header joined by 「/」 (公开事项/二级事项); a cell a
    horizontal span covers takes the spanning cell's name."""
    n = max(len(r.cells) for r in header_rows)
    names: list[list[str]] = [[] for _ in range(n)]
    for depth, row in enumerate(header_rows):
        last = ""
        for j in range(n):
            cell = row.cells[j] if j < len(row.cells) else None
            text = squeeze(cell.text()) if cell is not None and cell.merged != "left" else ""
            if cell is not None and cell.merged == "above":
                text = ""
            below = any(j < len(r.cells) and squeeze(r.cells[j].text()) and not r.cells[j].merged
                        for r in header_rows[depth + 1:])
            if text:
                last = text
            elif last and (cell is not None and cell.merged == "left" or below):
                text = last
            if text and text not in names[j]:
                names[j].append(text)
    return ["/".join(x) for x in names]


def split_header(rows: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """(rows above the header, header rows, data rows); no header rows when none reads as a header."""
    vocab = vocabulary()
    start = next((i for i, r in enumerate(rows[:6]) if vocab.is_header_row(_texts(r))), None)
    if start is None:
        return [], [], rows
    header = [rows[start]]
    texts = _texts(rows[start])
    serial_col = next((j for j, t in enumerate(texts) if t in ("序号", "序")), 0)
    i = start + 1
    while i < len(rows) and _is_subheader(rows[i], header[-1], serial_col):
        header.append(rows[i])
        i += 1
    return rows[:start], header, rows[i:]


class _Layout:
    def __init__(self, doc: Document):
        self.doc, self.vocab = doc, vocabulary()
        self.parts: list[Part] = []
        self.warnings: list[ParseWarning] = []
        self.current: Part | None = None  # the part the last heading opened
        self.meta: dict[str, str] = {}
        self.last_table: Part | None = None

    def warn(self, line: int, message: str, place: str = "") -> None:
        self.warnings.append(ParseWarning(self.doc.path, line, message, place))

    def paragraph(self, p: Paragraph) -> None:
        kind = self.vocab.heading_kind(p.text)
        if kind:
            # a heading named again: the earlier one with no table was a table of contents
            self.parts = [p for p in self.parts if p.kind != kind or p.header]
            self.current = Part(kind=kind, line=p.line, meta=dict(self.meta))
            self.parts.append(self.current)
            self.last_table = None
            return
        meta = _META.match(p.text)
        if meta and (self.current is None or self.current.kind != "supervision"):
            (self.current.meta if self.current else self.meta)[meta.group(1)] = meta.group(2)
            return
        if self.current is not None:
            self.current.lines.append((p.line, p.text))

    def table(self, t: Table) -> None:
        rows = t.grid()
        above, header_rows, data = split_header(rows)
        for r in above:
            text = " ".join(x for x in _texts(r) if x)
            if text:
                self.paragraph(Paragraph(text, r.line, r.place))
        if not header_rows:
            prev = self.last_table
            if prev is not None and len(prev.header) == t.n_cols:
                self._rows(prev, data)  # the same table continued after a page break
            else:
                self.warn(t.line, "a table without a header row (序号, 服务事项 …); skipped", t.place)
            return
        header = flatten(header_rows)
        fields = [self.vocab.field_of(h) if h else None for h in header]
        kind = self.vocab.signal_kind(header) or (self.current.kind if self.current else None)
        if kind is None and "title" in fields:
            kind = "service"
        if kind is None or kind == "supervision":
            self.warn(t.line, f"a table whose header maps to no register part: {'、'.join(h for h in header if h)}",
                      t.place)
            return
        prev = self.last_table
        if prev is not None and prev.kind == kind and prev.header == header:
            part = prev
        elif self.current is not None and self.current.kind == kind and not self.current.header:
            part = self.current
        else:
            part = Part(kind=kind, line=t.line, meta=dict(self.current.meta if self.current else self.meta))
            self.parts.append(part)
        if not part.header:
            part.header, part.fields, part.place = header, fields, t.place
            part.merges_known = t.merges_known
            part.unknown = [h for h, f in zip(header, fields) if h and f is None]
        self.last_table = part
        self._rows(part, data, {tuple(_texts(r)) for r in header_rows})

    def _rows(self, part: Part, rows: list[Row], repeats: set | None = None) -> None:
        repeats = repeats or set()
        n = len(part.header)
        for row in rows:
            texts = _texts(row)
            if all(c.empty for c in row.cells):
                continue
            if tuple(texts) in repeats or (texts and texts[0] in ("序号", "序")) \
                    or (part.header and texts[: n] == [squeeze(h.split("/")[0]) for h in part.header][: len(texts)]):
                continue
            own = [c for c in row.cells if not c.merged and not c.empty]
            if len(own) == 1 and n > 2:
                spans = sum(1 for c in row.cells if c.merged == "left") >= n // 2
                if spans or _NOTE.match(own[0].text()):
                    part.remarks.append(own[0].text())
                    continue
            part.rows.append(row)

    def run(self) -> list[Part]:
        for block in self.doc.blocks:
            if isinstance(block, Paragraph):
                self.paragraph(block)
            else:
                self.table(block)
        return [p for p in self.parts if p.rows or p.lines]


def lay_out(doc: Document) -> tuple[RegisterDoc, list[ParseWarning]]:
    """Parts of a read document; RegisterFormatError naming what was seen when nothing is a register part."""
    layout = _Layout(doc)
    parts = [p for p in layout.run() if p.kind == "supervision" or p.header]
    if not parts:
        tables = [b for b in doc.blocks if isinstance(b, Table)]
        if tables:
            heads = ["、".join(h for h in flatten(split_header(t.grid())[1] or t.grid()[:1]) if h) for t in tables[:3]]
            raise RegisterFormatError(doc.path, "no register table found: the table headers seen ("
                                      + "；".join(heads) + ") map to no field in corpus/data/columns.toml; "
                                      "add the bureau's header names there")
        raise RegisterFormatError(doc.path, "no register parts found (expected a heading such as 「四、公共服务事项登记表」 "
                                            "or a table headed 序号/服务事项/承办机构/联系电话)")
    return RegisterDoc(doc.path, parts, doc.format), layout.warnings
