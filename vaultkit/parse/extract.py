"""Walking markdown-it's token stream once and building the note's elements.

The walk hands each block token to the collector registered for its type
(:data:`~vaultkit.parse.registry.BLOCK_COLLECTORS`). An inline token is the walk's own: its
children go to :data:`~vaultkit.parse.registry.INLINE_COLLECTORS` one by one, and the finished
text to the container's :data:`~vaultkit.parse.registry.TEXT_COLLECTORS` (heading, table cell,
paragraph). Token types nobody registered are skipped. Before the walk, vaultkit's own regions
are found, and nothing in them is read.
"""

from __future__ import annotations

from typing import Final

from markdown_it.token import Token

from vaultkit.model import Diagnostic, Severity, Span
from vaultkit.parse.markdown import MAX_NESTING
from vaultkit.parse.regions import find_regions
from vaultkit.parse.registry import (
    BLOCK_COLLECTORS,
    INLINE_COLLECTORS,
    TEXT_COLLECTORS,
    one_per_type,
)
from vaultkit.parse.state import (
    BlockCollector,
    Extracted,
    InlineBlock,
    InlineText,
    Place,
    Walk,
    close_container,
    open_container,
)

__all__ = ["extract"]


def _collect_inline(walk: Walk, token: Token) -> None:
    """An inline token: its children through the inline table, then the container's text."""
    container = walk.container
    if container is None or (container.map is None and token.map is None):
        return
    block_map = token.map or container.map
    assert block_map is not None
    first_line = walk.line_of(block_map[0])
    last_line = walk.line_of(block_map[1] - 1)
    walk.last_line = max(walk.last_line, last_line)
    if walk.hidden_line(first_line):
        return
    task_index = walk.current_task()
    callout = walk.current_callout()
    place = Place(
        section=walk.section(),
        task_line=walk.out.tasks[task_index].line if task_index is not None else None,
        # Inside a table, every container is a cell.
        table_line=walk.table.line if walk.table is not None else None,
        callout_line=callout.line if callout else None,
    )
    text = InlineText(walk.out, place, token.content, first_line, INLINE_COLLECTORS)
    text.walk(token.children or [])
    block = InlineBlock(
        token=token,
        container=container,
        first_line=first_line,
        last_line=last_line,
        lines="".join(text.parts).split("\n"),
        struck_lines="".join(text.struck).split("\n"),
        links=text.links,
        tags=text.tags,
        task_index=task_index,
        callout=callout,
    )
    for collect in TEXT_COLLECTORS.get(container.type, ()):
        collect(walk, block)


_DISPATCH: Final[dict[str, BlockCollector]] = one_per_type(
    (
        {
            "inline": _collect_inline,
            "paragraph_open": open_container,
            "paragraph_close": close_container,
        },
        BLOCK_COLLECTORS,
    )
)
"""Block token type -> collector: the walk's own (inline content, paragraphs) and the elements'."""


def _hide_regions(walk: Walk, tokens: list[Token], body: str) -> None:
    """Hide vaultkit's regions (the grammar and the pairing are :mod:`vaultkit.markers`'s;
    which lines are markers, :mod:`vaultkit.parse.regions`'s, shared with the write-back)."""
    regions, problems = find_regions(tokens, body, walk.offset)
    for region in regions:
        walk.region_starts.append(region.begin)
        walk.region_ranges.append((region.begin, region.end))
        walk.out.hidden.append(Span(region.begin, region.end, "region", region.name))
    walk.out.diagnostics.extend(
        Diagnostic(problem.line, problem.code, problem.message, Severity.ERROR)
        for problem in problems
    )


def extract(tokens: list[Token], line_offset: int, body: str) -> Extracted:
    """Walk the tokens of a note ``body`` whose first line is ``line_offset`` (0-based)."""
    walk = Walk(line_offset)
    _hide_regions(walk, tokens, body)
    dispatch = _DISPATCH
    deepest = 0
    deepest_line = 1
    for token in tokens:
        if token.level > deepest and token.map is not None:
            deepest = token.level
            deepest_line = walk.line_of(token.map[0])
        collector = dispatch.get(token.type)
        if collector is not None:
            collector(walk, token)
    if deepest >= MAX_NESTING - 2:
        walk.out.diagnostics.append(
            Diagnostic(
                deepest_line,
                "nesting-too-deep",
                f"lists or quotes nest deeper than {MAX_NESTING} levels here; "
                "what lies deeper is not read",
            )
        )
    return walk.out
