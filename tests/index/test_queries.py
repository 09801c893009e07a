"""The index's read side on its own (vaultkit.index.queries): the task filters of `vaultkit tasks`,
the link report, and the read-only SQL of `vaultkit query`, over a small real index."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from vaultkit.errors import VaultkitError
from vaultkit.index.queries import TaskFilter, graph_data, link_health, list_tasks, run_query
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths

NOTES = {
    "Plan.md": """\
# Plan
## Daily
- [ ] Stretch #habit/health 📅 2026-11-20
- [x] Read ✅ 2026-11-21
## Weekly
- [ ] Review [[Ideas]] #review 📅 2026-12-05
- [-] Dropped
- [/] Half done
Broken: [[Ideas#Nope]] and [[Nowhere]].
""",
    "Ideas.md": "# Ideas\n- [ ] Write #habit\n",
    "Lonely.md": "Nobody links here, and it links nowhere.\n",
    "Archive/Old.md": "- [ ] Archived task\n",
}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[sqlite3.Connection, Path]]:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".obsidian/app.json").write_text('{"userIgnoreFilters": ["Archive/"]}')
    for name, text in NOTES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    paths = VaultPaths(root, index=str(tmp_path / "index.sqlite3"))
    connection, _ = update_index(paths, progress=False)
    yield connection, tmp_path / "index.sqlite3"
    connection.close()


def texts(tasks: list[dict[str, object]]) -> list[object]:
    return [task["text"] for task in tasks]


def test_task_filters(index: tuple[sqlite3.Connection, Path]) -> None:
    connection, _ = index
    every = texts(list_tasks(connection, TaskFilter()))
    # Excluded files (Obsidian's "Excluded files") are not listed.
    assert "Archived task" not in every
    assert every == [
        "Write #habit",
        "Stretch #habit/health",
        "Read",
        "Review Ideas #review",
        "Dropped",
        "Half done",
    ]
    open_ = texts(list_tasks(connection, TaskFilter(state="open")))
    assert "Read" not in open_ and "Dropped" not in open_ and "Half done" in open_
    assert texts(list_tasks(connection, TaskFilter(state="done"))) == ["Read"]
    due = TaskFilter(state="open", due_before=dt.date(2026, 12, 1))
    assert texts(list_tasks(connection, due)) == ["Stretch #habit/health"]
    # A tag matches a task by its own tags or its note's, nested ones included (#habit finds
    # #habit/health, as Obsidian's tag search does): Plan.md holds #habit/health.
    assert texts(list_tasks(connection, TaskFilter(tag="habit"))) == every
    assert texts(list_tasks(connection, TaskFilter(tag="#review"))) == every[1:]
    assert texts(list_tasks(connection, TaskFilter(tag="habit/health/x"))) == []
    # Case does not matter, on either side.
    assert texts(list_tasks(connection, TaskFilter(tag="#HABIT"))) == every
    assert texts(list_tasks(connection, TaskFilter(tag="Habit/Health"))) == every[1:]
    assert texts(list_tasks(connection, TaskFilter(state="done", tag="review"))) == ["Read"]
    assert texts(list_tasks(connection, TaskFilter(section="weekly"))) == [
        "Review Ideas #review",
        "Dropped",
        "Half done",
    ]
    assert texts(list_tasks(connection, TaskFilter(note_glob="Ideas"))) == ["Write #habit"]


def test_a_tag_filter_keeps_the_order_of_the_whole_list(tmp_path: Path) -> None:
    """Tasks found by tag come in the order of the whole list (note path, as SQLite orders
    it, then line), whatever the names: upper case, accents and other scripts."""
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    names = ["a.md", "Z.md", "Ärger.md", "é/x.md", "日記.md", "Zz/ü.md", "b b.md"]
    for k, name in enumerate(names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        tag = "#Été" if k % 2 else "#ete/sub"
        (root / name).write_text(f"- [ ] one {tag}\n- [ ] two\n- [ ] three #été\n", "utf-8")
    paths = VaultPaths(root, index=str(tmp_path / "index.sqlite3"))
    connection, _ = update_index(paths, progress=False)
    with closing(connection):
        every = list_tasks(connection, TaskFilter())
        note_tags = {
            p: json.loads(t) for p, t in connection.execute("SELECT path, tags FROM notes")
        }
        for tag in ("été", "ÉTÉ", "ete", "#ete/SUB", "two"):
            wanted = tag.lstrip("#").casefold()
            expected = [
                task
                for task in every
                if any(
                    t.casefold() == wanted or t.casefold().startswith(wanted + "/")
                    for t in task["tags"] + note_tags[task["note"]]
                )
            ]
            assert list_tasks(connection, TaskFilter(tag=tag)) == expected, tag
            assert bool(expected) == (tag != "two"), tag
        # A note's tag finds every task of the note: "two" carries no tag of its own.
        ete = list_tasks(connection, TaskFilter(tag="ete"))
        assert {task["text"] for task in ete} >= {"two"}
        assert len(ete) < len(every)


def test_link_health(index: tuple[sqlite3.Connection, Path]) -> None:
    connection, _ = index
    report = link_health(connection)
    assert [link["target"] for link in report["unresolved"]] == ["Nowhere"]
    assert [link["fragment"] for link in report["broken_anchors"]] == ["Nope"]
    # Plan links out (even to a missing note), Ideas is linked to: only Lonely is an orphan.
    assert report["orphans"] == ["Lonely.md"]
    assert report["excluded_notes"] == 1 and report["notes"] == 3


def test_queries_read_and_never_write(index: tuple[sqlite3.Connection, Path]) -> None:
    _, path = index
    columns, rows = run_query(path, "SELECT path FROM notes ORDER BY path")
    assert columns == ["path"]
    assert [row[0] for row in rows] == ["Archive/Old.md", "Ideas.md", "Lonely.md", "Plan.md"]
    for sql in (
        "DELETE FROM notes",
        "ATTACH DATABASE '/tmp/x.sqlite3' AS x",
        "PRAGMA writable_schema = ON",
        "SELECT 1; DELETE FROM notes",
    ):
        with pytest.raises(VaultkitError):
            run_query(path, sql)
    assert len(run_query(path, "SELECT path FROM notes")[1]) == 4


PROPERTY_NOTES = {
    # Linked only from a property, and linking only from one: neither is an orphan.
    "Movie.md": '---\ncategories: ["[[Movies]]"]\nrelated:\n  - "[[Ghost]]"\n---\nNo body links.\n',
    "Movies.md": "# Movies\nA hub nothing in a body links to.\n",
    "Anchor.md": '---\nup: "[[Movies#Nope]]"\n---\n',
    "Alone.md": "no links at all\n",
    # A slug-style anchor Obsidian does not follow, beside a different case it does.
    "Slug.md": "## Tab stacks\nSee [Tab stacks](#tab-stacks) and [[Movies#MOVIES]].\n",
}


@pytest.fixture
def property_index(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    for name, text in PROPERTY_NOTES.items():
        (root / name).write_text(text, encoding="utf-8")
    connection, _ = update_index(
        VaultPaths(root, index=str(tmp_path / "i.sqlite3")), progress=False
    )
    yield connection
    connection.close()


def test_links_in_properties_resolve_and_count_against_orphans(
    property_index: sqlite3.Connection,
) -> None:
    report = link_health(property_index)
    assert report["orphans"] == ["Alone.md"]
    assert [(u["note"], u["line"], u["target"], u["key"]) for u in report["unresolved"]] == [
        ("Movie.md", 4, "Ghost", "related")
    ]
    assert [(b["note"], b["line"], b["key"]) for b in report["broken_anchors"]] == [
        ("Anchor.md", 2, "up"),
        ("Slug.md", 2, None),
    ]
    rows = property_index.execute(
        "SELECT note, resolved, context, key FROM links "
        "WHERE note = 'Movie.md' AND resolved IS NOT NULL"
    ).fetchall()
    assert rows == [("Movie.md", "Movies.md", "property", "categories")]
    _, edges = graph_data(property_index)
    assert ("Movie.md", "Movies.md") in {(edge.source, edge.target) for edge in edges}


def test_a_heading_anchor_obsidian_would_not_follow_is_broken_with_the_heading_it_means(
    property_index: sqlite3.Connection,
) -> None:
    broken = {b["note"]: b for b in link_health(property_index)["broken_anchors"]}
    assert broken["Slug.md"]["fragment"] == "tab-stacks"
    assert broken["Slug.md"]["differs_from"] == "Tab stacks"
    assert broken["Anchor.md"]["differs_from"] is None
