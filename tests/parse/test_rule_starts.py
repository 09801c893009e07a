"""Rules asked only where they can start (:mod:`vaultkit.parse.rule_starts`).

That the parser gives the same tokens and Note as markdown-it's own passes is
tests/parse/test_plain_inline.py's side-by-side comparison (fixtures, the example vault, the
benchmark generator's notes, generated markdown), and here every block start that ends a block
without a blank line; here too: which rules are asked where, and that a rule without starts
stops the parser being built.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from tests.support.same_parse import assert_same_parse
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


def test_a_terminator_is_asked_only_at_lines_that_begin_with_its_starts() -> None:
    """A rule that can end a paragraph, a list or a quote is asked silently at the next lines
    of those only when the line begins with its start (at top level, in a list item, in a
    quote), and a line it does not end continues the paragraph."""
    md = MarkdownIt("commonmark")
    asked: list[str] = []

    def marked(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent:
            asked.append(state.getLines(start, start + 1, state.blkIndent, False).strip())
        return False

    md.block.ruler.before("heading", "vk_new", marked, {"alt": ["paragraph", "blockquote", "list"]})
    rule_starts.install(md, MARKDOWN_IT_STARTS, {**MARKDOWN_IT_BLOCK_STARTS, "vk_new": "!"})
    tokens = md.parse(
        "plain\nmore\n!top\n\n- item\n  next\n  !listed\n\n> quote\n> next\n> !quoted\n"
    )
    # Each line twice: the setext heading rule looks ahead for an underline, then the
    # paragraph rule takes the lines (markdown-it asked at "more" and "next" too).
    assert asked == ["!top", "!top", "!listed", "!listed", "!quoted", "!quoted"]
    paragraphs = [t.content for t in tokens if t.type == "inline"]
    assert paragraphs == ["plain\nmore\n!top", "item\nnext\n!listed", "quote\nnext\n!quoted"]


_CONTAINERS = ["para", "- item", "1. item", "> quote", "| a | b |\n| - | - |\n| c | d |"]
_CONTAINERS += ["[ref]: /url", "- [ ] task", "> [!note] T\n> body", "[^1]: footnote"]
_INTERRUPTIONS = ["# h", "```\ncode\n```", "~~~\ncode\n~~~", "***", "---", "___", "- x", "+ x"]
_INTERRUPTIONS += ["* x", "1. x", "2) x", "> q", "<div>\nx\n</div>", "<!-- c -->", "[r]: /u"]
_INTERRUPTIONS += ["[^2]: f", "$$\nx\n$$", "%%\nhidden\n%%", "| x |\n| - |", "=== ", "text"]
_INTERRUPTIONS += ["x | y\n- | -", "x | y\n:-: | --", "x\n|-", "x\n-- | -"]
_INTERRUPTIONS += ["\\", "!x", "#tag", "$x$", "%%c%%", "==h==", "` `", "<b>x</b>", "&amp;"]


@pytest.mark.parametrize("container", _CONTAINERS)
@pytest.mark.parametrize("indent", ["", " ", "   ", "    ", "\t"])
def test_every_block_start_ends_a_block_as_markdown_it_decides(container: str, indent: str) -> None:
    """Each block start on the line right after a paragraph, a list item, a quote, a table, a
    link reference or a footnote, indented or not (and after an empty line with spaces): the
    same tokens and Note as markdown-it's own passes give."""
    for interruption in _INTERRUPTIONS:
        for gap in ("", "   \n"):
            text = f"{container}\n{gap}{indent}{interruption}\nafter\n"
            assert_same_parse(text.encode("utf-8"), "n.md")


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
    for chain in ("paragraph", "reference", "blockquote", "list"):
        assert [rule.__module__ for rule in md.block.ruler.getRules(chain)] == [
            rule_starts.__name__
        ]
