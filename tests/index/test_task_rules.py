"""The index follows the Tasks plugin's settings: the notes are parsed with its global filter
and statuses, in the worker processes too, and a change to them (no note changed) parses every
note again, so no command reads a stale index."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.support.config_files import tasks_status, write_plugin_settings
from vaultkit.index.parsing import POOL_THRESHOLD
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths

PLUGIN = "obsidian-tasks-plugin"


def _tasks(paths: VaultPaths) -> list[tuple[str, str, str]]:
    connection: sqlite3.Connection
    connection, _ = update_index(paths, progress=False)
    with closing(connection):
        rows = connection.execute("SELECT note, text, status FROM tasks ORDER BY note, line")
        return [tuple(row) for row in rows]


def _vault(tmp_path: Path, notes: int) -> VaultPaths:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    for number in range(notes):
        (vault / f"N{number:03}.md").write_text(
            "- [ ] plain\n- [ ] filed #task\n- [h] held #task\n", encoding="utf-8"
        )
    return VaultPaths(vault, index=tmp_path / "index.sqlite3")


def test_a_settings_change_reparses_every_note(tmp_path: Path) -> None:
    paths = _vault(tmp_path, 2)
    assert len(_tasks(paths)) == 6
    custom = [tasks_status("h", "On hold", "ON_HOLD")]
    settings = {"globalFilter": "#task", "statusSettings": {"customStatuses": custom}}
    write_plugin_settings(paths.root, PLUGIN, settings)
    assert _tasks(paths) == [
        ("N000.md", "filed #task", "todo"),
        ("N000.md", "held #task", "other"),
        ("N001.md", "filed #task", "todo"),
        ("N001.md", "held #task", "other"),
    ]
    # The plugin turned off: its settings no longer apply, and every checkbox is a task again.
    write_plugin_settings(paths.root, PLUGIN, settings, enabled=False)
    assert len(_tasks(paths)) == 6
    # Nothing changed: nothing is parsed again.
    connection, update = update_index(paths, progress=False)
    connection.close()
    assert update.parsed == []


def test_the_worker_processes_get_the_settings(tmp_path: Path) -> None:
    paths = _vault(tmp_path, POOL_THRESHOLD)  # enough notes to parse in a process pool
    write_plugin_settings(paths.root, PLUGIN, {"globalFilter": "#task"})
    found = _tasks(paths)
    assert len(found) == 2 * POOL_THRESHOLD
    assert all("#task" in text for _, text, _ in found)


def test_a_settings_change_seen_by_a_partial_update_parses_the_whole_vault(tmp_path: Path) -> None:
    paths = _vault(tmp_path, 3)
    assert len(_tasks(paths)) == 9
    write_plugin_settings(paths.root, PLUGIN, {"globalFilter": "#task"})
    # The hook's update, told that one note was saved, must not leave the others stale.
    connection, update = update_index(paths, progress=False, only=["N000.md"])
    with closing(connection):
        assert connection.execute("SELECT count(*) FROM tasks").fetchone()[0] == 6
    assert sorted(update.parsed) == ["N000.md", "N001.md", "N002.md"]
