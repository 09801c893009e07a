"""Obsidian's own vault settings that decide what vaultkit sees: ``app.json``.

Obsidian writes ``<config folder>/app.json`` once a setting differs from its default. Two of
its keys matter here: ``userIgnoreFilters`` ("Excluded files", matched by
:mod:`vaultkit.obsidian.filters`) and ``attachmentFolderPath``. The file travels with a
shared vault and may be hand-edited, so it is read leniently: whatever cannot be read gives
Obsidian's default and one warning naming the file. This is the one file the scan reads
(design section 3).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from vaultkit.files import os_reason, read_regular
from vaultkit.vault import CONFIG_DIR as DEFAULT_CONFIG_DIR  # the folder that makes a vault

__all__ = ["DEFAULT_CONFIG_DIR", "ObsidianSettings", "read_json_object", "read_obsidian_settings"]


class ObsidianSettings(NamedTuple):
    """The few vault settings from ``app.json`` that decide what vaultkit sees."""

    config_dir: str
    """Name of the config folder at the vault root (``.obsidian`` by default)."""
    ignore_filters: tuple[str, ...]
    """``userIgnoreFilters`` ("Excluded files"): path prefixes or ``/regex/`` strings."""
    attachment_folder: str | None
    """``attachmentFolderPath`` as written (``/``, ``./``, ``./sub``, ``Folder``), or None."""


def read_obsidian_settings(
    vault: Path, config_dir: str = DEFAULT_CONFIG_DIR
) -> tuple[ObsidianSettings, list[str]]:
    """Read ``app.json`` leniently; return the settings and warnings for the user.

    A missing file gives the defaults without a warning (Obsidian writes it only once a
    setting changes). Unreadable or invalid JSON, or a key of the wrong type, gives a warning
    naming the file, and the defaults for what could not be read.
    """
    config_dir = config_dir.strip("/") or DEFAULT_CONFIG_DIR
    shown = f"{config_dir}/app.json"
    data, warnings = read_json_object(vault / config_dir / "app.json", shown)
    if data is None:
        defaults = ObsidianSettings(config_dir, ignore_filters=(), attachment_folder=None)
        return defaults, warnings
    settings = ObsidianSettings(
        config_dir=config_dir,
        ignore_filters=_ignore_filters(data, shown, warnings),
        attachment_folder=_attachment_folder(data, shown, warnings),
    )
    return settings, warnings


def read_json_object(
    path: Path, shown: str, defaults: str = "Obsidian's default settings are used"
) -> tuple[dict[str, object] | None, list[str]]:
    """The JSON object in the file (None: the defaults apply), and why it could not be read;
    ``defaults`` ends each warning, saying what is used instead."""
    try:
        raw = read_regular(path)
    except (FileNotFoundError, NotADirectoryError):
        return None, []
    except OSError as exc:
        return None, [f"Could not read {shown} ({os_reason(exc)}), so {defaults}."]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [f"{shown} is not UTF-8 text, so {defaults}."]
    if not text.strip():
        # Obsidian itself treats an empty settings file as "nothing changed".
        return None, []
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            f"{shown} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}), "
            f"so {defaults}."
        ]
    if not isinstance(data, dict):
        return None, [f"{shown} does not hold a JSON object, so {defaults}."]
    return data, []


def _ignore_filters(data: dict[str, object], shown: str, warnings: list[str]) -> tuple[str, ...]:
    """``userIgnoreFilters``, its text entries; a warning for anything else in it."""
    raw_filters = data.get("userIgnoreFilters")
    if isinstance(raw_filters, list):
        filters = tuple(f for f in raw_filters if isinstance(f, str))
        if len(filters) != len(raw_filters):
            warnings.append(
                f"{shown}: userIgnoreFilters holds entries that are not text; they are ignored."
            )
        return filters
    if raw_filters is not None:
        warnings.append(
            f"{shown}: userIgnoreFilters should be a list of text entries, so no files are "
            "treated as excluded."
        )
    return ()


def _attachment_folder(data: dict[str, object], shown: str, warnings: list[str]) -> str | None:
    """``attachmentFolderPath`` as written; a warning if it is not text."""
    raw_attachments = data.get("attachmentFolderPath")
    if isinstance(raw_attachments, str):
        return raw_attachments
    if raw_attachments is not None:
        warnings.append(
            f"{shown}: attachmentFolderPath should be text, so Obsidian's default "
            "(the vault root) is assumed."
        )
    return None
