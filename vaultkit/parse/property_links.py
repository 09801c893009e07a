"""Links in properties: the wikilinks that Obsidian 1.4+ reads from front-matter values.

Obsidian's help (Properties, "Links"): "Text and List type properties can contain URLs and
Internal links using the ``[[Link]]`` syntax", and such links "must be surrounded with
quotes" (``link: "[[Link]]"``, ``list: ["[[A]]", "[[B]]"]``): they show in Backlinks, the
graph and count against orphans, as ``CachedMetadata.frontmatterLinks`` (obsidian-api
``FrontmatterLinkCache``, which carries the property's ``key``). So a link is read from a
top-level text value and from each text item of a top-level list. Nested properties are not
supported by Obsidian (same help page), so vaultkit reads no link from them.

The value is read by the parser's own inline rules (:mod:`vaultkit.parse.wikilinks`), so a
``[[…]]`` inside a code span or after a backslash is no link, as in the body. An unquoted
``related: [[X]]`` is YAML for a list holding a list: Obsidian shows no link there, and a
diagnostic says to quote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from vaultkit.model import Diagnostic, Link, LinkKind, PropertyValue

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, its C version where installed."""
_OPENER = "[["


def _text_values(value: PropertyValue) -> Iterator[tuple[int | None, str]]:
    """(list index or None, text) of the texts a property holds links in."""
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item


def _unquoted(value: PropertyValue) -> bool:
    """Whether ``value`` is what YAML makes of an unquoted ``[[X]]``: a list in a list."""
    items = value if isinstance(value, list) else []
    return any(
        isinstance(item, list) and len(item) == 1 and isinstance(item[0], str | list)
        for item in items
    )


def top_level_nodes(yaml_text: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """The front matter's top-level (key, value) nodes, composed but not constructed (their
    marks give lines); none if it is no mapping or cannot be composed."""
    try:
        node = yaml.compose(yaml_text, Loader=SAFE_LOADER)
    except (yaml.YAMLError, RecursionError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]


def _value_lines(yaml_text: str) -> dict[str, tuple[int, list[int]]]:
    """Per top-level key: the file line of its value and of each item of a list value."""
    lines: dict[str, tuple[int, list[int]]] = {}
    # +2: one for the opening '---' line, one for 1-based numbering.
    for key, value in top_level_nodes(yaml_text):
        items = (
            [item.start_mark.line + 2 for item in value.value]
            if isinstance(value, yaml.SequenceNode)
            else []
        )
        lines[str(key.value)] = (value.start_mark.line + 2, items)
    return lines


def _links_in(text: str) -> Iterator[dict[str, Any]]:
    """The wikilink tokens' meta of ``text``, read by the parser's inline rules."""
    from vaultkit.parse.markdown import build_parser

    for token in build_parser().parseInline(text):
        for child in token.children or ():
            if child.type == "vk_wikilink":
                yield {**(child.meta or {}), "raw": child.markup}


def property_links(
    properties: dict[str, PropertyValue], yaml_text: str
) -> tuple[list[Link], list[Diagnostic]]:
    """The links of the properties' values, and a diagnostic per unquoted ``[[link]]``."""
    texts = [
        (key, index, text)
        for key, value in properties.items()
        for index, text in _text_values(value)
        if _OPENER in text
    ]
    unquoted = [key for key, value in properties.items() if _unquoted(value)]
    if not texts and not unquoted:
        return [], []
    lines = _value_lines(yaml_text)
    links: list[Link] = []
    for key, index, text in texts:
        value_line, item_lines = lines.get(key, (2, []))
        line = item_lines[index] if index is not None and index < len(item_lines) else value_line
        for meta in _links_in(text):
            embed = bool(meta.get("embed"))
            links.append(
                Link(
                    kind=LinkKind.EMBED if embed else LinkKind.WIKILINK,
                    target=str(meta.get("target", "")),
                    fragment=meta.get("fragment") or None,
                    display=meta.get("display"),
                    line=line,
                    section=(),
                    raw=str(meta["raw"]),
                    embed=embed,
                    context="property",
                    key=key,
                )
            )
    diagnostics = [
        Diagnostic(
            lines.get(key, (2, []))[0],
            "property-link-unquoted",
            f"'{key}' holds an unquoted [[link]], which YAML reads as a list in a list, so "
            f'Obsidian shows no link; put it in quotes: {key}: "[[…]]"',
        )
        for key in unquoted
    ]
    return links, diagnostics
