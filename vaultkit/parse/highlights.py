"""Highlights ``==text==`` (Obsidian), emitted as open/close tokens around inline content.

The collectors record the plain text between the two tokens as a
:class:`~vaultkit.model.Highlight`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from vaultkit.model import Highlight
from vaultkit.parse.inline_search import find_forward
from vaultkit.parse.state import InlineText, Syntax


def _highlight(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    if not src.startswith("==", pos) or src.startswith("===", pos):
        return False
    if state.level >= state.md.options.get("maxNesting", 20):
        return False
    start = pos + 2
    close = find_forward(state, "==", start)
    if close == -1 or close == start or src[start].isspace() or src[close - 1].isspace():
        return False
    if src.count("`", start, close) % 2:
        return False  # the closing '==' sits inside a code span
    if silent:
        state.pos = close + 2
        return True
    opener = state.push("vk_highlight_open", "mark", 1)
    opener.meta = {"pos": pos}
    old_max = state.posMax
    state.pos = start
    state.posMax = close
    state.md.inline.tokenize(state)
    state.pos = close + 2
    state.posMax = old_max
    state.push("vk_highlight_close", "mark", -1)
    return True


def highlights_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("emphasis", "vk_highlight", _highlight)


def _collect_open(text: InlineText, token: Token) -> None:
    text.open("highlight", token)


def _collect_close(text: InlineText, token: Token) -> None:
    opened = text.close("highlight")
    if opened is None:
        return
    opener, inside = opened
    line = text.line_at((opener.meta or {}).get("pos"))
    text.out.highlights.append(Highlight(line, inside.strip(), text.place.section))


SYNTAX = Syntax(
    "highlights",
    plugin=highlights_plugin,
    triggers={"vk_highlight": ("==",)},
    starts={"vk_highlight": "="},
    inline={"vk_highlight_open": _collect_open, "vk_highlight_close": _collect_close},
)
