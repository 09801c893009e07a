"""Unticking a cadence checklist (``[habits] reset_checklists``): the ``x`` or ``X`` between the
brackets of chosen task lines becomes a space, and nothing else of the note changes.

The tasks are found by the parser (:func:`vaultkit.parse.note.parse_note`), in the bytes the
write is planned from, so a plan made again after a save unticks the same items wherever they
moved. On a task's own line, the checkbox is the first ``[`` after the list marker (and any
``>`` of a blockquote or callout), which the parser has already recognised there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from vaultkit.model import TaskStatus
from vaultkit.parse.note import parse_note
from vaultkit.writeback.plan import Planned, on_disk, read_for_plan, unless_hard_linked
from vaultkit.writeback.regions import BOM, WriteStatus, split_lines

Wanted = Callable[[str, str], bool]
"""(the task's section, " > "-joined; its text) -> whether to untick it when ticked."""

_CHECKBOX = re.compile(rb"(?:[ \t]*>)*[ \t]*(?:[-*+]|[0-9]{1,9}[.)])[ \t]+\[([xX])\]")
"""The start of a task's line up to its status character (on a line the parser says holds a
task)."""


def unticked(data: bytes, path: str, wanted: Wanted) -> tuple[bytes, list[str]]:
    """``data`` with every ticked (``x``/``X``) task that ``wanted`` names unticked, and the
    texts of those tasks."""
    note = parse_note(data, path)
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    raw = [line.content + line.eol for line in lines]
    texts: list[str] = []
    for task in note.tasks:
        if task.status is not TaskStatus.DONE or not wanted(" > ".join(task.section), task.text):
            continue
        at = task.line - 1
        match = _CHECKBOX.match(lines[at].content) if 0 <= at < len(lines) else None
        if match is None:
            continue  # not where the parser said: leave it rather than guess
        content = lines[at].content
        raw[at] = content[: match.start(1)] + b" " + content[match.end(1) :] + lines[at].eol
        texts.append(task.text)
    return bom + b"".join(raw), texts


def plan_untick(vault: Path, rel: str, wanted: Wanted) -> Planned:
    """Plan unticking the tasks ``wanted`` names in the note ``rel`` (a note of the user's:
    the quiet period and every check of a write into a note apply)."""
    path = on_disk(vault / rel)
    read = read_for_plan(path, note=True)
    if isinstance(read, Planned):
        return read
    if read is None:
        return Planned(path, None, None, WriteStatus.UNCHANGED, note=True)
    data, seen = read
    new, _ = unticked(data, rel, wanted)
    if new == data:
        return Planned(path, data, None, WriteStatus.UNCHANGED, seen=seen, note=True)
    return unless_hard_linked(Planned(path, data, new, WriteStatus.WRITTEN, seen=seen, note=True))
