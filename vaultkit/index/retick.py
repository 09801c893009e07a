"""A note whose only change is ticked checkboxes, read again without the parser.

Ticking a task is the change users make most, and parsing the ticked note again needs the
parser: importing it (markdown-it-py, its plugins, PyYAML, vaultkit's rules) is ~40 ms, most
of what a hook run costs beyond Python's own start. But the parser takes a task's ``[c]`` off
its paragraph before any inline rule runs (:mod:`vaultkit.parse.tasks`), so for the
characters :func:`~vaultkit.parse.task_status.swaps_freely` allows, the character reaches
nothing but the task's status and whether it is checked, the status of the URLs mentioned on
its line (:mod:`vaultkit.parse.resources`), its section's task sums, and, in a ``%%``
comment, the hidden item's character. Such a note's rows are its stored ones with those set
anew, as the parser would set them.

The Tasks plugin's tick also writes a done date (`` ✅ YYYY-MM-DD``, last on the line but for
a block id) and its untick takes it off. That moves the task's raw text, its done field and
the note's word count, and nothing else when the line ends the task's paragraph and holds
nothing that could run on into the field (:func:`_dates_alone` says which lines qualify);
:func:`~vaultkit.parse.task_line.parse_task_line`, a pure function of the line, reads the
field as the parser would.

Which notes those are is decided by the content hash, not by a diff (the index keeps no text):
the new content, with each stored checkbox's stored character and each done date as it was
put back, must hash to the digest the index holds. Then the old content is known exactly and
differs from the new only there. Anything else (a word typed with the tick, a done date
written elsewhere on the line, a checkbox that is no task) is left to the parser.
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
    NOTE_WORDS,
    RESOURCE_STATUS,
    RESOURCE_TASK_LINE,
    TABLE_COLUMNS,
    TASK_BLOCK_ID,
    TASK_BLOCKED,
    TASK_CALLOUT,
    TASK_CHAR,
    TASK_CHECKED,
    TASK_DONE,
    TASK_LINE,
    TASK_RAW,
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
from vaultkit.parse.task_status import is_task_text, status_of, struck_status, swaps_freely
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
    swap freely and in done dates as the Tasks plugin writes them; else None (the note is to
    be parsed)."""
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
    old_lines = list(lines)
    ticked: dict[int, str] = {}
    hidden_ticked: dict[int, str] = {}
    dated: dict[int, str] = {}
    for rows, column, found in ((tasks, TASK_CHAR, ticked), (hidden, HIDDEN_CHAR, hidden_ticked)):
        for row in rows:
            number, was = row[1], row[column]
            if not 0 < number <= len(lines):
                return None
            text = lines[number - 1]
            if found is ticked and (undated := _undated(text, row)) is not None:
                text, dated[number] = undated
            # The line's first "[": no block marker before a paragraph holds one, and the
            # task's paragraph starts with its checkbox. The hash below checks it.
            at = text.find(b"[")
            if at < 0:
                return None
            as_was = was.encode("utf-8") + b"]"
            if not text.startswith(as_was, at + 1):
                if at + 2 >= len(text) or text[at + 2] != 0x5D:
                    return None
                # One byte: an ASCII character, or one swaps_freely refuses.
                now = chr(text[at + 1])
                if not (swaps_freely(was) and swaps_freely(now)):
                    return None
                text = text[: at + 1] + as_was + text[at + 3 :]
                found[number] = now
            old_lines[number - 1] = text
    if not (ticked or hidden_ticked or dated):
        return None
    if content_digest(b"\n".join(old_lines)) != known_digest and not (
        len(dated) == 1 and _trimmed(connection, path, old_lines, min(dated), known_digest)
    ):
        return None
    stored = checkboxes | _stored_rows(
        connection, path, [table for table, _ in TABLE_COLUMNS if table not in checkboxes]
    )
    dates = _dates_alone(lines, dated, stored, rules) if dated else {}
    if len(stored["notes"]) != 1 or dates is None:
        return None
    return _rows(path, source.mtime_ns, stored, ticked, hidden_ticked, dates, cadences, rules)


_DONE_MARK = "✅"
"""The Tasks plugin's done-date emoji, as it writes it (:mod:`vaultkit.parse.task_fields`
reads every spelling)."""
_DONE = f" {_DONE_MARK} ".encode()
"""What the Tasks plugin writes before a done date (its default, emoji format)."""
_DONE_FIELD = len(_DONE) + len("2026-12-05")
"""The bytes of `` ✅ YYYY-MM-DD``."""


def _undated(line: bytes, row: tuple[object, ...]) -> tuple[bytes, str] | None:
    """(the line as it was, the task's raw text now), if the stored task ``row``'s ``line``
    may have gained or lost a done date where the Tasks plugin writes it (last, but for a
    block id); else None (the line may differ from the one stored in its checkbox only).

    A guess, to be confirmed: by the content hash first, then by :func:`_dates_alone`.
    """
    raw, done, block_id = str(row[TASK_RAW]), row[TASK_DONE], row[TASK_BLOCK_ID]
    body, end = _without_cr(line)
    if body[-1:].isspace():
        return None  # not as the plugin writes a line: it trims the task's text
    tail = f" ^{block_id}" if block_id else ""
    tail_bytes = tail.encode("utf-8")
    if not (raw.endswith(tail) and body.endswith(tail_bytes)):
        return None
    head = body[: len(body) - len(tail_bytes)]
    kept = raw[: len(raw) - len(tail)]
    if done is None:
        # Ticked: `` ✅ date`` came, on a line that had none.
        if _DONE_MARK in raw or not head[-_DONE_FIELD:].startswith(_DONE):
            return None
        try:
            added = head[-_DONE_FIELD:].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return head[:-_DONE_FIELD] + tail_bytes + end, kept + added + tail
    # Unticked: the `` ✅ date`` the task had went.
    gone = f" {_DONE_MARK} {done}"
    if not kept.endswith(gone) or head.endswith(gone.encode("utf-8")):
        return None
    return head + gone.encode("utf-8") + tail_bytes + end, kept[: -len(gone)] + tail


def _without_cr(line: bytes) -> tuple[bytes, bytes]:
    """A line of the note as (its text, the carriage return that ends it, if any)."""
    return (line[:-1], line[-1:]) if line.endswith(b"\r") else (line, b"")


_MOST_TRIMMED = 8
"""The most whitespace a line may have lost at its end, as the Tasks plugin rewrote it."""


def _trimmed(
    connection: sqlite3.Connection,
    path: str,
    old_lines: list[bytes],
    number: int,
    known_digest: str,
) -> bool:
    """Whether line ``number`` of ``old_lines`` ended in whitespace as it was: the Tasks
    plugin writes a task it toggles back from its trimmed text. If so, ``old_lines`` is set
    so. How much whitespace the stored file size says; spaces, or tabs, the hash."""
    row = connection.execute("SELECT size FROM files WHERE path = ?", (path,)).fetchone()
    missing = (row[0] if row else 0) - (sum(map(len, old_lines)) + len(old_lines) - 1)
    if not 0 < missing <= _MOST_TRIMMED:
        return False
    line = old_lines[number - 1]
    body, end = _without_cr(line)
    for blank in (b" ", b"\t"):
        old_lines[number - 1] = body + blank * missing + end
        if content_digest(b"\n".join(old_lines)) == known_digest:
            return True
    old_lines[number - 1] = line
    return False


def _dates_alone(
    lines: list[bytes], dated: dict[int, str], stored: dict[str, Rows], rules: TaskRules
) -> dict[int, tuple[str, str | None]] | None:
    """Line -> (raw text, done date) of each task of ``dated`` (line -> its raw text now),
    if each, its line as it was known exactly, gained or lost its done date and nothing else
    the parser reads; else None.

    The field comes or goes at the end of the task's line, or before its block id, which no
    inline construct spans once the paragraph ends with the line: text it adds joins the
    line's last text token (two words), the shown and the struck-through forms of the line
    change as its raw form does, and :func:`~vaultkit.parse.task_line.parse_task_line`,
    reading fields from the end, reads the rest as before. Left to the parser: a task in a
    callout (the callout's body holds the line), a line a ``%%`` comment or an inline field
    could run on from, a paragraph the next line may continue.
    """
    # Imported here: only a done date needs it (the parser's own module, without the parser).
    from vaultkit.parse.task_line import parse_task_line

    block_starts = {
        row[1] for table in ("tasks", "list_items", "headings") for row in stored[table]
    }
    by_line = {row[TASK_LINE]: row for row in stored["tasks"]}
    dates: dict[int, tuple[str, str | None]] = {}
    for number, raw in dated.items():
        row = by_line[number]
        if (
            row[TASK_CALLOUT] is not None
            or not raw
            or raw != raw.strip()
            or "%%" in raw
            or "::" in raw
            or not is_task_text(raw, rules)
        ):
            return None
        if number < len(lines) and number + 1 not in block_starts and lines[number].strip(b" \t\r"):
            return None  # a line that may continue the task's paragraph
        before, after = parse_task_line(str(row[TASK_RAW])), parse_task_line(raw)
        if (
            (after.description, after.block_id, after.problems)
            != (before.description, before.block_id, before.problems)
            or after.fields._replace(done=None) != before.fields._replace(done=None)
            or before.fields.done != row[TASK_DONE]
            or (after.fields.done is None) == (before.fields.done is None)
        ):
            return None
        dates[number] = (raw, after.fields.done)
    return dates


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
    dates: dict[int, tuple[str, str | None]],
    cadences: Cadences,
    rules: TaskRules,
) -> NoteRows:
    """The note's rows as the parser would make them from its new content."""
    tasks = [
        _task(row, ticked.get(row[TASK_LINE]), dates.get(row[TASK_LINE]), cadences, rules)
        for row in stored["tasks"]
    ]
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
    # A done date is two words: the mark and the date.
    note[NOTE_WORDS] += sum(2 if done else -2 for _, done in dates.values())
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
    row: tuple[object, ...],
    now: str | None,
    dated: tuple[str, str | None] | None,
    cadences: Cadences,
    rules: TaskRules,
) -> tuple[object, ...]:
    """A stored ``tasks`` row as the parser makes it, its status character ``now`` (None:
    as it was) and its raw text and done date ``dated`` (None: as they were): ``blocked``
    is the dependency graph's to fill in."""
    cadence = cadences.of(str(row[TASK_SECTION]))
    if dated is not None:
        raw, done = dated
        row = (*row[:TASK_RAW], raw, *row[TASK_RAW + 1 : TASK_DONE], done, *row[TASK_DONE + 1 :])
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
