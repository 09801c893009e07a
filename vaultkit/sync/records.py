"""What a sync remembers in the index for the next one (``meta`` rows).

After the writes: the render key of every dashboard rendered and written
(:mod:`vaultkit.sync.freshness` compares it next time), the content hash of every target as
it now is, the state of every note vaultkit wrote into (its own write must not start the
quiet period), the template analyses made, when this sync started scanning (the hook's fast
path trusts the index only for notes modified before), and, when everything was current, the
stamp (:mod:`vaultkit.sync.stamp`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.index.digest import content_digest
from vaultkit.index.meta import ANALYSIS_KEY, RENDER_KEY, SYNCED_AT_KEY, TARGET_KEY, WROTE_KEY
from vaultkit.index.store import transaction
from vaultkit.writeback.plan import Planned
from vaultkit.writeback.regions import WriteStatus

if TYPE_CHECKING:
    from vaultkit.config.dashboards import Dashboard
    from vaultkit.writeback.reading import Seen


def own_writes(connection: sqlite3.Connection) -> dict[str, str]:
    """Per note vaultkit last wrote into, its :func:`identity` right after that write."""
    return dict(
        connection.execute(
            "SELECT substr(key, ?), value FROM meta WHERE key LIKE ?",
            (len(WROTE_KEY) + 1, WROTE_KEY + "%"),
        ).fetchall()
    )


def render_records(
    vault: Path,
    results: list[Planned],
    stale: Sequence[Dashboard],
    keys: Mapping[str, str],
    analyses: Mapping[str, str],
) -> list[tuple[str, str]]:
    """Meta rows remembering what each rendered target now holds, for the next sync."""
    records: list[tuple[str, str]] = []
    done: dict[str, bytes] = {}
    for result in results:
        target = result.path.relative_to(vault).as_posix()
        if result.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) and result.new is not None:
            done[target] = result.new
        elif result.status is WriteStatus.UNCHANGED and result.old is not None:
            done[target] = result.old
    for dashboard in stale:
        if dashboard.target_path in done:
            records.append((RENDER_KEY + dashboard.name, keys[dashboard.name]))
    for target, data in done.items():
        records.append((TARGET_KEY + target, content_digest(data)))
    for result in results:
        if result.note and result.status is WriteStatus.WRITTEN and result.seen is not None:
            target = result.path.relative_to(vault).as_posix()
            records.append((WROTE_KEY + target, identity(result.seen)))
    records += [(ANALYSIS_KEY + source, analysis) for source, analysis in analyses.items()]
    return records


def record_synced(
    connection: sqlite3.Connection, scan_started_ns: int, records: Sequence[tuple[str, str]] = ()
) -> None:
    """Note in the index (through the sync's ``connection``) when this completed sync started
    scanning, and what it rendered.

    The hook's fast path trusts "this note is as the index holds it" only for notes modified
    before that moment: the read commands refresh the index without rendering dashboards.
    ``records`` are the render keys and written hashes of ``vaultkit.sync.freshness``.
    """
    # The marker only spares the hook a sync; losing it is harmless, so never fail for it.
    with suppress(sqlite3.Error), transaction(connection):
        connection.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [(SYNCED_AT_KEY, str(scan_started_ns)), *records],
        )


def identity(seen: Seen) -> str:
    """A note's state right after a write (device, inode, size, mtime), as kept in ``meta``."""
    return f"{seen.dev}:{seen.ino}:{seen.size}:{seen.mtime_ns}"
