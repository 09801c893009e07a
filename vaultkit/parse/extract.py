"""Walking markdown-it's token stream once and building the note's elements.

The walk keeps small stacks (headings, list items, blockquotes, tables) so that every
element learns its section and context in one linear pass. Lines are 1-based and
absolute in the file (front matter included).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from vaultkit.model import (
    BlockId,
    Callout,
    Cell,
    Diagnostic,
    Heading,
    Highlight,
    InlineField,
    Link,
    LinkKind,
    ListItem,
    Mention,
    Resource,
    Section,
    Severity,
    Span,
    Table,
    TableRow,
    Tag,
    Task,
    TaskStatus,
)
from vaultkit.parse.inline_fields import valid_field_key
from vaultkit.parse.markdown import MAX_NESTING
from vaultkit.parse.regions import find_regions
from vaultkit.parse.task_line import parse_task_line
from vaultkit.parse.task_status import status_of

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_TRAILING_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)\s*$")
# The name of a generated file may hold spaces ("Link health"); the hash is 8 hex digits.
_HEADING_LINK_UNSAFE = re.compile(r"%%|\[\[|\]\]|[#|^:]")
_SPACES = re.compile(r"\s+")


def heading_anchor(raw_heading: str) -> str:
    """The text Obsidian's link suggester writes after ``#`` for a heading.

    Obsidian documents ``# | ^ : %% [[ ]]`` as characters that do not work in links and
    replaces them with spaces when it writes a heading link (observed, e.g.
    obsidian-html/obsidian-html#303, KosmosisDire/obsidian-webpage-export#609).
    """
    return _SPACES.sub(" ", _HEADING_LINK_UNSAFE.sub(" ", raw_heading)).strip()


@dataclass(slots=True)
class _ListFrame:
    line: int
    task_index: int | None
    item_index: int | None = None
    """Index into the list items while the item still waits for its first paragraph."""


@dataclass(slots=True)
class _QuoteFrame:
    line: int
    callout: dict[str, str] | None
    in_list: bool
    title: str = ""
    body: list[str] = field(default_factory=list)
    first_inline_seen: bool = False
    callout_index: int = -1


@dataclass(slots=True)
class _TableBuilder:
    line: int
    section: Section
    callout_line: int | None
    header: list[Cell] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    row_line: int = 0
    row: list[Cell] = field(default_factory=list)
    in_head: bool = False


@dataclass(slots=True)
class Extracted:
    headings: list[Heading] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    callouts: list[Callout] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    list_items: list[ListItem] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    inline_fields: list[InlineField] = field(default_factory=list)
    block_ids: list[BlockId] = field(default_factory=list)
    hidden: list[Span] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    word_count: int = 0

    def resources(self) -> list[Resource]:
        return _collect_resources(self.links, self.tasks)


@dataclass(slots=True)
class _InlineResult:
    """What one inline token yields beyond the links/tags appended directly."""

    lines: list[str]
    """Plain text per source line of the inline token."""
    struck_lines: list[str]
    """Plain text with ``~~`` kept, to tell a fully struck-through task."""
    links: list[Link]
    tags: list[str]


class _Walker:
    def __init__(self, tokens: list[Token], line_offset: int, total_lines: int, body: str) -> None:
        self.body = body
        self.tokens = tokens
        self.offset = line_offset
        self.total_lines = total_lines
        self.out = Extracted()
        self.sections: list[tuple[int, str]] = []
        self.lists: list[_ListFrame] = []
        self.quotes: list[_QuoteFrame] = []
        self.table: _TableBuilder | None = None
        self.region_ranges: list[tuple[int, int]] = []
        self.region_starts: list[int] = []

    # -- helpers -------------------------------------------------------------------
    def line_of(self, token_line: int) -> int:
        return token_line + self.offset + 1

    def section(self) -> Section:
        return tuple(text for _, text in self.sections)

    def hidden_line(self, line: int) -> bool:
        index = bisect_right(self.region_starts, line) - 1
        return index >= 0 and self.region_ranges[index][1] >= line

    def current_task(self) -> int | None:
        for frame in reversed(self.lists):
            if frame.task_index is not None:
                return frame.task_index
        return None

    def current_callout(self) -> _QuoteFrame | None:
        for frame in reversed(self.quotes):
            if frame.callout is not None:
                return frame
        return None

    # -- regions -------------------------------------------------------------------
    def find_regions(self) -> None:
        """Hide vaultkit's regions (the grammar and the pairing are :mod:`vaultkit.markers`'s;
        which lines are markers, :mod:`vaultkit.parse.regions`'s, shared with the write-back)."""
        regions, problems = find_regions(self.tokens, self.body, self.offset)
        for region in regions:
            self.region_starts.append(region.begin)
            self.region_ranges.append((region.begin, region.end))
            self.out.hidden.append(Span(region.begin, region.end, "region", region.name))
        self.out.diagnostics.extend(
            Diagnostic(problem.line, problem.code, problem.message, Severity.ERROR)
            for problem in problems
        )

    # -- the walk ------------------------------------------------------------------
    def walk(self) -> Extracted:
        self.find_regions()
        tokens = self.tokens
        deepest = 0
        deepest_line = 1
        container: Token | None = None
        for token in tokens:
            if token.level > deepest and token.map is not None:
                deepest = token.level
                deepest_line = self.line_of(token.map[0])
            kind = token.type
            if kind == "inline":
                if container is not None:
                    self.on_inline(token, container)
                continue
            if kind in ("paragraph_open", "heading_open", "th_open", "td_open"):
                container = token
                if kind in ("th_open", "td_open"):
                    container = Token(kind, "", 0, map=self.table_row_map())
            elif kind in ("paragraph_close", "heading_close", "th_close", "td_close"):
                container = None
                if kind in ("th_close", "td_close") and self.table is not None:
                    # A cell with no inline content still occupies a column.
                    if len(self.table.row) < self.cell_count:
                        self.table.row.append(Cell(""))
                    self.cell_count = len(self.table.row)
            elif kind == "list_item_open":
                self.on_list_item(token)
            elif kind == "list_item_close":
                if self.lists:
                    self.lists.pop()
            elif kind == "blockquote_open":
                self.on_quote_open(token)
            elif kind == "blockquote_close":
                self.on_quote_close(token)
            elif kind == "table_open":
                self.on_table_open(token)
            elif kind in ("thead_open", "tbody_open", "tr_open", "tr_close", "table_close"):
                self.on_table_token(token)
            elif kind == "vk_comment":
                self.on_block_comment(token)
            elif kind == "math_block" and token.map is not None:
                self.out.hidden.append(
                    Span(self.line_of(token.map[0]), self.line_of(token.map[1] - 1), "math")
                )
            elif kind == "fence":
                self.check_fence(token)
        if deepest >= MAX_NESTING - 2:
            self.out.diagnostics.append(
                Diagnostic(
                    deepest_line,
                    "nesting-too-deep",
                    f"lists or quotes nest deeper than {MAX_NESTING} levels here; "
                    "what lies deeper is not read",
                )
            )
        return self.out

    cell_count: int = 0

    def table_row_map(self) -> list[int] | None:
        if self.table is None:
            return None
        return [self.table.row_line - self.offset - 1, self.table.row_line - self.offset]

    # -- blocks --------------------------------------------------------------------
    def check_fence(self, token: Token) -> None:
        if token.map is None:
            return
        start, end = token.map
        # markdown-it runs an unclosed fence to the end of its container: then the span
        # holds only the opening line besides the content.
        if end - start - token.content.count("\n") < 2:
            self.out.diagnostics.append(
                Diagnostic(
                    self.line_of(start),
                    "fence-unterminated",
                    f"the code block opened with {token.markup} is never closed, so the "
                    "rest of the note is code; add a closing fence",
                )
            )

    def on_block_comment(self, token: Token) -> None:
        if token.map is None:
            return
        line = self.line_of(token.map[0])
        end_line = self.line_of(token.map[1] - 1)
        self.out.hidden.append(Span(line, end_line, "comment"))
        if not (token.meta or {}).get("closed", True):
            self.out.diagnostics.append(
                Diagnostic(
                    line,
                    "comment-unterminated",
                    "this %% comment is never closed, so Obsidian hides the rest of the "
                    "note; add a closing %%",
                )
            )

    def on_list_item(self, token: Token) -> None:
        line = self.line_of(token.map[0]) if token.map else 0
        status_char = (token.meta or {}).get("task")
        task_index: int | None = None
        if status_char is not None and not self.hidden_line(line):
            parent = self.current_task()
            task_index = len(self.out.tasks)
            callout = self.current_callout()
            status = status_of(status_char)
            self.out.tasks.append(
                Task(
                    line=line,
                    section=self.section(),
                    status_char=status_char,
                    status=status,
                    checked=status_char != " ",
                    text="",
                    raw="",
                    parent_line=self.out.tasks[parent].line if parent is not None else None,
                    depth=len(self.lists),
                    callout_line=callout.line if callout else None,
                )
            )
        item_index: int | None = None
        if status_char is None and not self.hidden_line(line):
            item_index = len(self.out.list_items)
            self.out.list_items.append(ListItem(line, self.section(), "", len(self.lists)))
        self.lists.append(_ListFrame(line, task_index, item_index))

    def on_quote_open(self, token: Token) -> None:
        line = self.line_of(token.map[0]) if token.map else 0
        callout = (token.meta or {}).get("callout")
        if callout is not None and self.hidden_line(line):
            callout = None
        frame = _QuoteFrame(line, callout, in_list=bool(self.lists))
        self.quotes.append(frame)

    def on_quote_close(self, token: Token) -> None:
        if not self.quotes:
            return
        frame = self.quotes.pop()
        if frame.callout is None:
            return
        parent = self.current_callout()
        depth = sum(1 for f in self.quotes if f.callout is not None)
        end_line = frame.line
        # The closing token has no map; the last inline seen inside gives the end.
        end_line = max(end_line, self._last_line)
        self.out.callouts.append(
            Callout(
                line=frame.line,
                end_line=end_line,
                section=self.section(),
                type=frame.callout["type"],
                raw_type=frame.callout["raw_type"],
                fold=frame.callout["fold"],
                title=frame.title,
                body="\n".join(part for part in frame.body if part).strip(),
                depth=depth,
                parent_line=parent.line if parent else None,
                in_list=frame.in_list,
            )
        )

    _last_line: int = 0

    def on_table_open(self, token: Token) -> None:
        line = self.line_of(token.map[0]) if token.map else 0
        callout = self.current_callout()
        self.table = _TableBuilder(line, self.section(), callout.line if callout else None)

    def on_table_token(self, token: Token) -> None:
        table = self.table
        if table is None:
            return
        kind = token.type
        if kind == "thead_open":
            table.in_head = True
        elif kind == "tbody_open":
            table.in_head = False
        elif kind == "tr_open":
            table.row_line = self.line_of(token.map[0]) if token.map else table.line
            table.row = []
            self.cell_count = 0
        elif kind == "tr_close":
            if table.in_head:
                table.header = list(table.row)
            else:
                table.rows.append(TableRow(table.row_line, tuple(table.row)))
        elif kind == "table_close":
            last = table.rows[-1].line if table.rows else table.line + 1
            self._last_line = max(self._last_line, last)
            if not self.hidden_line(table.line):
                self.out.tables.append(
                    Table(
                        line=table.line,
                        end_line=last,
                        section=table.section,
                        header=tuple(table.header),
                        rows=tuple(table.rows),
                        callout_line=table.callout_line,
                    )
                )
            self.table = None

    # -- inline --------------------------------------------------------------------
    def on_inline(self, token: Token, container: Token) -> None:
        if container.map is None and token.map is None:
            return
        block_map = token.map or container.map
        assert block_map is not None
        first_line = self.line_of(block_map[0])
        last_line = self.line_of(block_map[1] - 1)
        self._last_line = max(self._last_line, last_line)
        if self.hidden_line(first_line):
            return
        meta = token.meta or {}
        kind = container.type
        task_index = self.current_task()
        task_line = self.out.tasks[task_index].line if task_index is not None else None
        callout = self.current_callout()
        callout_line = callout.line if callout else None
        table_line = self.table.line if kind in ("th_open", "td_open") and self.table else None

        result = self.inline_children(
            token, first_line, self.section(), task_line, table_line, callout_line
        )

        if kind == "heading_open":
            self.on_heading(container, token, result, first_line)
            return
        if kind in ("th_open", "td_open"):
            if self.table is not None:
                text = "\n".join(result.lines).strip()
                self.table.row.append(Cell(text, tuple(result.links)))
                self.cell_count = len(self.table.row)
            return

        # A paragraph.
        if self.lists and self.lists[-1].item_index is not None:
            # The first paragraph of a plain list item is its text.
            index = self.lists[-1].item_index
            item = self.out.list_items[index]
            text = " ".join(part.strip() for part in result.lines).strip()
            self.out.list_items[index] = ListItem(item.line, item.section, text, item.depth)
            self.lists[-1].item_index = None
        if "task_prefix" in meta and task_index is not None and not self.out.tasks[task_index].raw:
            self.fill_task(task_index, token, result)
        if callout is not None:
            if not callout.first_inline_seen and "callout_header" in meta:
                callout.first_inline_seen = True
                callout.title = result.lines[0].strip() if result.lines else ""
                callout.body.append("\n".join(result.lines[1:]))
            else:
                callout.body.append("\n".join(result.lines))
        self.line_fields(token.content, first_line)
        self.paragraph_block_id(result.lines, last_line)

    def on_heading(self, container: Token, token: Token, result: _InlineResult, line: int) -> None:
        level = int(container.tag[1:]) if container.tag[1:].isdigit() else 1
        text = " ".join(part.strip() for part in result.lines).strip()
        while self.sections and self.sections[-1][0] >= level:
            self.sections.pop()
        self.sections.append((level, text))
        self.out.headings.append(
            Heading(
                line=line,
                level=level,
                text=text,
                anchor=heading_anchor(token.content),
                section=self.section(),
            )
        )

    def fill_task(self, task_index: int, token: Token, result: _InlineResult) -> None:
        task = self.out.tasks[task_index]
        raw = token.content.split("\n", 1)[0]
        parsed = parse_task_line(raw)
        plain = parse_task_line(result.lines[0] if result.lines else "")
        struck_text = parse_task_line(
            result.struck_lines[0] if result.struck_lines else ""
        ).description.strip()
        struck = (
            len(struck_text) > 4 and struck_text.startswith("~~") and struck_text.endswith("~~")
        )
        status = task.status
        if struck and status is not TaskStatus.DONE:
            status = TaskStatus.CANCELLED
        for problem in parsed.problems:
            self.out.diagnostics.append(Diagnostic(task.line, "task-field", problem))
        self.out.tasks[task_index] = Task(
            line=task.line,
            section=task.section,
            status_char=task.status_char,
            status=status,
            checked=task.checked,
            text=plain.description.strip(),
            raw=raw,
            parent_line=task.parent_line,
            depth=task.depth,
            fields=parsed.fields,
            tags=tuple(dict.fromkeys(result.tags)),
            block_id=parsed.block_id,
            struck=struck,
            callout_line=task.callout_line,
        )
        if parsed.block_id:
            self.out.block_ids.append(BlockId(task.line, parsed.block_id, task.section))

    def line_fields(self, content: str, first_line: int) -> None:
        if "::" not in content:
            return
        for index, text in enumerate(content.split("\n")):
            key, sep, value = text.partition("::")
            if not sep or not valid_field_key(key) or key != key.lstrip():
                continue
            if key.rstrip() != key and key.strip() == "":
                continue
            self.out.inline_fields.append(
                InlineField(first_line + index, key.strip(), value.strip(), False, self.section())
            )

    def paragraph_block_id(self, lines: list[str], last_line: int) -> None:
        if not lines or "^" not in lines[-1]:
            return
        match = _TRAILING_BLOCK_ID.search(lines[-1])
        if match is None:
            return
        if self.out.tasks and self.out.tasks[-1].line == last_line:
            return  # the task already recorded it
        self.out.block_ids.append(BlockId(last_line, match.group(1), self.section()))

    def inline_children(
        self,
        token: Token,
        first_line: int,
        section: Section,
        task_line: int | None,
        table_line: int | None,
        callout_line: int | None,
    ) -> _InlineResult:
        content = token.content
        newlines: list[int] | None = None

        def line_at(pos: int | None) -> int:
            nonlocal newlines
            if pos is None:
                return first_line + breaks
            if newlines is None:
                newlines = [i for i, ch in enumerate(content) if ch == "\n"]
            return first_line + bisect_right(newlines, pos - 1)

        # Plain text as a flat list of parts ("\n" for a line break): appending is O(1),
        # so a paragraph of any length is walked in linear time.
        parts: list[str] = []
        struck: list[str] = []
        breaks = 0
        highlight_start: tuple[int, int] = (0, first_line)
        links: list[Link] = []
        tags: list[str] = []
        # Markdown links collect their text while open.
        open_links: list[tuple[Token, int]] = []
        field_stack: list[Token] = []

        def emit(text: str, *, strike_only: bool = False) -> None:
            if not strike_only:
                parts.append(text)
            struck.append(text)

        def line_break() -> None:
            nonlocal breaks
            breaks += 1
            parts.append("\n")
            struck.append("\n")

        def add_link(link: Link) -> None:
            links.append(link)
            self.out.links.append(link)

        for child in token.children or []:
            kind = child.type
            cmeta = child.meta or {}
            if kind == "text":
                emit(child.content)
                self.out.word_count += len(child.content.split())
            elif kind in ("softbreak", "hardbreak"):
                line_break()
            elif kind == "code_inline":
                emit(child.content)
            elif kind == "vk_wikilink":
                embed = bool(cmeta.get("embed"))
                target = str(cmeta.get("target", ""))
                fragment = cmeta.get("fragment")
                display = cmeta.get("display")
                if embed:
                    shown = ""
                elif display is not None:
                    shown = display
                else:
                    shown = target + (f" > {fragment}" if fragment and target else fragment or "")
                emit(shown)
                self.out.word_count += len(shown.split())
                add_link(
                    Link(
                        kind=LinkKind.EMBED if embed else LinkKind.WIKILINK,
                        target=target,
                        fragment=fragment or None,
                        display=display,
                        line=line_at(cmeta.get("pos")),
                        section=section,
                        raw=child.markup,
                        embed=embed,
                        task_line=task_line,
                        table_line=table_line,
                        callout_line=callout_line,
                    )
                )
            elif kind == "link_open":
                open_links.append((child, len(parts)))
            elif kind == "link_close":
                if not open_links:
                    continue
                opener, start = open_links.pop()
                text = "".join(parts[start:]).strip()
                add_link(
                    self.markdown_link(
                        opener,
                        text,
                        content,
                        line_at,
                        section,
                        task_line,
                        table_line,
                        callout_line,
                    )
                )
            elif kind == "image":
                src = str(child.attrs.get("src", ""))
                alt = child.content
                add_link(
                    self.image_link(
                        child,
                        src,
                        alt,
                        content,
                        line_at,
                        section,
                        task_line,
                        table_line,
                        callout_line,
                    )
                )
            elif kind == "vk_tag":
                emit("#" + child.content)
                tags.append(child.content)
                self.out.tags.append(
                    Tag(child.content, line_at(cmeta.get("pos")), "inline", section)
                )
            elif kind == "vk_comment":
                line = line_at(cmeta.get("pos"))
                end = line + child.content.count("\n")
                self.out.hidden.append(Span(line, end, "comment"))
                if not cmeta.get("closed", True):
                    self.out.diagnostics.append(
                        Diagnostic(
                            line,
                            "comment-unterminated",
                            "this %% comment is not closed before the paragraph ends; "
                            "add a closing %%",
                        )
                    )
                # Lines inside a multi-line inline comment still advance the line count.
                for _ in range(child.content.count("\n")):
                    line_break()
            elif kind in ("math_inline", "math_inline_double"):
                line = line_at(cmeta.get("pos"))
                self.out.hidden.append(Span(line, line + child.content.count("\n"), "math"))
                emit("$" + child.content + "$")
            elif kind == "vk_highlight_open":
                highlight_start = (len(parts), line_at(cmeta.get("pos")))
            elif kind == "vk_highlight_close":
                start_index, line = highlight_start
                text = "".join(parts[start_index:])
                self.out.highlights.append(Highlight(line, text.strip(), section))
            elif kind == "vk_field_open":
                field_stack.append(child)
                emit(f"[{cmeta.get('key', '')}:: ")
            elif kind == "vk_field_close":
                if field_stack:
                    opener_field = field_stack.pop()
                    fmeta = opener_field.meta or {}
                    emit("]")
                    self.out.inline_fields.append(
                        InlineField(
                            line_at(fmeta.get("pos")),
                            str(fmeta.get("key", "")),
                            str(fmeta.get("value", "")),
                            True,
                            section,
                        )
                    )
            elif kind == "s_open" or kind == "s_close":
                emit("~~", strike_only=True)
            elif kind == "html_inline":
                if child.content.lower().replace(" ", "") in ("<br>", "<br/>"):
                    # A line break inside a table cell, not a new source line.
                    parts.append("\n")
                    struck.append("\n")
            elif kind == "footnote_ref":
                continue
        return _InlineResult("".join(parts).split("\n"), "".join(struck).split("\n"), links, tags)

    def markdown_link(
        self,
        opener: Token,
        text: str,
        content: str,
        line_at: object,
        section: Section,
        task_line: int | None,
        table_line: int | None,
        callout_line: int | None,
    ) -> Link:
        assert callable(line_at)
        meta = opener.meta or {}
        href = str(opener.attrs.get("href", ""))
        raw = content[meta["pos"] : meta["end"]] if "pos" in meta and "end" in meta else href
        is_auto = opener.markup in ("autolink", "linkify")
        if is_auto:
            kind = LinkKind.URL
            target, fragment = href, None
        elif _SCHEME.match(href):
            kind = LinkKind.EXTERNAL
            target, fragment = href, None
        else:
            kind = LinkKind.MARKDOWN
            path, _, frag = href.partition("#")
            target = unquote(path)
            fragment = unquote(frag) if frag else None
        return Link(
            kind=kind,
            target=target,
            fragment=fragment,
            display=text if not is_auto else None,
            line=line_at(meta.get("pos")),
            section=section,
            raw=raw,
            task_line=task_line,
            table_line=table_line,
            callout_line=callout_line,
        )

    def image_link(
        self,
        child: Token,
        src: str,
        alt: str,
        content: str,
        line_at: object,
        section: Section,
        task_line: int | None,
        table_line: int | None,
        callout_line: int | None,
    ) -> Link:
        assert callable(line_at)
        meta = child.meta or {}
        raw = content[meta["pos"] : meta["end"]] if "pos" in meta and "end" in meta else src
        if _SCHEME.match(src):
            kind, target, fragment = LinkKind.EXTERNAL, src, None
        else:
            path, _, frag = src.partition("#")
            kind, target, fragment = LinkKind.EMBED, unquote(path), (unquote(frag) or None)
        return Link(
            kind=kind,
            target=target,
            fragment=fragment,
            display=alt or None,
            line=line_at(meta.get("pos")),
            section=section,
            raw=raw,
            embed=True,
            task_line=task_line,
            table_line=table_line,
            callout_line=callout_line,
        )


def _collect_resources(links: list[Link], tasks: list[Task]) -> list[Resource]:
    status_by_line = {task.line: task.status for task in tasks}
    grouped: dict[str, list[tuple[Link, Mention]]] = {}
    for link in links:
        if link.embed or link.kind not in (LinkKind.EXTERNAL, LinkKind.URL):
            continue
        parts = urlsplit(link.target)
        if parts.scheme.lower() not in ("http", "https"):
            continue
        mention = Mention(
            line=link.line,
            section=link.section,
            text=link.display or "",
            task_status=status_by_line.get(link.task_line) if link.task_line else None,
            task_line=link.task_line,
        )
        grouped.setdefault(link.target, []).append((link, mention))
    resources = []
    for url, entries in grouped.items():
        text = next((m.text for _, m in entries if m.text), url)
        domain = (urlsplit(url).hostname or "").removeprefix("www.")
        resources.append(Resource(url, domain, text, tuple(m for _, m in entries)))
    return resources


def extract(tokens: list[Token], line_offset: int, total_lines: int, body: str) -> Extracted:
    """Walk the tokens of a note ``body`` whose first line is ``line_offset`` (0-based)."""
    return _Walker(tokens, line_offset, total_lines, body).walk()
