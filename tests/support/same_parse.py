"""Parsing a note with vaultkit's parser and with markdown-it's own passes, side by side.

With :data:`vaultkit.parse.markdown.LAZY_INLINE` off, the parser keeps markdown-it's own block
and inline loops and parses every inline token in full: the reference the lazy, dispatching
parser must equal token for token (:mod:`vaultkit.parse.plain_inline`,
:mod:`vaultkit.parse.rule_starts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vaultkit.parse import markdown
from vaultkit.parse.markdown import build_parser
from vaultkit.parse.note import parse_note


@contextmanager
def full_inline_parse() -> Iterator[None]:
    markdown.LAZY_INLINE = False
    try:
        yield
    finally:
        markdown.LAZY_INLINE = True


def assert_same_parse(data: bytes, path: str) -> None:
    """The note and the token stream of ``data`` are the same from both parsers."""
    text = data.decode("utf-8", "replace")
    lazy, lazy_tokens = parse_note(data, path), build_parser().parse(text)
    with full_inline_parse():
        full, full_tokens = parse_note(data, path), build_parser().parse(text)
    assert lazy == full, path
    assert lazy_tokens == full_tokens, path
