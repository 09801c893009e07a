"""Task dependencies across the vault: which tasks the ``🆔`` and ``⛔`` fields block.

The blocked / ready reading is the Obsidian Tasks plugin's (``Task.isBlocked``); ids are
global to the vault, so it is computed over every task at once, after the parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from vaultkit.model import TaskStatus

_FINISHED: Final = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})


def dependency_states(
    tasks: Iterable[tuple[str | None, tuple[str, ...], TaskStatus]],
) -> list[str]:
    """Blocked / ready state of each ``(id, depends_on, status)``, in input order.

    ``'blocked'`` when an id it depends on belongs to a task that is not done or cancelled
    (with duplicate ids, any such task blocks); otherwise ``'blocked-unknown'`` when it names
    an id no task has; otherwise ``'ready'``. As in the Tasks plugin (``Task.isBlocked``), a
    task that is itself done or cancelled is never blocked. Linear time.
    """
    rows = list(tasks)
    known: set[str] = set()
    unfinished: set[str] = set()
    for task_id, _, status in rows:
        if task_id:
            known.add(task_id)
            if status not in _FINISHED:
                unfinished.add(task_id)
    states: list[str] = []
    for _, depends_on, status in rows:
        if status in _FINISHED:
            states.append("ready")
        elif any(dep in unfinished for dep in depends_on):
            states.append("blocked")
        elif any(dep not in known for dep in depends_on):
            states.append("blocked-unknown")
        else:
            states.append("ready")
    return states
