"""What ``vaultkit doctor`` says about the settings it read: excludes that match no file.

Doctor reports here what decides which files vaultkit reads, in the words a user needs to
fix it: an entry of Obsidian's "Excluded files" or of the config's ``[vault] excludes`` that
matches no file of the vault hides nothing, most often because of a misspelling or, in
Obsidian's settings, a glob pattern that Obsidian reads as a path prefix.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vaultkit.config.toml_lines import KeyLines
from vaultkit.files import read_regular
from vaultkit.obsidian.filters import is_glob, unmatched_filters
from vaultkit.obsidian.settings import read_obsidian_settings
from vaultkit.vaultpaths import CONFIG_PATH


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
