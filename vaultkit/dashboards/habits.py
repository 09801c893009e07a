"""The Habits dashboard's context: recurring checkboxes of the daily notes in a rolling window.

Each checkbox text under the configured section of a daily note is a habit; a day counts for a
habit when its daily note holds that checkbox, and is done when it is ticked. A day of the
window without a daily note counts as missed for every habit (``[habits] missing_day =
"missed"``, the default: people score habits over calendar days), or is left out
(``"untracked"``). Today is not missed before it is over.

With ``"recurring_tasks"`` among ``[habits] sources``, a task repeating every day (the Tasks
plugin's ``🔁 every day``) is a habit too, kept without daily notes: each instance completed
(``✅ date``) is a day done, and every other past day since the series began is a day missed.

With ``"checklists"``, every item of a Daily checklist is a habit, and its days come from the
habits log the sync keeps (:mod:`vaultkit.sync.habit_log`), handed in as
:class:`~vaultkit.dashboards.common.Checklists`.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections import defaultdict
from typing import Any

from vaultkit.config.schema import Config, HabitSettings
from vaultkit.dashboards.common import Checklists, Inputs
from vaultkit.index.queries import VISIBLE_ROWS
from vaultkit.index.store import PRESENCE
from vaultkit.obsidian.daily_notes import MONTHS, daily_note_date, year_texts

_Record = dict[dt.date, bool]
"""One habit: day -> whether it was done that day (a tracked day only)."""


def daily_note_day(config: Config, path: str) -> dt.date | None:
    """The day of a daily note (by its path, as Obsidian's daily notes name them), or None."""
    folder = config.daily_notes.folder.strip("/")
    if folder and not path.startswith(folder + "/"):
        return None
    name = path[len(folder) + 1 : -3] if folder else path[:-3]
    return daily_note_date(name, config.daily_notes.format)


def moves_daily(
    connection: sqlite3.Connection,
    config: Config,
    path: str,
    families: frozenset[str],
    kept: dict[str, object],
) -> bool:
    """Whether a change to the note at ``path`` (moving ``families``) moves the habits
    (``kept``: see :class:`vaultkit.dashboards.registry.Scope`; the habits keep nothing)."""
    # The habits read the tasks of daily notes, and a daily note is one by its path; with
    # recurring tasks or checklists as a source, any note's tasks may hold a habit. The habits
    # log is not read from the index: any change of the note moves them.
    sources = config.habits.sources
    if "checklists" in sources and path == config.habits.log:
        return True
    if PRESENCE in families and daily_note_day(config, path) is not None:
        # A daily note that came or went is a day with a note, or without one, tasks or
        # not (and whether the views show it or not: the days are read from every note).
        return True
    if "tasks" not in families:
        return False
    return (
        "recurring_tasks" in sources
        or "checklists" in sources
        or daily_note_day(config, path) is not None
    )


def make_habits(inputs: Inputs) -> dict[str, Any]:
    """``habits``: each habit's record over the window, and each day's count of habits done."""
    connection, config, today = inputs.connection, inputs.config, inputs.today
    settings = config.habits
    start = today - dt.timedelta(days=settings.window_days - 1)
    from_notes = "daily_notes" in settings.sources
    days = _daily_notes(connection, config, start, today) if from_notes else {}
    per_habit = _records(connection, settings, days)
    missed = _missed_days(settings, days, start, today) if from_notes else []
    for record in per_habit.values():
        record.update(dict.fromkeys(missed, False))
    if "recurring_tasks" in settings.sources:
        for text, record in _recurring(connection, start, today).items():
            _merge(per_habit[text], record)
    if inputs.checklists is not None:
        for text, record in _from_log(settings, inputs.checklists, start, today).items():
            _merge(per_habit[text], record)
    shown_days = sorted({*days, *missed, *(d for r in per_habit.values() for d in r)})
    return {
        "window_days": settings.window_days,
        "start": start.isoformat(),
        "end": today.isoformat(),
        "sources": list(settings.sources),
        "log": settings.log if inputs.checklists is not None else None,
        "missing_day": settings.missing_day,
        "missed_days": len(missed),
        "days": [
            {
                "day": d.isoformat(),
                "note": days.get(d),
                "done_count": sum(1 for record in per_habit.values() if record.get(d)),
            }
            for d in shown_days
        ],
        "habits": [
            _habit(settings, text, per_habit[text], shown_days, days)
            for text in sorted(per_habit, key=str.casefold)
        ],
        "calendar": _calendar(start, today, days, per_habit, missed),
    }


CALENDAR_MONTHS = 3
"""The month calendar shows at most this many months: the last ones of the window."""


def _calendar(
    start: dt.date,
    today: dt.date,
    days: dict[dt.date, str],
    per_habit: dict[str, _Record],
    missed: list[dt.date],
) -> list[dict[str, Any]]:
    """The window's months as weeks of seven days, Monday first: each day of the window with
    the habits done that day, whether its note is missing (a miss) or still to come (today)."""
    # Imported here: this module is imported on every save for :func:`moves_daily`, and
    # ``calendar`` (with ``locale``) costs the hook ~2 ms.
    import calendar

    missed_days = set(missed)
    months: list[tuple[int, int]] = []
    cursor = dt.date(today.year, today.month, 1)
    while len(months) < CALENDAR_MONTHS and cursor >= dt.date(start.year, start.month, 1):
        months.append((cursor.year, cursor.month))
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    found: list[dict[str, Any]] = []
    for year, month in reversed(months):
        weeks = [
            [_calendar_day(day, month, start, today, days, per_habit, missed_days) for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        found.append({"month": f"{MONTHS[month - 1]} {year}", "weeks": weeks})
    return found


def _calendar_day(
    day: dt.date,
    month: int,
    start: dt.date,
    today: dt.date,
    days: dict[dt.date, str],
    per_habit: dict[str, _Record],
    missed: set[dt.date],
) -> dict[str, Any] | None:
    """One cell of the calendar: None outside the month; a day outside the window has only its
    number."""
    if day.month != month:
        return None
    in_window = start <= day <= today
    return {
        "day": day.isoformat(),
        "number": day.day,
        "in_window": in_window,
        "note": days.get(day),
        "missed": day in missed,
        "counted": in_window and any(day in record for record in per_habit.values()),
        "done": sorted(
            (text for text, record in per_habit.items() if in_window and record.get(day)),
            key=str.casefold,
        ),
    }


def _missed_days(
    settings: HabitSettings, days: dict[dt.date, str], start: dt.date, today: dt.date
) -> list[dt.date]:
    """The days of the window that count as missed for want of a daily note (none when
    ``missing_day`` is "untracked"). Today is never one: its note may still come."""
    if settings.missing_day != "missed":
        return []
    span = (today - start).days
    return [day for day in (start + dt.timedelta(days=n) for n in range(span)) if day not in days]


_DAILY_RULE = re.compile(r"every (?:1 )?day(?: when done)?", re.IGNORECASE)
"""The Tasks plugin's recurrence rules that repeat a task daily."""


def _recurring(
    connection: sqlite3.Connection, start: dt.date, today: dt.date
) -> dict[str, _Record]:
    """Habit text -> its record, from the tasks that repeat every day: a day is done when an
    instance of the series was completed that day; every other day of the window since the
    series began (its earliest created or done date) is a day missed, today only once done."""
    first: dict[str, dt.date] = {}
    done_days: dict[str, set[dt.date]] = {}
    for text, rule, status, done, created in connection.execute(
        "SELECT text, recurrence, status, done, created FROM tasks "
        f"WHERE recurrence IS NOT NULL AND {VISIBLE_ROWS}"
    ):
        if not text or not _DAILY_RULE.fullmatch(rule.strip()):
            continue
        series = done_days.setdefault(text, set())  # a series not yet done is still a habit
        dates = [day for day in (_date(done), _date(created)) if day is not None]
        if dates:
            first[text] = min([first.get(text, dates[0]), *dates])
        if status == "done" and (day := _date(done)) is not None:
            series.add(day)
    records: dict[str, _Record] = {}
    for text, done in done_days.items():
        begin = max(start, first.get(text, start))
        record = {
            begin + dt.timedelta(days=n): begin + dt.timedelta(days=n) in done
            for n in range(max(0, (today - begin).days))
        }
        if today in done:
            record[today] = True
        records[text] = record
    return records


def _from_log(
    settings: HabitSettings, checklists: Checklists, start: dt.date, today: dt.date
) -> dict[str, _Record]:
    """Habit text -> its record, from the habits log: each Daily checklist item, and each item
    the log lists in the window, is a habit. A day of the window with a line in the log is
    done for the items it lists and missed for the others; a past day without a line (no run
    of vaultkit that day) is missed or left out as ``missing_day`` says, but only since the
    log's first line: before it, nothing was kept. Today is not missed before it is over."""
    history = checklists.history
    names = dict.fromkeys(checklists.items)
    for day, items in history.items():
        if start <= day <= today:
            names.update(dict.fromkeys(items))
    begin = max(start, min(history, default=today))
    records: dict[str, _Record] = {}
    for text in names:
        record: _Record = {}
        for n in range(max(0, (today - begin).days) + 1):
            day = begin + dt.timedelta(days=n)
            if day in history:
                done = text in history[day]
                if done or day < today:
                    record[day] = done
            elif day < today and settings.missing_day == "missed":
                record[day] = False
        records[text] = record
    return records


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _merge(record: _Record, other: _Record) -> None:
    """A habit kept both ways: a day counts if either counts it, and is done if either says so."""
    for day, done in other.items():
        record[day] = record.get(day, False) or done


def _daily_notes(
    connection: sqlite3.Connection, config: Config, start: dt.date, end: dt.date
) -> dict[dt.date, str]:
    """The daily note of each day from ``start`` to ``end`` that has one: day -> path."""
    folder = config.daily_notes.folder.strip("/")
    years = year_texts(config.daily_notes.format, start, end)
    if years is None:
        return {}  # a format that names no day: no note is a daily note
    # The folder's notes are one range of the primary key ("Daily/" up to "Daily0"), and only
    # names holding one of the window's years can name one of its days.
    where = ["path > ? AND path < ?"] if folder else []
    params: list[str] = [folder + "/", folder + "0"] if folder else []
    where.append(" OR ".join(["instr(path, ?) > 0"] * len(years)))
    params += sorted(years)
    days: dict[dt.date, str] = {}
    for (path,) in connection.execute(
        f"SELECT path FROM notes WHERE {' AND '.join(f'({w})' for w in where)} ORDER BY path",
        params,
    ):
        day = daily_note_day(config, path)
        if day is not None and start <= day <= end:
            days[day] = path
    return days


def _records(
    connection: sqlite3.Connection, settings: HabitSettings, days: dict[dt.date, str]
) -> dict[str, _Record]:
    """Habit text -> its record, from the checkboxes of the daily notes."""
    per_habit: dict[str, _Record] = defaultdict(dict)
    for day, path in days.items():
        for section, text, status in connection.execute(
            "SELECT section, text, status FROM tasks WHERE note = ? ORDER BY line", (path,)
        ):
            if settings.section and settings.section.casefold() not in [
                part.casefold() for part in section.split(" > ")
            ]:
                continue
            if status == "cancelled" or not text:
                continue
            done = status == "done"
            per_habit[text][day] = per_habit[text].get(day, False) or done
    return per_habit


def _habit(
    settings: HabitSettings,
    text: str,
    record: _Record,
    shown_days: list[dt.date],
    days: dict[dt.date, str],
) -> dict[str, Any]:
    """One habit's entry: days done of days counted, its target and its current streak."""
    done_days = sum(1 for value in record.values() if value)
    tracked = len(record)
    target: float = settings.targets.get(text, settings.default_target)
    if float(target).is_integer():
        target = int(target)
    pct = round(100 * done_days / tracked) if tracked else 0
    streak = 0
    for day in reversed(shown_days):
        if record.get(day):
            streak += 1
        elif day in record:
            break
    return {
        "habit": text,
        "done": done_days,
        "tracked": tracked,
        "pct": pct,
        "target": target,
        "met": pct >= target,
        "streak": streak,
        "days": [
            {"day": day.isoformat(), "done": record.get(day), "note": days.get(day)}
            for day in shown_days
        ],
    }
