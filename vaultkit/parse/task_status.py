"""What state a task's checkbox says it is in, as the Obsidian Tasks plugin reads it.

Whether a task is blocked is a question across notes: :mod:`vaultkit.graph.dependencies`.
"""

from __future__ import annotations

from vaultkit.model import TaskRules, TaskStatus

__all__ = ["is_task_text", "status_of", "struck_status", "swaps_freely"]


def status_of(char: str, rules: TaskRules | None = None) -> TaskStatus:
    """The Tasks plugin's reading of a checkbox character.

    With the plugin's status table (``rules.statuses``), a listed symbol has its status; any
    other reads as the plugin reads an unregistered one: ``x``/``X`` done, a space todo, the
    rest "Unknown", which the plugin treats as todo (OTHER here: open). Without a table, the
    plugin's defaults: ``' '`` todo; ``'x'``/``'X'`` done; ``'/'`` in progress; ``'-'``
    cancelled; anything else (``'>'``, ``'?'``, theme symbols) is OTHER.
    """
    if rules is not None and rules.statuses:
        for symbol, status in rules.statuses:
            if symbol == char:
                return status
        if char in ("x", "X"):
            return TaskStatus.DONE
        return TaskStatus.TODO if char == " " else TaskStatus.OTHER
    if char == " ":
        return TaskStatus.TODO
    if char in ("x", "X"):
        return TaskStatus.DONE
    if char == "/":
        return TaskStatus.IN_PROGRESS
    if char == "-":
        return TaskStatus.CANCELLED
    return TaskStatus.OTHER


def struck_status(status: TaskStatus, struck: bool) -> TaskStatus:
    """A task's status once its strike-through is read: a task struck through (``~~…~~``)
    and not done is cancelled, whatever its checkbox says."""
    if struck and status is not TaskStatus.DONE:
        return TaskStatus.CANCELLED
    return status


def is_task_text(text: str, rules: TaskRules | None) -> bool:
    """Whether a checkbox whose line reads ``text`` after the ``[c]`` is a task under the
    plugin's global filter (``GlobalFilter.includedIn``: a substring test)."""
    return rules is None or not rules.global_filter or rules.global_filter in text


_SWAPPABLE = frozenset(' !"*-/<>?0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')


def swaps_freely(char: str) -> bool:
    """Whether a task's status character may be swapped for another such one with nothing of
    the note's parse moving but what the character decides: the task's status and whether it
    is checked (``vaultkit.index.retick`` reads a ticked note so, without the parser).

    The tasks rule (:mod:`vaultkit.parse.tasks`) takes ``[c]`` off the paragraph before any
    inline rule runs, so no inline rule sees the character, and a block rule reads the line
    from its ``[``: a link reference definition (``\\``, ``[`` and ``]`` would make the
    character part of a label), a footnote's (``^``), a table row (``|``); a callout's
    ``[!type]`` is read only where a quote starts, which a list item's paragraph never does.
    In: a space, ASCII letters and digits, and ``! " * - / < > ?``, the statuses of the Tasks
    plugin and of the common themes. Out with the block rules' characters: the rest of the
    punctuation and every non-ASCII character, which few statuses use (their ticks are
    parsed).
    """
    return char in _SWAPPABLE
