"""The rows of one note: what a parsed note puts in each table of the index.

:func:`note_rows` is a pure function of the parsed note, so that the worker processes of a cold
start build the rows and the main process only inserts them (:func:`insert_note_rows`). The
rows are digested per family (:data:`vaultkit.index.store.FAMILIES`): the indexer compares a
re-parsed note's digests with the stored ones (:func:`note_digests`) to learn what its change
moved, and keeps its link rows, resolved already, when their digest did not move
(:data:`LINK_TABLES`).
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkit.cadences import Cadences
from vaultkit.graph.links import SETTLED_ANCHOR
from vaultkit.index.store import FAMILIES, NOTE_TABLES
from vaultkit.model import note_title
from vaultkit.obsidian.resolve import alias_key, link_target_key
from vaultkit.task_progress import OPEN_STATUSES

if TYPE_CHECKING:
    from vaultkit.graph.links import EarlyLinks
    from vaultkit.model import Note

Rows = list[tuple[Any, ...]]
"""The rows one note puts in one table."""

LINK_TABLES = frozenset({"links", "headings", "block_ids"})
"""The rows the links digest covers: what link resolution reads and writes."""
LINKS_FAMILY = FAMILIES.index("links")
"""Where the links digest sits in :attr:`NoteRows.digests`."""

TABLE_COLUMNS = (
    ("headings", 6),
    ("tasks", 27),
    ("task_sections", 6),
    ("task_waits", 2),
    ("hidden_tasks", 6),
    ("links", 20),
    ("resources", 8),
    ("callouts", 12),
    ("md_tables", 6),
    ("cells", 7),
    ("list_items", 6),
    ("tags", 5),
    ("block_ids", 4),
    ("inline_fields", 6),
    ("diagnostics", 5),
    ("notes", 16),
    ("aliases", 2),
)
"""The tables a note has rows in, and their widths, in the order :attr:`NoteRows.inserts`
holds them (the ``notes`` row last but for the aliases its column decides)."""
INSERTS = tuple(f"INSERT INTO {table} VALUES ({','.join('?' * n)})" for table, n in TABLE_COLUMNS)


class NoteRows(NamedTuple):
    """What :func:`note_rows` builds for one note."""

    path: str
    inserts: tuple[tuple[str, Rows], ...]
    """(INSERT statement, rows) per table, the ``notes`` row last."""
    digests: tuple[str, ...]
    """Family digests in :data:`vaultkit.index.store.FAMILIES` order."""
    generated: bool
    aliases: str
    has_dependencies: bool
    """Whether some task has a Tasks-plugin id or dependency."""


def note_rows(note: Note, mtime_ns: int, cadences: Cadences) -> NoteRows:
    """Every row one parsed note puts in the index, and its family digests; a task's cadence
    is that of its section in ``cadences`` (``[status.cadences]``)."""
    path = note.path
    headings = [
        (path, h.line, h.level, h.text, h.anchor, _section(h.section)) for h in note.headings
    ]
    tasks = _task_rows(note, cadences)
    hidden_tasks = [
        (path, t.line, t.status_char, t.text, t.comment_line, t.comment_end_line)
        for t in note.hidden_tasks
    ]
    links = _link_rows(note)
    resources = _resource_rows(note)
    list_items = [
        (path, i.line, _section(i.section), i.text, i.depth, i.source) for i in note.list_items
    ]
    block_ids = [(path, b.line, b.id, _section(b.section)) for b in note.block_ids]
    note_row = _note_row(note, mtime_ns)
    md_tables, cells = _table_rows(note)
    digests = (
        # What Status reads of a note: its tasks, and the checkbox items hidden in comments.
        rows_digest(tasks, hidden_tasks) if hidden_tasks else rows_digest(tasks),
        rows_digest(links, headings, block_ids),
        rows_digest(resources),
        # Not the mtime: the indexer tracks that itself, and a touched note keeps its row.
        # Nor the word and line counts, line endings and BOM, which no context name reads:
        # else a region vaultkit fills at the end of a note would move every note's metadata.
        # Tables are metadata: the Topics dashboard reads a kept table and points at others.
        # Nor the path, title and folder: they are the note's name, fixed for a note at one
        # path, and a note renamed with its content as it was keeps its digests (move_notes).
        rows_digest([note_row[3:6] + note_row[11:]], list_items, md_tables, cells),
    )
    tables: tuple[Rows, ...] = (
        headings,
        tasks,
        task_sections(path, tasks, cadences),
        # The ids the note's tasks wait for, each once: a change to an id's tasks looks up
        # the notes waiting for it here, not in every waiting task of the vault.
        [(path, i) for i in sorted({i for t in note.tasks for i in t.fields.depends_on})],
        hidden_tasks,
        links,
        resources,
        _callout_rows(note),
        md_tables,
        cells,
        list_items,
        [(path, t.name, t.line, t.source, _section(t.section)) for t in note.tag_mentions],
        block_ids,
        [
            (path, f.line, f.key, f.value, int(f.bracketed), _section(f.section))
            for f in note.inline_fields
        ],
        [(path, d.line, d.code, d.severity.value, d.message) for d in note.diagnostics],
        [note_row + digests],
        # Sorted: a set's order changes with each process's string hashing, and an index
        # built twice from the same notes should be the same, row for row.
        [(path, key) for key in sorted(alias_keys(note_row[NOTE_ALIASES]))],
    )
    inserts = tuple(zip(INSERTS, tables, strict=True))
    return NoteRows(
        path=path,
        inserts=inserts,
        digests=digests,
        generated=bool(note_row[NOTE_GENERATED]),
        aliases=note_row[NOTE_ALIASES],
        has_dependencies=waits_or_is_waited_for(tasks),
    )


def holds_rows(digests: Sequence[str]) -> frozenset[str]:
    """The families (of :data:`vaultkit.index.store.FAMILIES`) a note has rows of, by its
    digests: a note that comes or goes moves those, and no other (``meta`` always)."""
    return frozenset(
        family
        for family, digest, empty in zip(FAMILIES, digests, EMPTY_DIGESTS, strict=True)
        if digest != empty
    )


def insert_note_rows(
    connection: sqlite3.Connection,
    rows: NoteRows,
    *,
    keep: Collection[str] = (),
    early: EarlyLinks | None = None,
) -> None:
    """Insert one note's rows (its old rows must have been deleted), but those of the tables
    in ``keep`` (kept by :func:`delete_notes`); with ``early`` (a new index), each link row
    with the answer :meth:`~vaultkit.graph.links.EarlyLinks.settled` gives it."""
    for statement, values in rows.inserts:
        # "INSERT INTO <table> VALUES ..."
        table = statement.split(" ", 3)[2]
        if values and table not in keep:
            if early is not None and table == "links":
                values = _settled_links(values, early)
            connection.executemany(statement, values)


def _settled_links(values: Rows, early: EarlyLinks) -> Rows:
    """``links`` rows (:func:`_link_rows`) with their ``resolved`` and ``anchor`` filled in
    where the vault's file names decide them."""
    settled, anchor = early.settled, SETTLED_ANCHOR
    rows: Rows = []
    append = rows.append
    for row in values:
        if resolved := settled(row[0], row[2], row[3], row[4]):
            row = (*row[:_RESOLVED], resolved, anchor, *row[_RESOLVED + 2 :])
        append(row)
    return rows


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


def move_notes(connection: sqlite3.Connection, moves: Sequence[tuple[str, str]]) -> None:
    """Give the rows of notes renamed or moved with their content unchanged ((old path, new
    path) pairs) their new path, as parsing them again at the new path would have stored them
    (inside a transaction; no note may be stored at a new path yet).

    A note's rows depend on its path only through their ``note`` column and the title and
    folder of its ``notes`` row; its digests not at all. Where its links point is link
    resolution's to work out again.
    """
    if not moves:
        return
    renamed = [(new, old) for old, new in moves]
    for table in NOTE_TABLES:
        connection.executemany(f"UPDATE {table} SET note = ? WHERE note = ?", renamed)
    connection.executemany(
        "UPDATE notes SET path = ?, title = ?, folder = ? WHERE path = ?",
        [(new, note_title(new), note_folder(new), old) for old, new in moves],
    )


def note_folder(path: str) -> str:
    """The folder of a note at a vault-relative path ("" at the vault's top)."""
    return path.rsplit("/", 1)[0] if "/" in path else ""


def alias_keys(aliases: str | None) -> set[str]:
    """The keys (:func:`vaultkit.obsidian.resolve.alias_key`) of a note's aliases, given as
    the ``notes.aliases`` column holds them (a JSON list)."""
    if not aliases or aliases == "[]":
        return set()
    return {key for alias in json.loads(aliases) if (key := alias_key(str(alias)))}


def note_digests(connection: sqlite3.Connection, path: str) -> tuple[str, ...] | None:
    """The stored family digests of one note, in ``FAMILIES`` order (None: not stored)."""
    row = connection.execute(
        "SELECT tasks_digest, links_digest, resources_digest, meta_digest FROM notes "
        "WHERE path = ?",
        (path,),
    ).fetchone()
    return tuple(row) if row is not None else None


# -- one table each --------------------------------------------------------------------------


NOTE_ALIASES, NOTE_WORDS, NOTE_MTIME, NOTE_GENERATED, NOTE_DIGESTS = 4, 6, 10, 11, 12
"""Where the ``notes`` row (:func:`_note_row`, then the digests) holds these columns."""


def _note_row(note: Note, mtime_ns: int) -> tuple[Any, ...]:
    """The ``notes`` row without its digests."""
    path = note.path
    return (
        path,
        note.title,
        note_folder(path),
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


TASK_LINE, TASK_SECTION, TASK_STATUS, TASK_CHAR, TASK_CHECKED = 1, 2, 3, 4, 5
TASK_RAW, TASK_DONE, TASK_ID, TASK_DEPENDS_ON = 7, 14, 19, 20
TASK_BLOCK_ID, TASK_STRUCK, TASK_CALLOUT, TASK_BLOCKED = 22, 23, 24, 25
"""Where a ``tasks`` row (:func:`_task_rows`) holds these columns."""


def waits_or_is_waited_for(tasks: Rows) -> bool:
    """Whether some task of these ``tasks`` rows has a Tasks-plugin id or dependency."""
    return any(row[TASK_ID] is not None or row[TASK_DEPENDS_ON] != "[]" for row in tasks)


def _task_rows(note: Note, cadences: Cadences) -> Rows:
    path = note.path
    cadence_of = cadences.of
    return [
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


def task_sections(
    path: str, tasks: Rows, cadences: Cadences
) -> list[tuple[str, str, str | None, int, int, int]]:
    """Per (note, section): done, total (cancelled left out) and open task counts, from the
    note's ``tasks`` rows."""
    counts: dict[str, list[int]] = {}
    for row in tasks:
        done_total_open = counts.setdefault(row[TASK_SECTION], [0, 0, 0])
        status = row[TASK_STATUS]
        if status != "cancelled":
            done_total_open[1] += 1
            done_total_open[0] += status == "done"
            done_total_open[2] += status in OPEN_STATUSES
    return [
        (path, section, cadences.of(section), done, total, open_count)
        for section, (done, total, open_count) in counts.items()
    ]


_RESOLVED = 12
"""Where a ``links`` row holds ``resolved``, then ``anchor`` (:func:`_link_rows`)."""
LINK_RESOLUTION = (_RESOLVED, _RESOLVED + 1, _RESOLVED + 2, 17)
"""Where a ``links`` row holds what link resolution fills in: resolved, anchor, alias_of,
anchor_hint (None as :func:`_link_rows` makes the row)."""
HIDDEN_CHAR = 2
"""Where a ``hidden_tasks`` row holds the item's status character."""
RESOURCE_STATUS, RESOURCE_TASK_LINE = 6, 7
"""Where a ``resources`` row (:func:`_resource_rows`) holds its task's status and line."""


def _link_rows(note: Note) -> Rows:
    # resolved, anchor, alias_of and anchor_hint (the Nones) are link resolution's to fill.
    return [
        (
            note.path,
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
            link.context,
            link.key,
            None,  # anchor_hint, link resolution's too
            # Which files can decide where it points: vaultkit.graph.links re-resolves a
            # link when a file of that name comes or goes, and no other.
            link_target_key(link.target),
            # Which aliases can name it when it is unresolved: aliases that come or go
            # look at the hints of these links only.
            alias_key(link.target),
        )
        for link in note.links
    ]


def _resource_rows(note: Note) -> Rows:
    return [
        (
            note.path,
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


def _callout_rows(note: Note) -> Rows:
    return [
        (
            note.path,
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
    ]


def _table_rows(note: Note) -> tuple[Rows, Rows]:
    """The ``md_tables`` rows and the ``cells`` rows (the header is row 0)."""
    path = note.path
    tables: Rows = [
        (path, t.line, t.end_line, _section(t.section), len(t.header), len(t.rows))
        for t in note.tables
    ]
    cells: Rows = []
    for table in note.tables:
        cells.extend(
            (path, table.line, 0, col, table.line, c.text, c.source)
            for col, c in enumerate(table.header)
        )
        for number, row in enumerate(table.rows, start=1):
            cells.extend(
                (path, table.line, number, col, row.line, c.text, c.source)
                for col, c in enumerate(row.cells)
            )
    return tables, cells


def rows_digest(*row_lists: Sequence[tuple[Any, ...]]) -> str:
    """The digest of one family's rows, without their first column (the note's path)."""
    # pickle of plain tuples is several times cheaper than repr. Without its memo ("fast"),
    # so that equal rows give equal bytes however their values were made: with it, a string
    # shared by two columns (a task's text that is its line) pickles otherwise than two
    # equal strings, such as the same rows read back from the index (vaultkit.index.retick).
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(tuple([row[1:] for row in rows] for rows in row_lists))
    return hashlib.blake2b(buffer.getbuffer(), digest_size=8).hexdigest()


EMPTY_DIGESTS = (
    rows_digest([]),
    rows_digest([], [], []),
    rows_digest([]),
    "",  # every note has its ``notes`` row
)
"""The digest of each family (:data:`FAMILIES` order) of a note without rows of it."""


def _json_list(items: Sequence[str]) -> str:
    # Most tasks have no tags or dependencies: skip the encoder for those.
    return json.dumps(list(items), ensure_ascii=False) if items else "[]"


def _section(section: tuple[str, ...]) -> str:
    return " > ".join(section)
