"""What the token walk shares with the syntax modules' collectors.

:mod:`vaultkit.parse.extract` walks markdown-it's token stream once and hands each token to
the collector its syntax module registered for the token's type (:mod:`vaultkit.parse.registry`).
A collector gets one of two states:

* :class:`Walk`, for a block token: the output so far and the stacks that give every element its
  section and context (headings, list items, quotes, the open table).
* :class:`InlineText`, for a child of an inline token: the plain text so far, the
  :class:`Place` every element in it shares, and the open/close pairs still open.

When an inline token's children are done, the container's text collectors (a heading, a table
cell, a paragraph) get the finished text as one :class:`InlineBlock`. Lines are 1-based and
absolute in the file (front matter included).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from vaultkit.model import (
    BlockId,
    Callout,
    Cell,
    Diagnostic,
    Heading,
    HiddenTask,
    Highlight,
    InlineField,
    Link,
    ListItem,
    Section,
    Span,
    Table,
    TableRow,
    Tag,
    Task,
)


class CommentBody(NamedTuple):
    """A comment that starts a line: its lines and its content, one source line per line,
    with the indentation and quote markers of its container taken off (as markdown-it
    hands a container's lines to the rules inside it)."""

    line: int
    end_line: int
    content: str


class Extracted:
    """Everything one walk over a note body found, in document order."""

    # Plain classes with slots, here and below, not dataclasses: the hook imports this module
    # on every save, and a dataclass costs ~1 ms to define (its methods are compiled from
    # source each time), ten times what the parse of a small note spends in these classes.
    __slots__ = (
        "block_ids",
        "callouts",
        "comments",
        "diagnostics",
        "headings",
        "hidden",
        "hidden_tasks",
        "highlights",
        "inline_fields",
        "links",
        "list_items",
        "tables",
        "tags",
        "tasks",
        "word_count",
    )

    def __init__(self) -> None:
        self.headings: list[Heading] = []
        self.tasks: list[Task] = []
        self.callouts: list[Callout] = []
        self.links: list[Link] = []
        self.tables: list[Table] = []
        self.list_items: list[ListItem] = []
        self.tags: list[Tag] = []
        self.highlights: list[Highlight] = []
        self.inline_fields: list[InlineField] = []
        self.block_ids: list[BlockId] = []
        self.hidden: list[Span] = []
        self.comments: list[CommentBody] = []
        """Comments that start a line, with their content as markdown (read for hidden
        tasks)."""
        self.hidden_tasks: list[HiddenTask] = []
        self.diagnostics: list[Diagnostic] = []
        self.word_count = 0


class Place(NamedTuple):
    """Where an inline element sits: what every link, tag and field in one inline token shares."""

    section: Section
    """The heading path above it."""
    task_line: int | None
    """The line of the innermost task around it."""
    table_line: int | None
    """The line of the table whose cell holds it."""
    callout_line: int | None
    """The line of the innermost callout around it."""


class ListFrame:
    """An open list item."""

    __slots__ = ("item_index", "line", "task_index")

    def __init__(self, line: int, task_index: int | None, item_index: int | None = None) -> None:
        self.line = line
        self.task_index = task_index
        """Index into the tasks, when the item is a task."""
        self.item_index = item_index
        """Index into the list items while the item still waits for its first paragraph."""


class QuoteFrame:
    """An open blockquote, and what a callout collects while it is open."""

    __slots__ = ("body", "callout", "first_inline_seen", "in_list", "line", "title")

    def __init__(self, line: int, callout: dict[str, str] | None, in_list: bool) -> None:
        self.line = line
        self.callout = callout
        """The callout header the callouts rule read (type, raw_type, fold, title), if any."""
        self.in_list = in_list
        self.title = ""
        self.body: list[str] = []
        self.first_inline_seen = False


class TableBuilder:
    """An open table, row by row."""

    __slots__ = (
        "callout_line",
        "cell_count",
        "header",
        "in_head",
        "line",
        "row",
        "row_line",
        "rows",
        "section",
    )

    def __init__(self, line: int, section: Section, callout_line: int | None) -> None:
        self.line = line
        self.section = section
        self.callout_line = callout_line
        self.header: list[Cell] = []
        self.rows: list[TableRow] = []
        self.row_line = 0
        self.row: list[Cell] = []
        self.in_head = False
        self.cell_count = 0
        """Cells the current row had when its last cell closed."""


class Walk:
    """The state of one walk over a note body's block tokens."""

    __slots__ = (
        "_section",
        "_sections",
        "container",
        "last_line",
        "lists",
        "offset",
        "out",
        "quotes",
        "region_ranges",
        "region_starts",
        "table",
    )

    def __init__(self, line_offset: int) -> None:
        self.offset = line_offset
        """The body's first line (0-based) in the file."""
        self.out = Extracted()
        self._sections: list[tuple[int, str]] = []
        """(level, text) of the headings above the current token (:meth:`enter_heading`)."""
        self._section: Section | None = None
        self.lists: list[ListFrame] = []
        self.quotes: list[QuoteFrame] = []
        self.table: TableBuilder | None = None
        self.container: Token | None = None
        """The open block whose inline token comes next (paragraph, heading, table cell)."""
        self.last_line = 0
        """The last line of inline content or table seen so far (closing tokens have no map)."""
        self.region_starts: list[int] = []
        self.region_ranges: list[tuple[int, int]] = []
        """vaultkit's own regions, sorted: nothing in them is read."""

    def line_of(self, token_line: int) -> int:
        """The file line of a token's 0-based body line."""
        return token_line + self.offset + 1

    def section(self) -> Section:
        """The heading path above the current token (the same tuple until a heading)."""
        if self._section is None:
            self._section = tuple(text for _, text in self._sections)
        return self._section

    def enter_heading(self, level: int, text: str) -> None:
        """A heading of ``level``: it closes the sections at its level and deeper."""
        sections = self._sections
        while sections and sections[-1][0] >= level:
            sections.pop()
        sections.append((level, text))
        self._section = None

    def hidden_line(self, line: int) -> bool:
        """Whether ``line`` lies in one of vaultkit's regions."""
        index = bisect_right(self.region_starts, line) - 1
        return index >= 0 and self.region_ranges[index][1] >= line

    def current_task(self) -> int | None:
        """Index of the innermost task around the current token."""
        for frame in reversed(self.lists):
            if frame.task_index is not None:
                return frame.task_index
        return None

    def current_callout(self) -> QuoteFrame | None:
        for frame in reversed(self.quotes):
            if frame.callout is not None:
                return frame
        return None


def open_container(walk: Walk, token: Token) -> None:
    """The block collector of a paragraph's or a heading's opening token."""
    walk.container = token


def close_container(walk: Walk, token: Token) -> None:
    walk.container = None


def _newlines(text: str) -> list[int]:
    """The offsets of the line breaks in ``text``."""
    found: list[int] = []
    at = text.find("\n")
    while at != -1:
        found.append(at)
        at = text.find("\n", at + 1)
    return found


class InlineText:
    """The walk over one inline token's children: its plain text so far, and what is open.

    The plain text is a flat list of parts (``"\\n"`` for a line break): appending is O(1), so
    a paragraph of any length is walked in linear time. ``struck`` is the same text with the
    strikethrough markers kept, to tell a fully struck-through task.
    """

    __slots__ = (
        "breaks",
        "collectors",
        "content",
        "first_line",
        "links",
        "newlines",
        "opened",
        "out",
        "parts",
        "place",
        "struck",
        "tags",
    )

    def __init__(
        self,
        out: Extracted,
        place: Place,
        content: str,
        first_line: int,
        collectors: Mapping[str, InlineCollector] | None = None,
    ) -> None:
        self.out = out
        self.collectors: Mapping[str, InlineCollector] = collectors or {}
        """Inline token type -> collector (the registry's), for tokens nested in a token."""
        self.place = place
        self.content = content
        """The inline token's source text, which ``meta["pos"]`` offsets point into."""
        self.first_line = first_line
        self.parts: list[str] = []
        self.struck: list[str] = []
        self.breaks = 0
        self.newlines: list[int] | None = None
        self.links: list[Link] = []
        """The links in this inline token (also appended to the output)."""
        self.tags: list[str] = []
        """The tag names in this inline token (their mentions go to the output)."""
        self.opened: dict[str, list[tuple[Token, int]]] = {}
        """Per kind of open/close pair: the opening tokens still open, each with the number
        of text parts before it."""

    def emit(self, text: str) -> None:
        """Add ``text`` to the plain text."""
        self.parts.append(text)
        self.struck.append(text)

    def emit_struck(self, text: str) -> None:
        """Add ``text`` only to the text that keeps strikethrough markers."""
        self.struck.append(text)

    def line_break(self) -> None:
        """A line break in the source: the plain text and the line count both advance."""
        self.breaks += 1
        self.parts.append("\n")
        self.struck.append("\n")

    def text_break(self) -> None:
        """A line break in the text only (``<br>``), not a new source line."""
        self.parts.append("\n")
        self.struck.append("\n")

    def line_at(self, pos: int | None) -> int:
        """The file line of offset ``pos`` in the content; without one, the line reached."""
        if pos is None:
            return self.first_line + self.breaks
        if self.newlines is None:
            self.newlines = _newlines(self.content)
        return self.first_line + bisect_right(self.newlines, pos - 1)

    def walk(self, tokens: list[Token]) -> None:
        """Hand each of ``tokens`` to its collector (those of other types are skipped)."""
        collectors = self.collectors
        for token in tokens:
            collector = collectors.get(token.type)
            if collector is not None:
                collector(self, token)

    def add_link(self, link: Link) -> None:
        self.links.append(link)
        self.out.links.append(link)

    def open(self, kind: str, token: Token) -> None:
        """Remember an opening token of ``kind`` and where its text starts."""
        self.opened.setdefault(kind, []).append((token, len(self.parts)))

    def close(self, kind: str) -> tuple[Token, str] | None:
        """The innermost open token of ``kind`` and the plain text since it, or None."""
        stack = self.opened.get(kind)
        if not stack:
            return None
        token, start = stack.pop()
        return token, "".join(self.parts[start:])


class InlineBlock(NamedTuple):
    """A container's finished inline content, as its text collectors get it."""

    token: Token
    """The inline token (its ``content`` is the source text, its ``meta`` the block rules')."""
    container: Token
    first_line: int
    last_line: int
    lines: list[str]
    """Plain text per source line."""
    struck_lines: list[str]
    """Plain text per source line with ``~~`` kept."""
    links: list[Link]
    tags: list[str]
    task_index: int | None
    """Index of the innermost task around the container."""
    callout: QuoteFrame | None
    """The innermost callout around the container."""


BlockCollector = Callable[[Walk, Token], None]
"""Reads one block token (``paragraph_open``, ``fence``, ``vk_comment``…) into the walk."""
InlineCollector = Callable[[InlineText, Token], None]
"""Reads one child of an inline token (``text``, ``vk_wikilink``…)."""
TextCollector = Callable[[Walk, InlineBlock], None]
"""Reads a container's finished inline text (a heading's, a cell's, a paragraph's)."""


_NONE: Mapping[str, Any] = MappingProxyType({})
"""The empty mapping every :class:`Syntax` without an entry shares (read-only, so it can)."""


class Syntax(NamedTuple):
    """One syntax element as the parser registers it (:mod:`vaultkit.parse.registry`)."""

    name: str
    """The element's name; its fixture file is ``tests/fixtures/parse/<name>.md``."""
    plugin: Callable[[MarkdownIt], None] | None = None
    """Adds the element's markdown-it rules to the parser, if it has its own."""
    tracked: tuple[str, ...] = ()
    """markdown-it's own inline rules whose tokens need their offset in ``meta["pos"]``."""
    triggers: Mapping[str, tuple[str, ...]] = _NONE
    """Inline rule name -> regular expressions for the text an inline token must contain for
    the rule to match anywhere in it; a token with no trigger of any rule skips the inline
    rules (:mod:`vaultkit.parse.plain_inline`). Every inline rule the plugin adds needs them."""
    starts: Mapping[str, str] = _NONE
    """Inline rule name -> every character its match can begin with (the one at the rule's
    position): at any other character the rule is not asked (:mod:`vaultkit.parse.rule_starts`).
    Every inline rule the plugin adds needs them."""
    block_starts: Mapping[str, str] = _NONE
    """Block rule name -> every character a line's text (after its indentation) can begin with
    for the rule to match there (:mod:`vaultkit.parse.rule_starts`). Every block rule the
    plugin adds needs them."""
    block: Mapping[str, BlockCollector] = _NONE
    """Block token type -> collector (one collector per type in all the registry)."""
    inline: Mapping[str, InlineCollector] = _NONE
    """Inline child token type -> collector (one collector per type in all the registry)."""
    text: Mapping[str, TextCollector] = _NONE
    """Container opening token type -> collector of its finished inline text."""
