"""The read-only data every dashboard template sees, computed from the index.

Everything here is a pure function of the index and ``today``: no clock reads, no
randomness, stable ordering, so two machines syncing the same vault render identical
bytes. The context keys are documented in ``docs/templates.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import Any

from vaultkit.config.load import Config, TopicSettings, daily_note_date
from vaultkit.dashboards.rows import Rows
from vaultkit.index import resource_urls as resource_urls
from vaultkit.index import task_totals as task_totals
from vaultkit.index.queries import (
    EXCLUDED_NOTES,
    HIDDEN_NOTES,
    TASK_COLUMNS,
    VISIBLE_ROWS,
    broken_row,
    task_from_row,
    unresolved_row,
)
from vaultkit.task_progress import CADENCES, Progress

DUE_SOON_DAYS = 7
RECENT_DAYS = 7

_VISIBLE = VISIBLE_ROWS
_OPEN = "status IN ('todo', 'in_progress', 'other')"


def _tasks(
    connection: sqlite3.Connection,
    where: str,
    params: Sequence[Any],
    order: str,
    count: int | None = None,
) -> Rows:
    return Rows(
        connection,
        TASK_COLUMNS,
        f"FROM tasks t WHERE t.{_VISIBLE} AND {where}",
        params,
        order=order,
        convert=task_from_row,
        count=count,
    )


def _progress_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, done, total = row
    return {"note": note, "progress": Progress(done, total)}


def _section_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, section, done, total = row
    return {"note": note, "section": section, "progress": Progress(done, total)}


def _status(connection: sqlite3.Connection, today: dt.date) -> dict[str, Any]:
    """Progress and the task lists of the Status dashboard, summed and sliced in SQLite.

    The sums and list lengths are kept by the indexer (:mod:`vaultkit.index.task_totals`); the
    lists are :class:`~vaultkit.dashboards.rows.Rows`, read only as far as a template looks.
    """
    # The sums are kept by the indexer (vaultkit.index.task_totals): the lists are all that is read.
    kept = task_totals.totals(connection)
    done, total, open_count = kept.get("done", 0), kept.get("total", 0), kept.get("open", 0)
    today_iso = today.isoformat()
    soon_iso = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    recent_iso = (today - dt.timedelta(days=RECENT_DAYS)).isoformat()
    by_due = "t.due, t.note, t.line"
    by_line = "t.note, t.line"
    cadences = {
        cadence: Progress(
            kept.get(f"cadence_done:{cadence}", 0), kept.get(f"cadence_total:{cadence}", 0)
        )
        for cadence in CADENCES
        if kept.get(f"cadence_sections:{cadence}")
    }
    completed_days = [
        day
        for (day,) in connection.execute(
            f"SELECT DISTINCT done FROM tasks WHERE done BETWEEN ? AND ? AND status = 'done' "
            f"AND {_VISIBLE} ORDER BY done DESC",
            (recent_iso, today_iso),
        )
    ]
    return {
        "overall": Progress(done, total),
        "notes": Rows(
            connection,
            "note, sum(done), sum(total)",
            f"FROM task_sections WHERE {_VISIBLE} GROUP BY note HAVING sum(total) > 0",
            order="note",
            convert=_progress_row,
            count=kept.get("notes", 0),
        ),
        "sections": Rows(
            connection,
            "note, section, done, total",
            f"FROM task_sections WHERE total > 0 AND {_VISIBLE}",
            order="note, section",
            convert=_section_row,
            count=kept.get("sections", 0),
        ),
        "cadences": [
            {
                "cadence": cadence,
                "progress": cadences[cadence],
                "tasks": _tasks(connection, "t.cadence = ?", (cadence,), by_line),
            }
            for cadence in CADENCES
            if cadence in cadences
        ],
        "overdue": _tasks(
            connection,
            f"t.due IS NOT NULL AND t.due < ? AND t.{_OPEN}",
            (today_iso,),
            by_due,
            count=task_totals.open_due(connection, None, today_iso),
        ),
        "due_soon": _tasks(
            connection,
            f"t.due IS NOT NULL AND t.due BETWEEN ? AND ? AND t.{_OPEN}",
            (today_iso, soon_iso),
            by_due,
            count=task_totals.open_due(connection, today_iso, soon_iso),
        ),
        "ready": _tasks(connection, f"t.blocked = 0 AND t.{_OPEN}", (), by_line),
        "blocked": _tasks(connection, f"t.blocked = 1 AND t.{_OPEN}", (), by_line),
        "completed": [
            {
                "day": day,
                "tasks": _tasks(connection, "t.done = ? AND t.status = 'done'", (day,), by_line),
            }
            for day in completed_days
        ],
        "open_count": open_count,
    }


def is_topic(settings: TopicSettings, folder: str, tags_json: str, properties_json: str) -> bool:
    """Whether a note (its ``notes`` row's folder, tags and properties) is a topic."""
    wanted_folder = settings.folder.strip("/")
    if wanted_folder and (folder == wanted_folder or folder.startswith(wanted_folder + "/")):
        return True
    wanted_tag = settings.tag.lstrip("#").casefold()
    # Substring tests on the stored JSON rule out most notes before any JSON is decoded: a
    # note whose casefolded tags text lacks the tag cannot carry it.
    tag_needle = json.dumps(wanted_tag, ensure_ascii=False)[1:-1]  # as escaped in the JSON
    if wanted_tag and tag_needle in tags_json.casefold():
        tags = [t.casefold() for t in json.loads(tags_json)]
        if any(t == wanted_tag or t.startswith(wanted_tag + "/") for t in tags):
            return True
    needle = json.dumps(settings.property, ensure_ascii=False)
    if settings.property and needle in properties_json:
        return bool(json.loads(properties_json).get(settings.property))
    return False


def note_is_topic(connection: sqlite3.Connection, config: Config, path: str) -> bool:
    row = connection.execute(
        "SELECT folder, tags, properties FROM notes WHERE path = ?", (path,)
    ).fetchone()
    return row is not None and is_topic(config.topics, *row)


def daily_note_day(config: Config, path: str) -> dt.date | None:
    """The day of a daily note (by its path, as Obsidian's daily notes name them), or None."""
    folder = config.daily_notes.folder.strip("/")
    if folder and not path.startswith(folder + "/"):
        return None
    name = path[len(folder) + 1 : -3] if folder else path[:-3]
    return daily_note_date(name, config.daily_notes.format)


def _topics(connection: sqlite3.Connection, config: Config) -> list[dict[str, Any]]:
    settings = config.topics
    wanted_tag = settings.tag.lstrip("#").casefold()
    folder = settings.folder.strip("/")
    topics: list[dict[str, Any]] = []
    property_needle = json.dumps(settings.property, ensure_ascii=False)
    tag_needle = json.dumps(wanted_tag, ensure_ascii=False)[1:-1]  # as escaped in the JSON
    # is_topic's tests, looser, run in SQLite first, so only candidates reach Python: LIKE
    # ignores ASCII case only, so a tag with other letters is not pre-filtered there.
    maybe: list[str] = []
    params: list[Any] = []
    if folder:
        maybe.append("n.folder = ? OR substr(n.folder, 1, ?) = ?")
        params += [folder, len(folder) + 1, folder + "/"]
    if wanted_tag:
        if tag_needle.isascii():
            maybe.append("n.tags LIKE ? ESCAPE '!'")
            escaped = tag_needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
            params.append(f"%{escaped}%")
        else:
            maybe.append("1")
    if settings.property:
        maybe.append("instr(n.properties, ?) > 0")
        params.append(property_needle)
    if not maybe:
        return []
    notes = connection.execute(
        "SELECT n.path, n.title, n.folder, n.properties, n.tags, n.mtime_ns FROM notes n "
        f"WHERE n.path NOT IN ({HIDDEN_NOTES}) AND ({' OR '.join(f'({m})' for m in maybe)}) "
        "ORDER BY n.path",
        params,
    )
    for path, title, note_folder, properties_json, tags_json, mtime_ns in notes:
        if not is_topic(settings, note_folder, tags_json, properties_json):
            continue
        properties = json.loads(properties_json)
        lists: dict[str, list[str]] = defaultdict(list)
        for section, text, depth in connection.execute(
            "SELECT section, text, depth FROM list_items WHERE note = ? ORDER BY line", (path,)
        ):
            if depth == 0 and section:
                lists[section.split(" > ")[-1].casefold()].append(text)
        done, total, task_count = connection.execute(
            "SELECT coalesce(sum(status = 'done'), 0), coalesce(sum(status != 'cancelled'), 0), "
            "count(*) FROM tasks WHERE note = ?",
            (path,),
        ).fetchone()
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
                "progress": Progress(done, total),
                "tasks": task_count,
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


def _resource(connection: sqlite3.Connection, row: tuple[Any, ...]) -> dict[str, Any]:
    url, domain, text, _, _, status, mentions = row
    return {
        "url": url,
        "domain": domain,
        "text": text,
        "status": status,
        # Read only if a template looks at them; their number is known already.
        "mentions": Rows(
            connection,
            "note, line, section, task_status",
            f"FROM resources WHERE url = ? AND {_VISIBLE}",
            (url,),
            order="note, line",
            convert=_mention,
            count=mentions,
        ),
    }


def _mention(row: tuple[Any, ...]) -> dict[str, Any]:
    note, line, section, task_status = row
    return {"note": note, "line": line, "section": section, "task_status": task_status}


def _resources(connection: sqlite3.Connection) -> dict[str, Any]:
    """The reading list: every external link once, with its status and where it is kept.

    The rows come from the index's ``resource_urls`` (see :mod:`vaultkit.index.resource_urls`).
    """

    def resource(row: tuple[Any, ...]) -> dict[str, Any]:
        return _resource(connection, row)

    columns = "url, domain, text, note, section, status, mentions"
    # Kept by the indexer: counting 29,000 URLs per render cost a 10,000-note vault ~17 ms.
    counts = resource_urls.totals(connection)
    return {
        "all": Rows(
            connection,
            columns,
            "FROM resource_urls",
            order="domain, url",
            convert=resource,
            count=sum(counts[status] for status in resource_urls.STATUSES),
        ),
        "by_domain": Rows(
            connection,
            "DISTINCT domain",
            "FROM resource_urls",
            order="domain",
            convert=lambda row: {
                "domain": row[0],
                "resources": Rows(
                    connection,
                    columns,
                    "FROM resource_urls WHERE domain = ?",
                    (row[0],),
                    order="url",
                    convert=resource,
                ),
            },
        ),
        "by_section": Rows(
            connection,
            "DISTINCT note, section",
            "FROM resource_urls",
            order="note, section",
            count=counts["places"],
            convert=lambda row: {
                "note": row[0],
                "section": row[1],
                "resources": Rows(
                    connection,
                    columns,
                    "FROM resource_urls WHERE note = ? AND section = ?",
                    row,
                    order="domain, url",
                    convert=resource,
                ),
            },
        ),
        "counts": {status: counts[status] for status in resource_urls.STATUSES},
    }


def _habits(connection: sqlite3.Connection, config: Config, today: dt.date) -> dict[str, Any]:
    settings = config.habits
    daily = config.daily_notes
    folder = daily.folder.strip("/")
    start = today - dt.timedelta(days=settings.window_days - 1)
    days: dict[dt.date, str] = {}
    # The folder's notes are one range of the primary key ("Daily/" up to "Daily0").
    in_folder = "WHERE path > ? AND path < ?" if folder else ""
    bounds = (folder + "/", folder + "0") if folder else ()
    for (path,) in connection.execute(f"SELECT path FROM notes {in_folder} ORDER BY path", bounds):
        day = daily_note_day(config, path)
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


_INTERNAL = "kind IN ('wikilink', 'embed', 'markdown')"


def _links(connection: sqlite3.Connection) -> dict[str, Any]:
    """Link health, as ``vaultkit links --json`` reports it, with lazily read lists."""
    counts = dict(
        connection.execute(
            "SELECT CASE WHEN resolved IS NULL THEN 'unresolved' "
            "WHEN anchor LIKE 'broken%' THEN 'broken_anchor' ELSE 'resolved' END AS state, "
            f"count(*) FROM links WHERE {_INTERNAL} AND {_VISIBLE} GROUP BY state"
        ).fetchall()
    )
    unresolved_columns = "note, line, kind, target, fragment, raw, alias_of, embed"
    unresolved = f"FROM links WHERE resolved IS NULL AND {_INTERNAL} AND {_VISIBLE}"

    def unresolved_rows(extra: str = "") -> Rows:
        return Rows(
            connection,
            unresolved_columns,
            unresolved + extra,
            order="note, line",
            convert=unresolved_row,
        )

    orphans = Rows(
        connection,
        "n.path",
        # A link to a missing note still links out (Obsidian draws it to a ghost node).
        f"FROM notes n WHERE n.path NOT IN ({HIDDEN_NOTES}) AND NOT EXISTS ("
        f"  SELECT 1 FROM links l WHERE l.note = n.path AND l.{_INTERNAL}"
        "  AND (l.resolved IS NULL OR l.resolved != n.path)) "
        "AND NOT EXISTS (SELECT 1 FROM links l WHERE l.resolved = n.path AND l.note != n.path)",
        order="n.path",
        convert=lambda row: row[0],
    )
    notes, excluded = connection.execute(
        f"SELECT sum(path NOT IN ({HIDDEN_NOTES})), sum(path IN ({EXCLUDED_NOTES})) FROM notes"
    ).fetchone()
    return {
        "notes": notes or 0,
        "excluded_notes": excluded or 0,
        "resolved": counts.get("resolved", 0),
        "unresolved_count": counts.get("unresolved", 0),
        "broken_anchor_count": counts.get("broken_anchor", 0),
        "orphan_count": len(orphans),
        "unresolved": unresolved_rows(),
        "unresolved_links": unresolved_rows(" AND embed = 0"),
        "missing_embeds": unresolved_rows(" AND embed = 1"),
        "broken_anchors": Rows(
            connection,
            "note, line, resolved, fragment, raw, anchor",
            f"FROM links WHERE anchor LIKE 'broken%' AND {_VISIBLE}",
            order="note, line",
            convert=broken_row,
        ),
        "orphans": orphans,
    }


CONTEXT_NAMES = frozenset(
    {
        "vault",
        "today",
        "notes",
        "tasks",
        "status",
        "topics",
        "topic_columns",
        "resources",
        "habits",
        "links",
    }
)
"""Every name :func:`build_context` can provide (``dashboard`` is added per template)."""


def build_context(
    connection: sqlite3.Connection,
    config: Config,
    today: dt.date,
    vault_name: str,
    wanted: Collection[str] = CONTEXT_NAMES,
) -> dict[str, Any]:
    """Everything the dashboard templates may use; see docs/templates.md.

    Only the ``wanted`` names are computed (the templates being rendered say which). Large
    lists are :class:`~vaultkit.dashboards.rows.Rows` read from ``connection`` while the templates
    render, so the connection must stay open (in one read transaction, for a consistent
    view) until rendering is done.
    """
    notes = Rows(
        connection,
        "n.path, n.title, n.tags, n.properties",
        f"FROM notes n WHERE n.path NOT IN ({HIDDEN_NOTES})",
        order="n.path",
        convert=lambda row: {
            "path": row[0],
            "title": row[1],
            "tags": json.loads(row[2]),
            "properties": json.loads(row[3]),
        },
    )
    makers: dict[str, Callable[[], Any]] = {
        "vault": lambda: {"name": vault_name, "notes": len(notes)},
        "today": lambda: today.isoformat(),
        "notes": lambda: notes,
        "tasks": lambda: _tasks(connection, "1", (), "t.note, t.line"),
        "status": lambda: _status(connection, today),
        "topics": lambda: _topics(connection, config),
        "topic_columns": lambda: list(config.topics.columns),
        "resources": lambda: _resources(connection),
        "habits": lambda: _habits(connection, config, today),
        "links": lambda: _links(connection),
    }
    return {name: make() for name, make in makers.items() if name in wanted}
