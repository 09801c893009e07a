"""The on-disk index: one SQLite file per vault holding every parsed note.

The index lets a sync re-parse only the notes that changed. It lives in the user's cache
folder (never inside the vault, so sync services do not copy it) unless a path is given
(where: :mod:`vaultkit.vaultpaths`). Every update runs in one transaction in WAL mode, so a
process killed mid-update leaves the previous, consistent index; an index of another schema
version, or a damaged one, is deleted and rebuilt without bothering the user.

The index is only ever vaultkit's (design section 8 item 12): every index vaultkit creates
carries :data:`APPLICATION_ID` in its header, and a file is deleted or rebuilt only when it is
provably vaultkit's (:func:`index_owner`). Another program's database, a note, or an
unrecognisable file at a configured location is an error (exit 2) and stays as it was; only at
the default location, in vaultkit's own cache folder, is an unrecognisable (damaged) file
rebuilt silently, as design section 6 promises. The schema is documented in
``docs/index-schema.md`` because ``vaultkit query`` exposes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sqlite3
import stat
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkit import vaultpaths
from vaultkit.errors import VaultkitError
from vaultkit.index.meta import GENERATION_KEY, SCHEMA_VERSION_KEY
from vaultkit.versions import PARSER_VERSION

if TYPE_CHECKING:
    from vaultkit.model import Note
from vaultkit.task_progress import OPEN_STATUSES, cadence_of

SCHEMA_VERSION = 7
APPLICATION_ID = 0x564B6978
"""``PRAGMA application_id`` of every index vaultkit creates (the bytes ``VKix``): the mark by
which vaultkit knows, from the file's header alone, that a file is its own to rebuild
(``file(1)`` shows it too). Indexes of earlier versions carry no mark; :func:`index_owner`
recognises those by their ``meta`` table and marks them when it opens them."""
# The index caches parse results: when the parser's output changes, every note must be
# parsed again, so the parser's version is part of the index's identity.
INDEX_VERSION = f"{SCHEMA_VERSION}.{PARSER_VERSION}"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT, is_note INTEGER NOT NULL, excluded INTEGER NOT NULL, name_key TEXT NOT NULL
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
CREATE TABLE task_sections (
    note TEXT NOT NULL, section TEXT NOT NULL, cadence TEXT, done INTEGER NOT NULL,
    total INTEGER NOT NULL, open INTEGER NOT NULL
);
CREATE TABLE links (
    note TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    fragment TEXT, display TEXT, section TEXT NOT NULL, embed INTEGER NOT NULL,
    raw TEXT NOT NULL, task_line INTEGER, table_line INTEGER, callout_line INTEGER,
    resolved TEXT, anchor TEXT, alias_of TEXT
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
    col INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE TABLE list_items (
    note TEXT NOT NULL, line INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    depth INTEGER NOT NULL
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
CREATE TABLE diagnostics (
    note TEXT NOT NULL, line INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX headings_note ON headings(note);
CREATE INDEX tasks_note ON tasks(note);
CREATE INDEX files_name_key ON files(name_key);
CREATE INDEX files_excluded ON files(path) WHERE excluded = 1;
CREATE INDEX notes_generated ON notes(path) WHERE generated = 1;
CREATE INDEX tasks_due ON tasks(due, note, line, status) WHERE due IS NOT NULL;
CREATE INDEX tasks_done ON tasks(done, note, line) WHERE done IS NOT NULL;
CREATE INDEX tasks_blocked ON tasks(blocked, note, line, status) WHERE blocked IS NOT NULL;
CREATE INDEX tasks_cadence ON tasks(cadence, note, line) WHERE cadence IS NOT NULL;
CREATE INDEX task_sections_note ON task_sections(note, section);
CREATE INDEX links_unresolved ON links(note, line) WHERE resolved IS NULL;
CREATE INDEX links_broken ON links(note, line) WHERE anchor LIKE 'broken%';
CREATE INDEX links_note ON links(note);
CREATE INDEX links_resolved ON links(resolved);
CREATE INDEX resources_note ON resources(note);
CREATE INDEX resources_url ON resources(url);
CREATE INDEX resource_urls_order ON resource_urls(domain, url);
CREATE INDEX resource_urls_section ON resource_urls(note, section, domain, url);
CREATE INDEX callouts_note ON callouts(note);
CREATE INDEX md_tables_note ON md_tables(note);
CREATE INDEX cells_note ON cells(note);
CREATE INDEX tags_note ON tags(note);
CREATE INDEX list_items_note ON list_items(note);
CREATE INDEX tags_tag ON tags(tag COLLATE NOCASE);
CREATE INDEX block_ids_note ON block_ids(note);
CREATE INDEX inline_fields_note ON inline_fields(note);
CREATE INDEX diagnostics_note ON diagnostics(note);
"""

NOTE_TABLES = (
    "headings",
    "tasks",
    "task_sections",
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
)


class NotAnIndexError(VaultkitError):
    """A file at the index path that vaultkit cannot prove to be its index: left alone."""


_SQLITE_MAGIC = b"SQLite format 3\0"
_COMPANIONS = ("-wal", "-shm", "-journal")
_LEGACY_VERSION = re.compile(r"\d+(\.\d+)*")
# SQLite result codes (the low byte of an extended code) that mean "this file is damaged":
# only those may lead to a rebuild; any other failure (read-only, busy, full disk, I/O) is
# reported and the file kept.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_SQLITE_READONLY = 8


def index_owner(path: Path) -> str:
    """Whose file is at the index path, judged without letting SQLite write to it.

    ``"absent"``; ``"empty"`` (0 bytes); ``"ours"``: a SQLite file whose header carries
    :data:`APPLICATION_ID` (bytes 68-71, big-endian), or one of an earlier vaultkit (no
    application id; a ``meta`` table whose ``schema_version`` is a version number, beside
    ``files`` and ``notes`` tables); ``"foreign"``: a SQLite database that is provably
    another program's (another application id, or readable tables without vaultkit's mark);
    ``"unknown"``: anything else: not SQLite at all, truncated, damaged, or an empty database.
    Something that is not a regular file (a folder, a FIFO, a device) raises
    :class:`vaultkit.vaultpaths.IndexPathError` before it is opened.
    """
    vaultpaths.check_index_file(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return "absent"
    if not head:
        return "empty"
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return "unknown"
    application_id = int.from_bytes(head[68:72], "big")
    if application_id == APPLICATION_ID:
        return "ours"
    if application_id:
        return "foreign"
    # Written before vaultkit marked its indexes: look for its meta row. immutable=1: SQLite
    # reads the main file only, and neither locks it nor creates or touches its WAL files.
    # (Tables an earlier vaultkit left in a WAL only, by crashing in its very first run, are
    # not seen: that file is "unknown", rebuilt only at the default location.)
    return _legacy_owner(f"{path.resolve().as_uri()}?mode=ro&immutable=1")


def _legacy_owner(uri: str) -> str:
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=1)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not tables:
                return "unknown"
            if not {"meta", "files", "notes"} <= tables:
                return "foreign"
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)
            ).fetchone()
    except sqlite3.Error:
        return "unknown"
    if row is not None and isinstance(row[0], str) and _LEGACY_VERSION.fullmatch(row[0]):
        return "ours"
    return "foreign"


def _refuse(path: Path, owner: str) -> NotAnIndexError:
    if owner == "foreign":
        what, hint = "is another program's database, not a vaultkit index", ""
    else:
        what = "is not a vaultkit index (not a SQLite file vaultkit wrote, or damaged)"
        hint = ", or delete it yourself if it is a damaged index of vaultkit's"
    return NotAnIndexError(
        f"{what}, and vaultkit never deletes or overwrites it; point [vault] index in "
        f".vaultkit/config.toml (or --index) at another file{hint}",
        path=str(path),
    )


def remove_index(path: Path, *, default: bool = False) -> None:
    """Delete an index file and its WAL and journal companions, when it is vaultkit's.

    Only a file :func:`index_owner` proves to be vaultkit's (or an empty one) is deleted,
    and its companions only with it; at the ``default`` location in vaultkit's own cache
    folder, an unrecognisable (damaged) file too. Anything else raises
    :class:`NotAnIndexError` and is left as it was.
    """
    owner = index_owner(path)
    if owner == "absent":
        return
    if not (owner in ("ours", "empty") or (default and owner == "unknown")):
        raise _refuse(path, owner)
    # The companions first: a journal left beside a deleted file could be replayed into
    # the next index of that name.
    for suffix in (*_COMPANIONS, ""):
        companion = Path(str(path) + suffix)
        try:
            mode = os.lstat(companion).st_mode
        except FileNotFoundError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise NotAnIndexError(
                "is not a file, so vaultkit leaves it alone; move it away", path=str(companion)
            )
        with suppress(FileNotFoundError):
            companion.unlink()


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    connection.execute("PRAGMA foreign_keys=OFF")


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
    for suffix in ("", *_COMPANIONS):
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
    :class:`NotAnIndexError` (exit 2) and is left untouched — unless ``default`` (the cache
    folder location, vaultkit's own) and the file is merely unrecognisable, i.e. damaged.
    A read-only index raises a clear :class:`VaultkitError` instead of being replaced.
    """
    vaultpaths.check_index_file(path)
    owner = index_owner(path)
    if owner == "foreign" or (owner == "unknown" and not default):
        raise _refuse(path, owner)
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
        remove_index(path, default=default)
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


def _json_list(items: Sequence[str]) -> str:
    # Most tasks have no tags or dependencies: skip the encoder for those.
    return json.dumps(list(items), ensure_ascii=False) if items else "[]"


def _section(section: tuple[str, ...]) -> str:
    return " > ".join(section)


def _index_statements() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) for every secondary index of the schema."""
    found = []
    for statement in _SCHEMA.split(";"):
        text = statement.strip()
        if text.startswith("CREATE INDEX "):
            found.append((text.split()[2], text))
    return found


@contextmanager
def bulk_load(connection: sqlite3.Connection) -> Iterator[None]:
    """Drop the secondary indexes while a new index is filled, then build them once.

    Building an index over all rows at the end costs less than updating it for every row
    inserted (inside the caller's transaction, so a crash leaves the old state).
    """
    statements = _index_statements()
    for name, _ in statements:
        connection.execute(f"DROP INDEX IF EXISTS {name}")
    yield
    for _, statement in statements:
        connection.execute(statement)


LINK_TABLES = frozenset({"links", "headings", "block_ids"})
"""The rows the links digest covers: what link resolution reads and writes."""


def delete_notes(
    connection: sqlite3.Connection, paths: Iterable[str], *, keep: Collection[str] = ()
) -> None:
    """Remove every row of the given notes (inside a transaction), but those in ``keep``."""
    rows = [(path,) for path in paths]
    if not rows:
        return
    for table in NOTE_TABLES:
        if table not in keep:
            connection.executemany(f"DELETE FROM {table} WHERE note = ?", rows)
    connection.executemany("DELETE FROM notes WHERE path = ?", rows)


def _task_sections(note: Note) -> list[tuple[str, str, str | None, int, int, int]]:
    """Per (note, section): done, total (cancelled left out) and open task counts."""
    counts: dict[str, list[int]] = {}
    for task in note.tasks:
        done_total_open = counts.setdefault(_section(task.section), [0, 0, 0])
        status = task.status.value
        if status != "cancelled":
            done_total_open[1] += 1
            done_total_open[0] += status == "done"
            done_total_open[2] += status in OPEN_STATUSES
    return [
        (note.path, section, cadence_of(section), done, total, open_count)
        for section, (done, total, open_count) in counts.items()
    ]


FAMILIES = ("tasks", "links", "resources", "meta")
"""What a dashboard can depend on; each has a digest per note and a generation counter
(``meta`` key ``generation:<family>``) that moves whenever some note's digest changes."""
SCOPED_FAMILIES = ("topics", "daily")
"""Narrower families, for dashboards that read a few notes of the vault: the topic notes, and
the daily notes. Which notes those are depends on the config, so the indexer's caller says
which of them a change moves (``scopes`` of :func:`vaultkit.index.update.update_index`)."""
ALL_FAMILIES = FAMILIES + SCOPED_FAMILIES
LINKS_FAMILY = FAMILIES.index("links")
"""Where the links digest sits in :attr:`NoteRows.digests`."""


def _rows_digest(*row_lists: Sequence[tuple[Any, ...]]) -> str:
    # pickle of plain tuples is deterministic and several times cheaper than repr.
    return hashlib.blake2b(pickle.dumps(row_lists, protocol=5), digest_size=8).hexdigest()


def note_digests(connection: sqlite3.Connection, path: str) -> tuple[str, ...] | None:
    """The stored family digests of one note, in :data:`FAMILIES` order (None: not stored)."""
    row = connection.execute(
        "SELECT tasks_digest, links_digest, resources_digest, meta_digest FROM notes "
        "WHERE path = ?",
        (path,),
    ).fetchone()
    return tuple(row) if row is not None else None


def note_rows(note: Note, mtime_ns: int) -> NoteRows:
    """Every row one parsed note puts in the index: a pure function, so that the worker
    processes of a cold start build the rows and the main process only inserts them."""
    inserts: list[tuple[str, list[tuple[Any, ...]]]] = []
    path = note.path
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    heading_rows = [
        (path, h.line, h.level, h.text, h.anchor, _section(h.section)) for h in note.headings
    ]
    inserts.append(("INSERT INTO headings VALUES (?,?,?,?,?,?)", heading_rows))
    task_rows = [
        (
            path,
            t.line,
            _section(t.section),
            t.status.value,
            t.status_char,
            int(t.checked),
            t.text,
            t.raw,
            t.parent_line,
            t.depth,
            t.fields.due,
            t.fields.scheduled,
            t.fields.start,
            t.fields.created,
            t.fields.done,
            t.fields.cancelled,
            t.fields.priority.value,
            t.fields.recurrence,
            t.fields.on_completion,
            t.fields.id,
            _json_list(t.fields.depends_on),
            _json_list(t.tags),
            t.block_id,
            int(t.struck),
            t.callout_line,
            None,
            cadence_of(_section(t.section)),
        )
        for t in note.tasks
    ]
    inserts.append(
        (
            "INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            task_rows,
        )
    )
    inserts.append(("INSERT INTO task_sections VALUES (?,?,?,?,?,?)", _task_sections(note)))
    link_rows = [
        (
            path,
            link.line,
            link.kind.value,
            link.target,
            link.fragment,
            link.display,
            _section(link.section),
            int(link.embed),
            link.raw,
            link.task_line,
            link.table_line,
            link.callout_line,
            None,
            None,
            None,
        )
        for link in note.links
    ]
    inserts.append(("INSERT INTO links VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", link_rows))
    resource_rows = [
        (
            path,
            resource.url,
            resource.domain,
            mention.text or resource.text,
            mention.line,
            _section(mention.section),
            mention.task_status.value if mention.task_status else None,
            mention.task_line,
        )
        for resource in note.resources
        for mention in resource.mentions
    ]
    inserts.append(("INSERT INTO resources VALUES (?,?,?,?,?,?,?,?)", resource_rows))
    inserts.append(
        (
            "INSERT INTO callouts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    path,
                    c.line,
                    c.end_line,
                    _section(c.section),
                    c.type,
                    c.raw_type,
                    c.fold,
                    c.title,
                    c.body,
                    c.depth,
                    c.parent_line,
                    int(c.in_list),
                )
                for c in note.callouts
            ],
        )
    )
    inserts.append(
        (
            "INSERT INTO md_tables VALUES (?,?,?,?,?,?)",
            [
                (path, t.line, t.end_line, _section(t.section), len(t.header), len(t.rows))
                for t in note.tables
            ],
        )
    )
    cells: list[tuple[str, int, int, int, int, str]] = []
    for table in note.tables:
        cells.extend(
            (path, table.line, 0, col, table.line, c.text) for col, c in enumerate(table.header)
        )
        for number, row in enumerate(table.rows, start=1):
            cells.extend(
                (path, table.line, number, col, row.line, c.text) for col, c in enumerate(row.cells)
            )
    inserts.append(("INSERT INTO cells VALUES (?,?,?,?,?,?)", cells))
    list_rows = [(path, i.line, _section(i.section), i.text, i.depth) for i in note.list_items]
    inserts.append(("INSERT INTO list_items VALUES (?,?,?,?,?)", list_rows))
    inserts.append(
        (
            "INSERT INTO tags VALUES (?,?,?,?,?)",
            [(path, t.name, t.line, t.source, _section(t.section)) for t in note.tag_mentions],
        )
    )
    block_rows = [(path, b.line, b.id, _section(b.section)) for b in note.block_ids]
    inserts.append(("INSERT INTO block_ids VALUES (?,?,?,?)", block_rows))
    inserts.append(
        (
            "INSERT INTO inline_fields VALUES (?,?,?,?,?,?)",
            [
                (path, f.line, f.key, f.value, int(f.bracketed), _section(f.section))
                for f in note.inline_fields
            ],
        )
    )
    inserts.append(
        (
            "INSERT INTO diagnostics VALUES (?,?,?,?,?)",
            [(path, d.line, d.code, d.severity.value, d.message) for d in note.diagnostics],
        )
    )
    note_row = (
        path,
        note.title,
        folder,
        json.dumps(note.properties, ensure_ascii=False, sort_keys=True),
        json.dumps(list(note.aliases), ensure_ascii=False),
        json.dumps(list(note.tags), ensure_ascii=False),
        note.word_count,
        note.line_count,
        note.line_ending,
        int(note.has_bom),
        mtime_ns,
        int(any(span.kind == "generated-file" for span in note.hidden)),
    )
    digests = (
        _rows_digest(task_rows),
        _rows_digest(link_rows, heading_rows, block_rows),
        _rows_digest(resource_rows),
        # Not the mtime: the indexer tracks that itself, and a touched note keeps its row.
        _rows_digest([note_row[:10] + note_row[11:]], list_rows),
    )
    inserts.append(
        ("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [note_row + digests])
    )
    return NoteRows(
        path=path,
        inserts=tuple(inserts),
        digests=digests,
        generated=bool(note_row[11]),
        aliases=note_row[4],
        has_dependencies=any(row[19] is not None or row[20] != "[]" for row in task_rows),
    )


class NoteRows(NamedTuple):
    """What :func:`note_rows` builds for one note."""

    path: str
    inserts: tuple[tuple[str, list[tuple[Any, ...]]], ...]
    """(INSERT statement, rows) per table, the ``notes`` row last."""
    digests: tuple[str, ...]
    """Family digests in :data:`FAMILIES` order."""
    generated: bool
    aliases: str
    has_dependencies: bool
    """Whether some task has a Tasks-plugin id or dependency."""


def insert_note_rows(
    connection: sqlite3.Connection, rows: NoteRows, *, keep: Collection[str] = ()
) -> None:
    """Insert one note's rows (its old rows must have been deleted), but those of the tables
    in ``keep`` (kept by :func:`delete_notes`)."""
    for statement, values in rows.inserts:
        # "INSERT INTO <table> VALUES ..."
        if values and statement.split(" ", 3)[2] not in keep:
            connection.executemany(statement, values)


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
