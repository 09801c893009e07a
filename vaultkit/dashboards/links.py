"""The Link health dashboard's context, as ``vaultkit links --json`` reports it.

Unresolved links, broken anchors, orphan notes and missing embeds, with lazily read lists.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from vaultkit.dashboards.common import Inputs
from vaultkit.dashboards.rows import Rows
from vaultkit.index import link_health
from vaultkit.index.link_health import INTERNAL
from vaultkit.index.queries import (
    BROKEN_COLUMNS,
    EXCLUDED_NOTES,
    UNRESOLVED_COLUMNS,
    VISIBLE_ROWS,
    broken_row,
    unresolved_row,
)


def make_links(inputs: Inputs) -> dict[str, Any]:
    """``links``: counts, and the unresolved, broken-anchor and orphan lists.

    The counts are kept by the indexer (:mod:`vaultkit.index.link_health`): counting them here
    would read every link of the vault on every render.
    """
    connection = inputs.connection
    kept = link_health.totals(connection)
    unresolved = kept["unresolved"] + kept["missing"]
    (excluded,) = connection.execute(
        f"SELECT count(*) FROM notes WHERE path IN ({EXCLUDED_NOTES})"
    ).fetchone()
    return {
        "notes": kept["notes"],
        "excluded_notes": excluded,
        "resolved": kept["resolved"],
        "unresolved_count": unresolved,
        "broken_anchor_count": kept["broken"],
        "orphan_count": kept["orphan"],
        "unresolved": _unresolved(connection, count=unresolved),
        "unresolved_links": _unresolved(connection, " AND embed = 0", kept["unresolved"]),
        "missing_embeds": _unresolved(connection, " AND embed = 1", kept["missing"]),
        "broken_anchors": Rows(
            connection,
            BROKEN_COLUMNS,
            f"FROM links WHERE anchor LIKE 'broken%' AND {VISIBLE_ROWS}",
            order="note, line",
            convert=broken_row,
            count=kept["broken"],
        ),
        "orphans": Rows(
            connection,
            "note",
            "FROM link_notes WHERE orphan = 1",
            order="note",
            convert=_first,
            count=kept["orphan"],
        ),
    }


def _unresolved(connection: sqlite3.Connection, extra: str = "", count: int | None = None) -> Rows:
    return Rows(
        connection,
        UNRESOLVED_COLUMNS,
        f"FROM links WHERE resolved IS NULL AND {INTERNAL} AND {VISIBLE_ROWS}{extra}",
        order="note, line",
        convert=unresolved_row,
        count=count,
    )


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]
