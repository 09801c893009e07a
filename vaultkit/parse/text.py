"""Plain text: text, line breaks, strikethrough markers and ``<br>``.

What the other elements' collectors read as a heading's, a cell's or a task's text, and the
note's word count. ``~~`` is kept only in the struck text, which tells a task that is struck
through from end to end; ``<br>`` breaks the text (in a table cell) without starting a source
line.
"""

from __future__ import annotations

from markdown_it.token import Token

from vaultkit.parse.state import InlineText, Syntax


def _collect_text(text: InlineText, token: Token) -> None:
    text.emit(token.content)
    text.out.word_count += len(token.content.split())


def _collect_break(text: InlineText, token: Token) -> None:
    text.line_break()


def _collect_strike(text: InlineText, token: Token) -> None:
    text.emit_struck("~~")


def is_break_tag(token: Token) -> bool:
    """Whether an inline token is a ``<br>`` tag (``<br/>``, ``<BR />``…)."""
    return token.type == "html_inline" and token.content.lower().replace(" ", "") in (
        "<br>",
        "<br/>",
    )


def _collect_html(text: InlineText, token: Token) -> None:
    if is_break_tag(token):
        text.text_break()


SYNTAX = Syntax(
    "text",
    inline={
        "text": _collect_text,
        "softbreak": _collect_break,
        "hardbreak": _collect_break,
        "s_open": _collect_strike,
        "s_close": _collect_strike,
        "html_inline": _collect_html,
    },
)
