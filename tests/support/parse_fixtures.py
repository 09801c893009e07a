"""The parser's fixture files, ``tests/fixtures/parse/<element>.md``, and their notes' bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parse"
ESCAPED = frozenset({"decode"})
"""Fixture files whose inputs are bytes written with Python escapes (``\\r``, ``\\xff``): CRLF,
a BOM, invalid UTF-8 and binary data cannot be written as text. Their line breaks are the
file's, not the input's: an input says ``\\n`` where it has one."""


def note_bytes(element: str, text: str) -> bytes:
    """A case's input as the bytes to parse."""
    if element not in ESCAPED:
        return text.encode("utf-8")
    joined = "".join(line.rstrip("\n") for line in text.splitlines(keepends=True))
    data: bytes = codecs.escape_decode(joined.encode("utf-8"))[0]
    return data
