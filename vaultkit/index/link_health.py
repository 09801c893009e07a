"""The Link health dashboard's vault-wide counts and orphan list, kept beside the link rows.

Link health heads with how many links resolve, how many do not (links and embeds apart),
how many point at a missing anchor, and which notes are orphans (no link out, none in).
Counting them per render scans every link of the vault: ~0.25 s at 10,000 notes on every
change to any link, ten times that at 100,000. So the indexer keeps them, inside its
transaction:

* ``link_notes(note, resolved, unresolved, missing, broken, orphan)``: one row per visible
  note, its own links counted by state (``missing``: unresolved embeds; ``unresolved``: the
  other unresolved links) and whether it is an orphan;
* ``link_totals(key, value)``: the sums of those columns, and ``notes``, the visible notes.

:func:`note_row` is the definition (the tests hold the kept tables to a fresh build). After a
cold start or a change of what is visible the tables are rebuilt; otherwise the notes an
update touched are counted again (:func:`refresh`): the notes whose links were replaced, added
or removed, the notes whose links link resolution changed, and every note such a link pointed
at before or points at now (its orphan state may have moved).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from vaultkit.index.visibility import HIDDEN_NOTES

INTERNAL = "kind IN ('wikilink', 'embed', 'markdown')"
"""A link to a note or file of the vault (SQL)."""

_SUMS = (
    ("resolved", "CASE WHEN resolved IS NULL THEN 0 WHEN anchor LIKE 'broken%' THEN 0 ELSE 1 END"),
    ("unresolved", "resolved IS NULL AND embed = 0"),
    ("missing", "resolved IS NULL AND embed = 1"),
    ("broken", "resolved IS NOT NULL AND anchor LIKE 'broken%'"),
)
_STATES = ", ".join(f"coalesce(sum({expression}), 0) AS {name}" for name, expression in _SUMS)
"""resolved, unresolved, missing, broken: a note's internal links counted by state."""

_ORPHAN = (
    # A link to a missing note still links out (Obsidian draws it to a ghost node).
    f"NOT EXISTS (SELECT 1 FROM links l WHERE l.note = n.path AND l.{INTERNAL} "
    "AND (l.resolved IS NULL OR l.resolved != n.path)) "
    "AND NOT EXISTS (SELECT 1 FROM links l WHERE l.resolved = n.path AND l.note != n.path)"
)
"""Whether the note ``n`` is an orphan: it links nowhere and no other note links to it."""

COLUMNS = ("resolved", "unresolved", "missing", "broken", "orphan")
"""The counted columns of ``link_notes``, in order; ``link_totals`` sums each."""

Row = tuple[int, int, int, int, int]


def note_row(connection: sqlite3.Connection, path: str) -> Row | None:
    """One note's counts and orphan state (None: no such note, or one the views hide)."""
    found = connection.execute(
        f"SELECT {_ORPHAN} FROM notes n WHERE n.path = ? AND n.path NOT IN ({HIDDEN_NOTES})",
        (path,),
    ).fetchone()
    if found is None:
        return None
    resolved, unresolved, missing, broken = connection.execute(
        f"SELECT {_STATES} FROM links WHERE note = ? AND {INTERNAL}", (path,)
    ).fetchone()
    return (resolved, unresolved, missing, broken, int(found[0]))


def rebuild(connection: sqlite3.Connection) -> None:
    """Count every visible note anew (inside the caller's transaction).

    Grouped passes over the links, not :func:`note_row` per note: a new index is filled
    before its secondary indexes are built (``vaultkit.index.store.bulk_load``).
    """
    connection.execute("DELETE FROM link_notes")
    connection.execute(
        "INSERT INTO link_notes(note, resolved, unresolved, missing, broken, orphan) "
        "SELECT n.path, coalesce(c.resolved, 0), coalesce(c.unresolved, 0), "
        "coalesce(c.missing, 0), coalesce(c.broken, 0), "
        "coalesce(c.out, 0) = 0 AND i.resolved IS NULL "
        "FROM notes n LEFT JOIN ("
        f"  SELECT note, {_STATES}, "
        "  coalesce(sum(resolved IS NULL OR resolved != note), 0) AS out "
        f"  FROM links WHERE {INTERNAL} GROUP BY note"
        ") c ON c.note = n.path LEFT JOIN ("
        "  SELECT DISTINCT resolved FROM links WHERE resolved IS NOT NULL AND note != resolved"
        f") i ON i.resolved = n.path WHERE n.path NOT IN ({HIDDEN_NOTES})"
    )
    connection.execute("DELETE FROM link_totals")
    sums = connection.execute(
        f"SELECT count(*), {', '.join(f'coalesce(sum({c}), 0)' for c in COLUMNS)} FROM link_notes"
    ).fetchone()
    connection.executemany(
        "INSERT INTO link_totals(key, value) VALUES (?, ?)",
        zip(("notes", *COLUMNS), sums, strict=True),
    )


def refresh(connection: sqlite3.Connection, touched: Iterable[str | None]) -> None:
    """Count the ``touched`` notes again and move the totals by what moved (inside the
    caller's transaction); None entries (an unresolved link's target) are ignored."""
    change = dict.fromkeys(("notes", *COLUMNS), 0)
    for path in sorted({path for path in touched if path is not None}):
        old = connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM link_notes WHERE note = ?", (path,)
        ).fetchone()
        new = note_row(connection, path)
        if old == new:
            continue
        if old is not None:
            connection.execute("DELETE FROM link_notes WHERE note = ?", (path,))
            change["notes"] -= 1
            for column, value in zip(COLUMNS, old, strict=True):
                change[column] -= value
        if new is not None:
            connection.execute(
                "INSERT INTO link_notes(note, resolved, unresolved, missing, broken, orphan) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (path, *new),
            )
            change["notes"] += 1
            for column, value in zip(COLUMNS, new, strict=True):
                change[column] += value
    connection.executemany(
        "UPDATE link_totals SET value = value + ? WHERE key = ?",
        [(value, key) for key, value in change.items() if value],
    )


def totals(connection: sqlite3.Connection) -> dict[str, int]:
    """The kept totals: ``notes`` (visible) and one per :data:`COLUMNS` name."""
    kept = dict.fromkeys(("notes", *COLUMNS), 0)
    kept.update(connection.execute("SELECT key, value FROM link_totals"))
    return kept


def orphans(connection: sqlite3.Connection) -> list[str]:
    """The visible notes that link nowhere and that no other note links to, by path."""
    return [row[0] for row in connection.execute(_ORPHANS)]


_ORPHANS = "SELECT note FROM link_notes WHERE orphan = 1 ORDER BY note"


def linked_from(connection: sqlite3.Connection, notes: Iterable[str]) -> set[str]:
    """The notes the links of ``notes`` point at now (their orphan state can move with them)."""
    found: set[str] = set()
    for path in notes:
        found.update(
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT resolved FROM links WHERE note = ? AND resolved IS NOT NULL",
                (path,),
            )
        )
    return found
