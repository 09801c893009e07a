"""The vault graph: link resolution and task dependencies over the whole index.

The functions that decide are pure (rows in, updates out); ``refresh_graph`` only loads
what they need from the index and writes their answers back, inside the caller's
transaction. A new index resolves every internal link. Else the work is bounded by what
changed: the links of the new and edited notes, the anchors of links pointing at the edited
ones, the links a file that came or went can decide (those whose ``target_key`` is its name,
:func:`vaultkit.obsidian.resolve.file_keys_deciding`: a new ``Note.md`` can change which of
several same-named notes ``[[Note]]`` finds, and takes nothing else), and the alias hints of
the unresolved links an alias that came or went can name (those whose ``alias_key`` is its
key). That keeps a saved, a
created, a deleted or a renamed note cheap however large the vault is (design section 11).
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol

from vaultkit.obsidian.resolve import (
    AliasIndex,
    AnchorStatus,
    LinkResolver,
    alias_key,
    alias_owner,
    check_anchor,
    file_keys_deciding,
    file_name_key,
    link_name_keys,
)

INTERNAL_KINDS = ("wikilink", "embed", "markdown")

Update = tuple[str | None, str, str | None, str | None, int]
"""A link row's (resolved, anchor, alias_of, anchor_hint, rowid)."""
Memo = tuple[
    dict[tuple[str, str | None, bool], str | None],
    dict[tuple[str, str | None], tuple[AnchorStatus, str | None]],
]
"""Where (target, folder or note, markdown) points, None for the folder when the answer
holds from every note, and the status and hint of (note, fragment): decided once for the
many links that share them."""
_MEMO_LIMIT = 20_000
"""Memo entries kept at most: past this the memo starts afresh, so a vault of distinct
links does not hold them all (a memo only spares work; dropping it changes no answer)."""
_PAGE = 5_000
"""Link rows resolved per page on a new index: the rows and their answers are held a page at
a time, not for the whole vault."""


def new_memo() -> Memo:
    """An empty memo for :func:`resolve_link_rows`."""
    return {}, {}


class AliasHints(Protocol):
    def hint(self, target: str) -> str | None:
        """The path of a note that lists ``target`` among its aliases, else None."""


def resolve_link_rows(
    rows: Iterable[tuple[int, str, str, str, str | None]],
    resolver: LinkResolver,
    headings: Mapping[str, Sequence[tuple[str, int]]],
    block_ids: Mapping[str, Sequence[str]],
    aliases: AliasHints,
    memo: Memo | None = None,
) -> list[Update]:
    """(rowid, note, kind, target, fragment) -> (resolved, anchor, alias_of, anchor_hint,
    rowid); ``anchor_hint`` is the heading a broken heading anchor matches only leniently.
    ``memo`` (from :func:`new_memo`) carries what was decided over to the next call, when
    the rows come in pages."""
    updates: list[Update] = []
    # A vault links to the same notes from many places, and where a link points depends on
    # its source only through the source's folder (or the source itself for "[[#H]]").
    targets, anchors = memo if memo is not None else new_memo()
    for rowid, note, kind, target, fragment in rows:
        resolved = _resolved(resolver, targets, note, kind, target)
        if resolved is None:
            updates.append((None, AnchorStatus.NONE.value, aliases.hint(target), None, rowid))
            continue
        if not _anchored(resolved, fragment):
            status, hint = AnchorStatus.NONE, None
        elif (resolved, fragment) in anchors:
            status, hint = anchors[(resolved, fragment)]
        else:
            status, hint = anchors[(resolved, fragment)] = check_anchor(
                fragment, headings.get(resolved, ()), block_ids.get(resolved, ())
            )
        updates.append((resolved, status.value, None, hint, rowid))
    return updates


def _anchored(resolved: str, fragment: str | None) -> bool:
    """Whether a link resolved to ``resolved`` has an anchor to check in its target: '#page=3'
    on a PDF is a viewer option, not an anchor; no fragment (or a blank one, [[Note#]])
    needs no look at the target's headings (check_anchor's rule)."""
    return resolved.lower().endswith(".md") and fragment is not None and bool(fragment.strip())


class EarlyLinks:
    """Where a new index's links point, worked out as their rows are stored, while the parse
    pool still parses: there the work shares the cores with the workers, whereas in the pass
    after the parse (:func:`refresh_graph`) the indexer works alone on one core.

    For most links the vault's file names are the whole answer: a link that points at a
    file and has no anchor to check. The rest are left to that pass: an unresolved link
    needs every note's aliases (for its hint), an anchored one its target's headings and
    block ids, and neither is known before every note is parsed. ``paths`` must be every
    file the index will hold once filled; the pass checks that it does (and resolves every
    link, as without these answers, when it does not).

    What it keeps is made at the first question, once the parse pool has started: the
    workers, forked from the indexer, do not each carry a copy of every file name.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = paths
        """The files the answers are worked out against."""
        self._resolver: LinkResolver | None = None
        self._targets: dict[tuple[str, str | None, bool], str | None] = {}

    @property
    def resolver(self) -> LinkResolver:
        if self._resolver is None:
            self._resolver = LinkResolver(sorted(self.paths))
        return self._resolver

    def settled(self, note: str, kind: str, target: str, fragment: str | None) -> str | None:
        """The path the link points at, when that is its whole answer (then its ``anchor``
        is :attr:`AnchorStatus.NONE`, with no alias hint and no anchor hint); else None."""
        if kind not in INTERNAL_KINDS:
            return None
        targets = self._targets
        if len(targets) > _MEMO_LIMIT:
            targets = self._targets = {}
        resolved = _resolved(self.resolver, targets, note, kind, target)
        if resolved is None or _anchored(resolved, fragment):
            return None
        return resolved


SETTLED_ANCHOR = AnchorStatus.NONE.value
"""The ``anchor`` of a link :meth:`EarlyLinks.settled` answered; an internal link that has
none (NULL) is one the pass after the parse has still to resolve."""


def _resolved(
    resolver: LinkResolver,
    targets: dict[tuple[str, str | None, bool], str | None],
    note: str,
    kind: str,
    target: str,
) -> str | None:
    """Where one link points, decided once per target when the linking note cannot change
    the answer (most links: one file of that name, or an exact path), else once per (target,
    folder or note)."""
    markdown = kind == "markdown"
    anywhere = (target, None, markdown)
    if anywhere in targets:
        return targets[anywhere]
    key = (target, note if not target else note.rpartition("/")[0], markdown)
    if key in targets:
        return targets[key]
    resolved, any_source = resolver.resolve_scoped(target, note, markdown=markdown)
    targets[anywhere if any_source else key] = resolved
    return resolved


def task_block_states(
    rows: Sequence[tuple[int, str | None, str, str, int | None]],
) -> list[tuple[int | None, int]]:
    """(rowid, task_id, depends_on JSON, status, stored blocked) -> (blocked 1/0 or None,
    rowid) of the rows whose blocked state is not the one stored: every task with an id or a
    dependency is read, but only the few whose state moved are written back."""
    from vaultkit.graph.dependencies import dependency_states
    from vaultkit.model import TaskStatus

    statuses = {status.value: status for status in TaskStatus}
    entries = [
        (task_id, () if depends_on == "[]" else tuple(json.loads(depends_on)), statuses[status])
        for _, task_id, depends_on, status, _ in rows
    ]
    states = dependency_states(entries)
    updates: list[tuple[int | None, int]] = []
    for (rowid, _, _, _, stored), (_, depends, _), state in zip(rows, entries, states, strict=True):
        blocked = None if not depends else int(state != "ready")
        if blocked != stored:
            updates.append((blocked, rowid))
    return updates


BlockMove = tuple[int, int | None, int | None]
"""(rowid, blocked before, blocked now) of a task whose blocked state moved (None: the task
waits for nothing; 1 blocked, 0 ready)."""


def refresh_graph(
    connection: sqlite3.Connection,
    changed_notes: Collection[str] | None = None,
    *,
    moved_files: Collection[str] = (),
    dependencies: DependencyChange | None = None,
    alias_keys: Collection[str] | None = None,
    early: EarlyLinks | None = None,
) -> tuple[set[str] | None, list[BlockMove]]:
    """Recompute link resolution and task dependency states (inside a transaction).

    ``changed_notes`` names the notes whose links, headings or block ids changed, or that
    are new (it may be empty); None (the index is new) resolves every link. ``moved_files``
    are the files added to the index or removed from it since it was last resolved (a rename
    is both): the links their names can decide are resolved again. ``dependencies`` says
    which tasks with an id or a dependency changed, came or went: only the blocked states
    they can move are worked out again (None: every one). ``alias_keys`` are the keys of the
    aliases that came to some note or left it: the unresolved links they can name get their
    hint again; None: every unresolved link does. ``early`` (a new index only): the links
    its rows were stored with an answer to (:class:`EarlyLinks`) are not resolved again.

    Returns the notes whose links it looked at and the notes those links pointed at before
    or point at now (None when it resolved every link): their Link health counts may move;
    and the tasks whose blocked state it moved: the kept counts of ready and blocked tasks
    move with them (``vaultkit.index.task_totals``).
    """
    if changed_notes is None:
        _resolve_all(connection, _alias_index(connection), early)
        touched = None
    else:
        updates = _resolve_around(
            connection,
            sorted(changed_notes),
            sorted(moved_files),
            _StoredAliases(connection),
            alias_keys,
        )
        updates, touched = _changing(connection, updates)
        _store_resolution(connection, updates)
    blocks: list[BlockMove] = []
    if changed_notes is None or dependencies is None:
        blocks = _refresh_all_blocked(connection)
    elif dependencies.notes or dependencies.ids:
        blocks = _refresh_blocked(connection, dependencies)
    return touched, blocks


class DependencyChange(NamedTuple):
    """Which tasks with a Tasks-plugin id or dependency an index update changed."""

    notes: Collection[str]
    """The notes whose tasks were stored anew and held, or hold, an id or a dependency."""
    ids: Collection[str]
    """The ids the tasks of those notes, and of the notes removed, held before."""


_TASK_STATES = "SELECT rowid, task_id, depends_on, status, blocked FROM tasks"
"""What a task's blocked state is worked out from, and the state stored."""
ONE_BY_ONE_IDS = 32
"""Ids whose waiting tasks are looked for one by one at most: each is one more test of every
task with a dependency, so past this (a folder of such notes deleted) working out every
state costs less."""


def _refresh_all_blocked(connection: sqlite3.Connection) -> list[BlockMove]:
    """Work out every task's blocked state again, writing back those that moved."""
    task_rows = connection.execute(
        f"{_TASK_STATES} WHERE task_id IS NOT NULL OR depends_on != '[]'"
    ).fetchall()
    updates = task_block_states(task_rows)
    connection.executemany("UPDATE tasks SET blocked = ? WHERE rowid = ?", updates)
    stored = {row[0]: row[4] for row in task_rows}
    return [(rowid, stored[rowid], blocked) for blocked, rowid in updates]


def _refresh_blocked(connection: sqlite3.Connection, change: DependencyChange) -> list[BlockMove]:
    """Work out again the blocked states a change can move: those of the changed notes'
    tasks, and of every task waiting for an id those held before or hold now (an id's
    tasks may have come, gone, or been ticked). The rest stand."""
    from vaultkit.graph.dependencies import id_states, states_given
    from vaultkit.model import TaskStatus

    ids = set(change.ids)
    rows: dict[int, tuple[int, str | None, str, str, int | None]] = {}
    for chunk in _chunks(sorted(change.notes)):
        for row in connection.execute(
            f"{_TASK_STATES} WHERE note IN ({','.join('?' * len(chunk))}) "
            "AND (task_id IS NOT NULL OR depends_on != '[]')",
            chunk,
        ):
            if row[1]:
                ids.add(row[1])
            if row[2] != "[]":
                rows[row[0]] = row
    if len(ids) > ONE_BY_ONE_IDS:
        return _refresh_all_blocked(connection)
    # Every task with a dependency has a stored state (the changed notes' new rows aside,
    # read above). The notes waiting for an id are looked up (``task_waits``), and their
    # tasks' JSON text searched for it: the tasks of a few notes, not every waiting task of
    # the vault (~9 ms for 3,108 of them at 10,000 notes, for each tick of a task with an id).
    for chunk in _chunks(sorted(i for i in ids if i)):
        marks = ",".join("?" * len(chunk))
        holding = " OR ".join("instr(depends_on, ?) > 0" for _ in chunk)
        for row in connection.execute(
            f"{_TASK_STATES} WHERE note IN (SELECT note FROM task_waits WHERE id IN ({marks})) "
            f"AND blocked IS NOT NULL AND ({holding})",
            [*chunk, *(json.dumps(i, ensure_ascii=False) for i in chunk)],
        ):
            rows[row[0]] = row
    if not rows:
        return []
    statuses = {status.value: status for status in TaskStatus}
    tasks = [
        (rowid, tuple(json.loads(depends_on)), statuses[status], stored)
        for rowid, _, depends_on, status, stored in rows.values()
    ]
    named: list[tuple[str, TaskStatus]] = []
    for chunk in _chunks(sorted({dep for _, depends_on, _, _ in tasks for dep in depends_on})):
        named += [
            (task_id, statuses[status])
            for task_id, status in connection.execute(
                "SELECT task_id, status FROM tasks WHERE task_id IS NOT NULL "
                f"AND task_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        ]
    known, unfinished = id_states(named)
    states = states_given(((deps, status) for _, deps, status, _ in tasks), known, unfinished)
    moves: list[BlockMove] = [
        (rowid, stored, blocked)
        for (rowid, _, _, stored), state in zip(tasks, states, strict=True)
        if (blocked := int(state != "ready")) != stored
    ]
    connection.executemany(
        "UPDATE tasks SET blocked = ? WHERE rowid = ?",
        [(blocked, rowid) for rowid, _, blocked in moves],
    )
    return moves


def _changing(
    connection: sqlite3.Connection, updates: Sequence[Update]
) -> tuple[list[Update], set[str]]:
    """The ``updates`` that change what their link row holds, and the notes whose Link health
    row they can move: a link's note when the link's state for the counts changes (see
    :func:`_counted_as`), and the notes it points at before and after when those differ (an
    incoming link decides an orphan). A link resolved again to where it pointed (most links
    of a note edited), or to a note's new path (the links to a folder renamed), moves no
    count of the note holding it."""
    by_rowid = {update[-1]: update for update in updates}
    changing: list[Update] = []
    touched: set[str] = set()
    rowids = sorted(by_rowid)
    for start in range(0, len(rowids), _CHUNK):
        chunk = rowids[start : start + _CHUNK]
        for rowid, note, resolved, anchor, alias_of, anchor_hint in connection.execute(
            "SELECT rowid, note, resolved, anchor, alias_of, anchor_hint FROM links "
            f"WHERE rowid IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            update = by_rowid[rowid]
            if update[:4] == (resolved, anchor, alias_of, anchor_hint):
                continue
            changing.append(update)
            if _counted_as(resolved, anchor) != _counted_as(update[0], update[1]):
                touched.add(note)
            if resolved != update[0]:
                touched.update(target for target in (resolved, update[0]) if target is not None)
    return changing, touched


def _counted_as(resolved: str | None, anchor: str | None) -> tuple[bool, bool]:
    """What of one link the Link health row of the note holding it reads
    (:mod:`vaultkit.index.link_health`): whether it is unresolved, and whether its anchor is
    broken (SQL's ``anchor LIKE 'broken%'``). (Whether it points back at its own note, which
    the orphan state reads, changes only with its target, and then both targets are
    touched: the note holding it is one of them.)"""
    return resolved is None, anchor is not None and anchor[:6].lower() == "broken"


_LINKS = f"SELECT rowid, note, kind, target, fragment FROM links WHERE kind IN {INTERNAL_KINDS!r}"
"""Every internal link: the rows :func:`resolve_link_rows` reads."""


def _alias_index(connection: sqlite3.Connection) -> AliasIndex:
    """Every note's aliases, for resolving every link."""
    return AliasIndex.keyed(connection.execute("SELECT note, key FROM aliases"))


class _StoredAliases:
    """The alias hints of a few links, each alias key looked up in the index once: loading
    every alias would cost more than the few links a change resolves again."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._owners: dict[str, str | None] = {}

    def hint(self, target: str) -> str | None:
        key = alias_key(target)
        if key not in self._owners:
            notes = self._connection.execute("SELECT note FROM aliases WHERE key = ?", (key,))
            self._owners[key] = alias_owner({unicodedata.normalize("NFC", n) for (n,) in notes})
        return self._owners[key]


def _resolve_all(
    connection: sqlite3.Connection, alias_index: AliasIndex, early: EarlyLinks | None
) -> None:
    """Every internal link resolved again, against every file, and stored: a page of rows at
    a time (in rowid order), so memory stays flat however many links the vault holds. With
    ``early``, only the links stored without an answer, if the index holds the very files
    those answers were worked out against (else every link)."""
    paths = [row[0] for row in connection.execute("SELECT path FROM files")]
    links = _LINKS
    if early is not None and frozenset(early.paths) == frozenset(paths):
        resolver = early.resolver
        links += " AND anchor IS NULL"
    else:
        resolver = LinkResolver(paths)
    # The headings and block ids of the notes a page's anchored links point at are read for
    # that page, not the whole vault's at once: the two indexes this reads by are made now
    # (a new index is filled without them), not after resolution.
    connection.execute("CREATE INDEX IF NOT EXISTS headings_note ON headings(note)")
    connection.execute("CREATE INDEX IF NOT EXISTS block_ids_note ON block_ids(note)")
    memo = new_memo()
    after = 0
    while True:
        # Read whole before its answers are written: no cursor is open over the rows updated.
        rows = connection.execute(
            f"{links} AND rowid > ? ORDER BY rowid LIMIT {_PAGE}", (after,)
        ).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        if len(memo[0]) + len(memo[1]) > _MEMO_LIMIT:
            memo = new_memo()
        anchored = {
            _resolved(resolver, memo[0], note, kind, target)
            for _, note, kind, target, fragment in rows
            if fragment is not None and fragment.strip()
        }
        anchored.discard(None)
        headings, block_ids = _anchors(connection, {path for path in anchored if path})
        _store_resolution(
            connection, resolve_link_rows(rows, resolver, headings, block_ids, alias_index, memo)
        )


def _store_resolution(connection: sqlite3.Connection, updates: list[Update]) -> None:
    connection.executemany(
        "UPDATE links SET resolved = ?, anchor = ?, alias_of = ?, anchor_hint = ? WHERE rowid = ?",
        updates,
    )


def _resolve_around(
    connection: sqlite3.Connection,
    changed: list[str],
    moved: list[str],
    aliases: AliasHints,
    alias_keys: Collection[str] | None,
) -> list[Update]:
    """The links of the changed notes, those pointing at them and those the moved files can
    decide resolved again, and the alias hints of the unresolved links ``alias_keys`` can name
    brought up to date (None: of every unresolved link)."""
    rows = []
    for chunk in _chunks(changed):
        marks = ",".join("?" * len(chunk))
        rows += connection.execute(
            f"{_LINKS} AND (note IN ({marks}) OR resolved IN ({marks}))", chunk + chunk
        ).fetchall()
    rows += _decided_by(connection, moved)
    rows = list({row[0]: row for row in rows}.values())
    resolver = LinkResolver(_named_like_targets(connection, rows))
    # Where each link points is decided once, kept in the memo for its update (a folder
    # renamed re-resolves hundreds of links); only an anchored link's target has its headings
    # and block ids read, as for a new index.
    memo = new_memo()
    anchored = {
        _resolved(resolver, memo[0], note, kind, target)
        for _, note, kind, target, fragment in rows
        if fragment is not None and fragment.strip()
    }
    updates = resolve_link_rows(
        rows, resolver, *_anchors(connection, {t for t in anchored if t}), aliases, memo
    )
    seen = {row[0] for row in rows}
    # Unresolved links elsewhere stay unresolved (no file of their name came), but aliases
    # edited, added or removed can change the hint they carry.
    for rowid, target, alias_of in _unresolved(connection, alias_keys):
        hint = aliases.hint(target)
        if rowid not in seen and hint != alias_of:
            updates.append((None, AnchorStatus.NONE.value, hint, None, rowid))
    return updates


def _unresolved(
    connection: sqlite3.Connection, alias_keys: Collection[str] | None
) -> list[tuple[int, str, str | None]]:
    """(rowid, target, alias_of) of the unresolved links an alias of ``alias_keys`` can name
    (None: of every unresolved link)."""
    where = f"WHERE kind IN {INTERNAL_KINDS!r} AND resolved IS NULL"
    if alias_keys is None:
        return connection.execute(f"SELECT rowid, target, alias_of FROM links {where}").fetchall()
    rows = []
    for chunk in _chunks(sorted(alias_keys)):
        # Named: without statistics SQLite reads every unresolved link through the index on
        # ``resolved`` (0.3 s at 100,000 notes) rather than the few of these keys.
        rows += connection.execute(
            "SELECT rowid, target, alias_of FROM links INDEXED BY links_alias_key "
            f"{where} AND alias_key IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    return rows


def _decided_by(
    connection: sqlite3.Connection, moved: list[str]
) -> list[tuple[int, str, str, str, str | None]]:
    """The links whose resolution one of the files ``moved`` can decide: those whose target
    names it (a removed file's links pointed at it by name too), and those whose ``.``/``..``
    segments make :func:`link_name_keys` the judge (few: they are read whole)."""
    if not moved:
        return []
    keys = sorted({key for path in moved for key in file_keys_deciding(path)})
    rows = []
    for chunk in _chunks(keys):
        rows += connection.execute(
            f"{_LINKS} AND target_key IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
    names = {file_name_key(path) for path in moved}
    rows += [
        row
        for row in connection.execute(f"{_LINKS} AND target_key IS NULL")
        if not names.isdisjoint(link_name_keys(row[3], row[1]))
    ]
    return rows


def _named_like_targets(
    connection: sqlite3.Connection, rows: Sequence[tuple[int, str, str, str, str | None]]
) -> list[str]:
    """The files named like some link's target: only those can decide where it points."""
    names = sorted({key for _, note, _, target, _ in rows for key in link_name_keys(target, note)})
    candidates: list[str] = []
    for chunk in _chunks(names):
        candidates += [
            row[0]
            for row in connection.execute(
                f"SELECT path FROM files WHERE name_key IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        ]
    return candidates


_CHUNK = 400
"""Names per ``IN (...)`` list, well below SQLite's bound-parameter limit."""


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])


def _anchors(
    connection: sqlite3.Connection, notes: Collection[str] | None
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, list[str]]]:
    """Headings and block ids of ``notes`` (None: of every note), in document order."""
    headings: dict[str, list[tuple[str, int]]] = defaultdict(list)
    blocks: dict[str, list[str]] = defaultdict(list)
    if notes is None:
        selections: Iterable[tuple[str, list[str]]] = [("", [])]
    else:
        selections = (
            (f" WHERE note IN ({','.join('?' * len(c))})", c) for c in _chunks(sorted(notes))
        )
    for where, chunk in selections:
        for note, text, level in connection.execute(
            f"SELECT note, text, level FROM headings{where} ORDER BY note, line", chunk
        ):
            headings[note].append((text, level))
        for note, block_id in connection.execute(
            f"SELECT note, block_id FROM block_ids{where}", chunk
        ):
            blocks[note].append(block_id)
    return headings, blocks
