"""The markdown-it parser vaultkit uses: CommonMark + GFM tables and strikethrough,
plus every syntax element's rules (:data:`vaultkit.parse.registry.ELEMENTS`): bare URLs,
footnotes, ``$math$``, and vaultkit's rules for Obsidian syntax.

markdown-it gives source lines only to block tokens. Inline tokens from vaultkit's rules
carry their offset in ``meta["pos"]``; for markdown-it's own rules that an element names as
``tracked`` (links, images, autolinks, inline math, footnote references), thin wrappers add
the same, so the extractor can turn any inline token into a source line without re-scanning
text.

Inline tokens in which no inline rule can match skip the rule chain
(:mod:`vaultkit.parse.plain_inline`), and both passes ask only the rules that can start where
they are (:mod:`vaultkit.parse.rule_starts`): every rule declares its triggers and its starts,
markdown-it's own in :data:`MARKDOWN_IT_TRIGGERS`, :data:`MARKDOWN_IT_STARTS` and
:data:`MARKDOWN_IT_BLOCK_STARTS`, the elements' in their ``Syntax``.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from vaultkit.parse import plain_inline, rule_starts
from vaultkit.parse.registry import ELEMENTS
from vaultkit.parse.rule_starts import InlineRule

MAX_NESTING = 64
"""Deeper blocks (``>>>>…``, lists in lists) are not parsed; a diagnostic says so."""

MARKDOWN_IT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "escape": (r"\\",),
    "backticks": ("`",),
    # The pair rules match their markers whether or not they pair up later.
    "strikethrough": ("~",),
    "emphasis": (r"[*_]",),
    "link": (r"\[",),
    "image": (r"!\[",),
    "autolink": ("<",),
    "html_inline": ("<",),
    # Only "&name;" and "&#…;" match, but a bare "&" is rare enough to leave to the chain.
    "entity": ("&",),
}
"""markdown-it's own inline rules -> what an inline token must contain for them to match."""

MARKDOWN_IT_STARTS: dict[str, str] = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}
"""markdown-it's own inline rules -> the characters their match can begin with (each rule's
first check; :mod:`vaultkit.parse.rule_starts`)."""

MARKDOWN_IT_BLOCK_STARTS: dict[str, str] = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
"""markdown-it's own block rules -> the characters a line's text (after its indentation) can
begin with for them to match; ``table``, ``code``, ``lheading`` and ``paragraph`` can match at
any line (:data:`vaultkit.parse.rule_starts.BLOCK_EVERYWHERE`)."""


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


LAZY_INLINE = True
"""False: :func:`build_parser` gives the parser that runs the inline rule chain over every
inline token, the reference the lazy parse is tested against (only tests/parse/test_plain_inline.py
and tests/fuzz/fuzz_lazy_inline.py turn it off)."""


def build_parser() -> MarkdownIt:
    """The shared, configured parser (building one costs more than parsing a note)."""
    return _parser(lazy_inline=LAZY_INLINE)


@cache
def _parser(*, lazy_inline: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING, "html": True})
    md.enable(["table", "strikethrough"])
    for element in ELEMENTS:
        if element.plugin is not None:
            md.use(element.plugin)
    _track_positions(md, tuple(name for element in ELEMENTS for name in element.tracked))
    if lazy_inline:
        triggers = dict(MARKDOWN_IT_TRIGGERS)
        for element in ELEMENTS:
            triggers.update(element.triggers)
        plain_inline.install(md, triggers)
        starts, block_starts = dict(MARKDOWN_IT_STARTS), dict(MARKDOWN_IT_BLOCK_STARTS)
        for element in ELEMENTS:
            starts.update(element.starts)
            block_starts.update(element.block_starts)
        rule_starts.install(md, starts, block_starts)
    return md
