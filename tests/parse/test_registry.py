"""The syntax registry: one collector per token type, and the rule order it promises."""

from __future__ import annotations

import pytest
from markdown_it.token import Token

from vaultkit.parse.markdown import build_parser
from vaultkit.parse.registry import (
    BLOCK_COLLECTORS,
    ELEMENTS,
    INLINE_COLLECTORS,
    TEXT_COLLECTORS,
    one_per_type,
)
from vaultkit.parse.state import Walk


def _noop(walk: Walk, token: Token) -> None:
    return None


def test_two_collectors_for_one_token_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="'fence'"):
        one_per_type([{"fence": _noop}, {"fence": _noop}])


def test_every_elements_collectors_are_in_the_tables() -> None:
    names = [element.name for element in ELEMENTS]
    assert len(names) == len(set(names))
    for element in ELEMENTS:
        for kind, block in element.block.items():
            assert BLOCK_COLLECTORS[kind] is block
        for kind, inline in element.inline.items():
            assert INLINE_COLLECTORS[kind] is inline
        for kind, text in element.text.items():
            assert text in TEXT_COLLECTORS[kind]


def test_rules_run_in_registry_order() -> None:
    md = build_parser()
    core = md.core.ruler.get_all_rules()
    assert core.index("block") < core.index("vk_tasks") < core.index("vk_callouts")
    assert core.index("vk_callouts") < core.index("inline")
    inline = md.inline.ruler.get_all_rules()
    assert inline.index("vk_comment") < inline.index("vk_tag") < inline.index("vk_highlight")
    assert inline.index("vk_highlight") < inline.index("emphasis")
    assert inline.index("vk_wikilink") < inline.index("vk_inline_field") < inline.index("link")
    block = md.block.ruler.get_all_rules()
    assert block.index("math_block") < block.index("vk_comment") < block.index("fence")
