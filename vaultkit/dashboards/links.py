"""The Link health dashboard's context, as ``vaultkit links --json`` reports it.

Unresolved links, broken anchors, orphan notes and missing embeds, with lazily read lists.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from vaultkit.dashboards.common import Inputs
from vaultkit.dashboards.rows import Rows
from vaultkit.index.queries import (
    BROKEN_COLUMNS,
    EXCLUDED_NOTES,
    HIDDEN_NOTES,
    UNRESOLVED_COLUMNS,
    VISIBLE_ROWS,
    broken_row,
    unresolved_row,
)

_INTERNAL = "kind IN ('wikilink', 'embed', 'markdown')"
"""A link to a note or file of the vault (SQL)."""


def make_links(inputs: Inputs) -> dict[str, Any]:
    """``links``: counts, and the unresolved, broken-anchor and orphan lists."""
    connection = inputs.connection
    counts = dict(
        connection.execute(
            "SELECT CASE WHEN resolved IS NULL THEN 'unresolved' "
            "WHEN anchor LIKE 'broken%' THEN 'broken_anchor' ELSE 'resolved' END AS state, "
            f"count(*) FROM links WHERE {_INTERNAL} AND {VISIBLE_ROWS} GROUP BY state"
        ).fetchall()
    )
    orphans = _orphans(connection)
    notes, excluded = connection.execute(
        f"SELECT sum(path NOT IN ({HIDDEN_NOTES})), sum(path IN ({EXCLUDED_NOTES})) FROM notes"
    ).fetchone()
    return {
        "notes": notes or 0,
        "excluded_notes": excluded or 0,
        "resolved": counts.get("resolved", 0),
        "unresolved_count": counts.get("unresolved", 0),
        "broken_anchor_count": counts.get("broken_anchor", 0),
        "orphan_count": len(orphans),
        "unresolved": _unresolved(connection),
        "unresolved_links": _unresolved(connection, " AND embed = 0"),
        "missing_embeds": _unresolved(connection, " AND embed = 1"),
        "broken_anchors": Rows(
            connection,
            BROKEN_COLUMNS,
            f"FROM links WHERE anchor LIKE 'broken%' AND {VISIBLE_ROWS}",
            order="note, line",
            convert=broken_row,
        ),
        "orphans": orphans,
    }


def _unresolved(connection: sqlite3.Connection, extra: str = "") -> Rows:
    return Rows(
        connection,
        UNRESOLVED_COLUMNS,
        f"FROM links WHERE resolved IS NULL AND {_INTERNAL} AND {VISIBLE_ROWS}{extra}",
        order="note, line",
        convert=unresolved_row,
    )


def _orphans(connection: sqlite3.Connection) -> Rows:
    """Visible notes that link nowhere and that no other note links to."""
    return Rows(
        connection,
        "n.path",
        # A link to a missing note still links out (Obsidian draws it to a ghost node).
        f"FROM notes n WHERE n.path NOT IN ({HIDDEN_NOTES}) AND NOT EXISTS ("
        f"  SELECT 1 FROM links l WHERE l.note = n.path AND l.{_INTERNAL}"
        "  AND (l.resolved IS NULL OR l.resolved != n.path)) "
        "AND NOT EXISTS (SELECT 1 FROM links l WHERE l.resolved = n.path AND l.note != n.path)",
        order="n.path",
        convert=_first,
    )


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]
