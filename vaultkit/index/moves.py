"""Notes renamed or moved with their content as it was: found, so that their rows move with them
instead of their being parsed again (a folder renamed is a batch of such moves).

A rename keeps the file's inode, size and mtime. A note new to the index that matches, on all
three, exactly one indexed note the scan no longer found is that note moved, once its content
hashes to the hash the index holds for the old name (a note rewritten in the same instant as
it moved is parsed as any new note is). Without an inode (a file system that gives none) or
with a doubtful match, the note is parsed.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from vaultkit.index.changes import Changes, Known
from vaultkit.index.digest import content_digest
from vaultkit.index.parsing import ReadNote
from vaultkit.scan.found import SourceFile


def find_moves(
    connection: sqlite3.Connection, changes: Changes, known: Known
) -> dict[str, tuple[str, ReadNote]]:
    """The notes of ``changes.work`` that are notes of ``changes.removed_notes`` moved: new
    path -> (old path, the note as read, with no rows: they are the old name's)."""
    if not changes.removed_notes:
        return {}
    gone: defaultdict[tuple[int, int, int], list[str]] = defaultdict(list)
    for path in changes.removed_notes:
        _, size, mtime_ns, _, _, ino = known[path]
        if ino:
            gone[(ino, size, mtime_ns)].append(path)
    moves: dict[str, tuple[str, ReadNote]] = {}
    claimed: set[str] = set()
    for source, _ in changes.work:
        if source.path in known or not source.ino:
            continue
        candidates = gone.get((source.ino, source.size, source.mtime_ns), [])
        if len(candidates) != 1 or candidates[0] in claimed:
            continue
        old = candidates[0]
        read = _read_as(connection, source, old)
        if read is not None:
            moves[source.path] = (old, read)
            claimed.add(old)
    return moves


def _read_as(connection: sqlite3.Connection, source: SourceFile, old: str) -> ReadNote | None:
    """The note at ``source``, when its content is the one the index holds for ``old``."""
    row = connection.execute("SELECT hash FROM files WHERE path = ?", (old,)).fetchone()
    if row is None or not row[0]:
        return None
    try:
        digest = content_digest(source.abs_path.read_bytes())
    except OSError:
        return None  # parsed as a new note is, which says what went wrong
    return ReadNote(source, digest, None) if digest == row[0] else None
