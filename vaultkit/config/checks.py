"""The checks and clean-ups a setting's value gets beyond its type and bounds.

The schema (:mod:`vaultkit.config.schema`) names them per setting. A check runs only on a value
the file sets, after its type was read; it yields each problem with the key below the setting
it concerns (``()`` for the setting itself, ``(2,)`` for an array's third item). A string
setting's check gets the string; an array's check gets its strings with their positions.
A clean-up turns the value read into the value stored (``"#topic"`` into ``"topic"``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PureWindowsPath
from typing import NamedTuple

from vaultkit.cadences import cadence_name, heading_key
from vaultkit.config.dashboards import split_target
from vaultkit.config.reader import show
from vaultkit.config.toml_lines import Key
from vaultkit.errors import VaultkitError
from vaultkit.obsidian.daily_notes import format_problem
from vaultkit.obsidian.filters import compile_js_regex, is_glob
from vaultkit.vaultpaths import configured_index

Problem = tuple[Key, str]
"""The key below the setting (``()`` = the setting itself) and what is wrong there."""


class Context(NamedTuple):
    """What a check may need besides the value."""

    vault: Path
    section: Mapping[str, object]
    """The settings of the same section read before this one, by name."""


# --- [vault] ---------------------------------------------------------------------------------


def excludes(items: Sequence[tuple[int, str]], context: Context) -> Iterator[Problem]:
    for number, entry in items:
        text = entry.strip()
        if not text.strip("/"):
            yield (number,), 'is empty; give a path prefix such as "Archive/" or a /regex/'
        elif is_glob(text) and not text.strip("*/"):
            yield (
                (number,),
                (
                    f"{show(entry)} would exclude every file of the vault; give a pattern such as "
                    '"*.excalidraw.md" or a folder such as "Archive/"'
                ),
            )
        elif (
            len(text) >= 2
            and text.startswith("/")
            and text.endswith("/")
            # The scanner compiles it the same way; an invalid one would silently match nothing.
            and compile_js_regex(text[1:-1]) is None
        ):
            yield (number,), f"{show(entry)} is not a valid regular expression"


def index(text: str, context: Context) -> Iterator[Problem]:
    """By the rules of :mod:`vaultkit.vaultpaths`: a shared vault's config must not point
    vaultkit at a note, or anywhere in the vault outside .vaultkit/."""
    # Longer names than file systems take would fail only when the index is opened.
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in re.split(r"[/\\]", text)):
        yield (), "has a file or folder name longer than 255 bytes"
    elif text:
        try:
            configured_index(context.vault, text)
        except VaultkitError as exc:
            yield (), str(exc)


def today(text: str, context: Context) -> Iterator[Problem]:
    text = text.strip()
    if text:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            yield (), f"{show(text)} is not a date; write it as YYYY-MM-DD"


# --- [status] --------------------------------------------------------------------------------


def cadences(table: Mapping[str, str], context: Context) -> Iterator[Problem]:
    """Each name must be able to match a heading, name a cadence, and not match the same
    headings as another name with another cadence (they are matched by :func:`heading_key`)."""
    first: dict[str, tuple[str, str]] = {}
    for name, value in table.items():
        key = heading_key(name)
        if not key:
            yield (name,), "has no letters or digits, so it matches no heading"
        elif not cadence_name(value):
            yield (name,), 'names no cadence; write one, e.g. "daily"'
        elif key in first and cadence_name(first[key][1]) != cadence_name(value):
            yield (
                (name,),
                f"matches the same headings as {show(first[key][0])} (case, spaces and hyphens "
                f"do not count), but names another cadence ({show(value)}, not "
                f"{show(first[key][1])}); keep one of them",
            )
        first.setdefault(key, (name, value))


# --- [topics] --------------------------------------------------------------------------------


def tag(text: str, context: Context) -> Iterator[Problem]:
    name = bare_tag(text)
    if any(ch.isspace() for ch in name):
        yield (), f"{show(name)} is not a tag: tags have no spaces"


def bare_tag(text: str) -> str:
    return text.strip().removeprefix("#")


def folder(text: str, context: Context) -> Iterator[Problem]:
    # A leading "/" is read as the vault root, as Obsidian's folder settings do.
    stripped = text.strip()
    if PureWindowsPath(stripped).drive or stripped.startswith("~"):
        yield (), f"{show(text)} must be a folder inside the vault, relative to its root"
    elif ".." in stripped.split("/"):
        yield (), f"{show(text)} must not contain '..'"


def columns(items: Sequence[tuple[int, str]], context: Context) -> Iterator[Problem]:
    seen: set[str] = set()
    for number, column in items:
        if not column.strip():
            yield (number,), "a column name must not be empty"
        elif column.casefold() in seen:
            yield (number,), f"column {show(column)} is listed twice"
        seen.add(column.casefold())


def kept_table(text: str, context: Context) -> Iterator[Problem]:
    note = text.partition("#")[0].strip()
    if not note:
        return
    if not note.lower().endswith(".md"):
        yield (), f'{show(text)} must name a note as "Folder/Note.md" or "Note.md#Heading"'
    else:
        yield from folder(note, context)


def sort(text: str, context: Context) -> Iterator[Problem]:
    listed = context.section.get("columns", ())
    assert isinstance(listed, tuple)
    sortable = {"title", *(column.casefold() for column in listed)}
    if text.removeprefix("-").casefold() not in sortable:
        yield (
            (),
            (
                'expected "title" or one of the columns (optionally with a leading "-"), '
                f"got {show(text)}"
            ),
        )


# --- [daily_notes] ---------------------------------------------------------------------------


HABIT_SOURCES = ("daily_notes", "recurring_tasks", "checklists")
"""Where ``[habits] sources`` may find habits."""


def habit_sources(items: Sequence[tuple[int, str]], context: Context) -> Iterator[Problem]:
    seen: set[str] = set()
    for number, source in items:
        if source not in HABIT_SOURCES:
            yield (
                (number,),
                f'expected "daily_notes", "recurring_tasks" or "checklists", got {show(source)}',
            )
        elif source in seen:
            yield (number,), f"{show(source)} is listed twice"
        seen.add(source)


MISSING_DAY_RULES = ("missed", "untracked")
"""What a day without a daily note counts as in ``[habits] missing_day``."""


def missing_day(text: str, context: Context) -> Iterator[Problem]:
    if text.strip() not in MISSING_DAY_RULES:
        yield (), f'expected "missed" or "untracked", got {show(text)}'


def note_path(text: str, context: Context) -> Iterator[Problem]:
    """A note of the vault that vaultkit writes (the habits log): the rules of a dashboard's
    whole-file target, which it is written like."""
    path, region, problem = split_target(text)
    if problem is None and region is not None:
        problem = "must name a note, not a region of one (no '#')"
    if problem is not None:
        yield (), f"{show(text)} {problem}"
        return
    root = context.vault.resolve()
    # As for a dashboard's target: following the existing folders' symlinks is what a write
    # would do, and it must stay in the vault.
    resolved = Path(os.path.realpath(root / path))
    if not resolved.is_relative_to(root):
        yield (), f"{show(text)} leads out of the vault (to {resolved})"


def reset_checklists(value: bool, context: Context) -> Iterator[Problem]:
    sources = context.section.get("sources", ())
    assert isinstance(sources, tuple)
    if value and "checklists" not in sources:
        yield (), 'needs "checklists" among [habits] sources: the log records each period first'


def daily_format(text: str, context: Context) -> Iterator[Problem]:
    problem = format_problem(text)
    if problem:
        yield (), problem


def nfc_folder(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip("/"))


def nfc_path(text: str) -> str:
    # As a dashboard's target is kept (config.dashboards), so that it compares with the
    # index's paths.
    return unicodedata.normalize("NFC", text.strip())
