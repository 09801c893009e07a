"""The cadence checklists: the visible tasks under a cadence heading (``## Daily``),
as the habits log and the checklist reset read them from the index."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import NamedTuple

from vaultkit.index.queries import VISIBLE_ROWS


class ChecklistTask(NamedTuple):
    """One task of a cadence checklist."""

    note: str
    line: int
    cadence: str
    text: str
    status: str
    """The Tasks plugin's status: ``done`` is ticked (``x`` or ``X``)."""
    nested: bool
    """Under another task: a step of an item rather than an item of the list."""
    done: str | None = None
    """The Tasks plugin's done date (``✅ YYYY-MM-DD``), if any."""


def checklist_tasks(
    connection: sqlite3.Connection, cadences: Collection[str]
) -> list[ChecklistTask]:
    """The tasks under a heading of one of ``cadences``, by note and line; cancelled ones and
    tasks without text left out. A task's cadence is the index's, derived from
    ``[status.cadences]`` (:mod:`vaultkit.cadences`), so the checklists follow however the
    user names their headings."""
    wanted = list(cadences)
    if not wanted:
        return []
    found: list[ChecklistTask] = []
    for note, line, cadence, text, status, parent, done in connection.execute(
        "SELECT note, line, cadence, text, status, parent_line, done FROM tasks "
        f"WHERE {VISIBLE_ROWS} AND status != 'cancelled' AND text != '' "
        f"AND cadence IN ({', '.join('?' * len(wanted))}) ORDER BY note, line",
        wanted,
    ):
        found.append(ChecklistTask(note, line, cadence, text, status, parent is not None, done))
    return found


def ticked_daily(connection: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(every Daily checklist item's text, those ticked now), each once, in vault order.

    The items are the checklist's own tasks: a task nested under one is a step of it (a
    chapter of a book), not a habit."""
    tasks = [task for task in checklist_tasks(connection, ("daily",)) if not task.nested]
    every = list(dict.fromkeys(task.text for task in tasks))
    ticked = list(dict.fromkeys(task.text for task in tasks if task.status == "done"))
    return every, ticked
