"""Headings: their level, text and anchor, and the section (heading path) of what follows.

markdown-it's own rules find ATX and setext headings. The text collector records each heading
and keeps the walk's heading stack, which gives every later element its section
(``Status > Daily``).
"""

from __future__ import annotations

import re

from vaultkit.model import Heading
from vaultkit.parse.state import InlineBlock, Syntax, Walk, close_container, open_container

_HEADING_LINK_UNSAFE = re.compile(r"%%|\[\[|\]\]|[#|^:]")
_SPACES = re.compile(r"\s+")


def heading_anchor(raw_heading: str) -> str:
    """The text Obsidian's link suggester writes after ``#`` for a heading.

    Obsidian documents ``# | ^ : %% [[ ]]`` as characters that do not work in links and
    replaces them with spaces when it writes a heading link (observed, e.g.
    obsidian-html/obsidian-html#303, KosmosisDire/obsidian-webpage-export#609).
    """
    return _SPACES.sub(" ", _HEADING_LINK_UNSAFE.sub(" ", raw_heading)).strip()


def _collect_text(walk: Walk, block: InlineBlock) -> None:
    tag = block.container.tag
    level = int(tag[1:]) if tag[1:].isdigit() else 1
    text = " ".join(part.strip() for part in block.lines).strip()
    walk.enter_heading(level, text)
    walk.out.headings.append(
        Heading(
            line=block.first_line,
            level=level,
            text=text,
            anchor=heading_anchor(block.token.content),
            section=walk.section(),
        )
    )


SYNTAX = Syntax(
    "headings",
    block={"heading_open": open_container, "heading_close": close_container},
    text={"heading_open": _collect_text},
)
