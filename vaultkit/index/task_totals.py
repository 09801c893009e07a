"""The Status dashboard's vault-wide task sums, kept in the index beside the rows they sum.

Status heads with totals over every visible note (tasks done, counted, open; notes and
sections that hold tasks; per cadence) and counts its overdue and due-soon lists. Summing them
per render costs a 10,000-note vault ~25 ms on every save that ticks a task, and grows with the
vault. So the indexer keeps them current, inside its transaction:

* ``task_totals(key, value)``: ``done``, ``total`` (cancelled tasks left out), ``open``,
  ``notes`` and ``sections`` (those with a task that counts), ``hidden`` and
  ``hidden_notes`` (checkbox items inside comments, and the notes holding some), ``ready``
  and ``blocked`` (open tasks with a dependency, by their blocked state), and per
  cadence ``cadence_done:<c>``, ``cadence_total:<c>``, ``cadence_sections:<c>``;
* ``task_due_open(due, open)``: open tasks per due date, so that "overdue" and "due soon" are
  a range sum over a few hundred dates.

:func:`sums` is the definition (the tests hold the kept tables to it). After a cold start or a
change of what is visible the tables are rebuilt from it; otherwise each changed note's own
sums, as stored before and after its update, move them, and so does each blocked state the
task graph moves in a note that did not change (:func:`block_sums`). Zero rows are dropped,
so a cadence is present exactly when some visible section of it is.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

from vaultkit.index.queries import IN_LIST_SIZE, VISIBLE_ROWS
from vaultkit.task_progress import OPEN_STATUSES

VISIBLE = VISIBLE_ROWS
"""The ``where`` of :func:`sums` for the whole vault: notes no dashboard hides."""
_OPEN = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"
_DUE = "due:"
"""Key prefix of the due-date counts in a :class:`Counter` of sums."""


def sums(connection: sqlite3.Connection, where: str, params: tuple[str, ...] = ()) -> Counter[str]:
    """The sums over the index rows that ``where`` picks (``note = ?`` for one note, or the
    visibility test for the vault): totals keys as in ``task_totals``, and ``due:<date>``
    for the due-date counts."""
    found: Counter[str] = Counter()
    done, total, open_count, notes, sections = connection.execute(
        "SELECT coalesce(sum(done), 0), coalesce(sum(total), 0), coalesce(sum(open), 0), "
        "count(DISTINCT CASE WHEN total > 0 THEN note END), coalesce(sum(total > 0), 0) "
        f"FROM task_sections WHERE {where}",
        params,
    ).fetchone()
    found.update(done=done, total=total, open=open_count, notes=notes, sections=sections)
    hidden, hidden_notes = connection.execute(
        f"SELECT count(*), count(DISTINCT note) FROM hidden_tasks WHERE {where}", params
    ).fetchone()
    found.update(hidden=hidden, hidden_notes=hidden_notes)
    ready, blocked = connection.execute(
        "SELECT coalesce(sum(blocked = 0), 0), coalesce(sum(blocked = 1), 0) FROM tasks "
        f"WHERE blocked IS NOT NULL AND {_OPEN} AND {where}",
        params,
    ).fetchone()
    found.update(ready=ready, blocked=blocked)
    for cadence, cadence_done, cadence_total, rows in connection.execute(
        "SELECT cadence, sum(done), sum(total), count(*) FROM task_sections "
        f"WHERE cadence IS NOT NULL AND {where} GROUP BY cadence",
        params,
    ):
        found[f"cadence_done:{cadence}"] += cadence_done
        found[f"cadence_total:{cadence}"] += cadence_total
        found[f"cadence_sections:{cadence}"] += rows
    for due, count in connection.execute(
        f"SELECT due, count(*) FROM tasks WHERE due IS NOT NULL AND {_OPEN} AND {where} "
        "GROUP BY due",
        params,
    ):
        found[_DUE + due] += count
    return found


def note_sums(connection: sqlite3.Connection, path: str) -> Counter[str]:
    """One note's share of the sums, as the index holds it now (nothing if it is hidden)."""
    return sums(connection, f"note = ? AND {VISIBLE}", (path,))


def block_sums(
    connection: sqlite3.Connection, moves: Sequence[tuple[int, int | None, int | None]]
) -> Counter[str]:
    """What the blocked states the task graph moved ((rowid, before, now), by
    :func:`vaultkit.graph.links.refresh_graph`) move in the sums: ``ready`` and ``blocked``
    of the open tasks of visible notes among them."""
    found: Counter[str] = Counter()
    for start in range(0, len(moves), IN_LIST_SIZE):
        chunk = moves[start : start + IN_LIST_SIZE]
        counted = {
            rowid
            for (rowid,) in connection.execute(
                f"SELECT rowid FROM tasks WHERE rowid IN ({','.join('?' * len(chunk))}) "
                f"AND {_OPEN} AND {VISIBLE}",
                [rowid for rowid, _, _ in chunk],
            )
        }
        for rowid, before, now in chunk:
            if rowid in counted:
                found["ready"] += (now == 0) - (before == 0)
                found["blocked"] += (now == 1) - (before == 1)
    return found


def rebuild(connection: sqlite3.Connection) -> None:
    """Sum every visible note anew (inside the caller's transaction)."""
    connection.execute("DELETE FROM task_totals")
    connection.execute("DELETE FROM task_due_open")
    move(connection, sums(connection, VISIBLE))


def move(connection: sqlite3.Connection, change: Counter[str]) -> None:
    """Add ``change`` (new sums minus old ones of the notes that changed) to the kept sums."""
    totals = [(key, value) for key, value in change.items() if value and not key.startswith(_DUE)]
    dues = [
        (key[len(_DUE) :], value) for key, value in change.items() if value and key.startswith(_DUE)
    ]
    connection.executemany(
        "INSERT INTO task_totals(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
        totals,
    )
    connection.executemany(
        "INSERT INTO task_due_open(due, open) VALUES (?, ?) "
        "ON CONFLICT(due) DO UPDATE SET open = open + excluded.open",
        dues,
    )
    connection.executemany(
        "DELETE FROM task_totals WHERE key = ? AND value = 0", [(key,) for key, _ in totals]
    )
    connection.executemany(
        "DELETE FROM task_due_open WHERE due = ? AND open = 0", [(due,) for due, _ in dues]
    )


def kept(connection: sqlite3.Connection) -> Counter[str]:
    """Everything kept, shaped as :func:`sums` returns it."""
    found: Counter[str] = Counter(totals(connection))
    for due, count in connection.execute("SELECT due, open FROM task_due_open"):
        found[_DUE + due] = count
    return found


def totals(connection: sqlite3.Connection) -> dict[str, int]:
    """The kept totals (a key that is not there is zero)."""
    return dict(connection.execute("SELECT key, value FROM task_totals"))


def open_due(connection: sqlite3.Connection, after: str | None, before: str) -> int:
    """Open tasks due in [``after``, ``before``] (``after`` None: any time before ``before``,
    which is then excluded)."""
    if after is None:
        row = connection.execute(
            "SELECT coalesce(sum(open), 0) FROM task_due_open WHERE due < ?", (before,)
        ).fetchone()
    else:
        row = connection.execute(
            "SELECT coalesce(sum(open), 0) FROM task_due_open WHERE due BETWEEN ? AND ?",
            (after, before),
        ).fetchone()
    return int(row[0])
