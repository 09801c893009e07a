"""Checklists inside ``%%`` comments, through the installed command line: they stay out of every
count (as Obsidian does not show them), and ``inspect``, ``doctor`` and the Status dashboard
say where they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import installed

ROUTINE = """\
# Routine

%%
## Daily
- [ ] Stretch for ten minutes
- [x] Review flash cards
## Weekend
- [ ] Clean the desk
%%

## Now
- [ ] A task that counts
"""
LATER = "%% - [ ] Someday, maybe %%\n"


@pytest.fixture(autouse=True)
def commented_checklists(vault: Path) -> Path:
    """The example vault, with a note whose checklists sit in a comment, and one with a
    one-line comment holding a checkbox."""
    (vault / "Routine.md").write_text(ROUTINE, encoding="utf-8")
    (vault / "Later.md").write_text(LATER, encoding="utf-8")
    return vault


def _run(vault: Path, *args: str) -> str:
    done = installed(*args, cwd=vault)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_inspect_lists_each_hidden_task_with_its_line(vault: Path) -> None:
    text = _run(vault, "inspect", "Routine.md")
    assert "Hidden tasks (3, inside %% comments: not counted" in text
    assert "  comment, lines 3–9" in text
    for line, box, task in ((5, " ", "Stretch"), (6, "x", "Review"), (8, " ", "Clean")):
        assert f"    L{line:<5} [{box}] {task}" in text
    assert "Tasks (1: 1 todo)" in text

    data = json.loads(_run(vault, "inspect", "Routine.md", "--json"))
    assert [task["line"] for task in data["tasks"]] == [12]
    assert data["hidden_tasks"] == [
        {
            "line": 5,
            "status_char": " ",
            "text": "Stretch for ten minutes",
            "comment_line": 3,
            "comment_end_line": 9,
        },
        {
            "line": 6,
            "status_char": "x",
            "text": "Review flash cards",
            "comment_line": 3,
            "comment_end_line": 9,
        },
        {
            "line": 8,
            "status_char": " ",
            "text": "Clean the desk",
            "comment_line": 3,
            "comment_end_line": 9,
        },
    ]


def test_doctor_names_each_note_and_comment_holding_tasks(vault: Path) -> None:
    text = _run(vault, "doctor")
    # The example's Status.md parks two items in a comment too.
    assert "Tasks hidden in comments: 6 in 3 notes" in text
    assert "remove the %% around them to count them" in text
    assert "  Later.md:1  1 task in the %% comment of line 1" in text
    assert "  Routine.md:3  3 tasks in the %% comment of lines 3–9" in text
    assert "  Status.md:50  2 tasks in the %% comment of lines 50–54" in text

    found = json.loads(_run(vault, "doctor", "--json"))["hidden_tasks"]
    assert found == [
        {"note": "Later.md", "line": 1, "end_line": 1, "tasks": 1},
        {"note": "Routine.md", "line": 3, "end_line": 9, "tasks": 3},
        {"note": "Status.md", "line": 50, "end_line": 54, "tasks": 2},
    ]


def test_status_says_where_the_hidden_tasks_are_and_counts_none_of_them(vault: Path) -> None:
    before = json.loads(_run(vault, "tasks", "--json"))
    assert {task["note"] for task in before} >= {"Routine.md"}
    assert not any(task["note"] == "Later.md" for task in before)
    assert [task["line"] for task in before if task["note"] == "Routine.md"] == [12]

    _run(vault, "sync")
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert (
        "6 tasks are hidden in comments in [[Later]] (line 1), [[Routine]] (lines 3–9) and "
        "[[Status]] (lines 50–54); remove the `%%` around them to count them.\n"
    ) in status
    # The headline counts the visible tasks only: the example's 124 and the one of Routine.
    assert "**59 of 125 tasks done**" in status
    second = installed("sync", "--check", cwd=vault)
    assert second.returncode == 0, second.stdout + second.stderr


def test_the_line_follows_the_comments(vault: Path) -> None:
    _run(vault, "sync")
    (vault / "Routine.md").write_text(ROUTINE.replace("%%\n", ""), encoding="utf-8")
    (vault / "Later.md").write_text("- [ ] Someday, maybe\n", encoding="utf-8")
    _run(vault, "sync")
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert "2 tasks are hidden in comments in [[Status]] (lines 50–54)" in status
    assert "**60 of 129 tasks done**" in status
    assert "Routine.md" not in _run(vault, "doctor")


def test_no_line_without_hidden_tasks(vault: Path) -> None:
    for name in ("Routine.md", "Later.md"):
        (vault / name).unlink()
    status_note = vault / "Status.md"
    status_note.write_text(
        status_note.read_text(encoding="utf-8")
        .replace("- [ ] Learn Zig", "Learn Zig")
        .replace("- [x] Buy a", "Buy a"),
        encoding="utf-8",
    )
    _run(vault, "sync")
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert "hidden in comments" not in status
    assert "Tasks hidden in comments" not in _run(vault, "doctor")


def test_many_notes_with_hidden_tasks_are_named_up_to_fifty(vault: Path) -> None:
    # Status names the first fifty notes and counts the rest (a vault can hold thousands,
    # which the dashboard reads no further than it names).
    for number in range(52):
        (vault / f"Someday {number:02}.md").write_text(LATER, encoding="utf-8")
    _run(vault, "sync")
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    line = next(line for line in status.splitlines() if "hidden in comments" in line)
    assert line.startswith("58 tasks are hidden in comments in [[Later]] (line 1), [[Routine]]")
    named = [f"[[Someday {number:02}]] (line 1)" for number in range(48)]
    assert ", ".join(named) in line and "[[Someday 48]]" not in line
    assert line.endswith(" and 5 more notes; remove the `%%` around them to count them.")
