"""The read-only data every dashboard template sees, computed from the index.

Everything here is a pure function of the index and ``today``: no clock reads, no
randomness, stable ordering, so two machines syncing the same vault render identical
bytes. The context keys are documented in ``docs/templates.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from vaultkit.config import Config, daily_note_date
from vaultkit.queries import HIDDEN_NOTES, TaskFilter, link_report, list_tasks

CADENCES = ("daily", "weekly", "bi-weekly", "biweekly", "weekend", "monthly", "quarterly", "yearly")
_CADENCE_WORDS = re.compile(r"[^a-z]+")
DUE_SOON_DAYS = 7
RECENT_DAYS = 7


def cadence_of(section: str) -> str | None:
    """The cadence named by the innermost heading of a section path, if any."""
    if not section:
        return None
    last = section.split(" > ")[-1].casefold()
    squashed = _CADENCE_WORDS.sub("", last)
    for cadence in CADENCES:
        if squashed == cadence.replace("-", "") or last.startswith(cadence):
            return "bi-weekly" if cadence == "biweekly" else cadence
    return None


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int

    @property
    def pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _progress(tasks: list[dict[str, Any]]) -> Progress:
    counted = [t for t in tasks if t["status"] != "cancelled"]
    return Progress(sum(1 for t in counted if t["status"] == "done"), len(counted))


def _status(tasks: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    by_note: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_section: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    by_cadence: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        by_note[task["note"]].append(task)
        by_section[(task["note"], task["section"])].append(task)
        cadence = cadence_of(task["section"])
        if cadence:
            by_cadence[cadence].append(task)
    open_tasks = [t for t in tasks if t["status"] in ("todo", "in_progress", "other")]
    today_iso = today.isoformat()
    soon_iso = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    recent_iso = (today - dt.timedelta(days=RECENT_DAYS)).isoformat()
    overdue = sorted(
        (t for t in open_tasks if t["due"] and t["due"] < today_iso),
        key=lambda t: (t["due"], t["note"], t["line"]),
    )
    due_soon = sorted(
        (t for t in open_tasks if t["due"] and today_iso <= t["due"] <= soon_iso),
        key=lambda t: (t["due"], t["note"], t["line"]),
    )
    completed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        if task["status"] == "done" and task["done"] and recent_iso <= task["done"] <= today_iso:
            completed[task["done"]].append(task)
    return {
        "overall": _progress(tasks),
        "notes": [
            {"note": note, "progress": _progress(items)}
            for note, items in sorted(by_note.items())
            if _progress(items).total
        ],
        "sections": [
            {"note": note, "section": section, "progress": _progress(items)}
            for (note, section), items in sorted(by_section.items())
            if _progress(items).total
        ],
        "cadences": [
            {
                "cadence": cadence,
                "progress": _progress(by_cadence[cadence]),
                "tasks": by_cadence[cadence],
            }
            for cadence in CADENCES
            if cadence in by_cadence
        ],
        "overdue": overdue,
        "due_soon": due_soon,
        "ready": [t for t in open_tasks if t["blocked"] is False],
        "blocked": [t for t in open_tasks if t["blocked"] is True],
        "completed": [
            {"day": day, "tasks": completed[day]} for day in sorted(completed, reverse=True)
        ],
        "open_count": len(open_tasks),
    }


def _topics(
    connection: sqlite3.Connection, config: Config, tasks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    settings = config.topics
    notes = connection.execute(
        "SELECT n.path, n.title, n.folder, n.properties, n.tags, n.mtime_ns FROM notes n "
        f"WHERE n.path NOT IN ({HIDDEN_NOTES}) ORDER BY n.path"
    ).fetchall()
    tasks_by_note: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        tasks_by_note[task["note"]].append(task)
    wanted_tag = settings.tag.lstrip("#").casefold()
    folder = settings.folder.strip("/")
    topics: list[dict[str, Any]] = []
    for path, title, note_folder, properties_json, tags_json, mtime_ns in notes:
        properties = json.loads(properties_json)
        tags = [t.casefold() for t in json.loads(tags_json)]
        matches = (
            (wanted_tag and any(t == wanted_tag or t.startswith(wanted_tag + "/") for t in tags))
            or (folder and (note_folder == folder or note_folder.startswith(folder + "/")))
            or (settings.property and properties.get(settings.property))
        )
        if not matches:
            continue
        lists: dict[str, list[str]] = defaultdict(list)
        for section, text, depth in connection.execute(
            "SELECT section, text, depth FROM list_items WHERE note = ? ORDER BY line", (path,)
        ):
            if depth == 0 and section:
                lists[section.split(" > ")[-1].casefold()].append(text)
        note_tasks = tasks_by_note.get(path, [])
        resources = connection.execute(
            "SELECT count(DISTINCT url) FROM resources WHERE note = ?", (path,)
        ).fetchone()[0]
        modified = _modified(properties, mtime_ns)
        topics.append(
            {
                "path": path,
                "title": title,
                "properties": properties,
                "lists": dict(lists),
                "progress": _progress(note_tasks),
                "tasks": len(note_tasks),
                "resources": resources,
                "modified": modified,
            }
        )
    sort_key = settings.sort.lstrip("-")
    reverse = settings.sort.startswith("-")

    def key(topic: dict[str, Any]) -> tuple[int, str]:
        value = topic_value(topic, sort_key)
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return (0 if value not in (None, "", []) else 1, text.casefold())

    topics.sort(key=lambda t: t["title"].casefold())
    topics.sort(key=key, reverse=reverse)
    return topics


MODIFIED_PROPERTIES = ("updated", "modified", "last_modified", "last-modified", "date modified")


def _modified(properties: dict[str, Any], mtime_ns: int) -> str:
    """A note's last-modified date: its own property when it has one, else the file's mtime.

    A property travels with the note, while mtimes are reset by clones and some sync
    services; preferring it keeps two machines' dashboards identical.
    """
    for key, value in properties.items():
        if key.casefold() in MODIFIED_PROPERTIES and isinstance(value, str) and value[:10]:
            try:
                return dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                continue
    return dt.datetime.fromtimestamp(mtime_ns / 1e9, dt.UTC).date().isoformat()


def topic_value(topic: dict[str, Any], column: str) -> Any:
    """A topic's value for a column: computed, a property, or a section's bullet list."""
    lowered = column.casefold()
    if lowered == "progress":
        return topic["progress"]
    if lowered in ("resources", "tasks", "modified", "title"):
        return topic[lowered]
    for key, value in topic["properties"].items():
        if key.casefold() == lowered:
            return value
    return topic["lists"].get(lowered)


def _resources(connection: sqlite3.Connection) -> dict[str, Any]:
    rows = connection.execute(
        "SELECT r.url, r.domain, r.text, r.note, r.line, r.section, r.task_status FROM resources r "
        f"WHERE r.note NOT IN ({HIDDEN_NOTES}) ORDER BY r.url, r.note, r.line"
    ).fetchall()
    by_url: dict[str, dict[str, Any]] = {}
    for url, domain, text, note, line, section, task_status in rows:
        entry = by_url.setdefault(
            url,
            {"url": url, "domain": domain, "text": text, "mentions": [], "status": "link"},
        )
        entry["mentions"].append({"note": note, "line": line, "section": section,
                                  "task_status": task_status})  # fmt: skip
    for entry in by_url.values():
        statuses = {m["task_status"] for m in entry["mentions"] if m["task_status"]}
        if "done" in statuses:
            entry["status"] = "done"
        elif statuses & {"todo", "in_progress", "other"}:
            entry["status"] = "open"
        elif statuses:
            entry["status"] = "cancelled"
    resources = sorted(by_url.values(), key=lambda r: (r["domain"], r["url"]))
    by_domain: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_section: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        by_domain[resource["domain"]].append(resource)
        first = resource["mentions"][0]
        by_section[(first["note"], first["section"])].append(resource)
    return {
        "all": resources,
        "by_domain": [{"domain": d, "resources": by_domain[d]} for d in sorted(by_domain)],
        "by_section": [
            {"note": n, "section": s, "resources": by_section[(n, s)]}
            for n, s in sorted(by_section)
        ],
        "counts": {
            status: sum(1 for r in resources if r["status"] == status)
            for status in ("open", "done", "cancelled", "link")
        },
    }


def _habits(connection: sqlite3.Connection, config: Config, today: dt.date) -> dict[str, Any]:
    settings = config.habits
    daily = config.daily_notes
    folder = daily.folder.strip("/")
    start = today - dt.timedelta(days=settings.window_days - 1)
    days: dict[dt.date, str] = {}
    for (path,) in connection.execute("SELECT path FROM notes ORDER BY path"):
        if folder and not path.startswith(folder + "/"):
            continue
        name = path[len(folder) + 1 : -3] if folder else path[:-3]
        day = daily_note_date(name, daily.format)
        if day is not None and start <= day <= today:
            days[day] = path
    per_habit: dict[str, dict[dt.date, bool]] = defaultdict(dict)
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
    tracked_days = sorted(days)
    habits = []
    for text in sorted(per_habit, key=str.casefold):
        record = per_habit[text]
        done_days = sum(1 for value in record.values() if value)
        tracked = len(record)
        target: float = settings.targets.get(text, settings.default_target)
        if float(target).is_integer():
            target = int(target)
        pct = round(100 * done_days / tracked) if tracked else 0
        streak = 0
        for day in reversed(tracked_days):
            if record.get(day):
                streak += 1
            elif day in record:
                break
        habits.append(
            {
                "habit": text,
                "done": done_days,
                "tracked": tracked,
                "pct": pct,
                "target": target,
                "met": pct >= target,
                "streak": streak,
                "days": [
                    {"day": day.isoformat(), "done": record.get(day), "note": days[day]}
                    for day in tracked_days
                ],
            }
        )
    return {
        "window_days": settings.window_days,
        "start": start.isoformat(),
        "end": today.isoformat(),
        "days": [
            {
                "day": d.isoformat(),
                "note": days[d],
                "done_count": sum(1 for record in per_habit.values() if record.get(d)),
            }
            for d in tracked_days
        ],
        "habits": habits,
    }


def build_context(
    connection: sqlite3.Connection, config: Config, today: dt.date, vault_name: str
) -> dict[str, Any]:
    """Everything the dashboard templates may use; see docs/templates.md."""
    tasks = list_tasks(connection, TaskFilter())
    notes = [
        {"path": path, "title": title, "tags": json.loads(tags), "properties": json.loads(props)}
        for path, title, tags, props in connection.execute(
            "SELECT n.path, n.title, n.tags, n.properties FROM notes n "
            f"WHERE n.path NOT IN ({HIDDEN_NOTES}) ORDER BY n.path"
        )
    ]
    return {
        "vault": {"name": vault_name, "notes": len(notes)},
        "today": today.isoformat(),
        "notes": notes,
        "tasks": tasks,
        "status": _status(tasks, today),
        "topics": _topics(connection, config, tasks),
        "topic_columns": list(config.topics.columns),
        "resources": _resources(connection),
        "habits": _habits(connection, config, today),
        "links": link_report(connection),
    }
