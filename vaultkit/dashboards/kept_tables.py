"""A hand-kept comparison table read as topics: which tables are one, and what each row says.

A comparison table has a name in the first column of every row that has content (``**1. CUDA
programming**``, ``[[Rust]]``) and one column per aspect (``Details | Pros | Cons``) whose cells
hold short lists, written as ``- item <br>- item``. :func:`read_kept_table` turns one into
:class:`KeptRow` records that ``vaultkit adopt`` writes as topic notes and the Topics dashboard
renders from directly (``[topics] table``); :func:`looks_like_comparison` is the test the
Topics dashboard and ``doctor`` use to point at tables worth adopting.

Items are split where markdown saw a ``<br>`` tag (the parser counts them, so a ``<br>`` inside
code never splits); a cell whose ``<br>`` tags the text does not show one to one is kept whole
and reported, never guessed at.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

from vaultkit.index.queries import HIDDEN_NOTES
from vaultkit.model import Cell, LinkKind, Table

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
"""Where a cell's source breaks: checked against the parser's count of ``<br>`` tags."""
_BULLET = re.compile(r"[-*+][ \t]+")
"""A list marker written in a cell (``- item``): the item starts after it."""
_NUMBERING = re.compile(r"(\d{1,9})[.)][ \t]+")
"""A position written before a name (``1. CUDA``)."""
_PROPERTY = re.compile(r"([A-Za-z][A-Za-z0-9_-]{0,39}):[ \t]+(\S.*)")
"""An item that states a property: one word, a colon, a value (``timeline: 2-3 months``)."""
_BLOCK_START = re.compile(
    r"(?:\d{1,9}[.)]|[-*+>]|#{1,6}|\[[ xX]?\])(?=[ \t]|$)|`{3}|~{3}|([-*_])[ \t]*(?:\1[ \t]*){2,}$"
)
"""What would make an item more than a line of text at the start of a list item: a list
marker, a quote, a heading, a checkbox, a code fence or a thematic break."""
_ORDERED = re.compile(r"\d{1,9}[.)]")
"""An ordered list marker: escaped at its delimiter."""

RESERVED_PROPERTIES = frozenset(
    {"tags", "tag", "aliases", "alias", "cssclasses", "cssclass", "title", "rank"}
)
"""Keys an item never becomes (Obsidian's own properties, the name and the rank): such items
stay items. ``rank: N`` sets the rank instead."""


class KeptColumn(NamedTuple):
    """One column's cell in one row."""

    name: str
    items: tuple[str, ...]
    """The items as markdown (links, code and emphasis as written), bullets removed."""
    verbatim: bool = False
    """The cell could not be split faithfully: ``items`` holds it whole."""


class KeptRow(NamedTuple):
    line: int
    name: str
    """The topic's name: the first cell's text without markup and numbering."""
    source: str
    """The first cell as written."""
    link: str | None
    """The note the name cell links to (``[[Rust]]``), as written in the link."""
    rank: int
    columns: tuple[KeptColumn, ...]
    properties: tuple[tuple[str, str], ...]
    """``key: value`` items, in order, as properties of the topic (removed from the items)."""


class KeptTable(NamedTuple):
    line: int
    end_line: int
    heading: str
    """The innermost heading above the table ('' for none)."""
    name_column: str
    columns: tuple[str, ...]
    """The other columns' names, in order (unique; an empty header is ``Column N``)."""
    rows: tuple[KeptRow, ...]
    skipped: tuple[int, ...]
    """Lines of rows without a name: empty rows, or rows with content but no name."""
    unnamed: tuple[int, ...]
    """Of those, the ones with content in another column (reported: that content is lost)."""


def looks_like_comparison(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table (plain texts of its header and rows) is a comparison table: a named
    first column and another, and at least two rows, each with content naming itself."""
    if len(header) < 2 or not header[0].strip() or not any(h.strip() for h in header[1:]):
        return False
    with_content = [row for row in rows if any(cell.strip() for cell in row)]
    names = [row[0].strip().casefold() for row in with_content if row and row[0].strip()]
    return len(names) >= 2 and len(names) == len(with_content) == len(set(names))


def is_comparison(table: Table) -> bool:
    """:func:`looks_like_comparison` for a parsed table."""
    return looks_like_comparison(
        [cell.text for cell in table.header],
        [[cell.text for cell in row.cells] for row in table.rows],
    )


def column_names(header: Sequence[str]) -> tuple[str, ...]:
    """Unique names for the columns after the first: ``Column N`` for an empty header, ``Pros
    2`` for a second ``Pros``."""
    names: list[str] = []
    seen: set[str] = set()
    for index, text in enumerate(header[1:], start=2):
        base = " ".join(text.split()) or f"Column {index}"
        name, suffix = base, 2
        while name.casefold() in seen:
            name, suffix = f"{base} {suffix}", suffix + 1
        seen.add(name.casefold())
        names.append(name)
    return tuple(names)


def read_kept_table(table: Table) -> KeptTable:
    """The table's rows as topics. Rows keep their order; a numbered name (``3. Rust``) gives
    its number as the rank, else the row's position among the named rows does."""
    columns = column_names([cell.text for cell in table.header])
    rows: list[KeptRow] = []
    skipped: list[int] = []
    unnamed: list[int] = []
    for row in table.rows:
        cells = list(row.cells) + [Cell("")] * (len(columns) + 1 - len(row.cells))
        name, numbered = name_of(cells[0])
        if not name:
            skipped.append(row.line)
            if any(cell.text.strip() for cell in cells[1:]):
                unnamed.append(row.line)
            continue
        kept = [split_cell(column, cell) for column, cell in zip(columns, cells[1:], strict=False)]
        kept, properties, rank = _properties(kept, columns)
        default_rank = numbered if numbered is not None else len(rows) + 1
        rows.append(
            KeptRow(
                line=row.line,
                name=name,
                source=cells[0].source,
                link=_linked_note(cells[0]),
                rank=rank if rank is not None else default_rank,
                columns=tuple(kept),
                properties=properties,
            )
        )
    return KeptTable(
        line=table.line,
        end_line=table.end_line,
        heading=table.section[-1] if table.section else "",
        name_column=" ".join(table.header[0].text.split()) if table.header else "",
        columns=columns,
        rows=tuple(rows),
        skipped=tuple(skipped),
        unnamed=tuple(unnamed),
    )


def split_cell(column: str, cell: Cell) -> KeptColumn:
    """A cell's items: split at its ``<br>`` tags, each without its ``- `` bullet; empty
    pieces dropped. Kept whole (``verbatim``) when the tags in the source are not exactly the
    ones markdown read (a ``<br>`` in code, say)."""
    source = cell.source.strip()
    if not source:
        return KeptColumn(column, ())
    pieces = _BREAK.split(source)
    if len(pieces) - 1 != cell.breaks:
        return KeptColumn(column, (source,), verbatim=True)
    items = []
    for piece in pieces:
        item = piece.strip()
        if bullet := _BULLET.match(item):
            item = item[bullet.end() :].strip()
        if item:
            items.append(item)
    return KeptColumn(column, tuple(items))


def as_list_item(item: str) -> str:
    """An item as the text of a ``- `` list item that reads back as the same text: a start
    that would open a block (``1.``, ``#``, ``[ ]``, ``>``) is escaped."""
    if not _BLOCK_START.match(item):
        return item
    if ordered := _ORDERED.match(item):  # a digit cannot be escaped, its delimiter can
        return item[: ordered.end() - 1] + "\\" + item[ordered.end() - 1 :]
    return "\\" + item


def name_of(cell: Cell) -> tuple[str, int | None]:
    """The name a first cell gives (plain text, one line, numbering removed) and its number."""
    text = " ".join(cell.text.split())
    numbered = _NUMBERING.match(text)
    if numbered and text[numbered.end() :].strip():
        return text[numbered.end() :].strip(), int(numbered.group(1))
    return text, None


def _linked_note(cell: Cell) -> str | None:
    """The note a name cell links to, when the cell is nothing but one wikilink to a note."""
    links = [link for link in cell.links if not link.embed]
    if len(links) != 1 or links[0].kind is not LinkKind.WIKILINK or not links[0].target:
        return None
    source = _NUMBERING.sub("", cell.source.strip().strip("*_ "), count=1).strip("*_ ")
    return links[0].target if source == links[0].raw else None


def _properties(
    kept: list[KeptColumn], columns: Sequence[str]
) -> tuple[list[KeptColumn], tuple[tuple[str, str], ...], int | None]:
    """Move ``key: value`` items into properties (the first of each key wins)."""
    taken = {column.casefold() for column in columns}
    properties: dict[str, str] = {}
    rank: int | None = None
    out: list[KeptColumn] = []
    for column in kept:
        if column.verbatim:
            out.append(column)
            continue
        items = []
        for item in column.items:
            found = _PROPERTY.fullmatch(item)
            key = found.group(1) if found else ""
            folded = key.casefold()
            if found and folded == "rank" and rank is None and found.group(2).strip().isdigit():
                rank = int(found.group(2))
                continue
            if (
                found
                and folded not in RESERVED_PROPERTIES
                and folded not in taken
                and folded not in {k.casefold() for k in properties}
            ):
                properties[key] = found.group(2).strip()
                continue
            items.append(item)
        out.append(column._replace(items=tuple(items)))
    return out, tuple(properties.items()), rank


def comparison_tables(connection: sqlite3.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The vault's comparison tables, from the index: ``{note, heading, line, number, columns,
    rows, command}`` each (``number`` counts the note's tables; ``command`` adopts it), at
    most ``limit``, by note path and line."""
    tables: dict[tuple[str, int], dict[str, Any]] = {}
    for note, line, number, section, row, col, text in connection.execute(
        "SELECT t.note, t.line, t.number, t.section, c.row, c.col, c.text FROM ("
        "  SELECT note, line, section, rows, columns,"
        "  row_number() OVER (PARTITION BY note ORDER BY line) AS number FROM md_tables"
        f") t JOIN cells c ON c.note = t.note AND c.table_line = t.line "
        f"WHERE t.rows >= 2 AND t.columns >= 2 AND (c.row = 0 OR c.col <= 1) "
        f"AND t.note NOT IN ({HIDDEN_NOTES}) ORDER BY t.note, t.line, c.row, c.col"
    ):
        found = tables.setdefault(
            (note, line),
            {"note": note, "line": line, "number": number, "section": section, "cells": {}},
        )
        found["cells"].setdefault(row, {})[col] = text
    out: list[dict[str, Any]] = []
    for found in tables.values():
        cells: dict[int, dict[int, str]] = found.pop("cells")
        header_cells = cells.pop(0, {})
        header = [header_cells.get(col, "") for col in range(max(header_cells, default=-1) + 1)]
        rows = [[row.get(0, ""), row.get(1, "")] for _, row in sorted(cells.items())]
        if not looks_like_comparison(header, rows):
            continue
        section = found.pop("section")
        out.append(
            {
                **found,
                "heading": section.split(" > ")[-1] if section else "",
                "columns": list(header),
                "rows": sum(1 for row in rows if row[0].strip()),
                "command": adopt_command(found["note"], found["number"]),
            }
        )
        if len(out) >= limit:
            break
    return out


def adopt_command(note: str, number: int) -> str:
    """The command that adopts the note's ``number``th table, run in the vault's folder."""
    return f"vaultkit adopt {shlex.quote(note)} --table {number}"
