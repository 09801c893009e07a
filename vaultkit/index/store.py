"""The on-disk index: one SQLite file per vault holding every parsed note.

The index lets a sync re-parse only the notes that changed. It lives in the user's cache
folder (never inside the vault, so sync services do not copy it) unless a path is given
(where: :mod:`vaultkit.vaultpaths`). Every update runs in one transaction in WAL mode (a new
index is filled under a rollback journal, :func:`new_index_journal`), so a process killed
mid-update leaves the previous, consistent index; an index of another schema version, or a
damaged one, is deleted and rebuilt without bothering the user.

This module owns the tables (the schema is documented in ``docs/index-schema.md`` because
``vaultkit query`` exposes it), opening and creating the file, transactions, and the families
of rows a dashboard can depend on with their generation counters, and when a watcher's
syncs have their log checkpointed (:class:`LogKeeper`). What a file at the index
path is, and so whether it may be rebuilt, is :mod:`vaultkit.index.ownership`'s to judge; the
rows of one note are :mod:`vaultkit.index.note_rows`'.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from vaultkit import vaultpaths
from vaultkit.errors import VaultkitError
from vaultkit.index.meta import GENERATION_KEY, SCHEMA_VERSION_KEY
from vaultkit.index.ownership import (
    APPLICATION_ID,
    COMPANIONS,
    index_owner,
    not_an_index,
    remove_index,
)
from vaultkit.versions import PARSER_VERSION

SCHEMA_VERSION = 21
# The index caches parse results: when the parser's output changes, every note must be
# parsed again, so the parser's version is part of the index's identity.
INDEX_VERSION = f"{SCHEMA_VERSION}.{PARSER_VERSION}"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT, is_note INTEGER NOT NULL, excluded INTEGER NOT NULL, name_key TEXT NOT NULL,
    ino INTEGER NOT NULL
);
CREATE TABLE skipped (path TEXT PRIMARY KEY, reason TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE notes (
    path TEXT PRIMARY KEY, title TEXT NOT NULL, folder TEXT NOT NULL, properties TEXT NOT NULL,
    aliases TEXT NOT NULL, tags TEXT NOT NULL, word_count INTEGER NOT NULL,
    line_count INTEGER NOT NULL, line_ending TEXT NOT NULL, has_bom INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, generated INTEGER NOT NULL, tasks_digest TEXT NOT NULL,
    links_digest TEXT NOT NULL, resources_digest TEXT NOT NULL, meta_digest TEXT NOT NULL
);
CREATE TABLE headings (
    note TEXT NOT NULL, line INTEGER NOT NULL, level INTEGER NOT NULL, text TEXT NOT NULL,
    anchor TEXT NOT NULL, section TEXT NOT NULL
);
CREATE TABLE tasks (
    note TEXT NOT NULL, line INTEGER NOT NULL, section TEXT NOT NULL, status TEXT NOT NULL,
    status_char TEXT NOT NULL, checked INTEGER NOT NULL, text TEXT NOT NULL, raw TEXT NOT NULL,
    parent_line INTEGER, depth INTEGER NOT NULL, due TEXT, scheduled TEXT, start TEXT,
    created TEXT, done TEXT, cancelled TEXT, priority TEXT NOT NULL, recurrence TEXT,
    on_completion TEXT, task_id TEXT, depends_on TEXT NOT NULL, tags TEXT NOT NULL,
    block_id TEXT, struck INTEGER NOT NULL, callout_line INTEGER, blocked INTEGER,
    cadence TEXT
);
CREATE TABLE task_waits (note TEXT NOT NULL, id TEXT NOT NULL);
CREATE TABLE task_sections (
    note TEXT NOT NULL, section TEXT NOT NULL, cadence TEXT, done INTEGER NOT NULL,
    total INTEGER NOT NULL, open INTEGER NOT NULL
);
CREATE TABLE hidden_tasks (
    note TEXT NOT NULL, line INTEGER NOT NULL, status_char TEXT NOT NULL, text TEXT NOT NULL,
    comment_line INTEGER NOT NULL, comment_end_line INTEGER NOT NULL
);
CREATE TABLE links (
    note TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    fragment TEXT, display TEXT, section TEXT NOT NULL, embed INTEGER NOT NULL,
    raw TEXT NOT NULL, task_line INTEGER, table_line INTEGER, callout_line INTEGER,
    resolved TEXT, anchor TEXT, alias_of TEXT, context TEXT NOT NULL, key TEXT,
    anchor_hint TEXT, target_key TEXT, alias_key TEXT NOT NULL
);
CREATE TABLE resources (
    note TEXT NOT NULL, url TEXT NOT NULL, domain TEXT NOT NULL, text TEXT NOT NULL,
    line INTEGER NOT NULL, section TEXT NOT NULL, task_status TEXT, task_line INTEGER
);
CREATE TABLE resource_urls (
    url TEXT PRIMARY KEY, domain TEXT NOT NULL, text TEXT NOT NULL, note TEXT NOT NULL,
    section TEXT NOT NULL, status TEXT NOT NULL, mentions INTEGER NOT NULL
);
CREATE TABLE task_totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE task_due_open (due TEXT PRIMARY KEY, open INTEGER NOT NULL);
CREATE TABLE callouts (
    note TEXT NOT NULL, line INTEGER NOT NULL, end_line INTEGER NOT NULL, section TEXT NOT NULL,
    type TEXT NOT NULL, raw_type TEXT NOT NULL, fold TEXT NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, depth INTEGER NOT NULL, parent_line INTEGER, in_list INTEGER NOT NULL
);
CREATE TABLE md_tables (
    note TEXT NOT NULL, line INTEGER NOT NULL, end_line INTEGER NOT NULL,
    section TEXT NOT NULL, columns INTEGER NOT NULL, rows INTEGER NOT NULL
);
CREATE TABLE cells (
    note TEXT NOT NULL, table_line INTEGER NOT NULL, row INTEGER NOT NULL,
    col INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL
);
CREATE TABLE list_items (
    note TEXT NOT NULL, line INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    depth INTEGER NOT NULL, source TEXT NOT NULL
);
CREATE TABLE tags (
    note TEXT NOT NULL, tag TEXT NOT NULL, line INTEGER NOT NULL, source TEXT NOT NULL,
    section TEXT NOT NULL
);
CREATE TABLE block_ids (
    note TEXT NOT NULL, line INTEGER NOT NULL, block_id TEXT NOT NULL, section TEXT NOT NULL
);
CREATE TABLE inline_fields (
    note TEXT NOT NULL, line INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    bracketed INTEGER NOT NULL, section TEXT NOT NULL
);
CREATE TABLE fragments (
    dashboard TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (dashboard, key)
) WITHOUT ROWID;
CREATE TABLE diagnostics (
    note TEXT NOT NULL, line INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE aliases (note TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE link_notes (
    note TEXT PRIMARY KEY, resolved INTEGER NOT NULL, unresolved INTEGER NOT NULL,
    missing INTEGER NOT NULL, broken INTEGER NOT NULL, orphan INTEGER NOT NULL
);
CREATE TABLE link_totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE topic_memo (
    path TEXT PRIMARY KEY, title TEXT NOT NULL, mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL,
    name_key TEXT NOT NULL, namesakes INTEGER NOT NULL
) WITHOUT ROWID;
-- AUTOINCREMENT: a sequence number is never used twice, even once the log was emptied,
-- so a render that read the log up to one may drop exactly what it read.
CREATE TABLE topic_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, name_key TEXT
);
CREATE INDEX headings_note ON headings(note);
CREATE INDEX tasks_note ON tasks(note);
CREATE INDEX files_name_key ON files(name_key);
CREATE INDEX files_ino ON files(ino);
CREATE INDEX files_stat ON files(mtime_ns, size);
CREATE INDEX files_excluded ON files(path) WHERE excluded = 1;
CREATE INDEX notes_generated ON notes(path) WHERE generated = 1;
CREATE INDEX tasks_due ON tasks(due, note, line, status) WHERE due IS NOT NULL;
CREATE INDEX tasks_done ON tasks(done, note, line) WHERE done IS NOT NULL;
CREATE INDEX tasks_blocked ON tasks(blocked, note, line, status) WHERE blocked IS NOT NULL;
CREATE INDEX tasks_task_id ON tasks(task_id, status) WHERE task_id IS NOT NULL;
CREATE INDEX tasks_cadence ON tasks(cadence, note, line) WHERE cadence IS NOT NULL;
CREATE INDEX task_sections_note ON task_sections(note, section);
CREATE INDEX task_waits_note ON task_waits(note);
CREATE INDEX task_waits_id ON task_waits(id, note);
CREATE INDEX hidden_tasks_note ON hidden_tasks(note, line);
CREATE INDEX links_unresolved ON links(embed, note, line)
    WHERE resolved IS NULL AND kind IN ('wikilink', 'embed', 'markdown');
CREATE INDEX links_broken ON links(note, line) WHERE anchor LIKE 'broken%';
CREATE INDEX links_note ON links(note);
CREATE INDEX links_resolved ON links(resolved);
CREATE INDEX links_target_key ON links(target_key);
CREATE INDEX links_alias_key ON links(alias_key) WHERE resolved IS NULL;
CREATE INDEX resources_note ON resources(note);
CREATE INDEX resources_url ON resources(url);
CREATE INDEX resource_urls_order ON resource_urls(domain, url);
CREATE INDEX resource_urls_section ON resource_urls(note, section, domain, url);
CREATE INDEX callouts_note ON callouts(note);
CREATE INDEX md_tables_note ON md_tables(note);
CREATE INDEX cells_note ON cells(note);
CREATE INDEX tags_note ON tags(note);
CREATE INDEX list_items_note ON list_items(note);
CREATE INDEX tags_tag ON tags(tag COLLATE NOCASE, note);
CREATE INDEX block_ids_note ON block_ids(note);
CREATE INDEX inline_fields_note ON inline_fields(note);
CREATE INDEX diagnostics_note ON diagnostics(note);
CREATE INDEX aliases_note ON aliases(note);
CREATE INDEX aliases_key ON aliases(key);
CREATE INDEX link_notes_orphan ON link_notes(note) WHERE orphan = 1;
"""

TOPIC_FILE_COLUMNS = ("path", "name_key", "excluded")
"""The columns of a file's row a topic reads (its path, whether it is shown, how many files
share its name): an update of its other columns is no change to any topic. A file replaced
by a copy of itself (a backup restored, a sync service's temp file and rename) moves only its
inode; logging every such file of a vault would drop the memo at once."""

_TRIGGERS = tuple(
    # Every write to a note's row or to what a topic reads of a file's row, whatever code path
    # makes it, is logged for the Topics' memo (vaultkit.index.topic_memo): a topic is
    # computed from those rows alone, and its link's form from how many files share its name.
    # (An INSERT OR REPLACE of a file's row logs as an insert, whatever it changed.)
    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
    f"INSERT INTO topic_changes(path{', name_key' if table == 'files' else ''}) VALUES {rows}; END"
    for name, event, table, rows in (
        ("notes_added", "INSERT", "notes", "(new.path)"),
        ("notes_removed", "DELETE", "notes", "(old.path)"),
        ("notes_changed", "UPDATE", "notes", "(old.path), (new.path)"),
        ("files_added", "INSERT", "files", "(new.path, new.name_key)"),
        ("files_removed", "DELETE", "files", "(old.path, old.name_key)"),
        (
            "files_changed",
            f"UPDATE OF {', '.join(TOPIC_FILE_COLUMNS)}",
            "files",
            "(old.path, old.name_key), (new.path, new.name_key)",
        ),
    )
)

NOTE_TABLES = (
    "headings",
    "tasks",
    "task_waits",
    "task_sections",
    "hidden_tasks",
    "links",
    "resources",
    "callouts",
    "md_tables",
    "cells",
    "list_items",
    "tags",
    "block_ids",
    "inline_fields",
    "diagnostics",
    "aliases",
)


# SQLite result codes (the low byte of an extended code) that mean "this file is damaged":
# only those may lead to a rebuild; any other failure (read-only, busy, full disk, I/O) is
# reported and the file kept.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_SQLITE_READONLY = 8


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    connection.execute("PRAGMA foreign_keys=OFF")
    if _keepers:
        # The log is copied into the file by the keeper, after the sync (LogKeeper).
        connection.execute("PRAGMA wal_autocheckpoint=0")


class LogKeeper:
    """Copies the index's write-ahead log into the file between a watcher's syncs, instead
    of inside them.

    SQLite checkpoints (copies the log into the file, and syncs both to disk) at a commit that
    leaves the log longer than 1,000 pages, and when the last connection to the file closes:
    both inside a sync, before the watcher logs it. A folder of 100 notes renamed at 10,000
    notes commits ~2,300 pages: the watcher logged it ~180 ms after the debounce, ~135 ms
    with the checkpoint after the log line. While a keeper is active (:func:`keep_log`) the
    connections this process opens leave the log alone, and after each sync the watcher
    calls :meth:`after_sync`: it holds one connection open between syncs (so that a sync's
    close is not the last one) and checkpoints through it. The log reaches the disk a few
    milliseconds later than before, in the same process, before the watcher waits for the
    next change.
    """

    def __init__(self) -> None:
        self._connection: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._file: tuple[int, int] | None = None

    @property
    def holding(self) -> Path | None:
        """The index file the keeper holds open, if any."""
        return self._path

    def after_sync(self, path: Path) -> None:
        """Checkpoint the index at ``path`` (which the sync just used), and keep it open."""
        try:
            stat = path.stat()
        except OSError:
            self.release()
            return
        if self._path != path or self._file != (stat.st_dev, stat.st_ino):
            # Another index, or the same path holding a file made anew (rebuilt, removed).
            self.release()
            try:
                # mode=rw: never create a file the sync did not leave there.
                self._connection = sqlite3.connect(
                    f"{path.absolute().as_uri()}?mode=rw",
                    uri=True,
                    timeout=0,
                    check_same_thread=False,
                )
            except sqlite3.Error:
                return
            self._path, self._file = path, (stat.st_dev, stat.st_ino)
        assert self._connection is not None
        try:
            # TRUNCATE: the log back to zero bytes, as a close would leave it; it gives up
            # (busy) rather than wait when a reader still needs the log: the next sync's turn.
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            self.release()

    def release(self) -> None:
        """Close the held connection (SQLite checkpoints as the last connection closes)."""
        connection, self._connection, self._path, self._file = self._connection, None, None, None
        if connection is not None:
            with suppress(sqlite3.Error):
                connection.close()


_keepers: list[LogKeeper] = []
"""The active :class:`LogKeeper` of this process (:func:`keep_log`): one per watcher."""


def delete_index(path: Path, *, default: bool = False) -> None:
    """Delete the index at ``path`` (:func:`remove_index`'s rules), a keeper holding it open
    closing it first (a file held open cannot be deleted on Windows)."""
    for keeper in _keepers:
        if keeper.holding == path:
            keeper.release()
    remove_index(path, default=default)


@contextmanager
def keep_log() -> Iterator[LogKeeper]:
    """A :class:`LogKeeper` for the syncs this process runs until the block ends (a
    watcher's life); the log is checkpointed as the keeper lets go of the index."""
    keeper = LogKeeper()
    _keepers.append(keeper)
    try:
        yield keeper
    finally:
        _keepers.remove(keeper)
        keeper.release()


def _schema_ok(connection: sqlite3.Connection) -> bool:
    try:
        row = connection.execute(
            "SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        if _damaged(exc):
            raise
        if "no such table" in str(exc):
            return False
        raise
    return row is not None and row[0] == INDEX_VERSION


def _damaged(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # no code (older Python): judge by the message
        text = str(exc)
        return "malformed" in text or "not a database" in text
    return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _writable(path: Path) -> None:
    """Raise a clear error when the index (or its folder, where SQLite keeps the WAL) cannot
    be written: SQLite would open it read-only and fail on the first write."""
    for suffix in ("", *COMPANIONS):
        file = Path(str(path) + suffix)
        if file.exists() and not os.access(file, os.W_OK):
            raise VaultkitError(
                f"the index{' journal' if suffix else ''} file is read-only; make it writable "
                "(chmod u+w) or point [vault] index in .vaultkit/config.toml (or --index) at "
                "another file",
                path=str(file),
            )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise VaultkitError(
            "the index's folder is read-only, and SQLite keeps the index's journal beside it; "
            "make it writable or point [vault] index in .vaultkit/config.toml (or --index) "
            "into another folder",
            path=str(path.parent),
        )


def index_failure(path: Path, exc: sqlite3.Error) -> VaultkitError | None:
    """The clear error for a write refused because the index is read-only; None for others."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code != _SQLITE_READONLY and "readonly" not in str(exc):
        return None
    return VaultkitError(
        "the index cannot be written (a read-only file, journal, folder or file system); make "
        "it writable or point [vault] index in .vaultkit/config.toml (or --index) elsewhere",
        path=str(path),
    )


def _failed(path: Path, exc: sqlite3.Error) -> VaultkitError:
    return index_failure(path, exc) or VaultkitError(
        f"the index cannot be opened ({exc}); it was left as it is. Try again, or point "
        "[vault] index in .vaultkit/config.toml (or --index) at another file",
        path=str(path),
    )


def _create(connection: sqlite3.Connection) -> None:
    # The mark goes first, in rollback-journal mode: it is in the file's header from the
    # first committed byte on, so a file this function began is always recognised as ours.
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    _configure(connection)
    with transaction(connection):
        # Another vaultkit may have created the same new index a moment ago.
        if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        for statement in _TRIGGERS:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)", (SCHEMA_VERSION_KEY, INDEX_VERSION)
        )


def _connect(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path, isolation_level=None, timeout=10)
    except sqlite3.Error as exc:
        raise _failed(path, exc) from None


def _reopen(path: Path) -> sqlite3.Connection | None:
    """A connection to the index at ``path`` (vaultkit's) when it is of this schema version;
    None when it is of another or damaged (a rebuild is due)."""
    connection = _connect(path)
    try:
        _configure(connection)
        if _schema_ok(connection):
            if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                # An index of an earlier vaultkit, of this very schema: mark it in place.
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            return connection
    except sqlite3.Error as exc:
        connection.close()
        if not _damaged(exc):
            raise _failed(path, exc) from None
        return None
    connection.close()
    return None


def open_index(path: Path, *, default: bool = False) -> tuple[sqlite3.Connection, bool]:
    """Open (or create) the index; returns (connection, rebuilt).

    The index is a cache, so a vaultkit index of another schema version, or a damaged one,
    is deleted and created anew. What is deleted is only ever vaultkit's (see
    :func:`remove_index`): a file at the path that is not provably a vaultkit index raises
    :class:`vaultkit.index.ownership.NotAnIndexError` (exit 2) and is left untouched — unless
    ``default`` (the cache folder location, vaultkit's own) and the file is merely
    unrecognisable, i.e. damaged.
    A read-only index raises a clear :class:`VaultkitError` instead of being replaced.
    """
    vaultpaths.check_index_file(path)
    owner = index_owner(path)
    if owner == "foreign" or (owner == "unknown" and not default):
        raise not_an_index(path, owner)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VaultkitError(
            f"the index's folder cannot be created ({exc.strerror}); point [vault] index in "
            ".vaultkit/config.toml (or --index) elsewhere, or set VAULTKIT_CACHE_DIR",
            path=str(path.parent),
        ) from None
    _writable(path)
    if owner == "ours":
        connection = _reopen(path)
        if connection is not None:
            return connection, False
    if owner in ("ours", "unknown"):
        delete_index(path, default=default)
    connection = _connect(path)
    try:
        _create(connection)
        if not _schema_ok(connection):
            raise sqlite3.DatabaseError("another program wrote into the new index")
    except sqlite3.Error as exc:
        connection.close()
        raise _failed(path, exc) from None
    return connection, True


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One atomic write: everything inside commits together or not at all."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


@contextmanager
def new_index_journal(connection: sqlite3.Connection) -> Iterator[None]:
    """Rollback-journal mode while a new, empty index is filled; WAL again afterwards.

    A rollback journal keeps the original content of the pages a transaction changes, and a
    new index's pages all lie past the end of the file as the build found it, so none of them
    is journaled: each is written once. In WAL mode each is written twice, to the log and
    again into the file when the log is checkpointed (247 MB at 10,000 notes), and the
    parent's share of that work takes CPU from the parse workers on a 2-core machine. A
    process killed mid-build still leaves the empty index it began with: the journal rolls
    the file back when it is next opened. Readers that open the index while the build holds
    it wait for it (up to their busy timeout) instead of reading the empty index that WAL
    would show them.

    Leaving WAL needs the file to itself: when another connection has it open, the build
    runs in WAL, as before. Every connection that opens the index sets WAL again
    (:func:`_configure`), so a build that fails before switching back leaves nothing to undo.
    """
    try:
        switched = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": another connection has it open
        switched = False
    try:
        yield
    finally:
        if switched:
            with suppress(sqlite3.Error):
                connection.execute("PRAGMA journal_mode=WAL")


def _index_statements() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) for every secondary index of the schema."""
    found = []
    for statement in _SCHEMA.split(";"):
        text = statement.strip()
        if text.startswith("CREATE INDEX "):
            found.append((text.split()[2], text))
    return found


_SWITCH_SECONDS = 0.0005
"""How long a thread may hold Python's lock while another waits, while a new index's secondary
indexes are built beside other work (:func:`bulk_load`)."""


class _ShortSwitch:
    """Python's switch interval at :data:`_SWITCH_SECONDS` while any holder is inside, and
    as it was once the last one leaves: builds in several threads at once (a watcher's and a
    sync's) overlap without one of them leaving the short interval behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = 0.0

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, _SWITCH_SECONDS))
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                sys.setswitchinterval(self._saved)


_SHORT_SWITCH = _ShortSwitch()


@contextmanager
def bulk_load(
    connection: sqlite3.Connection, alongside: Callable[[], None] | None = None
) -> Iterator[None]:
    """Drop the secondary indexes while a new index is filled, then build them once.

    Building an index over all rows at the end costs less than updating it for every row
    inserted (inside the caller's transaction, so a crash leaves the old state).

    SQLite sorts and writes an index without Python's interpreter lock, and nothing else
    runs then: ``alongside`` (work that must not use ``connection``) runs on another thread
    meanwhile, with a short switch interval while it does (:data:`_SWITCH_SECONDS`), and is
    waited for before this returns.

    Until then SQLite's sorter may use the other cores (:func:`sort_threads`): a sort that
    outgrows its cache is sorted and merged run by run in helper threads. At 100,000 notes
    that is the links' indexes (the whole build 10-20% shorter, 1-2 s) and the groupings of
    the resolve phase's kept sums (Link health and the reading list: a few tenths of a second
    on a copy of the index, within a whole sync's noise); at 10,000 notes the sorts fit in
    the cache and nothing changes.
    """
    statements = _index_statements()
    for name, _ in statements:
        connection.execute(f"DROP INDEX IF EXISTS {name}")
    connection.execute(f"PRAGMA threads = {sort_threads()}")
    helper = None
    try:
        yield
        if alongside is not None:
            work = alongside

            def helping() -> None:
                # Between two statements the building thread waits for the lock until the
                # helper is made to let go of it: 5 ms by default, for each of ~40 statements.
                with _SHORT_SWITCH:
                    work()

            helper = threading.Thread(target=helping, name="vaultkit-alongside-index")
            helper.start()
        for _, statement in statements:
            # IF NOT EXISTS: the new index's link resolution makes the two it reads by note
            # first.
            connection.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    finally:
        # The rest of the run's queries sort on its own thread, as they always did.
        with suppress(sqlite3.Error):  # never in the way of the error that ended the build
            connection.execute("PRAGMA threads = 0")
        if helper is not None:
            helper.join()


def sort_threads() -> int:
    """Helper threads SQLite's sorter may use while a new index is filled and built: one per
    core beyond the one sorting (none on a single core; SQLite caps the number at its
    build's limit, 8 by default, and ignores it when built without threads)."""
    return max(0, (os.cpu_count() or 1) - 1)


FAMILIES = ("tasks", "links", "resources", "meta")
"""What a dashboard can depend on; each has a digest per note and a generation counter
(``meta`` key ``generation:<family>``) that moves whenever some note's digest changes."""
SCOPED_FAMILIES = ("topics", "daily")
"""Narrower families, for dashboards that read a few notes of the vault: the topic notes, and
the daily notes. Which notes those are depends on the config, so the indexer's caller says
which of them a change moves (``scopes`` of :func:`vaultkit.index.update.update_index`)."""
ALL_FAMILIES = FAMILIES + SCOPED_FAMILIES
PRESENCE = "presence"
"""Told to the scoped families' rules (``scopes`` of :func:`vaultkit.index.update.update_index`)
with the families a file holds rows of, when it came into the index or left it (a rename is
both): its rows are the ones it came with, or the ones it had."""


def bump_generations(connection: sqlite3.Connection, families: Iterable[str]) -> None:
    """Record that the given families changed (inside the indexer's transaction)."""
    connection.executemany(
        "INSERT INTO meta(key, value) VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [(GENERATION_KEY + family,) for family in sorted(set(families))],
    )


def generations(connection: sqlite3.Connection) -> dict[str, str]:
    """Each family's generation counter ("0" before its first change)."""
    stored = dict(
        connection.execute("SELECT key, value FROM meta WHERE key LIKE ?", (GENERATION_KEY + "%",))
    )
    return {family: stored.get(GENERATION_KEY + family, "0") for family in ALL_FAMILIES}
