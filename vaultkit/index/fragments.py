"""The ``fragments`` table: the rendered fragments of ``{% cache %}`` blocks, per dashboard.

What a fragment is and when one is reused is :mod:`vaultkit.dashboards.fragments`'; this
module only reads and replaces the rows. The table is a cache of a cache: losing it costs one
full render of each table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping


def load_fragments(connection: sqlite3.Connection, dashboard: str) -> dict[str, str]:
    """One dashboard's stored fragments: key digest -> text."""
    return dict(
        connection.execute("SELECT key, text FROM fragments WHERE dashboard = ?", (dashboard,))
    )


def save_fragments(
    connection: sqlite3.Connection,
    changes: Iterable[tuple[str, Collection[str], Mapping[str, str]]],
    dashboards: Collection[str],
) -> None:
    """Apply each ``(dashboard, dropped digests, new fragments)`` of a render, and drop the
    fragments of any dashboard not among ``dashboards`` (the config's); in the caller's
    transaction."""
    for dashboard, dropped, new in changes:
        connection.executemany(
            "DELETE FROM fragments WHERE dashboard = ? AND key = ?",
            [(dashboard, digest) for digest in dropped],
        )
        connection.executemany(
            "INSERT OR REPLACE INTO fragments(dashboard, key, text) VALUES (?, ?, ?)",
            [(dashboard, digest, text) for digest, text in new.items()],
        )
    names = sorted(dashboards)
    connection.execute(
        f"DELETE FROM fragments WHERE dashboard NOT IN ({', '.join('?' * len(names))})", names
    )
