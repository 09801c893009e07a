"""Writing a vault's config and Obsidian's daily-notes settings, for the config tests."""

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
