"""Each dashboard's context, computed directly from the index of a small vault: what every
name a template reads holds (docs/templates.md, "Context"), maker by maker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.config.load import load_config
from vaultkit.config.schema import Config
from vaultkit.dashboards import topics as topics_module
from vaultkit.dashboards.common import (
    Checklists,
    Inputs,
    make_notes,
    make_tasks,
    make_today,
    make_vault,
    modified_date,
)
from vaultkit.dashboards.context import CONTEXT_NAMES, build_context
from vaultkit.dashboards.habits import daily_note_day, make_habits, moves_daily
from vaultkit.dashboards.helpers import template_filters
from vaultkit.dashboards.links import make_links
from vaultkit.dashboards.registry import BUILTINS, CONTEXT, DATED_FILTERS, DATED_NAMES
from vaultkit.dashboards.resources import make_resources
from vaultkit.dashboards.status import make_status
from vaultkit.dashboards.topics import (
    COLUMN_FAMILIES,
    COMPUTED_COLUMNS,
    Topic,
    TopicNote,
    make_comparison_tables,
    make_topic_columns,
    make_topics,
    moves_topics,
    sort_by_value,
    sort_topics,
    sort_value,
    topic_value,
)
from vaultkit.index.checklists import ticked_daily
from vaultkit.index.store import FAMILIES
from vaultkit.index.update import update_index
from vaultkit.task_progress import Progress
from vaultkit.vaultpaths import VaultPaths

TODAY = dt.date(2026, 11, 22)
MTIME = dt.datetime(2026, 9, 15, 12, tzinfo=dt.UTC).timestamp()

CONFIG = """\
[topics]
tag = "topic"
folder = "Topics"
property = "compare"
columns = ["status", "Pros", "progress", "tasks", "resources", "modified"]

[habits]
window_days = 3
section = "Habits"
targets = { "Gym" = 60 }

[daily_notes]
folder = "Daily"

[dashboards.status]
target = "Dashboards/Status.md"
"""

NOTES = {
    "Alpha.md": """\
---
tags: [topic]
status: active
updated: 2026-11-01
---
# Alpha

## Pros
- fast
- cheap
  - nested, not a cell

## Cons
- new

## Weekly
- [x] design ✅ 2026-11-20 🆔 design1
- [ ] build 📅 2026-11-21 ⛔ design1
- [-] dropped
- [ ] ship 📅 2026-11-25 ⛔ prep1
- [ ] prep 🆔 prep1

Read [the docs](https://example.com/docs) and https://other.org/page.
""",
    "Beta.md": """\
---
compare: true
Status: parked
---
# Beta

- [ ] read https://example.com/docs
""",
    "Topics/Gamma.md": "# Gamma\n\nNo tasks here. See [[Alpha]].\n",
    "Tagged.md": "A sub-topic tag counts too: #topic/sub\n",
    "Not a topic.md": "---\ncompare: false\n---\nSee [[Beta]] and [[Topics/Gamma]].\n",
    "Links.md": """\
# Links

- [[Missing note]]
- [[Alpha#No such heading]]
- [[Alpha#Pros]]
- ![[gone.png]]
""",
    "Lonely.md": "Nobody links here, and this links nowhere.\n",
    "Daily/2026-11-20.md": "## Habits\n- [x] Gym\n- [ ] Read\n",
    "Daily/2026-11-21.md": "## Habits\n- [ ] Gym\n- [x] Read\n\n## Work\n- [x] Not a habit\n",
    "Daily/2026-11-22.md": "## Habits\n- [x] Gym\n- [x] Read\n- [-] Swim\n",
    "Daily/2026-11-01.md": "## Habits\n- [x] Gym\n",
}


def write_vault(root: Path) -> None:
    """The small vault these tests read, with every note's mtime fixed."""
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaultkit").mkdir()
    (root / ".vaultkit" / "config.toml").write_text(CONFIG, "utf-8")
    for rel, text in NOTES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        os.utime(path, (MTIME, MTIME))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    root = tmp_path_factory.mktemp("contexts")
    vault = root / "vault"
    write_vault(vault)
    config = load_config(vault, BUILTINS)
    connection, _ = update_index(VaultPaths(vault, index=root / "index.sqlite3"), progress=False)
    try:
        yield Inputs(connection, config, TODAY, "vault")
    finally:
        connection.close()


def plain(value: Any) -> Any:
    """A context value with its lazy lists read, for comparing with ``==``."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool | Progress) or value is None:
        return value
    return [plain(item) for item in value]


def texts(tasks: Any) -> list[str]:
    return [task["text"] for task in tasks]


# --- the date -------------------------------------------------------------------------------


def test_the_names_marked_dated_are_the_ones_that_count_from_today(inputs: Inputs) -> None:
    """Only a template reading one of them is rendered again when the date moves
    (``vaultkit.sync.freshness.reads_the_date``)."""
    moved = set()
    for days in (-10, 3, 30):
        other = dataclasses.replace(inputs, today=TODAY + dt.timedelta(days=days))
        for name in CONTEXT_NAMES:
            maker = CONTEXT[name].make
            assert maker is not None
            if plain(maker.resolve()(inputs)) != plain(maker.resolve()(other)):
                moved.add(name)
    assert moved == DATED_NAMES


def test_the_dated_filters_are_the_ones_that_count_from_today() -> None:
    def value(filters: dict[str, Any], name: str) -> Any:
        try:
            return filters[name]("2026-11-01")
        except Exception as exc:  # a filter that takes other arguments fails alike both days
            return type(exc)

    today, later = template_filters([], TODAY), template_filters([], TODAY + dt.timedelta(days=3))
    moved = {name for name in today if value(today, name) != value(later, name)}
    assert moved == DATED_FILTERS


# --- the shared names ----------------------------------------------------------------------


def test_vault_today_and_notes(inputs: Inputs) -> None:
    assert make_today(inputs) == "2026-11-22"
    assert make_vault(inputs) == {"name": "vault", "notes": len(NOTES)}
    notes = plain(make_notes(inputs))
    assert [note["path"] for note in notes] == sorted(NOTES)
    alpha = next(note for note in notes if note["path"] == "Alpha.md")
    assert alpha == {
        "path": "Alpha.md",
        "title": "Alpha",
        "tags": ["topic"],
        "properties": {"tags": ["topic"], "status": "active", "updated": "2026-11-01"},
    }


def test_tasks_are_every_task_in_note_and_line_order(inputs: Inputs) -> None:
    tasks = make_tasks(inputs)
    assert len(tasks) == 15
    assert [(t["note"], t["line"]) for t in tasks] == sorted((t["note"], t["line"]) for t in tasks)
    assert tasks[0]["text"] == "design"


# --- status -------------------------------------------------------------------------------


def test_status_progress(inputs: Inputs) -> None:
    status = make_status(inputs)
    # Cancelled tasks leave the total: 15 tasks, 2 cancelled, 7 done.
    assert status["overall"] == Progress(7, 13)
    assert status["open_count"] == 6
    assert plain(status["notes"])[0] == {"note": "Alpha.md", "progress": Progress(1, 4)}
    assert {"note": "Alpha.md", "section": "Alpha > Weekly", "progress": Progress(1, 4)} in plain(
        status["sections"]
    )
    assert len(status["notes"]) == len(plain(status["notes"]))
    assert len(status["sections"]) == len(plain(status["sections"]))


def test_status_cadences_and_due_dates(inputs: Inputs) -> None:
    status = make_status(inputs)
    assert [(c["cadence"], c["progress"]) for c in status["cadences"]] == [
        ("weekly", Progress(1, 4))
    ]
    assert texts(status["cadences"][0]["tasks"]) == ["design", "build", "dropped", "ship", "prep"]
    assert texts(status["overdue"]) == ["build"]
    assert texts(status["due_soon"]) == ["ship"]
    assert (len(status["overdue"]), len(status["due_soon"])) == (1, 1)


def test_status_ready_blocked_and_completed(inputs: Inputs) -> None:
    status = make_status(inputs)
    # Only tasks with a dependency: "build" waits on "design", done; "ship" on "prep", open.
    assert texts(status["blocked"]) == ["ship"]
    assert texts(status["ready"]) == ["build"]
    completed = status["completed"]
    assert [day["day"] for day in completed] == ["2026-11-20"]
    assert texts(completed[0]["tasks"]) == ["design"]


def test_status_keeps_a_later_day_out_of_the_window(inputs: Inputs) -> None:
    later = Inputs(inputs.connection, inputs.config, TODAY + dt.timedelta(days=30), "vault")
    status = make_status(later)
    assert status["completed"] == []
    assert texts(status["overdue"]) == ["build", "ship"]


# --- topics -------------------------------------------------------------------------------


def topics_by_path(inputs: Inputs) -> dict[str, Mapping[str, Any]]:
    return {topic["path"]: topic for topic in make_topics(inputs)}


def test_topics_are_chosen_by_tag_folder_or_property(inputs: Inputs) -> None:
    # By title, the default sort; "Not a topic" has compare: false, so it is none.
    assert [topic["path"] for topic in make_topics(inputs)] == [
        "Alpha.md",
        "Beta.md",
        "Topics/Gamma.md",
        "Tagged.md",
    ]


def test_the_comparison_tables_reuse_the_topics_of_the_same_render(
    inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    def looked_again(*_: object) -> bool:
        raise AssertionError("the topics were looked for again")

    made = dataclasses.replace(inputs, found={})
    assert make_topics(made)
    monkeypatch.setattr(topics_module, "has_topics", looked_again)
    assert make_comparison_tables(made) == []
    context = build_context(
        inputs.connection, inputs.config, TODAY, "vault", {"topics", "comparison_tables"}
    )
    assert context["comparison_tables"] == [] and context["topics"]
    # Alone, with no topics made first, it asks the index.
    asked: list[bool] = []

    def looked(*_: object) -> bool:
        asked.append(True)
        return True

    monkeypatch.setattr(topics_module, "has_topics", looked)
    assert make_comparison_tables(dataclasses.replace(inputs, found={})) == []
    assert asked == [True]


def test_a_topic_holds_its_properties_lists_and_computed_columns(inputs: Inputs) -> None:
    alpha = topics_by_path(inputs)["Alpha.md"]
    assert list(alpha) == ["path", "title", "properties", "lists", *COMPUTED_COLUMNS, "digest"]
    assert alpha["title"] == "Alpha"
    assert alpha["properties"]["status"] == "active"
    # Top-level bullets only, by the innermost heading, lower-cased.
    assert alpha["lists"] == {"pros": ["fast", "cheap"], "cons": ["new"]}
    assert alpha["progress"] == Progress(1, 4)
    assert alpha["tasks"] == 5
    assert alpha["resources"] == 2
    assert alpha["modified"] == "2026-11-01"  # its "updated" property
    # The digest stands for the values: each topic's is its own.
    digests = [topic["digest"] for topic in make_topics(inputs)]
    assert len(set(digests)) == len(digests)


def test_a_topic_reads_the_index_only_for_what_is_asked(inputs: Inputs) -> None:
    """A cached row asks a topic for its digest and path alone: making the topics reads
    no list, task or resource of theirs, and asking for a value reads that note's rows once."""
    statements: list[str] = []
    inputs.connection.set_trace_callback(statements.append)
    try:
        alpha = {topic["path"]: topic for topic in make_topics(inputs)}["Alpha.md"]
        per_note = ("FROM list_items", "FROM tasks", "FROM resources")
        assert not [s for s in statements if any(table in s for table in per_note)]
        assert alpha["digest"] and alpha["title"] == "Alpha"
        assert not [s for s in statements if any(table in s for table in per_note)]
        assert alpha["progress"] == Progress(1, 4) and alpha["tasks"] == 5
        assert alpha["lists"]["pros"] == ["fast", "cheap"]
        read = [s for s in statements if any(table in s for table in per_note)]
        # One query for the lists, one for both task columns (read once), none for the rest.
        assert len(read) == 2 and all("'Alpha.md'" in s for s in read)
        assert "FROM resources" not in " ".join(read)
    finally:
        inputs.connection.set_trace_callback(None)
    # Every key is there to iterate, values included, as with a dict.
    assert dict(alpha)["resources"] == 2
    assert "cells" not in alpha and alpha.get("name_cell") is None


def test_modified_is_the_property_else_the_files_mtime(inputs: Inputs) -> None:
    found = topics_by_path(inputs)
    assert found["Topics/Gamma.md"]["modified"] == "2026-09-15"
    assert modified_date({"Last-Modified": "2026-10-10T08:00"}, 0) == "2026-10-10"
    assert modified_date({"modified": "not a date"}, 0) == "1970-01-01"


def test_topic_value_reads_computed_columns_then_properties_then_lists(inputs: Inputs) -> None:
    found = topics_by_path(inputs)
    alpha, beta = found["Alpha.md"], found["Beta.md"]
    assert topic_value(alpha, "Progress") == Progress(1, 4)
    assert topic_value(alpha, "title") == "Alpha"
    assert topic_value(beta, "status") == "parked"  # the property "Status", any case
    assert topic_value(alpha, "PROS") == ["fast", "cheap"]
    assert topic_value(beta, "pros") is None
    assert (beta["tasks"], beta["resources"]) == (1, 1)


def test_topics_sort_by_a_column_descending(inputs: Inputs) -> None:
    settings = inputs.config.topics._replace(sort="-modified")
    config = inputs.config._replace(topics=settings)
    by_modified = make_topics(Inputs(inputs.connection, config, TODAY, "vault"))
    assert [t["modified"] for t in by_modified] == sorted(
        (t["modified"] for t in by_modified), reverse=True
    )


def sorted_by(inputs: Inputs, sort: str) -> list[str]:
    settings = inputs.config.topics._replace(sort=sort)
    config = inputs.config._replace(topics=settings)
    return [t["title"] for t in make_topics(Inputs(inputs.connection, config, TODAY, "vault"))]


def test_topics_sort_by_progress_either_way_with_no_tasks_last(inputs: Inputs) -> None:
    # Alpha 1 of 4 done, Beta 0 of 1; Gamma and Tagged have no tasks: no progress to sort by.
    assert sorted_by(inputs, "progress") == ["Beta", "Alpha", "Gamma", "Tagged"]
    assert sorted_by(inputs, "-progress") == ["Alpha", "Beta", "Gamma", "Tagged"]


def test_a_descending_sort_still_puts_topics_without_the_value_last(inputs: Inputs) -> None:
    assert sorted_by(inputs, "status") == ["Alpha", "Beta", "Gamma", "Tagged"]
    assert sorted_by(inputs, "-status") == ["Beta", "Alpha", "Gamma", "Tagged"]


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("aAbBßsSẞ É e"), max_size=3),
        max_size=12,
    ),
    st.sampled_from(["title", "-title", "Title", "-TITLE"]),
)
def test_a_title_sort_is_the_order_of_its_sort_values(titles: list[str], sort: str) -> None:
    # The title sort skips keying each topic by its sort_value: it must still be that order,
    # ties in title order, empty titles last either way.
    def made() -> list[Topic]:
        return [
            Topic(TopicNote(None, f"T/{n}.md", title, "{}", 0), str(n))  # type: ignore[arg-type]
            for n, title in enumerate(titles)
        ]

    fast = sort_topics(made(), sort)
    ruled = made()
    ruled.sort(key=lambda topic: topic.title.casefold())
    ruled = sort_by_value(ruled, sort.lstrip("-"), descending=sort.startswith("-"))
    assert [t.path for t in fast] == [t.path for t in ruled]


def test_numbers_sort_as_numbers_before_text() -> None:
    values = [11, "b", 5, None, 2.5, "A", [], Progress(1, 2), Progress(0, 0)]
    keyed = [(key, v) for v in values if (key := sort_value(v)) is not None]
    ordered = [v for _, v in sorted(keyed, key=lambda pair: pair[0])]
    assert ordered == [2.5, 5, 11, Progress(1, 2), "A", "b"]  # progress by its 50 (%)


def test_topic_columns_are_the_configured_ones(inputs: Inputs) -> None:
    assert make_topic_columns(inputs) == list(inputs.config.topics.columns)


def test_a_computed_column_is_one_function(inputs: Inputs, monkeypatch: pytest.MonkeyPatch) -> None:
    """What CONTRIBUTING's "add a topic column" promises: one entry in COMPUTED_COLUMNS."""

    def words(note: topics_module.TopicNote) -> int:
        return len(note.title.split())

    monkeypatch.setattr(topics_module, "COMPUTED_COLUMNS", {**COMPUTED_COLUMNS, "words": words})
    gamma = topics_by_path(inputs)["Topics/Gamma.md"]
    assert gamma["words"] == 1
    assert topic_value(gamma, "Words") == 1


def test_no_topic_settings_means_no_topics(inputs: Inputs) -> None:
    settings = inputs.config.topics._replace(tag="", folder="", property="")
    config = inputs.config._replace(topics=settings)
    assert make_topics(Inputs(inputs.connection, config, TODAY, "vault")) == []


# Tags that casefold as SQLite folds them, and tags that do not: the long s, the Kelvin sign,
# a ligature, sharp s, a dotted capital I, and near misses of each wanted tag.
TRICKY_TAGS = [
    "topic", "Topic", "TOPIC/Sub", "topic/", "topics", "topic-x", "topic0", "Topicality",
    "status", "ſtatus", "STATUS/done", "ſtatuſ/x", "statu", "kanban", "\u212aanban",
    "KANBAN/y", "fish", "\ufb01sh", "\ufb01sh/z", "strasse", "straße", "STRASSE", "thème",
    "THÈME/a", "theme", "İndex", "index",
]  # fmt: skip


def test_a_tags_topics_are_those_whose_tags_casefold_to_it(tmp_path: Path) -> None:
    """The topics a tag picks are the notes one of whose tags casefolds to it, or to it and
    a "/", whether SQLite finds them through the tags' index (a tag it folds as Python does)
    or by reading every note's tags (one that, say, the long s casefolds into)."""
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    notes = {f"Note {k}.md": tag for k, tag in enumerate(TRICKY_TAGS)}
    for k, (name, tag) in enumerate(notes.items()):
        # Half as a property, half inline: the notes' tags and the tags' rows hold both.
        text = f"---\ntags: [{tag}]\n---\nBody.\n" if k % 2 else f"Body #{tag} here.\n"
        (vault / name).write_text(text, "utf-8")
    config = load_config(vault, BUILTINS)
    connection, _ = update_index(VaultPaths(vault, index=tmp_path / "i.sqlite3"), progress=False)
    try:
        for wanted in ("topic", "Topic", "status", "kanban", "fish", "strasse", "thème", "i̇ndex"):
            settings = config.topics._replace(tag=wanted, folder="", property="")
            found = make_topics(Inputs(connection, config._replace(topics=settings), TODAY, "v"))
            key = wanted.casefold()
            expected = {
                name
                for name, tag in notes.items()
                if tag.casefold() == key or tag.casefold().startswith(key + "/")
            }
            assert {topic["path"] for topic in found} == expected, wanted
            assert expected, wanted
    finally:
        connection.close()


def test_the_non_ascii_folds_are_every_characters_that_casefold_to_ascii() -> None:
    folds = {
        folded
        for code in range(0x80, sys.maxunicode + 1)
        if (folded := chr(code).casefold()).isascii()
    }
    assert folds == set(topics_module.NON_ASCII_FOLDS)


def test_what_moves_the_topics(inputs: Inputs) -> None:
    connection, config = inputs.connection, inputs.config
    assert moves_topics(connection, config, "Lonely.md", frozenset({"meta"}), {})
    assert moves_topics(connection, config, "Alpha.md", frozenset({"tasks"}), {})
    assert moves_topics(connection, config, "Topics/Gamma.md", frozenset({"mtime"}), {})
    assert not moves_topics(connection, config, "Lonely.md", frozenset({"tasks", "links"}), {})
    assert not moves_topics(connection, config, "Alpha.md", frozenset({"links"}), {})
    # What the indexer tells the scope rules: its note families, and "mtime".
    assert COLUMN_FAMILIES.issubset({*FAMILIES, "mtime"})


# --- habits -------------------------------------------------------------------------------


def test_habits_over_the_window(inputs: Inputs) -> None:
    habits = make_habits(inputs)
    assert (habits["window_days"], habits["start"], habits["end"]) == (
        3,
        "2026-11-20",
        "2026-11-22",
    )
    assert habits["days"] == [
        {"day": "2026-11-20", "note": "Daily/2026-11-20.md", "done_count": 1},
        {"day": "2026-11-21", "note": "Daily/2026-11-21.md", "done_count": 1},
        {"day": "2026-11-22", "note": "Daily/2026-11-22.md", "done_count": 2},
    ]
    gym, read = habits["habits"]  # "Swim" was cancelled, "Not a habit" is under Work
    assert {key: gym[key] for key in ("habit", "done", "tracked", "pct", "target", "met")} == {
        "habit": "Gym",
        "done": 2,
        "tracked": 3,
        "pct": 67,
        "target": 60,
        "met": True,
    }
    assert gym["streak"] == 1
    assert [day["done"] for day in gym["days"]] == [True, False, True]
    assert (read["habit"], read["streak"], read["target"], read["met"]) == ("Read", 2, 75, False)


def habits_over(inputs: Inputs, today: dt.date, window_days: int, missing_day: str) -> Any:
    settings = inputs.config.habits._replace(window_days=window_days, missing_day=missing_day)
    config = inputs.config._replace(habits=settings)
    return make_habits(Inputs(inputs.connection, config, today, "vault"))


def test_a_day_without_a_daily_note_counts_as_missed_by_default(inputs: Inputs) -> None:
    assert inputs.config.habits.missing_day == "missed"
    # Daily notes on the 20th, 21st and 22nd; the 18th and 19th have none.
    habits = habits_over(inputs, TODAY, 5, "missed")
    assert habits["missed_days"] == 2
    assert [(d["day"], d["note"], d["done_count"]) for d in habits["days"]] == [
        ("2026-11-18", None, 0),
        ("2026-11-19", None, 0),
        ("2026-11-20", "Daily/2026-11-20.md", 1),
        ("2026-11-21", "Daily/2026-11-21.md", 1),
        ("2026-11-22", "Daily/2026-11-22.md", 2),
    ]
    gym, read = habits["habits"]
    assert (gym["done"], gym["tracked"], gym["pct"], gym["streak"]) == (2, 5, 40, 1)
    assert [day["done"] for day in gym["days"]] == [False, False, True, False, True]
    assert (read["done"], read["tracked"], read["streak"]) == (2, 5, 2)


def test_a_missed_day_breaks_a_streak_an_untracked_one_does_not(inputs: Inputs) -> None:
    # Gym was done on the 1st, whose note is the only one from Oct 30 to Nov 3 (today).
    missed = habits_over(inputs, dt.date(2026, 11, 3), 5, "missed")["habits"]
    assert [(h["habit"], h["done"], h["tracked"], h["streak"]) for h in missed] == [
        ("Gym", 1, 4, 0)  # Oct 30, Oct 31, Nov 1, Nov 2; the 2nd, missed, ends the streak
    ]
    untracked = habits_over(inputs, dt.date(2026, 11, 3), 5, "untracked")["habits"]
    assert [(h["habit"], h["done"], h["tracked"], h["streak"]) for h in untracked] == [
        ("Gym", 1, 1, 1)
    ]


def test_untracked_leaves_days_without_a_daily_note_out(inputs: Inputs) -> None:
    habits = habits_over(inputs, TODAY, 5, "untracked")
    assert habits["missed_days"] == 0
    assert [d["day"] for d in habits["days"]] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    gym = habits["habits"][0]
    assert (gym["done"], gym["tracked"], gym["pct"]) == (2, 3, 67)


def test_today_without_a_daily_note_is_not_missed_yet(inputs: Inputs) -> None:
    habits = habits_over(inputs, dt.date(2026, 11, 23), 5, "missed")
    assert habits["missed_days"] == 1  # the 19th; the 23rd may still get its note
    assert [d["day"] for d in habits["days"]] == [
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
    ]
    gym = habits["habits"][0]
    assert (gym["done"], gym["tracked"], gym["streak"]) == (2, 4, 1)


def test_the_calendar_holds_the_windows_months_monday_first(inputs: Inputs) -> None:
    calendar = habits_over(inputs, TODAY, 5, "missed")["calendar"]
    assert [month["month"] for month in calendar] == ["November 2026"]
    weeks = calendar[0]["weeks"]
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][:6] == [None] * 6 and weeks[0][6]["day"] == "2026-11-01"  # a Sunday
    cells = {cell["day"]: cell for week in weeks for cell in week if cell}
    assert len(cells) == 30
    assert (cells["2026-11-17"]["in_window"], cells["2026-11-17"]["done"]) == (False, [])
    assert cells["2026-11-19"]["missed"] and cells["2026-11-19"]["done"] == []
    assert cells["2026-11-21"]["done"] == ["Read"]
    assert cells["2026-11-22"]["done"] == ["Gym", "Read"]
    # A window across a month end shows both months; a long one only the last three.
    across = habits_over(inputs, dt.date(2026, 12, 2), 5, "missed")["calendar"]
    assert [month["month"] for month in across] == ["November 2026", "December 2026"]
    long = habits_over(inputs, TODAY, 365, "missed")["calendar"]
    assert [month["month"] for month in long] == [
        "September 2026",
        "October 2026",
        "November 2026",
    ]


RECURRING = """\
# Routine

- [x] Stretch 🔁 every day ➕ 2026-11-18 ✅ 2026-11-19
- [x] Stretch 🔁 every day ✅ 2026-11-21
- [ ] Stretch 🔁 every day 📅 2026-11-22
- [x] Water plants 🔁 every week ✅ 2026-11-20
- [ ] Journal 🔁 every day when done ➕ 2026-11-22
"""


@pytest.fixture
def with_recurring(tmp_path: Path) -> Iterator[Inputs]:
    """The small vault plus a note of tasks repeating every day, and no daily note for them."""
    vault = tmp_path / "vault"
    write_vault(vault)
    (vault / "Routine.md").write_text(RECURRING, "utf-8")
    config = load_config(vault, BUILTINS)
    connection, _ = update_index(
        VaultPaths(vault, index=tmp_path / "index.sqlite3"), progress=False
    )
    try:
        yield Inputs(connection, config, TODAY, "vault")
    finally:
        connection.close()


def test_tasks_repeating_every_day_are_habits_when_asked_for(with_recurring: Inputs) -> None:
    assert with_recurring.config.habits.sources == ("daily_notes",)
    assert [h["habit"] for h in make_habits(with_recurring)["habits"]] == ["Gym", "Read"]
    settings = with_recurring.config.habits._replace(
        sources=("daily_notes", "recurring_tasks"), window_days=7
    )
    config = with_recurring.config._replace(habits=settings)
    habits = make_habits(Inputs(with_recurring.connection, config, TODAY, "vault"))
    by_name = {h["habit"]: h for h in habits["habits"]}
    # Stretch began on the 18th (➕): the 18th and 20th missed, the 19th and 21st done; today
    # (the 22nd) is not done yet, so not counted. Journal began today: nothing counted yet.
    # Water plants repeats weekly: not a habit.
    assert sorted(by_name) == ["Gym", "Journal", "Read", "Stretch"]
    stretch = by_name["Stretch"]
    assert (stretch["done"], stretch["tracked"], stretch["pct"], stretch["streak"]) == (2, 4, 50, 1)
    assert [(d["day"], d["done"]) for d in stretch["days"] if d["done"] is not None] == [
        ("2026-11-18", False),
        ("2026-11-19", True),
        ("2026-11-20", False),
        ("2026-11-21", True),
    ]
    assert (by_name["Journal"]["done"], by_name["Journal"]["tracked"]) == (0, 0)
    # The daily-note habits keep their own days; the days listed are every day counted.
    assert (by_name["Gym"]["done"], by_name["Gym"]["tracked"]) == (2, 7)
    assert habits["days"][0]["day"] == "2026-11-16"
    cells = {c["day"]: c for week in habits["calendar"][0]["weeks"] for c in week if c}
    assert cells["2026-11-19"]["done"] == ["Stretch"]


def test_any_notes_tasks_move_the_habits_once_recurring_tasks_are_a_source(
    with_recurring: Inputs,
) -> None:
    config = with_recurring.config
    assert not moves_daily(
        with_recurring.connection, config, "Routine.md", frozenset({"tasks"}), {}
    )
    both = config._replace(
        habits=config.habits._replace(sources=("daily_notes", "recurring_tasks"))
    )
    assert moves_daily(with_recurring.connection, both, "Routine.md", frozenset({"tasks"}), {})
    assert not moves_daily(with_recurring.connection, both, "Routine.md", frozenset({"links"}), {})


def test_daily_notes_are_found_by_path(inputs: Inputs) -> None:
    config: Config = inputs.config
    assert daily_note_day(config, "Daily/2026-11-20.md") == dt.date(2026, 11, 20)
    assert daily_note_day(config, "2026-11-20.md") is None
    assert daily_note_day(config, "Daily/Notes.md") is None
    assert moves_daily(inputs.connection, config, "Daily/2026-11-20.md", frozenset({"tasks"}), {})
    assert not moves_daily(
        inputs.connection, config, "Daily/2026-11-20.md", frozenset({"links"}), {}
    )
    assert not moves_daily(inputs.connection, config, "Alpha.md", frozenset({"tasks"}), {})


# --- resources ----------------------------------------------------------------------------


def test_resources_grouped_and_counted(inputs: Inputs) -> None:
    resources = make_resources(inputs)
    every = plain(resources["all"])
    assert [(r["url"], r["domain"], r["status"]) for r in every] == [
        ("https://example.com/docs", "example.com", "open"),
        ("https://other.org/page", "other.org", "link"),
    ]
    docs = every[0]
    assert [(m["note"], m["task_status"]) for m in docs["mentions"]] == [
        ("Alpha.md", None),
        ("Beta.md", "todo"),
    ]
    assert resources["counts"] == {"open": 1, "done": 0, "cancelled": 0, "link": 1}
    assert [group["domain"] for group in resources["by_domain"]] == ["example.com", "other.org"]
    assert len(resources["by_section"]) == len(plain(resources["by_section"]))


# --- link health --------------------------------------------------------------------------


def test_link_health(inputs: Inputs) -> None:
    links = make_links(inputs)
    assert (links["notes"], links["excluded_notes"]) == (len(NOTES), 0)
    assert (links["unresolved_count"], links["broken_anchor_count"]) == (2, 1)
    assert [link["target"] for link in links["unresolved"]] == ["Missing note", "gone.png"]
    assert [link["target"] for link in links["unresolved_links"]] == ["Missing note"]
    assert [link["target"] for link in links["missing_embeds"]] == ["gone.png"]
    assert [(link["note"], link["fragment"]) for link in links["broken_anchors"]] == [
        ("Links.md", "No such heading")
    ]
    assert "Lonely.md" in plain(links["orphans"])
    assert "Alpha.md" not in plain(links["orphans"])
    assert links["orphan_count"] == len(plain(links["orphans"]))


# --- the dispatcher -----------------------------------------------------------------------


def test_build_context_computes_only_the_names_wanted(inputs: Inputs) -> None:
    context = build_context(inputs.connection, inputs.config, TODAY, "vault", {"today", "links"})
    assert list(context) == ["today", "links"]
    every = build_context(inputs.connection, inputs.config, TODAY, "vault")
    assert set(every) == CONTEXT_NAMES
    assert json.dumps(plain(every["habits"])) == json.dumps(plain(make_habits(inputs)))


THREE_SOURCES = {
    # Daily notes on the 29th, 1st and 2nd: none on the 28th and 30th.
    "Daily/2026-11-29.md": "## Habits\n- [x] Floss\n",
    "Daily/2026-12-01.md": "## Habits\n- [ ] Floss\n",
    "Daily/2026-12-02.md": "## Habits\n- [x] Floss\n",
    "Routine.md": "- [x] Stretch 🔁 every day ➕ 2026-11-28 ✅ 2026-11-29\n"
    "- [x] Stretch 🔁 every day ✅ 2026-12-01\n"
    "- [ ] Stretch 🔁 every day\n",
    "Checklist.md": "## Daily\n- [x] Gym\n- [ ] Read\n  - [x] a step of Read\n"
    "## Weekend\n- [x] Hike\n",
}
LOG = {
    # The habits log: no run of vaultkit on the 30th; a run on the 1st found nothing ticked;
    # today's line (the 2nd) as the sync writes it, with Gym ticked now.
    dt.date(2026, 11, 28): ("Gym",),
    dt.date(2026, 11, 29): ("Gym", "Read"),
    dt.date(2026, 12, 1): (),
    dt.date(2026, 12, 2): ("Gym",),
}


@pytest.fixture
def three_sources(tmp_path: Path) -> Iterator[Inputs]:
    """The small vault plus daily notes, a task repeating every day and a Daily checklist,
    around a month's end, with the three habit sources on."""
    vault = tmp_path / "vault"
    write_vault(vault)
    for rel, text in THREE_SOURCES.items():
        (vault / rel).write_text(text, "utf-8")
    config = load_config(vault, BUILTINS)
    settings = config.habits._replace(
        sources=("daily_notes", "recurring_tasks", "checklists"), window_days=5
    )
    connection, _ = update_index(
        VaultPaths(vault, index=tmp_path / "index.sqlite3"), progress=False
    )
    items, ticked = ticked_daily(connection)
    assert (items, ticked) == (["Gym", "Read"], ["Gym"])
    checklists = Checklists(tuple(items), LOG)
    try:
        yield Inputs(
            connection, config._replace(habits=settings), dt.date(2026, 12, 2), "vault", checklists
        )
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("missing_day", "expected"),
    [
        (
            "missed",
            # Nov 28 to Dec 2. Floss: no note on the 28th and 30th, missed. Stretch: since the
            # 28th, each day without a completion missed. Gym and Read: no log line on the
            # 30th, missed; the 1st's empty line, missed. Today counts only once done.
            {"Floss": (2, 5), "Gym": (3, 5), "Read": (1, 4), "Stretch": (2, 4)},
        ),
        (
            "untracked",
            # The 28th and 30th left out for Floss, the 30th for Gym and Read; Stretch's
            # days are its series', whatever the rule.
            {"Floss": (2, 3), "Gym": (3, 4), "Read": (1, 3), "Stretch": (2, 4)},
        ),
    ],
)
def test_three_sources_over_a_month_end_and_a_missing_day(
    three_sources: Inputs, missing_day: str, expected: dict[str, tuple[int, int]]
) -> None:
    config = three_sources.config
    config = config._replace(habits=config.habits._replace(missing_day=missing_day))
    inputs = Inputs(
        three_sources.connection, config, three_sources.today, "vault", three_sources.checklists
    )
    habits = make_habits(inputs)
    # The small vault's Gym and Read of November 20-22 fall before the window.
    found = {h["habit"]: (h["done"], h["tracked"]) for h in habits["habits"]}
    assert found == expected
    gym = next(h for h in habits["habits"] if h["habit"] == "Gym")
    assert gym["streak"] == 1
    assert [month["month"] for month in habits["calendar"]] == ["November 2026", "December 2026"]
    cells = {
        c["day"]: c for month in habits["calendar"] for week in month["weeks"] for c in week if c
    }
    assert cells["2026-11-29"]["done"] == ["Floss", "Gym", "Read", "Stretch"]
    assert cells["2026-11-30"]["done"] == []
    assert cells["2026-11-30"]["missed"] is (missing_day == "missed")
    assert cells["2026-12-02"]["done"] == ["Floss", "Gym"]


def test_the_log_and_any_notes_tasks_move_the_habits_with_checklists(
    three_sources: Inputs,
) -> None:
    connection, config = three_sources.connection, three_sources.config
    assert moves_daily(connection, config, "Checklist.md", frozenset({"tasks"}), {})
    assert moves_daily(connection, config, "Habits log.md", frozenset({"mtime"}), {})
    assert not moves_daily(connection, config, "Checklist.md", frozenset({"links"}), {})
    alone = config._replace(habits=config.habits._replace(sources=("daily_notes",)))
    assert not moves_daily(connection, alone, "Habits log.md", frozenset({"mtime"}), {})
