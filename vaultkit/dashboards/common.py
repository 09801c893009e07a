"""What every context maker reads, and the context names every dashboard shares.

A context maker is a function of :class:`Inputs` returning the value of one name a template
reads (the registry, :mod:`vaultkit.dashboards.registry`, lists them). Each is a pure function
of the index and ``today``: no clock reads, no randomness, stable ordering, so two machines
syncing the same vault render identical bytes. The names are documented in
``docs/templates.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from vaultkit.config.schema import Config
from vaultkit.dashboards.rows import Rows
from vaultkit.index.queries import (
    HIDDEN_NOTES,
    IN_LIST_SIZE,
    TASK_COLUMNS,
    VISIBLE_NOTES_NAMED,
    VISIBLE_ROWS,
    task_from_row,
    visible_notes_named_in,
)
from vaultkit.index.topic_memo import TopicMemo
from vaultkit.obsidian.resolve import file_name_key

MODIFIED_PROPERTIES = ("updated", "modified", "last_modified", "last-modified", "date modified")
"""Properties that say when a note was last modified (compared case-insensitively)."""


class Markdown(str):
    """Text that is markdown already (a link the ``wikilink`` filter wrote, inline code): the
    ``cell`` filter keeps its markup and escapes only what would end a table cell."""

    __slots__ = ()


class CellMarkdown(Markdown):
    """Markdown as the user wrote it (a kept table's cell, a topic's list item): the ``cell``
    filter keeps its markup (links, emphasis, ``<br>``) and escapes only what would end the
    cell."""

    __slots__ = ()


OPEN = "status IN ('todo', 'in_progress', 'other')"
"""A task row that is still to be done (SQL)."""


class Checklists(NamedTuple):
    """The Daily checklists as habits (``[habits] sources = ["checklists"]``): read by the sync
    from the index and the habits log note, which is not in the index."""

    items: tuple[str, ...]
    """Every Daily checklist item's text: each is a habit."""
    history: Mapping[dt.date, tuple[str, ...]]
    """Day -> the items the log lists as done that day (today's line as this sync writes it)."""


class NameCounts:
    """How many notes the dashboards show have each file-name key (``files.name_key``), asked
    of the index and kept for one render: a dashboard's wikilink needs a note's folder only
    when its name is not unique (:class:`vaultkit.dashboards.helpers.Linker`).

    A name is asked for when a link first needs it, one query each, unless :meth:`prime` has
    counted it: a table linking thousands of notes counts their names with the query that
    found the notes.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._counts: dict[str, int] = {}
        self._keys: dict[str, str] = {}

    def __call__(self, key: str) -> int:
        count = self._counts.get(key)
        if count is None:
            row = self._connection.execute(VISIBLE_NOTES_NAMED, (key,)).fetchone()
            count = self._counts[key] = int(row[0])
        return count

    def key_of(self, path: str) -> str:
        """The file-name key of a note's path, as :meth:`prime` was told it or worked out."""
        key = self._keys.get(path)
        return key if key is not None else file_name_key(path)

    def prime(self, shown: Iterable[tuple[str, str, int]]) -> None:
        """Count the file names of the notes the dashboards show, given as (vault path, name
        key, how many files have that name: :func:`~vaultkit.index.queries.name_and_namesakes`),
        in few queries.

        A name only one file has is the name of one shown note, the one given. Only the names
        more files share (rare) are counted as :data:`VISIBLE_NOTES_NAMED` counts them.
        """
        counts = self._counts
        shared: list[str] = []
        for path, key, files in shown:
            self._keys[path] = key
            if key not in counts:
                counts[key] = files
                if files > 1:
                    shared.append(key)
        for start in range(0, len(shared), IN_LIST_SIZE):
            chunk = shared[start : start + IN_LIST_SIZE]
            counts.update(dict.fromkeys(chunk, 0))
            counts.update(self._connection.execute(visible_notes_named_in(len(chunk)), chunk))


@dataclass
class Inputs:
    """What a context maker reads: the index, the config, the run's today and the vault's name.

    Large lists are :class:`~vaultkit.dashboards.rows.Rows` read from ``connection`` while the
    templates render, so the connection must stay open (in one read transaction, for a
    consistent view) until rendering is done.
    """

    connection: sqlite3.Connection
    config: Config
    today: dt.date
    vault_name: str
    checklists: Checklists | None = None
    """None unless ``"checklists"`` is among ``[habits] sources``."""
    names: NameCounts | None = None
    """The name counts the ``wikilink`` filter reads, for a context maker to :meth:`prime
    <NameCounts.prime>` with the notes its table links; None: nothing to prime."""
    found: dict[str, Any] = field(default_factory=dict)
    """What a context maker found that another of the same render may reuse instead of asking
    the index again, under the name of the maker that found it."""
    topic_memo: TopicMemo | None = None
    """Where the topics are read from the index's memo, and its update left for the sync to
    save; None: the topics are found by the full query."""

    @cached_property
    def notes(self) -> Rows:
        """Every visible note (shared by ``notes`` and ``vault``, so it is counted once)."""
        return Rows(
            self.connection,
            "n.path, n.title, n.tags, n.properties",
            f"FROM notes n WHERE n.path NOT IN ({HIDDEN_NOTES})",
            order="n.path",
            convert=_note,
        )


def _note(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "path": row[0],
        "title": row[1],
        "tags": json.loads(row[2]),
        "properties": json.loads(row[3]),
    }


def task_rows(
    connection: sqlite3.Connection,
    where: str,
    params: Sequence[Any],
    order: str,
    count: int | None = None,
) -> Rows:
    """The visible tasks matching ``where`` (SQL on the ``tasks`` table as ``t``), lazily."""
    return Rows(
        connection,
        TASK_COLUMNS,
        f"FROM tasks t WHERE t.{VISIBLE_ROWS} AND {where}",
        params,
        order=order,
        convert=task_from_row,
        count=count,
    )


def make_vault(inputs: Inputs) -> dict[str, Any]:
    """``vault``: ``{name, notes}``."""
    return {"name": inputs.vault_name, "notes": len(inputs.notes)}


def make_today(inputs: Inputs) -> str:
    """``today``: ``YYYY-MM-DD``."""
    return inputs.today.isoformat()


def make_notes(inputs: Inputs) -> Rows:
    """``notes``: every visible note, ``{path, title, tags, properties}``."""
    return inputs.notes


def make_tasks(inputs: Inputs) -> Rows:
    """``tasks``: every visible task, as ``vaultkit tasks --json`` gives it."""
    return task_rows(inputs.connection, "1", (), "t.note, t.line")


def modified_date(properties: dict[str, Any], mtime_ns: int) -> str:
    """A note's last-modified date: its own property when it has one, else the file's mtime.

    A property travels with the note, while mtimes are reset by clones and some sync
    services; preferring it keeps two machines' dashboards identical.
    """
    for key, value in properties.items():
        if key.casefold() in MODIFIED_PROPERTIES and isinstance(value, str) and value[:10]:
            try:
                return dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                continue
    return dt.datetime.fromtimestamp(mtime_ns / 1e9, dt.UTC).date().isoformat()
