"""Code: fenced and indented blocks and inline code spans.

markdown-it's own rules find them, and nothing inside is read for links, tags or tasks. A code
span's text joins the plain text; a fence that is never closed gets a diagnostic, because it
turns the rest of the note into code.
"""

from __future__ import annotations

from markdown_it.token import Token

from vaultkit.model import Diagnostic
from vaultkit.parse.state import InlineText, Syntax, Walk


def _collect_fence(walk: Walk, token: Token) -> None:
    if token.map is None:
        return
    start, end = token.map
    # markdown-it runs an unclosed fence to the end of its container: then the span
    # holds only the opening line besides the content.
    if end - start - token.content.count("\n") < 2:
        walk.out.diagnostics.append(
            Diagnostic(
                walk.line_of(start),
                "fence-unterminated",
                f"the code block opened with {token.markup} is never closed, so the "
                "rest of the note is code; add a closing fence",
            )
        )


def _collect_span(text: InlineText, token: Token) -> None:
    text.emit(token.content)


SYNTAX = Syntax("code", block={"fence": _collect_fence}, inline={"code_inline": _collect_span})
