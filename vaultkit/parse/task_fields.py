"""The Obsidian Tasks plugin's fields: which markers name which field, and how values read.

Both of the plugin's formats are here: the emoji format (``📅 2024-05-01``, ``⏫``) with the
alternate emoji ``DefaultTaskSerializer.ts`` lists, and the Dataview format (``[due:: …]``,
``(priority:: high)``). :func:`convert` turns a value that matched its field's pattern into its
model form; :func:`unreadable` words what is wrong with one that did not. Where on a line the
fields are, and which of them the Tasks plugin sees, is :mod:`vaultkit.parse.task_line`'s.
"""

from __future__ import annotations

import datetime
import re
from typing import Final, Literal, NamedTuple

from vaultkit.model import Priority

Kind = Literal["date", "priority", "recurrence", "on_completion", "id", "depends_on"]


class Field(NamedTuple):
    name: str
    """Attribute of TaskFields."""
    label: str
    """How problem sentences name the field."""
    kind: Kind


DUE = Field("due", "due date", "date")
SCHEDULED = Field("scheduled", "scheduled date", "date")
START = Field("start", "start date", "date")
CREATED = Field("created", "created date", "date")
DONE = Field("done", "done date", "date")
CANCELLED = Field("cancelled", "cancelled date", "date")
PRIORITY = Field("priority", "priority", "priority")
RECURRENCE = Field("recurrence", "recurrence", "recurrence")
ON_COMPLETION = Field("on_completion", "on-completion action", "on_completion")
ID = Field("id", "id", "id")
DEPENDS_ON = Field("depends_on", "depends-on list", "depends_on")

# The emoji and their alternates as DefaultTaskSerializer.ts lists them. None of these
# strings may contain U+FE0F: the optional variation selector is matched separately.
EMOJI_FIELDS: Final[dict[str, Field]] = {
    "➕": CREATED,
    "⏳": SCHEDULED,
    "⌛": SCHEDULED,
    "🛫": START,
    "📅": DUE,
    "📆": DUE,
    "🗓": DUE,
    "✅": DONE,
    "❌": CANCELLED,
    "🔁": RECURRENCE,
    "🏁": ON_COMPLETION,
    "🆔": ID,
    "⛔": DEPENDS_ON,
}
EMOJI_PRIORITIES: Final[dict[str, Priority]] = {
    "🔺": Priority.HIGHEST,
    "⏫": Priority.HIGH,
    "🔼": Priority.MEDIUM,
    "🔽": Priority.LOW,
    "⏬": Priority.LOWEST,
}
ALL_EMOJI: Final = "".join(EMOJI_FIELDS) + "".join(EMOJI_PRIORITIES)
VS16: Final = "\ufe0f"
"""The variation selector that may follow any of the emoji."""

# Dataview keys (Tasks docs "Dataview Format"), looked up lower-cased; the value is the
# spelling the Tasks plugin requires, since its patterns are case-sensitive.
DATAVIEW_FIELDS: Final[dict[str, tuple[str, Field]]] = {
    "created": ("created", CREATED),
    "scheduled": ("scheduled", SCHEDULED),
    "start": ("start", START),
    "due": ("due", DUE),
    "completion": ("completion", DONE),
    "cancelled": ("cancelled", CANCELLED),
    "priority": ("priority", PRIORITY),
    "repeat": ("repeat", RECURRENCE),
    "oncompletion": ("onCompletion", ON_COMPLETION),
    "id": ("id", ID),
    "dependson": ("dependsOn", DEPENDS_ON),
}
_DATAVIEW_PRIORITIES: Final[dict[str, Priority]] = {
    "highest": Priority.HIGHEST,
    "high": Priority.HIGH,
    "medium": Priority.MEDIUM,
    "low": Priority.LOW,
    "lowest": Priority.LOWEST,
}
_ON_COMPLETION_ACTIONS: Final = frozenset({"keep", "delete"})

# [0-9], not \d: Python's \d also matches other scripts' digits, which int() accepts.
VALUE_RES: Final[dict[Kind, re.Pattern[str]]] = {
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])"),
    "priority": re.compile(r"[A-Za-z]+"),
    "recurrence": re.compile(r"[a-zA-Z0-9, !]+"),
    "on_completion": re.compile(r"[a-zA-Z]+"),
    "id": re.compile(r"[a-zA-Z0-9_-]+"),
    # Tasks allows only spaces around the commas; vaultkit any whitespace.
    "depends_on": re.compile(r"[a-zA-Z0-9_-]+(?:\s*,\s*[a-zA-Z0-9_-]+)*"),
}
"""What a field's value must look like, by kind."""
DATE_PUNCT_RE: Final = re.compile(r"[.,;:!?)]+")
"""Punctuation users type after a date (tasks#1809); Tasks then misses the date."""
RAW_VALUE_RE: Final = re.compile("[^\\s" + ALL_EMOJI + "]*")
"""What to quote when a value cannot be read: up to the next whitespace or field emoji."""

_QUOTE_LIMIT: Final = 40

Value = str | Priority | tuple[str, ...]


def quote(text: str) -> str:
    """``text`` in quotes for a problem sentence, shortened if long."""
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return f"'{text}'"


def plain_spaces(text: str) -> bool:
    """Whether ``text`` holds only plain spaces, all the Tasks patterns allow in a gap."""
    # The Tasks patterns use ' *' between marker and value: tabs and NBSP (tasks#606) fail.
    return text.strip(" ") == ""


def _valid_date(text: str) -> bool:
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def convert(field: Field, text: str) -> tuple[Value | None, str | None]:
    """Turn a value that matched the field's pattern into its model form, or a problem."""
    if field.kind == "date":
        if _valid_date(text):
            return text, None
        return None, f"{field.label} {quote(text)} is not a valid YYYY-MM-DD date"
    if field.kind == "priority":
        priority = _DATAVIEW_PRIORITIES.get(text.lower())
        if priority is None:
            return None, (
                f"priority {quote(text)} is not one of highest, high, medium, low, lowest"
            )
        return priority, None
    if field.kind == "recurrence":
        rule = text.strip()
        if rule.strip(" ,!") == "":
            return None, f"recurrence {quote(rule)} is not a rule such as 'every week'"
        return rule, None
    if field.kind == "on_completion":
        action = text.lower()
        if action not in _ON_COMPLETION_ACTIONS:
            return None, f"on-completion action {quote(text)} is not keep or delete"
        return action, None
    if field.kind == "depends_on":
        return tuple(part.strip() for part in text.split(",") if part.strip()), None
    return text, None


def unreadable(field: Field, raw: str, marker: str) -> str:
    """The problem sentence for a value that does not match its field's pattern."""
    if raw == "":
        if field.kind == "date":
            return f"{field.label} {marker} has no YYYY-MM-DD date after it"
        return f"{field.label} {marker} has no value after it"
    if field.kind == "date":
        return f"{field.label} {quote(raw)} is not a valid YYYY-MM-DD date"
    if field.kind == "priority":
        return f"priority {quote(raw)} is not one of highest, high, medium, low, lowest"
    if field.kind == "on_completion":
        return f"on-completion action {quote(raw)} is not keep or delete"
    if field.kind == "recurrence":
        return f"recurrence {quote(raw)} uses characters other than letters, digits and ', !'"
    if field.kind == "id":
        return f"id {quote(raw)} may contain only letters, digits, '-' and '_'"
    return (
        f"depends-on list {quote(raw)} must be ids (letters, digits, '-', '_') separated by commas"
    )
