"""Bringing the index up to date with the vault: scan, find what changed, parse it, store it.

A note is re-parsed only when its size or mtime changed *and* its content hash differs;
deleted and renamed notes leave the index. A cold index of many notes is parsed in a
process pool (both cores) with a progress bar on a terminal. All writes of one update go
into a single transaction, then the graph (link resolution, task dependencies) is
recomputed when anything changed.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit.errors import VaultkitError
from vaultkit.graph import refresh_graph
from vaultkit.index import (
    default_index_path,
    delete_notes,
    open_index,
    remove_index,
    store_note,
    transaction,
)
from vaultkit.model import Note
from vaultkit.parse import parse_note
from vaultkit.scan import ScanResult, SourceFile, scan_vault

RACY_SLACK_NS = 2_000_000_000
POOL_THRESHOLD = 64
"""Below this many notes to parse, a process pool costs more than it saves."""


@dataclass(slots=True)
class IndexReport:
    """What one update of the index did."""

    index_path: Path
    notes: int = 0
    attachments: int = 0
    parsed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    touched: int = 0
    """Files whose mtime changed but whose content did not."""
    rebuilt: bool = False
    skipped: int = 0
    seconds: float = 0.0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) of notes that could not be read this time."""

    @property
    def changed(self) -> bool:
        return bool(self.parsed or self.removed or self.rebuilt)


@dataclass(frozen=True, slots=True)
class _Parsed:
    source: SourceFile
    digest: str
    note: Note | None
    """None when the content hash matched the index (only the mtime moved)."""


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read_and_parse(source: SourceFile, known_digest: str | None) -> _Parsed:
    try:
        data = source.abs_path.read_bytes()
    except OSError as exc:
        note = parse_note(b"", source.path)
        from vaultkit.model import Diagnostic, Severity

        note = Note(
            path=note.path,
            title=note.title,
            diagnostics=(
                Diagnostic(
                    1,
                    "unreadable",
                    f"the note could not be read ({exc.strerror}); check its permissions",
                    Severity.ERROR,
                ),
            ),
        )
        return _Parsed(source, "", note)
    digest = _digest(data)
    if digest == known_digest:
        return _Parsed(source, digest, None)
    return _Parsed(source, digest, parse_note(data, source.path))


def _parse_batch(batch: list[tuple[SourceFile, str | None]]) -> list[_Parsed]:
    return [_read_and_parse(source, digest) for source, digest in batch]


def _chunks(
    items: list[tuple[SourceFile, str | None]], size: int
) -> Iterator[list[tuple[SourceFile, str | None]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parse_all(work: list[tuple[SourceFile, str | None]], *, progress: bool) -> Iterable[_Parsed]:
    workers = min(os.cpu_count() or 1, 8)
    bar = None
    if progress and len(work) >= POOL_THRESHOLD:
        from tqdm import tqdm

        bar = tqdm(total=len(work), unit="note", desc="indexing", file=sys.stderr, leave=False)
    try:
        if workers > 1 and len(work) >= POOL_THRESHOLD:
            size = max(16, min(256, len(work) // (workers * 8) or 1))
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for results in pool.map(_parse_batch, _chunks(work, size)):
                    if bar is not None:
                        bar.update(len(results))
                    yield from results
        else:
            for item in work:
                result = _read_and_parse(*item)
                if bar is not None:
                    bar.update(1)
                yield result
    finally:
        if bar is not None:
            bar.close()


def update_index(
    vault: Path,
    *,
    index_path: Path | None = None,
    progress: bool | None = None,
    scan: ScanResult | None = None,
) -> tuple[sqlite3.Connection, IndexReport]:
    """Bring the vault's index up to date; returns an open connection and a report."""
    started = time.perf_counter()
    scanned_at_ns = time.time_ns()
    path = index_path or default_index_path(vault)
    try:
        connection, rebuilt = open_index(path)
    except (OSError, sqlite3.Error) as exc:
        raise VaultkitError(
            f"the index cannot be opened or created ({exc}); pass another location "
            "with --index or set VAULTKIT_CACHE_DIR",
            path=str(path),
        ) from None
    owner = connection.execute("SELECT value FROM meta WHERE key = 'vault'").fetchone()
    if owner is not None and owner[0] != str(vault):
        # An index file given for another vault (--index reused): start it afresh rather
        # than mixing two vaults' notes.
        connection.close()
        remove_index(path)
        connection, rebuilt = open_index(path)
    report = IndexReport(index_path=path, rebuilt=rebuilt)
    try:
        result = scan if scan is not None else scan_vault(vault)
    except OSError as exc:
        connection.close()
        raise VaultkitError(f"the vault cannot be read ({exc.strerror})", path=str(vault)) from None
    if progress is None:
        progress = sys.stderr.isatty()

    known = {
        row[0]: (row[1], row[2], row[3], bool(row[4]), bool(row[5]))
        for row in connection.execute(
            "SELECT path, size, mtime_ns, hash, is_note, excluded FROM files"
        )
    }
    previous_scan = connection.execute(
        "SELECT value FROM meta WHERE key = 'scanned_at_ns'"
    ).fetchone()
    # A file written in the same clock tick as the previous scan may have changed again
    # without its size or mtime moving ("racy" entries, as git calls them): such files
    # are hashed again. The slack covers file systems with coarse timestamps.
    racy_after = int(previous_scan[0]) - RACY_SLACK_NS if previous_scan else None
    excluded_paths = {source.path for source in result.excluded}
    current = list(result.files) + list(result.excluded)
    present = {source.path for source in current}

    work: list[tuple[SourceFile, str | None]] = []
    file_rows: list[tuple[str, int, int, str | None, int, int]] = []
    for source in current:
        old = known.get(source.path)
        if source.is_note:
            unchanged = old is not None and old[0] == source.size and old[1] == source.mtime_ns
            if unchanged and (racy_after is None or source.mtime_ns < racy_after):
                continue
            work.append((source, old[2] if old is not None and old[3] else None))
        elif old is None or old[0] != source.size or old[1] != source.mtime_ns:
            file_rows.append(
                (
                    source.path,
                    source.size,
                    source.mtime_ns,
                    None,
                    0,
                    int(source.path in excluded_paths),
                )
            )
    # Obsidian's "Excluded files" can change without any file changing (app.json edits).
    exclusion_changes = [
        (int(source.path in excluded_paths), source.path)
        for source in current
        if source.path in known and known[source.path][4] != (source.path in excluded_paths)
    ]
    removed = [p for p in known if p not in present]
    removed_notes = [p for p in removed if known[p][3]]
    new_attachments = any(row[0] not in known for row in file_rows)

    # Results are stored as they arrive, so memory stays flat however many notes changed
    # and SQLite work overlaps with parsing in the worker processes.
    with transaction(connection):
        if removed:
            connection.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])
            delete_notes(connection, removed_notes)
        for item in _parse_all(work, progress=progress) if work else ():
            source = item.source
            if not item.digest and item.note is not None:
                report.unreadable.append((source.path, item.note.diagnostics[0].message))
                if source.path in known:
                    # Unreadable for now (permissions, a sync service's lock): its last good
                    # parse stays, and so does its old stat, so a later change is read again.
                    continue
            connection.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?)",
                (
                    source.path,
                    # -1: never "unchanged", so a note unreadable now is read again next time.
                    source.size if item.digest else -1,
                    source.mtime_ns,
                    item.digest,
                    1,
                    int(source.path in excluded_paths),
                ),
            )
            if item.note is None:
                connection.execute(
                    "UPDATE notes SET mtime_ns = ? WHERE path = ?",
                    (source.mtime_ns, source.path),
                )
                report.touched += 1
                continue
            delete_notes(connection, [source.path])
            store_note(connection, item.note, source.mtime_ns)
            report.parsed.append(source.path)
        connection.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?)", file_rows)
        connection.executemany("UPDATE files SET excluded = ? WHERE path = ?", exclusion_changes)
        connection.execute("DELETE FROM skipped")
        connection.executemany(
            "INSERT OR REPLACE INTO skipped VALUES (?,?,?)",
            [(s.path, s.reason, s.message) for s in result.skipped],
        )
        report.removed = sorted(removed)
        if report.parsed or removed or new_attachments or rebuilt:
            refresh_graph(connection)
        connection.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [("vault", str(vault)), ("scanned_at_ns", str(scanned_at_ns))],
        )

    report.notes = len([s for s in current if s.is_note])
    report.attachments = len(current) - report.notes
    report.skipped = len(result.skipped)
    report.seconds = time.perf_counter() - started
    return connection, report
