"""The on-disk index: one SQLite file per vault holding every parsed note.

The index lets a sync re-parse only the notes that changed. It lives in the user's cache
folder (never inside the vault, so sync services do not copy it) unless a path is given.
Every update runs in one transaction in WAL mode, so a process killed mid-update leaves
the previous, consistent index; a file that is corrupt or of another schema version is
deleted and rebuilt without bothering the user. The schema is documented in
``docs/index-schema.md`` because ``vaultkit query`` exposes it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkit.lock import index_location
from vaultkit.versions import PARSER_VERSION

if TYPE_CHECKING:
    from vaultkit.model import Note
from vaultkit.progress import OPEN_STATUSES, cadence_of

SCHEMA_VERSION = 7
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


def default_index_path(vault: Path) -> Path:
    """``<user cache>/vaultkit/<vault name>-<hash of its path>.sqlite3``."""
    # The location lives in vaultkit.lock, which the hook's fast path imports without
    # paying for the parser that this module imports.
    return index_location(vault)


def remove_index(path: Path) -> None:
    """Delete an index file and its WAL companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    connection.execute("PRAGMA foreign_keys=OFF")


def _schema_ok(connection: sqlite3.Connection) -> bool:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == INDEX_VERSION


def open_index(path: Path) -> tuple[sqlite3.Connection, bool]:
    """Open (or create) the index; returns (connection, rebuilt).

    A file that is not a readable vaultkit index of this schema version is deleted and
    created anew: the index is a cache, so rebuilding it is always safe.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rebuilt = False
    for attempt in range(2):
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=10)
            _configure(connection)
            if _schema_ok(connection):
                return connection, rebuilt
            has_tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if has_tables:
                raise sqlite3.DatabaseError("old or foreign schema")
            with transaction(connection):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?)",
                    (INDEX_VERSION,),
                )
            return connection, True
        except sqlite3.DatabaseError:
            if attempt:
                raise
            with suppress(sqlite3.Error):
                connection.close()
            remove_index(path)
            rebuilt = True
    raise AssertionError("unreachable")


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
which of them a change moves (``scopes`` of :func:`vaultkit.indexer.update_index`)."""
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


def store_note(connection: sqlite3.Connection, note: Note, mtime_ns: int) -> tuple[str, ...]:
    """Insert one parsed note's rows; returns its family digests."""
    rows = note_rows(note, mtime_ns)
    insert_note_rows(connection, rows)
    return rows.digests


def bump_generations(connection: sqlite3.Connection, families: Iterable[str]) -> None:
    """Record that the given families changed (inside the indexer's transaction)."""
    connection.executemany(
        "INSERT INTO meta(key, value) VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [(f"generation:{family}",) for family in sorted(set(families))],
    )


def generations(connection: sqlite3.Connection) -> dict[str, str]:
    """Each family's generation counter ("0" before its first change)."""
    stored = dict(connection.execute("SELECT key, value FROM meta WHERE key LIKE 'generation:%'"))
    return {family: stored.get(f"generation:{family}", "0") for family in ALL_FAMILIES}
