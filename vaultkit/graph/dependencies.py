"""Task dependencies across the vault: which tasks the ``🆔`` and ``⛔`` fields block.

The blocked / ready reading is the Obsidian Tasks plugin's (``Task.isBlocked``); ids are
global to the vault, so it is computed over every task at once, after the parse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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
    known, unfinished = id_states((task_id, status) for task_id, _, status in rows)
    return states_given(((depends_on, status) for _, depends_on, status in rows), known, unfinished)


def id_states(tasks: Iterable[tuple[str | None, TaskStatus]]) -> tuple[set[str], set[str]]:
    """The ids some task has, and those some task not done or cancelled has, of the
    ``(id, status)`` given."""
    known: set[str] = set()
    unfinished: set[str] = set()
    for task_id, status in tasks:
        if task_id:
            known.add(task_id)
            if status not in _FINISHED:
                unfinished.add(task_id)
    return known, unfinished


def states_given(
    tasks: Iterable[tuple[tuple[str, ...], TaskStatus]],
    known: Collection[str],
    unfinished: Collection[str],
) -> list[str]:
    """:func:`dependency_states` of each ``(depends_on, status)``, given every id some task
    has (``known``, at least those they depend on) and those of unfinished tasks."""
    states: list[str] = []
    for depends_on, status in tasks:
        if status in _FINISHED:
            states.append("ready")
        elif any(dep in unfinished for dep in depends_on):
            states.append("blocked")
        elif any(dep not in known for dep in depends_on):
            states.append("blocked-unknown")
        else:
            states.append("ready")
    return states
