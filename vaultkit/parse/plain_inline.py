"""Inline tokens in which no inline rule can match: their children without the rule chain.

markdown-it's core ``inline`` rule runs the whole inline rule chain over every inline token,
although in most paragraphs of a vault no rule but ``text`` and ``newline`` ever matches.
:func:`install` replaces it by one that first asks a single regular expression: each inline
rule declares *triggers*, the text an inline token must contain for the rule to match anywhere
in it (``[`` for links, ``==`` for highlights, ``https?:`` for bare URLs…). A token that holds
no trigger of any rule gets the children the chain would give it, built by
:func:`plain_children`, which replays the ``text`` and ``newline`` rules: the text between line
breaks, a ``softbreak`` per line break (``hardbreak`` after two or more trailing spaces), the
spaces around each break dropped as markdown-it drops them. Every other token goes through the
full chain as before.

That is exact by construction: the ``text`` rule only copies characters into the pending text,
a position where no rule matches does the same one character at a time, and the other rules
(the post-processing pairs, ``text_join``) find nothing to do in text and breaks. A rule
without triggers makes :func:`install` refuse to build the parser, so a new rule cannot be
skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

REPLAYED = frozenset({"text", "newline"})
"""The inline rules :func:`plain_children` replays; they need no triggers."""


def plain_children(src: str) -> list[Token]:
    """The children markdown-it's inline pass gives ``src`` when only its ``text`` and
    ``newline`` rules match in it (what ``rules_inline/newline.py`` does, step by step)."""
    tokens: list[Token] = []
    pending = ""
    pos = 0
    end = len(src)
    while pos < end:
        newline = src.find("\n", pos)
        if newline == -1:
            pending += src[pos:]
            break
        pending += src[pos:newline]
        if pending.endswith("  "):
            # Two or more trailing spaces: a hard break, and all the spaces go.
            pending = pending.rstrip(" ")
            kind = "hardbreak"
        else:
            if pending.endswith(" "):
                pending = pending[:-1]
            kind = "softbreak"
        if pending:
            tokens.append(Token("text", "", 0, content=pending))
            pending = ""
        tokens.append(Token(kind, "br", 0))
        pos = newline + 1
        while pos < end and src[pos] in " \t":
            pos += 1
    if pending:
        tokens.append(Token("text", "", 0, content=pending))
    return tokens


def trigger_pattern(
    triggers: Mapping[str, Iterable[str]], active: Iterable[str]
) -> re.Pattern[str]:
    """One pattern matching any trigger of the ``active`` inline rules (rule name -> its
    triggers, each a regular expression); a rule neither replayed nor with triggers is a
    registration error."""
    patterns: list[str] = []
    for name in active:
        if name in REPLAYED:
            continue
        found = tuple(triggers.get(name, ()))
        if not found:
            raise ValueError(f"the inline rule {name!r} declares no triggers")
        patterns.extend(found)
    return re.compile("|".join(dict.fromkeys(patterns)))


def _lazy_inline(pattern: re.Pattern[str]) -> Callable[[StateCore], None]:
    search = pattern.search

    def inline(state: StateCore) -> None:
        md = state.md
        for token in state.tokens:
            if token.type != "inline":
                continue
            content = token.content
            if token.children:
                # Children already there would take part in the chain's post-processing.
                md.inline.parse(content, md, state.env, token.children)
            elif search(content) is None:
                token.children = plain_children(content)
            else:
                if token.children is None:
                    token.children = []
                md.inline.parse(content, md, state.env, token.children)

    return inline


def install(md: MarkdownIt, triggers: Mapping[str, Iterable[str]]) -> None:
    """Make ``md`` skip the inline rule chain for inline tokens without any trigger."""
    pattern = trigger_pattern(triggers, md.inline.ruler.get_active_rules())
    md.core.ruler.at("inline", _lazy_inline(pattern))
