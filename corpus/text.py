"""Reads the plain-text export of a register: each table cell a tab-led line, rows after blank lines."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.errors import ParseWarning, RegisterFormatError
from corpus.layout import Cell, Part, RegisterDoc, Row, part_of_heading, squeeze

_META = re.compile(r"^\s*(区号|部门名称|单位)\s*[:：]\s*(.+?)\s*$")
_SERIAL = re.compile(r"^\d{1,3}$")


def read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if not data.strip():
        raise RegisterFormatError(path, "the file is empty")
    if b"\x00" in data[:4096]:
        raise RegisterFormatError(path, "the file is binary, not a text register (a .docx? use a .docx name)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegisterFormatError(path, "not UTF-8 text; save the register as UTF-8", line) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def find_parts(path: Path, lines: list[str]) -> list[tuple[str, int, int]]:
    """(kind, first line index, end index) per part. A kind named twice (a table of contents first)
    takes its last heading."""
    last: dict[str, int] = {}
    for i, line in enumerate(lines):
        kind = part_of_heading(line)
        if kind:
            last[kind] = i
    if not last:
        raise RegisterFormatError(path, "no register parts found (expected headings such as "
                                        "「一、部门职责登记表」 or 「四、公共服务事项登记表」)")
    starts = sorted((i, k) for k, i in last.items())
    return [(k, i, starts[j + 1][0] if j + 1 < len(starts) else len(lines)) for j, (i, k) in enumerate(starts)]


def read_table(path: str, kind: str, lines: list[str], start: int, end: int,
               warnings: list[ParseWarning]) -> Part:
    """Rows of one part's table. A row ends when it has as many cells as the header; a header row
    (「序号」 …) repeated after a page break is skipped; a serial number after a blank line in a short row
    starts a new row (the short one is warned about)."""
    part = Part(kind=kind, line=start + 1)
    row: Row | None = None
    blank_before = False

    def close():
        nonlocal row
        if row is not None:
            if squeeze(row.cells[0].text()) == "序号":
                if not part.header:
                    part.header = [squeeze(c.text()) for c in row.cells]
            elif not all(c.empty for c in row.cells):
                part.rows.append(row)
        row = None

    for i in range(start + 1, end):
        raw, no = lines[i], i + 1
        if not raw.startswith("\t") and not raw.strip():
            blank_before = True
            continue
        meta = _META.match(raw)
        if meta and not raw.startswith("\t"):
            part.meta[meta.group(1)] = meta.group(2)
        elif raw.startswith("\t"):
            text, ncols = raw[1:], len(part.header)
            new_row = (
                row is None
                or (blank_before and squeeze(text) == "序号")
                or (ncols and len(row.cells) >= ncols)
                or (not ncols and blank_before)
                or (ncols and blank_before and _SERIAL.match(text.strip()) and len(row.cells) >= 2
                    and part.header[len(row.cells)] != "序号")
            )
            if new_row:
                close()
                row = Row([Cell([text], no)], no, no)
            else:
                row.cells.append(Cell([text], no))
                row.end = no
        elif row is not None:
            row.cells[-1].pieces.append(raw)
            row.end = no
        else:
            part.lines.append((no, raw.strip()))
        blank_before = False
    close()
    if not part.header:
        raise RegisterFormatError(path, f"the {kind} table has no header row starting with 「序号」", start + 1)
    for r in part.rows:
        if len(r.cells) < len(part.header):
            warnings.append(ParseWarning(path, r.line, f"{kind} row has {len(r.cells)} of {len(part.header)} cells"))
            r.cells += [Cell([], r.end) for _ in range(len(part.header) - len(r.cells))]
    return part


def read_text(path: str | Path, display: str | None = None) -> tuple[RegisterDoc, list[ParseWarning]]:
    path = Path(path)
    name = display or str(path)
    lines = read_lines(path)
    warnings: list[ParseWarning] = []
    parts = {}
    for kind, start, end in find_parts(path, lines):
        if kind == "supervision":
            part = Part(kind=kind, line=start + 1)
            part.lines = [(i + 1, lines[i].strip().replace("\u3000", " ").strip())
                          for i in range(start + 1, end) if lines[i].strip().replace("\u3000", "")]
        else:
            part = read_table(name, kind, lines, start, end, warnings)
        parts[kind] = part
    return RegisterDoc(name, parts), warnings
