"""The reading list's per-URL aggregate, kept in the index as the table ``resource_urls``.

One row per external URL mentioned in a visible note: the first mention (by note, then line)
gives its text, domain, note and section; the status sums up the tasks that mention it; the
mention count counts them all. :data:`DEFINITION` is the SQL that defines the rows. Beside
the table, the ``meta`` key ``resource_totals`` holds what the dashboard's headline counts:
URLs per status, and the (note, section) places they are listed under (:func:`totals`).

Computing the table means grouping every mention of the vault (67,000 of them in a
10,000-note benchmark vault, ~0.6 s), which a save that ticks one reading-list entry must not
pay. So the indexer keeps it current inside its transaction: after a cold start, or when what
is visible changed, it is built again in one pass; otherwise only the URLs that the changed
notes mention, or mentioned before, are grouped again from their own mentions.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from vaultkit.index.meta import RESOURCE_TOTALS_KEY
from vaultkit.index.queries import IN_LIST_SIZE
from vaultkit.index.queries import VISIBLE_ROWS as _VISIBLE
from vaultkit.task_progress import OPEN_STATUSES

_STATUS = (
    "CASE WHEN max(task_status = 'done') THEN 'done' "
    "WHEN max(task_status IN ('todo', 'in_progress', 'other')) THEN 'open' "
    "WHEN max(task_status IS NOT NULL) THEN 'cancelled' ELSE 'link' END"
)

DEFINITION = f"""
    SELECT url, domain, text, note, section, status, mentions FROM (
        SELECT url, domain, text, note, section,
               row_number() OVER (PARTITION BY url ORDER BY note, line) AS first
        FROM resources WHERE {_VISIBLE}
    ) JOIN (
        SELECT url AS status_url, {_STATUS} AS status, count(*) AS mentions
        FROM resources WHERE {_VISIBLE} GROUP BY url
    ) ON status_url = url
    WHERE first = 1
"""
"""What ``resource_urls`` holds, in SQL: the definition the tests hold :func:`group` to. (A
window function and a join take SQLite five times as long as :func:`group` does.)"""

_MENTIONS = "SELECT url, domain, text, note, section, line, task_status FROM resources"
_COLUMNS = "url, domain, text, note, section, status, mentions"
"""A row of ``resource_urls``, as :func:`group` makes it."""
_INSERT = f"INSERT INTO resource_urls ({_COLUMNS}) VALUES (?,?,?,?,?,?,?)"
_OPEN_TASK = frozenset(OPEN_STATUSES)
REBUILD_ABOVE = 5_000
"""Past this many URLs to refresh, one pass over every mention costs less."""
STATUSES = ("open", "done", "cancelled", "link")
_PLACES = "places"


def group(mentions: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of :data:`DEFINITION` from mention rows shaped like :data:`_MENTIONS`'s, in one
    pass. Every mention of a URL must be among them."""
    found: dict[str, list[Any]] = {}
    for url, domain, text, note, section, line, task_status in mentions:
        entry = found.get(url)
        if entry is None:
            # [first (note, line), domain, text, note, section, done, open, task, mentions]
            entry = found[url] = [(note, line), domain, text, note, section, 0, 0, 0, 0]
        elif (note, line) < entry[0]:
            entry[0:5] = [(note, line), domain, text, note, section]
        if task_status is not None:
            entry[7] = 1
            if task_status == "done":
                entry[5] = 1
            elif task_status in _OPEN_TASK:
                entry[6] = 1
        entry[8] += 1
    return [
        (
            url,
            domain,
            text,
            note,
            section,
            "done" if done else "open" if is_open else "cancelled" if task else "link",
            mentions,
        )
        for url, (_, domain, text, note, section, done, is_open, task, mentions) in found.items()
    ]


def _write(
    connection: sqlite3.Connection, old: set[tuple[Any, ...]], new: set[tuple[Any, ...]]
) -> None:
    """Replace the rows ``old`` by the rows ``new``. A URL in both keeps its row, updated in
    place: the pages of the URL's own index and of the domain order stay as they were."""
    domains = {row[0]: row[1] for row in old}
    updated: list[tuple[Any, ...]] = sorted(
        (*row[2:], row[0]) for row in new if domains.get(row[0]) == row[1]
    )
    staying = {row[-1] for row in updated}
    connection.executemany(
        "DELETE FROM resource_urls WHERE url = ?", [row[:1] for row in old if row[0] not in staying]
    )
    connection.executemany(
        "UPDATE resource_urls SET text = ?, note = ?, section = ?, status = ?, mentions = ? "
        "WHERE url = ?",
        updated,
    )
    connection.executemany(_INSERT, sorted(row for row in new if row[0] not in staying))


def rebuild(connection: sqlite3.Connection) -> None:
    """Fill the table anew from every visible mention (inside the caller's transaction)."""
    connection.execute("DELETE FROM resource_urls")
    connection.executemany(_INSERT, group(connection.execute(f"{_MENTIONS} WHERE {_VISIBLE}")))
    counted: dict[str, int] = dict(
        connection.execute("SELECT status, count(*) FROM resource_urls GROUP BY status")
    )
    counted[_PLACES] = connection.execute(
        "SELECT count(*) FROM (SELECT DISTINCT note, section FROM resource_urls)"
    ).fetchone()[0]
    _store_totals(connection, counted)


def totals(connection: sqlite3.Connection) -> dict[str, int]:
    """URLs per status (:data:`STATUSES`) and ``places``: distinct (note, section) pairs."""
    row = connection.execute(
        "SELECT value FROM meta WHERE key = ?", (RESOURCE_TOTALS_KEY,)
    ).fetchone()
    stored = json.loads(row[0]) if row is not None else {}
    return {key: int(stored.get(key, 0)) for key in (*STATUSES, _PLACES)}


def _store_totals(connection: sqlite3.Connection, counted: dict[str, int]) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        (RESOURCE_TOTALS_KEY, json.dumps({k: counted.get(k, 0) for k in (*STATUSES, _PLACES)})),
    )


def _listed(
    connection: sqlite3.Connection, places: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The places some URL of the table is listed under, of those given."""
    return {
        place
        for place in places
        if connection.execute(
            "SELECT 1 FROM resource_urls WHERE note = ? AND section = ? LIMIT 1", place
        ).fetchone()
    }


def visible_urls(connection: sqlite3.Connection, path: str) -> set[str]:
    """The URLs one note mentions, if the index holds it and it is visible."""
    return {
        url
        for (url,) in connection.execute(
            f"SELECT DISTINCT url FROM resources WHERE note = ? AND {_VISIBLE}", (path,)
        )
    }


def refresh(
    connection: sqlite3.Connection,
    urls: Collection[str],
    moves: Mapping[str, str] | None = None,
) -> None:
    """Group the given URLs again from their mentions as the index now holds them (inside
    the caller's transaction); URLs no visible note mentions any more leave the table.

    ``moves``: notes renamed or moved with their content and their visibility unchanged (old
    path -> new path), their rows already at the new path. A URL they mention keeps its
    status and its count, so its row changes only if a moved mention now comes first, or if
    the first came from a moved note (that URL is grouped again): a folder of 100 notes
    renamed does not read the thousands of mentions of every URL its notes mention.
    """
    regroup = set(urls)
    followed = _follow_moves(connection, moves, regroup) if moves else []
    if len(regroup) > REBUILD_ABOVE:
        rebuild(connection)
        return
    # Only rows that differ are written: rewriting a row as it was costs the pages of the
    # table and its three indexes.
    old = {row for row, _ in followed}
    new = {row for _, row in followed}
    ordered = sorted(regroup)
    for start in range(0, len(ordered), IN_LIST_SIZE):
        chunk = ordered[start : start + IN_LIST_SIZE]
        marks = ",".join("?" * len(chunk))
        kept = set(
            connection.execute(
                f"SELECT {_COLUMNS} FROM resource_urls WHERE url IN ({marks})", chunk
            )
        )
        grouped = set(
            group(connection.execute(f"{_MENTIONS} WHERE url IN ({marks}) AND {_VISIBLE}", chunk))
        )
        old |= kept - grouped
        new |= grouped - kept
    # The totals move by what leaves and what comes in; a place counts while any URL is
    # listed under it, so the places touched are looked up before and after.
    places = {(row[3], row[4]) for row in old | new}
    before = _listed(connection, places)
    moved: Counter[str] = Counter(row[5] for row in new)
    moved.subtract(row[5] for row in old)
    _write(connection, old, new)
    counted = totals(connection)
    for status, change in moved.items():
        counted[status] += change
    counted[_PLACES] += len(_listed(connection, places)) - len(before)
    _store_totals(connection, counted)


def _follow_moves(
    connection: sqlite3.Connection, moves: Mapping[str, str], regroup: set[str]
) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(old row, new row) of the URLs whose first mention is now a moved one, for the URLs
    the moved notes mention and ``regroup`` does not hold; adds to ``regroup`` those whose
    first mention was in a moved note (or that have no row to compare with)."""
    first: dict[str, tuple[tuple[str, int], str, str, str]] = {}
    paths = sorted(moves.values())
    for start in range(0, len(paths), IN_LIST_SIZE):
        chunk = paths[start : start + IN_LIST_SIZE]
        for url, domain, text, note, section, line in connection.execute(
            "SELECT url, domain, text, note, section, line FROM resources "
            f"WHERE note IN ({','.join('?' * len(chunk))}) AND {_VISIBLE}",
            chunk,
        ):
            if url in regroup:
                continue
            seen = first.get(url)
            if seen is None or (note, line) < seen[0]:
                first[url] = ((note, line), domain, text, section)
    changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    ordered = sorted(first)
    for start in range(0, len(ordered), IN_LIST_SIZE):
        chunk = ordered[start : start + IN_LIST_SIZE]
        stored = {
            row[0]: row
            for row in connection.execute(
                f"SELECT {_COLUMNS} FROM resource_urls WHERE url IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        }
        for url in chunk:
            row = stored.get(url)
            (note, _), domain, text, section = first[url]
            # The stored first mention's note is never a moved note's new path (no note was
            # stored there before the move), but a path equal to it is grouped to be sure.
            if row is None or row[3] in moves or row[3] == note:
                regroup.add(url)
            elif note < row[3]:
                changed.append((row, (url, domain, text, note, section, row[5], row[6])))
    return changed
