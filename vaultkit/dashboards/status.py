"""The Status dashboard's context: progress, cadence groups, the task lists, and the checkbox
items hidden in comments (counted nowhere, but said where they are).

The sums and list lengths are kept by the indexer (:mod:`vaultkit.index.task_totals`); the
lists are :class:`~vaultkit.dashboards.rows.Rows`, read only as far as a template looks.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from typing import Any

from vaultkit.cadences import Cadences
from vaultkit.dashboards.common import OPEN, Inputs, task_rows
from vaultkit.dashboards.rows import Rows
from vaultkit.index import task_totals as task_totals
from vaultkit.index.queries import HIDDEN_TASKS, VISIBLE_ROWS, hidden_task_comments
from vaultkit.task_progress import Progress

DUE_SOON_DAYS = 7
RECENT_DAYS = 7

_BY_DUE = "t.due, t.note, t.line"
_BY_LINE = "t.note, t.line"


def make_status(inputs: Inputs) -> dict[str, Any]:
    """``status``: progress and the task lists of the Status dashboard, summed in SQLite."""
    connection, today = inputs.connection, inputs.today
    # The sums are kept by the indexer (vaultkit.index.task_totals): the lists are all that is read.
    kept = task_totals.totals(connection)
    done, total = kept.get("done", 0), kept.get("total", 0)
    today_iso = today.isoformat()
    soon_iso = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    return {
        "overall": Progress(done, total),
        "notes": _note_progress(connection, kept),
        "sections": _section_progress(connection, kept),
        "cadences": _cadences(connection, kept, Cadences(inputs.config.status.cadences)),
        "overdue": task_rows(
            connection,
            f"t.due IS NOT NULL AND t.due < ? AND t.{OPEN}",
            (today_iso,),
            _BY_DUE,
            count=task_totals.open_due(connection, None, today_iso),
        ),
        "due_soon": task_rows(
            connection,
            f"t.due IS NOT NULL AND t.due BETWEEN ? AND ? AND t.{OPEN}",
            (today_iso, soon_iso),
            _BY_DUE,
            count=task_totals.open_due(connection, today_iso, soon_iso),
        ),
        "ready": task_rows(
            connection, f"t.blocked = 0 AND t.{OPEN}", (), _BY_LINE, count=kept.get("ready", 0)
        ),
        "blocked": task_rows(
            connection, f"t.blocked = 1 AND t.{OPEN}", (), _BY_LINE, count=kept.get("blocked", 0)
        ),
        "completed": _completed(connection, today),
        "open_count": kept.get("open", 0),
        "hidden_tasks": _hidden_tasks(connection, kept),
    }


def _hidden_tasks(connection: sqlite3.Connection, kept: Mapping[str, int]) -> dict[str, Any]:
    """The checkbox items inside comments, which count nowhere: how many, and in which notes
    and comments, so that the dashboard can say where they are. A vault can hold tens of
    thousands; the dashboard names a few notes, so the notes are read as the template asks."""

    def place(row: tuple[Any, ...]) -> dict[str, Any]:
        note, count = row
        comments = hidden_task_comments(connection, note)
        return {
            "note": note,
            "count": count,
            "comments": [
                {"line": c["line"], "end_line": c["end_line"], "count": c["tasks"]}
                for c in comments
            ],
        }

    # The counts are kept by the indexer (vaultkit.index.task_totals).
    return {
        "count": kept.get("hidden", 0),
        "notes": Rows(
            connection,
            "note, count(*)",
            f"{HIDDEN_TASKS} GROUP BY note",
            order="note",
            convert=place,
            count=kept.get("hidden_notes", 0),
        ),
    }


def _progress_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, done, total = row
    return {"note": note, "progress": Progress(done, total)}


def _section_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, section, done, total = row
    return {"note": note, "section": section, "progress": Progress(done, total)}


def _note_progress(connection: sqlite3.Connection, kept: Mapping[str, int]) -> Rows:
    return Rows(
        connection,
        "note, sum(done), sum(total)",
        f"FROM task_sections WHERE {VISIBLE_ROWS} GROUP BY note HAVING sum(total) > 0",
        order="note",
        convert=_progress_row,
        count=kept.get("notes", 0),
    )


def _section_progress(connection: sqlite3.Connection, kept: Mapping[str, int]) -> Rows:
    return Rows(
        connection,
        "note, section, done, total",
        f"FROM task_sections WHERE total > 0 AND {VISIBLE_ROWS}",
        order="note, section",
        convert=_section_row,
        count=kept.get("sections", 0),
    )


def _cadences(
    connection: sqlite3.Connection, kept: Mapping[str, int], cadences: Cadences
) -> list[dict[str, Any]]:
    """One group per cadence of ``[status.cadences]`` that some section of the vault is named
    for, in the order the table names them (the index derived each task's cadence with the
    same table: :mod:`vaultkit.index.cadences`)."""
    return [
        {
            "cadence": cadence,
            "progress": Progress(
                kept.get(f"cadence_done:{cadence}", 0), kept.get(f"cadence_total:{cadence}", 0)
            ),
            "tasks": task_rows(connection, "t.cadence = ?", (cadence,), _BY_LINE),
        }
        for cadence in cadences.order
        if kept.get(f"cadence_sections:{cadence}")
    ]


def _completed(connection: sqlite3.Connection, today: dt.date) -> list[dict[str, Any]]:
    """The tasks done in the last :data:`RECENT_DAYS` days, by day, newest first."""
    recent_iso = (today - dt.timedelta(days=RECENT_DAYS)).isoformat()
    days = connection.execute(
        f"SELECT DISTINCT done FROM tasks WHERE done BETWEEN ? AND ? AND status = 'done' "
        f"AND {VISIBLE_ROWS} ORDER BY done DESC",
        (recent_iso, today.isoformat()),
    )
    return [
        {
            "day": day,
            "tasks": task_rows(connection, "t.done = ? AND t.status = 'done'", (day,), _BY_LINE),
        }
        for (day,) in days.fetchall()
    ]
