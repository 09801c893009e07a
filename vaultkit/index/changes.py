"""What changed since the index was last updated: the scan compared with the ``files`` table.

A file is looked at again only when its size or mtime moved, or when it is a note written in
the same clock tick as the previous scan ("racy", as git calls it): such a note may have
changed again without its size or mtime moving. Whether a note's *content* changed is decided
later, by its hash (:mod:`vaultkit.index.parsing`); here nothing is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import NamedTuple

from vaultkit.index.meta import RACY_SLACK_NS, SCANNED_AT_KEY
from vaultkit.index.parsing import Work
from vaultkit.index.queries import IN_LIST_SIZE
from vaultkit.obsidian.resolve import file_name_key
from vaultkit.scan.found import ScanResult

Known = dict[str, tuple[str, int, int, int, int, int]]
"""Per path, the index's ``files`` row: (path, size, mtime_ns, is_note, excluded, ino)."""
FileRow = tuple[str, int, int, str | None, int, int, str, int]
"""A ``files`` row of an attachment: (path, size, mtime_ns, no hash, 0, excluded, name key,
inode)."""


class Changes(NamedTuple):
    """What a scan found that the index does not hold as it is."""

    work: list[Work]
    """Notes to read again (new, or their size or mtime moved, or racy)."""
    file_rows: list[FileRow]
    """Attachments that are new or whose size or mtime moved."""
    exclusion_changes: list[tuple[int, str]]
    """(excluded, path) of files that Obsidian's "Excluded files" now hides or shows."""
    removed: list[str]
    """Indexed files the scan no longer found."""
    removed_notes: list[str]
    """The notes among :attr:`removed`."""
    new_attachments: bool
    skipped_rows: list[tuple[str, str, str]]
    """(path, reason, message) of everything the scan left out, sorted."""
    excluded: set[str]
    """The paths of the files Obsidian's "Excluded files" hides."""
    new_inodes: Sequence[tuple[int, str]] = ()
    """(inode, path) of files otherwise unchanged whose inode is not the one the index holds
    (a vault copied or restored with its index): the hook finds a renamed note's old name by
    it (``vaultkit.sync.run``)."""

    @property
    def any_file(self) -> bool:
        """Whether some file's row must be written or deleted (skipped files aside)."""
        return bool(
            self.work or self.removed or self.file_rows or self.exclusion_changes or self.new_inodes
        )


def known_files(connection: sqlite3.Connection, only: Collection[str] | None) -> Known:
    """The index's ``files`` rows: all of them, or those of the paths in ``only``."""
    # No hash here: it is needed only for the few files whose size or mtime moved.
    columns = "SELECT path, size, mtime_ns, is_note, excluded, ino FROM files"
    if only is None:
        rows = connection.execute(columns).fetchall()
    else:
        # In lists, not one query a path: a folder of 100 renamed asks for 200 paths.
        paths = list(dict.fromkeys(only))
        rows = []
        for start in range(0, len(paths), IN_LIST_SIZE):
            chunk = paths[start : start + IN_LIST_SIZE]
            rows += connection.execute(
                f"{columns} WHERE path IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
    return {row[0]: row for row in rows}


def find_changes(connection: sqlite3.Connection, found: ScanResult, known: Known) -> Changes:
    """Compare what the scan found with what the index holds (``known``)."""
    previous_scan = connection.execute(
        "SELECT value FROM meta WHERE key = ?", (SCANNED_AT_KEY,)
    ).fetchone()
    # A file written in the same clock tick as the previous scan may have changed again
    # without its size or mtime moving ("racy" entries, as git calls them): such files
    # are hashed again. The slack covers file systems with coarse timestamps.
    racy_after = int(previous_scan[0]) - RACY_SLACK_NS if previous_scan else None
    work: list[Work] = []
    file_rows: list[FileRow] = []
    # Obsidian's "Excluded files" can change without any file changing (app.json edits).
    exclusion_changes: list[tuple[int, str]] = []
    new_inodes: list[tuple[int, str]] = []
    seen = 0
    for sources, excluded in ((found.files, 0), (found.excluded, 1)):
        for source in sources:
            old = known.get(source.path)
            if old is not None:
                seen += 1
                if old[4] != excluded:
                    exclusion_changes.append((excluded, source.path))
                same = old[1] == source.size and old[2] == source.mtime_ns
                if same and (
                    not source.is_note or racy_after is None or source.mtime_ns < racy_after
                ):
                    if old[5] != source.ino:
                        new_inodes.append((source.ino, source.path))
                    continue
            if source.is_note:
                work.append((source, _stored_hash(connection, source.path) if old else None))
            else:
                file_rows.append(
                    (
                        source.path,
                        source.size,
                        source.mtime_ns,
                        None,
                        0,
                        excluded,
                        file_name_key(source.path),
                        source.ino,
                    )
                )
    if seen == len(known):
        removed: list[str] = []
    else:
        present = {source.path for source in (*found.files, *found.excluded)}
        removed = [path for path in known if path not in present]
    return Changes(
        work=work,
        file_rows=file_rows,
        exclusion_changes=exclusion_changes,
        removed=removed,
        removed_notes=[path for path in removed if known[path][3]],
        new_attachments=any(row[0] not in known for row in file_rows),
        skipped_rows=sorted((s.path, s.reason, s.message) for s in found.skipped),
        excluded={source.path for source in found.excluded},
        new_inodes=new_inodes,
    )


def stored_skips(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The files the previous full scan left out, as :attr:`Changes.skipped_rows` lists them."""
    return sorted(connection.execute("SELECT path, reason, message FROM skipped").fetchall())


def _stored_hash(connection: sqlite3.Connection, path: str) -> str | None:
    row = connection.execute("SELECT hash FROM files WHERE path = ?", (path,)).fetchone()
    return row[0] if row is not None else None
