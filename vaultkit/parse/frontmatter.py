"""Front matter (Obsidian "properties"): finding it, and the note's properties from it.

Obsidian recognises properties only when the very first line is exactly ``---`` and a
later line is exactly ``---``. What is between is YAML, read by
:mod:`vaultkit.parse.properties`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from vaultkit.model import Diagnostic, Link, PropertyValue

_DELIMITER = "---"


class FrontMatter(NamedTuple):
    properties: dict[str, PropertyValue]
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    body_start: int
    """Index (0-based) of the first body line, i.e. the number of front-matter lines."""
    diagnostics: tuple[Diagnostic, ...]
    links: tuple[Link, ...] = ()
    """The wikilinks in the properties' values (:mod:`vaultkit.parse.property_links`)."""


def _lines(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    index = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            yield index, text[start:]
            return
        yield index, text[start:end]
        start = end + 1
        index += 1


def split_front_matter(text: str) -> tuple[str | None, int, Diagnostic | None]:
    """Return (yaml text or None, number of front-matter lines, diagnostic)."""
    if not text.startswith(_DELIMITER):
        return None, 0, None
    lines = _lines(text)
    _, first = next(lines)
    if first != _DELIMITER:
        return None, 0, None
    for index, line in lines:
        if line == _DELIMITER:
            body = text.split("\n", index)[:index]
            return "\n".join(body[1:]), index + 1, None
    return (
        None,
        0,
        Diagnostic(
            1,
            "frontmatter-unterminated",
            "the note starts with '---' but has no closing '---' line, so Obsidian shows "
            "no properties; add a '---' line after the properties",
        ),
    )


def load_front_matter(text: str) -> FrontMatter:
    """Find and load the note's properties; never raises."""
    yaml_text, body_start, problem = split_front_matter(text)
    diagnostics: list[Diagnostic] = [problem] if problem else []
    if yaml_text is None:
        return FrontMatter({}, (), (), body_start, tuple(diagnostics))
    # Imported here, not above: only a note with properties needs PyYAML. vaultkit's own
    # dashboards have none, and a hook that parses nothing else should not pay for it.
    from vaultkit.parse.properties import read_properties

    read = read_properties(yaml_text, diagnostics)
    if read is None:
        return FrontMatter({}, (), (), body_start, tuple(diagnostics))
    return FrontMatter(
        read.values, read.tags, read.aliases, body_start, tuple(diagnostics), read.links
    )
