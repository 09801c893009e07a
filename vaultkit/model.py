"""The note model: what one parsed note holds.

Every element carries its 1-based source line (blocks also their last line) and its
``section``: the heading path above it, outermost first (``("Status", "Daily")``).
The model is plain immutable records so that later stages (index, graph, render) can rely
on it without touching markdown-it: named tuples, because the parser makes hundreds of
thousands of them on a cold sync and the hook imports this module on every save (a frozen
dataclass costs ~2 ms to define and a slower ``__init__``; a named tuple a fifth of that).
:class:`Note` is one too (a frozen dataclass of its 24 fields took 3 ms to define); its
``properties`` dict has no default, so no note can share another's.

No ``from __future__ import annotations`` here: a named tuple's string annotations are each
compiled again by ``typing`` when the class is made, which cost ~2.5 ms of this module's import.
"""

from enum import StrEnum
from typing import Any, NamedTuple

Section = tuple[str, ...]
"""Heading path above an element, outermost first; empty before the first heading."""

PropertyValue = Any
"""A JSON-compatible value read from front matter (str, int, float, bool, None, list, dict)."""


class Severity(StrEnum):
    """How much a diagnostic matters to the user."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Diagnostic(NamedTuple):
    """Something in the note that vaultkit could not read as the user probably meant."""

    line: int
    code: str
    """Stable machine-readable identifier, e.g. ``yaml-invalid``."""
    message: str
    severity: Severity = Severity.WARNING


class Heading(NamedTuple):
    line: int
    level: int
    text: str
    """Heading text without markup (``## **Daily**`` gives ``Daily``)."""
    anchor: str
    """The form Obsidian writes after ``#`` in a link to this heading."""
    section: Section
    """Heading path *including* this heading."""


class TaskStatus(StrEnum):
    """The Tasks plugin's reading of a checkbox, which is what progress counts use."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    OTHER = "other"


class TaskRules(NamedTuple):
    """The Tasks plugin's settings that decide what a task is, as plain data for the parser
    (read by :mod:`vaultkit.obsidian.tasks_plugin`).

    The defaults are the plugin's without settings: every checkbox is a task, and a status
    character is read by :func:`vaultkit.parse.task_status.status_of`'s built-in table.
    """

    global_filter: str = ""
    """Only a checkbox whose text after the ``[c]`` contains this text is a task (empty:
    every one). Compared as the plugin does: a plain substring test."""
    statuses: tuple[tuple[str, TaskStatus], ...] = ()
    """(symbol, status) for every status of the plugin's settings; empty: the built-in
    table. A symbol missing from a non-empty table reads as the plugin's "Unknown" status."""

    @property
    def fingerprint(self) -> str:
        """A text that differs whenever the rules read a note differently (for the index)."""
        statuses = ",".join(f"{symbol}={status.value}" for symbol, status in self.statuses)
        return f"filter={self.global_filter!r};statuses={statuses}"


class Priority(StrEnum):
    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    NORMAL = "normal"
    LOW = "low"
    LOWEST = "lowest"


class TaskFields(NamedTuple):
    """Tasks-plugin fields read from the end of a task line (emoji or Dataview form)."""

    due: str | None = None
    scheduled: str | None = None
    start: str | None = None
    created: str | None = None
    done: str | None = None
    cancelled: str | None = None
    priority: Priority = Priority.NORMAL
    recurrence: str | None = None
    on_completion: str | None = None
    id: str | None = None
    depends_on: tuple[str, ...] = ()


class Task(NamedTuple):
    line: int
    section: Section
    status_char: str
    """The character between the brackets, exactly as written."""
    status: TaskStatus
    checked: bool
    """Obsidian's reading: any non-space status character is drawn checked."""
    text: str
    """Description without markup and without the Tasks fields."""
    raw: str
    """The task's first line after the checkbox, as written."""
    parent_line: int | None
    """Line of the nearest enclosing task, if any."""
    depth: int
    """Number of enclosing list items (0 for a top-level item)."""
    fields: TaskFields = TaskFields()
    tags: tuple[str, ...] = ()
    block_id: str | None = None
    struck: bool = False
    """The whole description is struck through, which vaultkit reads as cancelled."""
    callout_line: int | None = None


class LinkKind(StrEnum):
    WIKILINK = "wikilink"
    """``[[Note#Heading|display]]``, including same-note ``[[#Heading]]``."""
    EMBED = "embed"
    """``![[file|size]]`` or a markdown image of a vault file."""
    MARKDOWN = "markdown"
    """``[text](Other%20Note.md)``: a markdown link to a vault file."""
    EXTERNAL = "external"
    """``[text](https://…)`` or ``![](https://…)``."""
    URL = "url"
    """A bare or ``<angle>`` URL."""


class Link(NamedTuple):
    kind: LinkKind
    target: str
    """File part of the target, decoded, without fragment ('' for a same-note link)."""
    fragment: str | None
    """Heading path (``H1#H2``) or block reference (``^id``) after ``#``."""
    display: str | None
    """Alias after ``|`` (for embeds: the size), or a markdown link's text."""
    line: int
    section: Section
    raw: str
    """The link as written in the source."""
    embed: bool = False
    """Shown inline (``![[…]]``, ``![](…)``) rather than linked."""
    task_line: int | None = None
    table_line: int | None = None
    callout_line: int | None = None
    context: str = "body"
    """``body``, or ``property`` for a wikilink in a property value (Obsidian 1.4+)."""
    key: str | None = None
    """The property whose value holds the link (``context == "property"``), else None."""

    @property
    def is_same_note(self) -> bool:
        return self.kind in (LinkKind.WIKILINK, LinkKind.EMBED) and self.target == ""


class Mention(NamedTuple):
    """One place where an external resource is linked."""

    line: int
    section: Section
    text: str
    task_status: TaskStatus | None = None
    task_line: int | None = None


class Resource(NamedTuple):
    """An external URL; the same URL linked several times is one resource."""

    url: str
    domain: str
    text: str
    """Link text of the first mention with one (the URL itself otherwise)."""
    mentions: tuple[Mention, ...]


class Tag(NamedTuple):
    name: str
    """Without ``#``, as written (Obsidian compares tags case-insensitively)."""
    line: int
    source: str
    """``inline`` or ``property``."""
    section: Section = ()


class Callout(NamedTuple):
    line: int
    end_line: int
    section: Section
    type: str
    """Lower-cased and mapped through Obsidian's aliases (``summary`` -> ``abstract``)."""
    raw_type: str
    fold: str
    """``+``, ``-`` or ``''``."""
    title: str
    body: str
    depth: int
    """0 for a top-level callout, 1 inside another callout, …"""
    parent_line: int | None = None
    in_list: bool = False


class ListItem(NamedTuple):
    """A bullet or numbered item that is not a task (e.g. the Pros of a topic)."""

    line: int
    section: Section
    text: str
    """The item's first paragraph without markup."""
    depth: int
    source: str = ""
    """The item's first paragraph as written (markdown), its lines joined by spaces."""


class Cell(NamedTuple):
    text: str
    """Cell text without markup; ``<br>`` becomes a newline."""
    links: tuple[Link, ...] = ()
    source: str = ""
    """The cell's markdown as written, trimmed (an escaped ``\\|`` reads as ``|``)."""
    breaks: int = 0
    """How many ``<br>`` tags markdown read as line breaks in it (not those in code)."""


class TableRow(NamedTuple):
    line: int
    cells: tuple[Cell, ...]


class Table(NamedTuple):
    line: int
    end_line: int
    section: Section
    header: tuple[Cell, ...]
    rows: tuple[TableRow, ...]
    callout_line: int | None = None


class Highlight(NamedTuple):
    line: int
    text: str
    section: Section = ()


class InlineField(NamedTuple):
    """A Dataview field: ``key:: value`` on its own line, ``[key:: value]`` or ``(key:: value)``."""

    line: int
    key: str
    value: str
    bracketed: bool
    section: Section = ()


class BlockId(NamedTuple):
    line: int
    id: str
    section: Section = ()


class Span(NamedTuple):
    """A source range that vaultkit hides: a comment, a math span, a generated region."""

    line: int
    end_line: int
    kind: str
    name: str = ""


class HiddenTask(NamedTuple):
    """A checkbox item inside a ``%%`` comment: not a task (Obsidian hides it, and vaultkit
    counts it nowhere), kept so that the user can be told where such items are."""

    line: int
    status_char: str
    """The character between the brackets, exactly as written."""
    text: str
    """Description without markup and without the Tasks fields."""
    comment_line: int
    """The first line of the comment holding it."""
    comment_end_line: int
    """The last line of that comment."""


def note_title(path: str) -> str:
    """A note's title: its file name without ``.md`` (``path`` vault-relative, POSIX)."""
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


class Note(NamedTuple):
    path: str
    """Vault-relative POSIX path, NFC-normalised."""
    title: str
    """File name without ``.md``."""
    properties: dict[str, PropertyValue]
    """The front matter's properties (a dict of its own: never shared between notes)."""
    tags: tuple[str, ...] = ()
    """Unique tag names, properties first, then inline tags in order of appearance."""
    tag_mentions: tuple[Tag, ...] = ()
    aliases: tuple[str, ...] = ()
    headings: tuple[Heading, ...] = ()
    tasks: tuple[Task, ...] = ()
    callouts: tuple[Callout, ...] = ()
    links: tuple[Link, ...] = ()
    resources: tuple[Resource, ...] = ()
    tables: tuple[Table, ...] = ()
    list_items: tuple[ListItem, ...] = ()
    highlights: tuple[Highlight, ...] = ()
    inline_fields: tuple[InlineField, ...] = ()
    block_ids: tuple[BlockId, ...] = ()
    hidden: tuple[Span, ...] = ()
    """Comments, math and vaultkit regions: content there is not part of the model."""
    hidden_tasks: tuple[HiddenTask, ...] = ()
    """Checkbox items inside comments that start a line: not tasks, but reported."""
    word_count: int = 0
    line_count: int = 0
    line_ending: str = "none"
    """``lf``, ``crlf``, ``cr``, ``mixed`` or ``none``."""
    has_bom: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()
