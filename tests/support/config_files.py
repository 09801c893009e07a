"""Writing a vault's config and Obsidian's settings (daily notes, plugins), for the tests."""

from __future__ import annotations

import json
from pathlib import Path

from vaultkit.vaultpaths import CONFIG_PATH


def write_config(vault: Path, text: str) -> Path:
    path = vault / CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_daily_settings(vault: Path, settings: object) -> None:
    (vault / ".obsidian").mkdir(exist_ok=True)
    text = settings if isinstance(settings, str) else json.dumps(settings)
    (vault / ".obsidian" / "daily-notes.json").write_text(text, encoding="utf-8")


def write_plugin_settings(
    vault: Path, plugin: str, settings: object, *, enabled: bool = True
) -> None:
    """A community plugin's ``data.json``, and the plugin listed as enabled (or not)."""
    folder = vault / ".obsidian" / "plugins" / plugin
    folder.mkdir(parents=True, exist_ok=True)
    text = settings if isinstance(settings, str) else json.dumps(settings)
    (folder / "data.json").write_text(text, encoding="utf-8")
    listed = vault / ".obsidian" / "community-plugins.json"
    ids = json.loads(listed.read_text(encoding="utf-8")) if listed.exists() else []
    ids = [i for i in ids if i != plugin] + ([plugin] if enabled else [])
    listed.write_text(json.dumps(ids), encoding="utf-8")


def tasks_status(symbol: str, name: str, kind: str) -> dict[str, object]:
    """One status as the Tasks plugin stores it in ``statusSettings``."""
    return {
        "symbol": symbol,
        "name": name,
        "nextStatusSymbol": "x",
        "availableAsCommand": True,
        "type": kind,
    }
