"""Excel registers (.xlsx, read with openpyxl): each sheet's title rows become paragraphs, the rows from the
header on become one table with its merged ranges. Places are 「工作表「…」第N行」."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from corpus.errors import RegisterFormatError
from corpus.tables import Document, Paragraph, Table, TableCell
from corpus.vocab import vocabulary


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def read_xlsx(path: str | Path, display: str | None = None) -> Document:
    """Blocks of an .xlsx register; RegisterFormatError when the workbook cannot be opened."""
    path = Path(path)
    name = display or str(path)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(str(path), data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken workbook
        raise RegisterFormatError(name, f"cannot open as an Excel workbook: {exc}") from exc
    blocks: list = []
    vocab = vocabulary()
    for ws in wb.worksheets:
        spans = {(m.min_row, m.min_col): (m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
                 for m in ws.merged_cells.ranges}
        covered = {(r, c) for m in ws.merged_cells.ranges
                   for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)
                   if (r, c) != (m.min_row, m.min_col)}
        rows: dict[int, list[tuple[int, str]]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered:
                    continue
                text = _text(cell.value)
                if text.strip() or (cell.row, cell.column) in spans:
                    rows.setdefault(cell.row, []).append((cell.column, text))
        start = next((r for r in sorted(rows) if vocab.is_header_row([t for _, t in rows[r]])), None)
        cells: list[TableCell] = []
        places = {}
        for r in sorted(rows):
            if start is None or r < start:
                text = " ".join(t.strip() for _, t in rows[r] if t.strip())
                if text:
                    blocks.append(Paragraph(text, r, f"工作表「{ws.title}」第{r}行"))
                continue
            i = r - start
            places[i] = f"工作表「{ws.title}」第{r}行"
            for c, text in rows[r]:
                rs, cs = spans.get((r, c), (1, 1))
                cells.append(TableCell(i, c - 1, text.split("\n"), r, r + rs - 1, row_span=rs, col_span=cs))
        if cells:
            blocks.append(Table(cells, start, f"工作表「{ws.title}」", merges_known=True, row_places=places))
    return Document(name, blocks, "xlsx")
