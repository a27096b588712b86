"""A table found in a document, as lines of the parser's text.

A table an office reads as its task table (by its header's meaning, `checklists.tasktable`)
is written the way the parser reads one, `category | N.task | units;deadline |`, whatever its
columns were; any other table (a page's metadata box, a list of targets) keeps its rows as
`cell | cell |`.
"""

from __future__ import annotations

from checklists.tasktable import find_task_table, row_cells_text, table_as_rows

__all__ = ["TASK_HEADER", "Grid", "fill_merged", "table_lines"]

TASK_HEADER = row_cells_text(["任务类别", "具体任务", "责任单位"])

# Rows of cell texts, merged cells already standing in every row and column they cover.
Grid = list[list[str]]


def table_lines(grid: Grid) -> list[str]:
    rows = [row for row in grid if any(cell.strip() for cell in row)]
    task_table = find_task_table(rows)
    if task_table is not None and task_table.rows:
        # Title rows stay as written; the header is the parser's own, which it skips.
        above = [row_cells_text(r) for r in rows[: task_table.header_row]]
        return [*above, TASK_HEADER, *table_as_rows(task_table)]
    return [row_cells_text(row) for row in rows]


def fill_merged(rows: list[list[str | None]]) -> Grid:
    """Cells a reader returns as None because a merge covers them, filled from the cell above
    (a category or unit merged down the rows it covers), or on the first row from the left."""
    grid: Grid = []
    for r, row in enumerate(rows):
        filled: list[str] = []
        for c, cell in enumerate(row):
            if cell is not None:
                filled.append(cell)
            elif r > 0 and c < len(grid[r - 1]):
                filled.append(grid[r - 1][c])
            else:
                filled.append(filled[-1] if filled else "")
        grid.append(filled)
    return grid
