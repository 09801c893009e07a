"""vaultkit's settings for one vault: the schema, its defaults, and checking what the user wrote.

This module owns ``<vault>/.vaultkit/config.toml`` (design section 10): the typed, frozen
schema with a default for every key (a vault without a config works), the layering
defaults → Obsidian's Daily notes settings → the file, and validation. Every problem in the
file (unknown key, wrong type, bad value, a dashboard target that could write outside the vault,
design section 8 item 6) is collected and reported at once with its key and line, so the user
fixes the file in one pass. It also owns the commented default file written by ``init`` and
reading daily-note dates from file names in Obsidian's moment.js format.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.errors import ConfigError, VaultkitError
from vaultkit.files import read_regular
from vaultkit.obsidian.filters import compile_js_regex
from vaultkit.obsidian.settings import DEFAULT_CONFIG_DIR
from vaultkit.vault import leads_outside
from vaultkit.vaultpaths import CONFIG_PATH, configured_index

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Imported when first needed: logging costs the hook's start-up ~10 ms.
    import logging

    return logging.getLogger(__name__)


_SHOWN = CONFIG_PATH.as_posix()

BUILTIN_DASHBOARDS: Mapping[str, str] = MappingProxyType(
    {
        "status": "Dashboards/Status.md",
        "topics": "Dashboards/Topics.md",
        "resources": "Dashboards/Resources.md",
        "habits": "Dashboards/Habits.md",
        "links": "Dashboards/Link health.md",
    }
)
"""Built-in dashboard name → default target, in the order dashboards are listed."""

DEFAULT_DAILY_FORMAT = "YYYY-MM-DD"
"""Obsidian's daily-note name format when its settings leave it empty."""

_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
"""Dashboard and region names: they end up in file names and ``%% vaultkit:… %%`` markers."""

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
MAX_TEXT = 4096
"""Longest string value (the longest path most systems accept)."""
MAX_ENTRIES = 1000
"""Most entries in one array or table (excludes, columns, habit targets, dashboards)."""
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


class Dashboard(NamedTuple):
    """One generated dashboard and where it goes."""

    name: str
    """The name under ``[dashboards.NAME]``; also the region marker name for a whole file."""
    enabled: bool
    """False: the dashboard is not rendered and its target is left alone."""
    target_path: str
    """Vault-relative POSIX path of the file written (or holding the region), NFC."""
    region: str | None
    """Name of the region inside :attr:`target_path`; None = vaultkit owns the whole file."""
    template: str
    """Template file name: the built-in ``<name>.md.j2`` unless the config names another."""


def _default_dashboards() -> tuple[Dashboard, ...]:
    return tuple(
        Dashboard(name, True, target, None, f"{name}.md.j2")
        for name, target in BUILTIN_DASHBOARDS.items()
    )


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
    dashboards: tuple[Dashboard, ...] = _default_dashboards()
    """Built-ins in a fixed order, then custom dashboards in file order."""


# --- loading ---------------------------------------------------------------------------------


def load_config(vault: Path) -> Config:
    """The vault's settings: defaults, then ``.obsidian/daily-notes.json``, then the file."""
    daily = _obsidian_daily_notes(vault)
    path = vault / CONFIG_PATH
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", path=_SHOWN) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"is larger than {MAX_CONFIG_BYTES // MIB} MiB, which no vaultkit config needs "
            "(the commented default is about 6 KB); check what the file holds",
            path=_SHOWN,
        )
    try:
        # utf-8-sig: Windows editors like to add a BOM, which TOML itself does not allow.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("is not UTF-8 text", path=_SHOWN, line=bad_line) from None
    if not text.strip():
        data: dict[str, object] = {}  # no file (the usual case): spare the hook tomllib's import
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message, line = _toml_error(str(exc), text)
            raise ConfigError(f"invalid TOML: {message}", path=_SHOWN, line=line) from None
        except RecursionError:
            raise ConfigError(
                f"has arrays or tables nested too deeply (more than {_MAX_NESTING} levels); "
                "no vaultkit setting nests",
                path=_SHOWN,
                line=_deep_line(text),
            ) from None
        except ValueError:
            # Python refuses to read integers of more than 4300 digits (tomllib lets it raise).
            raise ConfigError(
                "has a number with thousands of digits; no vaultkit setting needs one",
                path=_SHOWN,
                line=_long_number_line(text),
            ) from None
    reader = _Reader(_KeyLines(text))
    config = _build(reader, data, daily, vault)
    reader.raise_if_any()
    return config


def _build(reader: _Reader, data: dict[str, object], daily: DailyNotes, vault: Path) -> Config:
    reader.known(data, (), ("vault", "topics", "habits", "daily_notes", "dashboards"))
    return Config(
        vault=_vault_settings(reader, reader.table(data, ("vault",)), vault),
        topics=_topic_settings(reader, reader.table(data, ("topics",))),
        habits=_habit_settings(reader, reader.table(data, ("habits",))),
        daily_notes=_daily_notes(reader, reader.table(data, ("daily_notes",)), daily),
        dashboards=_dashboards(reader, reader.table(data, ("dashboards",)), vault),
    )


def _index_setting(r: _Reader, table: dict[str, object], vault: Path) -> str:
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


def _vault_settings(r: _Reader, table: dict[str, object], vault: Path) -> VaultSettings:
    d = VaultSettings()
    r.known(table, ("vault",), VaultSettings.__match_args__)
    excludes = r.texts(table, ("vault", "excludes"), d.excludes)
    for number, entry in _strings(table.get("excludes")):
        key = ("vault", "excludes", number)
        text = entry.strip()
        if not text.strip("/"):
            r.add(key, 'is empty; give a path prefix such as "Archive/" or a /regex/')
        elif (
            len(text) >= 2
            and text.startswith("/")
            and text.endswith("/")
            # The scanner compiles it the same way; an invalid one would silently match nothing.
            and compile_js_regex(text[1:-1]) is None
        ):
            r.add(key, f"{_show(entry)} is not a valid regular expression")
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


def _today_setting(r: _Reader, table: dict[str, object]) -> str:
    text = r.text(table, ("vault", "today"), "").strip()
    if text:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            r.add(("vault", "today"), f"{_show(text)} is not a date; write it as YYYY-MM-DD")
            return ""
    return text


def _topic_settings(r: _Reader, table: dict[str, object]) -> TopicSettings:
    d = TopicSettings()
    r.known(table, ("topics",), TopicSettings.__match_args__)
    tag = r.text(table, ("topics", "tag"), d.tag).strip().removeprefix("#")
    if any(ch.isspace() for ch in tag):
        r.add(("topics", "tag"), f"{_show(tag)} is not a tag: tags have no spaces")
    folder = r.text(table, ("topics", "folder"), d.folder)
    problem = _folder_problem(folder)
    if problem:
        r.add(("topics", "folder"), problem)
    columns = r.texts(table, ("topics", "columns"), d.columns)
    seen: set[str] = set()
    for number, column in _strings(table.get("columns")):
        if not column.strip():
            r.add(("topics", "columns", number), "a column name must not be empty")
        elif column.casefold() in seen:
            r.add(("topics", "columns", number), f"column {_show(column)} is listed twice")
        seen.add(column.casefold())
    sort = r.text(table, ("topics", "sort"), d.sort)
    sortable = {"title", *(column.casefold() for column in columns)}
    if "sort" in table and sort.removeprefix("-").casefold() not in sortable:
        r.add(
            ("topics", "sort"),
            f'expected "title" or one of the columns (optionally with a leading "-"), '
            f"got {_show(sort)}",
        )
    return TopicSettings(
        tag=tag,
        folder=folder.strip("/"),
        property=r.text(table, ("topics", "property"), d.property),
        columns=columns,
        sort=sort,
    )


def _habit_settings(r: _Reader, table: dict[str, object]) -> HabitSettings:
    d = HabitSettings()
    r.known(table, ("habits",), HabitSettings.__match_args__)
    targets: dict[str, float] = {}
    raw_targets = r.table(table, ("habits", "targets"))
    first_spelling: dict[str, str] = {}
    for habit in raw_targets:
        key = ("habits", "targets", habit)
        if habit.casefold() in first_spelling:
            r.add(key, f"the same habit as {_show(first_spelling[habit.casefold()])}")
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


def _daily_notes(r: _Reader, table: dict[str, object], obsidian: DailyNotes) -> DailyNotes:
    r.known(table, ("daily_notes",), DailyNotes.__match_args__)
    folder = r.text(table, ("daily_notes", "folder"), obsidian.folder)
    if "folder" in table:
        problem = _folder_problem(folder)
        if problem:
            r.add(("daily_notes", "folder"), problem)
    fmt = r.text(table, ("daily_notes", "format"), obsidian.format)
    if "format" in table:
        problem = _format_problem(fmt)
        if problem:
            r.add(("daily_notes", "format"), problem)
    return DailyNotes(folder=_nfc(folder.strip("/")), format=fmt)


def _dashboards(r: _Reader, table: dict[str, object], vault: Path) -> tuple[Dashboard, ...]:
    given = {name: r.table(table, ("dashboards", name)) for name in table}
    names = [*BUILTIN_DASHBOARDS, *(name for name in given if name not in BUILTIN_DASHBOARDS)]
    dashboards: list[Dashboard] = []
    well_formed: list[Dashboard] = []
    for name in names:
        dashboard, ok = _dashboard(r, name, given.get(name, {}))
        dashboards.append(dashboard)
        if ok:
            well_formed.append(dashboard)
    _check_targets(r, well_formed, vault)
    return tuple(dashboards)


def _dashboard(r: _Reader, name: str, table: dict[str, object]) -> tuple[Dashboard, bool]:
    """The dashboard, and whether its target is well-formed (worth resolving on disk)."""
    key = ("dashboards", name)
    r.known(table, key, ("enabled", "target", "template"))
    builtin = name in BUILTIN_DASHBOARDS
    if not _NAME_RE.fullmatch(name):
        r.add(key, "a dashboard name may use only letters, digits, '-' and '_'")
    enabled = r.flag(table, (*key, "enabled"), True)
    default_target = BUILTIN_DASHBOARDS.get(name, f"Dashboards/{name}.md")
    target = r.text(table, (*key, "target"), default_target)
    template = r.text(table, (*key, "template"), "").strip()
    if not template and not builtin:
        hint = f" (did you mean '{name.lower()}'?)" if name.lower() in BUILTIN_DASHBOARDS else ""
        r.add(
            key,
            "a custom dashboard must name its 'template' (a file in .vaultkit/templates/); "
            f"the built-in dashboards are {', '.join(BUILTIN_DASHBOARDS)}{hint}",
        )
    elif template:
        problem = _template_problem(template)
        if problem:
            r.add((*key, "template"), problem)
    path, region, problem = _split_target(target)
    if problem:
        r.add((*key, "target"), f"{_show(target)} {problem}")
    dashboard = Dashboard(
        name=name,
        enabled=enabled,
        target_path=path,
        region=region,
        template=template or f"{name}.md.j2",
    )
    return dashboard, problem is None


def _split_target(target: str) -> tuple[str, str | None, str | None]:
    """``(path, region, problem)`` for a target ``"Note.md"`` or ``"Note.md#region"``."""
    path, hash_sign, region_text = target.strip().partition("#")
    region = region_text if hash_sign else None
    path = _nfc(path)
    if not path:
        return path, region, "must name a vault-relative .md file"
    if region is not None and not _NAME_RE.fullmatch(region):
        return path, region, "has a region name that is not letters, digits, '-' and '_'"
    if "\\" in path:
        return path, region, "must separate folders with '/', not '\\'"
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive or path.startswith("~"):
        return path, region, "must be relative to the vault, not an absolute path"
    parts = path.split("/")
    if ".." in parts:
        return path, region, "must not contain '..'"
    if any(part in ("", ".") for part in parts):
        return path, region, "has an empty or '.' path segment"
    if any(part.startswith(".") for part in parts):
        # Obsidian hides dot-files and dot-folders (.obsidian, .trash): nobody would see it.
        return path, region, "must not be inside a hidden (dot) folder or be a hidden file"
    if not path.lower().endswith(".md") or len(parts[-1]) == 3:
        return path, region, 'must be a .md file, optionally followed by "#region-name"'
    return path, region, None


def _check_targets(r: _Reader, dashboards: Sequence[Dashboard], vault: Path) -> None:
    """Confine enabled targets to the vault and give each its own file or region."""
    root = vault.resolve()
    owners: dict[str, list[Dashboard]] = {}
    for dashboard in dashboards:
        if not dashboard.enabled:
            continue
        key = ("dashboards", dashboard.name, "target")
        # Following symlinks of the existing folders is what a write would do. realpath, not
        # resolve(): a symlink loop at the target is the write's to report, not a crash here.
        resolved = Path(os.path.realpath(root / dashboard.target_path))
        if not resolved.is_relative_to(root):
            r.add(key, f"{_show(_target(dashboard))} leads out of the vault (to {resolved})")
            continue
        # Case-folded: on macOS and Windows "status.md" and "Status.md" are the same file.
        same_file = owners.setdefault(dashboard.target_path.casefold(), [])
        for other in same_file:
            if dashboard.region is None or other.region is None:
                clash = "writes into the same file as"
            elif dashboard.region == other.region:
                clash = "has the same target as"
            else:
                continue
            r.add(
                key,
                f"{_show(_target(dashboard))} {clash} dashboard '{other.name}' "
                f"({_show(_target(other))}); give each dashboard its own target",
            )
            break
        same_file.append(dashboard)


def _target(dashboard: Dashboard) -> str:
    if dashboard.region is None:
        return dashboard.target_path
    return f"{dashboard.target_path}#{dashboard.region}"


def _folder_problem(folder: str) -> str | None:
    # A leading "/" is read as the vault root, as Obsidian's folder settings do.
    text = folder.strip()
    if PureWindowsPath(text).drive or text.startswith("~"):
        return f"{_show(folder)} must be a folder inside the vault, relative to its root"
    if ".." in text.split("/"):
        return f"{_show(folder)} must not contain '..'"
    return None


def _template_problem(template: str) -> str | None:
    if "\\" in template or PurePosixPath(template).is_absolute() or PureWindowsPath(template).drive:
        return f"{_show(template)} must be a file name in .vaultkit/templates/ ('/' for folders)"
    if ".." in template.split("/"):
        return f"{_show(template)} must not contain '..'"
    return None


def _obsidian_daily_notes(vault: Path) -> DailyNotes:
    """Obsidian's Daily notes settings, leniently: problems are logged and defaults used."""
    path = vault / DEFAULT_CONFIG_DIR / "daily-notes.json"
    shown = f"{DEFAULT_CONFIG_DIR}/daily-notes.json"
    try:
        data: object = json.loads(read_regular(path).decode("utf-8-sig") or "{}")
    except FileNotFoundError:
        return DailyNotes()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _logger().warning(
            "could not read %s (%s); using the default daily-note settings", shown, exc
        )
        return DailyNotes()
    if not isinstance(data, dict):
        _logger().warning("%s does not hold a JSON object; using the defaults", shown)
        return DailyNotes()
    folder = data.get("folder")
    fmt = data.get("format")
    if not isinstance(folder, str):
        folder = ""
    # Obsidian writes "format": "" when the user never changed it, and uses its default then.
    if not isinstance(fmt, str) or not fmt.strip():
        fmt = DEFAULT_DAILY_FORMAT
    problem = _format_problem(fmt)
    if problem:
        _logger().warning("%s: daily-note format %s; no daily notes will be found", shown, problem)
    return DailyNotes(folder=_nfc(folder.strip().strip("/")), format=fmt)


# --- reading typed values, collecting problems -----------------------------------------------

_Key = tuple[str | int, ...]
"""A key path in the document; an int is an array index."""


class _Reader:
    """Typed getters that record a problem and fall back to the default, so all are found."""

    def __init__(self, lines: _KeyLines) -> None:
        self.lines = lines
        self.problems: list[tuple[int, int, str]] = []

    def add(self, key: _Key, message: str) -> None:
        line = self.lines.find(key)
        where = _SHOWN if line is None else f"{_SHOWN}:{line}"
        entry = f"{where}: key '{_key_name(key)}': {message}"
        # Sorted by line when raised; problems without a line go last, in the order found.
        self.problems.append((line if line is not None else 1 << 30, len(self.problems), entry))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError("\n".join(text for _, _, text in sorted(self.problems)))

    def known(self, table: Mapping[str, object], key: _Key, names: Sequence[str]) -> None:
        for name in table:
            if name in names:
                continue
            import difflib

            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(names)}"
            self.add((*key, name), f"unknown key ({hint})")

    def _get(self, table: Mapping[str, object], key: _Key) -> object:
        name = key[-1]
        assert isinstance(name, str)
        return table.get(name)

    def table(self, parent: Mapping[str, object], key: _Key) -> dict[str, object]:
        value = self._get(parent, key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(key, f"expected a table, got {_show(value)}")
            return {}
        if len(value) > MAX_ENTRIES:
            self.add(key, f"has {len(value)} entries, more than the {MAX_ENTRIES} allowed")
            return {}
        return value

    def text(self, table: Mapping[str, object], key: _Key, default: str) -> str:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.add(key, f"expected a string, got {_show(value)}")
            return default
        if len(value) > MAX_TEXT:
            self.add(key, _too_long(value))
            return default
        return value

    def flag(self, table: Mapping[str, object], key: _Key, default: bool) -> bool:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(key, f"expected true or false, got {_show(value)}")
            return default
        return value

    def integer(
        self,
        table: Mapping[str, object],
        key: _Key,
        default: int,
        *,
        minimum: int,
        at_most: int,
    ) -> int:
        value = self._get(table, key)
        if value is None:
            return default
        # bool is an int subclass in Python, but `true` is no number in TOML.
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(key, f"expected an integer, got {_show(value)}")
            return default
        if value < minimum:
            self.add(key, f"expected an integer of at least {minimum}, got {_show(value)}")
            return default
        if value > at_most:
            self.add(key, f"expected an integer of at most {at_most}, got {_show(value)}")
            return default
        return value

    def number(
        self,
        table: Mapping[str, object],
        key: _Key,
        default: float,
        *,
        minimum: float,
        maximum: float = math.inf,
        at_most: float = math.inf,
    ) -> float:
        """A number within ``minimum``..``maximum`` (said so), and not above ``at_most``.

        ``at_most`` is a sanity ceiling for settings with no natural maximum: it keeps
        ``inf`` (``1e400`` in TOML) and absurd values from reaching timers and arithmetic.
        """
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(key, f"expected a number, got {_show(value)}")
            return default
        if not minimum <= value <= maximum:  # also rejects nan
            bounds = f"from {minimum:g} to {maximum:g}"
            if maximum == math.inf:
                bounds = f"of at least {minimum:g}"
            self.add(key, f"expected a number {bounds}, got {_show(value)}")
            return default
        if value > at_most:
            self.add(key, f"expected a number of at most {_num(at_most)}, got {_show(value)}")
            return default
        return float(value)

    def texts(
        self, table: Mapping[str, object], key: _Key, default: tuple[str, ...]
    ) -> tuple[str, ...]:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, list):
            self.add(key, f"expected an array of strings, got {_show(value)}")
            return default
        if len(value) > MAX_ENTRIES:
            self.add(key, f"has {len(value)} entries, more than the {MAX_ENTRIES} allowed")
            return default
        items: list[str] = []
        for number, item in enumerate(value):
            if not isinstance(item, str):
                self.add((*key, number), f"expected a string, got {_show(item)}")
            elif len(item) > MAX_TEXT:
                self.add((*key, number), _too_long(item))
            else:
                items.append(item)
        return tuple(items)


def _strings(value: object) -> list[tuple[int, str]]:
    """The strings of a TOML array with their positions (others are reported by texts())."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        return []
    return [
        (number, item)
        for number, item in enumerate(value)
        if isinstance(item, str) and len(item) <= MAX_TEXT
    ]


def _too_long(text: str) -> str:
    return f"is {len(text)} characters long, more than the {MAX_TEXT} a setting may hold"


def _show(value: object) -> str:
    """A value as the user wrote it in TOML (scalars) or its kind (arrays, tables, dates)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return type(value).__name__


def _num(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int) and abs(value) >= 10**20:
        digits = len(str(abs(value)))  # tomllib reads at most 4300 digits: str() can too
        return f"a {digits}-digit integer"
    return repr(value)


def _key_name(key: _Key) -> str:
    """``vault.excludes[1]``, quoting segments that are not bare TOML keys."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY_RE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{text}" if out else text
    return out


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- where keys are written ------------------------------------------------------------------

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*"
_HEADER_RE = re.compile(rf"[ \t]*\[\[?[ \t]*(?P<key>{_DOTTED_KEY})[ \t]*\]")
_KEY_LINE_RE = re.compile(rf"[ \t]*(?P<key>{_DOTTED_KEY})[ \t]*=")
_TOML_POSITION_RE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


class _KeyLines:
    """The line of every table header and ``key =`` in a TOML text (which tomllib parsed).

    tomllib gives values without positions, so the text is scanned once: headers and keys at
    the start of a statement are recorded, and values are skipped string- and bracket-aware,
    so a multi-line array or string cannot be mistaken for keys. Keys inside inline tables
    and array items are not recorded; they get the line of the key that holds them.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        value = _ValueSkipper()
        for number, line in enumerate(text.splitlines(), start=1):
            start = 0
            if not value.busy:
                header = _HEADER_RE.match(line)
                if header:
                    table = _split_key(header["key"])
                    self._lines.setdefault(table, number)
                    continue
                key = _KEY_LINE_RE.match(line)
                if key is None:
                    continue
                self._lines.setdefault(table + _split_key(key["key"]), number)
                start = key.end()
            value.feed(line, start)

    def find(self, key: _Key) -> int | None:
        """Line of ``key``; else of the first key below it; else of the nearest table above."""
        path: tuple[str, ...] = ()
        for part in key:
            if isinstance(part, int):
                break
            path += (part,)
        if path in self._lines:
            return self._lines[path]
        below = [line for p, line in self._lines.items() if p[: len(path)] == path]
        if below:
            return min(below)
        for size in range(len(path) - 1, 0, -1):
            if path[:size] in self._lines:
                return self._lines[path[:size]]
        return None


class _ValueSkipper:
    """Tracks open brackets and multi-line strings across the lines of one TOML value."""

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        """The deepest nesting seen so far."""
        self.quote: str | None = None

    @property
    def busy(self) -> bool:
        return self.depth > 0 or self.quote is not None

    def feed(self, line: str, i: int) -> None:
        while i < len(line):
            if self.quote is not None:
                if self.quote == '"""' and line[i] == "\\":
                    i += 2
                elif line.startswith(self.quote, i):
                    # Up to two quotes may precede the closing three; take the whole run.
                    while i < len(line) and line[i] == self.quote[0]:
                        i += 1
                    self.quote = None
                else:
                    i += 1
                continue
            char = line[i]
            if char == "#":
                return
            if line.startswith('"""', i) or line.startswith("'''", i):
                self.quote = line[i : i + 3]
                i += 3
            elif char == '"':
                i += 1
                while i < len(line) and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif char == "'":
                end = line.find("'", i + 1)
                i = len(line) if end < 0 else end + 1
            else:
                if char in "[{":
                    self.depth += 1
                    self.deepest = max(self.deepest, self.depth)
                elif char in "]}":
                    self.depth -= 1
                i += 1


def _deep_line(text: str) -> int | None:
    """The line where brackets first nest deeper than :data:`_MAX_NESTING`."""
    value = _ValueSkipper()
    for number, line in enumerate(text.splitlines(), start=1):
        value.feed(line, 0)
        if value.deepest > _MAX_NESTING:
            return number
    return None


def _long_number_line(text: str) -> int | None:
    """The line of the first run of more digits than Python reads as one integer."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(r"[0-9_]{4301}", line):
            return number
    return None


def _split_key(dotted: str) -> tuple[str, ...]:
    parts: list[str] = []
    for part in re.findall(_KEY_PART, dotted):
        if part.startswith('"'):
            # Let tomllib undo the escapes, so the key matches what it returned exactly.
            import tomllib

            value = tomllib.loads(f"k = {part}")["k"]
            parts.append(value if isinstance(value, str) else part)
        elif part.startswith("'"):
            parts.append(part[1:-1])
        else:
            parts.append(part)
    return tuple(parts)


def _toml_error(message: str, text: str) -> tuple[str, int | None]:
    """tomllib's message without its position suffix, and the line it names."""
    match = _TOML_POSITION_RE.search(message)
    if match is None:
        return message, None
    head = message[: match.start()]
    if match[1] is None:
        return f"{head} (at the end of the file)", max(1, len(text.splitlines()))
    return f"{head[:1].lower()}{head[1:]} (column {match[2]})", int(match[1])


# --- init ------------------------------------------------------------------------------------


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
            path=_SHOWN,
        ) from None
    except OSError as exc:
        raise VaultkitError(f"could not be created: {exc.strerror or exc}", path=_SHOWN) from None
    return path


def default_config_text() -> str:
    """The default config as a commented ``config.toml`` (what ``init`` writes)."""
    return _DEFAULT_TEXT


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

# Dashboards. enabled: whether it is generated. target: a vault-relative .md file vaultkit
# writes as a whole, or "Note.md#region-name" for a region inside a note, between
# "%% vaultkit:begin region-name %%" and "%% vaultkit:end region-name %%" lines. template: a
# file in .vaultkit/templates/; "" = the built-in "<name>.md.j2" (a file of that name in
# .vaultkit/templates/ overrides the built-in).

[dashboards.status]
# Progress, cadence groups, overdue and due-soon tasks, ready vs blocked, recently done.
enabled = true  # false: not generated, and its target is left alone
target = "Dashboards/Status.md"  # a .md file, or "Note.md#region-name"
template = ""  # "" = the built-in status.md.j2

[dashboards.topics]
# The topic comparison table (see [topics]).
enabled = true  # false: not generated, and its target is left alone
target = "Dashboards/Topics.md"  # a .md file, or "Note.md#region-name"
template = ""  # "" = the built-in topics.md.j2

[dashboards.resources]
# The reading list: every external resource, its status and where it is mentioned.
enabled = true  # false: not generated, and its target is left alone
target = "Dashboards/Resources.md"  # a .md file, or "Note.md#region-name"
template = ""  # "" = the built-in resources.md.j2

[dashboards.habits]
# Habits from daily notes (see [habits] and [daily_notes]).
enabled = true  # false: not generated, and its target is left alone
target = "Dashboards/Habits.md"  # a .md file, or "Note.md#region-name"
template = ""  # "" = the built-in habits.md.j2

[dashboards.links]
# Link health: unresolved links, broken anchors, orphan notes, missing embeds.
enabled = true  # false: not generated, and its target is left alone
target = "Dashboards/Link health.md"  # a .md file, or "Note.md#region-name"
template = ""  # "" = the built-in links.md.j2

# A dashboard of your own: any other name, with its template in .vaultkit/templates/.
# [dashboards.reading]
# enabled = true
# target = "Reading.md#reading-list"
# template = "reading.md.j2"
"""


# --- daily-note dates ------------------------------------------------------------------------

# moment's default locale is English; calendar.month_name would follow the machine's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Monday first, like ``date.weekday()``."""

# moment.js's own tokenizer (formattingTokens), so an unsupported token is recognised as one
# instead of being read as literal text.
_MOMENT_TOKEN_RE = re.compile(
    r"\[[^\[]*\]|\\.|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}"
    r"|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?"
    r"|S{1,9}|x|X|zz?|ZZ?|.",
    re.DOTALL,
)

# Token -> (what it sets, regex). Strict parsing, as Obsidian does: MM and DD take two digits.
# [0-9], not \d: JavaScript's \d is ASCII only, Python's would also take full-width digits.
_SUPPORTED: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "YYYY": ("year", "[0-9]{4}"),
        "YY": ("yy", "[0-9]{2}"),
        "MMMM": ("month_name", "(?i:" + "|".join(_MONTHS) + ")"),
        "MMM": ("month_abbr", "(?i:" + "|".join(m[:3] for m in _MONTHS) + ")"),
        "MM": ("month", "[0-9]{2}"),
        "M": ("month", "[0-9]{1,2}"),
        "Do": ("day_ordinal", "[0-9]{1,2}(?i:st|nd|rd|th)"),
        "DD": ("day", "[0-9]{2}"),
        "D": ("day", "[0-9]{1,2}"),
        "dddd": ("weekday_name", "(?i:" + "|".join(_WEEKDAYS) + ")"),
        "ddd": ("weekday_abbr", "(?i:" + "|".join(d[:3] for d in _WEEKDAYS) + ")"),
    }
)


class _Format(NamedTuple):
    pattern: re.Pattern[str] | None
    fields: tuple[str, ...]
    """What group ``g<i>`` of :attr:`pattern` sets."""
    problem: str | None


@lru_cache(maxsize=64)
def _compile_format(fmt: str) -> _Format:
    parts: list[str] = []
    fields: list[str] = []
    for token in _MOMENT_TOKEN_RE.findall(fmt):
        if token.startswith("[") and token.endswith("]") and len(token) >= 2:
            parts.append(re.escape(token[1:-1]))
        elif token.startswith("\\"):
            parts.append(re.escape(token[1:]))
        elif token in _SUPPORTED:
            kind, regex = _SUPPORTED[token]
            parts.append(f"(?P<g{len(fields)}>{regex})")
            fields.append(kind)
        elif len(token) == 1 and not token.isalpha():
            parts.append(re.escape(token))
        else:
            supported = ", ".join(_SUPPORTED)
            problem = f"uses {token!r}, which vaultkit does not read (it reads {supported})"
            return _Format(None, (), problem)
    kinds = {kind.split("_")[0].replace("yy", "year") for kind in fields}
    if not {"year", "month", "day"} <= kinds:
        problem = f"{_show(fmt)} needs a year, a month and a day (e.g. YYYY-MM-DD)"
        return _Format(None, (), problem)
    return _Format(re.compile("".join(parts)), tuple(fields), None)


def _format_problem(fmt: str) -> str | None:
    if not fmt.strip():
        return "must not be empty"
    if fmt.startswith("/") or ".." in fmt.split("/"):
        return f"{_show(fmt)} must be a path below the daily-notes folder"
    return _compile_format(fmt).problem


def daily_note_date(name: str, fmt: str) -> dt.date | None:
    """The date of a daily note, or None if ``name`` does not fit ``fmt``.

    ``name`` is the note's path below the daily-notes folder without ``.md`` (e.g.
    ``2026/01/2026-01-05`` for the format ``YYYY/MM/YYYY-MM-DD``). If the whole path does not
    fit, its file name is tried against the format's last segment, as Obsidian's daily-notes
    code does, so a daily note filed into another subfolder still counts.
    """
    day = _parse_date(_nfc(name), fmt)
    if day is None and ("/" in name or "/" in fmt):
        day = _parse_date(_nfc(name).rsplit("/", 1)[-1], fmt.rsplit("/", 1)[-1])
    return day


def _parse_date(name: str, fmt: str) -> dt.date | None:
    compiled = _compile_format(fmt)
    if compiled.pattern is None:
        return None
    match = compiled.pattern.fullmatch(name)
    if match is None:
        return None
    values: dict[str, set[int]] = {}
    for index, kind in enumerate(compiled.fields):
        text = match[f"g{index}"]
        if kind == "yy":
            # moment's two-digit years: 69-99 are 19xx, 00-68 are 20xx.
            number = int(text)
            value, kind = number + (1900 if number > 68 else 2000), "year"
        elif kind in ("month_name", "month_abbr"):
            value, kind = _prefix_index(_MONTHS, text) + 1, "month"
        elif kind in ("weekday_name", "weekday_abbr"):
            value, kind = _prefix_index(_WEEKDAYS, text), "weekday"
        elif kind == "day_ordinal":
            value, kind = int(text[:-2]), "day"
        else:
            value = int(text)
        values.setdefault(kind, set()).add(value)
    # A token repeated (YYYY/YYYY-MM-DD) must agree with itself.
    if any(len(found) > 1 for found in values.values()):
        return None
    try:
        day = dt.date(values["year"].pop(), values["month"].pop(), values["day"].pop())
    except ValueError:  # 2026-02-30, month 13, year 0
        return None
    weekday = values.get("weekday")
    if weekday is not None and weekday.pop() != day.weekday():
        return None
    return day


def _prefix_index(names: Sequence[str], text: str) -> int:
    folded = text.casefold()
    return next(i for i, full in enumerate(names) if full.casefold().startswith(folded))
