"""Parsing one note's bytes into the :class:`~vaultkit.model.Note` model.

``parse_note`` is a pure function of its input and never raises for any bytes: what it
cannot read becomes a diagnostic with a line.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from vaultkit.model import Diagnostic, Note, Severity, Tag
from vaultkit.parse.decode import decode_note
from vaultkit.parse.extract import extract
from vaultkit.parse.frontmatter import load_front_matter
from vaultkit.parse.markdown import build_parser

MAX_NOTE_BYTES = 8 * 1024 * 1024
"""Notes larger than this have only their properties read (a diagnostic says so)."""

__all__ = ["MAX_NOTE_BYTES", "parse_note"]


def _title(path: str) -> str:
    name = PurePosixPath(path).name
    return name[:-3] if name.lower().endswith(".md") else name


def parse_note(data: bytes, path: str, *, max_bytes: int = MAX_NOTE_BYTES) -> Note:
    """Parse a note's raw bytes; ``path`` is its vault-relative POSIX path."""
    path = unicodedata.normalize("NFC", path)
    decoded = decode_note(data)
    diagnostics: list[Diagnostic] = list(decoded.diagnostics)
    base = {
        "path": path,
        "title": _title(path),
        "line_ending": decoded.line_ending,
        "has_bom": decoded.has_bom,
    }
    if decoded.is_binary:
        return Note(**base, diagnostics=tuple(diagnostics))  # type: ignore[arg-type]

    text = decoded.text
    line_count = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    front = load_front_matter(text)
    diagnostics.extend(front.diagnostics)
    property_tags = [Tag(name, 1, "property") for name in front.tags]

    if len(data) > max_bytes:
        diagnostics.append(
            Diagnostic(
                1,
                "note-too-large",
                f"the note is {len(data) // (1024 * 1024)} MB, above the "
                f"{max_bytes // (1024 * 1024)} MB limit; only its properties were read",
                Severity.WARNING,
            )
        )
        return Note(
            **base,  # type: ignore[arg-type]
            properties=front.properties,
            tags=front.tags,
            tag_mentions=tuple(property_tags),
            aliases=front.aliases,
            line_count=line_count,
            diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
        )

    body = text
    if front.body_start:
        body = (
            text.split("\n", front.body_start)[-1] if text.count("\n") >= front.body_start else ""
        )
    body_lines = body.count("\n") + 1
    try:
        tokens = build_parser().parse(body)
        found = extract(tokens, front.body_start, body_lines)
    except RecursionError:
        diagnostics.append(
            Diagnostic(
                1,
                "nesting-too-deep",
                "the note nests too deeply to be read; only its properties were read",
                Severity.ERROR,
            )
        )
        return Note(
            **base,  # type: ignore[arg-type]
            properties=front.properties,
            tags=front.tags,
            aliases=front.aliases,
            line_count=line_count,
            diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
        )
    diagnostics.extend(found.diagnostics)
    tag_mentions = property_tags + found.tags
    unique_tags: dict[str, str] = {}
    for tag in tag_mentions:
        unique_tags.setdefault(tag.name.lower(), tag.name)
    return Note(
        **base,  # type: ignore[arg-type]
        properties=front.properties,
        tags=tuple(unique_tags.values()),
        tag_mentions=tuple(tag_mentions),
        aliases=front.aliases,
        headings=tuple(found.headings),
        tasks=tuple(found.tasks),
        callouts=tuple(sorted(found.callouts, key=lambda c: c.line)),
        links=tuple(found.links),
        resources=tuple(found.resources()),
        tables=tuple(found.tables),
        highlights=tuple(found.highlights),
        inline_fields=tuple(sorted(found.inline_fields, key=lambda f: f.line)),
        block_ids=tuple(found.block_ids),
        hidden=tuple(sorted(found.hidden, key=lambda s: (s.line, s.end_line))),
        word_count=found.word_count,
        line_count=line_count,
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
    )
