"""Parsing one note's bytes into the :class:`~vaultkit.model.Note` model.

``parse_note`` is a pure function of its input and never raises for any bytes: what it
cannot read becomes a diagnostic with a line. The steps: decode the bytes
(:mod:`~vaultkit.parse.decode`), read the front matter (:mod:`~vaultkit.parse.frontmatter`),
tokenise the body with markdown-it (:mod:`~vaultkit.parse.markdown`), walk the tokens once
(:mod:`~vaultkit.parse.extract`), and read the comments for checkbox items
(:mod:`~vaultkit.parse.hidden_tasks`).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from vaultkit.model import Diagnostic, Note, Severity, Span, Tag, TaskRules, note_title
from vaultkit.parse.decode import decode_note
from vaultkit.parse.frontmatter import FrontMatter, load_front_matter
from vaultkit.parse.regions import MAX_NOTE_BYTES, body_of, generated_name
from vaultkit.parse.resources import collect_resources

if TYPE_CHECKING:
    from vaultkit.parse.state import Extracted

__all__ = ["parse_note"]


def _sorted(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: d.line))


def _properties_only(
    base: dict[str, Any], front: FrontMatter, line_count: int, diagnostics: list[Diagnostic]
) -> Note:
    return Note(
        **base,
        properties=front.properties,
        tags=front.tags,
        tag_mentions=tuple(Tag(name, 1, "property") for name in front.tags),
        aliases=front.aliases,
        links=front.links,
        line_count=line_count,
        diagnostics=_sorted(diagnostics),
    )


def _generated_file(
    base: dict[str, Any],
    front: FrontMatter,
    name: str,
    line_count: int,
    diagnostics: list[Diagnostic],
) -> Note:
    # A dashboard vaultkit wrote: its content is never the user's, so there is nothing to
    # read, and a big dashboard would otherwise be parsed again after every sync.
    start = front.body_start + 1
    span = Span(start, max(start, line_count), "generated-file", name.strip())
    return Note(
        **base,
        properties=front.properties,
        tags=front.tags,
        tag_mentions=tuple(Tag(name, 1, "property") for name in front.tags),
        aliases=front.aliases,
        hidden=(span,),
        line_count=line_count,
        diagnostics=_sorted(diagnostics),
    )


def _too_large(size: int, max_bytes: int) -> Diagnostic:
    return Diagnostic(
        1,
        "note-too-large",
        f"the note is {size // (1024 * 1024)} MB, above the "
        f"{max_bytes // (1024 * 1024)} MB limit; only its properties were read",
        Severity.WARNING,
    )


def _extract_body(
    body: str, body_start: int, diagnostics: list[Diagnostic], rules: TaskRules | None
) -> Extracted | None:
    """The body's elements, or None (and a diagnostic) when it cannot be read at all."""
    # Imported here, not above: markdown-it and every syntax element's rules are needed only
    # for a body to read. A hook that deletes or renames a note parses no note but the
    # dashboards it wrote (generated files, whose body is not read), and should not pay for
    # them; a worker of the cold sync's pool imports them as it starts.
    from vaultkit.parse.extract import extract
    from vaultkit.parse.hidden_tasks import hidden_tasks
    from vaultkit.parse.markdown import build_parser
    from vaultkit.parse.tasks import RULES_ENV

    env = {RULES_ENV: rules} if rules is not None else {}
    try:
        tokens = build_parser().parse(body, env)
        found = extract(tokens, body_start, body)
        found.hidden_tasks = hidden_tasks(found.comments, env)
        return found
    except RecursionError:
        diagnostics.append(
            Diagnostic(
                1,
                "nesting-too-deep",
                "the note nests too deeply to be read; only its properties were read",
                Severity.ERROR,
            )
        )
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
    return None


def _full_note(
    base: dict[str, Any],
    front: FrontMatter,
    found: Extracted,
    line_count: int,
    diagnostics: list[Diagnostic],
) -> Note:
    diagnostics.extend(found.diagnostics)
    tag_mentions = [Tag(name, 1, "property") for name in front.tags] + found.tags
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
        links=front.links + tuple(found.links),
        resources=tuple(collect_resources(found.links, found.tasks)),
        tables=tuple(found.tables),
        list_items=tuple(found.list_items),
        highlights=tuple(found.highlights),
        inline_fields=tuple(sorted(found.inline_fields, key=lambda f: f.line)),
        block_ids=tuple(found.block_ids),
        hidden=tuple(sorted(found.hidden, key=lambda s: (s.line, s.end_line))),
        hidden_tasks=tuple(found.hidden_tasks),
        word_count=found.word_count,
        line_count=line_count,
        diagnostics=_sorted(diagnostics),
    )


def parse_note(
    data: bytes, path: str, *, max_bytes: int = MAX_NOTE_BYTES, rules: TaskRules | None = None
) -> Note:
    """Parse a note's raw bytes; ``path`` is its vault-relative POSIX path; ``rules``: the
    Tasks plugin's settings that decide what a task is (None: the plugin's defaults)."""
    path = unicodedata.normalize("NFC", path)
    decoded = decode_note(data)
    diagnostics: list[Diagnostic] = list(decoded.diagnostics)
    base: dict[str, Any] = {
        "path": path,
        "title": note_title(path),
        "line_ending": decoded.line_ending,
        "has_bom": decoded.has_bom,
    }
    if decoded.is_binary:
        return Note(**base, properties={}, diagnostics=tuple(diagnostics))

    text = decoded.text
    line_count = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    front = load_front_matter(text)
    diagnostics.extend(front.diagnostics)
    if len(data) > max_bytes:
        diagnostics.append(_too_large(len(data), max_bytes))
        return _properties_only(base, front, line_count, diagnostics)

    body = body_of(text, front.body_start)
    name = generated_name(body)
    if name is not None:
        return _generated_file(base, front, name, line_count, diagnostics)
    found = _extract_body(body, front.body_start, diagnostics, rules)
    if found is None:
        return _properties_only(base, front, line_count, diagnostics)
    return _full_note(base, front, found, line_count, diagnostics)
