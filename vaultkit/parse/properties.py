"""The front matter's YAML, read into properties as Obsidian reads it: safely, typed, with
the tags, aliases and links they hold.

The YAML is loaded through python-frontmatter's handler with PyYAML's *safe* loader, and
converted to JSON-compatible values under a size budget, so alias-expansion bombs and deeply
nested documents become a diagnostic instead of exhausting memory.

One YAML that PyYAML refuses, Obsidian reads: a mapping or a list used as a key, which is what
an unquoted template placeholder makes (``created: {{date}}`` is the mapping
``{{date: null}: null}``). Obsidian keeps the note's other properties then (issue 16, seen on
real vaults). Its YAML reader is JavaScript, understood to be js-yaml (Obsidian's code is not
public), whose objects take only text keys: js-yaml turns such a key into text
(``[object Object]`` for a mapping, the items joined with ``,`` for a list; nodeca/js-yaml#169,
``storeMappingPair`` in its ``loader.js``). vaultkit reads it the same way, so the properties,
tags included, are what the properties panel shows, and says which line to quote.

Only a note with front matter needs this module, and PyYAML with it:
:func:`vaultkit.parse.frontmatter.load_front_matter` imports it then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import yaml
from frontmatter.default_handlers import YAMLHandler

from vaultkit.model import Diagnostic, Link, PropertyValue, Severity
from vaultkit.parse.property_links import SAFE_LOADER, property_links, top_level_nodes

MAX_PROPERTY_NODES = 20_000
"""Values produced from one note's front matter before vaultkit gives up on it."""

_LIST_KEYS = {"tags": "tags", "aliases": "aliases", "cssclasses": "cssclasses"}
_SINGULAR_KEYS = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}


class Properties(NamedTuple):
    """What a note's front matter holds."""

    values: dict[str, PropertyValue]
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    links: tuple[Link, ...]
    """The wikilinks in the values (:mod:`vaultkit.parse.property_links`)."""


def read_properties(yaml_text: str, diagnostics: list[Diagnostic]) -> Properties | None:
    """The properties of the front matter's YAML text, or None when it holds none that
    Obsidian shows; what is wrong with them goes into ``diagnostics``. Never raises."""
    values = _load_yaml(yaml_text, diagnostics)
    if values is None:
        return None
    tags, aliases = _tags_and_aliases(values, yaml_text, diagnostics)
    links, link_problems = property_links(values, yaml_text)
    diagnostics.extend(link_problems)
    return Properties(
        values, tuple(dict.fromkeys(tags)), tuple(dict.fromkeys(aliases)), tuple(links)
    )


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _BudgetExceededError


class _BudgetExceededError(Exception):
    pass


def _to_json_value(value: Any, budget: _Budget, depth: int = 0) -> PropertyValue:
    budget.spend()
    if depth > 100:
        raise _BudgetExceededError
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): _to_json_value(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_to_json_value(v, budget, depth + 1) for v in value]
    return str(value)


def _string_items(value: PropertyValue, *, strip_hash: bool) -> list[str]:
    if isinstance(value, str):
        # Obsidian before 1.9 split a text value on commas; keep that reading.
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list):
        items = [str(item).strip() for item in value if item is not None]
    elif value is None:
        items = []
    else:
        items = [str(value)]
    if strip_hash:
        items = [item.lstrip("#") for item in items]
    return [item for item in items if item]


_UNHASHABLE = "found unhashable key"


def _js_key_text(node: yaml.Node, budget: _Budget) -> str:
    """The text js-yaml makes of a mapping key that is not a scalar.

    Under a budget: aliases can make a small key expand without end (an alias bomb).
    """
    budget.spend()
    if isinstance(node, yaml.SequenceNode):
        return ",".join(_js_key_text(item, budget) for item in node.value)
    if isinstance(node, yaml.MappingNode):
        return "[object Object]"
    return str(node.value)


def _js_keys_loader() -> tuple[Any, list[tuple[int, str]]]:
    """A safe loader that reads non-scalar mapping keys as js-yaml does, and where it did so:
    (file line, the key's text). A class per use: what it found belongs to one note."""
    found: list[tuple[int, str]] = []
    budget = _Budget(MAX_PROPERTY_NODES)

    class _Loader(SAFE_LOADER):  # type: ignore[misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
            for index, (key, value) in enumerate(node.value):
                if not isinstance(key, yaml.ScalarNode):
                    text = _js_key_text(key, budget)
                    # +2: the opening '---' line, and 1-based numbering.
                    found.append((key.start_mark.line + 2, text))
                    node.value[index] = (yaml.ScalarNode("tag:yaml.org,2002:str", text), value)
            return super().construct_mapping(node, deep=deep)

    return _Loader, found


def _key_lines(yaml_text: str) -> dict[str, int]:
    """File line (1-based) of each top-level key; composed only when a diagnostic needs it."""
    # +2: one for the opening '---' line, one for 1-based numbering.
    return {str(key.value): key.start_mark.line + 2 for key, _ in top_level_nodes(yaml_text)}


def _load_yaml(yaml_text: str, diagnostics: list[Diagnostic]) -> dict[str, PropertyValue] | None:
    """The front matter as JSON-compatible values, or None (and a diagnostic if it is bad)."""
    try:
        try:
            loaded = YAMLHandler().load(yaml_text, Loader=SAFE_LOADER)
        except yaml.constructor.ConstructorError as exc:
            if exc.problem != _UNHASHABLE:
                raise
            # Rare, so the common path keeps the C loader untouched: read it again as Obsidian.
            loader, object_keys = _js_keys_loader()
            loaded = YAMLHandler().load(yaml_text, Loader=loader)
            diagnostics.extend(_object_key_diagnostic(*key) for key in dict.fromkeys(object_keys))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 2) if mark is not None else 1
        reason = exc.problem or exc.context or "invalid YAML"
        diagnostics.append(
            Diagnostic(
                line,
                "yaml-invalid",
                f"the properties are not valid YAML ({reason}); Obsidian will not show them "
                "either; fix the line or quote the value",
                Severity.ERROR,
            )
        )
        return None
    except _BudgetExceededError:
        diagnostics.append(_too_large())
        return None
    except (yaml.YAMLError, RecursionError, MemoryError, ValueError, TypeError) as exc:
        diagnostics.append(
            Diagnostic(
                1,
                "yaml-invalid",
                f"the properties could not be read ({type(exc).__name__}); simplify them",
                Severity.ERROR,
            )
        )
        return None

    if loaded is None:
        return None
    if not isinstance(loaded, dict):
        diagnostics.append(
            Diagnostic(
                2,
                "yaml-not-mapping",
                "the properties must be 'key: value' lines; this YAML is a "
                f"{type(loaded).__name__}, so it is ignored",
            )
        )
        return None
    try:
        properties = _to_json_value(loaded, _Budget(MAX_PROPERTY_NODES))
    except (_BudgetExceededError, RecursionError):
        diagnostics.append(_too_large())
        return None
    assert isinstance(properties, dict)
    return properties


def _too_large() -> Diagnostic:
    return Diagnostic(
        1,
        "yaml-too-large",
        f"the properties expand to more than {MAX_PROPERTY_NODES} values or nest "
        "too deeply (a YAML alias bomb?); they are ignored",
        Severity.ERROR,
    )


def _object_key_diagnostic(line: int, text: str) -> Diagnostic:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return Diagnostic(
        line,
        "yaml-object-key",
        "a YAML mapping or list stands as a key here (an unquoted placeholder such as "
        f"{{{{date}}}} makes one); Obsidian reads that key as the text '{shown}' and keeps "
        "the other properties, as vaultkit does; put the value in quotes, e.g. "
        'created: "{{date}}"',
    )


def _tags_and_aliases(
    properties: dict[str, PropertyValue], yaml_text: str, diagnostics: list[Diagnostic]
) -> tuple[list[str], list[str]]:
    """The tags and aliases, with a diagnostic for each form Obsidian 1.9+ ignores."""
    tags: list[str] = []
    aliases: list[str] = []
    key_lines: dict[str, int] | None = None
    for key, value in properties.items():
        lower = key.lower()
        canonical = _LIST_KEYS.get(lower) or _SINGULAR_KEYS.get(lower)
        if canonical is None:
            continue
        if (lower in _SINGULAR_KEYS or isinstance(value, str)) and key_lines is None:
            key_lines = _key_lines(yaml_text)
        line = (key_lines or {}).get(key, 2)
        if lower in _SINGULAR_KEYS:
            diagnostics.append(
                Diagnostic(
                    line,
                    "property-singular",
                    f"'{key}' is ignored by Obsidian 1.9 and later; rename it to "
                    f"'{canonical}' and make it a list",
                )
            )
        elif isinstance(value, str):
            diagnostics.append(
                Diagnostic(
                    line,
                    "property-not-list",
                    f"'{key}' is text, but Obsidian 1.9 and later read it only as a list; "
                    f"write it as '{key}: [{value}]'",
                )
            )
        if canonical == "tags":
            tags.extend(_string_items(value, strip_hash=True))
        elif canonical == "aliases":
            aliases.extend(_string_items(value, strip_hash=False))
    return tags, aliases
