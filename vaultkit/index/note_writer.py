"""Storing the notes an update read, one by one, and keeping track of what their changes move.

Each note read again (:mod:`vaultkit.index.parsing`) is stored as it arrives: its ``files`` row,
and its rows unless only its mtime moved. A known note's new rows are compared with its old
ones family by family (their digests, :mod:`vaultkit.index.note_rows`): that decides which
families' generation counters move, whether link resolution must look at the note again, and
how the kept sums (reading list, task totals) move. A note that comes or goes moves the
families it holds rows of (and ``links``: Link health counts the notes); a file without rows
(an attachment) only ``links``, and only when a link points at it. The caller refreshes those
once every note is stored (:func:`vaultkit.index.update.update_index`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from vaultkit.index import link_health as link_health
from vaultkit.index import resource_urls as resource_urls
from vaultkit.index import task_totals as task_totals
from vaultkit.index.changes import Known
from vaultkit.index.note_rows import (
    LINK_TABLES,
    NoteRows,
    alias_keys,
    delete_notes,
    holds_rows,
    insert_note_rows,
    move_notes,
    note_digests,
)
from vaultkit.index.parsing import ReadNote
from vaultkit.index.queries import linked_to
from vaultkit.index.store import ALL_FAMILIES, FAMILIES, PRESENCE, SCOPED_FAMILIES
from vaultkit.obsidian.resolve import file_name_key
from vaultkit.scan.found import SourceFile

if TYPE_CHECKING:
    from vaultkit.graph.links import EarlyLinks
    from vaultkit.index.update import IndexUpdate, Scopes


class NoteWriter:
    """Stores the changed notes of one update, and keeps track of what their changes move."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        update: IndexUpdate,
        known: Known,
        scopes: Scopes | None,
        excluded: set[str],
        *,
        own: bool = False,
        early: EarlyLinks | None = None,
    ) -> None:
        self.connection = connection
        self.early = early
        """A new index's links answered as they are stored (:class:`vaultkit.graph.links.
        EarlyLinks`)."""
        self.update = update
        self.known = known
        self.scopes = scopes
        self.excluded = excluded
        self.own = own
        """The notes stored are vaultkit's own writes of this sync (:func:`vaultkit.index.update.
        record_own_writes`): their mtime moving is no change, and they keep the mtime the
        dashboards were rendered with."""
        self.families: set[str] = set()
        """The families whose rows moved: their generation counters move at the end."""
        self.relinked: list[str] = []
        """Known notes whose links, headings or block ids changed."""
        self.came: list[str] = []
        """Visible notes new to the index (a rename's new name among them)."""
        self.went: list[str] = []
        """Visible notes that left the index (a rename's old name among them)."""
        self.added: list[str] = []
        """Files new to the index (notes, and vaultkit's own dashboards among them): link
        resolution reads their links and the links their names can decide."""
        self.new_generated: list[str] = []
        """Generated files new to the index: hidden from every view, they can only change
        where links point (:func:`vaultkit.index.update.update_index` resolves them again)."""
        self.dependency_notes: set[str] = set()
        """Notes whose tasks were stored anew and held, or hold, a Tasks-plugin id or
        dependency: their tasks' blocked states are worked out again."""
        self.dependency_ids: set[str] = set()
        """The task ids such notes, and notes removed, held before: the tasks waiting for
        them elsewhere are worked out again (:class:`vaultkit.graph.links.DependencyChange`)."""
        self.alias_keys: set[str] = set()
        """The keys of the aliases that came or went (:func:`vaultkit.index.note_rows.
        alias_keys`): the unresolved links they can name need their hint looked at again."""
        self.regroup: set[str] = set()
        """URLs whose reading-list row may have moved: those that changed notes mention now or
        mentioned before (unused on a cold start, which groups every URL once at the end)."""
        self.url_moves: dict[str, str] = {}
        """Notes moved as seen (old path -> new path): the URLs they mention keep their
        status and count, only where they are first mentioned can move
        (:func:`vaultkit.index.resource_urls.refresh`)."""
        self.task_change: Counter[str] = Counter()
        """How the kept task sums move: changed notes' sums after their update minus before."""
        self.link_touched: set[str] = set()
        """Notes whose Link health counts may have moved (:mod:`vaultkit.index.link_health`):
        those whose link rows were replaced, added or removed, and what those links pointed
        at before; link resolution adds the rest."""
        self._moved_as_seen: set[str] = set()
        """The new paths of notes moved with their content and their visibility unchanged
        (:meth:`remove`): the same rows, seen by the same views, so their task sums and URLs
        are as they were and their aliases were counted as they left."""

    def remove(
        self,
        removed: list[str],
        removed_notes: list[str],
        moves: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Delete the files the scan no longer found, and every row of the notes among them
        but those ``moves`` names ((old path, new path): renamed or moved with their content
        unchanged, :mod:`vaultkit.index.moves`), whose rows take the new path, to be stored
        with :meth:`store_moved`."""
        if not removed:
            return
        notes = set(removed_notes)
        moved_to = dict(moves)
        moved_from = set(moved_to)
        for path in removed:
            # Asked before its rows go: what it moves is what it held.
            if path not in notes or not self._went(path):
                self._unlinked(path)
        for path in removed_notes:
            new = moved_to.get(path)
            # A folder of notes renamed: each note's sums would be read twice to move the
            # totals by nothing, unless its move hides or shows it (an excluded folder).
            if new is not None and bool(self.known[path][4]) == (new in self.excluded):
                self._moved_as_seen.add(new)
                self.url_moves[path] = new
            else:
                self.regroup |= resource_urls.visible_urls(self.connection, path)
                self.task_change.subtract(task_totals.note_sums(self.connection, path))
            # Its aliases named unresolved links elsewhere, its task ids others' blockers.
            self.alias_keys |= alias_keys(_aliases(self.connection, path))
            # (A task's blocked state follows ids and statuses, which a move keeps.)
            if path not in moved_from:
                self.dependency_ids |= _task_ids(self.connection, path)
        self.link_touched.update(removed_notes)
        # A moved note's links keep their rows, resolved again at its new path: the graph
        # touches the notes of those that point elsewhere now (vaultkit.graph.links).
        self.link_touched |= link_health.linked_from(
            self.connection, [path for path in removed_notes if path not in moved_from]
        )
        self.connection.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])
        delete_notes(self.connection, [path for path in removed_notes if path not in moved_from])
        move_notes(self.connection, moves)

    def store(self, item: ReadNote) -> None:
        """Store one note as read: its file row, and its rows unless only its mtime moved."""
        path = item.source.path
        if item.unreadable is not None:
            self.update.unreadable.append((path, item.unreadable))
            if path in self.known:
                # Unreadable for now (permissions, a sync service's lock): its last good
                # parse stays, and so does its old stat, so a later change is read again.
                return
        self._store_file(item)
        if item.rows is None:
            self._touched(item.source)
        elif path not in self.known:
            self._store_new(item.rows)
            self.update.parsed.append(path)
        else:
            self._store_changed(item.source, item.rows)
            self.update.parsed.append(path)

    def _store_file(self, item: ReadNote) -> None:
        source = item.source
        if source.path not in self.known:
            self.added.append(source.path)
        self.connection.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)",
            (
                source.path,
                # -1: never "unchanged", so a note unreadable now is read again next time.
                source.size if item.digest else -1,
                source.mtime_ns,
                item.digest,
                1,
                int(source.path in self.excluded),
                file_name_key(source.path),
                source.ino,
            ),
        )

    def _touched(self, source: SourceFile) -> None:
        """The note's content is as the index holds it: only its mtime moved."""
        old = self.known.get(source.path)
        moved = old is None or old[2] != source.mtime_ns
        if self.own:
            return
        self.update.touched += 1
        if not moved:
            # The row has this mtime already, or keeps the one vaultkit's own write left it
            # (the one the dashboards were rendered with).
            return
        self.connection.execute(
            "UPDATE notes SET mtime_ns = ? WHERE path = ?", (source.mtime_ns, source.path)
        )
        if not _is_generated(self.connection, source.path):
            # A topic's "modified" can be its mtime.
            self.families |= self._moved_by(source.path, set(), mtime_moved=True)

    def store_moved(self, item: ReadNote) -> None:
        """A note renamed or moved with its content unchanged, whose rows :meth:`remove` gave
        the new path: its file row, and what its coming moves, as for a new note."""
        self._store_file(item)
        connection, path = self.connection, item.source.path
        digests = note_digests(connection, path)
        if digests is None:
            raise AssertionError(f"no rows were moved to {path}")
        as_seen = path in self._moved_as_seen
        self._arrived(
            path,
            aliases=None if as_seen else _aliases(connection, path),
            # Its tasks keep their ids, dependencies, statuses and so their blocked states.
            has_dependencies=False,
            generated=_is_generated(connection, path),
            digests=digests,
            counted=as_seen,
        )

    def _store_new(self, rows: NoteRows) -> None:
        """A note new to the index: nothing to compare with or to delete."""
        insert_note_rows(self.connection, rows, early=self.early)
        self._arrived(
            rows.path,
            aliases=rows.aliases,
            has_dependencies=rows.has_dependencies,
            generated=rows.generated,
            digests=rows.digests,
        )

    def _arrived(
        self,
        path: str,
        *,
        aliases: str | None,
        has_dependencies: bool,
        generated: bool,
        digests: Sequence[str],
        counted: bool = False,
    ) -> None:
        """What a note new to the index (its rows stored) moves; ``counted``: its task sums
        and URLs are those it left with (a move that shows and hides it nowhere new)."""
        self.alias_keys |= alias_keys(aliases)
        self.link_touched.add(path)
        if has_dependencies:
            self.dependency_notes.add(path)
        if not (self.update.rebuilt or counted):
            self.regroup |= resource_urls.visible_urls(self.connection, path)
            self.task_change.update(task_totals.note_sums(self.connection, path))
        if generated:
            # vaultkit's own dashboard, hidden from every view: a new one moves no family by
            # its rows (else the sync after the one that created the dashboards would render
            # them all again), only, perhaps, where other notes' links point.
            self.new_generated.append(path)
        elif self.update.rebuilt:
            # A new index moves every family (vaultkit.index.update); asking each note what it
            # moves would read tables whose secondary indexes are not built yet.
            self.families.update(ALL_FAMILIES)
        else:
            visible = path not in self.excluded
            self._came_or_went(path, digests, visible=visible)
            if visible:
                self.came.append(path)

    def _went(self, path: str) -> bool:
        """A note about to leave the index: what it moves (False: it has no row)."""
        digests = note_digests(self.connection, path)
        if digests is None:
            return False
        visible = not (self.known[path][4] or _is_generated(self.connection, path))
        self._came_or_went(path, digests, visible=visible)
        if visible:
            self.went.append(path)
        return True

    def _came_or_went(self, path: str, digests: Sequence[str], *, visible: bool) -> None:
        """The families a note that came into the index or left it moves: those it has rows
        of when the views show it, and the scoped families that say so.

        Link health counts the notes (the excluded ones too) and lists the orphans, and links
        elsewhere may now point at the note or no longer: ``links`` moves whatever it holds.
        A note the views hide (excluded, or vaultkit's own) adds nothing else of its rows,
        but a scoped family may still read it (a daily note is a day whoever sees it).
        """
        held = holds_rows(digests)
        moved = {"links"} | (set(held) if visible else set())
        told = held | {PRESENCE}
        if self.scopes is None:
            moved.update(SCOPED_FAMILIES)
        else:
            scoped = self.scopes(self.connection, path, told)
            moved.update(family for family in SCOPED_FAMILIES if family in scoped)
        self.families |= moved

    def _unlinked(self, path: str) -> None:
        """A file without a note's rows (an attachment) about to leave the index: the links
        pointing at it stop resolving."""
        if linked_to(self.connection, [path]):
            self.families |= self.file_moved(path)

    def file_moved(self, path: str) -> set[str]:
        """The families a file that links point at moves by coming or going, rows aside."""
        moved = {"links"}
        if self.scopes is None:
            return moved | set(SCOPED_FAMILIES)
        scoped = self.scopes(self.connection, path, frozenset({PRESENCE}))
        return moved | {family for family in SCOPED_FAMILIES if family in scoped}

    def _store_changed(self, source: SourceFile, rows: NoteRows) -> None:
        """A known note parsed again: replace its rows, and note which families moved."""
        path = source.path
        connection = self.connection
        old_digests = note_digests(connection, path)
        was_generated = _is_generated(connection, path)
        if rows.has_dependencies or _has_dependencies(connection, path):
            self.dependency_notes.add(path)
            self.dependency_ids |= _task_ids(connection, path)
        old_aliases = _aliases(connection, path)
        if old_aliases != rows.aliases:
            self.alias_keys |= alias_keys(old_aliases) ^ alias_keys(rows.aliases)
        # None: a note that became or stopped being one of vaultkit's own (or had no row).
        moved = (
            None
            if old_digests is None or was_generated != rows.generated
            else {
                family
                for family, old, new in zip(FAMILIES, old_digests, rows.digests, strict=True)
                if old != new
            }
        )
        # Same links, headings and block ids (a task ticked, a paragraph reworded): their
        # rows stay as they are, resolved, and the graph need not look at this note.
        keep = LINK_TABLES if moved is not None and "links" not in moved else frozenset()
        if not keep:
            self.link_touched.add(path)
            self.link_touched |= link_health.linked_from(connection, [path])
        self._replace_rows(
            rows,
            keep,
            resources=moved is None or "resources" in moved,
            tasks=moved is None or "tasks" in moved,
        )
        if not keep:
            self.relinked.append(path)
        if moved is None:
            self.families.update(ALL_FAMILIES)
        elif not was_generated:
            # vaultkit's own dashboards are hidden from every view: rewriting them must
            # not make the next sync render again.
            # A topic's "modified" can be its mtime; vaultkit's own write into a note moves
            # it, but is no change of the user's (the note keeps its old mtime in the index).
            mtime_moved = not self.own and self.known[path][2] != source.mtime_ns
            if moved or mtime_moved:
                self.families |= self._moved_by(path, moved, mtime_moved)

    def _replace_rows(
        self, rows: NoteRows, keep: Collection[str], *, resources: bool, tasks: bool
    ) -> None:
        """Replace a note's rows (but those of ``keep``), moving the kept sums with them."""
        connection, path = self.connection, rows.path
        if resources:
            self.regroup |= resource_urls.visible_urls(connection, path)
        if tasks:
            self.task_change.subtract(task_totals.note_sums(connection, path))
        delete_notes(connection, [path], keep=keep)
        insert_note_rows(connection, rows, keep=keep)
        if resources:
            self.regroup |= resource_urls.visible_urls(connection, path)
        if tasks:
            self.task_change.update(task_totals.note_sums(connection, path))

    def _moved_by(self, path: str, families: set[str], mtime_moved: bool) -> set[str]:
        """The families one known note's change moves, scoped ones included."""
        moved = families | {"meta"} if mtime_moved else set(families)
        if self.scopes is None:
            return moved | set(SCOPED_FAMILIES)
        told = families | {"mtime"} if mtime_moved else families
        scoped = self.scopes(self.connection, path, frozenset(told))
        return moved | {family for family in SCOPED_FAMILIES if family in scoped}


def _has_dependencies(connection: sqlite3.Connection, path: str) -> bool:
    """Whether the note holds a task with a Tasks-plugin id or dependency."""
    row = connection.execute(
        "SELECT 1 FROM tasks WHERE note = ? AND (task_id IS NOT NULL OR depends_on != '[]') "
        "LIMIT 1",
        (path,),
    ).fetchone()
    return row is not None


def _task_ids(connection: sqlite3.Connection, path: str) -> set[str]:
    """The Tasks-plugin ids the note's tasks hold, as the index holds them now."""
    return {
        task_id
        for (task_id,) in connection.execute(
            "SELECT task_id FROM tasks WHERE note = ? AND task_id IS NOT NULL", (path,)
        )
    }


def _aliases(connection: sqlite3.Connection, path: str) -> str | None:
    row = connection.execute("SELECT aliases FROM notes WHERE path = ?", (path,)).fetchone()
    return row[0] if row is not None else None


def _is_generated(connection: sqlite3.Connection, path: str) -> bool:
    row = connection.execute("SELECT generated FROM notes WHERE path = ?", (path,)).fetchone()
    return bool(row and row[0])
