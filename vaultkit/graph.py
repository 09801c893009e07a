"""The vault graph: link resolution and task dependencies over the whole index.

The functions that decide are pure (rows in, updates out); ``refresh_graph`` only loads
what they need from the index and writes their answers back, inside the caller's
transaction. Resolution runs for every internal link whenever any note or the set of
files changed, because a new file can change where an existing link points.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from vaultkit.model import TaskStatus
from vaultkit.parse.taskfields import dependency_states
from vaultkit.resolve import AliasIndex, AnchorStatus, LinkResolver, anchor_status

INTERNAL_KINDS = ("wikilink", "embed", "markdown")


def resolve_link_rows(
    rows: Iterable[tuple[int, str, str, str, str | None]],
    resolver: LinkResolver,
    headings: Mapping[str, Sequence[tuple[str, int]]],
    block_ids: Mapping[str, Sequence[str]],
    aliases: AliasIndex,
) -> list[tuple[str | None, str, str | None, int]]:
    """(rowid, note, kind, target, fragment) -> (resolved, anchor, alias_of, rowid)."""
    updates: list[tuple[str | None, str, str | None, int]] = []
    for rowid, note, kind, target, fragment in rows:
        resolved = resolver.resolve(target, note, markdown=kind == "markdown")
        if resolved is None:
            updates.append((None, AnchorStatus.NONE.value, aliases.hint(target), rowid))
            continue
        if resolved.lower().endswith(".md"):
            status = anchor_status(
                fragment, headings.get(resolved, ()), block_ids.get(resolved, ())
            )
        else:
            status = AnchorStatus.NONE  # '#page=3' on a PDF is a viewer option, not an anchor
        updates.append((resolved, status.value, None, rowid))
    return updates


def task_block_states(
    rows: Sequence[tuple[int, str | None, str, str]],
) -> list[tuple[int | None, int]]:
    """(rowid, task_id, depends_on JSON, status) -> (blocked 1/0 or None, rowid)."""
    entries = [
        (task_id, tuple(json.loads(depends_on)), TaskStatus(status))
        for _, task_id, depends_on, status in rows
    ]
    states = dependency_states(entries)
    updates: list[tuple[int | None, int]] = []
    for (rowid, _, _, _), (_, depends, _), state in zip(rows, entries, states, strict=True):
        updates.append((None if not depends else int(state != "ready"), rowid))
    return updates


def refresh_graph(connection: sqlite3.Connection) -> None:
    """Recompute link resolution and task dependency states (inside a transaction)."""
    paths = [row[0] for row in connection.execute("SELECT path FROM files")]
    resolver = LinkResolver(paths)
    headings: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for note, text, level in connection.execute(
        "SELECT note, text, level FROM headings ORDER BY note, line"
    ):
        headings[note].append((text, level))
    blocks: dict[str, list[str]] = defaultdict(list)
    for note, block_id in connection.execute("SELECT note, block_id FROM block_ids"):
        blocks[note].append(block_id)
    alias_map = {
        path: json.loads(raw)
        for path, raw in connection.execute("SELECT path, aliases FROM notes WHERE aliases != '[]'")
    }
    rows = connection.execute(
        "SELECT rowid, note, kind, target, fragment FROM links WHERE kind IN (?, ?, ?)",
        INTERNAL_KINDS,
    ).fetchall()
    updates = resolve_link_rows(rows, resolver, headings, blocks, AliasIndex(alias_map))
    connection.executemany(
        "UPDATE links SET resolved = ?, anchor = ?, alias_of = ? WHERE rowid = ?", updates
    )
    task_rows = connection.execute(
        "SELECT rowid, task_id, depends_on, status FROM tasks "
        "WHERE task_id IS NOT NULL OR depends_on != '[]'"
    ).fetchall()
    connection.executemany(
        "UPDATE tasks SET blocked = ? WHERE rowid = ?", task_block_states(task_rows)
    )
