"""A note whose only change is the status of some checkboxes, read again without the parser.

Ticking a task is the change users make most, and parsing the ticked note again needs the
parser: importing it (markdown-it-py, its plugins, PyYAML, vaultkit's rules) is ~40 ms, most
of what a hook run costs beyond Python's own start. But the parser takes a task's ``[c]`` off
its paragraph before any inline rule runs (:mod:`vaultkit.parse.tasks`), so for the
characters :func:`~vaultkit.parse.task_status.swaps_freely` allows, the character reaches
nothing but the task's status and whether it is checked, the status of the URLs mentioned on
its line (:mod:`vaultkit.parse.resources`), its section's task sums, and, in a ``%%``
comment, the hidden item's character. Such a note's rows are its stored ones with those set
anew, as the parser would set them.

Which notes those are is decided by the content hash, not by a diff (the index keeps no text):
the new content, with each stored checkbox's stored character put back, must hash to the
digest the index holds. Then the old content is known exactly and differs from the new only
in those characters. Anything else (a word typed with the tick, a done date the Tasks plugin
appends, a checkbox that is no task) is left to the parser.
"""

from __future__ import annotations

import codecs
import sqlite3
from collections.abc import Iterable

from vaultkit.cadences import Cadences
from vaultkit.index.digest import content_digest
from vaultkit.index.note_rows import (
    HIDDEN_CHAR,
    INSERTS,
    LINK_RESOLUTION,
    NOTE_ALIASES,
    NOTE_DIGESTS,
    NOTE_GENERATED,
    NOTE_MTIME,
    RESOURCE_STATUS,
    RESOURCE_TASK_LINE,
    TABLE_COLUMNS,
    TASK_BLOCKED,
    TASK_CHAR,
    TASK_CHECKED,
    TASK_LINE,
    TASK_SECTION,
    TASK_STATUS,
    TASK_STRUCK,
    NoteRows,
    Rows,
    rows_digest,
    task_sections,
    waits_or_is_waited_for,
)
from vaultkit.index.store import FAMILIES
from vaultkit.model import TaskRules
from vaultkit.parse.task_status import status_of, struck_status, swaps_freely
from vaultkit.scan.found import SourceFile

_DIGEST_OF = {family: NOTE_DIGESTS + at for at, family in enumerate(FAMILIES)}
"""Where the ``notes`` row holds each family's digest."""


def retick_rows(
    connection: sqlite3.Connection,
    source: SourceFile,
    data: bytes,
    known_digest: str,
    *,
    cadences: Cadences,
    rules: TaskRules,
) -> NoteRows | None:
    """The rows of the note ``source`` whose new content is ``data`` and whose stored content
    hashes to ``known_digest``, if the two differ only in checkboxes' status characters that
    swap freely; else None (the note is to be parsed)."""
    if (
        data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or b"\x00" in data
        # A lone carriage return ends a line for the parser, not for the split below.
        or data.count(b"\r") != data.count(b"\r\n")
    ):
        return None
    path = source.path
    checkboxes = _stored_rows(connection, path, ("tasks", "hidden_tasks"))
    tasks, hidden = checkboxes["tasks"], checkboxes["hidden_tasks"]
    if not (tasks or hidden):
        return None
    lines = data.split(b"\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    old = bytearray(data)
    ticked: dict[int, str] = {}
    hidden_ticked: dict[int, str] = {}
    for rows, column, found in ((tasks, TASK_CHAR, ticked), (hidden, HIDDEN_CHAR, hidden_ticked)):
        for row in rows:
            number, was = row[1], row[column]
            if not 0 < number <= len(lines):
                return None
            text = lines[number - 1]
            # The line's first "[": no block marker before a paragraph holds one, and the
            # task's paragraph starts with its checkbox. The hash below checks it.
            at = text.find(b"[")
            if at < 0:
                return None
            as_was = was.encode("utf-8") + b"]"
            if text.startswith(as_was, at + 1):
                continue  # any character, as it was
            if at + 2 >= len(text) or text[at + 2] != 0x5D:
                return None
            now = chr(text[at + 1])  # one byte: an ASCII character, or one swaps_freely refuses
            if not (swaps_freely(was) and swaps_freely(now)):
                return None
            old[starts[number - 1] + at + 1] = ord(was)
            found[number] = now
    if not (ticked or hidden_ticked) or content_digest(bytes(old)) != known_digest:
        return None
    stored = checkboxes | _stored_rows(
        connection, path, [table for table, _ in TABLE_COLUMNS if table not in checkboxes]
    )
    if len(stored["notes"]) != 1:
        return None
    return _rows(path, source.mtime_ns, stored, ticked, hidden_ticked, cadences, rules)


def _stored_rows(
    connection: sqlite3.Connection, path: str, tables: Iterable[str]
) -> dict[str, Rows]:
    """The note's rows in each of ``tables``, in the order they were inserted."""
    return {
        table: connection.execute(
            f"SELECT * FROM {table} WHERE {'path' if table == 'notes' else 'note'} = ? "
            "ORDER BY rowid",
            (path,),
        ).fetchall()
        for table in tables
    }


def _rows(
    path: str,
    mtime_ns: int,
    stored: dict[str, Rows],
    ticked: dict[int, str],
    hidden_ticked: dict[int, str],
    cadences: Cadences,
    rules: TaskRules,
) -> NoteRows:
    """The note's rows as the parser would make them from its new content."""
    tasks = [_task(row, ticked.get(row[TASK_LINE]), cadences, rules) for row in stored["tasks"]]
    hidden = [
        (*row[:HIDDEN_CHAR], hidden_ticked[row[1]], *row[HIDDEN_CHAR + 1 :])
        if row[1] in hidden_ticked
        else row
        for row in stored["hidden_tasks"]
    ]
    status_by_line = {row[TASK_LINE]: row[TASK_STATUS] for row in tasks}
    resources = [
        (
            *row[:RESOURCE_STATUS],
            status_by_line[row[RESOURCE_TASK_LINE]],
            *row[RESOURCE_STATUS + 1 :],
        )
        if row[RESOURCE_TASK_LINE] in ticked
        else row
        for row in stored["resources"]
    ]
    note = list(stored["notes"][0])
    note[NOTE_MTIME] = mtime_ns
    note[_DIGEST_OF["tasks"]] = rows_digest(tasks, hidden) if hidden else rows_digest(tasks)
    note[_DIGEST_OF["resources"]] = rows_digest(resources)
    made = {
        **stored,
        "tasks": tasks,
        "task_sections": task_sections(path, tasks, cadences),
        "hidden_tasks": hidden,
        "resources": resources,
        "links": _unresolved(stored["links"]),
        "notes": [tuple(note)],
    }
    return NoteRows(
        path=path,
        inserts=tuple(zip(INSERTS, [made[table] for table, _ in TABLE_COLUMNS], strict=True)),
        digests=tuple(note[NOTE_DIGESTS:]),
        generated=bool(note[NOTE_GENERATED]),
        aliases=note[NOTE_ALIASES],
        has_dependencies=waits_or_is_waited_for(tasks),
    )


def _task(
    row: tuple[object, ...], now: str | None, cadences: Cadences, rules: TaskRules
) -> tuple[object, ...]:
    """A stored ``tasks`` row as the parser makes it, its status character ``now`` (None:
    as it was): ``blocked`` is the dependency graph's to fill in."""
    cadence = cadences.of(str(row[TASK_SECTION]))
    if now is None:
        return (*row[:TASK_BLOCKED], None, cadence)
    status = struck_status(status_of(now, rules), bool(row[TASK_STRUCK]))
    return (
        *row[:TASK_STATUS],
        status.value,
        now,
        int(now != " "),
        *row[TASK_CHECKED + 1 : TASK_BLOCKED],
        None,
        cadence,
    )


def _unresolved(links: Iterable[tuple[object, ...]]) -> Rows:
    """``links`` rows as the parser makes them, before link resolution fills them in."""
    cleared = [list(row) for row in links]
    for row in cleared:
        for column in LINK_RESOLUTION:
            row[column] = None
    return [tuple(row) for row in cleared]
