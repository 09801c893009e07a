"""Parsing one note's bytes into the :class:`~vaultkit.model.Note` model.

``parse_note`` is a pure function of its input and never raises for any bytes: what it
cannot read becomes a diagnostic with a line.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath
from typing import Any

from vaultkit.model import Diagnostic, Note, Severity, Span, Tag
from vaultkit.parse.decode import decode_note
from vaultkit.parse.extract import extract
from vaultkit.parse.frontmatter import FrontMatter, load_front_matter
from vaultkit.parse.markdown import build_parser
from vaultkit.parse.regions import MAX_NOTE_BYTES, body_of, generated_name
from vaultkit.versions import PARSER_VERSION

"""Bumped whenever parse output changes for the same bytes; the index re-parses then."""

__all__ = ["MAX_NOTE_BYTES", "PARSER_VERSION", "parse_note"]


def _title(path: str) -> str:
    name = PurePosixPath(path).name
    return name[:-3] if name.lower().endswith(".md") else name


def _properties_only(
    base: dict[str, Any], front: FrontMatter, line_count: int, diagnostics: list[Diagnostic]
) -> Note:
    return Note(
        **base,
        properties=front.properties,
        tags=front.tags,
        tag_mentions=tuple(Tag(name, 1, "property") for name in front.tags),
        aliases=front.aliases,
        line_count=line_count,
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
    )


def parse_note(data: bytes, path: str, *, max_bytes: int = MAX_NOTE_BYTES) -> Note:
    """Parse a note's raw bytes; ``path`` is its vault-relative POSIX path."""
    path = unicodedata.normalize("NFC", path)
    decoded = decode_note(data)
    diagnostics: list[Diagnostic] = list(decoded.diagnostics)
    base: dict[str, Any] = {
        "path": path,
        "title": _title(path),
        "line_ending": decoded.line_ending,
        "has_bom": decoded.has_bom,
    }
    if decoded.is_binary:
        return Note(**base, diagnostics=tuple(diagnostics))

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
        return _properties_only(base, front, line_count, diagnostics)

    body = body_of(text, front.body_start)
    body_lines = body.count("\n") + 1
    name = generated_name(body)
    if name is not None:
        # A dashboard vaultkit wrote: its content is never the user's, so there is nothing to
        # read, and a big dashboard would otherwise be parsed again after every sync.
        start = front.body_start + 1
        span = Span(start, max(start, line_count), "generated-file", name.strip())
        return Note(
            **base,
            properties=front.properties,
            tags=front.tags,
            tag_mentions=tuple(property_tags),
            aliases=front.aliases,
            hidden=(span,),
            line_count=line_count,
            diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
        )
    try:
        tokens = build_parser().parse(body)
        found = extract(tokens, front.body_start, body_lines, body)
    except RecursionError:
        diagnostics.append(
            Diagnostic(
                1,
                "nesting-too-deep",
                "the note nests too deeply to be read; only its properties were read",
                Severity.ERROR,
            )
        )
        return _properties_only(base, front, line_count, diagnostics)
    except Exception as exc:  # one note must never stop a run
        # A bug in a rule must not cost the user their run; the diagnostic asks for a
        # report, and the tests assert it never appears.
        diagnostics.append(
            Diagnostic(
                1,
                "parser-error",
                f"vaultkit could not parse this note ({type(exc).__name__}: {exc}); "
                "please report this as a vaultkit bug",
                Severity.ERROR,
            )
        )
        return _properties_only(base, front, line_count, diagnostics)
    diagnostics.extend(found.diagnostics)
    tag_mentions = property_tags + found.tags
    unique_tags: dict[str, str] = {}
    for tag in tag_mentions:
        unique_tags.setdefault(tag.name.lower(), tag.name)
    return Note(
        **base,
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
        list_items=tuple(found.list_items),
        highlights=tuple(found.highlights),
        inline_fields=tuple(sorted(found.inline_fields, key=lambda f: f.line)),
        block_ids=tuple(found.block_ids),
        hidden=tuple(sorted(found.hidden, key=lambda s: (s.line, s.end_line))),
        word_count=found.word_count,
        line_count=line_count,
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line)),
    )
