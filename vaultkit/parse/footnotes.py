"""Footnotes ``[^1]`` and ``[^1]: text`` (mdit-py-plugins' footnote plugin).

A reference is neither a link nor text, so it has no collector; a definition's paragraphs are
read where they stand, like any other (``move_to_end=False``).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from vaultkit.parse.state import Syntax


def footnotes_plugin(md: MarkdownIt) -> None:
    footnote_plugin(md, move_to_end=False)


SYNTAX = Syntax("footnotes", plugin=footnotes_plugin, tracked=("footnote_ref",))
