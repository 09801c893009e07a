"""The commented default ``config.toml`` that ``vaultkit init`` writes."""

from __future__ import annotations

from pathlib import Path

from vaultkit.config.dashboards import DEFAULT_TEXT as DASHBOARDS_TEXT
from vaultkit.config.reader import SHOWN
from vaultkit.errors import VaultkitError
from vaultkit.vault import leads_outside
from vaultkit.vaultpaths import CONFIG_PATH


def init_config(vault: Path) -> Path:
    """Write the commented default config into the vault; never replace an existing one.

    Refused when ``.vaultkit`` leads outside the vault (a symbolic link): nothing is created.
    """
    path = vault / CONFIG_PATH
    found = leads_outside(vault, CONFIG_PATH.parent.as_posix())
    if found is not None:
        raise VaultkitError(
            f"leads outside the vault (to {found[1]}), so init wrote nothing; replace the link "
            "with a real folder and run vaultkit init again",
            path=str(found[0]),
        )
    try:
        path.parent.mkdir(exist_ok=True)
    except OSError as exc:
        raise VaultkitError(
            f"could not be created: {exc.strerror or exc}", path=CONFIG_PATH.parent.as_posix()
        ) from None
    try:
        # "x" creates the file or fails: an existing config (the user's work) is never replaced.
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(default_config_text())
    except FileExistsError:
        raise VaultkitError(
            "already exists; edit it, or delete it to start again from the defaults",
            path=SHOWN,
        ) from None
    except OSError as exc:
        raise VaultkitError(f"could not be created: {exc.strerror or exc}", path=SHOWN) from None
    return path


def default_config_text() -> str:
    """The default config as a commented ``config.toml`` (what ``init`` writes)."""
    return _DEFAULT_TEXT + "\n" + DASHBOARDS_TEXT


_DEFAULT_TEXT = """\
# vaultkit settings for this vault. Each key below is set to its default: change a value to
# override it, or delete the line to go back to the default. Unknown keys and wrong types are
# reported with their line.

[vault]
# Files and folders vaultkit ignores, on top of Obsidian's "Excluded files", in the same
# syntax: a path prefix such as "Archive/" or a regular expression written "/.../".
excludes = []
# The index file (a cache of the parsed vault). "" = the user cache folder, outside the vault,
# so sync services never copy it. "~" is your home folder; a relative path is relative to
# this .vaultkit/ folder (e.g. "index.sqlite3"); a path in the vault outside .vaultkit/ is
# refused. vaultkit only ever replaces a file there that is its own index.
index = ""
# Guard rail: a run that would write more files than this stops before writing any.
max_files_written = 50
# Guard rail: a run that would grow a file by more than this factor stops before writing...
max_growth = 5.0
# ...except that any file may grow to this many bytes (1 MiB): small notes, a region in a
# short note. A new file may be as large as max_output.
growth_allowance = 1_048_576
# Bounds on each template's render; past either, the sync stops, names the template and
# writes nothing. Seconds (the built-in templates need about 3 s at 100,000 notes):
template_timeout = 30.0
# Bytes of output (64 MiB); also the longest string a template may build, and an eighth of
# it the longest list. A render may use about 16 times this in memory (at least 256 MiB).
max_output = 67_108_864
# Watch mode: do not write into a note modified in the last this many seconds.
quiet_seconds = 5
# Watch mode: wait this many milliseconds after the last change before syncing.
debounce_ms = 500
# Compute the dashboards as of this date (YYYY-MM-DD) instead of today; "" = today.
# Meant for examples and fixtures whose dashboards are committed.
today = ""

[topics]
# Which notes are topics in the comparison table: a note matching any of tag, folder and
# property is a topic ("" = unused).
# A tag, without "#":
tag = "topic"
# A folder (notes in it and below):
folder = ""
# A property that must be truthy (e.g. "topic: true"):
property = ""
# Table columns: property names, section names (the bullet list under a heading of that
# name), or the computed columns progress, resources, modified and tasks.
columns = ["status", "timeline", "Details", "Pros", "Cons", "progress", "resources", "modified"]
# Sort rows by "title" or one of the columns; a leading "-" sorts descending.
sort = "title"

[habits]
# Days in the rolling window, ending today.
window_days = 14
# Habit text -> target percentage (0-100), e.g. { "Gym" = 75, "Read 20 pages" = 90 }.
targets = {}
# Target percentage for habits not listed in targets.
default_target = 75
# Heading that holds the habit checkboxes in daily notes ("" = anywhere in the note).
section = "Habits"

[daily_notes]
# These follow Obsidian's Daily notes settings (.obsidian/daily-notes.json). Uncomment a key
# only to override Obsidian: set here, it wins over Obsidian's setting.
# Folder holding the daily notes ("" = the vault root):
# folder = ""
# File name format in moment.js tokens: YYYY, YY, M, MM, MMM, MMMM, D, DD, Do, ddd, dddd;
# text in [brackets] is literal. It may contain folders, e.g. "YYYY/MM/YYYY-MM-DD".
# format = "YYYY-MM-DD"
"""
