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
_RESET = re.compile(r"(\d{4}-\d{2}-\d{2}) reset ([a-z-]+):(.*)", re.DOTALL)
"""A reset's list item: its date, the cadence, the items it unticked."""

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
    """One dated list item of the log: a day's line, or with ``cadence`` a reset's."""

    day: dt.date
    items: tuple[str, ...]
    """The items done, unescaped, in the line's order."""
    first: int
    """0-based index of the item's first line of text."""
    end: int
    """0-based index of the line after its text."""
    cadence: str | None = None
    """A reset's line (``- 2026-11-23 reset daily: Gym``): the cadence whose checklist vaultkit
    unticked that day, its items those it unticked."""


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


def format_day(day: dt.date, items: Sequence[str], cadence: str | None = None) -> str:
    """A day's line (with ``cadence``, a reset's), without its ending."""
    listed = SEPARATOR.join(escape_item(item) for item in items)
    reset = f" reset {cadence}" if cadence else ""
    return f"- {day.isoformat()}{reset}:" + (f" {listed}" if listed else "")


def read_days(lines: Sequence[Line]) -> list[LogDay]:
    """Every dated list item of the log's lines (undecodable bytes read as U+FFFD)."""
    # The parser's lines are these lines: lone CRs would end a line for both, so none is left
    # inside one.
    text = "\n".join(line.content.decode("utf-8", "replace") for line in lines)
    # Imported here: every sync imports this module, and only one with a habits log to read
    # needs markdown-it (:mod:`vaultkit.parse.note` says why that matters to the hook).
    from vaultkit.parse.markdown import build_parser

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
        content = inline.content.strip()
        match = _DAY.fullmatch(content) or _RESET.fullmatch(content)
        if match is None:
            continue
        try:
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            continue
        cadence = match[2] if match.re is _RESET else None
        items = split_items(match[match.re.groups].replace("\n", " "))
        found.append(LogDay(day, items, paragraph.map[0], paragraph.map[1], cadence))
    return found


def read_entries(data: bytes | None) -> list[LogDay]:
    """Every dated line of the log's bytes (None: no log yet)."""
    return [] if data is None else read_days(split_lines(data.removeprefix(BOM)))


def log_history(data: bytes | None) -> dict[dt.date, tuple[str, ...]]:
    """Day -> the items the log lists for it (every line of that day, in order, once each).

    The items a daily reset unticked count for the last day before it with a line (the last
    day vaultkit ran, when they were ticked), or the day before it when there is none."""
    history: dict[dt.date, tuple[str, ...]] = {}
    entries = read_entries(data)
    days = sorted({entry.day for entry in entries if entry.cadence is None})
    for entry in entries:
        if entry.cadence is not None and (entry.cadence != "daily" or not entry.items):
            continue  # only a daily reset's items are days done; a reset tracks no day
        day = entry.day
        if entry.cadence == "daily":
            earlier = [d for d in days if d < entry.day]
            day = earlier[-1] if earlier else entry.day - dt.timedelta(days=1)
        history[day] = tuple(dict.fromkeys([*history.get(day, ()), *entry.items]))
    return history


def last_resets(data: bytes | None) -> dict[str, dt.date]:
    """Cadence -> the date of its latest reset line."""
    found: dict[str, dt.date] = {}
    for entry in read_entries(data):
        if entry.cadence is not None and entry.day > found.get(entry.cadence, dt.date.min):
            found[entry.cadence] = entry.day
    return found


def with_today(
    data: bytes | None,
    today: dt.date,
    ticked: Sequence[str],
    resets: Sequence[tuple[str, Sequence[str]]] = (),
) -> bytes:
    """The log with today's line listing ``ticked`` too, and a reset line dated today for each
    ``(cadence, items unticked)`` of ``resets`` that has none yet (``data`` itself when it
    already says all that).

    ``data`` None: a new log. Every byte but today's line and the lines added (after the last
    dated line, resets first, with the line ending the line before them may need) stays as it
    is.
    """
    if data is None:
        data = NEW_LOG.encode()
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    entries = read_days(lines)
    todays = [entry for entry in entries if entry.day == today and entry.cadence is None]
    listed = {item for entry in todays for item in entry.items}
    missing = [item for item in dict.fromkeys(ticked) if item not in listed]
    done_resets = {entry.cadence for entry in entries if entry.day == today and entry.cadence}
    eol = eol_style(lines, b"\n")
    raw = [line.content + line.eol for line in lines]
    if todays and missing:
        # Appended to the end of today's (last) line: the user's text of it stays as it is.
        last = todays[-1].end - 1
        content = lines[last].content.rstrip(b" \t")
        joiner = SEPARATOR if todays[-1].items else " "
        added = joiner + SEPARATOR.join(escape_item(item) for item in missing)
        raw[last] = content + added.encode() + lines[last].eol
    new = [
        format_day(today, items, cadence).encode() + eol
        for cadence, items in resets
        if cadence not in done_resets
    ]
    if not todays:
        new.append(format_day(today, missing).encode() + eol)
    if not new:
        return bom + b"".join(raw)
    at = max((entry.end for entry in entries), default=len(lines))
    if at and not lines[at - 1].eol:
        raw[at - 1] += eol
    if not entries and at and lines[at - 1].content.strip():
        new.insert(0, eol)  # a list right after a paragraph: a blank line keeps them apart
    raw[at:at] = new
    return bom + b"".join(raw)


def plan_log(
    path: Path,
    today: dt.date,
    ticked: Sequence[str],
    resets: Sequence[tuple[str, Sequence[str]]] = (),
) -> Planned:
    """Plan the log's write (:func:`with_today`). A note of the user's: the quiet period and
    every check of a write into a note apply."""
    path = on_disk(path)
    read = read_for_plan(path, note=True)
    if isinstance(read, Planned):
        return read
    if read is None:
        new = with_today(None, today, ticked, resets)
        return Planned(path, None, new, WriteStatus.CREATED, note=True)
    data, seen = read
    new = with_today(data, today, ticked, resets)
    if new == data:
        return Planned(path, data, None, WriteStatus.UNCHANGED, seen=seen, note=True)
    return unless_hard_linked(Planned(path, data, new, WriteStatus.WRITTEN, seen=seen, note=True))
