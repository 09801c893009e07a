"""Every setting of ``.vaultkit/config.toml``, each written once: key, type, default, bounds, check
and the comment ``vaultkit init`` writes above it.

A section of the file (``[vault]``) is a named tuple, and each of its fields is one setting:
its type annotated with a :class:`Setting` made by :func:`text`, :func:`texts`,
:func:`integer`, :func:`number`, :func:`numbers` or :func:`text_table`
(``Annotated[int, integer(...)] = 50``),
its default the field's default. :class:`Config` lists the sections. From this one table,
:mod:`vaultkit.config.load` reads and checks a file, :mod:`vaultkit.config.default_file` writes
the commented default, and the code reads typed values (``config.vault.max_growth``).

Adding a setting is adding one field here (and, when its type and bounds do not say enough,
a check in :mod:`vaultkit.config.checks`). The ``[dashboards.*]`` tables keep their own shape:
see :mod:`vaultkit.config.dashboards`.

Named tuples, not dataclasses: the hook loads the config on every save, and ``dataclasses``
(with ``inspect``) and six generated classes cost it about 10 ms of its ~50. So this module has
no ``from __future__ import annotations``: the ``Annotated`` metadata must be built when the
classes are.
"""

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from enum import Enum, auto
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any, NamedTuple

from vaultkit.cadences import DEFAULT_CADENCES
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
    TEXT_TABLE = auto()
    """A table of name → string, written as a ``[section.key]`` table of its own (so it comes
    last in its section); set in the file, it replaces the default table as a whole."""
    FLAG = auto()
    """``true`` or ``false``."""


class Setting(NamedTuple):
    """One key of a section: how it is read and checked, and what ``init`` says about it."""

    kind: Kind
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


class SectionDoc(NamedTuple):
    """A ``[section]`` of the file: the comment above it, and whether ``init`` writes its keys
    commented out."""

    doc: str = ""
    commented: bool = False


def text(
    doc: str,
    *,
    check: Callable[[str, Context], Iterator[Problem]] | None = None,
    clean: Callable[[str], str] | None = None,
) -> Setting:
    """A string setting."""
    return Setting(Kind.TEXT, doc, check=check, clean=clean)


def texts(
    doc: str, *, check: Callable[[list[tuple[int, str]], Context], Iterator[Problem]] | None = None
) -> Setting:
    """An array of strings; its check gets the strings with their positions."""
    return Setting(Kind.TEXTS, doc, check=check)


def integer(doc: str, *, minimum: int, at_most: int) -> Setting:
    """An integer from ``minimum`` to ``at_most``."""
    return Setting(Kind.INTEGER, doc, minimum=minimum, at_most=at_most)


def number(
    doc: str, *, minimum: float, maximum: float = math.inf, at_most: float = math.inf
) -> Setting:
    """A number (integer or float in the file, a float in the code)."""
    return Setting(Kind.NUMBER, doc, minimum=minimum, maximum=maximum, at_most=at_most)


def flag(doc: str, *, check: Callable[[bool, Context], Iterator[Problem]] | None = None) -> Setting:
    """``true`` or ``false``."""
    return Setting(Kind.FLAG, doc, check=check)


def numbers(doc: str, *, minimum: float, maximum: float, same: str) -> Setting:
    """A table of name → number (empty by default, read-only)."""
    return Setting(Kind.NUMBERS, doc, minimum=minimum, maximum=maximum, same=same)


def text_table(
    doc: str, *, check: Callable[[Mapping[str, str], Context], Iterator[Problem]] | None = None
) -> Setting:
    """A table of name → string; its check gets the table read (problems keyed by name)."""
    return Setting(Kind.TEXT_TABLE, doc, check=check)


# --- the settings ----------------------------------------------------------------------------


class VaultSettings(NamedTuple):
    """``[vault]``: what vaultkit reads, where it keeps its index, the guard rails on writing."""

    excludes: Annotated[
        tuple[str, ...],
        texts(
            'Files and folders vaultkit ignores, on top of Obsidian\'s "Excluded files": a path '
            'prefix such as "Archive/", a regular expression written "/.../" (both as in '
            'Obsidian), or a glob pattern as in a .gitignore: "*.excalidraw.md" (a name at '
            'any depth), "Templates/**/*.md" (a path from the vault root; ** crosses folders), '
            '"drafts*/" (folders only). `vaultkit doctor` warns about an entry that matches no '
            "file.",
            check=checks.excludes,
        ),
    ] = ()
    # A field named like tuple.index shadows that method, which nothing calls on settings.
    index: Annotated[
        str,
        text(
            'The index file (a cache of the parsed vault). "" = the user cache folder, outside the '
            'vault, so sync services never copy it. "~" is your home folder; a relative path is '
            'relative to this .vaultkit/ folder (e.g. "index.sqlite3"); a path in the vault '
            "outside .vaultkit/ is refused. vaultkit only ever replaces a file there that is its "
            "own index.",
            check=checks.index,
        ),
    ] = ""  # type: ignore[assignment]
    max_files_written: Annotated[
        int,
        integer(
            "Guard rail: a run that would write more files than this stops before writing any.",
            minimum=1,
            at_most=1_000_000,
        ),
    ] = 50
    max_growth: Annotated[
        float,
        number(
            "Guard rail: a run that would grow a file by more than this factor stops before "
            "writing...",
            minimum=1.0,
            at_most=1_000_000,
        ),
    ] = 5.0
    growth_allowance: Annotated[
        int,
        integer(
            "...except that any file may grow to this many bytes (1 MiB): small notes, a region in "
            "a short note. A new file may be as large as max_output.",
            minimum=0,
            at_most=1024 * MIB,
        ),
    ] = DEFAULT_GROWTH_ALLOWANCE
    template_timeout: Annotated[
        float,
        number(
            "Bounds on each template's render; past either, the sync stops, names the template and "
            "writes nothing. Seconds (the built-in templates need about 3 s at 100,000 notes):",
            minimum=0.1,
            at_most=3600,
        ),
    ] = DEFAULT_TEMPLATE_TIMEOUT
    max_output: Annotated[
        int,
        integer(
            "Bytes of output (64 MiB); also the longest string a template may build, and an eighth "
            "of it the longest list. A render may use about 16 times this in memory (at least "
            "256 MiB).",
            minimum=1024,
            at_most=1024 * MIB,
        ),
    ] = DEFAULT_MAX_OUTPUT
    quiet_seconds: Annotated[
        float,
        number(
            "Watch mode: do not write into a note modified in the last this many seconds.",
            minimum=0.0,
            at_most=86_400,
        ),
    ] = 5.0
    debounce_ms: Annotated[
        int,
        integer(
            "Watch mode: wait this many milliseconds after the last change before syncing.",
            minimum=0,
            at_most=3_600_000,
        ),
    ] = 500
    today: Annotated[
        str,
        text(
            'Compute the dashboards as of this date (YYYY-MM-DD) instead of today; "" = today. '
            "Meant for examples and fixtures whose dashboards are committed; the VAULTKIT_TODAY "
            "environment variable overrides it.",
            check=checks.today,
            clean=str.strip,
        ),
    ] = ""


WRITING_ONLY = frozenset(
    {
        "index",
        "max_files_written",
        "max_growth",
        "growth_allowance",
        "template_timeout",
        "max_output",
        "quiet_seconds",
        "debounce_ms",
    }
)
"""The ``[vault]`` settings that govern where the index lives and when and whether vaultkit
writes (guard rails, bounds, timing), never what a dashboard says: a render they stop writes
nothing and is not remembered, so changing them is no reason to render anything again."""


class StatusSettings(NamedTuple):
    """``[status]``: how the Status dashboard groups tasks."""

    cadences: Annotated[
        Mapping[str, str],
        text_table(
            "The Status dashboard's cadence groups. Heading name = cadence: the tasks right "
            "under a heading of one of these names are grouped under its cadence. Names match "
            'whatever the case, spaces, hyphens and punctuation ("Bi Weekly", "biweekly" and '
            '"## **Bi-weekly**" all match "Bi-weekly"), and a heading that starts with a name '
            'matches it too ("Daily tasks"; the longest name wins). Setting this table replaces '
            "the whole list: keep the names you use.",
            check=checks.cadences,
        ),
    ] = DEFAULT_CADENCES


class TopicSettings(NamedTuple):
    """``[topics]``: which notes are topics, and the columns of the topic comparison table."""

    tag: Annotated[str, text('A tag, without "#":', check=checks.tag, clean=checks.bare_tag)] = (
        "topic"
    )
    folder: Annotated[
        str,
        text(
            "A folder (notes in it and below):",
            check=checks.folder,
            clean=lambda folder: folder.strip("/"),
        ),
    ] = ""
    property: Annotated[str, text('A property that must be truthy (e.g. "topic: true"):')] = ""
    columns: Annotated[
        tuple[str, ...],
        texts(
            "Table columns: property names, section names (the bullet list under a heading of "
            "that name), or the computed columns progress, resources, modified and tasks.",
            check=checks.columns,
        ),
    ] = ("status", "timeline", "Details", "Pros", "Cons", "progress", "resources", "modified")
    sort: Annotated[
        str,
        text(
            'Sort rows by "title" or one of the columns; a leading "-" sorts descending.',
            check=checks.sort,
        ),
    ] = "title"
    table: Annotated[
        str,
        text(
            "Or keep the comparison table by hand and let the Topics dashboard show it, as "
            '"Note.md#Heading" (the table under that heading; "Note.md" alone: its one '
            "comparison table): one row per named row, its cells as written, then the computed "
            "columns above (progress, tasks, resources, modified) counting the note the name "
            "links to, or else the sections under a heading of that name anywhere in the "
            'vault; rows stay in the table\'s order. "" = topic notes as above.',
            check=checks.kept_table,
        ),
    ] = ""


class HabitSettings(NamedTuple):
    """``[habits]``: where the habits dashboard finds habits, and how it counts their days."""

    sources: Annotated[
        tuple[str, ...],
        texts(
            'Where habits come from: "daily_notes" (the checkboxes under the section below in '
            'each daily note), "recurring_tasks" (every task repeating "every day", Tasks '
            "plugin style: a day is done when an instance of the series has ✅ that date) and "
            '"checklists" (every task under a Daily heading, such as "## Daily" in a status '
            "note: each day vaultkit runs, it adds the ones ticked to that day's line of the "
            "log note below).",
            check=checks.habit_sources,
        ),
    ] = ("daily_notes",)
    window_days: Annotated[
        int, integer("Days in the rolling window, ending today.", minimum=1, at_most=36_525)
    ] = 14
    targets: Annotated[
        Mapping[str, float],
        numbers(
            'Habit text -> target percentage (0-100), e.g. { "Gym" = 75, "Read 20 pages" = 90 }.',
            minimum=0,
            maximum=100,
            same="habit",
        ),
    ] = MappingProxyType({})
    default_target: Annotated[
        float,
        number("Target percentage for habits not listed in targets.", minimum=0.0, maximum=100.0),
    ] = 75.0
    section: Annotated[
        str,
        text(
            'Heading that holds the habit checkboxes in daily notes ("" = anywhere in the note).',
            clean=str.strip,
        ),
    ] = "Habits"
    missing_day: Annotated[
        str,
        text(
            'A day in the window without a daily note (for "checklists": without a line in '
            'the log, since its first line): "missed" counts it as not done for every habit, as '
            'people score by hand over calendar days; "untracked" leaves it out. Today is not '
            "missed before it is over.",
            check=checks.missing_day,
            clean=str.strip,
        ),
    ] = "missed"
    log: Annotated[
        str,
        text(
            'With "checklists" among the sources: the note (vault-relative) where vaultkit keeps '
            'one line per day, "- YYYY-MM-DD: Gym, Read" (a comma, backslash or % inside an '
            "item is written with a backslash before it). Correct any line by hand: vaultkit reads "
            "them all, and only ever adds the items ticked now to today's line.",
            check=checks.note_path,
            clean=checks.nfc_path,
        ),
    ] = "Habits log.md"
    reset_checklists: Annotated[
        bool,
        flag(
            "Untick each cadence checklist when its period ends: Daily each day, Weekly and "
            "Weekend each ISO week, Bi-weekly every two weeks from Monday 2024-01-01, Monthly "
            "each month. At the first run of a new period, vaultkit first writes a line "
            '"- YYYY-MM-DD reset daily: Gym, Read" to the log above, then unticks those items '
            "(only the x between their brackets). Once per period: the log's reset lines say "
            "when it last did. A ticked item it cannot tell from one ticked in the new period (its "
            "note saved in it, no ✅ date before it, and no run saw it ticked on an earlier "
            'day) is left ticked. Needs "checklists" among the sources.',
            check=checks.reset_checklists,
        ),
    ] = False


class DailyNotes(NamedTuple):
    """``[daily_notes]``: where daily notes live and how they are named."""

    folder: Annotated[
        str,
        text(
            'Folder holding the daily notes ("" = the vault root):',
            check=checks.folder,
            clean=checks.nfc_folder,
        ),
    ] = ""
    format: Annotated[
        str,
        text(
            "File name format in moment.js tokens: YYYY, YY, M, MM, MMM, MMMM, D, DD, Do, d, "
            "ddd, dddd; ISO weeks W, WW, GGGG, GG, E; weeks of Obsidian's language w, ww, gggg, "
            "gg, e (read as moment's English week: Sunday first, week 1 holds January 1). Text "
            "in [brackets] is literal. It names a day by year, month and day, or by week year, "
            'week and weekday, and may contain folders, e.g. "YYYY/MM/YYYY-MM-DD" or '
            '"GGGG/[W]WW/YYYY-MM-DD"; a week in the name must agree with the date.',
            check=checks.daily_format,
        ),
    ] = DEFAULT_DAILY_FORMAT


class Config(NamedTuple):
    """Everything configurable about one vault; ``Config()`` is the default."""

    vault: Annotated[VaultSettings, SectionDoc()] = VaultSettings()
    status: Annotated[StatusSettings, SectionDoc()] = StatusSettings()
    topics: Annotated[
        TopicSettings,
        SectionDoc(
            "Which notes are topics in the comparison table: a note matching any of tag, folder "
            'and property is a topic ("" = unused).'
        ),
    ] = TopicSettings()
    habits: Annotated[HabitSettings, SectionDoc()] = HabitSettings()
    daily_notes: Annotated[
        DailyNotes,
        SectionDoc(
            "These follow Obsidian's Daily notes settings (.obsidian/daily-notes.json), or the "
            "Periodic Notes plugin's daily notes when that plugin is enabled with them on "
            "(.obsidian/plugins/periodic-notes/data.json). Uncomment a key only to override "
            "Obsidian: set here, it wins over Obsidian's setting.",
            commented=True,
        ),
    ] = DailyNotes()
    dashboards: tuple[Dashboard, ...] = ()
    """Built-ins in a fixed order, then custom dashboards in file order (the built-ins come
    from the dashboard registry, passed to :func:`vaultkit.config.load.load_config`)."""


# --- the table, for reading and writing the file ---------------------------------------------


class Section(NamedTuple):
    """One ``[section]`` of the file and its settings, in the order they are written."""

    name: str
    defaults: Any
    """The section's named tuple holding every default."""
    doc: str
    commented: bool
    settings: tuple[tuple[str, Setting], ...]


def _metadata(owner: type, name: str, kind: type[Any]) -> Any:
    """The ``kind`` object in the ``Annotated`` metadata of ``owner``'s field ``name``."""
    found = [
        m for m in getattr(owner.__annotations__[name], "__metadata__", ()) if isinstance(m, kind)
    ]
    return found[0] if found else None


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    """The schema's sections, in file order (``[dashboards.*]`` is not one)."""
    found: list[Section] = []
    for name in Config._fields:
        section: SectionDoc | None = _metadata(Config, name, SectionDoc)
        if section is None:
            continue
        defaults: Any = Config._field_defaults[name]
        settings = tuple(
            (key, _metadata(type(defaults), key, Setting)) for key in type(defaults)._fields
        )
        found.append(Section(name, defaults, section.doc, section.commented, settings))
    return tuple(found)


TOP_LEVEL = Config._fields
"""The tables a config file may have, in file order."""


def what_renders(
    config: Config, sections: Collection[str] | None = None
) -> tuple[tuple[str, Any], ...]:
    """The settings a dashboard's text can depend on, and only those (what its render key
    hashes), as (section, its settings) pairs: ``[vault]`` but its :data:`WRITING_ONLY`
    settings, then the named ``sections`` (those the context names its template reads are
    computed from); None: every section, ``[dashboards.*]`` included."""
    defaults = VaultSettings()
    vault = config.vault._replace(**{name: getattr(defaults, name) for name in WRITING_ONLY})
    named = TOP_LEVEL if sections is None else sorted(sections)
    return (("vault", vault), *((name, getattr(config, name)) for name in named if name != "vault"))
