"""Callouts: a blockquote whose first line is ``[!type]``, with an optional ``+``/``-`` fold
marker and title; the type is lower-cased and mapped through Obsidian's aliases.

A core rule reads the header off markdown-it's block tokens before inline parsing and keeps it
on the ``blockquote_open`` token. The collectors keep a stack of open quotes, so that callouts
nest and every element inside learns its callout; a callout's title and body come from the
paragraphs inside it.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from vaultkit.model import Callout
from vaultkit.parse.state import InlineBlock, QuoteFrame, Syntax, Walk

# Obsidian's built-in callout types and their aliases (help: Callouts.md).
CALLOUT_ALIASES = {
    "summary": "abstract",
    "tldr": "abstract",
    "hint": "tip",
    "important": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "warning",
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}

# The header of a callout is one line of an already identified blockquote.
_CALLOUT_HEADER = re.compile(r"\[!([^\]\s]+)\]([+-]?)[ \t]*(.*)")


def _callouts_rule(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        paragraph, inline = tokens[index + 1], tokens[index + 2]
        if paragraph.type != "paragraph_open" or inline.type != "inline":
            continue
        first_line, newline, rest = inline.content.partition("\n")
        match = _CALLOUT_HEADER.fullmatch(first_line.rstrip())
        if match is None:
            continue
        raw_type, fold, title = match.groups()
        kind = raw_type.lower()
        token.meta = {
            **(token.meta or {}),
            "callout": {
                "type": CALLOUT_ALIASES.get(kind, kind),
                "raw_type": raw_type,
                "fold": fold,
                "title": title.strip(),
            },
        }
        # The title is parsed as inline markdown (Obsidian renders links in it); keep it
        # as the first line and let the extractor tell title from body by line.
        inline.meta = {**(inline.meta or {}), "callout_header": len(first_line) - len(title)}
        inline.content = title + newline + rest


def callouts_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "vk_callouts", _callouts_rule)


def _collect_open(walk: Walk, token: Token) -> None:
    line = walk.line_of(token.map[0]) if token.map else 0
    callout = (token.meta or {}).get("callout")
    if callout is not None and walk.hidden_line(line):
        callout = None
    walk.quotes.append(QuoteFrame(line, callout, in_list=bool(walk.lists)))


def _collect_close(walk: Walk, token: Token) -> None:
    if not walk.quotes:
        return
    frame = walk.quotes.pop()
    if frame.callout is None:
        return
    parent = walk.current_callout()
    depth = sum(1 for f in walk.quotes if f.callout is not None)
    # The closing token has no map; the last inline seen inside gives the end.
    end_line = max(frame.line, walk.last_line)
    walk.out.callouts.append(
        Callout(
            line=frame.line,
            end_line=end_line,
            section=walk.section(),
            type=frame.callout["type"],
            raw_type=frame.callout["raw_type"],
            fold=frame.callout["fold"],
            title=frame.title,
            body="\n".join(part for part in frame.body if part).strip(),
            depth=depth,
            parent_line=parent.line if parent else None,
            in_list=frame.in_list,
        )
    )


def _collect_paragraph(walk: Walk, block: InlineBlock) -> None:
    callout = block.callout
    if callout is None:
        return
    if not callout.first_inline_seen and "callout_header" in (block.token.meta or {}):
        callout.first_inline_seen = True
        callout.title = block.lines[0].strip() if block.lines else ""
        callout.body.append("\n".join(block.lines[1:]))
    else:
        callout.body.append("\n".join(block.lines))


SYNTAX = Syntax(
    "callouts",
    plugin=callouts_plugin,
    block={"blockquote_open": _collect_open, "blockquote_close": _collect_close},
    text={"paragraph_open": _collect_paragraph},
)
