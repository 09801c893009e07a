"""The cadence checklists: the visible tasks under a cadence heading (``## Daily``),
as the habits log and the checklist reset read them from the index."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import NamedTuple

from vaultkit.index.queries import VISIBLE_ROWS
from vaultkit.task_progress import cadence_of


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


def task_cadence(section: str) -> str | None:
    """The cadence of a task in ``section`` (its heading path, " > "-joined): the one call that
    says it, so that every reader of the checklists follows however cadences are named."""
    return cadence_of(section)


def checklist_tasks(
    connection: sqlite3.Connection, cadences: Collection[str]
) -> list[ChecklistTask]:
    """The tasks under a heading of one of ``cadences``, by note and line; cancelled ones and
    tasks without text left out."""
    found: list[ChecklistTask] = []
    for note, line, section, text, status, parent, done in connection.execute(
        "SELECT note, line, section, text, status, parent_line, done FROM tasks "
        f"WHERE {VISIBLE_ROWS} AND status != 'cancelled' AND text != '' ORDER BY note, line"
    ):
        cadence = task_cadence(section)
        if cadence is not None and cadence in cadences:
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
