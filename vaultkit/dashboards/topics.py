"""The topic comparison table's context: one entry per topic note.

A topic's columns are its properties, the bullet lists under its sections, and the computed
columns of :data:`COMPUTED_COLUMNS`. Adding a computed column is one function there: it
becomes a key of every topic (``topic.words``), a column ``topic_value`` answers and a name
``[topics] columns`` and ``sort`` may use. Two lists for users name it by hand, and tests hold
them to the table: docs/templates.md and the doc of ``TopicSettings.columns``. A column that
reads an index family of its note none of the others reads adds it to
:data:`COLUMN_FAMILIES`, so that a change to it renders the topics again.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from vaultkit.config.schema import Config, TopicSettings
from vaultkit.dashboards.common import CellMarkdown, Inputs, modified_date
from vaultkit.index.queries import HIDDEN_NOTES, IN_LIST_SIZE, name_and_namesakes
from vaultkit.index.store import PRESENCE
from vaultkit.index.topic_memo import MemoRow, MemoUpdate, TopicMemo, next_stamp, read_memo
from vaultkit.task_progress import Progress


class TopicNote:
    """One topic note as a computed column sees it: its ``notes`` row, and the rest of the
    index through :attr:`connection`. What several columns read is read once, and nothing
    before it is asked for (see :class:`Topic`)."""

    __slots__ = (
        "_properties",
        "_properties_json",
        "_task_counts",
        "connection",
        "mtime_ns",
        "path",
        "title",
    )

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: str,
        title: str,
        properties: str | None,
        mtime_ns: int,
    ) -> None:
        self.connection = connection
        self.path = path
        self.title = title
        # None: read when first asked for (a topic the memo knows, whose row is cached).
        self._properties_json = properties
        self._properties: dict[str, Any] | None = None
        self.mtime_ns = mtime_ns
        self._task_counts: tuple[int, int, int] | None = None

    @property
    def properties(self) -> dict[str, Any]:
        """The note's properties (its ``notes`` row holds them as JSON)."""
        if self._properties is None:
            if self._properties_json is None:
                (self._properties_json,) = self.connection.execute(
                    "SELECT properties FROM notes WHERE path = ?", (self.path,)
                ).fetchone()
            self._properties = json.loads(self._properties_json)
        return self._properties

    def task_counts(self) -> tuple[int, int, int]:
        """(done, total without the cancelled, every task) of the note's tasks."""
        if self._task_counts is None:
            self._task_counts = self.connection.execute(
                "SELECT coalesce(sum(status = 'done'), 0), "
                "coalesce(sum(status != 'cancelled'), 0), count(*) FROM tasks WHERE note = ?",
                (self.path,),
            ).fetchone()
        return self._task_counts


def _progress(note: TopicNote) -> Progress:
    """Tasks done of those not cancelled, as ``{done, total, pct}``."""
    done, total, _ = note.task_counts()
    return Progress(done, total)


def _tasks(note: TopicNote) -> int:
    """How many tasks the note holds, cancelled ones included."""
    return note.task_counts()[2]


def _resources(note: TopicNote) -> int:
    """How many distinct external resources (URLs) the note mentions."""
    found: int = note.connection.execute(
        "SELECT count(DISTINCT url) FROM resources WHERE note = ?", (note.path,)
    ).fetchone()[0]
    return found


def _modified(note: TopicNote) -> str:
    """The note's last-modified date (``YYYY-MM-DD``); see :func:`modified_date`."""
    return modified_date(note.properties, note.mtime_ns)


COMPUTED_COLUMNS: Mapping[str, Callable[[TopicNote], Any]] = MappingProxyType(
    {
        "progress": _progress,
        "tasks": _tasks,
        "resources": _resources,
        "modified": _modified,
    }
)
"""Computed column -> its value for one topic note, in the order of a topic's keys. Names are
lower case: a column matches whatever its case in the config."""

COLUMN_FAMILIES = frozenset({"tasks", "resources", "mtime"})
"""The index families of its own note the computed columns read (``mtime``: the file's
mtime; the note's properties and lists are ``meta``, which every topic reads). A change to
one of them in a topic note moves the topics, so a column reading another family adds it
here."""


def topic_value(topic: Mapping[str, Any], column: str) -> Any:
    """A topic's value for a column: computed, a property, or a section's bullet list."""
    lowered = column.casefold()
    if lowered == "title" or lowered in COMPUTED_COLUMNS:
        return topic[lowered]
    if "cells" in topic and lowered in topic["cells"]:  # a row of a kept table
        return topic["cells"][lowered]
    for key, value in topic["properties"].items():
        if key.casefold() == lowered:
            return value
    return topic["lists"].get(lowered)


def is_topic(settings: TopicSettings, folder: str, tags_json: str, properties_json: str) -> bool:
    """Whether a note (its ``notes`` row's folder, tags and properties) is a topic."""
    wanted_folder, wanted_tag, tag_needle, property_needle = _wanted(settings)
    if wanted_folder and (folder == wanted_folder or folder.startswith(wanted_folder + "/")):
        return True
    # Substring tests on the stored JSON rule out most notes before any JSON is decoded: a
    # note whose casefolded tags text lacks the tag cannot carry it.
    if wanted_tag and tag_needle in tags_json.casefold():
        tags = [t.casefold() for t in json.loads(tags_json)]
        if any(t == wanted_tag or t.startswith(wanted_tag + "/") for t in tags):
            return True
    if settings.property and property_needle in properties_json:
        return bool(json.loads(properties_json).get(settings.property))
    return False


@lru_cache(maxsize=8)
def _wanted(settings: TopicSettings) -> tuple[str, str, str, str]:
    """What a topic is looked for by: the folder, the tag (casefolded), the tag as escaped in
    the tags' JSON and the property's name as a key in the properties' JSON. Worked out once
    per settings, not for each of thousands of notes."""
    tag = settings.tag.lstrip("#").casefold()
    return (
        settings.folder.strip("/"),
        tag,
        json.dumps(tag, ensure_ascii=False)[1:-1],
        json.dumps(settings.property, ensure_ascii=False),
    )


def note_is_topic(connection: sqlite3.Connection, config: Config, path: str) -> bool:
    """Whether the indexed note at ``path`` is a topic."""
    row = connection.execute(
        "SELECT folder, tags, properties FROM notes WHERE path = ?", (path,)
    ).fetchone()
    return row is not None and is_topic(config.topics, *row)


def moves_topics(
    connection: sqlite3.Connection,
    config: Config,
    path: str,
    families: frozenset[str],
    kept: dict[str, object],
) -> bool:
    """Whether a change to the note at ``path`` (moving ``families``) moves the topics;
    ``kept``: answers about the whole vault, kept for one index update."""
    if PRESENCE in families:
        # A note that came or went (asked with the rows it has, or had): it moves the topics
        # if it is a topic, or holds a table while no note is a topic (the comparison tables
        # are shown only then). A kept table's rows read headings, tasks and resources
        # anywhere and the notes their names link to: anything that comes or goes may move
        # them.
        return (
            bool(config.topics.table)
            or note_is_topic(connection, config, path)
            or (_holds_table(connection, path) and not _any_topic(connection, config, kept))
        )
    # A topic reads its note's metadata and what its computed columns read; a metadata change
    # can make a note a topic or stop it being one, so it counts whatever the note is now.
    if config.topics.table:
        # A kept table's rows count tasks and resources under headings anywhere in the vault.
        return bool(families & (COLUMN_FAMILIES | {"meta"}))
    return "meta" in families or bool(
        families & COLUMN_FAMILIES and note_is_topic(connection, config, path)
    )


def _any_topic(connection: sqlite3.Connection, config: Config, kept: dict[str, object]) -> bool:
    """Whether some note is a topic, looked for once per index update: a scan of the notes,
    which a batch of table notes coming or going would otherwise pay per note. An answer the
    update makes stale is harmless: a note that starts or stops being a topic, the last one
    or not, moves the topics by itself (it is a topic when it comes or goes, or its metadata
    moved), whatever this rule says of the notes around it."""
    found = kept.get("has_topics")
    if not isinstance(found, bool):
        found = kept["has_topics"] = has_topics(connection, config.topics)
    return found


def _holds_table(connection: sqlite3.Connection, path: str) -> bool:
    found = connection.execute("SELECT 1 FROM md_tables WHERE note = ? LIMIT 1", (path,))
    return found.fetchone() is not None


def make_topic_columns(inputs: Inputs) -> list[str]:
    """``topic_columns``: the configured columns (a kept table's own, then the computed)."""
    settings = inputs.config.topics
    if settings.table:
        from vaultkit.dashboards.kept_topics import kept_columns, kept_header

        return kept_columns(settings, kept_header(inputs.connection, settings))
    return list(settings.columns)


def make_topics(inputs: Inputs) -> Sequence[Mapping[str, Any]]:
    """``topics``: one entry per topic note, sorted as ``[topics] sort`` says; with ``[topics]
    table``, one per named row of that table, in its order."""
    connection, settings = inputs.connection, inputs.config.topics
    if settings.table:
        from vaultkit.dashboards.kept_topics import make_kept_topics

        return make_kept_topics(inputs)
    topics: list[Topic] = []
    named: list[tuple[str, str, int]] = []
    # In path order, so that topics of the same title keep one order.
    rows, properties = topic_rows(connection, settings, inputs.topic_memo)
    for path, title, mtime_ns, digest, name_key, namesakes in rows:
        note = TopicNote(connection, path, title, properties.get(path), mtime_ns)
        topics.append(Topic(note, digest))
        named.append((path, name_key, namesakes))
    topics = sort_topics(topics, settings.sort)
    if inputs.names is not None:
        # Each row links its note: thousands of rows count their names with the query above.
        inputs.names.prime(named)
    inputs.found["topics"] = bool(topics)
    return topics


class FoundTopics(NamedTuple):
    rows: list[MemoRow]
    """Each topic note's (path, title, mtime_ns, digest, name key, namesakes), in path
    order: see :func:`_candidates`."""
    properties: dict[str, str]
    """The properties (JSON) of the notes read from ``notes`` this time; a topic note's
    properties not here are read when asked for."""


MEMO_RULES_VERSION = 1
"""Part of the memo's stamp with the topic rules: raised when what makes a topic, or its row,
changes in the code, so that a memo an older vaultkit kept is made again."""


def topic_rows(
    connection: sqlite3.Connection, settings: TopicSettings, memo: TopicMemo | None = None
) -> FoundTopics:
    """Every topic note's row. With ``memo``, the rows the index keeps from the last render
    (:mod:`vaultkit.index.topic_memo`) with those of the notes logged since worked out again,
    and the memo's update left in ``memo``; without, the full query."""
    if memo is None:
        return _found_rows(connection, settings, None)
    rules = json.dumps([MEMO_RULES_VERSION, settings.folder, settings.tag, settings.property])
    kept = read_memo(connection, rules)
    stamp = next_stamp(kept.stamp, rules)
    if kept.rows is None:
        found = _found_rows(connection, settings, None)
        memo.update = MemoUpdate(kept.stamp, stamp, kept.last_seq, found.rows)
        return found
    if not kept.paths:
        return FoundTopics(kept.rows, {})
    rows = {row[0]: row for row in kept.rows}
    for path in kept.paths:
        rows.pop(path, None)
    fresh = _found_rows(connection, settings, kept.paths)
    changed = {row[0]: row for row in fresh.rows}
    rows.update(changed)
    if kept.name_keys:
        # A file that came, went or was renamed changes how many files share its name:
        # the rows of that name link their note with its folder, or without.
        counts = _namesakes(connection, kept.name_keys)
        for path, row in rows.items():
            if row[4] in kept.name_keys and row[5] != counts.get(row[4], 0):
                rows[path] = changed[path] = (*row[:5], counts.get(row[4], 0))
    memo.update = MemoUpdate(
        kept.stamp, stamp, kept.last_seq, list(changed.values()), removed=sorted(kept.paths)
    )
    # A row that went leaves the others in order; one that came or changed is sorted in.
    return FoundTopics(sorted(rows.values()) if changed else list(rows.values()), fresh.properties)


def _namesakes(connection: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
    """How many files have each of the name keys (as :func:`name_and_namesakes` counts)."""
    wanted = sorted(keys)
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), IN_LIST_SIZE):
        chunk = wanted[start : start + IN_LIST_SIZE]
        counts.update(
            connection.execute(
                f"SELECT name_key, count(*) FROM files WHERE name_key IN "
                f"({', '.join('?' * len(chunk))}) GROUP BY name_key",
                chunk,
            )
        )
    return counts


def _found_rows(
    connection: sqlite3.Connection, settings: TopicSettings, paths: Collection[str] | None
) -> FoundTopics:
    """The rows of the topic notes among ``paths`` (None: every note), by the full query."""
    rows: list[MemoRow] = []
    properties: dict[str, str] = {}
    for (
        path,
        title,
        folder,
        properties_json,
        tags,
        mtime_ns,
        digest,
        sure,
        name_key,
        namesakes,
    ) in _candidates(connection, settings, paths):
        if sure or is_topic(settings, folder, tags, properties_json):
            rows.append((path, title, mtime_ns, digest, name_key, namesakes))
            properties[path] = properties_json
    # Sorted here, as SQLite's sort of thousands of rows costs more (UTF-8 orders as its code
    # points do).
    rows.sort()
    return FoundTopics(rows, properties)


def sort_topics(topics: list[Topic], sort: str) -> list[Topic]:
    """The topics in the order ``[topics] sort`` says: by the column's :func:`sort_value`,
    ties by title, topics without a value last whichever way the column sorts."""
    topics.sort(key=_title_key)
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column.casefold() == "title":
        # A title's sort value is its casefolded text (none when it is empty): the order
        # just made, so thousands of topics need not be keyed again.
        valued = [topic for topic in topics if topic.title]
        if descending:
            valued.sort(key=_title_key, reverse=True)
        return valued + [topic for topic in topics if not topic.title]
    return sort_by_value(topics, column, descending=descending)


def sort_by_value(topics: list[Topic], column: str, *, descending: bool) -> list[Topic]:
    """``topics`` (in title order) sorted by ``column``'s :func:`sort_value`, stably, those
    without a value last."""
    keyed = [(sort_value(topic_value(topic, column)), topic) for topic in topics]
    valued = [(value, topic) for value, topic in keyed if value is not None]
    valued.sort(key=lambda pair: pair[0], reverse=descending)
    return [topic for _, topic in valued] + [topic for value, topic in keyed if value is None]


def _title_key(topic: Topic) -> str:
    return topic.title.casefold()


def has_topics(connection: sqlite3.Connection, settings: TopicSettings) -> bool:
    """Whether some note of the index is a topic."""
    return any(
        sure or is_topic(settings, folder, tags, properties)
        for _, _, folder, properties, tags, _, _, sure, _, _ in _candidates(connection, settings)
    )


def make_comparison_tables(inputs: Inputs) -> list[dict[str, Any]]:
    """``comparison_tables``: the hand-kept comparison tables ``vaultkit adopt`` can adopt,
    when there is no topic to show (the built-in template shows them only then, and every
    render of the Topics dashboard computes what its template reads)."""
    settings = inputs.config.topics
    if settings.table:
        return []
    # The topics of this render, when they were made first (as the built-in dashboard's
    # names are): looking again costs a search of every topic (~11 ms at 4,882 topics).
    found = inputs.found.get("topics")
    if found is None:
        found = has_topics(inputs.connection, settings)
    if found:
        return []
    # Imported here: a hook for a change that does not render the Topics never loads it.
    from vaultkit.dashboards.kept_tables import comparison_tables

    return comparison_tables(inputs.connection)


def sort_value(value: Any) -> tuple[int, float, str] | None:
    """How a column's value sorts: numbers (and progress, by percentage) as numbers, before
    anything else as case-folded text; None for no value (no tasks counts as no progress)."""
    if value is None or value in ("", [], {}):
        return None
    if isinstance(value, Progress):
        return (0, value.pct, "") if value.total else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, "")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return (1, 0, text.casefold())


NON_ASCII_FOLDS = ("ss", "s", "k", "ff", "fi", "fl", "ffi", "ffl", "st")
"""What a non-ASCII character casefolds to when all of it is ASCII (ß and ẞ, the long s, the
Kelvin sign, the Latin ligatures; a test holds this to every character Python knows). Only a
tag holding such a character can casefold to an ASCII tag that SQLite, whose ``NOCASE`` and
``LIKE`` fold the ASCII letters alone, does not match."""


def _folds_as_sqlite(tag: str) -> bool:
    """Whether every tag that casefolds to ``tag`` (casefolded) is ``tag`` to SQLite's
    ``NOCASE`` too: an ASCII tag that no non-ASCII character casefolds into."""
    return tag.isascii() and not any(fold in tag for fold in NON_ASCII_FOLDS)


def _candidates(
    connection: sqlite3.Connection,
    settings: TopicSettings,
    paths: Collection[str] | None = None,
) -> Iterable[tuple[Any, ...]]:
    """The ``notes`` rows that may be topics, in no particular order: :func:`is_topic`'s
    tests, looser, in SQLite. Each row is (path, title, folder, properties, tags, mtime_ns,
    digest, sure, name key, namesakes):

    * the folder and tags are None when every row is sure to be a topic (nothing reads them);
    * the digest is everything a topic is computed from (see :class:`Topic`): its path (the
      title and folder with it), then ``:`` and what its values are computed from
      (:attr:`Topic.values_digest`): its mtime, for ``modified``, and its note's rows
      (properties and lists are its metadata);
    * sure: whether the note is sure to be a topic;
    * its note's file-name key and how many files have that name
      (:func:`~vaultkit.index.queries.name_and_namesakes`: each row links its note).

    So only candidates reach Python. A tag most tags fold as SQLite does (``topic``) is looked
    up in the tags' index, which holds each row's note too: a few milliseconds at 100,000
    notes where reading every note's tags took ~0.1 s warm and seconds cold, and ~3 ms for
    5,000 topics where looking up each tag row took ~12 ms. Any other tag is looked for in
    every note's tags.
    The folder's test and that lookup are :func:`is_topic`'s own, so a note they find is a
    topic without its tags decoded (thousands of topics, in a vault with many).

    ``paths``: only the notes at those paths (None: every note).
    """
    folder, wanted_tag, tag_needle, property_needle = _wanted(settings)
    maybe: list[str] = []
    params: list[Any] = []
    sure: list[str] = []
    sure_params: list[Any] = []
    if folder:
        maybe.append("n.folder = ? OR substr(n.folder, 1, ?) = ?")
        params += [folder, len(folder) + 1, folder + "/"]
        sure.append(maybe[-1])
        sure_params += params[-3:]
    if wanted_tag:
        if _folds_as_sqlite(wanted_tag):
            # The tag, or one below it: "topic/" <= tag < "topic0", as "0" follows "/". A
            # note's tags are its tag rows' spellings, so a row found is a tag of the note.
            # For a few notes, their own tag rows are looked at, not every topic's.
            tagged = (
                "tag = ? COLLATE NOCASE OR (tag >= ? COLLATE NOCASE AND tag < ? COLLATE NOCASE)"
            )
            maybe.append(
                f"n.path IN (SELECT note FROM tags WHERE {tagged})"
                if paths is None
                else f"EXISTS (SELECT 1 FROM tags WHERE note = n.path AND ({tagged}))"
            )
            params += [wanted_tag, wanted_tag + "/", wanted_tag + "0"]
            sure.append(maybe[-1])
            sure_params += params[-3:]
        elif tag_needle.isascii():
            # LIKE ignores ASCII case only: a note whose tags hold any other character (its
            # text is shorter than its bytes) is a candidate too.
            maybe.append(
                "n.tags LIKE ? ESCAPE '!' OR length(n.tags) != length(CAST(n.tags AS BLOB))"
            )
            escaped = tag_needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
            params.append(f"%{escaped}%")
        else:
            maybe.append("1")
    if settings.property:
        maybe.append("instr(n.properties, ?) > 0")
        params.append(property_needle)
    if not maybe:
        return []
    # Thousands of rows: each value read costs, so the digest is one text, and the folder
    # and tags are read only when is_topic must decide.
    if len(sure) == len(maybe):
        # Every test is sure (no property): a constant, or SQLite runs the tags' lookup twice.
        certain, sure_params, tested = "1", [], "NULL, n.properties, NULL"
    else:
        certain = " OR ".join(f"({m})" for m in sure) or "0"
        tested = "n.folder, n.properties, n.tags"
    query = (
        f"SELECT n.path, n.title, {tested}, n.mtime_ns, n.path || ':' || n.mtime_ns || ':' || "
        "n.tasks_digest || ':' || n.resources_digest || ':' || n.meta_digest, "
        f"({certain}), {name_and_namesakes('f')} "
        "FROM notes n JOIN files f ON f.path = n.path "
        f"WHERE n.path NOT IN ({HIDDEN_NOTES}) AND ({' OR '.join(f'({m})' for m in maybe)})"
    )
    if paths is None:
        return connection.execute(query, sure_params + params)
    wanted = sorted(paths)
    return [
        row
        for start in range(0, len(wanted), IN_LIST_SIZE)
        for chunk in [wanted[start : start + IN_LIST_SIZE]]
        for row in connection.execute(
            f"{query} AND n.path IN ({', '.join('?' * len(chunk))})",
            sure_params + params + chunk,
        )
    ]


class Topic(Mapping[str, Any]):
    """One topic as the templates see it: ``{path, title, properties, lists}``, its computed
    columns and ``digest`` (of what it is computed from: two topics with the same digest hold
    the same values).

    Its lists and computed columns are read from the index the first time they are asked
    for, not before: the Topics template finds the text of a row whose digest it rendered
    before in its ``{% cache %}`` and asks for nothing else, so a table of thousands of topics
    whose one row changed reads the index for that row alone. Like the context's ``Rows``, it
    reads the connection it was made with, so it must be read within the render's read
    transaction.
    """

    __slots__ = ("_computed", "_note", "_values", "digest", "path", "title")

    def __init__(self, note: TopicNote, digest: str) -> None:
        self._note = note
        # Also attributes: sorting, blocking and keying thousands of rows read them directly,
        # not through the mapping's lookups.
        self.path = note.path
        self.title = note.title
        self.digest = digest
        # Read when the topic is made, so a column added to the registry later is not among
        # its keys halfway through a render.
        self._computed = COMPUTED_COLUMNS
        # The values read so far, made when the first is: most topics of a big table are in
        # blocks rendered before, and are never asked for one.
        self._values: dict[str, Any] | None = None

    @property
    def values_digest(self) -> str:
        """The digest without the path: what the topic's values (all but ``path`` and
        ``title``) are computed from, which a move to another folder keeps."""
        return self.digest[len(self.path) + 1 :]

    def __getitem__(self, key: str) -> Any:
        if key == "path":
            return self.path
        if key == "title":
            return self.title
        if key == "digest":
            return self.digest
        if self._values is None:
            self._values = {}
        elif key in self._values:
            return self._values[key]
        if key == "properties":
            value: Any = self._note.properties
        elif key == "lists":
            value = _lists(self._note)
        elif key in self._computed:
            value = self._computed[key](self._note)
        else:
            raise KeyError(key)
        self._values[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        yield from ("path", "title", "properties", "lists")
        yield from self._computed
        yield "digest"

    def __len__(self) -> int:
        return 5 + len(self._computed)

    def __repr__(self) -> str:
        return f"Topic({self._note.path!r})"


def _lists(note: TopicNote) -> dict[str, list[str]]:
    """The note's top-level bullet items by the innermost heading above them (lower-cased),
    as written: the table shows an item's links, code and emphasis."""
    lists: dict[str, list[str]] = defaultdict(list)
    for section, text, source, depth in note.connection.execute(
        "SELECT section, text, source, depth FROM list_items WHERE note = ? ORDER BY line",
        (note.path,),
    ):
        if depth == 0 and section:
            lists[section.split(" > ")[-1].casefold()].append(CellMarkdown(source or text))
    return dict(lists)
