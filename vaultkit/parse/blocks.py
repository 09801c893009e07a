"""Core rules that read Obsidian structure off markdown-it's block tokens.

* Tasks: a list item whose first paragraph starts with ``[c]`` and a space, for *any*
  single character ``c`` (mdit-py-plugins' tasklists accepts only space, x and X). The
  checkbox is removed from the inline content and kept on the ``list_item_open`` token.
* Callouts: a blockquote whose first line is ``[!type]`` with an optional ``+``/``-`` fold
  marker and title. The type is lower-cased and mapped through Obsidian's aliases.

Both run after block parsing and before inline parsing, so inline rules never see a
checkbox as a link label or a callout header as text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

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


def _checkbox(content: str) -> tuple[str, int] | None:
    """Return (status character, length of the checkbox prefix) or None."""
    if len(content) < 3 or content[0] != "[" or content[2] != "]":
        return None
    if len(content) > 3 and content[3] not in " \t\n":
        return None
    status = content[1]
    if status == "\n":
        return None
    prefix = 3
    while prefix < len(content) and content[prefix] in " \t":
        prefix += 1
    return status, prefix


def _tasks_rule(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "list_item_open":
            continue
        if index + 2 >= len(tokens):
            continue
        paragraph, inline = tokens[index + 1], tokens[index + 2]
        if paragraph.type != "paragraph_open" or inline.type != "inline":
            continue
        found = _checkbox(inline.content)
        if found is None:
            continue
        status, prefix = found
        token.meta = {**(token.meta or {}), "task": status}
        inline.meta = {**(inline.meta or {}), "task_prefix": prefix}
        inline.content = inline.content[prefix:]


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


def blocks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "vk_tasks", _tasks_rule)
    md.core.ruler.after("vk_tasks", "vk_callouts", _callouts_rule)
