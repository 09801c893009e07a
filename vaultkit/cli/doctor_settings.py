"""What ``vaultkit doctor`` says about the settings it read.

Doctor shows the plugin settings that change what vaultkit counts (the Tasks plugin's global
filter and statuses, where the daily notes' folder and format come from, and whether their
format needs Obsidian's language to be read), and reports what decides which files vaultkit
reads, in the words a user needs to fix it: an entry of Obsidian's "Excluded files" or of the
config's ``[vault] excludes`` that matches no file of the vault hides nothing, most often
because of a misspelling or, in Obsidian's settings, a glob pattern that Obsidian reads as a
path prefix.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from vaultkit.config.toml_lines import KeyLines
from vaultkit.files import read_regular
from vaultkit.obsidian.daily_notes import DailyNoteSettings, locale_week_tokens
from vaultkit.obsidian.filters import is_glob, unmatched_filters
from vaultkit.obsidian.settings import read_obsidian_settings
from vaultkit.obsidian.tasks_plugin import read_tasks_plugin
from vaultkit.vaultpaths import CONFIG_PATH


def plugin_settings(
    vault: Path, daily: DailyNoteSettings | None
) -> tuple[dict[str, Any], list[str]]:
    """What was read of the plugins' settings (for doctor's report), and their warnings.

    ``daily``: the daily-note settings in force (the config's, over Obsidian's); None when the
    config cannot be read.
    """
    tasks = read_tasks_plugin(vault)
    report: dict[str, Any] = {
        "tasks_plugin": {
            "file": tasks.shown,
            "enabled": tasks.enabled,
            "global_filter": tasks.rules.global_filter,
            "statuses": [
                {"symbol": s.symbol, "name": s.name, "type": s.type, "counts_as": s.status.value}
                for s in tasks.statuses
            ],
        }
    }
    warnings = list(tasks.warnings)
    if daily is not None:
        tokens = locale_week_tokens(daily.format)
        report["daily_notes"] = {
            "folder": daily.folder,
            "format": daily.format,
            "source": daily.source,
            "locale_week_tokens": tokens,
            # Not a warning: the names are read, only under an assumption worth knowing.
            "note": (
                f"{', '.join(tokens)} number weeks by Obsidian's language, which the vault does "
                "not record; vaultkit reads them with moment's English week (Sunday first, "
                "week 1 holds January 1). If Obsidian runs in another language, write ISO "
                "weeks (GGGG, WW, E) in the format instead."
                if tokens
                else ""
            ),
        }
    return report, warnings


def unmatched_exclude_warnings(
    vault: Path, connection: sqlite3.Connection, excludes: tuple[str, ...]
) -> list[str]:
    """One sentence per exclude entry (Obsidian's or the config's) that matches no file."""
    # Every file the index knows, and what the last scan left out (a pruned folder included).
    paths = [
        row[0]
        for row in connection.execute("SELECT path FROM files UNION SELECT path FROM skipped")
    ]
    settings, _ = read_obsidian_settings(vault)
    shown = f"{settings.config_dir}/app.json"
    warnings = []
    for entry in unmatched_filters(settings.ignore_filters, paths):
        hint = (
            f"Obsidian reads it as a path prefix, not a pattern; to hide those files write a "
            f"regex such as /{_glob_example(entry)}/ in Settings > Files and links > "
            "Excluded files"
            if is_glob(entry)
            else "check its spelling in Settings > Files and links > Excluded files"
        )
        warnings.append(f'{shown}: Excluded files entry "{entry}" matches no file; {hint}.')
    unmatched = unmatched_filters(excludes, paths, globs=True)
    if unmatched:
        line = _excludes_line(vault)
        where = f"{CONFIG_PATH.as_posix()}:{line}" if line else CONFIG_PATH.as_posix()
        for entry in unmatched:
            warnings.append(
                f'{where}: [vault] excludes entry "{entry}" matches no file; check its '
                'spelling (a folder is "Archive/" from the vault root, a glob such as '
                '"*.excalidraw.md" matches a name at any depth).'
            )
    return warnings


def _glob_example(glob: str) -> str:
    """A JavaScript regex body for the simple glob ``glob`` (``*.x.md`` -> ``\\.x\\.md$``)."""
    text = glob.strip().strip("/")
    if text.startswith("*") and not any(c in "*?" for c in text[1:]):
        return _js_escape(text[1:]) + "$"
    return _js_escape(text).replace("\\*", "[^/]*").replace("\\?", "[^/]")


def _js_escape(text: str) -> str:
    return "".join("\\" + c if c in r"\^$.|?*+()[]{}/" else c for c in text)


def _excludes_line(vault: Path) -> int | None:
    """The line of ``excludes`` in the config file, for the warning."""
    try:
        text = read_regular(vault / CONFIG_PATH).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return KeyLines(text).find(("vault", "excludes"))
