"""The shape both readers (plain text, Word) produce: parts of a register, their table rows and text lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A part heading: 「一、部门职责登记表」, 「二、职责边界表」, 「三、事中事后监管制度」, 「四、公共服务事项」.
PART_KEYWORDS = (
    ("duty", ("部门职责",)),
    ("boundary", ("职责边界",)),
    ("supervision", ("事中事后", "监管制度", "监督管理制度")),
    ("service", ("公共服务事项",)),
)
_HEADING = re.compile(r"^[一二三四五六]、(.+)$")
_LIST_MARK = re.compile(r"^(\d+[.．、]|[（(]\d+[)）]|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")
_END_PUNCT = "。；;：:！？!?，,、）)》」”"
_ORG_SUFFIX = "股局队所室站院部镇场心社委会办厅处科"


def squeeze(text: str) -> str:
    """Remove all whitespace (used to compare headers such as 「序\\n号」 or 「部 门 职 责」)."""
    return re.sub(r"\s+", "", text)


def part_of_heading(line: str) -> str | None:
    """The part kind a heading line opens, or None when the line is no part heading."""
    m = _HEADING.match(squeeze(line))
    if not m:
        return None
    for kind, words in PART_KEYWORDS:
        if any(w in m.group(1) for w in words):
            return kind
    return None


def join_pieces(pieces: list[str], names: bool = False) -> str:
    """Join a cell's lines: numbered items and finished sentences start a new line, a word wrapped by the
    table's width is glued back (「业务股特」+「殊业务部门」). With names=True a piece ending like an
    office name (股, 局, 镇 …) is a whole name, joined with 「、」."""
    out = ""
    for raw in pieces:
        piece = raw.strip().replace("\u3000", " ").strip()
        if not piece:
            continue
        if not out:
            out = piece
        elif _LIST_MARK.match(piece) or out[-1] in _END_PUNCT:
            out += "\n" + piece
        elif names and out[-1] in _ORG_SUFFIX:
            out += "、" + piece
        else:
            out += piece
    return out


@dataclass
class Cell:
    pieces: list[str]
    line: int

    def text(self, names: bool = False) -> str:
        return join_pieces(self.pieces, names)

    @property
    def empty(self) -> bool:
        return not any(p.strip().replace("\u3000", "") for p in self.pieces)


@dataclass
class Row:
    cells: list[Cell]
    line: int
    end: int


@dataclass
class Part:
    """One part of a register: a table (header + rows) or, for supervision, numbered text lines."""

    kind: str
    line: int
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class RegisterDoc:
    path: str
    parts: dict[str, Part]
