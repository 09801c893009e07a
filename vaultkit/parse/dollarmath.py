"""Math: ``$inline$``, ``$$inline$$`` and ``$$`` blocks (mdit-py-plugins' dollarmath).

Math is read only to be excluded: nothing inside is a link, tag or task, and each span is
recorded as hidden. Options follow Obsidian: no space after the opening ``$`` and no digit
after the closing one (so ``$5 and $10`` stays text), no blank lines in a block.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from vaultkit.model import Span
from vaultkit.parse.state import InlineText, Syntax, Walk


def math_plugin(md: MarkdownIt) -> None:
    dollarmath_plugin(
        md,
        allow_space=False,
        allow_digits=False,
        allow_labels=False,
        allow_blank_lines=False,
        double_inline=True,
    )


def _collect_block(walk: Walk, token: Token) -> None:
    if token.map is not None:
        walk.out.hidden.append(
            Span(walk.line_of(token.map[0]), walk.line_of(token.map[1] - 1), "math")
        )


def _collect_inline(text: InlineText, token: Token) -> None:
    line = text.line_at((token.meta or {}).get("pos"))
    text.out.hidden.append(Span(line, line + token.content.count("\n"), "math"))
    text.emit("$" + token.content + "$")


SYNTAX = Syntax(
    "dollarmath",
    plugin=math_plugin,
    tracked=("math_inline",),
    triggers={"math_inline": (r"\$",)},
    starts={"math_inline": "$"},
    block_starts={"math_block": "$"},
    block={"math_block": _collect_block},
    inline={"math_inline": _collect_inline, "math_inline_double": _collect_inline},
)
