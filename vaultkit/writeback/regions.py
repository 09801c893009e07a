"""Named regions inside a note, at the byte level: finding them and splicing text into them.

A region lies between a ``%% vaultkit:begin NAME %%`` and a ``%% vaultkit:end NAME HASH %%``
line (the grammar and the hash: :mod:`vaultkit.markers`). :func:`splice_regions` replaces only
what lies between the markers, and the hash in the end marker reveals hand edits from the file
alone. The write-back finds exactly the regions the parser finds
(:func:`vaultkit.parse.regions.scan`), so a marker pair in a code block is no region to either.

Everything works on bytes rather than decoded text, so a note with a BOM, CRLF or mixed line
endings, Unicode line separators or even bytes that are not valid UTF-8 comes back
byte-identical outside its regions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from vaultkit import markers
from vaultkit.parse import regions as parsed_regions

BOM = b"\xef\xbb\xbf"


class WriteStatus(StrEnum):
    """What happened (or would happen) to one file or region."""

    UNCHANGED = "unchanged"
    WRITTEN = "written"
    CONFLICT = "conflict"
    ERROR = "error"
    CREATED = "created"
    DEFERRED = "deferred"
    """Not written yet: the note is being edited (design 8.10); written once it is quiet."""


class RegionContent(NamedTuple):
    """Generated text for one named region of a note."""

    name: str
    """The region's name as written in its markers (no whitespace, no ``%``)."""
    text: str
    """Generated markdown, ``\\n`` line endings, no markers."""


Outcome = tuple[WriteStatus, str, int | None]
"""One region's (status, message, line of its begin marker)."""


# -- hashes and text normalisation ---------------------------------------------------------


_CRS_BEFORE_LF = re.compile(r"\r+\n|\r")
region_hash = markers.region_hash


def normalise_region_text(text: str) -> str:
    """The text exactly as it reads back between markers: LF endings and a final newline.

    The end marker sits on its own line, so a region's text always ends with a newline.
    """
    if text and not text.endswith("\n"):
        text += "\n"
    return to_lf(text)


def to_lf(text: str) -> str:
    """``text`` with every line ending (CRLF, CR) written LF."""
    # A CR is a line end of its own (as to Obsidian and markdown), and every CR just before a
    # line end goes with it: on disk it would read back as part of a CRLF, and the text would
    # no longer match its hash. Most text has no CR at all: a dashboard can be a megabyte.
    return _CRS_BEFORE_LF.sub("\n", text) if "\r" in text else text


# -- lines and fences --------------------------------------------------------------------------


class Line(NamedTuple):
    """One line of a note's bytes and its ending."""

    content: bytes
    """The line without its ending."""
    eol: bytes
    """``\\r\\n``, ``\\n``, or empty for a last line without final newline."""


_LINE_END = re.compile(rb"\r\n|\r|\n")


def split_lines(body: bytes) -> list[Line]:
    """The lines of ``body`` (without a BOM), each with its own ending."""
    # CRLF, CR and LF each end a line, as they do for Obsidian (CodeMirror) and markdown-it,
    # so that these lines are the parser's (vaultkit.parse.regions counts the same way).
    lines: list[Line] = []
    start = 0
    for end in _LINE_END.finditer(body):
        lines.append(Line(body[start : end.start()], end[0]))
        start = end.end()
    if start < len(body):
        lines.append(Line(body[start:], b""))
    return lines


def first_line(body: bytes) -> Line | None:
    """The first of :func:`split_lines`' lines (None for no bytes), without splitting the rest:
    a generated dashboard can be a megabyte."""
    end = _LINE_END.search(body)
    if end is None:
        return Line(body, b"") if body else None
    return Line(body[: end.start()], end[0])


def eol_style_of(body: bytes, fallback: bytes) -> bytes:
    """:func:`eol_style` of ``body``'s lines, counted without splitting it: every LF ends a
    line, alone or after a CR."""
    if b"\r" not in body:  # the common case, one search instead of two counts
        return _majority(0, 1, fallback) if b"\n" in body else _majority(0, 0, fallback)
    crlf = body.count(b"\r\n")
    return _majority(crlf, body.count(b"\n") - crlf, fallback)


def eol_style(lines: Sequence[Line], fallback: bytes) -> bytes:
    """The file's line-ending style: the majority of its endings (``fallback`` on a tie)."""
    crlf = sum(1 for line in lines if line.eol == b"\r\n")
    lf = sum(1 for line in lines if line.eol == b"\n")
    return _majority(crlf, lf, fallback)


def _majority(crlf: int, lf: int, fallback: bytes) -> bytes:
    """The ending more lines have (``fallback``, else LF, on a tie)."""
    if crlf != lf:
        return b"\r\n" if crlf > lf else b"\n"
    return fallback or b"\n"


# -- markers ---------------------------------------------------------------------------------


class Region(NamedTuple):
    """A well-formed region of a note, by the indexes of its marker lines."""

    name: bytes
    begin: int
    """0-based index of the begin marker line."""
    end: int
    """0-based index of the end marker line."""
    prefix: bytes
    """What precedes ``%%`` on the begin line (``> `` in a callout); every content line gets it."""
    end_prefix: bytes
    stored_hash: str | None


def locate_regions(data: bytes) -> tuple[list[Region], list[tuple[str, int]]]:
    """Every well-formed region of a note (as the parser finds them, :mod:`vaultkit.parse.
    regions`), plus (message, line) for each marker problem."""
    found, problems = parsed_regions.scan(data)
    body = data[len(BOM) :] if data.startswith(BOM) else data
    lines = split_lines(body)
    regions = [
        Region(
            region.name.encode("utf-8", "surrogateescape"),
            region.begin - 1,
            region.end - 1,
            _prefix(lines, region.begin - 1),
            _prefix(lines, region.end - 1),
            region.stored_hash,
        )
        for region in found
    ]
    return regions, [(problem.message, problem.line) for problem in problems]


def _prefix(lines: Sequence[Line], index: int) -> bytes:
    match = markers.MARKER_LINE_BYTES.fullmatch(lines[index].content)
    assert match is not None, "a marker line the parser found must be one on disk"
    return match[1]


def _breaks_markers(text: bytes, prefix: bytes) -> str | None:
    """Why generated text would corrupt the markers around it, or None if it is safe.

    The text is tried between a pair of markers on its own: it is safe if that still reads
    as exactly one region holding exactly it.
    """
    begin, end = prefix + b"%% vaultkit:begin probe %%\n", prefix + b"%% vaultkit:end probe %%\n"
    probe = b"".join([begin, *_render(text, prefix, b"\n"), end])
    found, problems = parsed_regions.scan(probe)
    last = text.count(b"\n") + 2
    inside = [problem.line for problem in problems if 1 < problem.line < last]
    if inside:
        return f"its line {inside[0] - 1} is a vaultkit marker"
    if problems or len(found) != 1 or found[0].end != last:
        return (
            "it leaves a code fence open (or a comment or an HTML block), which would hide "
            "the end marker"
        )
    return None


# -- splicing --------------------------------------------------------------------------------


def _recover(lines: Sequence[Line], prefix: bytes) -> tuple[bytes, bool]:
    """The region's text without prefix, LF endings; False if some line lacks the prefix."""
    bare = prefix.rstrip()
    parts: list[bytes] = []
    clean = True
    for line in lines:
        content = line.content
        if content.startswith(prefix):
            content = content[len(prefix) :]
        elif content == bare:
            content = b""  # an empty generated line is written as the prefix without its space
        else:
            clean = False
        parts.append(content + b"\n")
    return b"".join(parts), clean


def _render(text: bytes, prefix: bytes, eol: bytes) -> list[bytes]:
    bare = prefix.rstrip()  # no trailing whitespace on empty lines ("> " becomes ">")
    return [(prefix + line if line else bare) + eol for line in text.split(b"\n")[:-1]]


def splice_regions(
    data: bytes, regions: Sequence[RegionContent], *, force: bool = False
) -> tuple[bytes | None, list[Outcome]]:
    """Return the note's new bytes (None if it must be left alone) and each region's outcome.

    Bytes outside the requested regions come back identical; when nothing changes the very
    same ``data`` is returned. Marker problems, a missing region or generated text that would
    break the markers leave the note alone (None) with ERROR outcomes. A region edited by hand
    (text not matching its hash, or text in a region whose end marker has no hash yet) is a
    CONFLICT and stays as it is unless ``force``; a blank region is always filled. Raises
    ValueError for region names that cannot be written into a marker or are requested twice
    (a caller bug, not a user problem).
    """
    wanted = _requested(regions)
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    scanned, problems = locate_regions(data)
    # The first pair of a name counts; a second is a problem reported above.
    found = {region.name: region for region in reversed(scanned)}
    if problems:
        return None, [(WriteStatus.ERROR, message, line) for message, line in problems]
    errors = _refusals(wanted, found)
    if errors:
        return None, errors

    outcomes: list[Outcome] = []
    replacements: dict[int, tuple[int, list[bytes]]] = {}  # begin index -> (end index, lines)
    for key, (name, text) in wanted.items():
        region = found[key]
        outcome, new_lines = _fill(region, name, text, lines, force=force)
        outcomes.append(outcome)
        if new_lines is not None:
            replacements[region.begin] = (region.end, new_lines)
    if not replacements:
        return data, outcomes
    new = _spliced(bom, lines, replacements)
    if new == data:
        return data, outcomes
    if _reads_differently(scanned, new):
        return None, [
            (
                WriteStatus.ERROR,
                f"vaultkit's text for region '{name}' would change how the note around it "
                "reads (a '---' line of it would close front matter opened above it, say), so "
                "the note was left alone; fix the note above the region or move the region",
                found[key].begin + 1,
            )
            for key, (name, _) in wanted.items()
            if found[key].begin in replacements
        ]
    return new, outcomes


def _reads_differently(scanned: Sequence[Region], new: bytes) -> bool:
    """Whether the spliced note no longer holds the same regions, in the same order: its
    generated text changed how the markdown around it reads (the only way it can, since text
    that would break a marker line is refused before)."""
    again, problems = locate_regions(new)
    return bool(problems) or [r.name for r in again] != [r.name for r in scanned]


def _requested(regions: Sequence[RegionContent]) -> dict[bytes, tuple[str, bytes]]:
    """Per region name (as bytes): the name and its text as it will read back."""
    wanted: dict[bytes, tuple[str, bytes]] = {}
    for request in regions:
        if not markers.NAME.fullmatch(request.name):
            raise ValueError(f"region name {request.name!r} cannot be written into a marker")
        key = request.name.encode("utf-8")
        if key in wanted:
            raise ValueError(f"region {request.name!r} requested twice")
        wanted[key] = (request.name, normalise_region_text(request.text).encode("utf-8"))
    return wanted


def _refusals(wanted: dict[bytes, tuple[str, bytes]], found: dict[bytes, Region]) -> list[Outcome]:
    """An ERROR per region that is missing or whose text would break its markers."""
    errors: list[Outcome] = []
    for key, (name, text) in wanted.items():
        if key not in found:
            errors.append(
                (
                    WriteStatus.ERROR,
                    f"no region {name} in this note; add the two marker lines where it should "
                    f"go: '%% vaultkit:begin {name} %%' and '%% vaultkit:end {name} %%'",
                    None,
                )
            )
        elif reason := _breaks_markers(text, found[key].prefix):
            errors.append(
                (
                    WriteStatus.ERROR,
                    f"the generated text for region {name} cannot be written because {reason}; "
                    "fix the template",
                    found[key].begin + 1,
                )
            )
    return errors


def _fill(
    region: Region, name: str, text: bytes, lines: Sequence[Line], *, force: bool
) -> tuple[Outcome, list[bytes] | None]:
    """One region's outcome, and the lines that replace its content and end marker (None:
    left as it is)."""
    number = region.begin + 1
    current, clean = _recover(lines[region.begin + 1 : region.end], region.prefix)
    new_hash = markers.hash_bytes(text)
    if (current == text and clean) or not current.strip():
        # Filling a blank region or rewriting identical text loses nothing of the user's,
        # whatever the hash says: emptying a region is how a user asks for a fresh fill.
        edited = False
    elif region.stored_hash is None:
        # Never filled by vaultkit, yet it holds text: the user typed it.
        edited = True
    else:
        edited = not clean or markers.hash_bytes(current) != region.stored_hash
    if edited and not force:
        conflict = (
            f"region {name} was edited by hand (its text no longer matches the hash "
            f"in its end marker on line {region.end + 1}); vaultkit left it as is, so "
            "move your text outside the markers or use --force to overwrite it"
        )
        return (WriteStatus.CONFLICT, conflict, number), None
    if current == text and region.stored_hash == new_hash:
        return (WriteStatus.UNCHANGED, "", number), None
    end_line = lines[region.end]
    marker = b"%% vaultkit:end " + region.name + b" " + new_hash.encode("ascii") + b" %%"
    eol = eol_style(lines, lines[region.begin].eol)
    new_lines = _render(text, region.prefix, eol)
    new_lines.append(region.end_prefix + marker + end_line.eol)
    message = f"region {name} was edited by hand; overwritten (--force)" if edited else ""
    return (WriteStatus.WRITTEN, message, number), new_lines


def _spliced(
    bom: bytes, lines: Sequence[Line], replacements: dict[int, tuple[int, list[bytes]]]
) -> bytes:
    """The note's bytes with each replaced region's lines in place of its old ones."""
    out: list[bytes] = [bom]
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line.content + line.eol)
        if index in replacements:
            end, new_lines = replacements[index]
            out.extend(new_lines)
            index = end
        index += 1
    return b"".join(out)


def emptied_regions(data: bytes) -> tuple[bytes | None, list[tuple[str, WriteStatus, str, int]]]:
    """The note's bytes with every region's content removed, and each region's outcome
    ``(name, status, message, line of its begin marker)``; None when nothing changes or the
    note must be left alone.

    For ``vaultkit remove-dashboards``: the marker lines stay (they are the user's own lines,
    and what lets vaultkit fill the region again), the end marker's hash goes with the content
    (the markers read as a user types them). A region edited by hand (as :func:`splice_regions`
    judges it) is a CONFLICT and kept as it is; broken markers leave the whole note alone
    (ERROR). Bytes outside the regions come back identical.
    """
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    found, problems = locate_regions(data)
    if problems:
        return None, [("", WriteStatus.ERROR, message, line) for message, line in problems]
    outcomes: list[tuple[str, WriteStatus, str, int]] = []
    replacements: dict[int, tuple[int, list[bytes]]] = {}
    for region in found:
        name = region.name.decode("utf-8", "replace")
        current, clean = _recover(lines[region.begin + 1 : region.end], region.prefix)
        number = region.begin + 1
        if current.strip() and (
            region.stored_hash is None
            or not clean
            or markers.hash_bytes(current) != region.stored_hash
        ):
            outcomes.append(
                (
                    name,
                    WriteStatus.CONFLICT,
                    f"region {name} was edited by hand (its text no longer matches the hash in "
                    f"its end marker on line {region.end + 1}); left as it is, so move your "
                    "text out and empty it yourself",
                    number,
                )
            )
            continue
        end_line = lines[region.end]
        marker = region.end_prefix + b"%% vaultkit:end " + region.name + b" %%" + end_line.eol
        if region.begin + 1 == region.end and end_line.content + end_line.eol == marker:
            outcomes.append((name, WriteStatus.UNCHANGED, "", number))
            continue
        replacements[region.begin] = (region.end, [marker])
        outcomes.append((name, WriteStatus.WRITTEN, "", number))
    if not replacements:
        return None, outcomes
    return _spliced(bom, lines, replacements), outcomes
