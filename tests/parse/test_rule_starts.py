"""Rules asked only where they can start (:mod:`vaultkit.parse.rule_starts`).

That the parser gives the same tokens and Note as markdown-it's own passes is
tests/parse/test_plain_inline.py's side-by-side comparison (fixtures, the example vault, the
benchmark generator's notes, generated markdown); here: which rules are asked where, and that
a rule without starts stops the parser being built.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from vaultkit.parse import rule_starts
from vaultkit.parse.markdown import MARKDOWN_IT_BLOCK_STARTS, MARKDOWN_IT_STARTS, build_parser


def test_an_inline_rule_is_asked_only_at_its_starts() -> None:
    """At each "x" the text rule stops at, never at the punctuation around it."""
    md = MarkdownIt("commonmark")
    asked: list[str] = []

    def marked(state: StateInline, silent: bool) -> bool:
        asked.append(state.src[state.pos])
        return False

    md.inline.ruler.before("emphasis", "vk_new", marked)
    md.inline.add_terminator_char("x")
    rule_starts.install(md, {**MARKDOWN_IT_STARTS, "vk_new": "x"}, MARKDOWN_IT_BLOCK_STARTS)
    tokens = md.parse("a, b; (c) - d! x [e](f) x.\n")
    assert asked == ["x", "x"]
    children = tokens[1].children or []
    assert [t.type for t in children] == ["text", "link_open", "text", "link_close", "text"]


def test_a_block_rule_is_asked_only_at_lines_that_begin_with_its_starts() -> None:
    """At the first line of a block (in a list item and a quote too), only when it begins with
    the rule's start; a paragraph's next lines are the paragraph rule's to end (its
    terminators are asked as markdown-it asks them, silently)."""
    md = MarkdownIt("commonmark")
    asked: list[str] = []

    def marked(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not silent:
            asked.append(state.getLines(start, start + 1, state.blkIndent, False))
        return False

    md.block.ruler.before("heading", "vk_new", marked)
    rule_starts.install(md, MARKDOWN_IT_STARTS, {**MARKDOWN_IT_BLOCK_STARTS, "vk_new": "!"})
    tokens = md.parse(
        "plain\n!not a start\n\n!bang\n\n- item\n\n  !nested\n\n> quote\n>\n> !quoted\n\n# Head\n"
    )
    assert asked == ["!bang", "!nested", "!quoted"]
    assert [t.type for t in tokens if t.nesting == 1] == [
        "paragraph_open",
        "paragraph_open",
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
        "paragraph_open",
        "blockquote_open",
        "paragraph_open",
        "paragraph_open",
        "heading_open",
    ]


@pytest.mark.parametrize("kind", ["inline", "block"])
def test_a_rule_without_starts_stops_the_parser_being_built(kind: str) -> None:
    md = MarkdownIt("commonmark")
    if kind == "inline":
        md.inline.ruler.before("emphasis", "vk_new", lambda state, silent: False)
    else:
        md.block.ruler.before("heading", "vk_new", lambda state, start, end, silent: False)
    with pytest.raises(ValueError, match=f"the {kind} rule 'vk_new' declares no starts"):
        rule_starts.install(md, MARKDOWN_IT_STARTS, MARKDOWN_IT_BLOCK_STARTS)


def test_each_character_asks_the_rules_that_start_there_in_the_chains_order() -> None:
    names = ["text", "a", "b", "c"]
    rules = ["text rule", "rule a", "rule b", "rule c"]
    by_character, anywhere = rule_starts.rules_by_character(
        "inline", names, rules, {"a": "[!", "b": "#", "c": "[("}, frozenset({"text"})
    )
    assert anywhere == ("text rule",)
    assert by_character == {
        "[": ("text rule", "rule a", "rule c"),
        "!": ("text rule", "rule a"),
        "#": ("text rule", "rule b"),
        "(": ("text rule", "rule c"),
    }


def test_vaultkits_parser_asks_by_character() -> None:
    """Every rule of vaultkit's parser declared its starts (else it would not build)."""
    md = build_parser()
    assert md.inline.tokenize.__module__ == rule_starts.__name__
    assert md.block.tokenize.__module__ == rule_starts.__name__
