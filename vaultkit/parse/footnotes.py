"""Footnotes ``[^1]``, ``[^1]: text`` and inline footnotes ``^[text]`` (mdit-py-plugins' plugin).

A reference is neither a link nor text. A definition's paragraphs are read where they stand,
like any other (``move_to_end=False``). An inline footnote's text is parsed by the plugin
into tokens of its own, kept aside in the parser's ``env``; vaultkit's wrapper of the
plugin's rule hangs them on the ``footnote_ref`` token as its children, their offsets moved
to the paragraph's, and the collector walks them: the links, tags and fields inside
``^[text with [[Link]]]`` are the note's, on their own lines, as Obsidian reads them
(its help, Advanced formatting syntax: inline footnotes ``^[…]`` hold any inline markdown).
Their text does not join the text around them (a task's or a heading's): Obsidian shows it
at the foot of the note.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from vaultkit.parse.state import InlineText, Syntax

InlineRule = Callable[[StateInline, bool], bool]

_INLINE_RULE = "footnote_inline"
_OPENER = len("^[")


def _shift(tokens: list[Token], offset: int) -> None:
    """Move the ``meta["pos"]``/``meta["end"]`` offsets of ``tokens`` (nested ones too)."""
    for token in tokens:
        meta = token.meta
        if meta:
            for name in ("pos", "end"):
                if isinstance(meta.get(name), int):
                    meta[name] += offset
        if token.children:
            _shift(token.children, offset)


def _with_children(rule: InlineRule) -> InlineRule:
    def footnote_inline(state: StateInline, silent: bool) -> bool:
        start = state.pos
        pushed = len(state.tokens)
        if not rule(state, silent):
            return False
        if silent or len(state.tokens) <= pushed:
            return True
        ref = state.tokens[-1]
        if ref.type == "footnote_ref" and ref.meta and "id" in ref.meta:
            footnotes = state.env.get("footnotes", {}).get("list", {})
            inner: list[Token] = footnotes.get(ref.meta["id"], {}).get("tokens", [])
            # The plugin parsed the footnote's text on its own: its offsets count from there.
            _shift(inner, start + _OPENER)
            ref.children = inner
            ref.meta = {**ref.meta, "pos": start, "end": state.pos}
        return True

    return footnote_inline


def footnotes_plugin(md: MarkdownIt) -> None:
    footnote_plugin(md, move_to_end=False)
    index = md.inline.ruler.__find__(_INLINE_RULE)
    entry = md.inline.ruler.__rules__[index]
    md.inline.ruler.at(_INLINE_RULE, _with_children(entry.fn))


def _collect_ref(text: InlineText, token: Token) -> None:
    if not token.children:
        return  # "[^1]": its definition is read where it stands
    parts, struck = len(text.parts), len(text.struck)
    text.walk(token.children)
    # Keep the footnote's line breaks (they are source lines), not its text.
    text.parts[parts:] = [part for part in text.parts[parts:] if part == "\n"]
    text.struck[struck:] = [part for part in text.struck[struck:] if part == "\n"]


SYNTAX = Syntax(
    "footnotes",
    plugin=footnotes_plugin,
    tracked=("footnote_ref",),
    triggers={"footnote_inline": (r"\^\[",), "footnote_ref": (r"\[\^",)},
    starts={"footnote_inline": "^", "footnote_ref": "["},
    block_starts={"footnote_def": "["},
    inline={"footnote_ref": _collect_ref},
)
