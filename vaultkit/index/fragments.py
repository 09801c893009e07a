"""The ``fragments`` table: the rendered fragments of ``{% cache %}`` blocks, per dashboard.

What a fragment is and when one is reused is :mod:`vaultkit.dashboards.fragments`'; this
module only reads and replaces the rows. The table is a cache of a cache: losing it costs one
full render of each table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence

from vaultkit.index.queries import IN_LIST_SIZE


def fragment_texts(
    connection: sqlite3.Connection, dashboard: str, keys: Sequence[str]
) -> dict[str, str]:
    """The stored texts of those of ``keys`` the dashboard has (key -> text)."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), IN_LIST_SIZE):
        chunk = keys[start : start + IN_LIST_SIZE]
        found.update(
            connection.execute(
                f"SELECT key, text FROM fragments WHERE dashboard = ? AND key IN {_among(chunk)}",
                (dashboard, *chunk),
            )
        )
    return found


def load_fragments(connection: sqlite3.Connection, dashboard: str) -> dict[str, str]:
    """One dashboard's stored fragments: key -> text."""
    return dict(
        connection.execute("SELECT key, text FROM fragments WHERE dashboard = ?", (dashboard,))
    )


def save_fragments(
    connection: sqlite3.Connection,
    changes: Iterable[tuple[str, Collection[str] | None, Mapping[str, str]]],
    dashboards: Collection[str],
) -> None:
    """Apply each ``(dashboard, dropped digests, new fragments)`` of a render (dropped None:
    every fragment of the dashboard), and drop the fragments of any dashboard not among
    ``dashboards`` (the config's); in the caller's transaction."""
    for dashboard, dropped, new in changes:
        if dropped is None:
            connection.execute("DELETE FROM fragments WHERE dashboard = ?", (dashboard,))
        else:
            connection.executemany(
                "DELETE FROM fragments WHERE dashboard = ? AND key = ?",
                [(dashboard, digest) for digest in dropped],
            )
        connection.executemany(
            "INSERT OR REPLACE INTO fragments(dashboard, key, text) VALUES (?, ?, ?)",
            [(dashboard, digest, text) for digest, text in new.items()],
        )
    connection.execute(
        f"DELETE FROM fragments WHERE dashboard NOT IN {_among(dashboards)}", [*dashboards]
    )


def fragments_to_drop(
    connection: sqlite3.Connection, unused: Collection[str], dashboards: Collection[str]
) -> bool:
    """Whether the store holds fragments of a dashboard in ``unused`` (rendered without any)
    or of one not among ``dashboards``: :func:`save_fragments` has something to drop."""
    found = connection.execute(
        f"SELECT 1 FROM fragments WHERE dashboard IN {_among(unused)} "
        f"OR dashboard NOT IN {_among(dashboards)} LIMIT 1",
        [*unused, *dashboards],
    ).fetchone()
    return found is not None


def _among(names: Collection[str]) -> str:
    return f"({', '.join('?' * len(names))})"
