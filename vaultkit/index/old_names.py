"""The names a file new to the index had: one rule for the sync and the hook.

A rename keeps the file's inode, size and mtime. An indexed file that is gone from the disk
and shares the new file's inode is the name it was renamed or moved from; so is one that
shares its size and mtime, which finds it where the index holds an old inode (a vault copied
with its index, before a full sync has seen the new inodes). A note created since matches
neither. Whether such a name really is the same note is :mod:`vaultkit.index.moves`'s to
judge (by the content's hash).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def gone_names(
    connection: sqlite3.Connection, vault: Path, path: str, ino: int, mtime_ns: int, size: int
) -> list[str]:
    """The indexed names other than ``path`` that the file at ``path`` (its inode, mtime and
    size) may have had, and that are gone from ``vault``'s disk."""
    return [
        old
        for (old,) in connection.execute(
            "SELECT path FROM files WHERE path != ? AND (ino = ? OR (mtime_ns = ? AND size = ?))",
            (path, ino, mtime_ns, size),
        )
        if not os.path.lexists(vault / old)
    ]
