"""Checkbox items inside ``%%`` comments: not tasks, but reported.

Obsidian hides a comment's content, so a checklist inside one is no checklist: vaultkit counts
none of it (:mod:`vaultkit.parse.comments`). Users park checklists there on purpose or by
accident, and a count that silently leaves them out looks wrong, so the items are found and
reported (``vaultkit inspect``, ``vaultkit doctor``, the Status dashboard). A comment's content
is parsed with the same parser as a note, so that what counts as a checkbox here is exactly
what would be a task once the ``%%`` are removed.

Only comments that start a line are read: a comment inside a paragraph cannot hold a list item
(a list item would end the paragraph, and the comment with it).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from vaultkit.model import HiddenTask
from vaultkit.parse.extract import extract
from vaultkit.parse.markdown import build_parser
from vaultkit.parse.state import CommentBody


def hidden_tasks(
    comments: list[CommentBody], env: MutableMapping[str, Any] | None = None
) -> list[HiddenTask]:
    """The checkbox items of the given comments, in document order; ``env``: the note's
    markdown-it env (the Tasks plugin's settings), so a hidden item is what would be a task."""
    found: list[HiddenTask] = []
    parser = build_parser()
    for comment in comments:
        # The body's first line is the comment's first line.
        inner = extract(
            parser.parse(comment.content, dict(env or {})), comment.line - 1, comment.content
        )
        found.extend(
            HiddenTask(task.line, task.status_char, task.text, comment.line, comment.end_line)
            for task in inner.tasks
        )
    return found
