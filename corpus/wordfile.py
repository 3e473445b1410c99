"""Reads a register kept as a Word document (.docx): part headings as paragraphs, the four tables as tables.

Positions ("lines") count the document's paragraphs and table rows in order, from 1, so a warning still
points at one place in the file. A vertically merged cell reads as empty below its first row, exactly as the
plain-text export shows it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from corpus.errors import ParseWarning, RegisterFormatError
from corpus.layout import Cell, Part, RegisterDoc, Row, part_of_heading, squeeze

_META = re.compile(r"^\s*(区号|部门名称|单位)\s*[:：]\s*(.+?)\s*$")


def _rows(table, first_line: int) -> list[Row]:
    from docx.table import _Cell

    rows = []
    for k, tr in enumerate(table._tbl.tr_lst):
        no = first_line + k
        cells = []
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":
                cells.append(Cell([], no))
            else:
                cells.append(Cell([p.text for p in _Cell(tc, table).paragraphs], no))
            cells += [Cell([], no) for _ in range(tc.grid_span - 1)]
        rows.append(Row(cells, no, no))
    return rows


def read_docx(path: str | Path, display: str | None = None) -> tuple[RegisterDoc, list[ParseWarning]]:
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

    warnings: list[ParseWarning] = []
    parts: dict[str, Part] = {}
    current: Part | None = None
    line = 0
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table
            rows = _rows(block, line + 1)
            line += len(rows)
            if current is None:
                warnings.append(ParseWarning(name, line, "a table before any part heading; skipped"))
                continue
            for row in rows:
                if squeeze(row.cells[0].text()) == "序号":
                    if not current.header:
                        current.header = [squeeze(c.text()) for c in row.cells]
                elif not all(c.empty for c in row.cells):
                    current.rows.append(row)
            continue
        line += 1
        text = block.text.strip()
        kind = part_of_heading(text)
        if kind:
            current = parts[kind] = Part(kind=kind, line=line)
        elif current is not None and text.replace("\u3000", ""):
            meta = _META.match(text)
            if meta and current.kind != "supervision":
                current.meta[meta.group(1)] = meta.group(2)
            else:
                current.lines.append((line, text))
    if not parts:
        raise RegisterFormatError(name, "no register parts found (expected headings such as 「一、部门职责登记表」)")
    for part in parts.values():
        if part.kind != "supervision" and not part.header:
            raise RegisterFormatError(name, f"the {part.kind} part has no table with a 「序号」 header", part.line)
    return RegisterDoc(name, parts), warnings
