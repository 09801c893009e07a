"""vaultkit's settings for one vault: the schema, its defaults, and checking what the user wrote.

This module owns ``<vault>/.vaultkit/config.toml`` (design section 10): the typed, frozen
schema with a default for every key (a vault without a config works), the layering
defaults → Obsidian's Daily notes settings → the file, and validation. Every problem in the
file (unknown key, wrong type, bad value, a dashboard target that could write outside the vault,
design section 8 item 6) is collected and reported at once with its key and line, so the user
fixes the file in one pass. The commented default file that ``init`` writes is
:mod:`vaultkit.config.default_file`'s; Obsidian's own Daily notes settings and date formats
live in :mod:`vaultkit.obsidian.daily_notes`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from types import MappingProxyType
from typing import NamedTuple

from vaultkit.config.dashboards import Dashboard, default_dashboards, read_dashboards
from vaultkit.config.reader import SHOWN, Reader, show, strings
from vaultkit.config.toml_lines import (
    KeyLines,
    deep_line,
    long_number_line,
    toml_error,
)
from vaultkit.errors import ConfigError, VaultkitError
from vaultkit.files import read_regular
from vaultkit.obsidian.daily_notes import (
    DEFAULT_DAILY_FORMAT,
    format_problem,
    read_daily_note_settings,
)
from vaultkit.scan.walk import DEFAULT_CONFIG_DIR, _compile_js_regex
from vaultkit.vaultpaths import CONFIG_PATH, configured_index

MIB = 1024 * 1024
DEFAULT_TEMPLATE_TIMEOUT = 30.0
"""Seconds one template may take to render. The built-in templates take about 0.3 s at
10,000 notes when every note is a topic (the one table without a row limit), so about 3 s at
100,000 notes; the lock is held no longer than this when a template hangs."""
DEFAULT_MAX_OUTPUT = 64 * MIB
"""Bytes one template may produce; also the largest string, and an eighth of it the longest
list, a template may build. The topic table of 100,000 topic notes is about 22 MB."""
DEFAULT_GROWTH_ALLOWANCE = 1 * MIB
"""Bytes any existing file may grow to whatever ``max_growth`` says (small notes, a region
added to a short note). Every built-in dashboard but a topic table of thousands of rows
stays well below it."""

MAX_CONFIG_BYTES = 1 * MIB
"""A config larger than this is refused unread: the commented default is about 6 KB."""
_MAX_NESTING = 50
"""Brackets nested deeper than this are reported as such when tomllib gives up."""


# --- the schema ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VaultSettings:
    """What vaultkit reads, where it keeps its index, and the guard rails on writing."""

    excludes: tuple[str, ...] = ()
    """Extra ignores on top of Obsidian's "Excluded files": path prefixes or ``/regex/``."""
    index: str = ""
    """Path of the index file as written (``~`` allowed; a relative path is relative to
    ``.vaultkit/``, and a path in the vault outside ``.vaultkit/`` is refused: see
    :mod:`vaultkit.vaultpaths`); ``""`` = the user cache folder (outside the vault)."""
    max_files_written: int = 50
    """A run that would write more files than this stops before writing any."""
    max_growth: float = 5.0
    """Refuse to grow an existing file by more than this factor (but see growth_allowance)."""
    growth_allowance: int = DEFAULT_GROWTH_ALLOWANCE
    """Any existing file may grow to this many bytes whatever its factor; a new file may be
    as large as ``max_output``."""
    template_timeout: float = DEFAULT_TEMPLATE_TIMEOUT
    """Seconds one template's render may take before it is stopped (nothing written)."""
    max_output: int = DEFAULT_MAX_OUTPUT
    """Bytes one template's render may produce before it is stopped (nothing written)."""
    quiet_seconds: float = 5.0
    """Watch mode: do not write into a note modified in the last this many seconds."""
    debounce_ms: int = 500
    """Watch mode: wait this long after the last file event before syncing."""
    today: str = ""
    """Compute dashboards as of this date (YYYY-MM-DD); "" = the real today. For examples
    and reproducible fixtures; the VAULTKIT_TODAY environment variable overrides it."""


class TopicSettings(NamedTuple):
    """Which notes are topics, and the columns of the topic comparison table."""

    tag: str = "topic"
    """A note with this tag (without ``#``) is a topic; ``""`` = unused."""
    folder: str = ""
    """A note in this folder (or below) is a topic; ``""`` = unused."""
    property: str = ""
    """A note whose property of this name is truthy is a topic; ``""`` = unused."""
    columns: tuple[str, ...] = (
        "status",
        "timeline",
        "Details",
        "Pros",
        "Cons",
        "progress",
        "resources",
        "modified",
    )
    """Property names, section names (bullets under that heading) or computed columns."""
    sort: str = "title"
    """Column the rows are sorted by; a leading ``-`` sorts descending."""


class HabitSettings(NamedTuple):
    """How the habits dashboard reads daily notes."""

    window_days: int = 14
    """Length of the rolling window, in days, ending today."""
    targets: Mapping[str, float] = MappingProxyType({})
    """Habit text → target percentage (0–100); read-only."""
    default_target: float = 75.0
    """Target percentage for a habit not listed in :attr:`targets`."""
    section: str = "Habits"
    """Heading that holds the habit checkboxes in a daily note; ``""`` = anywhere."""


class DailyNotes(NamedTuple):
    """Where daily notes live and how they are named (Obsidian's Daily notes settings)."""

    folder: str = ""
    """Vault-relative folder of the daily notes, without slashes at the ends; ``""`` = root."""
    format: str = DEFAULT_DAILY_FORMAT
    """moment.js format of a daily note's path below :attr:`folder`, without ``.md``."""


class Config(NamedTuple):
    """Everything configurable about one vault; ``Config()`` is the default."""

    vault: VaultSettings = VaultSettings()
    """``[vault]``: excludes, index location, guard rails, watch timing."""
    topics: TopicSettings = TopicSettings()
    """``[topics]``: topic selection and comparison-table columns."""
    habits: HabitSettings = HabitSettings()
    """``[habits]``: window and targets."""
    daily_notes: DailyNotes = DailyNotes()
    """``[daily_notes]``: Obsidian's settings unless the config overrides them."""
    dashboards: tuple[Dashboard, ...] = default_dashboards()
    """Built-ins in a fixed order, then custom dashboards in file order."""


# --- loading ---------------------------------------------------------------------------------


def load_config(vault: Path) -> Config:
    """The vault's settings: defaults, then ``.obsidian/daily-notes.json``, then the file."""
    obsidian = read_daily_note_settings(vault, DEFAULT_CONFIG_DIR)
    daily = DailyNotes(folder=obsidian.folder, format=obsidian.format)
    path = vault / CONFIG_PATH
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", path=SHOWN) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"is larger than {MAX_CONFIG_BYTES // MIB} MiB, which no vaultkit config needs "
            "(the commented default is about 6 KB); check what the file holds",
            path=SHOWN,
        )
    try:
        # utf-8-sig: Windows editors like to add a BOM, which TOML itself does not allow.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("is not UTF-8 text", path=SHOWN, line=bad_line) from None
    if not text.strip():
        data: dict[str, object] = {}  # no file (the usual case): spare the hook tomllib's import
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message, line = toml_error(str(exc), text)
            raise ConfigError(f"invalid TOML: {message}", path=SHOWN, line=line) from None
        except RecursionError:
            raise ConfigError(
                f"has arrays or tables nested too deeply (more than {_MAX_NESTING} levels); "
                "no vaultkit setting nests",
                path=SHOWN,
                line=deep_line(text, _MAX_NESTING),
            ) from None
        except ValueError:
            # Python refuses to read integers of more than 4300 digits (tomllib lets it raise).
            raise ConfigError(
                "has a number with thousands of digits; no vaultkit setting needs one",
                path=SHOWN,
                line=long_number_line(text),
            ) from None
    reader = Reader(KeyLines(text))
    config = _build(reader, data, daily, vault)
    reader.raise_if_any()
    return config


def _build(reader: Reader, data: dict[str, object], daily: DailyNotes, vault: Path) -> Config:
    reader.known(data, (), ("vault", "topics", "habits", "daily_notes", "dashboards"))
    return Config(
        vault=_vault_settings(reader, reader.table(data, ("vault",)), vault),
        topics=_topic_settings(reader, reader.table(data, ("topics",))),
        habits=_habit_settings(reader, reader.table(data, ("habits",))),
        daily_notes=_daily_notes(reader, reader.table(data, ("daily_notes",)), daily),
        dashboards=read_dashboards(reader, reader.table(data, ("dashboards",)), vault),
    )


def _index_setting(r: Reader, table: dict[str, object], vault: Path) -> str:
    """``[vault] index``, checked by the rules of :mod:`vaultkit.vaultpaths` (a shared vault's
    config must not point vaultkit at a note, or anywhere in the vault outside .vaultkit/)."""
    text = r.text(table, ("vault", "index"), "")
    # Longer names than file systems take would fail only when the index is opened.
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in re.split(r"[/\\]", text)):
        r.add(("vault", "index"), "has a file or folder name longer than 255 bytes")
        return ""
    if text:
        try:
            configured_index(vault, text)
        except VaultkitError as exc:
            r.add(("vault", "index"), str(exc))
            return ""
    return text


def _vault_settings(r: Reader, table: dict[str, object], vault: Path) -> VaultSettings:
    d = VaultSettings()
    r.known(table, ("vault",), VaultSettings.__match_args__)
    excludes = r.texts(table, ("vault", "excludes"), d.excludes)
    for number, entry in strings(table.get("excludes")):
        key = ("vault", "excludes", number)
        text = entry.strip()
        if not text.strip("/"):
            r.add(key, 'is empty; give a path prefix such as "Archive/" or a /regex/')
        elif (
            len(text) >= 2
            and text.startswith("/")
            and text.endswith("/")
            # The scanner compiles it the same way; an invalid one would silently match nothing.
            and _compile_js_regex(text[1:-1]) is None
        ):
            r.add(key, f"{show(entry)} is not a valid regular expression")
    return VaultSettings(
        excludes=excludes,
        index=_index_setting(r, table, vault),
        max_files_written=r.integer(
            table,
            ("vault", "max_files_written"),
            d.max_files_written,
            minimum=1,
            at_most=1_000_000,
        ),
        max_growth=r.number(
            table, ("vault", "max_growth"), d.max_growth, minimum=1.0, at_most=1_000_000
        ),
        growth_allowance=r.integer(
            table,
            ("vault", "growth_allowance"),
            d.growth_allowance,
            minimum=0,
            at_most=1024 * MIB,
        ),
        template_timeout=r.number(
            table,
            ("vault", "template_timeout"),
            d.template_timeout,
            minimum=0.1,
            at_most=3600,
        ),
        max_output=r.integer(
            table, ("vault", "max_output"), d.max_output, minimum=1024, at_most=1024 * MIB
        ),
        quiet_seconds=r.number(
            table, ("vault", "quiet_seconds"), d.quiet_seconds, minimum=0.0, at_most=86_400
        ),
        debounce_ms=r.integer(
            table, ("vault", "debounce_ms"), d.debounce_ms, minimum=0, at_most=3_600_000
        ),
        today=_today_setting(r, table),
    )


def _today_setting(r: Reader, table: dict[str, object]) -> str:
    text = r.text(table, ("vault", "today"), "").strip()
    if text:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            r.add(("vault", "today"), f"{show(text)} is not a date; write it as YYYY-MM-DD")
            return ""
    return text


def _topic_settings(r: Reader, table: dict[str, object]) -> TopicSettings:
    d = TopicSettings()
    r.known(table, ("topics",), TopicSettings.__match_args__)
    tag = r.text(table, ("topics", "tag"), d.tag).strip().removeprefix("#")
    if any(ch.isspace() for ch in tag):
        r.add(("topics", "tag"), f"{show(tag)} is not a tag: tags have no spaces")
    folder = r.text(table, ("topics", "folder"), d.folder)
    problem = _folder_problem(folder)
    if problem:
        r.add(("topics", "folder"), problem)
    columns = r.texts(table, ("topics", "columns"), d.columns)
    seen: set[str] = set()
    for number, column in strings(table.get("columns")):
        if not column.strip():
            r.add(("topics", "columns", number), "a column name must not be empty")
        elif column.casefold() in seen:
            r.add(("topics", "columns", number), f"column {show(column)} is listed twice")
        seen.add(column.casefold())
    sort = r.text(table, ("topics", "sort"), d.sort)
    sortable = {"title", *(column.casefold() for column in columns)}
    if "sort" in table and sort.removeprefix("-").casefold() not in sortable:
        r.add(
            ("topics", "sort"),
            f'expected "title" or one of the columns (optionally with a leading "-"), '
            f"got {show(sort)}",
        )
    return TopicSettings(
        tag=tag,
        folder=folder.strip("/"),
        property=r.text(table, ("topics", "property"), d.property),
        columns=columns,
        sort=sort,
    )


def _habit_settings(r: Reader, table: dict[str, object]) -> HabitSettings:
    d = HabitSettings()
    r.known(table, ("habits",), HabitSettings.__match_args__)
    targets: dict[str, float] = {}
    raw_targets = r.table(table, ("habits", "targets"))
    first_spelling: dict[str, str] = {}
    for habit in raw_targets:
        key = ("habits", "targets", habit)
        if habit.casefold() in first_spelling:
            r.add(key, f"the same habit as {show(first_spelling[habit.casefold()])}")
        first_spelling.setdefault(habit.casefold(), habit)
        value = r.number(raw_targets, key, -1.0, minimum=0, maximum=100)
        if value >= 0:
            targets[habit] = value
    return HabitSettings(
        window_days=r.integer(
            table, ("habits", "window_days"), d.window_days, minimum=1, at_most=36_525
        ),
        targets=MappingProxyType(targets),
        default_target=r.number(
            table, ("habits", "default_target"), d.default_target, minimum=0.0, maximum=100.0
        ),
        section=r.text(table, ("habits", "section"), d.section).strip(),
    )


def _daily_notes(r: Reader, table: dict[str, object], obsidian: DailyNotes) -> DailyNotes:
    r.known(table, ("daily_notes",), DailyNotes.__match_args__)
    folder = r.text(table, ("daily_notes", "folder"), obsidian.folder)
    if "folder" in table:
        problem = _folder_problem(folder)
        if problem:
            r.add(("daily_notes", "folder"), problem)
    fmt = r.text(table, ("daily_notes", "format"), obsidian.format)
    if "format" in table:
        problem = format_problem(fmt)
        if problem:
            r.add(("daily_notes", "format"), problem)
    return DailyNotes(folder=_nfc(folder.strip("/")), format=fmt)


def _folder_problem(folder: str) -> str | None:
    # A leading "/" is read as the vault root, as Obsidian's folder settings do.
    text = folder.strip()
    if PureWindowsPath(text).drive or text.startswith("~"):
        return f"{show(folder)} must be a folder inside the vault, relative to its root"
    if ".." in text.split("/"):
        return f"{show(folder)} must not contain '..'"
    return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
