"""Colour on a terminal: whether to use it (``--color``, ``NO_COLOR``, ``TERM=dumb``, a
terminal or not) and the painting of what the command line prints (sync's listing and its
diffs, errors). Only the presentation: the library's text stays plain, and piped output never
holds an escape code unless ``--color=always`` asks for it.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

CHOICES = ("auto", "always", "never")
"""``--color``'s values."""

RED, GREEN, YELLOW, CYAN, BOLD = "31", "32", "33", "36", "1"


def wanted(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to colour what goes to ``stream``: ``--color=always``/``never`` decide;
    otherwise only on a terminal, and not with ``NO_COLOR`` set to anything but the empty
    string (https://no-color.org) or ``TERM=dumb``."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, style: str) -> str:
    """``text`` in ``style`` (an SGR code such as :data:`RED`)."""
    return f"\033[{style}m{text}\033[0m"


def paint_listing(text: str) -> str:
    """sync's (or adopt's) listing, coloured line by line: files in conflict or in error red,
    deferred and skipped ones yellow, the diffs' added lines green and removed ones red, their
    hunk headers cyan and file headers bold, the summary's non-zero problem counts red.

    A diff line starts with one of ``+-@ \\``, a listing line with a status word, so the two
    never mix up."""
    lines = []
    for line in text.split("\n"):
        if line.startswith(("+++ ", "--- ")):
            line = paint(line, BOLD)
        elif line.startswith("@@"):
            line = paint(line, CYAN)
        elif line.startswith("+"):
            line = paint(line, GREEN)
        elif line.startswith("-") or re.match(r"^(conflict|error|unreadable)\b", line):
            line = paint(line, RED)
        elif re.match(r"^(deferred|skipped)\b", line):
            line = paint(line, YELLOW)
        elif line[:1].isdigit():
            line = re.sub(
                r"\b([1-9]\d*) (conflicts?|errors?)\b",
                lambda found: paint(found.group(0), RED),
                line,
            )
        lines.append(line)
    return "\n".join(lines)
