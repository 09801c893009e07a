"""Reading the Tasks plugin's settings: its global filter and status table, only while the
plugin is enabled, leniently."""

from __future__ import annotations

from pathlib import Path

from tests.support.config_files import tasks_status, write_plugin_settings
from vaultkit.model import TaskStatus
from vaultkit.obsidian.tasks_plugin import read_tasks_plugin

PLUGIN = "obsidian-tasks-plugin"
CORE = [tasks_status(" ", "Todo", "TODO"), tasks_status("x", "Done", "DONE")]


def test_no_plugin_gives_the_defaults(tmp_path: Path) -> None:
    found = read_tasks_plugin(tmp_path)
    assert not found.enabled
    assert found.rules.global_filter == "" and found.rules.statuses == ()


def test_settings_of_a_disabled_plugin_change_nothing(tmp_path: Path) -> None:
    write_plugin_settings(tmp_path, PLUGIN, {"globalFilter": "#task"}, enabled=False)
    found = read_tasks_plugin(tmp_path)
    assert not found.enabled and found.rules.global_filter == ""


def test_global_filter_and_every_status_type(tmp_path: Path) -> None:
    custom = [
        tasks_status("/", "In Progress", "IN_PROGRESS"),
        tasks_status("h", "On hold", "ON_HOLD"),
        tasks_status("-", "Cancelled", "CANCELLED"),
        tasks_status("P", "Pro", "NON_TASK"),
        tasks_status("!", "Important", "SOMETHING_NEW"),  # an unknown type reads as TODO
        tasks_status("/", "Duplicate", "DONE"),  # the first status of a symbol wins
    ]
    settings = {
        "globalFilter": " #task ",
        "statusSettings": {"coreStatuses": CORE, "customStatuses": custom},
    }
    write_plugin_settings(tmp_path, PLUGIN, settings)
    found = read_tasks_plugin(tmp_path)
    assert found.rules.global_filter == "#task"
    assert dict(found.rules.statuses) == {
        " ": TaskStatus.TODO,
        "x": TaskStatus.DONE,
        "/": TaskStatus.IN_PROGRESS,
        "h": TaskStatus.OTHER,
        "-": TaskStatus.CANCELLED,
        "P": TaskStatus.CANCELLED,
        "!": TaskStatus.TODO,
    }
    assert [s.type for s in found.statuses][-1] == "TODO"
    assert found.warnings == ()


def test_what_cannot_be_read_is_named(tmp_path: Path) -> None:
    settings = {
        "globalFilter": 7,
        "statusSettings": {"coreStatuses": CORE, "customStatuses": [{"symbol": "ab"}, "x"]},
    }
    write_plugin_settings(tmp_path, PLUGIN, settings)
    found = read_tasks_plugin(tmp_path)
    assert found.rules.global_filter == ""
    assert dict(found.rules.statuses) == {" ": TaskStatus.TODO, "x": TaskStatus.DONE}
    shown = ".obsidian/plugins/obsidian-tasks-plugin/data.json"
    assert all(w.startswith(shown) for w in found.warnings) and len(found.warnings) == 3
    write_plugin_settings(tmp_path, PLUGIN, "{not json")
    [warning] = read_tasks_plugin(tmp_path).warnings
    assert "is not valid JSON" in warning and "the plugin's default settings" in warning
