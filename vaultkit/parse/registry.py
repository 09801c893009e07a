"""The syntax elements vaultkit reads, and the dispatch tables built from them.

Every element is one module exporting ``SYNTAX`` (a :class:`~vaultkit.parse.state.Syntax`):
its markdown-it rules, if it has its own, and the collectors that turn its tokens into the
note's elements. Adding an element is one module (an inline rule that pushes a token with its
offset in ``meta["pos"]``, and a collector for that token type), its entry in
:data:`ELEMENTS` and one fixture file, ``tests/fixtures/parse/<name>.md``. An element whose
items the note does not hold yet also needs their field in the model, in
:class:`~vaultkit.parse.state.Extracted` and in :mod:`vaultkit.parse.note`, and their key in
the JSON form (``vaultkit.cli.jsonform.note_json``, ``docs/inspect-json.md``); CONTRIBUTING.md
walks through it.

The order of :data:`ELEMENTS` is the order in which :func:`~vaultkit.parse.markdown.build_parser`
applies the plugins, so it decides where rules with the same anchor land: rules added
``before("emphasis")`` run in this order, rules added ``after("block")`` in the reverse order
(callouts come before tasks here so that the tasks rule runs first). Text collectors of the same
container also run in this order. Block and inline collectors are one per token type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, TypeVar

from vaultkit.parse import (
    block_ids,
    callouts,
    code,
    comments,
    dollarmath,
    footnotes,
    headings,
    highlights,
    inline_fields,
    links,
    tables,
    tags,
    tasks,
    text,
    urls,
    wikilinks,
)
from vaultkit.parse.state import BlockCollector, InlineCollector, Syntax, TextCollector

ELEMENTS: Final[tuple[Syntax, ...]] = (
    footnotes.SYNTAX,
    dollarmath.SYNTAX,
    comments.SYNTAX,
    wikilinks.SYNTAX,
    tags.SYNTAX,
    highlights.SYNTAX,
    inline_fields.SYNTAX,
    callouts.SYNTAX,
    tasks.SYNTAX,
    urls.SYNTAX,
    links.SYNTAX,
    headings.SYNTAX,
    tables.SYNTAX,
    code.SYNTAX,
    text.SYNTAX,
    block_ids.SYNTAX,
)

_Collector = TypeVar("_Collector")


def one_per_type(tables: Iterable[Mapping[str, _Collector]]) -> dict[str, _Collector]:
    """Merge collector tables; two collectors for one token type is a registration error."""
    merged: dict[str, _Collector] = {}
    for table in tables:
        for kind, collector in table.items():
            if kind in merged:
                raise ValueError(f"two collectors for the token type {kind!r}")
            merged[kind] = collector
    return merged


def _in_order(
    tables: Iterable[Mapping[str, TextCollector]],
) -> dict[str, tuple[TextCollector, ...]]:
    merged: dict[str, tuple[TextCollector, ...]] = {}
    for table in tables:
        for kind, collector in table.items():
            merged[kind] = (*merged.get(kind, ()), collector)
    return merged


BLOCK_COLLECTORS: Final[dict[str, BlockCollector]] = one_per_type(e.block for e in ELEMENTS)
"""Block token type -> its collector."""
INLINE_COLLECTORS: Final[dict[str, InlineCollector]] = one_per_type(e.inline for e in ELEMENTS)
"""Inline child token type -> its collector; children of other types are skipped."""
TEXT_COLLECTORS: Final[dict[str, tuple[TextCollector, ...]]] = _in_order(e.text for e in ELEMENTS)
"""Container opening token type -> the collectors of its finished inline text, in order."""
