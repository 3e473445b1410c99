"""The one table model every reader produces: a document is a list of paragraphs and tables, in file order.

A table is a list of cells, each with `row`, `col`, `row_span`, `col_span`, `kind` and its text pieces (one
per paragraph or line of the cell) and its place in the file. `Table.grid()` resolves the merges into rows
of `Cell`s, so what comes after the readers (headers, columns, records) never looks at the file format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LIST_MARK = re.compile(r"^(\d+[.．、]|[（(]\d+[)）]|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")
_END_PUNCT = "。；;：:！？!?，,、）)》」”"
_ORG_SUFFIX = "股局队所室站院部镇场心社委会办厅处科"


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
class Paragraph:
    """A line of text outside any table (a heading, 「区号：0898」, a line of a supervision scheme)."""

    text: str
    line: int
    place: str = ""


@dataclass
class TableCell:
    """One cell as the file stores it; `line` is where it starts, `end` where its text ends."""

    row: int
    col: int
    pieces: list[str]
    line: int
    end: int = 0
    row_span: int = 1
    col_span: int = 1
    kind: str = "data"  # "column_header" when the file marks the row as a header (Word's 标题行重复)


@dataclass
class Cell:
    """A grid position after merges are resolved. `merged` is "" for a cell of its own, "above" when a
    vertically merged cell covers it (its pieces are the merged cell's), "left" for a horizontal span."""

    pieces: list[str]
    line: int
    merged: str = ""

    def text(self, names: bool = False) -> str:
        return join_pieces(self.pieces, names)

    @property
    def empty(self) -> bool:
        return self.merged == "left" or not any(p.strip().replace("\u3000", "") for p in self.pieces)


@dataclass
class Row:
    cells: list[Cell]
    line: int
    end: int
    place: str = ""


@dataclass
class Table:
    """`merges_known` is False for plain-text exports, where a merged cell reads as an empty one."""

    cells: list[TableCell]
    line: int
    place: str = ""
    merges_known: bool = True
    row_places: dict[int, str] = field(default_factory=dict)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.col_span for c in self.cells), default=0)

    @property
    def n_rows(self) -> int:
        return max((c.row + c.row_span for c in self.cells), default=0)

    def grid(self) -> list[Row]:
        """Rows of cells with merges resolved: a vertically merged cell is copied to every row it spans
        (marked "above"), a horizontal span leaves empty "left" cells, a missing cell is empty."""
        n_rows, n_cols = self.n_rows, self.n_cols
        lines: dict[int, int] = {}
        ends: dict[int, int] = {}
        for c in self.cells:
            lines[c.row] = min(lines.get(c.row, c.line), c.line)
            ends[c.row] = max(ends.get(c.row, 0), c.end or c.line)
        grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
        for c in self.cells:
            for i in range(c.row, c.row + c.row_span):
                for j in range(c.col, c.col + c.col_span):
                    if grid[i][j] is not None:
                        continue
                    if j > c.col:
                        grid[i][j] = Cell([], c.line, "left")
                    elif i > c.row:
                        grid[i][j] = Cell(list(c.pieces), lines.get(i, c.line), "above")
                    else:
                        grid[i][j] = Cell(list(c.pieces), c.line)
        rows = []
        for i, cells in enumerate(grid):
            line = lines.get(i, self.line)
            filled = [x if x is not None else Cell([], line) for x in cells]
            rows.append(Row(filled, line, max(ends.get(i, line), line), self.row_places.get(i, "")))
        return rows


@dataclass
class Document:
    """What a reader returns: the blocks of one file in order, and its format (txt, docx, xlsx, pdf)."""

    path: str
    blocks: list[Paragraph | Table]
    format: str
