"""Every setting of ``.vaultkit/config.toml``, each written once: key, type, default, bounds, check
and the comment ``vaultkit init`` writes above it.

A section of the file (``[vault]``) is a frozen dataclass, and each of its fields is one
setting, declared with :func:`text`, :func:`texts`, :func:`integer`, :func:`number` or
:func:`numbers`: the field's default is the setting's default, and the rest is kept as the
field's :class:`Setting`. :class:`Config` lists the sections. From this one table,
:mod:`vaultkit.config.load` reads and checks a file, :mod:`vaultkit.config.default_file` writes
the commented default, and the code reads typed values (``config.vault.max_growth``).

Adding a setting is adding one field here (and, when its type and bounds do not say enough,
a check in :mod:`vaultkit.config.checks`). The ``[dashboards.*]`` tables keep their own shape:
see :mod:`vaultkit.config.dashboards`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import Enum, auto
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from vaultkit.config import checks
from vaultkit.config.checks import Context, Problem
from vaultkit.config.dashboards import Dashboard
from vaultkit.obsidian.daily_notes import DEFAULT_DAILY_FORMAT

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


class Kind(Enum):
    """How a setting's value is written in TOML, and so how it is read."""

    TEXT = auto()
    TEXTS = auto()
    """An array of strings."""
    INTEGER = auto()
    NUMBER = auto()
    """An integer or a float; a float in the code."""
    NUMBERS = auto()
    """A table of name → number."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One key of a section: how it is read and checked, and what ``init`` says about it."""

    kind: Kind
    default: object
    doc: str
    """The comment above the key in the default file: what it does, for the user."""
    minimum: float = -math.inf
    """Smallest value (numbers, integers and the numbers of a table)."""
    maximum: float = math.inf
    """Largest value a number may have, said as a range ("from 0 to 100")."""
    at_most: float = math.inf
    """A sanity ceiling for settings with no natural maximum: keeps ``1e400`` and absurd
    values from reaching timers and arithmetic."""
    check: Callable[[Any, Context], Iterator[Problem]] | None = None
    """More checks of a value the file sets (see :mod:`vaultkit.config.checks`)."""
    clean: Callable[[Any], Any] | None = None
    """Turns the value read into the value kept."""
    same: str = ""
    """A table of numbers: what its names are, for the problem "the same <same> as …" when
    two differ only in case."""


_SETTING = "vaultkit.setting"
_SECTION = "vaultkit.section"


def text(
    default: str,
    doc: str,
    *,
    check: Callable[[str, Context], Iterator[Problem]] | None = None,
    clean: Callable[[str], str] | None = None,
) -> str:
    """A string setting."""
    setting = Setting(Kind.TEXT, default, doc, check=check, clean=clean)
    return field(default=default, metadata={_SETTING: setting})


def texts(
    default: tuple[str, ...],
    doc: str,
    *,
    check: Callable[[list[tuple[int, str]], Context], Iterator[Problem]] | None = None,
) -> tuple[str, ...]:
    """An array of strings; its check gets the strings with their positions."""
    setting = Setting(Kind.TEXTS, default, doc, check=check)
    return field(default=default, metadata={_SETTING: setting})


def integer(default: int, doc: str, *, minimum: int, at_most: int) -> int:
    """An integer from ``minimum`` to ``at_most``."""
    setting = Setting(Kind.INTEGER, default, doc, minimum=minimum, at_most=at_most)
    return field(default=default, metadata={_SETTING: setting})


def number(
    default: float,
    doc: str,
    *,
    minimum: float,
    maximum: float = math.inf,
    at_most: float = math.inf,
) -> float:
    """A number (integer or float in the file, a float in the code)."""
    setting = Setting(Kind.NUMBER, default, doc, minimum=minimum, maximum=maximum, at_most=at_most)
    return field(default=default, metadata={_SETTING: setting})


def numbers(doc: str, *, minimum: float, maximum: float, same: str) -> Mapping[str, float]:
    """A table of name → number, empty by default, read-only."""
    empty: Mapping[str, float] = MappingProxyType({})
    setting = Setting(Kind.NUMBERS, empty, doc, minimum=minimum, maximum=maximum, same=same)
    # A mapping proxy is not hashable, so dataclasses take it only from a factory.
    return field(default_factory=lambda: empty, metadata={_SETTING: setting})


_T = TypeVar("_T")


def section(defaults: _T, doc: str = "", *, commented: bool = False) -> _T:
    """A ``[section]`` of the file; ``commented``: ``init`` writes its keys commented out."""
    return field(default=defaults, metadata={_SECTION: (doc, commented)})


# --- the settings ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VaultSettings:
    """``[vault]``: what vaultkit reads, where it keeps its index, the guard rails on writing."""

    excludes: tuple[str, ...] = texts(
        (),
        'Files and folders vaultkit ignores, on top of Obsidian\'s "Excluded files", in the '
        'same syntax: a path prefix such as "Archive/" or a regular expression written "/.../".',
        check=checks.excludes,
    )
    index: str = text(
        "",
        'The index file (a cache of the parsed vault). "" = the user cache folder, outside the '
        'vault, so sync services never copy it. "~" is your home folder; a relative path is '
        'relative to this .vaultkit/ folder (e.g. "index.sqlite3"); a path in the vault outside '
        ".vaultkit/ is refused. vaultkit only ever replaces a file there that is its own index.",
        check=checks.index,
    )
    max_files_written: int = integer(
        50,
        "Guard rail: a run that would write more files than this stops before writing any.",
        minimum=1,
        at_most=1_000_000,
    )
    max_growth: float = number(
        5.0,
        "Guard rail: a run that would grow a file by more than this factor stops before writing...",
        minimum=1.0,
        at_most=1_000_000,
    )
    growth_allowance: int = integer(
        DEFAULT_GROWTH_ALLOWANCE,
        "...except that any file may grow to this many bytes (1 MiB): small notes, a region in "
        "a short note. A new file may be as large as max_output.",
        minimum=0,
        at_most=1024 * MIB,
    )
    template_timeout: float = number(
        DEFAULT_TEMPLATE_TIMEOUT,
        "Bounds on each template's render; past either, the sync stops, names the template and "
        "writes nothing. Seconds (the built-in templates need about 3 s at 100,000 notes):",
        minimum=0.1,
        at_most=3600,
    )
    max_output: int = integer(
        DEFAULT_MAX_OUTPUT,
        "Bytes of output (64 MiB); also the longest string a template may build, and an eighth "
        "of it the longest list. A render may use about 16 times this in memory (at least "
        "256 MiB).",
        minimum=1024,
        at_most=1024 * MIB,
    )
    quiet_seconds: float = number(
        5.0,
        "Watch mode: do not write into a note modified in the last this many seconds.",
        minimum=0.0,
        at_most=86_400,
    )
    debounce_ms: int = integer(
        500,
        "Watch mode: wait this many milliseconds after the last change before syncing.",
        minimum=0,
        at_most=3_600_000,
    )
    today: str = text(
        "",
        'Compute the dashboards as of this date (YYYY-MM-DD) instead of today; "" = today. '
        "Meant for examples and fixtures whose dashboards are committed; the VAULTKIT_TODAY "
        "environment variable overrides it.",
        check=checks.today,
        clean=str.strip,
    )


@dataclass(frozen=True, slots=True)
class TopicSettings:
    """``[topics]``: which notes are topics, and the columns of the topic comparison table."""

    tag: str = text("topic", 'A tag, without "#":', check=checks.tag, clean=checks.bare_tag)
    folder: str = text(
        "",
        "A folder (notes in it and below):",
        check=checks.folder,
        clean=lambda folder: folder.strip("/"),
    )
    property: str = text("", 'A property that must be truthy (e.g. "topic: true"):')
    columns: tuple[str, ...] = texts(
        ("status", "timeline", "Details", "Pros", "Cons", "progress", "resources", "modified"),
        "Table columns: property names, section names (the bullet list under a heading of "
        "that name), or the computed columns progress, resources, modified and tasks.",
        check=checks.columns,
    )
    sort: str = text(
        "title",
        'Sort rows by "title" or one of the columns; a leading "-" sorts descending.',
        check=checks.sort,
    )


@dataclass(frozen=True, slots=True)
class HabitSettings:
    """``[habits]``: how the habits dashboard reads daily notes."""

    window_days: int = integer(
        14, "Days in the rolling window, ending today.", minimum=1, at_most=36_525
    )
    targets: Mapping[str, float] = numbers(
        'Habit text -> target percentage (0-100), e.g. { "Gym" = 75, "Read 20 pages" = 90 }.',
        minimum=0,
        maximum=100,
        same="habit",
    )
    default_target: float = number(
        75.0, "Target percentage for habits not listed in targets.", minimum=0.0, maximum=100.0
    )
    section: str = text(
        "Habits",
        'Heading that holds the habit checkboxes in daily notes ("" = anywhere in the note).',
        clean=str.strip,
    )


@dataclass(frozen=True, slots=True)
class DailyNotes:
    """``[daily_notes]``: where daily notes live and how they are named."""

    folder: str = text(
        "",
        'Folder holding the daily notes ("" = the vault root):',
        check=checks.folder,
        clean=checks.nfc_folder,
    )
    format: str = text(
        DEFAULT_DAILY_FORMAT,
        "File name format in moment.js tokens: YYYY, YY, M, MM, MMM, MMMM, D, DD, Do, ddd, "
        'dddd; text in [brackets] is literal. It may contain folders, e.g. "YYYY/MM/YYYY-MM-DD".',
        check=checks.daily_format,
    )


@dataclass(frozen=True, slots=True)
class Config:
    """Everything configurable about one vault; ``Config()`` is the default."""

    vault: VaultSettings = section(VaultSettings())
    topics: TopicSettings = section(
        TopicSettings(),
        "Which notes are topics in the comparison table: a note matching any of tag, folder "
        'and property is a topic ("" = unused).',
    )
    habits: HabitSettings = section(HabitSettings())
    daily_notes: DailyNotes = section(
        DailyNotes(),
        "These follow Obsidian's Daily notes settings (.obsidian/daily-notes.json). Uncomment "
        "a key only to override Obsidian: set here, it wins over Obsidian's setting.",
        commented=True,
    )
    dashboards: tuple[Dashboard, ...] = ()
    """Built-ins in a fixed order, then custom dashboards in file order (the built-ins come
    from the dashboard registry, passed to :func:`vaultkit.config.load.load_config`)."""


# --- the table, for reading and writing the file ---------------------------------------------


class Section(NamedTuple):
    """One ``[section]`` of the file and its settings, in the order they are written."""

    name: str
    defaults: Any
    """The section's dataclass holding every default."""
    doc: str
    commented: bool
    settings: tuple[tuple[str, Setting], ...]


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    """The schema's sections, in file order (``[dashboards.*]`` is not one)."""
    found: list[Section] = []
    for part in fields(Config):
        if _SECTION not in part.metadata:
            continue
        doc, commented = part.metadata[_SECTION]
        defaults: Any = part.default
        settings = tuple((f.name, f.metadata[_SETTING]) for f in fields(defaults))
        found.append(Section(part.name, defaults, doc, commented, settings))
    return tuple(found)


TOP_LEVEL = tuple(part.name for part in fields(Config))
"""The tables a config file may have, in file order."""
