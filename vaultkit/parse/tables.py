"""GFM pipe tables: a header and rows of cells, each cell's text and the links in it.

markdown-it's own table rule finds them. The collectors build the table row by row; a cell is
a container like a paragraph (its inline text is collected when the cell closes), and a cell
with no content still takes its column. ``<br>`` in a cell is a line break in its text.
"""

from __future__ import annotations

from markdown_it.token import Token

from vaultkit.model import Cell, Table, TableRow
from vaultkit.parse.state import InlineBlock, Syntax, TableBuilder, Walk
from vaultkit.parse.text import is_break_tag


def _collect_table_open(walk: Walk, token: Token) -> None:
    line = walk.line_of(token.map[0]) if token.map else 0
    callout = walk.current_callout()
    walk.table = TableBuilder(line, walk.section(), callout.line if callout else None)


def _collect_head_open(walk: Walk, token: Token) -> None:
    if walk.table is not None:
        walk.table.in_head = True


def _collect_body_open(walk: Walk, token: Token) -> None:
    if walk.table is not None:
        walk.table.in_head = False


def _collect_row_open(walk: Walk, token: Token) -> None:
    table = walk.table
    if table is None:
        return
    table.row_line = walk.line_of(token.map[0]) if token.map else table.line
    table.row = []
    table.cell_count = 0


def _collect_row_close(walk: Walk, token: Token) -> None:
    table = walk.table
    if table is None:
        return
    if table.in_head:
        table.header = list(table.row)
    else:
        table.rows.append(TableRow(table.row_line, tuple(table.row)))


def _collect_table_close(walk: Walk, token: Token) -> None:
    table = walk.table
    if table is None:
        return
    last = table.rows[-1].line if table.rows else table.line + 1
    walk.last_line = max(walk.last_line, last)
    if not walk.hidden_line(table.line):
        walk.out.tables.append(
            Table(
                line=table.line,
                end_line=last,
                section=table.section,
                header=tuple(table.header),
                rows=tuple(table.rows),
                callout_line=table.callout_line,
            )
        )
    walk.table = None


def _collect_cell_open(walk: Walk, token: Token) -> None:
    # Cell tokens have no map: the container carries the row's line.
    table = walk.table
    row_map = (
        None if table is None else [table.row_line - walk.offset - 1, table.row_line - walk.offset]
    )
    walk.container = Token(token.type, "", 0, map=row_map)


def _collect_cell_close(walk: Walk, token: Token) -> None:
    walk.container = None
    table = walk.table
    if table is not None:
        # A cell with no inline content still occupies a column.
        if len(table.row) < table.cell_count:
            table.row.append(Cell(""))
        table.cell_count = len(table.row)


def _collect_cell_text(walk: Walk, block: InlineBlock) -> None:
    table = walk.table
    if table is not None:
        text = "\n".join(block.lines).strip()
        breaks = sum(is_break_tag(child) for child in block.token.children or ())
        table.row.append(Cell(text, tuple(block.links), block.token.content.strip(), breaks))
        table.cell_count = len(table.row)


SYNTAX = Syntax(
    "tables",
    block={
        "table_open": _collect_table_open,
        "thead_open": _collect_head_open,
        "tbody_open": _collect_body_open,
        "tr_open": _collect_row_open,
        "tr_close": _collect_row_close,
        "table_close": _collect_table_close,
        "th_open": _collect_cell_open,
        "td_open": _collect_cell_open,
        "th_close": _collect_cell_close,
        "td_close": _collect_cell_close,
    },
    text={"th_open": _collect_cell_text, "td_open": _collect_cell_text},
)
