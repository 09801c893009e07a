"""The markdown-it parser vaultkit uses: CommonMark + GFM tables and strikethrough,
bare URLs, footnotes, ``$math$``, plus vaultkit's rules for Obsidian syntax.

markdown-it gives source lines only to block tokens. Inline tokens from vaultkit's rules
carry their offset in ``meta["pos"]``; for markdown-it's own link, image and autolink
rules, thin wrappers add the same, so the extractor can turn any inline token into a
source line without re-scanning text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from vaultkit.parse.blocks import blocks_plugin
from vaultkit.parse.comments import comments_plugin
from vaultkit.parse.highlights import highlights_plugin
from vaultkit.parse.inline_fields import inline_fields_plugin
from vaultkit.parse.tags import tags_plugin
from vaultkit.parse.urls import urls_plugin
from vaultkit.parse.wikilinks import wikilinks_plugin

MAX_NESTING = 64
"""Deeper blocks (``>>>>…``, lists in lists) are not parsed; a diagnostic says so."""

InlineRule = Callable[[StateInline, bool], bool]


def _with_position(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        if silent:
            return rule(state, silent)
        start = state.pos
        first_new = len(state.tokens)
        matched = rule(state, silent)
        if matched:
            end = state.pos
            for token in state.tokens[first_new:]:
                # Pending plain text is flushed by the rule's first push; it is not ours.
                if token.type != "text" and (token.meta is None or "pos" not in token.meta):
                    token.meta = {**(token.meta or {}), "pos": start, "end": end}
        return matched

    return wrapped


def _track_positions(md: MarkdownIt, names: tuple[str, ...]) -> None:
    for name in names:
        try:
            index = md.inline.ruler.__find__(name)
        except (KeyError, ValueError):
            continue
        if index < 0:
            continue
        entry = md.inline.ruler.__rules__[index]
        entry.fn = _with_position(entry.fn)
    md.inline.ruler.__compile__()


@cache
def build_parser() -> MarkdownIt:
    """The shared, configured parser (building one costs more than parsing a note)."""
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING, "html": True})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin, move_to_end=False)
    md.use(
        dollarmath_plugin,
        allow_space=False,
        allow_digits=False,
        allow_labels=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.use(comments_plugin)
    md.use(wikilinks_plugin)
    md.use(tags_plugin)
    md.use(highlights_plugin)
    md.use(inline_fields_plugin)
    md.use(blocks_plugin)
    md.use(urls_plugin)
    _track_positions(
        md,
        (
            "link",
            "image",
            "autolink",
            "math_inline",
            "footnote_ref",
        ),
    )
    return md
