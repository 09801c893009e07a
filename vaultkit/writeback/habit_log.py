"""The habits log: a note of the user's where vaultkit records the Daily checklist items ticked
each day (``[habits] sources = ["checklists"]``, the note ``[habits] log``).

It is plain markdown the user reads and corrects, one list item per day::

    - 2026-11-22: Gym, Read 30 min
    - 2026-11-23:

The date (``YYYY-MM-DD``) and a colon, then the items done that day, separated by commas; a
comma, a backslash or a ``%`` inside an item is written with a backslash before it (``Gym\\,
weights``), as markdown escapes them, so every item text comes back as it was. A line with no
items is a day vaultkit ran and found nothing ticked: tracked, and missed for every habit.
Any other line of the note is the user's and is left alone.

Every line is history, and the user's word wins: vaultkit only ever changes today's line, and
only by appending the items ticked now that it does not list yet (an item unticked later the
same day stays listed: delete it from the line by hand if the tick was a slip). A day without
a line gets one, after the last dated line. The lines are found through the markdown parser's
list items (:func:`vaultkit.parse.markdown.build_parser`), so a line inside a code block or a
``%%`` comment is not one.

This module owns the format and plans the log's write (:func:`plan_log`), which
:func:`vaultkit.writeback.apply.apply` carries out like any other write into a note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from vaultkit.parse.markdown import build_parser
from vaultkit.writeback.plan import Planned, on_disk, read_for_plan, unless_hard_linked
from vaultkit.writeback.regions import BOM, Line, WriteStatus, eol_style, split_lines

SEPARATOR = ", "
"""Between two items of a day's line."""
ESCAPED = "\\,%"
"""Characters written with a backslash before them inside an item: the separator's comma, the
backslash itself, and ``%`` (two of which would open an Obsidian comment)."""
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
"""ASCII punctuation: what a backslash escapes in markdown, and so in an item."""
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2}):(.*)", re.DOTALL)
"""A day's list item: its date, a colon, its items (on the item's text, not on raw lines)."""

NEW_LOG = (
    "# Habits log\n"
    "\n"
    "vaultkit adds the Daily checklist items ticked each day to that day's line (`[habits]` in "
    "`.vaultkit/config.toml`). Correct any line as you like: vaultkit reads them all and only "
    "ever adds to today's.\n"
    "\n"
)
"""What a new log note starts with, before its first day."""


class LogDay(NamedTuple):
    """One dated list item of the log."""

    day: dt.date
    items: tuple[str, ...]
    """The items done, unescaped, in the line's order."""
    first: int
    """0-based index of the item's first line of text."""
    end: int
    """0-based index of the line after its text."""


def escape_item(text: str) -> str:
    """An item's text as written in the log."""
    return "".join("\\" + ch if ch in ESCAPED else ch for ch in text)


def split_items(text: str) -> tuple[str, ...]:
    """The items of a day's line after its colon: split at commas no backslash escapes, each
    unescaped and stripped; empty ones dropped."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            # Markdown's rule: a backslash escapes ASCII punctuation, and is kept before
            # anything else.
            current.append(following if following in _PUNCTUATION else ch + following)
        elif ch == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return tuple(item for item in (part.strip() for part in items) if item)


def format_day(day: dt.date, items: Sequence[str]) -> str:
    """A day's line, without its ending."""
    listed = SEPARATOR.join(escape_item(item) for item in items)
    return f"- {day.isoformat()}:" + (f" {listed}" if listed else "")


def read_days(lines: Sequence[Line]) -> list[LogDay]:
    """Every dated list item of the log's lines (undecodable bytes read as U+FFFD)."""
    # The parser's lines are these lines: lone CRs would end a line for both, so none is left
    # inside one.
    text = "\n".join(line.content.decode("utf-8", "replace") for line in lines)
    tokens = build_parser().parse(text)
    found: list[LogDay] = []
    for at, token in enumerate(tokens[:-2]):
        paragraph, inline = tokens[at + 1], tokens[at + 2]
        if (
            token.type != "list_item_open"
            or paragraph.type != "paragraph_open"
            or inline.type != "inline"
            or paragraph.map is None
        ):
            continue
        match = _DAY.fullmatch(inline.content.strip())
        if match is None:
            continue
        try:
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            continue
        items = split_items(match[2].replace("\n", " "))
        found.append(LogDay(day, items, paragraph.map[0], paragraph.map[1]))
    return found


def log_history(data: bytes | None) -> dict[dt.date, tuple[str, ...]]:
    """Day -> the items the log lists for it (every line of that day, in order, once each)."""
    history: dict[dt.date, tuple[str, ...]] = {}
    if data is None:
        return history
    for entry in read_days(split_lines(data.removeprefix(BOM))):
        history[entry.day] = tuple(dict.fromkeys([*history.get(entry.day, ()), *entry.items]))
    return history


def with_today(data: bytes | None, today: dt.date, ticked: Sequence[str]) -> bytes:
    """The log with today's line listing ``ticked`` too (``data`` itself when it already does).

    ``data`` None: a new log. Every byte but today's line (or the line added for today, and
    the line ending it may need before it) stays as it is.
    """
    if data is None:
        return (NEW_LOG + format_day(today, list(dict.fromkeys(ticked))) + "\n").encode()
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    days = read_days(lines)
    listed = {item for entry in days if entry.day == today for item in entry.items}
    missing = [item for item in dict.fromkeys(ticked) if item not in listed]
    todays = [entry for entry in days if entry.day == today]
    eol = eol_style(lines, b"\n")
    raw = [line.content + line.eol for line in lines]
    if todays:
        if not missing:
            return data
        # Appended to the end of today's (last) line: the user's text of it stays as it is.
        last = todays[-1].end - 1
        content = lines[last].content.rstrip(b" \t")
        joiner = SEPARATOR if todays[-1].items else " "
        added = joiner + SEPARATOR.join(escape_item(item) for item in missing)
        raw[last] = content + added.encode() + lines[last].eol
        return bom + b"".join(raw)
    new = format_day(today, missing).encode() + eol
    at = days[-1].end if days else len(lines)
    if at and not lines[at - 1].eol:
        raw[at - 1] += eol
    if not days and at and lines[at - 1].content.strip():
        new = eol + new  # a list right after a paragraph: a blank line keeps them apart
    raw.insert(at, new)
    return bom + b"".join(raw)


def plan_log(path: Path, today: dt.date, ticked: Sequence[str]) -> Planned:
    """Plan the log's write: today's line listing ``ticked`` (a note of the user's: the quiet
    period and every check of a write into a note apply)."""
    path = on_disk(path)
    read = read_for_plan(path, note=True)
    if isinstance(read, Planned):
        return read
    if read is None:
        return Planned(path, None, with_today(None, today, ticked), WriteStatus.CREATED, note=True)
    data, seen = read
    new = with_today(data, today, ticked)
    if new == data:
        return Planned(path, data, None, WriteStatus.UNCHANGED, seen=seen, note=True)
    return unless_hard_linked(Planned(path, data, new, WriteStatus.WRITTEN, seen=seen, note=True))
