"""Obsidian's Daily notes: its settings file, and dates read from note names in moment.js format.

Obsidian names a daily note by formatting the date with moment.js (``YYYY-MM-DD`` unless the
user chose another format in ``<config dir>/daily-notes.json``). When the Periodic Notes
community plugin is enabled and its daily notes are on, its folder and format are the ones in
use instead, as the shared ``obsidian-daily-notes-interface`` library decides
(``getDailyNoteSettings``: ``shouldUsePeriodicNotesSettings("daily")``). vaultkit reads the
date back from the name with moment's own tokens, strictly, as Obsidian does; the tokens it
cannot read are named in :func:`format_problem`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import read_regular
from vaultkit.obsidian.plugins import PERIODIC_NOTES_PLUGIN, read_plugin_data

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Asked for when first needed: importing logging costs the hook's start-up ~10 ms.
    from vaultkit.feedback import logger

    return logger(__name__)


DEFAULT_DAILY_FORMAT = "YYYY-MM-DD"
"""Obsidian's daily-note name format when its settings leave it empty."""


class DailyNoteSettings(NamedTuple):
    """What Obsidian's Daily notes settings say (or its defaults, when they say nothing)."""

    folder: str = ""
    """Vault-relative folder of the daily notes, without slashes at the ends; ``""`` = root."""
    format: str = DEFAULT_DAILY_FORMAT
    """moment.js format of a daily note's path below :attr:`folder`, without ``.md``."""
    source: str = ""
    """The settings file they come from (``""``: Obsidian's defaults)."""


def read_daily_note_settings(vault: Path, config_dir: str) -> DailyNoteSettings:
    """The daily notes' folder and format: the Periodic Notes plugin's when it is enabled with
    its daily notes on, else ``<config_dir>/daily-notes.json``; leniently: problems are logged
    and defaults used."""
    periodic = _periodic_daily_notes(vault, config_dir)
    if periodic is not None:
        return periodic
    path = vault / config_dir / "daily-notes.json"
    shown = f"{config_dir}/daily-notes.json"
    try:
        data: object = json.loads(read_regular(path).decode("utf-8-sig") or "{}")
    except FileNotFoundError:
        return DailyNoteSettings()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _logger().warning(
            "could not read %s (%s); using the default daily-note settings", shown, exc
        )
        return DailyNoteSettings()
    if not isinstance(data, dict):
        _logger().warning("%s does not hold a JSON object; using the defaults", shown)
        return DailyNoteSettings()
    folder = data.get("folder")
    fmt = data.get("format")
    if not isinstance(folder, str):
        folder = ""
    # Obsidian writes "format": "" when the user never changed it, and uses its default then.
    if not isinstance(fmt, str) or not fmt.strip():
        fmt = DEFAULT_DAILY_FORMAT
    problem = format_problem(fmt)
    if problem:
        _logger().warning("%s: daily-note format %s; no daily notes will be found", shown, problem)
    return DailyNoteSettings(folder=_nfc(folder.strip().strip("/")), format=fmt, source=shown)


def _periodic_daily_notes(vault: Path, config_dir: str) -> DailyNoteSettings | None:
    """The Periodic Notes plugin's daily-note settings when they are in use, else None.

    Its settings (liamcain/obsidian-periodic-notes) are ``{"daily": {"enabled", "format",
    "folder", "template"}, ...}`` up to 0.x, and ``{"calendarSets": [{"id", "day": {...}}],
    "activeCalendarSet": id}`` in the 1.0 betas. An empty format means the default.
    """
    found = read_plugin_data(vault, PERIODIC_NOTES_PLUGIN, config_dir)
    for warning in found.warnings:
        _logger().warning("%s", warning)
    if found.data is None:
        return None
    daily = found.data.get("daily")
    sets = found.data.get("calendarSets")
    if not isinstance(daily, dict) and isinstance(sets, list):
        active = found.data.get("activeCalendarSet")
        chosen = [s for s in sets if isinstance(s, dict) and s.get("id") == active] or sets[:1]
        daily = chosen[0].get("day") if chosen and isinstance(chosen[0], dict) else None
    if not isinstance(daily, dict) or daily.get("enabled") is not True:
        return None
    folder = daily.get("folder")
    fmt = daily.get("format")
    folder = folder if isinstance(folder, str) else ""
    fmt = fmt if isinstance(fmt, str) and fmt.strip() else DEFAULT_DAILY_FORMAT
    problem = format_problem(fmt)
    if problem:
        _logger().warning(
            "%s: daily-note format %s; no daily notes will be found", found.shown, problem
        )
    return DailyNoteSettings(_nfc(folder.strip().strip("/")), fmt, found.shown)


# moment's default locale is English; calendar.month_name would follow the machine's locale.
MONTHS = (
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
        "MMMM": ("month_name", "(?i:" + "|".join(MONTHS) + ")"),
        "MMM": ("month_abbr", "(?i:" + "|".join(m[:3] for m in MONTHS) + ")"),
        "MM": ("month", "[0-9]{2}"),
        "M": ("month", "[0-9]{1,2}"),
        "Do": ("day_ordinal", "[0-9]{1,2}(?i:st|nd|rd|th)"),
        "DD": ("day", "[0-9]{2}"),
        "D": ("day", "[0-9]{1,2}"),
        "dddd": ("weekday_name", "(?i:" + "|".join(_WEEKDAYS) + ")"),
        "ddd": ("weekday_abbr", "(?i:" + "|".join(d[:3] for d in _WEEKDAYS) + ")"),
        "d": ("weekday_sunday0", "[0-6]"),
        # Week tokens (moment docs, "Format"): ISO weeks (W, WW, GGGG, GG, E) are the same in
        # every locale; locale weeks (w, ww, gggg, gg, e) follow moment's locale, which is
        # Obsidian's language: vaultkit reads them with moment's default English rule (weeks
        # start on Sunday, week 1 holds January 1; :data:`LOCALE_WEEK_TOKENS`).
        "WW": ("isoweek", "[0-9]{2}"),
        "W": ("isoweek", "[0-9]{1,2}"),
        "GGGG": ("isoyear", "[0-9]{4}"),
        "GG": ("isoyy", "[0-9]{2}"),
        "E": ("isoweekday", "[1-7]"),
        "ww": ("week", "[0-9]{2}"),
        "w": ("week", "[0-9]{1,2}"),
        "gggg": ("weekyear", "[0-9]{4}"),
        "gg": ("weekyy", "[0-9]{2}"),
        "e": ("weekday_sunday0", "[0-6]"),
    }
)
LOCALE_WEEK_TOKENS = frozenset({"w", "ww", "gggg", "gg", "e"})
"""Tokens whose value depends on moment's locale (Obsidian's language, which the vault does
not record): read with the English (US) week, and named by ``vaultkit doctor``."""


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
    kinds = {_YEAR_OF_YY.get(kind, kind.split("_")[0]) for kind in fields}
    if not any(needed <= kinds for needed in _DATE_FIELDS):
        problem = (
            f"{_quoted(fmt)} needs a year, a month and a day (e.g. YYYY-MM-DD), or a week "
            "year, a week and a weekday (e.g. GGGG-[W]WW-E)"
        )
        return _Format(None, (), problem)
    return _Format(re.compile("".join(parts)), tuple(fields), None)


_YEAR_OF_YY = {"yy": "year", "isoyy": "isoyear", "weekyy": "weekyear"}
_DATE_FIELDS = (
    {"year", "month", "day"},
    {"isoyear", "isoweek", "isoweekday"},
    {"weekyear", "week", "weekday"},
)
"""The sets of fields that name one day (``weekday`` here: ``e`` or ``d``, Sunday = 0)."""


def locale_week_tokens(fmt: str) -> list[str]:
    """The locale-dependent week tokens ``fmt`` uses (for ``vaultkit doctor``)."""
    return [t for t in _MOMENT_TOKEN_RE.findall(fmt) if t in LOCALE_WEEK_TOKENS]


def format_problem(fmt: str) -> str | None:
    """Why ``fmt`` names no daily note vaultkit can read (a path below the folder), or None."""
    if not fmt.strip():
        return "must not be empty"
    if fmt.startswith("/") or ".." in fmt.split("/"):
        return f"{_quoted(fmt)} must be a path below the daily-notes folder"
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


_YEAR_FIELDS = {
    "year": (4, 0),
    "yy": (2, 0),
    "isoyear": (4, 1),
    "isoyy": (2, 1),
    "weekyear": (4, 1),
    "weekyy": (2, 1),
}
"""The fields that hold a year, with their digits and how far from a day's calendar year
theirs can be (an ISO or a locale week's year may be the next or the previous one)."""


def year_texts(fmt: str, start: dt.date, end: dt.date) -> frozenset[str] | None:
    """Texts one of which is in the name of every daily note of a day from ``start`` to
    ``end`` (see :func:`daily_note_date`), or None when ``fmt`` names no day at all.

    A name names its day only if every field agrees with it, so it holds the day's year as
    its format's first year token writes it (``2026`` for ``YYYY``, ``26`` for ``YY``). A
    note's name is tried against the whole format and against its last segment, so both give
    texts. With these the Habits dashboard reads the names of the window's years only, not
    of every daily note the vault has kept for decades.
    """
    texts: set[str] = set()
    for variant in {fmt, fmt.rsplit("/", 1)[-1]}:
        fields = _compile_format(variant).fields
        year = next((_YEAR_FIELDS[kind] for kind in fields if kind in _YEAR_FIELDS), None)
        if year is None:
            continue  # names no day (no year): no name fits it
        digits, spread = year
        years = range(start.year - spread, end.year + spread + 1)
        texts.update(f"{number % 10**digits:0{digits}d}" for number in years)
    return frozenset(texts) if texts else None


def _parse_date(name: str, fmt: str) -> dt.date | None:
    compiled = _compile_format(fmt)
    if compiled.pattern is None:
        return None
    match = compiled.pattern.fullmatch(name)
    if match is None:
        return None
    values: dict[str, set[int]] = {}
    for index, kind in enumerate(compiled.fields):
        value, kind = _field_value(kind, match[f"g{index}"])
        values.setdefault(kind, set()).add(value)
    # A token repeated (YYYY/YYYY-MM-DD) must agree with itself.
    if any(len(found) > 1 for found in values.values()):
        return None
    one = {kind: found.pop() for kind, found in values.items()}
    day = _day_of(one)
    if day is None:
        return None
    # Every other field the name carries must agree with the day (a weekday, a week number).
    return day if all(_field_of(day, kind) == value for kind, value in one.items()) else None


def _field_value(kind: str, text: str) -> tuple[int, str]:
    """A matched token's number, and the field it sets."""
    if kind in _YEAR_OF_YY:
        # moment's two-digit years: 69-99 are 19xx, 00-68 are 20xx.
        number = int(text)
        return number + (1900 if number > 68 else 2000), _YEAR_OF_YY[kind]
    if kind in ("month_name", "month_abbr"):
        return _prefix_index(MONTHS, text) + 1, "month"
    if kind in ("weekday_name", "weekday_abbr"):
        return _prefix_index(_WEEKDAYS, text), "weekday_monday0"
    if kind == "day_ordinal":
        return int(text[:-2]), "day"
    if kind == "weekday_sunday0":
        return int(text), "weekday"
    return int(text), kind


def _day_of(one: Mapping[str, int]) -> dt.date | None:
    """The day the fields name (a date, an ISO week date, or an English-locale week date)."""
    try:
        if {"year", "month", "day"} <= one.keys():
            return dt.date(one["year"], one["month"], one["day"])
        if {"isoyear", "isoweek", "isoweekday"} <= one.keys():
            return dt.date.fromisocalendar(one["isoyear"], one["isoweek"], one["isoweekday"])
        if {"weekyear", "week", "weekday"} <= one.keys():
            start = _locale_week_one(one["weekyear"])
            return start + dt.timedelta(days=7 * (one["week"] - 1) + one["weekday"])
    except (ValueError, OverflowError):  # 2026-02-30, month 13, year 0, week 54
        return None
    return None


def _field_of(day: dt.date, kind: str) -> int:
    """The value of field ``kind`` for ``day``, to check a name against itself."""
    iso = day.isocalendar()
    if kind in ("year", "month", "day"):
        return int(getattr(day, kind))
    if kind == "weekday_monday0":
        return day.weekday()
    if kind == "weekday":
        return (day.weekday() + 1) % 7
    if kind in ("isoyear", "isoweek", "isoweekday"):
        return {"isoyear": iso.year, "isoweek": iso.week, "isoweekday": iso.weekday}[kind]
    # The English locale's week: Sunday first, week 1 is the one holding January 1.
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    week_year = (sunday + dt.timedelta(days=6)).year
    if kind == "weekyear":
        return week_year
    return (sunday - _locale_week_one(week_year)).days // 7 + 1


def _locale_week_one(year: int) -> dt.date:
    """The Sunday that starts week 1 of ``year`` in moment's English locale (dow 0, doy 6)."""
    january_first = dt.date(year, 1, 1)
    return january_first - dt.timedelta(days=(january_first.weekday() + 1) % 7)


def _prefix_index(names: Sequence[str], text: str) -> int:
    folded = text.casefold()
    return next(i for i, full in enumerate(names) if full.casefold().startswith(folded))


def _quoted(text: str) -> str:
    """``text`` as a TOML string, cut short like the config's other messages."""
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:56] + '..."'


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
