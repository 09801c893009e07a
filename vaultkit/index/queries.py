"""Reading the index: the questions behind ``vaultkit tasks``, ``links``, ``graph``,
``query`` and ``doctor`` (whose tasks hidden in comments Status reports too). Each function
takes an open index connection and returns plain data; the CLI formats it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkit.errors import VaultkitError
from vaultkit.index import link_health as kept_links
from vaultkit.index.meta import SCHEMA_VERSION_KEY

# The visibility tests, read from here by the dashboards as well.
from vaultkit.index.visibility import EXCLUDED_NOTES as EXCLUDED_NOTES
from vaultkit.index.visibility import HIDDEN_NOTES as HIDDEN_NOTES
from vaultkit.index.visibility import VISIBLE_ROWS as VISIBLE_ROWS
from vaultkit.task_progress import OPEN_STATUSES

if TYPE_CHECKING:
    from vaultkit.graph.export import GraphEdge, GraphNode

IN_LIST_SIZE = 500
"""Values per ``IN (...)`` list of bound parameters: well under SQLite's limit (999 before
3.32). (The graph stage, which may not import the index, keeps its own.)"""

VISIBLE_NOTES_NAMED = (
    "SELECT count(*) FROM files JOIN notes ON notes.path = files.path "
    "WHERE files.name_key = ? AND files.excluded = 0 AND notes.generated = 0"
)
"""How many notes shown in the dashboards have a given file name (``files.name_key``): a
dashboard's wikilink needs the folder only when the name is not unique."""


def visible_notes_named_in(keys: int) -> str:
    """:data:`VISIBLE_NOTES_NAMED` for ``keys`` names at once: each name that some shown note
    has, with how many (a name no shown note has is not in the answer)."""
    return (
        "SELECT files.name_key, count(*) FROM files JOIN notes ON notes.path = files.path "
        f"WHERE files.name_key IN ({','.join('?' * keys)}) AND files.excluded = 0 "
        "AND notes.generated = 0 GROUP BY files.name_key"
    )


def name_and_namesakes(alias: str) -> str:
    """Two columns for a query over the ``files`` table under ``alias``: a file's name key,
    and how many files of any kind have that name. The count is read from the names' index
    alone: an upper bound of :func:`visible_notes_named_in`'s counts (which look up each
    file's note as well), and exact when it is 1, the file itself."""
    return (
        f"{alias}.name_key, "
        f"(SELECT count(*) FROM files namesake WHERE namesake.name_key = {alias}.name_key)"
    )


def linked_to(connection: sqlite3.Connection, paths: Iterable[str]) -> bool:
    """Whether some link of a note the views show points at one of ``paths`` (as last
    resolved)."""
    return any(
        connection.execute(
            f"SELECT 1 FROM links WHERE resolved = ? AND {VISIBLE_ROWS} LIMIT 1", (path,)
        ).fetchone()
        for path in paths
    )


class TaskFilter(NamedTuple):
    state: str | None = None
    """``open`` (not done, not cancelled), ``done``, or None for every task."""
    due_before: dt.date | None = None
    tag: str | None = None
    note_glob: str | None = None
    section: str | None = None


def _tag_matches(wanted: str, tags: list[str]) -> bool:
    """Whether one of ``tags`` is the tag ``wanted`` (casefolded, without its ``#``) or one
    nested under it: as in Obsidian's tag search, #project also finds #project/sub."""
    nested = wanted + "/"
    for tag in tags:
        folded = tag.casefold()
        if folded == wanted or folded.startswith(nested):
            return True
    return False


TASK_COLUMNS = (
    "t.note, t.line, t.section, t.status, t.status_char, t.checked, t.text, t.raw, "
    "t.parent_line, t.depth, t.due, t.scheduled, t.start, t.created, t.done, t.cancelled, "
    "t.priority, t.recurrence, t.task_id, t.depends_on, t.tags, t.block_id, t.blocked"
)
"""The columns :func:`task_from_row` reads, from ``tasks t``."""


def task_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    """A task as ``vaultkit tasks --json`` and the templates see it."""
    (note, line, section, status, char, checked, text, raw, parent, depth, due, scheduled,
     start, created, done, cancelled, priority, recurrence, task_id, depends_on, tags,
     block_id, blocked) = row  # fmt: skip
    return {
        "note": note,
        "line": line,
        "section": section,
        "status": status,
        "status_char": char,
        "checked": bool(checked),
        "text": text,
        "raw": raw,
        "parent_line": parent,
        "depth": depth,
        "due": due,
        "scheduled": scheduled,
        "start": start,
        "created": created,
        "done": done,
        "cancelled": cancelled,
        "priority": priority,
        "recurrence": recurrence,
        "id": task_id,
        "depends_on": json.loads(depends_on),
        "blocked": None if blocked is None else bool(blocked),
        "tags": json.loads(tags),
        "block_id": block_id,
    }


def list_tasks(connection: sqlite3.Connection, task_filter: TaskFilter) -> list[dict[str, Any]]:
    """Tasks matching the filter, ordered by note path and line."""
    clauses: list[str] = []
    params: list[Any] = []
    if task_filter.state == "open":
        clauses.append(f"t.status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params.extend(OPEN_STATUSES)
    elif task_filter.state == "done":
        clauses.append("t.status = 'done'")
    if task_filter.due_before is not None:
        clauses.append("t.due IS NOT NULL AND t.due < ?")
        params.append(task_filter.due_before.isoformat())
    # Notes under Obsidian's "Excluded files", and generated dashboards, are not listed.
    clauses.append(f"t.note NOT IN ({HIDDEN_NOTES})")
    tasks = f"FROM tasks t JOIN notes n ON n.path = t.note WHERE {' AND '.join(clauses)}"
    rows: Iterable[tuple[Any, ...]]
    if task_filter.tag:
        rows = _tagged(connection, tasks, params, task_filter.tag.lstrip("#").casefold())
    else:
        rows = connection.execute(f"SELECT {TASK_COLUMNS} {tasks} ORDER BY t.note, t.line", params)
    section_wanted = task_filter.section.casefold() if task_filter.section else None
    result: list[dict[str, Any]] = []
    for row in rows:
        note, section = row[0], row[2]
        if task_filter.note_glob and not (
            fnmatchcase(note, task_filter.note_glob)
            or fnmatchcase(note, task_filter.note_glob + ".md")
        ):
            continue
        if section_wanted is not None and not any(
            part.casefold() == section_wanted for part in section.split(" > ")
        ):
            continue
        result.append(task_from_row(row))
    return result


_TAGGED_CHUNK = 500
"""Tasks read back per statement once their tags matched (one ``?`` each)."""


def _tagged(
    connection: sqlite3.Connection, tasks: str, params: list[Any], wanted: str
) -> list[tuple[Any, ...]]:
    """The :data:`TASK_COLUMNS` of the ``tasks`` (a ``FROM … WHERE …`` of ``tasks t`` joined
    with their ``notes n``) that carry the tag ``wanted`` or a tag nested under it, or whose
    note does, ordered by note and line. Read in two passes: every task's tags and its note's
    first, then the whole rows of those that match (at 100,000 notes, ~760,000 open tasks
    read whole cost ~3 s, their tags alone ~1 s). A note's tags are read once for all its
    tasks."""
    note_tagged: dict[str, bool] = {}
    picked: list[int] = []
    for rowid, tags, note_tags in connection.execute(
        f"SELECT t.rowid, t.tags, n.tags {tasks}", params
    ):
        tagged = note_tagged.get(note_tags)
        if tagged is None:
            tagged = note_tagged[note_tags] = _tag_matches(wanted, json.loads(note_tags))
        if tagged or (tags != "[]" and _tag_matches(wanted, json.loads(tags))):
            picked.append(rowid)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(picked), _TAGGED_CHUNK):
        chunk = picked[start : start + _TAGGED_CHUNK]
        rows += connection.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks t WHERE t.rowid IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    # As ORDER BY t.note, t.line: Python orders str by code point, as SQLite's BINARY
    # collation orders their UTF-8; a note has one task per line.
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


UNRESOLVED_COLUMNS = "note, line, kind, target, fragment, raw, alias_of, embed, key"
"""The ``links`` columns :func:`unresolved_row` reads."""
BROKEN_COLUMNS = "note, line, resolved, fragment, raw, anchor, key, anchor_hint"
"""The ``links`` columns :func:`broken_row` reads."""


def unresolved_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, line, kind, target, fragment, raw, alias_of, embed, key = row
    return {
        "note": note,
        "line": line,
        "kind": kind,
        "target": target,
        "fragment": fragment,
        "raw": raw,
        "alias_of": alias_of,
        "embed": bool(embed),
        "key": key,
    }


def broken_row(row: tuple[Any, ...]) -> dict[str, Any]:
    note, line, resolved, fragment, raw, anchor, key, anchor_hint = row
    return {
        "note": note,
        "line": line,
        "target": resolved,
        "fragment": fragment,
        "raw": raw,
        "problem": anchor,
        "key": key,
        "differs_from": anchor_hint,
    }


def link_health(connection: sqlite3.Connection) -> dict[str, Any]:
    """Resolved, unresolved and broken links, and orphan notes (the counts and the orphans as
    the indexer keeps them, :mod:`vaultkit.index.link_health`)."""
    kept = kept_links.totals(connection)
    unresolved = [
        unresolved_row(row)
        for row in connection.execute(
            f"SELECT {UNRESOLVED_COLUMNS} FROM links "
            f"WHERE {kept_links.INTERNAL} AND resolved IS NULL "
            f"AND note NOT IN ({HIDDEN_NOTES}) ORDER BY note, line"
        )
    ]
    broken_anchors = [
        broken_row(row)
        for row in connection.execute(
            f"SELECT {BROKEN_COLUMNS} FROM links "
            f"WHERE anchor LIKE 'broken%' AND note NOT IN ({HIDDEN_NOTES}) ORDER BY note, line"
        )
    ]
    excluded = connection.execute(f"SELECT count(*) FROM notes WHERE path IN ({EXCLUDED_NOTES})")
    return {
        "notes": kept["notes"],
        "excluded_notes": excluded.fetchone()[0],
        "resolved": kept["resolved"],
        "unresolved_count": kept["unresolved"] + kept["missing"],
        "broken_anchor_count": kept["broken"],
        "orphan_count": kept["orphan"],
        "unresolved": unresolved,
        "broken_anchors": broken_anchors,
        "orphans": kept_links.orphans(connection),
    }


def graph_data(connection: sqlite3.Connection) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Notes, linked attachments and ghost nodes, with link/embed edges between them."""
    from vaultkit.graph.export import GraphEdge, GraphNode

    progress = {
        note: (total, done)
        for note, total, done in connection.execute(
            "SELECT note, sum(status != 'cancelled'), sum(status = 'done') FROM tasks GROUP BY note"
        )
    }
    nodes: dict[str, GraphNode] = {}
    for path, title, tags in connection.execute(
        f"SELECT path, title, tags FROM notes WHERE path NOT IN ({HIDDEN_NOTES}) ORDER BY path"
    ):
        total, done = progress.get(path, (0, 0))
        nodes[path] = GraphNode(path, title, "note", tuple(json.loads(tags)), total or 0, done or 0)
    hidden = {row[0] for row in connection.execute(HIDDEN_NOTES)}
    counts: dict[tuple[str, str, str], int] = {}
    for note, target, resolved, embed in connection.execute(
        "SELECT note, target, resolved, embed FROM links "
        f"WHERE kind IN ('wikilink', 'embed', 'markdown') AND note NOT IN ({HIDDEN_NOTES}) "
        "ORDER BY note, line"
    ):
        if resolved is None:
            node_id = f"ghost:{target}"
            nodes.setdefault(node_id, GraphNode(node_id, target, "ghost"))
        elif resolved in hidden:
            continue  # Obsidian's graph hides excluded files
        else:
            node_id = resolved
            if node_id not in nodes:
                nodes[node_id] = GraphNode(node_id, node_id.rsplit("/", 1)[-1], "attachment")
        if node_id == note:
            continue
        key = (note, node_id, "embed" if embed else "link")
        counts[key] = counts.get(key, 0) + 1
    edges = [GraphEdge(s, t, k, n) for (s, t, k), n in counts.items()]
    return list(nodes.values()), edges


def _deny_dangerous(action: int, arg1: str | None, *_: object) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg1 not in (
        "table_info",
        "table_list",
        "index_list",
        "index_info",
        "table_xinfo",
    ):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and arg1 in ("load_extension", "readfile", "writefile"):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run_query(index_path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run read-only SQL over the index; any write, ATTACH or PRAGMA is refused."""
    uri = f"file:{index_path.as_posix()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        connection.execute("PRAGMA query_only = ON")
        connection.set_authorizer(_deny_dangerous)
        try:
            cursor = connection.execute(sql)
            rows = cursor.fetchall()
        except sqlite3.Warning as exc:
            raise VaultkitError(f"the query is not a single statement ({exc})") from None
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "readonly" in message or "not authorized" in message:
                raise VaultkitError(
                    f"only reading queries are allowed ({message}); the index is "
                    "rebuilt from the vault, change your notes instead"
                ) from None
            raise VaultkitError(f"the query failed: {message}") from None
        columns = [d[0] for d in cursor.description or ()]
        return columns, rows
    finally:
        connection.close()


def diagnostics_by_note(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        {"note": note, "line": line, "code": code, "severity": severity, "message": message}
        for note, line, code, severity, message in connection.execute(
            "SELECT note, line, code, severity, message FROM diagnostics ORDER BY note, line"
        )
    ]


HIDDEN_TASKS = f"FROM hidden_tasks WHERE {VISIBLE_ROWS}"
"""The checkbox items in comments of the visible notes (SQL: the FROM and WHERE)."""


def hidden_task_comments(
    connection: sqlite3.Connection, note: str | None = None
) -> list[dict[str, Any]]:
    """The comments of the visible notes (or of one ``note``) that hold checkbox items
    (``hidden_tasks``), by note and line: ``{note, line, end_line, tasks}``."""
    one = "" if note is None else " AND note = ?"
    return [
        {"note": path, "line": line, "end_line": end_line, "tasks": tasks}
        for path, line, end_line, tasks in connection.execute(
            f"SELECT note, comment_line, comment_end_line, count(*) {HIDDEN_TASKS}{one} "
            "GROUP BY note, comment_line, comment_end_line ORDER BY note, comment_line",
            () if note is None else (note,),
        )
    ]


def skipped_files(connection: sqlite3.Connection) -> list[dict[str, str]]:
    return [
        {"path": path, "reason": reason, "message": message}
        for path, reason, message in connection.execute(
            "SELECT path, reason, message FROM skipped ORDER BY path"
        )
    ]


def index_health(connection: sqlite3.Connection, index_path: Path) -> dict[str, Any]:
    integrity = connection.execute("PRAGMA quick_check").fetchone()[0]
    version = connection.execute(
        "SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)
    ).fetchone()
    return {
        "path": str(index_path),
        "size_bytes": index_path.stat().st_size if index_path.exists() else 0,
        "schema_version": version[0] if version else None,
        "integrity": integrity,
        "notes": connection.execute("SELECT count(*) FROM notes").fetchone()[0],
        "files": connection.execute("SELECT count(*) FROM files").fetchone()[0],
    }
