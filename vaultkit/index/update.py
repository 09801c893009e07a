"""Bringing the index up to date with the vault: scan, find what changed, parse it, store it.

A note is re-parsed only when its size or mtime changed *and* its content hash differs;
deleted and renamed notes leave the index. A cold index of many notes is parsed in a
process pool (both cores) with a progress bar on a terminal. All writes of one update go
into a single transaction, then the graph (link resolution, task dependencies) is
recomputed when anything changed: all of it when the set of files changed, else only
what the changed notes can affect.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from vaultkit.errors import VaultkitError
from vaultkit.graph.links import refresh_graph
from vaultkit.index import resource_urls as resource_urls
from vaultkit.index import task_totals as task_totals
from vaultkit.index.digest import content_digest
from vaultkit.index.meta import RACY_SLACK_NS, SCANNED_AT_KEY, VAULT_KEY
from vaultkit.index.note_rows import (
    LINK_TABLES,
    LINKS_FAMILY,
    NoteRows,
    delete_notes,
    insert_note_rows,
    note_digests,
    note_rows,
)
from vaultkit.index.ownership import remove_index
from vaultkit.index.store import (
    ALL_FAMILIES,
    FAMILIES,
    SCOPED_FAMILIES,
    bulk_load,
    bump_generations,
    index_failure,
    open_index,
    transaction,
)
from vaultkit.obsidian.resolve import file_name_key
from vaultkit.scan.found import ScanResult, SourceFile
from vaultkit.scan.walk import scan_vault
from vaultkit.vaultpaths import IndexPath, VaultPaths

_RESOURCES = FAMILIES.index("resources")
_TASKS = FAMILIES.index("tasks")

POOL_THRESHOLD = 64
"""Below this many notes to parse, a process pool costs more than it saves."""

Scopes = Callable[[sqlite3.Connection, str, frozenset[str]], Collection[str]]
"""(connection, note path, families its change moved) -> scoped families it moves too. The
families are those of ``vaultkit.index.store.FAMILIES`` whose digest moved, plus ``mtime`` when the
file's mtime moved (the ``meta`` family carries that for every note: a topic's "modified")."""


@dataclass(slots=True)
class IndexUpdate:
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


class _Parsed(NamedTuple):
    source: SourceFile
    digest: str
    rows: NoteRows | None
    """The note's index rows; None when the content hash matched the index (only the mtime
    moved)."""
    unreadable: str | None = None
    """Why the note could not be read, when it could not."""


def _read_and_parse(source: SourceFile, known_digest: str | None) -> _Parsed:
    # Imported here: a run with nothing to parse never loads the parser.
    from vaultkit.model import Note
    from vaultkit.parse import parse_note

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
        return _Parsed(source, "", note_rows(note, source.mtime_ns), note.diagnostics[0].message)
    digest = content_digest(data)
    if digest == known_digest:
        return _Parsed(source, digest, None)
    return _Parsed(source, digest, note_rows(parse_note(data, source.path), source.mtime_ns))


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
            from concurrent.futures import ProcessPoolExecutor

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


def _has_dependencies(connection: sqlite3.Connection, path: str) -> bool:
    """Whether the note holds a task with a Tasks-plugin id or dependency."""
    row = connection.execute(
        "SELECT 1 FROM tasks WHERE note = ? AND (task_id IS NOT NULL OR depends_on != '[]') "
        "LIMIT 1",
        (path,),
    ).fetchone()
    return row is not None


def _stored_hash(connection: sqlite3.Connection, path: str) -> str | None:
    row = connection.execute("SELECT hash FROM files WHERE path = ?", (path,)).fetchone()
    return row[0] if row is not None else None


def _stored_skips(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return sorted(connection.execute("SELECT path, reason, message FROM skipped").fetchall())


def _aliases(connection: sqlite3.Connection, path: str) -> str | None:
    row = connection.execute("SELECT aliases FROM notes WHERE path = ?", (path,)).fetchone()
    return row[0] if row is not None else None


def _is_generated(connection: sqlite3.Connection, path: str) -> bool:
    row = connection.execute("SELECT generated FROM notes WHERE path = ?", (path,)).fetchone()
    return bool(row and row[0])


def update_index(
    paths: VaultPaths,
    *,
    progress: bool | None = None,
    scan: ScanResult | None = None,
    only: Collection[str] | None = None,
    scopes: Scopes | None = None,
) -> tuple[sqlite3.Connection, IndexUpdate]:
    """Bring the vault's index up to date; returns an open connection and what it did.

    ``scopes`` says which of :data:`vaultkit.index.store.SCOPED_FAMILIES` a changed note moves,
    given the connection (holding the note's new rows), its path and the families its change
    moved; without it every scoped family moves with any change.

    With ``only`` (vault-relative paths, and ``scan`` the result of
    :func:`vaultkit.scan.paths.scan_paths` for them), just those files are brought up to date:
    the hook's "this note was saved". Everything else keeps what the index holds.

    The vault and where its index lives come from ``paths``
    (:class:`vaultkit.vaultpaths.VaultPaths`).
    """
    location = paths.index
    try:
        return _update_index(paths.root, location, progress, scan, only, scopes)
    except sqlite3.OperationalError as exc:
        # open_index checked that the index can be written; this is the backstop for what
        # changes under a run (a companion file or the file system turned read-only).
        failure = index_failure(location.path, exc)
        if failure is None:
            raise
        raise failure from None


def _update_index(
    vault: Path,
    location: IndexPath,
    progress: bool | None,
    scan: ScanResult | None,
    only: Collection[str] | None,
    scopes: Scopes | None,
) -> tuple[sqlite3.Connection, IndexUpdate]:
    started = time.perf_counter()
    scanned_at_ns = time.time_ns()
    path = location.path
    try:
        connection, rebuilt = open_index(path, default=location.default)
        owner = connection.execute("SELECT value FROM meta WHERE key = ?", (VAULT_KEY,)).fetchone()
        if owner is not None and owner[0] != str(vault):
            # An index file given for another vault (--index reused): start it afresh rather
            # than mixing two vaults' notes.
            connection.close()
            remove_index(path, default=location.default)
            connection, rebuilt = open_index(path, default=location.default)
    except (OSError, sqlite3.Error) as exc:
        raise VaultkitError(
            f"the index cannot be opened or created ({exc}); pass another location "
            "with --index or set VAULTKIT_CACHE_DIR",
            path=str(path),
        ) from None
    report = IndexUpdate(index_path=path, rebuilt=rebuilt)
    try:
        result = scan if scan is not None else scan_vault(vault)
    except OSError as exc:
        connection.close()
        raise VaultkitError(f"the vault cannot be read ({exc.strerror})", path=str(vault)) from None
    if progress is None:
        progress = sys.stderr.isatty()

    # No hash here: it is needed only for the few files whose size or mtime moved.
    columns = "SELECT path, size, mtime_ns, is_note, excluded FROM files"
    if rebuilt and only is not None:
        # A new index needs every file; a partial scan cannot fill it.
        only = None
        result = scan_vault(vault)
    if only is None:
        known_rows = connection.execute(columns).fetchall()
    else:
        known_rows = [
            row
            for path in only
            for row in connection.execute(columns + " WHERE path = ?", (path,)).fetchall()
        ]
    known: dict[str, tuple[str, int, int, int, int]] = {row[0]: row for row in known_rows}
    previous_scan = connection.execute(
        "SELECT value FROM meta WHERE key = ?", (SCANNED_AT_KEY,)
    ).fetchone()
    # A file written in the same clock tick as the previous scan may have changed again
    # without its size or mtime moving ("racy" entries, as git calls them): such files
    # are hashed again. The slack covers file systems with coarse timestamps.
    racy_after = int(previous_scan[0]) - RACY_SLACK_NS if previous_scan else None
    excluded_paths = {source.path for source in result.excluded}

    work: list[tuple[SourceFile, str | None]] = []
    file_rows: list[tuple[str, int, int, str | None, int, int, str]] = []
    # Obsidian's "Excluded files" can change without any file changing (app.json edits).
    exclusion_changes: list[tuple[int, str]] = []
    seen = 0
    for sources, excluded in ((result.files, 0), (result.excluded, 1)):
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
                    )
                )
    if seen == len(known):
        removed: list[str] = []
    else:
        present = {source.path for source in (*result.files, *result.excluded)}
        removed = [path for path in known if path not in present]
    removed_notes = [p for p in removed if known[p][3]]
    new_attachments = any(row[0] not in known for row in file_rows)
    current = (*result.files, *result.excluded)
    skipped_rows = sorted((s.path, s.reason, s.message) for s in result.skipped)
    if not (work or removed or file_rows or exclusion_changes or rebuilt) and (
        only is not None or skipped_rows == _stored_skips(connection)
    ):
        # Nothing moved: no write transaction at all (the common warm case).
        report.removed = []
        report.notes = sum(1 for s in current if s.is_note)
        report.attachments = len(current) - report.notes
        report.skipped = len(result.skipped)
        report.seconds = time.perf_counter() - started
        return connection, report

    # Results are stored as they arrive, so memory stays flat however many notes changed
    # and SQLite work overlaps with parsing in the worker processes.
    changed_families: set[str] = set()

    def note_changed(path: str, families: set[str], mtime_moved: bool) -> set[str]:
        """The families one known note's change moves, scoped ones included."""
        moved = families | {"meta"} if mtime_moved else set(families)
        if scopes is None:
            return moved | set(SCOPED_FAMILIES)
        told = families | {"mtime"} if mtime_moved else families
        scoped = scopes(connection, path, frozenset(told))
        return moved | {family for family in SCOPED_FAMILIES if family in scoped}

    dependencies_moved = aliases_moved = False
    relinked: list[str] = []  # known notes whose links, headings or block ids changed
    # URLs whose reading-list row may have moved: those that changed notes mention now or
    # mentioned before (unused on a cold start, which groups every URL once at the end).
    regroup: set[str] = set()
    # How the kept task sums move: changed notes' sums after their update minus before.
    task_change: Counter[str] = Counter()
    with transaction(connection), bulk_load(connection) if rebuilt else nullcontext():
        if removed:
            for note_path in removed_notes:
                regroup |= resource_urls.visible_urls(connection, note_path)
                task_change.subtract(task_totals.note_sums(connection, note_path))
            connection.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])
            delete_notes(connection, removed_notes)
        for item in _parse_all(work, progress=progress) if work else ():
            source = item.source
            if item.unreadable is not None:
                report.unreadable.append((source.path, item.unreadable))
                if source.path in known:
                    # Unreadable for now (permissions, a sync service's lock): its last good
                    # parse stays, and so does its old stat, so a later change is read again.
                    continue
            connection.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
                (
                    source.path,
                    # -1: never "unchanged", so a note unreadable now is read again next time.
                    source.size if item.digest else -1,
                    source.mtime_ns,
                    item.digest,
                    1,
                    int(source.path in excluded_paths),
                    file_name_key(source.path),
                ),
            )
            if item.rows is None:
                connection.execute(
                    "UPDATE notes SET mtime_ns = ? WHERE path = ?",
                    (source.mtime_ns, source.path),
                )
                report.touched += 1
                old = known.get(source.path)
                moved = old is None or old[2] != source.mtime_ns
                if moved and not _is_generated(connection, source.path):
                    # A topic's "modified" can be its mtime.
                    changed_families |= note_changed(source.path, set(), mtime_moved=True)
                continue
            rows = item.rows
            if source.path not in known:
                # New to the index: nothing to compare with or to delete.
                insert_note_rows(connection, rows)
                if not rebuilt:
                    regroup |= resource_urls.visible_urls(connection, source.path)
                    task_change.update(task_totals.note_sums(connection, source.path))
                changed_families.update(ALL_FAMILIES)
                report.parsed.append(source.path)
                continue
            old_digests = note_digests(connection, source.path)
            was_generated = _is_generated(connection, source.path)
            dependencies_moved = (
                dependencies_moved
                or rows.has_dependencies
                or _has_dependencies(connection, source.path)
            )
            aliases_moved = aliases_moved or _aliases(connection, source.path) != rows.aliases
            # Same links, headings and block ids (a task ticked, a paragraph reworded): their
            # rows stay as they are, resolved, and the graph need not look at this note.
            keep = (
                LINK_TABLES
                if old_digests is not None
                and was_generated == rows.generated
                and old_digests[LINKS_FAMILY] == rows.digests[LINKS_FAMILY]
                else frozenset()
            )
            resources_moved = (
                old_digests is None
                or was_generated != rows.generated
                or old_digests[_RESOURCES] != rows.digests[_RESOURCES]
            )
            tasks_moved = (
                old_digests is None
                or was_generated != rows.generated
                or old_digests[_TASKS] != rows.digests[_TASKS]
            )
            if resources_moved:
                regroup |= resource_urls.visible_urls(connection, source.path)
            if tasks_moved:
                task_change.subtract(task_totals.note_sums(connection, source.path))
            delete_notes(connection, [source.path], keep=keep)
            insert_note_rows(connection, rows, keep=keep)
            if resources_moved:
                regroup |= resource_urls.visible_urls(connection, source.path)
            if tasks_moved:
                task_change.update(task_totals.note_sums(connection, source.path))
            if not keep:
                relinked.append(source.path)
            if old_digests is None or was_generated != rows.generated:
                changed_families.update(ALL_FAMILIES)
            elif not was_generated:
                # vaultkit's own dashboards are hidden from every view: rewriting them must
                # not make the next sync render again.
                moved_families = {
                    family
                    for family, old_digest, new_digest in zip(
                        FAMILIES, old_digests, rows.digests, strict=True
                    )
                    if old_digest != new_digest
                }
                # A topic's "modified" can be its mtime.
                mtime_moved = known[source.path][2] != source.mtime_ns
                if moved_families or mtime_moved:
                    changed_families |= note_changed(source.path, moved_families, mtime_moved)
            report.parsed.append(source.path)
        connection.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)", file_rows)
        connection.executemany("UPDATE files SET excluded = ? WHERE path = ?", exclusion_changes)
        if only is None:
            connection.execute("DELETE FROM skipped")
            connection.executemany("INSERT OR REPLACE INTO skipped VALUES (?,?,?)", skipped_rows)
        report.removed = sorted(removed)
        new_notes = any(path not in known for path in report.parsed)
        if rebuilt or removed or new_attachments or new_notes:
            refresh_graph(connection)
        elif relinked or dependencies_moved or aliases_moved:
            refresh_graph(
                connection,
                relinked,
                dependencies=dependencies_moved,
                aliases=aliases_moved,
            )
        if rebuilt or removed or new_attachments or new_notes or exclusion_changes:
            # The set of visible files moved: every view can change.
            changed_families.update(ALL_FAMILIES)
        if rebuilt or exclusion_changes:
            resource_urls.rebuild(connection)
            task_totals.rebuild(connection)
        else:
            if regroup:
                resource_urls.refresh(connection, regroup)
            if task_change:
                task_totals.move(connection, task_change)
        if changed_families:
            bump_generations(connection, changed_families)
        # A partial update leaves the scan time alone: files it did not look at may still
        # be "racy" against the last full scan.
        connection.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [(VAULT_KEY, str(vault))]
            + ([(SCANNED_AT_KEY, str(scanned_at_ns))] if only is None else []),
        )

    if only is None:
        report.notes = len([s for s in current if s.is_note])
        report.attachments = len(current) - report.notes
    else:
        report.notes, report.attachments = connection.execute(
            "SELECT coalesce(sum(is_note), 0), coalesce(sum(1 - is_note), 0) FROM files"
        ).fetchone()
    report.skipped = len(result.skipped)
    report.seconds = time.perf_counter() - started
    return connection, report
