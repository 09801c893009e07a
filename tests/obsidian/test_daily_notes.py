"""Tests for vaultkit.obsidian.daily_notes: dates read from daily-note names in moment.js format,
and the Periodic Notes plugin's daily settings taking over from Obsidian's.

(Reading ``.obsidian/daily-notes.json`` is tested through the config, in
tests/config/test_config.py.)
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.support.config_files import write_daily_settings, write_plugin_settings
from vaultkit.obsidian.daily_notes import (
    DailyNoteSettings,
    daily_note_date,
    format_problem,
    locale_week_tokens,
    read_daily_note_settings,
    year_texts,
)


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("2026-01-05", "YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("05.01.2026", "DD.MM.YYYY", dt.date(2026, 1, 5)),
        ("2026/01/05", "YYYY/MM/DD", dt.date(2026, 1, 5)),
        ("2026/01/2026-01-05", "YYYY/MM/YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("2026/2026-01-05", "YYYY/YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("5.1.26", "D.M.YY", dt.date(2026, 1, 5)),
        ("31.12.99", "DD.MM.YY", dt.date(1999, 12, 31)),
        ("Jan 5, 2026", "MMM D, YYYY", dt.date(2026, 1, 5)),
        ("january 5 2026", "MMMM D YYYY", dt.date(2026, 1, 5)),
        ("Monday, January 5th 2026", "dddd, MMMM Do YYYY", dt.date(2026, 1, 5)),
        ("2026-01-05 Mon", "YYYY-MM-DD ddd", dt.date(2026, 1, 5)),
        ("Journal 2026-01-05", "[Journal] YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("Tagebuch vom 2026-01-05", "[Tagebuch vom] YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("20260105", "YYYYMMDD", dt.date(2026, 1, 5)),
        ("2026-01-05", r"YYYY\-MM\-DD", dt.date(2026, 1, 5)),
        # A daily note moved to another subfolder counts by its file name, as in Obsidian.
        ("Archive/2026-01-05", "YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("2025/12/2026-01-05", "YYYY/MM/YYYY-MM-DD", dt.date(2026, 1, 5)),
    ],
)
def test_daily_note_dates(name: str, fmt: str, expected: dt.date) -> None:
    assert daily_note_date(name, fmt) == expected


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("2026-02-30", "YYYY-MM-DD"),  # no such day
        ("2026-13-01", "YYYY-MM-DD"),
        ("2025-02-29", "YYYY-MM-DD"),  # not a leap year
        ("2026-1-5", "YYYY-MM-DD"),  # MM and DD take two digits (strict, like Obsidian)
        ("2026-01-05 notes", "YYYY-MM-DD"),
        ("Meeting notes", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("2026-01-05 Tue", "YYYY-MM-DD ddd"),  # 5 January 2026 is a Monday
        ("2026/02/2026-01-05", "YYYY/MM/DD"),
        ("2026-01", "YYYY-MM"),  # no day in the format
        ("2026-Q1-05", "YYYY-[Q]Q-DD"),  # unsupported token
        ("２０２６-01-05", "YYYY-MM-DD"),  # full-width digits are not ASCII digits
    ],
)
def test_names_that_are_not_daily_notes(name: str, fmt: str) -> None:
    assert daily_note_date(name, fmt) is None


_MOMENT_TO_STRFTIME = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD.MM.YYYY": "%d.%m.%Y",
    "YYYY/MM/YYYY-MM-DD": "%Y/%m/%Y-%m-%d",
    "dddd, MMMM DD, YYYY": "%A, %B %d, %Y",
    "ddd DD MMM YY": "%a %d %b %y",
}


@given(
    day=st.dates(min_value=dt.date(1969, 1, 1), max_value=dt.date(2068, 12, 31)),
    fmt=st.sampled_from(sorted(_MOMENT_TO_STRFTIME)),
)
def test_a_formatted_date_reads_back(day: dt.date, fmt: str) -> None:
    # strftime's %A and %B follow the machine's locale; moment's default is English.
    english = (
        _MOMENT_TO_STRFTIME[fmt]
        .replace("%A", _weekday(day))
        .replace("%a", _weekday(day)[:3])
        .replace("%B", _month(day))
        .replace("%b", _month(day)[:3])
    )
    assert daily_note_date(day.strftime(english), fmt) == day


def _weekday(day: dt.date) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
        day.weekday()
    ]


def _month(day: dt.date) -> str:
    return (
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
    )[day.month - 1]


@pytest.mark.parametrize(
    ("fmt", "problem"),
    [
        ("YYYY-MM-DD", None),
        ("YYYY/MM/YYYY-MM-DD", None),
        ("", "must not be empty"),
        ("/YYYY-MM-DD", '"/YYYY-MM-DD" must be a path below the daily-notes folder'),
        ("../YYYY-MM-DD", '"../YYYY-MM-DD" must be a path below the daily-notes folder'),
        ("YYYY-MM", '"YYYY-MM" needs a year, a month and a day (e.g. YYYY-MM-DD), or a week '
         "year, a week and a weekday (e.g. GGGG-[W]WW-E)"),
        # A weekly note's format names no day.
        ("gggg-[W]ww", '"gggg-[W]ww" needs a year, a month and a day (e.g. YYYY-MM-DD), or a '
         "week year, a week and a weekday (e.g. GGGG-[W]WW-E)"),
        ("GGGG/[W]WW/YYYY-MM-DD", None),
        ("gggg-ww-e", None),
        ("YYYY-DDDD", "uses 'DDDD', which vaultkit does not read (it reads YYYY, YY, MMMM, MMM, "
         "MM, M, Do, DD, D, dddd, ddd, d, WW, W, GGGG, GG, E, ww, w, gggg, gg, e)"),
    ],
)  # fmt: skip
def test_format_problems(fmt: str, problem: str | None) -> None:
    assert format_problem(fmt) == problem


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        # ISO weeks: 2026-01-05 is the Monday of ISO week 2 of 2026.
        ("2026-W02-1", "GGGG-[W]WW-E", dt.date(2026, 1, 5)),
        ("2026/W02/2026-01-05", "GGGG/[W]WW/YYYY-MM-DD", dt.date(2026, 1, 5)),
        ("26-W2-1", "GG-[W]W-E", dt.date(2026, 1, 5)),
        # 2027-01-01 (a Friday) lies in ISO week 53 of 2026.
        ("2026-W53-5", "GGGG-[W]WW-E", dt.date(2027, 1, 1)),
        # moment's default English weeks: Sunday first, week 1 holds January 1, so
        # 2025-12-31 is in week 1 of 2026 and 2026-01-05 in week 2.
        ("2026-02-1", "gggg-ww-e", dt.date(2026, 1, 5)),
        ("2026 week 01/2025-12-31", "gggg [week] ww/YYYY-MM-DD", dt.date(2025, 12, 31)),
        ("2026-01-05 (W02)", "YYYY-MM-DD ([W]ww)", dt.date(2026, 1, 5)),
    ],
)
def test_week_tokens(name: str, fmt: str, expected: dt.date) -> None:
    assert daily_note_date(name, fmt) == expected


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("2026-01-05 (W03)", "YYYY-MM-DD ([W]WW)"),  # the wrong week for the date
        ("2026-01-05 2025", "YYYY-MM-DD GGGG"),
        ("2026-W54-1", "GGGG-[W]WW-E"),  # no such week
        ("2026-02-1 Tue", "gggg-ww-e ddd"),  # weekday 1 is Monday
    ],
)
def test_week_tokens_must_agree_with_the_date(name: str, fmt: str) -> None:
    assert daily_note_date(name, fmt) is None


@given(st.dates(min_value=dt.date(1971, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_date_written_with_week_tokens_reads_back(day: dt.date) -> None:
    iso = day.isocalendar()
    assert daily_note_date(f"{iso.year}-W{iso.week:02d}-{iso.weekday}", "GGGG-[W]WW-E") == day
    # The English week from C's %U (Sunday-first weeks, week 0 before the year's first
    # Sunday): moment numbers the week holding January 1 as 1, so %U is one behind unless
    # the year starts on a Sunday; a week whose Saturday falls in the next year is its week 1.
    sunday0 = int(day.strftime("%w"))
    saturday = day + dt.timedelta(days=6 - sunday0)
    if saturday.year == day.year:
        week_year, week = day.year, int(day.strftime("%U"))
        week += 0 if dt.date(day.year, 1, 1).weekday() == 6 else 1
    else:
        week_year, week = day.year + 1, 1
    name = f"{week_year}-{week:02d}-{sunday0}"
    assert daily_note_date(name, "gggg-ww-e") == day


def _locale_week(day: dt.date) -> tuple[int, int]:
    """moment's English week of ``day``: (week year, week), Sunday first, week 1 holding
    January 1."""
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    week_year = (sunday + dt.timedelta(days=6)).year
    january_first = dt.date(week_year, 1, 1)
    week_one = january_first - dt.timedelta(days=(january_first.weekday() + 1) % 7)
    return week_year, (sunday - week_one).days // 7 + 1


def _moment_format(day: dt.date, fmt: str) -> str:
    """``day`` written in moment's ``fmt`` (the tokens vaultkit reads), as Obsidian names it."""
    iso = day.isocalendar()
    week_year, week = _locale_week(day)
    ordinal = {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10 if day.day // 10 != 1 else 0, "th")
    values = {
        "YYYY": f"{day.year:04d}",
        "YY": f"{day.year % 100:02d}",
        "MMMM": _month(day),
        "MMM": _month(day)[:3],
        "MM": f"{day.month:02d}",
        "M": str(day.month),
        "Do": f"{day.day}{ordinal}",
        "DD": f"{day.day:02d}",
        "D": str(day.day),
        "dddd": _weekday(day),
        "ddd": _weekday(day)[:3],
        "d": str((day.weekday() + 1) % 7),
        "e": str((day.weekday() + 1) % 7),
        "E": str(iso.weekday),
        "WW": f"{iso.week:02d}",
        "W": str(iso.week),
        "GGGG": f"{iso.year:04d}",
        "GG": f"{iso.year % 100:02d}",
        "ww": f"{week:02d}",
        "w": str(week),
        "gggg": f"{week_year:04d}",
        "gg": f"{week_year % 100:02d}",
    }
    tokens = re.findall(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|d|e|E|WW|W|GGGG|GG"
                        r"|ww|w|gggg|gg|.", fmt)  # fmt: skip
    return "".join(t[1:-1] if t.startswith("[") else values.get(t, t) for t in tokens)


_YEARS_FORMATS = (
    "YYYY-MM-DD",
    "DD.MM.YY",
    "YYYY/MM/YYYY-MM-DD",
    "YYYY/[Week] WW/dddd, MMMM Do YYYY",
    "D MMM YY, ddd",
    "GGGG-[W]WW-E",
    "GG-[W]W-E",
    "gggg-ww-e",
    "gg [week] w, d",
    "GGGG/[W]WW/YYYY-MM-DD",
    "MM-DD-YYYY (gggg-[w]ww)",
    "YYYY/DD.MM.YY",
)


_NEW_YEARS = st.builds(
    lambda year, offset: dt.date(year, 1, 1) + dt.timedelta(days=offset),
    st.integers(1971, 2066),
    st.integers(-7, 7),
)
"""Days around a new year, where a week's year can be another than the day's."""

_WINDOW_SIDE = st.one_of(st.just(0), st.integers(0, 400))


@given(
    # Two-digit years read as moment reads them: 69-99 are 19xx, 00-68 are 20xx.
    day=st.one_of(
        st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2067, 12, 1)), _NEW_YEARS
    ),
    fmt=st.sampled_from(_YEARS_FORMATS),
    moved=st.booleans(),
    before=_WINDOW_SIDE,
    after=_WINDOW_SIDE,
)
# A week's year other than the day's: 2027-01-01 is in ISO week 53 of 2026, 2025-12-31 in
# the English week 1 of 2026.
@example(day=dt.date(2027, 1, 1), fmt="GGGG-[W]WW-E", moved=False, before=0, after=0)
@example(day=dt.date(2027, 1, 1), fmt="GG-[W]W-E", moved=False, before=0, after=0)
@example(day=dt.date(2025, 12, 31), fmt="gggg-ww-e", moved=False, before=0, after=0)
@example(day=dt.date(2025, 12, 31), fmt="gg [week] w, d", moved=False, before=0, after=0)
def test_a_daily_note_holds_one_of_its_windows_year_texts(
    day: dt.date, fmt: str, moved: bool, before: int, after: int
) -> None:
    """What the Habits dashboard filters the names by never leaves out a daily note of a day
    in its window: written in the format, or its last segment filed into another folder."""
    name = _moment_format(day, fmt)
    if moved:
        name = "Elsewhere/" + _moment_format(day, fmt.rsplit("/", 1)[-1])
    assert daily_note_date(name, fmt) == day
    start, end = day - dt.timedelta(days=before), day + dt.timedelta(days=after)
    texts = year_texts(fmt, start, end)
    assert texts is not None and any(text in name for text in texts), (name, texts)


def test_year_texts_are_the_windows_years_as_the_format_writes_them() -> None:
    window = (dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    assert year_texts("YYYY-MM-DD", *window) == frozenset({"2026"})
    assert year_texts("DD.MM.YY", *window) == frozenset({"26"})
    assert year_texts("GGGG-[W]WW-E", *window) == frozenset({"2025", "2026", "2027"})
    assert year_texts("YYYY/DD.MM.YY", *window) == frozenset({"2026", "26"})
    assert year_texts("YYYY-MM", *window) is None  # names no day
    assert year_texts("YYYY-DDDD", *window) is None  # a token vaultkit does not read


PERIODIC = "periodic-notes"
PERIODIC_FILE = ".obsidian/plugins/periodic-notes/data.json"


def test_periodic_notes_daily_settings_take_over(tmp_path: Path) -> None:
    write_daily_settings(tmp_path, {"folder": "Daily", "format": "YYYY-MM-DD"})
    assert read_daily_note_settings(tmp_path, ".obsidian") == DailyNoteSettings(
        "Daily", "YYYY-MM-DD", ".obsidian/daily-notes.json"
    )
    daily = {"enabled": True, "format": "GGGG/[W]WW/YYYY-MM-DD", "folder": " Journal/ "}
    write_plugin_settings(tmp_path, PERIODIC, {"daily": daily, "weekly": {"enabled": True}})
    assert read_daily_note_settings(tmp_path, ".obsidian") == DailyNoteSettings(
        "Journal", "GGGG/[W]WW/YYYY-MM-DD", PERIODIC_FILE
    )


def test_periodic_notes_calendar_sets(tmp_path: Path) -> None:
    # The 1.0 betas keep each set's "day" settings; the active set is the one in use.
    sets = [
        {"id": "Work", "day": {"enabled": True, "format": "[W] YYYY-MM-DD", "folder": "Work"}},
        {"id": "Home", "day": {"enabled": True, "format": "", "folder": "Home"}},
    ]
    write_plugin_settings(tmp_path, PERIODIC, {"calendarSets": sets, "activeCalendarSet": "Home"})
    assert read_daily_note_settings(tmp_path, ".obsidian") == DailyNoteSettings(
        "Home", "YYYY-MM-DD", PERIODIC_FILE
    )


@pytest.mark.parametrize(
    ("settings", "enabled"),
    [
        ({"daily": {"enabled": False, "format": "DD.MM.YYYY"}}, True),
        ({"daily": {"enabled": True, "format": "DD.MM.YYYY"}}, False),
        ("{not json", True),
    ],
)
def test_periodic_notes_off_leaves_obsidians_settings(
    tmp_path: Path, settings: object, enabled: bool
) -> None:
    write_daily_settings(tmp_path, {"folder": "Daily", "format": "YYYY-MM-DD"})
    write_plugin_settings(tmp_path, PERIODIC, settings, enabled=enabled)
    assert read_daily_note_settings(tmp_path, ".obsidian").folder == "Daily"


def test_locale_week_tokens_are_named() -> None:
    assert locale_week_tokens("gggg/[Week] ww/YYYY-MM-DD") == ["gggg", "ww"]
    assert locale_week_tokens("GGGG/[W]WW/YYYY-MM-DD [week]") == []
