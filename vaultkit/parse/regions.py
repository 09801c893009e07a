"""Where a note's vaultkit regions are, as markdown reads it: for the parser and the write-back.

A marker is a ``%% … %%`` comment block alone on its line (the ``vk_comment`` token of
:mod:`vaultkit.parse.comments`) whose line follows :data:`vaultkit.markers.MARKER_LINE`. A
marker-like line inside a fenced or indented code block, an HTML block or a paragraph is text,
as it is to Obsidian. :func:`vaultkit.parse.note.parse_note` (from the tokens it already has)
and the write-back (through :func:`scan`) both come here, so they find the same regions in every
note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from vaultkit.markers import (
    FILE_HEADER,
    LOOKS_LIKE_MARKER,
    Marker,
    Problem,
    Region,
    malformed,
    pair,
    read_marker,
)

if TYPE_CHECKING:
    from markdown_it.token import Token

MAX_NOTE_BYTES = 8 * 1024 * 1024
"""Notes larger than this have only their properties read (a diagnostic says so): no regions."""


def body_of(text: str, body_start: int) -> str:
    """The note's text after its front matter (which ends before line ``body_start``)."""
    if not body_start:
        return text
    return text.split("\n", body_start)[-1] if text.count("\n") >= body_start else ""


def generated_name(body: str) -> str | None:
    """The name in a generated file's header, if the body's first line is one."""
    match = FILE_HEADER.fullmatch(body.split("\n", 1)[0])
    return None if match is None else match[1]


def markers_in(
    tokens: Sequence[Token], lines: Sequence[str], line_offset: int
) -> list[Marker | Problem]:
    """The marker lines among a body's block tokens, in line order, and the malformed ones as
    problems; ``line_offset`` = the body's first line (0-based) in the file."""
    found: list[Marker | Problem] = []
    for token in tokens:
        if token.type != "vk_comment" or token.map is None:
            continue
        first, last = token.map
        line = first + line_offset + 1
        if last - first != 1 or first >= len(lines):
            if LOOKS_LIKE_MARKER.match(token.content.lstrip()):
                found.append(malformed(line))
            continue
        marker = read_marker(line, lines[first])
        if marker is not None:
            found.append(marker)
    return found


def find_regions(
    tokens: Sequence[Token], body: str, line_offset: int
) -> tuple[list[Region], list[Problem]]:
    """The regions of a body from its markdown-it tokens, and every marker problem."""
    return pair(markers_in(tokens, body.split("\n"), line_offset))


def scan(data: bytes) -> tuple[list[Region], list[Problem]]:
    """The regions of a note's raw bytes, exactly as :func:`~vaultkit.parse.note.parse_note` finds
    them.

    Lines are counted as the parser counts them (after a BOM; CRLF, CR and LF each end one).
    A binary file, a note too large to parse and a generated file have no regions.
    """
    # Imported here, not above: the write-back imports this module to plan every sync, and
    # a sync that finds no region note to read (the stamp withheld, nothing changed) should
    # not pay for markdown-it, every syntax element's rules and YAML.
    from vaultkit.parse.decode import decode_note
    from vaultkit.parse.frontmatter import split_front_matter
    from vaultkit.parse.markdown import build_parser

    decoded = decode_note(data)
    if decoded.is_binary or len(data) > MAX_NOTE_BYTES:
        return [], []
    _, body_start, _ = split_front_matter(decoded.text)
    body = body_of(decoded.text, body_start)
    if generated_name(body) is not None:
        return [], []
    tokens: list[Token] = []
    md = build_parser()
    try:
        md.block.parse(body, md, {}, tokens)
    except RecursionError:
        return [], []  # too deep for the parser, which then reads only the properties
    return find_regions(tokens, body, body_start)
