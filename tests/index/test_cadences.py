"""The cadences the index derives follow ``[status.cadences]``: a changed table re-derives every
stored task's and section's cadence and the kept sums, without parsing a note, and moves the
``tasks`` family; an update without a table (the read commands) keeps the one in force."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from vaultkit.cadences import DEFAULT_CADENCES, Cadences
from vaultkit.index import task_totals as task_totals
from vaultkit.index.store import generations
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths

ROUTINE = """\
# Routine
## Daily
- [x] Stretch
- [ ] Read
## Bi Weekly
- [ ] Water the plants
## Morning routine
- [ ] Make coffee
- [-] Dropped
"""
PLAN = "# Plan\n## Weekly review\n- [x] Look back\n## Later\n- [ ] Someday\n"


@pytest.fixture
def paths(tmp_path: Path) -> VaultPaths:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Routine.md").write_text(ROUTINE, encoding="utf-8")
    (vault / "Plan.md").write_text(PLAN, encoding="utf-8")
    return VaultPaths(vault, index=tmp_path / "index.sqlite3")


def _update(paths: VaultPaths, cadences: Cadences | None) -> tuple[sqlite3.Connection, list[str]]:
    connection, update = update_index(paths, progress=False, cadences=cadences)
    return connection, update.parsed


def _task_cadences(connection: sqlite3.Connection) -> dict[str, str | None]:
    return dict(connection.execute("SELECT text, cadence FROM tasks ORDER BY note, line"))


def _generation(paths: VaultPaths, cadences: Cadences | None) -> int:
    """The ``tasks`` family's generation after an update."""
    with closing(_update(paths, cadences)[0]) as connection:
        return int(generations(connection)["tasks"])


def _kept_is_defined(connection: sqlite3.Connection) -> None:
    assert task_totals.kept(connection) == +task_totals.sums(connection, task_totals.VISIBLE)


def test_the_default_table_groups_the_usual_spellings(paths: VaultPaths) -> None:
    connection, _ = _update(paths, Cadences())
    with closing(connection):
        assert _task_cadences(connection) == {
            "Look back": "weekly",  # "Weekly review" starts with "Weekly"
            "Someday": None,
            "Stretch": "daily",
            "Read": "daily",
            "Water the plants": "bi-weekly",  # "Bi Weekly" is "Bi-weekly"
            "Make coffee": None,
            "Dropped": None,
        }
        totals = task_totals.totals(connection)
        assert (totals["cadence_done:daily"], totals["cadence_total:daily"]) == (1, 2)
        _kept_is_defined(connection)


def test_a_changed_table_rederives_without_parsing_and_moves_the_tasks(
    paths: VaultPaths,
) -> None:
    _update(paths, Cadences())[0].close()
    before = _generation(paths, None)
    custom = Cadences({"Morning routine": "Daily", "Daily": "daily", "Later": "someday"})
    connection, parsed = _update(paths, custom)
    with closing(connection):
        assert parsed == []  # no note changed: nothing was parsed again
        assert _task_cadences(connection) == {
            "Look back": None,
            "Someday": "someday",
            "Stretch": "daily",
            "Read": "daily",
            "Water the plants": None,
            "Make coffee": "daily",
            "Dropped": "daily",
        }
        sections = dict(connection.execute("SELECT section, cadence FROM task_sections"))
        assert sections["Routine > Morning routine"] == "daily"
        assert sections["Routine > Bi Weekly"] is None
        totals = task_totals.totals(connection)
        # The cancelled task leaves the total, as everywhere.
        assert (totals["cadence_done:daily"], totals["cadence_total:daily"]) == (1, 3)
        assert "cadence_total:weekly" not in totals and "cadence_total:bi-weekly" not in totals
        _kept_is_defined(connection)
        after = generations(connection)
    assert int(after["tasks"]) > before
    assert after["links"] == "1"  # only the first, cold update moved the links


def test_an_update_without_a_table_keeps_the_one_in_force(paths: VaultPaths) -> None:
    custom = Cadences({"Later": "someday"})
    _update(paths, custom)[0].close()
    # A read command (tasks, doctor) updates the index without the config.
    (paths.root / "Plan.md").write_text(PLAN + "## Later on\n- [ ] More\n", encoding="utf-8")
    connection, parsed = _update(paths, None)
    with closing(connection):
        assert parsed == ["Plan.md"]
        assert _task_cadences(connection)["More"] == "someday"
        assert _task_cadences(connection)["Stretch"] is None
        _kept_is_defined(connection)
    assert _generation(paths, custom) == _generation(paths, None)
    # Back to the defaults: derived again.
    connection, _ = _update(paths, Cadences(DEFAULT_CADENCES))
    with closing(connection):
        assert _task_cadences(connection)["Stretch"] == "daily"
        _kept_is_defined(connection)


def test_a_cold_index_of_many_notes_derives_with_the_table(paths: VaultPaths) -> None:
    # Enough notes for the process pool: the table must reach the workers.
    for number in range(80):
        (paths.root / f"n{number}.md").write_text("## Sprint\n- [ ] step\n", encoding="utf-8")
    connection, _ = _update(paths, Cadences({"Sprint": "sprint"}))
    with closing(connection):
        found = connection.execute(
            "SELECT count(*) FROM tasks WHERE cadence = 'sprint'"
        ).fetchone()[0]
        assert found == 80
        _kept_is_defined(connection)
