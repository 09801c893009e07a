"""vaultkit's own marker lines: the one grammar of regions and generated-file headers.

A region is the text between two Obsidian comments, each alone on its line (in a callout or a
list item, the line's quote markers and indentation come first)::

    %% vaultkit:begin NAME %%
    …generated…
    %% vaultkit:end NAME HASH %%

``HASH`` (8 hex digits; absent until vaultkit first fills the region) is :func:`region_hash`
of the text vaultkit last wrote between them, so a hand edit shows from the file alone. A
whole generated file carries ``%% vaultkit:file NAME HASH %%`` as its first line (after its
front matter, if any).

This module owns what a marker line says and how markers pair up into regions; it is a leaf
(no markdown-it), so the hook can recognise a generated file cheaply. *Which* lines are
comments at all is markdown's business (a marker in a code block or an HTML block is text):
:mod:`vaultkit.parse.regions` decides that from markdown-it's tokens, for the parser and the
write-back alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from vaultkit.speedups import sha256_hex

_PREFIX = r"[ \t>]*"
_NAME = r"[^\s%]+"
_HASH = r"[0-9a-f]{8}"

_MARKER_LINE = (
    rf"({_PREFIX})%%[ \t]*vaultkit:(begin|end)[ \t]+({_NAME})(?:[ \t]+({_HASH}))?[ \t]*%%[ \t]*"
)
MARKER_LINE = re.compile(_MARKER_LINE)
"""A region marker line (``fullmatch``): prefix, kind, name, hash."""
MARKER_LINE_BYTES = re.compile(_MARKER_LINE.encode("ascii"))
"""The same, for raw bytes."""
LOOKS_LIKE_MARKER = re.compile(r"[ \t]*vaultkit:(?:begin|end)\b")
"""Comment content that means to be a region marker (``match``)."""
NAME = re.compile(_NAME)
"""What a region name may be (``fullmatch``): no whitespace, no ``%``."""

_FILE_HEADER = rf"%%[ \t]*vaultkit:file[ \t]+(.+?)[ \t]+({_HASH})[ \t]*%%[ \t]*"
FILE_HEADER = re.compile(_FILE_HEADER)
"""A generated file's header line (``fullmatch``): name, hash."""
FILE_HEADER_BYTES = re.compile(_FILE_HEADER.encode("ascii"))
"""The same, for raw bytes (the write-back and the hook read files as bytes)."""


def hash_bytes(data: bytes) -> str:
    """First 8 hex digits of the SHA-256 of ``data``, CRLF folded to LF.

    A sync tool or git converting line endings is not a hand edit.
    """
    if b"\r" in data:  # (a search, not the copy a replace makes of a big dashboard)
        data = data.replace(b"\r\n", b"\n")
    return sha256_hex(data)[:8]


def region_hash(text: str) -> str:
    """The hash an end marker carries for ``text`` (UTF-8, line endings normalised to LF)."""
    return hash_bytes(text.encode("utf-8"))


class Marker(NamedTuple):
    """One region marker line."""

    line: int
    """1-based line in the file."""
    kind: str
    """``begin`` or ``end``."""
    name: str
    hash: str | None
    """The end marker's hash, if it has one."""
    prefix: str
    """What precedes ``%%`` on the line (``> `` in a callout, indentation in a list item)."""


class Region(NamedTuple):
    """A well-formed pair of markers."""

    name: str
    begin: int
    """1-based line of the begin marker."""
    end: int
    """1-based line of the end marker."""
    prefix: str
    end_prefix: str
    stored_hash: str | None


class Problem(NamedTuple):
    """A marker that pairs with nothing, or a line that means to be a marker but is not one."""

    line: int
    code: str
    """``region-nested``, ``region-duplicate``, ``region-unbalanced`` or ``region-malformed``."""
    message: str


def read_marker(line: int, source: str) -> Marker | Problem | None:
    """What the source line of a one-line comment says: a marker, a malformed one, or neither."""
    match = MARKER_LINE.fullmatch(source)
    if match is not None:
        prefix, kind, name, stored = match.groups()
        if kind == "end" or stored is None:
            return Marker(line, kind, name, stored, prefix)
    content = source.lstrip(" \t>")[2:] if source.lstrip(" \t>").startswith("%%") else ""
    if LOOKS_LIKE_MARKER.match(content):
        return malformed(line)
    return None


def malformed(line: int) -> Problem:
    return Problem(
        line,
        "region-malformed",
        f"line {line} looks like a vaultkit marker but is not one; write "
        "'%% vaultkit:begin NAME %%' or '%% vaultkit:end NAME %%' alone on the line",
    )


def pair(lines: Iterable[Marker | Problem]) -> tuple[list[Region], list[Problem]]:
    """Pair markers into regions; what does not pair is a problem.

    ``lines`` are the marker lines in line order, and the malformed ones as problems (kept in
    their place, so that problems come out in the order a reader meets them). A begin inside
    an open region is ignored (regions cannot nest); a name used twice is a problem, but both
    pairs are regions (so that neither one's content is read as notes).
    """
    regions: list[Region] = []
    problems: list[Problem] = []
    first_begin: dict[str, int] = {}
    open_marker: Marker | None = None
    for marker in lines:
        if isinstance(marker, Problem):
            problems.append(marker)
        elif marker.kind == "begin":
            if open_marker is not None:
                problems.append(_nested(marker, open_marker))
                continue
            if marker.name in first_begin:
                problems.append(_duplicate(marker, first_begin[marker.name]))
            first_begin.setdefault(marker.name, marker.line)
            open_marker = marker
        elif open_marker is None or open_marker.name != marker.name:
            problems.append(_unmatched_end(marker, open_marker))
        else:
            regions.append(
                Region(
                    marker.name,
                    open_marker.line,
                    marker.line,
                    open_marker.prefix,
                    marker.prefix,
                    marker.hash,
                )
            )
            open_marker = None
    if open_marker is not None:
        problems.append(_never_ended(open_marker))
    return regions, problems


def _nested(marker: Marker, open_marker: Marker) -> Problem:
    return Problem(
        marker.line,
        "region-nested",
        f"region '{marker.name}' begins on line {marker.line} inside region "
        f"'{open_marker.name}' (begun on line {open_marker.line}); regions "
        "cannot nest, so move one of them",
    )


def _duplicate(marker: Marker, first_line: int) -> Problem:
    return Problem(
        marker.line,
        "region-duplicate",
        f"region '{marker.name}' appears twice (lines "
        f"{first_line} and {marker.line}); delete one pair of "
        "markers",
    )


def _unmatched_end(marker: Marker, open_marker: Marker | None) -> Problem:
    after = (
        ""
        if open_marker is None
        else f" (region '{open_marker.name}' is open since line {open_marker.line})"
    )
    return Problem(
        marker.line,
        "region-unbalanced",
        f"the end marker of region '{marker.name}' on line {marker.line} has no "
        f"matching begin marker before it{after}; fix or delete it",
    )


def _never_ended(open_marker: Marker) -> Problem:
    return Problem(
        open_marker.line,
        "region-unbalanced",
        f"region '{open_marker.name}' begun on line {open_marker.line} has no end "
        "marker (or a code fence inside it is never closed); add "
        f"'%% vaultkit:end {open_marker.name} %%' where it should end",
    )
