"""The Tasks-plugin fields on one task line, read as the Obsidian Tasks plugin reads them.

:func:`parse_task_line` turns a task's first line after the checkbox into a description,
:class:`~vaultkit.model.TaskFields`, a trailing block id and a list of problems. Both the
emoji format and the Dataview ``[key:: value]`` / ``(key:: value)`` format are read; which
marker names which field and how a value reads is :mod:`vaultkit.parse.task_fields`'s.
Finding tasks in a document, tags and general inline fields belong to the markdown parser
(:mod:`vaultkit.parse.tasks`); this module only looks inside one line.

How the Tasks plugin reads a line (``src/TaskSerializer/DefaultTaskSerializer.ts``): it cuts a
trailing `` ^block-id``, then repeatedly removes end-anchored field patterns and tags from the
end, and stops at the first trailing text it does not recognise. Everything before that point
is description, *including any fields in it*. vaultkit reads those hidden fields too, because
users cannot see why Tasks ignores them, and reports each one with a problem sentence saying
what to change so that Tasks sees it. The same goes for the near misses Tasks rejects: a date
followed by punctuation, a tab or non-breaking space between an emoji and its value, and a
Dataview key spelled in another case.

The line is scanned once from the left for candidate items and then walked once from the
right, so the cost is linear in the line length, unlike re-running ``$``-anchored patterns
after every removal.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal, NamedTuple

from vaultkit.model import Priority, TaskFields
from vaultkit.parse.task_fields import (
    ALL_EMOJI,
    DATAVIEW_FIELDS,
    DATE_PUNCT_RE,
    EMOJI_FIELDS,
    EMOJI_PRIORITIES,
    PRIORITY,
    RAW_VALUE_RE,
    VALUE_RES,
    VS16,
    Field,
    Value,
    convert,
    plain_spaces,
    quote,
    unreadable,
)

__all__ = ["TaskLine", "parse_task_line"]


class TaskLine(NamedTuple):
    """What one task line holds once its Tasks-plugin fields are read."""

    description: str
    """The text with all recognised fields, the trailing block id and trailing whitespace
    removed (inner text untouched; tags stay)."""
    fields: TaskFields
    block_id: str | None
    """The trailing `` ^id`` (Latin letters, digits, ``-``) without the caret, if any."""
    problems: tuple[str, ...]
    """One sentence per thing that looked like a field but could not be read, or that vaultkit
    read although the Tasks plugin will not."""


# Where a field, a Dataview bracket or a tag may start on the line.
_CANDIDATE_RE: Final = re.compile(
    "[" + ALL_EMOJI + "]"
    r"|[\[(](?=[^\S\n]*[A-Za-z]+::)"
    # Tasks' hashTags: '#' at the start or after whitespace (TaskRegularExpressions.ts).
    r"|(?<!\S)#(?=[^\s!@#$%^&*(),.?\":{}|<>])"
)
_TAG_RE: Final = re.compile(r"#[^\s!@#$%^&*(),.?\":{}|<>]+")
_DATAVIEW_RE: Final = re.compile(
    r"(?P<open>[\[(])(?P<pre>[^\S\n]*)(?P<key>[A-Za-z]+)::(?P<value>[^\[\]()\n]*)(?P<close>[\])])"
    # Tasks' toInlineFieldRegex allows one trailing comma (a Live Preview workaround, #1913).
    r"(?P<comma>[^\S\n]*,)?"
)
_SPACE_RE: Final = re.compile(r"\s*")
_BLOCK_ID_RE: Final = re.compile(r"[A-Za-z0-9-]+")


# --------------------------------------------------------------------------------------------
# Scanning


class _Item:
    """One recognised thing on the line: a field (readable or not) or a tag."""

    # A plain class, not a dataclass: the hook imports this module on every save, and a
    # dataclass costs ~1 ms to define.
    __slots__ = ("cut_start", "end", "field", "problem", "start", "tasks_reads", "value")

    def __init__(
        self,
        start: int,
        end: int,
        field: Field | None,
        *,
        value: Value | None = None,
        cut_start: int = -1,
    ) -> None:
        self.start = start
        self.end = end
        self.field = field
        """None for a tag."""
        self.value = value
        """The parsed value; None when the field could not be read."""
        self.problem: str | None = None
        """Why the value could not be read, or why the Tasks plugin will not read it."""
        self.tasks_reads = True
        """Whether the Tasks plugin reads this item when nothing but fields follows it."""
        self.cut_start = cut_start
        """Where the description cut starts (before ``start`` when an opening bracket goes
        too)."""


def _read_priority_emoji(text: str, start: int) -> _Item:
    end = start + 1
    if end < len(text) and text[end] == VS16:
        end += 1
    return _Item(start, end, PRIORITY, value=EMOJI_PRIORITIES[text[start]], cut_start=start)


def _read_emoji_field(text: str, start: int) -> _Item:
    marker = text[start]
    field = EMOJI_FIELDS[marker]
    pos = start + 1
    if pos < len(text) and text[pos] == VS16:
        pos += 1
    space = _SPACE_RE.match(text, pos)
    assert space is not None  # \s* always matches
    pos = space.end()
    item = _Item(start, pos, field, cut_start=start)
    match = VALUE_RES[field.kind].match(text, pos)
    end = match.end() if match else pos
    if field.kind == "recurrence" and match:
        end = pos + len(match.group().rstrip())
    # Tasks anchors each pattern at the end of what is left, so an id, a depends-on list or an
    # on-completion word glued to other characters ('🆔 A*b') is not that field at all; a field
    # emoji may follow directly, as Tasks removes that one first. A date or a recurrence rule
    # with text glued on is still read, and the glued text reported as text after a field.
    bounded = end == len(text) or text[end].isspace() or text[end] in ALL_EMOJI
    if match is None or not (bounded or field.kind in ("date", "recurrence")):
        raw = RAW_VALUE_RE.match(text, pos)
        assert raw is not None  # a starred class always matches
        item.end = raw.end()
        item.problem = unreadable(field, raw.group(), marker)
        item.tasks_reads = False
        return item
    item.end = end
    item.value, item.problem = convert(field, text[pos:end])
    if field.kind == "date":
        punct = DATE_PUNCT_RE.match(text, end)
        if punct:
            item.end = punct.end()
            item.tasks_reads = False
            if item.value is not None:
                item.problem = (
                    f"the {quote(punct.group())} right after the {field.label} hides it from "
                    f"the Tasks plugin; remove the {quote(punct.group())}"
                )
                if ")" in punct.group() and start > 0 and text[start - 1] == "(":
                    item.cut_start = start - 1
    if item.tasks_reads and not plain_spaces(space.group()) and item.value is not None:
        item.tasks_reads = False
        item.problem = (
            f"the gap between {marker} and the {field.label} is not a plain space (a tab or "
            "non-breaking space?), which hides it from the Tasks plugin"
        )
    return item


def _read_dataview(text: str, start: int) -> _Item | int:
    """The Tasks field at ``start``, or where to resume scanning if there is none."""
    match = _DATAVIEW_RE.match(text, start)
    if match is None or (match["open"] == "[") != (match["close"] == "]"):
        return start + 1
    known = DATAVIEW_FIELDS.get(match["key"].lower())
    if known is None:
        # A general inline field: description for Tasks, read elsewhere by vaultkit. Its
        # value is opaque, so an emoji inside it is not a field.
        return match.end()
    spelling, field = known
    raw_value = match["value"]
    value_text = raw_value.strip()
    item = _Item(start, match.end(), field, cut_start=start)
    value_match = VALUE_RES[field.kind].fullmatch(value_text)
    if value_match is None:
        item.problem = unreadable(field, value_text, f"[{spelling}::]")
        item.tasks_reads = False
        return item
    item.value, item.problem = convert(field, value_text)
    if item.value is None:
        # Tasks' Dataview patterns accept only the known priority words, so an unknown one
        # stops it; other unreadable values (impossible dates) it still removes.
        item.tasks_reads = field.kind != "priority"
        return item
    value_lead = raw_value[: len(raw_value) - len(raw_value.lstrip())]
    value_trail = raw_value[len(raw_value.rstrip()) :]
    canonical_value = value_text.lower() if field.kind == "priority" else value_text
    if match["key"] != spelling or value_text != canonical_value:
        item.tasks_reads = False
        written = match.group(0).rstrip(", \t")
        item.problem = (
            f"the Tasks plugin reads this field only when written as "
            f"{quote(f'[{spelling}:: {canonical_value}]')}, so it will not see {quote(written)}"
        )
    elif not all(plain_spaces(part) for part in (match["pre"], value_lead, value_trail)):
        item.tasks_reads = False
        item.problem = (
            f"the {field.label} field {quote(match['key'] + '::')} is spaced with a tab or "
            "non-breaking space, which hides it from the Tasks plugin"
        )
    return item


def _find_items(text: str) -> list[_Item]:
    items: list[_Item] = []
    pos = 0
    while True:
        found = _CANDIDATE_RE.search(text, pos)
        if found is None:
            return items
        start = found.start()
        char = text[start]
        item: _Item | int
        if char in EMOJI_PRIORITIES:
            item = _read_priority_emoji(text, start)
        elif char in EMOJI_FIELDS:
            item = _read_emoji_field(text, start)
        elif char == "#":
            tag = _TAG_RE.match(text, start)
            assert tag is not None  # the candidate lookahead guarantees one tag character
            item = _Item(start, tag.end(), None, cut_start=start)
        else:
            item = _read_dataview(text, start)
        if isinstance(item, int):
            pos = item
        else:
            items.append(item)
            pos = item.end


def _split_block_id(text: str) -> tuple[str, str | None]:
    body = text.rstrip()
    caret = body.rfind("^")
    if caret < 0 or (caret > 0 and not body[caret - 1].isspace()):
        return body, None
    if _BLOCK_ID_RE.fullmatch(body, caret + 1) is None:
        return body, None
    return body[:caret], body[caret + 1 :]


# --------------------------------------------------------------------------------------------
# Public functions


def parse_task_line(text: str) -> TaskLine:
    """Read the Tasks-plugin fields of ``text``, a task's first line after the checkbox.

    ``'Write report 📅 2024-05-01 ⏫ #work ^abc'`` gives the description
    ``'Write report #work'``, due ``2024-05-01``, priority high and block id ``abc``.
    Never raises.
    """
    body, block_id = _split_block_id(text)
    items = _find_items(body)
    seen_by_tasks, problems = _walk_as_tasks(body, items)
    values, repeated = _choose(items, seen_by_tasks)
    for label, shown in repeated:
        problems.append(f"{label} is given more than once; using {quote(shown)}")
    return TaskLine(_cut(body, items), _task_fields(values), block_id, tuple(problems))


_Hider = tuple[Literal["text", "field"], str]


def _hidden_problem(label: str, hider: _Hider) -> str:
    kind, what = hider
    if kind == "text":
        return (
            f"text after the {label} hides it from the Tasks plugin; "
            f"move {quote(what)} before the fields"
        )
    return (
        f"the unreadable {what} after the {label} stops the Tasks plugin, "
        f"so it does not see the {label} either"
    )


def _walk_as_tasks(body: str, items: list[_Item]) -> tuple[list[bool], list[str]]:
    """Which fields the Tasks plugin sees, and one problem per field it cannot use.

    Walks from the right as Tasks peels: a field is seen only while nothing but whitespace,
    tags and other peelable fields follow it.
    """
    seen = [False] * len(items)
    problems: list[str | None] = [None] * len(items)
    hider: _Hider | None = None
    pos = len(body)
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        gap = body[item.end : pos].strip()
        pos = item.start
        if gap:
            # The nearest text is the one to move, so a later gap replaces an earlier one.
            hider = ("text", gap)
        field = item.field
        if field is None:
            continue
        if item.value is None or not item.tasks_reads:
            problems[index] = item.problem
        elif hider is not None:
            problems[index] = _hidden_problem(field.label, hider)
        else:
            seen[index] = True
        if not item.tasks_reads:
            hider = ("field", field.label)
    return seen, [p for p in problems if p is not None]


def _choose(
    items: list[_Item], seen_by_tasks: list[bool]
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """One value per field, and (label, value used) for each field given more than once.

    Tasks overwrites as it peels leftwards, so the leftmost field it sees wins; fields it
    cannot see only fill what it left empty.
    """
    chosen: dict[str, tuple[bool, Value]] = {}
    labels: dict[str, str] = {}
    for index, item in enumerate(items):
        if item.field is None or item.value is None:
            continue
        name = item.field.name
        previous = chosen.get(name)
        if previous is None:
            chosen[name] = (seen_by_tasks[index], item.value)
            continue
        labels[name] = item.field.label
        if seen_by_tasks[index] and not previous[0]:
            chosen[name] = (True, item.value)
    values = {name: value for name, (_, value) in chosen.items()}
    repeated: list[tuple[str, str]] = []
    for name, label in labels.items():
        value = values[name]
        repeated.append((label, ",".join(value) if isinstance(value, tuple) else str(value)))
    return values, repeated


_FIELD_TYPES: dict[str, type] = {
    **dict.fromkeys(TaskFields._fields, str),
    "priority": Priority,
    "depends_on": tuple,
}
"""Each field of :class:`TaskFields` and the type its value must have to be taken."""
_NO_FIELDS = TaskFields()


def _task_fields(values: dict[str, Value]) -> TaskFields:
    if not values:
        # Most task lines carry no field at all.
        return _NO_FIELDS
    taken: dict[str, Any] = {}
    for name, value in values.items():
        kind = _FIELD_TYPES.get(name)
        if kind is not None and isinstance(value, kind):
            taken[name] = value
    return TaskFields(**taken)


def _cut(body: str, items: list[_Item]) -> str:
    """Remove every read field and the whitespace in front of it."""
    kept: list[str] = []
    done = 0
    for item in items:
        if item.field is None or item.value is None:
            continue
        start = item.cut_start
        while start > done and body[start - 1].isspace():
            start -= 1
        end = item.end
        if start == 0:
            # A field at the very start: drop the whitespace after it instead.
            while end < len(body) and body[end].isspace():
                end += 1
        start = max(start, done)
        kept.append(body[done:start])
        done = max(done, end)
    kept.append(body[done:])
    return "".join(kept).rstrip()
