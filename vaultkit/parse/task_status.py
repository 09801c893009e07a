"""What state a task's checkbox says it is in, as the Obsidian Tasks plugin reads it.

Whether a task is blocked is a question across notes: :mod:`vaultkit.graph.dependencies`.
"""

from __future__ import annotations

from vaultkit.model import TaskStatus

__all__ = ["status_of"]


def status_of(char: str) -> TaskStatus:
    """The Tasks plugin's default reading of a checkbox character.

    ``' '`` todo; ``'x'``/``'X'`` done; ``'/'`` in progress; ``'-'`` cancelled; anything else
    (``'>'``, ``'?'``, theme symbols) is OTHER.
    """
    if char == " ":
        return TaskStatus.TODO
    if char in ("x", "X"):
        return TaskStatus.DONE
    if char == "/":
        return TaskStatus.IN_PROGRESS
    if char == "-":
        return TaskStatus.CANCELLED
    return TaskStatus.OTHER
