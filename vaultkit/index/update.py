"""Bringing the index up to date with the vault: scan, find what changed, parse it, store it.

A note is re-parsed only when its size or mtime changed *and* its content hash differs;
deleted and renamed notes leave the index. All writes of one update go into a single
transaction, then what is computed from many notes (link resolution, task dependencies, the
kept sums, the families' generation counters) is brought up to date: all of it when the set
of files changed, else only what the changed notes can affect.

:func:`update_index` reads as the pipeline it is: open the index, scan the vault, compare the
two (:mod:`vaultkit.index.changes`), read and parse what changed (:mod:`vaultkit.index.parsing`),
store each note as it arrives (:mod:`vaultkit.index.note_writer`), refresh what is derived.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import closing, nullcontext
from pathlib import Path
from typing import NamedTuple

from vaultkit import feedback
from vaultkit.cadences import Cadences
from vaultkit.errors import VaultkitError
from vaultkit.graph.links import DependencyChange, EarlyLinks, refresh_graph
from vaultkit.index import cadences as cadence_table
from vaultkit.index import link_health as link_health
from vaultkit.index import resource_urls as resource_urls
from vaultkit.index import task_totals as task_totals
from vaultkit.index.changes import Changes, Known, find_changes, known_files, stored_skips
from vaultkit.index.digest import content_digest
from vaultkit.index.meta import SCANNED_AT_KEY, TASK_RULES_KEY, VAULT_KEY
from vaultkit.index.moves import find_moves
from vaultkit.index.note_rows import note_rows
from vaultkit.index.note_writer import NoteWriter
from vaultkit.index.parsing import ReadNote, Work, read_and_parse
from vaultkit.index.queries import VISIBLE_NOTES_NAMED, linked_to
from vaultkit.index.retick import retick_rows
from vaultkit.index.store import (
    ALL_FAMILIES,
    bulk_load,
    bump_generations,
    delete_index,
    index_failure,
    new_index_journal,
    open_index,
    transaction,
)
from vaultkit.index.topic_memo import trim_log
from vaultkit.model import TaskRules
from vaultkit.obsidian.resolve import file_name_key
from vaultkit.obsidian.tasks_plugin import read_tasks_plugin
from vaultkit.scan.found import ScanResult, SourceFile
from vaultkit.scan.listing import Listing
from vaultkit.scan.paths import scan_paths
from vaultkit.scan.walk import scan_vault
from vaultkit.vaultpaths import IndexPath, VaultPaths

_SQLITE_BUSY = 5
"""SQLite's result code for a database another connection holds (the low byte)."""

Scopes = Callable[[sqlite3.Connection, str, frozenset[str]], Collection[str]]
"""(connection, note path, families its change moved) -> scoped families it moves too. The
families are those of ``vaultkit.index.store.FAMILIES`` whose digest moved, plus ``mtime`` when the
file's mtime moved (the ``meta`` family carries that for every note: a topic's "modified")."""


class IndexUpdate:
    """What one update of the index did."""

    # A plain class, not a dataclass: the hook makes one per save and imports this module
    # each time, and a dataclass costs ~1 ms to define.
    __slots__ = (
        "index_path",
        "moved",
        "parsed",
        "rebuilt",
        "removed",
        "seconds",
        "skipped",
        "touched",
        "unreadable",
    )

    def __init__(self, index_path: Path, *, rebuilt: bool = False, skipped: int = 0) -> None:
        self.index_path = index_path
        self.parsed: list[str] = []
        self.removed: list[str] = []
        """Files gone from the index (deleted, or renamed to a name it does not keep)."""
        self.moved: list[tuple[str, str]] = []
        """(old path, new path) of the notes renamed or moved as they were (their rows kept)."""
        self.touched = 0
        """Files whose mtime changed but whose content did not."""
        self.rebuilt = rebuilt
        self.skipped = skipped
        self.seconds = 0.0
        self.unreadable: list[tuple[str, str]] = []
        """(path, reason) of notes that could not be read this time."""

    @property
    def changed(self) -> bool:
        return bool(self.parsed or self.removed or self.moved or self.rebuilt)


def update_index(
    paths: VaultPaths,
    *,
    progress: bool = True,
    scan: ScanResult | None = None,
    only: Collection[str] | None = None,
    scopes: Scopes | None = None,
    cadences: Cadences | None = None,
    excludes: Sequence[str] = (),
    alongside: Callable[[], None] | None = None,
    listed: Listing | None = None,
) -> tuple[sqlite3.Connection, IndexUpdate]:
    """Bring the vault's index up to date; returns an open connection and what it did.

    ``listed``: the sync stamp's walk of the vault a moment ago (:attr:`vaultkit.sync.stamp.
    Probe.listing`), which a scan of the whole vault made here reads instead of walking it
    again; the caller lets it go afterwards.

    ``alongside``: work that needs no index, run on another thread while a new index builds
    its secondary indexes (:func:`vaultkit.index.store.bulk_load`), when it does.

    ``excludes`` is the config's ``[vault] excludes``, for the walks made here (no ``scan``
    given, or a new index that a partial scan cannot fill): without it, a command that only
    reads the index would put the excluded notes back into it.

    ``cadences`` is the config's ``[status.cadences]``: when the index was derived with another
    table, every stored cadence is derived again (:mod:`vaultkit.index.cadences`). Without it
    (the read commands, which do not load the config) the index keeps the table it has.

    ``scopes`` says which of :data:`vaultkit.index.store.SCOPED_FAMILIES` a changed note moves,
    given the connection (holding the note's new rows), its path and the families its change
    moved; without it every scoped family moves with any change.

    With ``only`` (vault-relative paths, and ``scan`` the result of
    :func:`vaultkit.scan.paths.scan_paths` for them), just those files are brought up to date:
    the hook's "this note was saved". Everything else keeps what the index holds.

    The vault and where its index lives come from ``paths``
    (:class:`vaultkit.vaultpaths.VaultPaths`). Its phases are reported to
    :mod:`vaultkit.feedback`; ``progress=False`` (the hook) announces no long work and asks
    for no progress bar.
    """
    location = paths.index
    try:
        with feedback.phase("index"):
            return _update_index(
                paths.root,
                location,
                progress,
                scan,
                only,
                scopes,
                cadences,
                tuple(excludes),
                alongside,
                listed,
            )
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY:
            # Another vaultkit's update held the index longer than the busy timeout (a cold
            # index of a large vault being built).
            raise VaultkitError(
                "the index is being updated by another vaultkit (a watcher's or sync's first "
                "run of a large vault); try again once it is done",
                path=str(location.path),
            ) from None
        # open_index checked that the index can be written; this is the backstop for what
        # changes under a run (a companion file or the file system turned read-only).
        failure = index_failure(location.path, exc)
        if failure is None:
            raise
        raise failure from None


def _update_index(
    vault: Path,
    location: IndexPath,
    progress: bool,
    scan: ScanResult | None,
    only: Collection[str] | None,
    scopes: Scopes | None,
    wanted_cadences: Cadences | None,
    excludes: tuple[str, ...],
    alongside: Callable[[], None] | None,
    listed: Listing | None,
) -> tuple[sqlite3.Connection, IndexUpdate]:
    started = time.perf_counter()
    connection, rebuilt = _open(vault, location)
    update = IndexUpdate(index_path=location.path, rebuilt=rebuilt)
    found = _scan(connection, vault, scan, excludes, listed)
    rules = read_tasks_plugin(vault).rules
    new_rules = _reparse_if_rules_changed(connection, rules)
    if (rebuilt or new_rules) and only is not None:
        # A new index needs every file, and new Tasks-plugin rules every note parsed again;
        # a partial scan cannot do either.
        only, found = None, scan_vault(vault, extra_excludes=excludes)
    partial = only is not None
    compared_at = _data_version(connection)
    known = known_files(connection, only)
    changes = find_changes(connection, found, known)
    cadences, recadence = cadence_table.cadences_in_force(connection, wanted_cadences)
    if not (changes.any_file or rebuilt or recadence or new_rules) and (
        partial or changes.skipped_rows == stored_skips(connection)
    ):
        # Nothing moved: no write transaction at all (the common warm case).
        return connection, _finished(update, found, started)

    with (
        new_index_journal(connection) if rebuilt else nullcontext(),
        transaction(connection),
        bulk_load(connection, alongside) if rebuilt else nullcontext(),
    ):
        # Compared again inside the write transaction, which no other updater can enter, when
        # another connection committed since the comparison above: a read command beside a
        # watcher, or a dry run beside a sync, updates this index too, and may have stored
        # some of these changes meanwhile. Stored again from that comparison, they would move
        # the kept sums (task totals, reading list) twice. Otherwise the index is as that
        # comparison read it (at 100,000 notes comparing again cost ~0.2 s of every sync).
        if _data_version(connection) != compared_at:
            known = known_files(connection, only)
            changes = find_changes(connection, found, known)
        cadences, recadence = cadence_table.cadences_in_force(connection, wanted_cadences)
        # A new index's links are answered as they are stored, while the pool parses, as
        # far as the files the scan found decide them (vaultkit.graph.links.EarlyLinks).
        early = (
            EarlyLinks([item[0].path for item in changes.work] + [r[0] for r in changes.file_rows])
            if rebuilt
            else None
        )
        notes = NoteWriter(connection, update, known, scopes, changes.excluded, early=early)
        # Notes renamed or moved as they were keep their rows: a folder renamed is a batch
        # of renames, not of new notes to parse.
        moves = find_moves(connection, changes, known)
        notes.remove(
            changes.removed,
            changes.removed_notes,
            [(old, new) for new, (old, _) in moves.items()],
        )
        for _, read in moves.values():
            notes.store_moved(read)
        # Stored as they arrive, so memory stays flat however many notes changed and SQLite
        # work overlaps with parsing in the worker processes.
        work = [item for item in changes.work if item[0].path not in moves]
        to_parse = _likely_parsed(work, known)
        feedback.expect(
            progress and to_parse >= feedback.LONG_WORK,
            f"indexing {to_parse:,} notes" + (", first run…" if rebuilt else "…"),
        )
        with (
            feedback.phase("parse", len(work), shown=progress) as parsing,
            # Closed as soon as storing fails or is interrupted: the parse pool stops then,
            # not when the traceback is freed.
            closing(
                read_and_parse(
                    work,
                    cadences=cadences,
                    rules=rules,
                    done=parsing.advance,
                    retick=functools.partial(
                        retick_rows, connection, cadences=cadences, rules=rules
                    ),
                )
            ) as parsed,
        ):
            for item in parsed:
                notes.store(item)
        _store_files(connection, changes, partial=partial)
        update.moved = sorted((old, new) for new, (old, _) in moves.items())
        went = {old for old, _ in update.moved}
        update.removed = sorted(path for path in changes.removed if path not in went)
        _refresh_derived(connection, notes, changes, rebuilt, progress=progress)
        if recadence:
            _recadence(connection, cadences, rebuilt)
        # When the scan began, not this update: a file the caller's walk looked at early in a
        # long walk (0.7 s at 100,000 notes) must stay racy for the whole slack after it.
        _record_scan(connection, vault, found.started_ns, partial=partial)
        connection.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            (TASK_RULES_KEY, rules.fingerprint),
        )
        trim_log(connection)
    return connection, _finished(update, found, started)


def _data_version(connection: sqlite3.Connection) -> int:
    """SQLite's count of the commits other connections made to the index, as this one has
    seen them: equal twice, nothing was committed in between but through this connection."""
    return int(connection.execute("PRAGMA data_version").fetchone()[0])


def _likely_parsed(work: list[Work], known: Known) -> int:
    """How many notes of ``work`` will most likely be parsed: those new to the index or whose
    size or mtime moved. A note read again only because it was written in the last scan's
    clock tick ("racy") keeps its stat and, most often, its content: it is only hashed."""
    count = 0
    for source, _ in work:
        row = known.get(source.path)
        if row is None or (row[1], row[2]) != (source.size, source.mtime_ns):
            count += 1
    return count


class OwnWrites(NamedTuple):
    """What :func:`record_own_writes` stored."""

    paths: list[str]
    """The files stored as written, vault-relative."""
    moved: frozenset[str]
    """The families (``vaultkit.index.store.FAMILIES``) whose rows the writes moved: a region
    that grew or shrank moves the lines of the links, tasks and headings below it, which the
    dashboards rendered before the write show as they were."""


def record_own_writes(
    paths: VaultPaths,
    written: Mapping[str, bytes],
    *,
    scopes: Scopes | None = None,
    cadences: Cadences | None = None,
    excludes: Sequence[str] = (),
    meta: Sequence[tuple[str, str]] = (),
    connection: sqlite3.Connection | None = None,
) -> OwnWrites | None:
    """Store in the index the files a sync has just written (vault path -> the bytes it
    wrote), as it wrote them, and the ``meta`` rows given (the sync's records), in one
    transaction; returns what was stored, None when nothing could be stored.

    ``connection``: the index as the sync's update opened it (left open, outside a
    transaction); without it the index is opened here, and closed again.

    vaultkit's own writes are no change: without this, the next update would find them
    changed, read and parse them again, and a sync that created the dashboards would be
    followed by one that renders them all again. A file is stored only when the bytes on
    disk are exactly the ones written, read between two looks at its inode, size and mtime
    that agree with the scan's: a user's edit that landed since the write is left for the
    next update to find, as any change is. (One that lands after the check and keeps the
    size and mtime is within the racy window of the scan this sync made: the next update
    hashes the file again, :mod:`vaultkit.index.changes`.)

    A written note keeps the mtime it has in the index, the one the dashboards were rendered
    with; its families move only as its rows do (a region that grew moves the lines of the
    tasks below it), and :attr:`OwnWrites.moved` says which did. No file is stored when the
    index was rebuilt under the sync, or is kept with other Tasks-plugin rules or cadences
    than these: the next update parses anyway.
    Losing the record costs only that, so an index that cannot be written now (busy,
    read-only) stores nothing and raises nothing.
    """
    try:
        scan = scan_paths(paths.root, sorted(written), extra_excludes=excludes)
    except OSError:
        scan = None
    sources = [(s, False) for s in scan.files] + [(s, True) for s in scan.excluded] if scan else []
    found = [
        (source, excluded)
        for source, excluded in sources
        if source.is_note and _as_written(source, written[source.path])
    ]
    rebuilt = False
    own = connection is None
    if connection is None:
        try:
            connection, rebuilt = _open(paths.root, paths.index)
        except VaultkitError:
            return None
    try:
        rules = read_tasks_plugin(paths.root).rules
        row = connection.execute(
            "SELECT value FROM meta WHERE key = ?", (TASK_RULES_KEY,)
        ).fetchone()
        in_force, recadence = cadence_table.cadences_in_force(connection, cadences)
        if rebuilt or recadence or row is None or row[0] != rules.fingerprint:
            found = []
        with transaction(connection):
            stored = _store_own(
                connection, paths.index.path, found, written, scopes, rules, in_force
            )
            connection.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", meta)
    except sqlite3.Error:
        return None
    finally:
        if own:
            connection.close()
    return stored


def _store_own(
    connection: sqlite3.Connection,
    index_path: Path,
    found: list[tuple[SourceFile, bool]],
    written: Mapping[str, bytes],
    scopes: Scopes | None,
    rules: TaskRules,
    cadences: Cadences,
) -> OwnWrites:
    """:func:`record_own_writes`' files, inside its transaction."""
    if not found:
        return OwnWrites([], frozenset())
    # Compared inside the write transaction, as every update compares (see update_index).
    known = known_files(connection, [source.path for source, _ in found])
    excluded = {source.path for source, hidden in found if hidden}
    notes = NoteWriter(connection, IndexUpdate(index_path), known, scopes, excluded, own=True)
    stored = []
    for source, hidden in found:
        old = known.get(source.path)
        if old is not None and (not old[3] or old[4] != hidden):
            continue  # it was no note, or was hidden or shown since: an update's to store
        notes.store(_own_note(connection, source, written[source.path], rules, cadences))
        stored.append(source.path)
    # Part of the sync's write phase, which it follows: no phase of its own.
    _derive(
        connection, notes, Changes([], [], [], [], [], False, [], excluded), False, lambda: None
    )
    return OwnWrites(stored, frozenset(notes.families))


def _as_written(source: SourceFile, data: bytes) -> bool:
    """Whether the file holds exactly ``data``, as the scan saw it (same size and mtime), and
    nothing replaced or rewrote it while it was read."""
    try:
        fd = os.open(source.disk_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            before = os.fstat(fd)
            with os.fdopen(os.dup(fd), "rb") as handle:
                content = handle.read()
            after = os.fstat(fd)
        finally:
            os.close(fd)
        now = os.stat(source.disk_path, follow_symlinks=False)
    except OSError:
        return False
    looks = {
        (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) for info in (before, after, now)
    }
    return (
        len(looks) == 1
        and (before.st_size, before.st_mtime_ns) == (source.size, source.mtime_ns)
        and content == data
    )


def _own_note(
    connection: sqlite3.Connection,
    source: SourceFile,
    data: bytes,
    rules: TaskRules,
    cadences: Cadences,
) -> ReadNote:
    """A note vaultkit wrote, as the indexer would have read it (see :func:`record_own_writes`)."""
    from vaultkit.parse.note import parse_note

    digest = content_digest(data)
    row = connection.execute("SELECT hash FROM files WHERE path = ?", (source.path,)).fetchone()
    if row is not None and row[0] == digest:
        return ReadNote(source, digest, None)
    kept = connection.execute(
        "SELECT mtime_ns FROM notes WHERE path = ?", (source.path,)
    ).fetchone()
    mtime_ns = kept[0] if kept is not None else source.mtime_ns
    return ReadNote(
        source, digest, note_rows(parse_note(data, source.path, rules=rules), mtime_ns, cadences)
    )


def _reparse_if_rules_changed(connection: sqlite3.Connection, rules: TaskRules) -> bool:
    """Whether the notes were parsed under other Tasks-plugin rules than ``rules``; if so,
    every note is marked changed, so that this update parses it again.

    The rules are the plugin's settings, not a note: editing them changes no note, so no
    note would be parsed again by itself. A note whose stored size and mtime cannot match
    and whose hash is unknown is read and parsed as a changed one (:mod:`.changes`); a run
    that stops before it commits leaves them so, and the next one parses them.
    """
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (TASK_RULES_KEY,)).fetchone()
    if row is not None and row[0] == rules.fingerprint:
        return False
    with transaction(connection):
        connection.execute("UPDATE files SET hash = NULL, mtime_ns = -1 WHERE is_note = 1")
    return True


def _open(vault: Path, location: IndexPath) -> tuple[sqlite3.Connection, bool]:
    """The vault's index, opened (or made anew); whether it was made anew."""
    path = location.path
    try:
        connection, rebuilt = open_index(path, default=location.default)
        owner = connection.execute("SELECT value FROM meta WHERE key = ?", (VAULT_KEY,)).fetchone()
        if owner is not None and owner[0] != str(vault):
            # An index file given for another vault (--index reused): start it afresh rather
            # than mixing two vaults' notes.
            connection.close()
            delete_index(path, default=location.default)
            connection, rebuilt = open_index(path, default=location.default)
    except (OSError, sqlite3.Error) as exc:
        raise VaultkitError(
            f"the index cannot be opened or created ({exc}); pass another location "
            "with --index or set VAULTKIT_CACHE_DIR",
            path=str(path),
        ) from None
    return connection, rebuilt


def _scan(
    connection: sqlite3.Connection,
    vault: Path,
    scan: ScanResult | None,
    excludes: tuple[str, ...],
    listed: Listing | None,
) -> ScanResult:
    """The caller's scan, or a scan of the whole vault (reading ``listed``, if given)."""
    if scan is not None:
        return scan
    try:
        with feedback.phase("scan"):
            return scan_vault(vault, extra_excludes=excludes, listed=listed)
    except OSError as exc:
        connection.close()
        raise VaultkitError(f"the vault cannot be read ({exc.strerror})", path=str(vault)) from None


def _store_files(connection: sqlite3.Connection, changes: Changes, *, partial: bool) -> None:
    """The attachments' rows, who is excluded now, and (after a full scan) what was skipped."""
    connection.executemany(
        "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)", changes.file_rows
    )
    connection.executemany(
        "UPDATE files SET excluded = ? WHERE path = ?", changes.exclusion_changes
    )
    connection.executemany("UPDATE files SET ino = ? WHERE path = ?", changes.new_inodes)
    if not partial:
        connection.execute("DELETE FROM skipped")
        connection.executemany(
            "INSERT OR REPLACE INTO skipped VALUES (?,?,?)", changes.skipped_rows
        )


def _refresh_derived(
    connection: sqlite3.Connection,
    notes: NoteWriter,
    changes: Changes,
    rebuilt: bool,
    *,
    progress: bool,
) -> None:
    """What is computed from many notes (the phase "resolve", in three steps): see
    :func:`_derive`."""
    with feedback.phase("resolve", 3, shown=progress) as resolving:
        _derive(connection, notes, changes, rebuilt, resolving.advance)


def _derive(
    connection: sqlite3.Connection,
    notes: NoteWriter,
    changes: Changes,
    rebuilt: bool,
    step: Callable[[], None],
) -> None:
    """The graph, the kept sums, the generation counters; ``step`` after each of three."""
    # A rename is a removal and an addition, a folder renamed a batch of them.
    added = notes.added + [row[0] for row in changes.file_rows if row[0] not in notes.known]
    link_touched = set(notes.link_touched)
    if rebuilt:
        refresh_graph(connection, early=notes.early)
    elif (
        changes.removed
        or added
        or notes.relinked
        or notes.dependency_notes
        or notes.dependency_ids
        or notes.alias_keys
    ):
        # Only the links a file that came or went can decide are resolved again, with
        # those of the new and the edited notes (vaultkit.graph.links).
        resolved, blocks = refresh_graph(
            connection,
            [*notes.relinked, *notes.added],
            moved_files=[*changes.removed, *added],
            dependencies=DependencyChange(notes.dependency_notes, notes.dependency_ids),
            alias_keys=notes.alias_keys,
        )
        link_touched |= resolved or set()
        # The notes stored anew counted their tasks' blocked states as stored (none, for new
        # rows); what the graph moved since, there and in notes that did not change, moves
        # the kept counts of ready and blocked tasks.
        notes.task_change.update(task_totals.block_sums(connection, blocks))
    if notes.alias_keys:
        # The hints of unresolved links elsewhere ("an alias of …") follow the aliases.
        notes.families.add("links")
    if not rebuilt:
        # (A new index moves every family below; it is filled without its secondary indexes,
        # which these lookups, one per file, would each read the whole table without.)
        # A new file the views do not show (an attachment, vaultkit's own dashboard, a note
        # that cannot be read yet) can only have taken links that pointed elsewhere or nowhere.
        came = set(notes.came)
        for path in added:
            if path not in came and linked_to(connection, [path]):
                notes.families |= notes.file_moved(path)
        if _namesakes_moved(connection, notes.came, notes.went):
            # A name that stopped or started being unique changes how every dashboard writes
            # a link to a note of that name (the folder, or not).
            notes.families.update(ALL_FAMILIES)
    step()
    if rebuilt or changes.exclusion_changes:
        # The set of visible files moved: every view can change.
        notes.families.update(ALL_FAMILIES)
        link_health.rebuild(connection)
        resource_urls.rebuild(connection)
        task_totals.rebuild(connection)
    else:
        if link_touched:
            link_health.refresh(connection, link_touched)
        if notes.regroup or notes.url_moves:
            resource_urls.refresh(connection, notes.regroup, notes.url_moves)
        if notes.task_change:
            task_totals.move(connection, notes.task_change)
    step()
    if notes.families:
        bump_generations(connection, notes.families)
    step()


def _namesakes_moved(
    connection: sqlite3.Connection, came: Sequence[str], went: Sequence[str]
) -> bool:
    """Whether the visible notes that ``came`` and ``went`` made some file name unique, or no
    longer unique, among the visible notes (a dashboard's wikilink says the folder only
    when the name is not unique)."""
    arrived = Counter(file_name_key(path) for path in came)
    left = Counter(file_name_key(path) for path in went)
    for key in arrived.keys() | left.keys():
        after = int(connection.execute(VISIBLE_NOTES_NAMED, (key,)).fetchone()[0])
        before = after - arrived[key] + left[key]
        if (before <= 1) != (after <= 1):
            return True
    return False


def _recadence(connection: sqlite3.Connection, cadences: Cadences, rebuilt: bool) -> None:
    """The cadence table changed (or the index is new): derive and record the cadences."""
    if rebuilt:
        # Every note was stored with this table just now.
        cadence_table.record(connection, cadences)
        return
    cadence_table.rederive(connection, cadences)
    bump_generations(connection, ["tasks"])


def _record_scan(
    connection: sqlite3.Connection, vault: Path, scanned_at_ns: int, *, partial: bool
) -> None:
    """Which vault the index holds, and when its last full scan started."""
    # A partial update leaves the scan time alone: files it did not look at may still be
    # "racy" against the last full scan.
    connection.executemany(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        [(VAULT_KEY, str(vault))] + ([] if partial else [(SCANNED_AT_KEY, str(scanned_at_ns))]),
    )


def _finished(update: IndexUpdate, found: ScanResult, started: float) -> IndexUpdate:
    """``update`` with the files the scan skipped and the time taken."""
    # No count of the vault's notes here: a partial update would have to read every row of
    # ``files`` for it (~25 ms at 100,000 notes, on every save), and nothing reports it.
    update.skipped = len(found.skipped)
    update.seconds = time.perf_counter() - started
    return update
