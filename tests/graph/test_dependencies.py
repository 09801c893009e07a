"""Which tasks are blocked: the Tasks plugin's 🆔 / ⛔ reading over a set of tasks."""

from __future__ import annotations

import pytest

from vaultkit.graph.dependencies import dependency_states
from vaultkit.model import TaskStatus
from vaultkit.parse.task_line import parse_task_line
from vaultkit.parse.task_status import status_of

TODO, DONE, CANCELLED = TaskStatus.TODO, TaskStatus.DONE, TaskStatus.CANCELLED


@pytest.mark.parametrize(
    ("tasks", "states"),
    [
        ([], []),
        ([("a", (), TODO)], ["ready"]),
        ([("a", (), TODO), (None, ("a",), TODO)], ["ready", "blocked"]),
        ([("a", (), DONE), (None, ("a",), TODO)], ["ready", "ready"]),
        ([("a", (), CANCELLED), (None, ("a",), TODO)], ["ready", "ready"]),
        ([("a", (), TaskStatus.IN_PROGRESS), (None, ("a",), TODO)], ["ready", "blocked"]),
        ([("a", (), TaskStatus.OTHER), (None, ("a",), TODO)], ["ready", "blocked"]),
        # The dependent may come first.
        ([(None, ("a",), TODO), ("a", (), TODO)], ["blocked", "ready"]),
        ([(None, ("zzz",), TODO)], ["blocked-unknown"]),
        # A known open dependency outranks an unknown one.
        ([("a", (), TODO), (None, ("zzz", "a"), TODO)], ["ready", "blocked"]),
        ([("a", (), DONE), (None, ("zzz", "a"), TODO)], ["ready", "blocked-unknown"]),
        # Duplicate ids: any open task with the id blocks (Task.isBlocked uses find()).
        ([("a", (), DONE), ("a", (), TODO), (None, ("a",), TODO)], ["ready", "ready", "blocked"]),
        # Chains: only direct dependencies count.
        (
            [("a", (), TODO), ("b", ("a",), TODO), ("c", ("b",), TODO)],
            ["ready", "blocked", "blocked"],
        ),
        ([("a", (), TODO), ("b", ("a",), DONE), ("c", ("b",), TODO)], ["ready", "ready", "ready"]),
        # A task that is itself done or cancelled is never blocked (Task.isBlocked).
        (
            [("a", (), TODO), (None, ("a",), DONE), (None, ("a",), CANCELLED)],
            ["ready", "ready", "ready"],
        ),
        ([(None, ("zzz",), DONE)], ["ready"]),
        # Self-dependency.
        ([("a", ("a",), TODO)], ["blocked"]),
    ],
)
def test_dependency_states(
    tasks: list[tuple[str | None, tuple[str, ...], TaskStatus]], states: list[str]
) -> None:
    assert dependency_states(tasks) == states


def test_dependency_states_accepts_a_generator() -> None:
    rows = ((str(i), (str(i - 1),) if i else (), TODO) for i in range(5))
    assert dependency_states(rows) == ["ready"] + ["blocked"] * 4


def test_dependency_states_from_parsed_lines() -> None:
    lines = [("x", "do this first 🆔 dcf64c"), (" ", "do this after ⛔️ dcf64c,0h17ye")]
    rows = []
    for char, text in lines:
        fields = parse_task_line(text).fields
        rows.append((fields.id, fields.depends_on, status_of(char)))
    assert dependency_states(rows) == ["ready", "blocked-unknown"]


def test_dependency_states_large_input() -> None:
    n = 50_000
    rows = [(f"t{i}", (f"t{i - 1}",) if i else (), TODO) for i in range(n)]
    states = dependency_states(rows)
    assert states[0] == "ready"
    assert states.count("blocked") == n - 1
