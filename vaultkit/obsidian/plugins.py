"""Community plugins' own settings files that change what vaultkit reads.

A community plugin keeps its settings in ``<config dir>/plugins/<id>/data.json``, and Obsidian
loads only the plugins listed in ``<config dir>/community-plugins.json`` (a JSON list of ids).
A plugin that is installed but turned off leaves its ``data.json`` behind, and those settings
then change nothing in Obsidian: vaultkit applies a plugin's settings only while the plugin is
enabled. Every file here is read leniently (:func:`vaultkit.obsidian.settings.read_json_object`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from vaultkit.files import read_regular
from vaultkit.obsidian.settings import read_json_object
from vaultkit.vault import CONFIG_DIR

TASKS_PLUGIN = "obsidian-tasks-plugin"
PERIODIC_NOTES_PLUGIN = "periodic-notes"
ENABLED_PLUGINS_FILE = "community-plugins.json"


def data_file(plugin: str, config_dir: str = CONFIG_DIR) -> str:
    """The vault-relative path of a plugin's settings file."""
    return f"{config_dir}/plugins/{plugin}/data.json"


class PluginData(NamedTuple):
    """A plugin's settings as read, and what the user should hear about them."""

    shown: str
    """The settings file's vault-relative path, for messages."""
    enabled: bool
    data: dict[str, object] | None
    """The settings object; None when the plugin is off or has no readable settings."""
    warnings: tuple[str, ...] = ()


def read_plugin_data(vault: Path, plugin: str, config_dir: str = CONFIG_DIR) -> PluginData:
    """The settings of ``plugin`` when Obsidian has it enabled, else ``data=None``."""
    shown = data_file(plugin, config_dir)
    if plugin not in enabled_plugins(vault, config_dir):
        return PluginData(shown, enabled=False, data=None)
    data, warnings = read_json_object(
        vault / shown, shown, defaults="the plugin's default settings are assumed"
    )
    return PluginData(shown, enabled=True, data=data, warnings=tuple(warnings))


def enabled_plugins(vault: Path, config_dir: str = CONFIG_DIR) -> frozenset[str]:
    """The ids in ``community-plugins.json``: the community plugins Obsidian loads."""
    shown = f"{config_dir}/{ENABLED_PLUGINS_FILE}"
    try:
        listed: object = json.loads(read_regular(vault / shown).decode("utf-8-sig") or "[]")
    except (OSError, UnicodeDecodeError, ValueError):
        return frozenset()
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(item for item in listed if isinstance(item, str))
