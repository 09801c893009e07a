"""Asking markdown-it's rules only where they can start: the block rules at a line, the inline
rules at a character.

markdown-it tries its block rules, in order, at the start of every block, and its inline rules
at every character its ``text`` rule stops at (all ASCII punctuation), until one matches;
yet almost every rule matches only at one or a few characters: a heading at ``#``, a block
quote at ``>``, a link at ``[``, a tag at ``#``. Each rule declares those *starts* (markdown-it's
own in :data:`vaultkit.parse.markdown.MARKDOWN_IT_STARTS` and ``MARKDOWN_IT_BLOCK_STARTS``, the
elements' in their ``Syntax``), and :func:`install` makes the parser ask, at a line's first
character (after its indentation) or at an inline character, only the rules that can start
there, in the chain's order, and those that can start anywhere (:data:`BLOCK_EVERYWHERE`,
:data:`INLINE_EVERYWHERE`).

The same holds for the block rules that end a paragraph, a list item, a quote or a link
reference definition before a blank line: each asks, at each of its next lines, the rules of
its *terminator* chain (silently: "would a block start here?"), and asks now only those that can
start at the line's first character.

That gives the same tokens: a rule asked at any other character returns at its first check
and changes nothing (each rule's first check is the character at its position, for
markdown-it's rules and the plugins' alike, silent or not), so leaving it out skips only work.
A rule without starts makes :func:`install` refuse to build the parser. The tests run this
parser side by side with markdown-it's own passes (:data:`vaultkit.parse.markdown.LAZY_INLINE`
off). Together about 10% less CPU for each note a worker parses (benchmarks/HISTORY.md).

A link label's silent scan (``skipToken``) keeps the whole inline chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from markdown_it import MarkdownIt
from markdown_it.ruler import Ruler
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

InlineRule = Callable[[StateInline, bool], bool]
Rule = TypeVar("Rule")

INLINE_EVERYWHERE = frozenset({"text"})
"""The inline rule asked at every character: it takes the text up to the next character some
rule may start at."""
BLOCK_EVERYWHERE = frozenset({"table", "code", "lheading", "paragraph"})
"""The block rules that can start at a line whatever its first character: a table is decided by
its second line, an indented code block by its indentation, a setext heading by its underline,
and any line can open a paragraph."""


def rules_by_character(
    kind: str,
    names: Sequence[str],
    rules: Sequence[Rule],
    starts: Mapping[str, str],
    everywhere: frozenset[str],
) -> tuple[dict[str, tuple[Rule, ...]], tuple[Rule, ...]]:
    """The chain's rules (``names`` and ``rules`` in the chain's order) that can start at each
    character some rule declares, in that order, and those that can start at any other
    character (``everywhere``); a rule without starts is a registration error."""
    for name in names:
        if name not in everywhere and not starts.get(name):
            raise ValueError(f"the {kind} rule {name!r} declares no starts")
    anywhere = tuple(rule for name, rule in zip(names, rules, strict=True) if name in everywhere)
    characters = {character for name in names for character in starts.get(name, "")}
    by_character = {
        character: tuple(
            rule
            for name, rule in zip(names, rules, strict=True)
            if name in everywhere or character in starts[name]
        )
        for character in characters
    }
    return by_character, anywhere


def _chains(
    kind: str, ruler: Ruler[Rule], starts: Mapping[str, str], everywhere: frozenset[str]
) -> tuple[dict[str, tuple[Rule, ...]], tuple[Rule, ...]]:
    """:func:`rules_by_character` for the active rules of a parser's ``ruler``."""
    return rules_by_character(
        kind, ruler.get_active_rules(), ruler.getRules(""), starts, everywhere
    )


def _dispatch_inline(md: MarkdownIt, starts: Mapping[str, str]) -> None:
    """``md``'s inline pass asks, at each character, only the rules that can start there
    (markdown-it's ``ParserInline.tokenize`` otherwise, step by step)."""
    by_character, anywhere = _chains("inline", md.inline.ruler, starts, INLINE_EVERYWHERE)
    rules_at = by_character.get
    max_nesting = md.options["maxNesting"]

    def tokenize(state: StateInline) -> None:
        end = state.posMax
        src = state.src
        while state.pos < end:
            pos = state.pos
            ok = False
            if state.level < max_nesting:
                for rule in rules_at(src[pos], anywhere):
                    ok = rule(state, False)
                    if ok:
                        if state.pos <= pos:
                            raise RuntimeError("inline rule didn't increment state.pos")
                        break
            if ok:
                if state.pos >= end:
                    break
                continue
            state.append_pending(src[state.pos])
            state.pos += 1
        if state.pending:
            state.pushPending()

    # An attribute of this parser's inline parser only: every other parser keeps markdown-it's.
    md.inline.tokenize = tokenize  # type: ignore[method-assign]


def _dispatch_block(md: MarkdownIt, starts: Mapping[str, str]) -> None:
    """``md``'s block pass asks, at each line, only the rules that can start at its first
    character (markdown-it's ``ParserBlock.tokenize`` otherwise, step by step); the quotes'
    and lists' nested passes call the same."""
    by_character, anywhere = _chains("block", md.block.ruler, starts, BLOCK_EVERYWHERE)
    rules_at = by_character.get
    max_nesting = md.options["maxNesting"]

    def tokenize(state: StateBlock, start_line: int, end_line: int) -> None:
        line = start_line
        has_empty_lines = False
        src, line_starts, indents = state.src, state.bMarks, state.tShift
        while line < end_line:
            state.line = line = state.skipEmptyLines(line)
            if line >= end_line:
                break
            if state.sCount[line] < state.blkIndent:
                # The end of a nested pass (a quote's, a list item's).
                break
            if state.level >= max_nesting:
                state.line = end_line
                break
            ok = False
            # A line left by skipEmptyLines has a character after its indentation.
            for rule in rules_at(src[line_starts[line] + indents[line]], anywhere):
                ok = rule(state, line, end_line, False)
                if ok:
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            if not ok:
                raise RuntimeError("none of the block rules matched")
            state.tight = not has_empty_lines
            line = state.line
            if (line - 1) < end_line and state.isEmpty(line - 1):
                has_empty_lines = True
            if line < end_line and state.isEmpty(line):
                has_empty_lines = True
                line += 1
                state.line = line

    md.block.tokenize = tokenize  # type: ignore[method-assign,assignment]


BlockRule = Callable[[StateBlock, int, int, bool], bool]


def _dispatch_terminators(md: MarkdownIt, starts: Mapping[str, str]) -> None:
    """The rules that end a block at a line that would start another (a paragraph, a list, a
    quote, a table, a link reference definition) ask, at that line, only the rules of their
    terminator chain that can start at its first character (markdown-it otherwise asks every
    rule of the chain in turn); a line with nothing after its indentation, all of them."""
    ruler = md.block.ruler
    every = ruler.getRules
    active = every("")
    names = dict(zip(active, ruler.get_active_rules(), strict=True))
    if len(names) != len(active):
        raise ValueError("a block rule function is registered under two names")
    chains: dict[str, list[BlockRule]] = {}

    def terminator_chain(chain: str) -> list[BlockRule]:
        rules = every(chain)
        by_character, anywhere = rules_by_character(
            "block", [names[rule] for rule in rules], rules, starts, BLOCK_EVERYWHERE
        )
        rules_at = by_character.get
        whole = tuple(rules)

        def ends_here(state: StateBlock, line: int, end_line: int, silent: bool) -> bool:
            # The callers stop at the first rule that matches: one call that does the same.
            at = state.bMarks[line] + state.tShift[line]
            asked = rules_at(state.src[at], anywhere) if at < state.eMarks[line] else whole
            # (Not any() over a generator: this runs at nearly every line of a note.)
            for rule in asked:  # noqa: SIM110
                if rule(state, line, end_line, silent):
                    return True
            return False

        return [ends_here]

    def get_rules(chain: str = "") -> list[BlockRule]:
        # Made when first asked for: every rule of a chain is one of the block pass's, whose
        # starts _dispatch_block has checked.
        if not chain:
            return every(chain)
        found = chains.get(chain)
        if found is None:
            found = chains[chain] = terminator_chain(chain)
        return found

    # An attribute of this parser's ruler only; the block pass's own chain ("") is unchanged.
    ruler.getRules = get_rules  # type: ignore[method-assign,assignment]


def install(
    md: MarkdownIt, inline_starts: Mapping[str, str], block_starts: Mapping[str, str]
) -> None:
    """Make ``md``'s inline and block passes ask only the rules that can start where they
    are (every rule enabled must be registered first)."""
    _dispatch_inline(md, inline_starts)
    _dispatch_block(md, block_starts)
    _dispatch_terminators(md, block_starts)
