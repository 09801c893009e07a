"""Topics straight from a hand-kept table (``[topics] table = "Plan.md#Heading"``).

For those who would rather keep editing their comparison table than keep one note per topic:
each named row is a topic, its cells are shown as written, and the computed columns count
what the vault holds for it, which is

- the note its name links to (``[[Rust]]`` in the first cell), all of it, or else
- every section under a heading of the row's name, anywhere in the vault (``## Rust`` and
  the headings below it).

The table is read from the index (``md_tables`` and ``cells``), so the dashboard follows each
edit of it; a row's computed values are the same whichever way it found its tasks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from typing import Any

from vaultkit.config.schema import TopicSettings
from vaultkit.dashboards.common import CellMarkdown, Inputs, modified_date
from vaultkit.dashboards.kept_tables import (
    column_names,
    is_comparison,
    name_of,
)
from vaultkit.errors import VaultkitError
from vaultkit.index.queries import HIDDEN_NOTES
from vaultkit.model import Cell, Table, TableRow
from vaultkit.task_progress import Progress

KEPT_COLUMNS = ("progress", "tasks", "resources", "modified")
"""The computed columns a kept table's rows have (the topic notes' other computed columns
read a note's own file)."""


@dataclasses.dataclass(frozen=True, slots=True)
class KeptSource:
    """Where the kept table is: a note and, optionally, the heading it sits under."""

    note: str
    heading: str

    @classmethod
    def parse(cls, setting: str) -> KeptSource:
        note, _, heading = setting.partition("#")
        return cls(note.strip(), heading.strip())


def make_kept_topics(inputs: Inputs) -> list[dict[str, Any]]:
    """``topics`` when ``[topics] table`` is set: one entry per named row, in table order."""
    connection, settings = inputs.connection, inputs.config.topics
    table = _find_table(connection, KeptSource.parse(settings.table))
    names = column_names([cell.text for cell in table.header])
    topics = []
    for row in table.rows:
        name, _ = name_of(row.cells[0]) if row.cells else ("", None)
        if not name:
            continue
        cells = {
            column.casefold(): CellMarkdown(cell.source)
            for column, cell in zip(names, row.cells[1:], strict=False)
        }
        linked = _linked(connection, settings, table, row)
        topic: dict[str, Any] = {
            "path": linked,
            "title": name,
            "name_cell": CellMarkdown(row.cells[0].source),
            "properties": {},
            "lists": {},
            "cells": cells,
        }
        topic.update(_computed(connection, linked, name))
        topics.append(topic)
    return topics


def kept_columns(settings: TopicSettings, header: list[str]) -> list[str]:
    """The columns of a kept table's Topics: its own, then the configured computed ones."""
    computed = [c for c in settings.columns if c.casefold() in KEPT_COLUMNS]
    return [*column_names(header), *computed]


def kept_header(connection: sqlite3.Connection, settings: TopicSettings) -> list[str]:
    """The kept table's header texts."""
    return [cell.text for cell in _find_table(connection, KeptSource.parse(settings.table)).header]


def _find_table(connection: sqlite3.Connection, source: KeptSource) -> Table:
    """The kept table, from the index; VaultkitError naming the setting if it is not there."""
    where = f"[topics] table = {source.note + ('#' + source.heading if source.heading else '')!r}"
    tables = []
    for line, end_line, section in connection.execute(
        "SELECT line, end_line, section FROM md_tables WHERE note = ? ORDER BY line",
        (source.note,),
    ):
        tables.append(_table(connection, source.note, line, end_line, section))
    if not tables:
        found = connection.execute("SELECT 1 FROM notes WHERE path = ?", (source.note,)).fetchone()
        problem = "holds no table" if found else "is no note of the vault (give its vault path)"
        raise VaultkitError(f"{where}: {source.note} {problem}", path=".vaultkit/config.toml")
    if source.heading:
        wanted = " ".join(source.heading.split()).casefold()
        under = [t for t in tables if t.section and t.section[-1].casefold() == wanted]
        if len(under) == 1:
            return under[0]
        problem = f"no table under a heading {source.heading!r}" if not under else "several"
    else:
        comparison = [t for t in tables if is_comparison(t)]
        if len(comparison) == 1:
            return comparison[0]
        problem = "no comparison table" if not comparison else "several comparison tables"
    raise VaultkitError(
        f"{where}: {source.note} has {problem}; name the heading the table is under "
        '("Note.md#Heading")',
        path=".vaultkit/config.toml",
    )


def _table(
    connection: sqlite3.Connection, note: str, line: int, end_line: int, section: str
) -> Table:
    rows: dict[int, tuple[int, list[Cell]]] = {}
    for row, row_line, text, source in connection.execute(
        "SELECT row, line, text, source FROM cells WHERE note = ? AND table_line = ? "
        "ORDER BY row, col",
        (note, line),
    ):
        rows.setdefault(row, (row_line, []))[1].append(Cell(text, (), source))
    header = rows.pop(0, (line, []))[1]
    return Table(
        line=line,
        end_line=end_line,
        section=tuple(section.split(" > ")) if section else (),
        header=tuple(header),
        rows=tuple(TableRow(row_line, tuple(cells)) for row_line, cells in rows.values()),
    )


def _linked(
    connection: sqlite3.Connection, settings: TopicSettings, table: Table, row: TableRow
) -> str | None:
    """The note the row's name cell links to (resolved as Obsidian would), if it does."""
    if not row.cells:
        return None
    name = row.cells[0].source
    source = KeptSource.parse(settings.table)
    for raw, resolved in connection.execute(
        "SELECT raw, resolved FROM links WHERE note = ? AND table_line = ? AND line = ? "
        "AND kind IN ('wikilink', 'markdown') AND NOT embed AND resolved IS NOT NULL "
        "ORDER BY rowid",
        (source.note, table.line, row.line),
    ):
        # The index keeps no column per link: the link is the name's if the name holds it
        # (an escaped pipe, "\|", reads as "|" in the cell).
        if raw.replace("\\|", "|") in name:
            linked: str = resolved
            return linked
    return None


def _computed(connection: sqlite3.Connection, linked: str | None, name: str) -> dict[str, Any]:
    """progress, tasks, resources and modified of what the row names."""
    if linked is not None:
        places = [(linked, None)]
    else:
        places = [
            (note, section)
            for note, section, text in connection.execute(
                "SELECT note, section, text FROM headings WHERE text = ? COLLATE NOCASE "
                f"AND note NOT IN ({HIDDEN_NOTES})",
                (name,),
            )
            if text.casefold() == name.casefold()
        ]
    done = total = count = 0
    urls: set[str] = set()
    modified: list[str] = []
    for note, section in places:
        where, params = _under(note, section)
        row = connection.execute(
            "SELECT coalesce(sum(status = 'done'), 0), coalesce(sum(status != 'cancelled'), 0), "
            f"count(*) FROM tasks WHERE {where}",
            params,
        ).fetchone()
        done, total, count = done + row[0], total + row[1], count + row[2]
        urls.update(
            u for (u,) in connection.execute(f"SELECT url FROM resources WHERE {where}", params)
        )
        modified.append(_modified(connection, note))
    return {
        "progress": Progress(done, total),
        "tasks": count,
        "resources": len(urls),
        "modified": max(modified) if modified else None,
    }


def _under(note: str, section: str | None) -> tuple[str, tuple[Any, ...]]:
    """SQL for the rows of ``note`` (under the heading whose path is ``section``)."""
    if section is None:
        return "note = ?", (note,)
    return "note = ? AND (section = ? OR substr(section, 1, ?) = ?)", (
        note,
        section,
        len(section) + 3,
        section + " > ",
    )


def _modified(connection: sqlite3.Connection, note: str) -> str:
    found = connection.execute(
        "SELECT properties, mtime_ns FROM notes WHERE path = ?", (note,)
    ).fetchone()
    if found is None:
        return dt.date.min.isoformat()
    return modified_date(json.loads(found[0]), found[1])
