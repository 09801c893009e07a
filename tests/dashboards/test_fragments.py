"""The ``{% cache %}`` fragments: a table rendered from its stored rows is byte-identical to
one rendered whole, across any sequence of changes; a changed row's fragment replaces the old
one, unused fragments are dropped, and a template or columns change never reuses a fragment."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.support.cli import installed, sync
from vaultkit.dashboards.common import CellMarkdown
from vaultkit.dashboards.fragments import CHILDREN, MISSES_BEFORE_WHOLE, TOP, FragmentStore
from vaultkit.dashboards.helpers import blocks
from vaultkit.dashboards.render import RenderError, make_environment, render_template
from vaultkit.index.fragments import fragment_texts, load_fragments, save_fragments
from vaultkit.index.store import _SCHEMA
from vaultkit.task_progress import Progress

TODAY = dt.date(2026, 11, 22)
DASHBOARD = {"name": "topics", "target": "Dashboards/Topics.md", "region": None}
COLUMNS = ("status", "Details", "Pros", "progress", "resources", "modified", "tasks", "title")


def _index() -> sqlite3.Connection:
    """An index holding just the fragments table, as the real schema creates it."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    (statement,) = [s for s in _SCHEMA.split(";") if "CREATE TABLE fragments" in s]
    connection.execute(statement)
    return connection


_ENVIRONMENTS: dict[tuple[str, ...], jinja2.Environment] = {}


def _store(connection: sqlite3.Connection) -> FragmentStore:
    """The store of one render, reading ``connection`` as a sync's does."""
    return FragmentStore(partial(fragment_texts, connection), partial(load_fragments, connection))


def _render(
    connection: sqlite3.Connection | None,
    topics: Sequence[dict[str, Any]],
    columns: Sequence[str],
    notes: Sequence[str],
    *,
    template: str = "topics.md.j2",
    templates: Path | None = None,
    vault: Path = Path("/vault"),
) -> str:
    """The Topics text; with ``connection``, through its stored fragments, which are then
    replaced by what this render used (as a sync keeps them)."""
    store = None if connection is None else _store(connection)
    if templates is None:
        # One environment per set of notes (they decide the links): compiled once.
        env = _ENVIRONMENTS.get(tuple(notes))
        if env is None:
            env = _ENVIRONMENTS[tuple(notes)] = make_environment(vault, notes, TODAY)
        env.fragments = store  # type: ignore[attr-defined]
    else:
        env = make_environment(vault, notes, TODAY, templates=templates, fragments=store)
    context = {
        "topics": list(topics),
        "topic_columns": list(columns),
        "comparison_tables": [],
        "dashboard": DASHBOARD,
    }
    text = render_template(env, template, context)
    if connection is not None and store is not None:
        connection.execute("BEGIN")
        save_fragments(connection, [("topics", *store.changes("topics"))], ["topics"])
        connection.execute("COMMIT")
    return text


def _stored(connection: sqlite3.Connection) -> dict[str, str]:
    return dict(connection.execute("SELECT key, text FROM fragments WHERE dashboard = 'topics'"))


def _fragments(connection: sqlite3.Connection) -> dict[str, str]:
    """The stored fragments, without the lists of what they hold."""
    return {key: text for key, text in _stored(connection).items() if not key.endswith(CHILDREN)}


def _rows(connection: sqlite3.Connection) -> list[str]:
    """The stored rows' texts (a block of one row has its row's text too)."""
    return sorted({text for text in _fragments(connection).values() if text.count("\n") == 1})


_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
_value = st.one_of(
    st.none(),
    _text,
    st.integers(-3, 3),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.lists(_text, max_size=3),
)
_names = st.sampled_from(["Rust", "Go", "Zig", "A | B", "Go", "Notes/Rust"])


@st.composite
def _topic(draw: st.DrawFn) -> dict[str, Any]:
    folder = draw(st.sampled_from(["", "Topics/", "Other/"]))
    name = draw(_names)
    done = draw(st.integers(0, 4))
    kept: dict[str, Any] = {}
    if draw(st.booleans()):
        # A row of a kept table ([topics] table): it names itself, and may link no note.
        kept = {
            "name_cell": CellMarkdown(draw(_text)),
            "cells": {"status": CellMarkdown(draw(_text))},
        }
    topic = {
        **kept,
        "path": draw(st.sampled_from([None, f"{folder}{name}.md"]))
        if kept
        else f"{folder}{name}.md",
        "title": name,
        "properties": {"status": draw(_value), "Pros": draw(_value)},
        "lists": draw(
            st.dictionaries(
                st.sampled_from(["details", "pros"]),
                st.lists(_text.map(CellMarkdown), max_size=3),
                max_size=2,
            )
        ),
        "progress": Progress(done, done + draw(st.integers(0, 3))),
        "tasks": draw(st.integers(0, 9)),
        "resources": draw(st.integers(0, 3)),
        "modified": draw(st.sampled_from(["2026-11-01", "2026-11-02"])),
    }
    if not kept and draw(st.booleans()):
        # A note's topic carries a digest of its values (the maker's, of the note's rows).
        topic["digest"] = hashlib.blake2b(pickle.dumps(topic)).hexdigest()
    return topic


_state = st.tuples(
    st.lists(_topic(), max_size=6),
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4),
    st.lists(st.sampled_from(["Go.md", "Other/Go.md", "Rust.md", "Zig.md"]), max_size=3),
)


@settings(max_examples=150)
@given(st.lists(_state, min_size=1, max_size=5))
def test_cached_rows_render_what_a_whole_render_does(states: list[Any]) -> None:
    # Each state is the vault after some change: rows edited, added, removed or reordered,
    # columns changed, a note of the same name as a topic added (its link gets a folder).
    connection = _index()
    made = ("", 0)  # the text and the rows of the last render that stored something new
    for topics, columns, others in states:
        notes = [t["path"] for t in topics if t["path"]] + others
        before = _stored(connection)
        cached = _render(connection, topics, columns, notes)
        assert cached == _render(None, topics, columns, notes)
        after = _stored(connection)
        if after != before:
            made = (cached, len(topics))
        # The store holds what the last render that made something new used, the rows of
        # the blocks it copied whole included: at most one fragment per distinct row, one
        # per block of rows and the list of each block's rows (a render that made nothing
        # new leaves it as it was).
        fragments = _fragments(connection)
        assert all(text in made[0] for text in fragments.values())
        assert len(fragments) <= 2 * made[1]
        assert len(after) - len(fragments) <= made[1] + 1  # a list per block, and the top one
        # Everything stored is held by the top list, or by a list of what it names: a render
        # finds what to drop from the lists alone.
        top = after.get(TOP, "").split()
        held = {inner for key in top for inner in after.get(key + CHILDREN, "").split()}
        assert set(fragments) == {*top, *held}
        assert all(key[:-1] in top for key in set(after) - set(fragments) - {TOP})


_paths = st.lists(st.text(min_size=1, max_size=5), unique=True, max_size=60)


@given(_paths, st.integers(0, 60), st.text(min_size=1, max_size=5))
def test_a_row_that_comes_or_goes_changes_only_the_blocks_around_it(
    paths: list[str], at: int, new: str
) -> None:
    # Blocks end after rows chosen by the rows' own names, not by position: a topic added
    # (or, read backwards, removed) leaves every block before and after its own as it was,
    # so those are copied whole from their stored fragments.
    assume(new not in paths)
    rows = [{"path": path} for path in paths]
    grown = [*rows[:at], {"path": new}, *rows[at:]]
    before, after = blocks(rows, size=4), blocks(grown, size=4)
    assert [row for block in before for row in block] == rows
    assert [row for block in after for row in block] == grown
    # A run of 16 rows without a boundary is cut there; a row added inside moves that cut.
    assume(all(len(block) < 16 for block in before + after))
    assert len([block for block in after if block not in before]) <= 2
    assert len([block for block in before if block not in after]) <= 1


def test_blocks_are_about_the_size_asked_and_never_longer_than_four_times_it() -> None:
    rows = [{"path": f"Topics/Topic {n}.md"} for n in range(5_000)]
    found = blocks(rows)
    assert [row for block in found for row in block] == rows
    assert max(len(block) for block in found) <= 4 * 64
    assert 30 <= len(rows) / len(found) <= 130
    titled = [{"path": None, "title": f"Row {n}"} for n in range(500)]  # a kept table's rows
    assert len(blocks(titled)) > 1


def _topics(*statuses: str) -> list[dict[str, Any]]:
    return [
        {
            "path": f"{name}.md",
            "title": name,
            "properties": {"status": status},
            "lists": {},
            "progress": Progress(1, 2),
            "tasks": 2,
            "resources": 0,
            "modified": "2026-11-01",
        }
        for name, status in zip(("Rust", "Go", "Zig"), statuses, strict=False)
    ]


def test_a_changed_row_replaces_its_fragment_and_unused_ones_go() -> None:
    connection = _index()
    columns, notes = ["status"], ["Rust.md", "Go.md", "Zig.md"]
    _render(connection, _topics("a", "b", "c"), columns, notes)
    before = _stored(connection)
    assert _rows(connection) == ["| [[Go]] | b |\n", "| [[Rust]] | a |\n", "| [[Zig]] | c |\n"]
    text = _render(connection, _topics("a", "B", "c"), columns, notes)
    assert "| [[Go]] | B |\n" in text
    after = _stored(connection)
    assert _rows(connection) == ["| [[Go]] | B |\n", "| [[Rust]] | a |\n", "| [[Zig]] | c |\n"]
    # The other rows kept their fragments; the old one of the changed row is gone, and so is
    # the old text of its block.
    kept = {key for key, text in before.items() if text.count("\n") == 1} & set(after)
    assert sorted(before[key] for key in kept) == ["| [[Rust]] | a |\n", "| [[Zig]] | c |\n"]
    assert not any("| [[Go]] | b |" in text for text in after.values())
    _render(connection, _topics("a", "B"), columns, notes)
    assert _rows(connection) == ["| [[Go]] | B |\n", "| [[Rust]] | a |\n"]


class _CountingStore(FragmentStore):
    """A store that counts the keys looked up and the fragments rendered."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        def everything(dashboard: str) -> dict[str, str]:
            self.scans += 1
            return load_fragments(connection, dashboard)

        def texts(dashboard: str, keys: Sequence[str]) -> dict[str, str]:
            self.queries += 1
            return fragment_texts(connection, dashboard, keys)

        super().__init__(texts, everything)
        self.lookups = self.renders = self.scans = self.queries = 0

    def get(self, dashboard: str, digest: str) -> str | None:
        self.lookups += 1
        return super().get(dashboard, digest)

    def put(self, dashboard: str, digest: str, text: str, children: Sequence[str] = ()) -> None:
        self.renders += 1
        super().put(dashboard, digest, text, children)


def test_a_big_table_whose_one_row_changed_keys_only_that_rows_block() -> None:
    connection = _index()
    (row,) = _topics("a")
    topics = [
        {**row, "path": f"Topics/Topic {n}.md", "title": f"Topic {n}", "digest": f"d{n}"}
        for n in range(600)
    ]
    notes = [t["path"] for t in topics]
    env = make_environment(Path("/vault"), notes, TODAY)
    found = blocks(topics)
    assert len(found) > 4

    def render(store: _CountingStore, columns: Sequence[str] = ("status",)) -> str:
        env.fragments = store  # type: ignore[attr-defined]
        context = {
            "topics": topics,
            "topic_columns": list(columns),
            "comparison_tables": [],
            "dashboard": DASHBOARD,
        }
        text = render_template(env, "topics.md.j2", context)
        connection.execute("BEGIN")
        save_fragments(connection, [("topics", *store.changes("topics"))], ["topics"])
        connection.execute("COMMIT")
        return text

    first = _CountingStore(connection)
    whole = render(first)
    assert first.renders == len(topics) + len(found)
    assert first.scans == 1  # an empty store, which has no top list yet: read whole
    changed = 321
    topics[changed] = {**topics[changed], "properties": {"status": "b"}, "digest": "new"}
    second = _CountingStore(connection)
    text = render(second)
    assert text == whole.replace("| [[Topic 321]] | a |", "| [[Topic 321]] | b |")
    # Each block is looked up once; only the changed row's block looks up its rows, and only
    # the changed row and its block are rendered.
    (block,) = [b for b in found if any(t["path"] == "Topics/Topic 321.md" for t in b)]
    assert second.lookups == len(found) + len(block)
    assert second.renders == 2
    assert second.scans == 0  # the blocks are read as asked, and what to drop from the lists
    # A fixed number of queries, whatever the table's size: the first block with the top
    # list, every block the top list names, the new block, the rows its old version held,
    # the changed row, and the top list again when the render is saved.
    assert second.queries == 6
    # Nothing changed since: each block is copied whole, and the store is left as it was.
    stored = _stored(connection)
    third = _CountingStore(connection)
    assert render(third) == text
    assert (third.lookups, third.renders) == (len(found), 0)
    assert _stored(connection) == stored
    # A row of another block changes: the rows of that block, copied whole since the first
    # render, are still stored, so only that row and its block are rendered again.
    other = 40
    (block,) = [b for b in found if any(t["path"] == f"Topics/Topic {other}.md" for t in b)]
    assert not any(t["path"] == "Topics/Topic 321.md" for t in block)
    topics[other] = {**topics[other], "properties": {"status": "c"}, "digest": "newer"}
    fourth = _CountingStore(connection)
    assert render(fourth) == text.replace("| [[Topic 40]] | a |", "| [[Topic 40]] | c |")
    assert (fourth.lookups, fourth.renders, fourth.scans) == (len(found) + len(block), 2, 0)
    assert fourth.queries == 6
    assert len(_fragments(connection)) == len(topics) + len(found)
    # Other columns: every key is new. After MISSES_BEFORE_WHOLE keys not found one by one,
    # the rest of the store is read at once, not one query per row.
    fifth = _CountingStore(connection)
    render(fifth, ("status", "tasks"))
    assert fifth.renders == len(topics) + len(found)
    assert fifth.scans == 1
    assert fifth.queries <= MISSES_BEFORE_WHOLE + 8  # and the reads around them
    assert len(_fragments(connection)) == len(topics) + len(found)


def test_two_renders_saving_one_after_the_other_leave_nothing_unlisted() -> None:
    """A dry run renders beside a watcher: both read the store, then each saves what it made.
    The second finds the top list another render saved and drops from every stored key."""
    connection = _index()
    columns, notes = ["status"], ["Rust.md", "Go.md", "Zig.md"]
    _render(connection, _topics("a", "b", "c"), columns, notes)
    env = make_environment(Path("/vault"), notes, TODAY)
    stores = []
    for statuses in (("A", "b", "c"), ("a", "b", "C")):
        store = env.fragments = _store(connection)  # type: ignore[attr-defined]
        context = {
            "topics": _topics(*statuses),
            "topic_columns": columns,
            "comparison_tables": [],
            "dashboard": DASHBOARD,
        }
        render_template(env, "topics.md.j2", context)
        stores.append(store)
    for store in stores:
        connection.execute("BEGIN")
        save_fragments(connection, [("topics", *store.changes("topics"))], ["topics"])
        connection.execute("COMMIT")
    # Nothing the first stored is left unlisted (the second's lists may name a fragment the
    # first dropped: the next render that needs it renders it again).
    assert set(_fragments(connection)) <= _held_from_top(connection)
    assert "| [[Rust]] | A |\n" not in _rows(connection)
    assert "| [[Zig]] | C |\n" in _rows(connection)


def test_a_store_without_lists_renders_the_same_and_gets_them() -> None:
    """A store an earlier vaultkit kept holds no lists: a render reads it as it is, and the
    first that makes something new drops what it did not use and writes the lists."""
    connection = _index()
    columns, notes = ["status"], ["Rust.md", "Go.md", "Zig.md"]
    _render(connection, _topics("a", "b", "c"), columns, notes)
    connection.execute("DELETE FROM fragments WHERE substr(key, -1) = ?", (CHILDREN,))
    text = _render(connection, _topics("a", "B", "c"), columns, notes)
    assert text == _render(None, _topics("a", "B", "c"), columns, notes)
    stored = _stored(connection)
    top = stored[TOP].split()
    held = {inner for key in top for inner in stored[key + CHILDREN].split()}
    assert set(_fragments(connection)) == {*top, *held}
    assert _rows(connection) == ["| [[Go]] | B |\n", "| [[Rust]] | a |\n", "| [[Zig]] | c |\n"]


def _held_from_top(connection: sqlite3.Connection) -> set[str]:
    """What the top list names, and what the lists of those name."""
    stored = _stored(connection)
    top = stored[TOP].split()
    return {*top, *(inner for key in top for inner in stored.get(key + CHILDREN, "").split())}


@pytest.mark.parametrize(
    "states",
    [
        # The same row in two blocks; one block changes, the other is copied whole.
        [{"X": ["r1"], "Y": ["r1"]}, {"X": ["r2"], "Y": ["r1"]}, {"X": ["r2"], "Z": ["r3"]}],
        # Cells in rows in blocks: a block copied whole holds its rows' cells too.
        [{"X": ["a b", "c"], "Y": ["d"]}, {"X": ["a b", "c"], "Y": ["e"]}, {"X": ["c"]}],
    ],
    ids=["a row in two blocks", "three levels"],
)
def test_what_a_block_copied_whole_holds_stays_and_what_goes_is_dropped(
    tmp_path: Path, states: list[dict[str, list[str]]]
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "nested.md.j2").write_text(
        "{% for b in topics %}{% cache b.name, b.rows %}{% for r in b.rows %}"
        "{% cache r %}{% for c in r.split() %}{% cache c %}{{ c }},{% endcache %}{% endfor %};"
        "{% endcache %}{% endfor %}|{% endcache %}{% endfor %}"
    )
    connection = _index()
    for state in states:
        topics = [{"name": name, "rows": rows} for name, rows in state.items()]

        def render(into: sqlite3.Connection | None, topics: list[Any] = topics) -> str:
            return _render(
                into, topics, [], [], template="nested.md.j2", templates=templates, vault=tmp_path
            )

        assert render(connection) == render(None)
        # The store holds exactly what the render used (each state makes something new):
        # nothing a block copied whole holds is lost to a block that went, and nothing that
        # went stays.
        cells = {f"{c}," for rows in state.values() for r in rows for c in r.split()}
        lines = {
            r: "".join(f"{c}," for c in r.split()) + ";" for rows in state.values() for r in rows
        }
        blocks = {"".join(lines[r] for r in rows) + "|" for rows in state.values()}
        assert set(_fragments(connection).values()) == cells | set(lines.values()) | blocks
        assert set(_fragments(connection)) == _held_from_top(connection)


def test_two_cache_tags_of_one_line_keep_their_own_text(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "line.md.j2").write_text(
        "{% cache 1 %}first{% endcache %} {% cache 1 %}second{% endcache %}\n"
    )
    connection = _index()
    for _ in range(2):
        text = _render(
            connection, [], [], [], template="line.md.j2", templates=templates, vault=tmp_path
        )
        assert text == "first second\n"


def test_other_columns_never_reuse_a_row() -> None:
    connection = _index()
    notes = ["Rust.md"]
    _render(connection, _topics("a"), ["status"], notes)
    text = _render(connection, _topics("a"), ["status", "tasks"], notes)
    assert "| [[Rust]] | a | 2 |\n" in text
    assert set(_fragments(connection).values()) == {"| [[Rust]] | a | 2 |\n"}
    # The top list names the block of that one row, whose list names the row.
    stored = _stored(connection)
    (block,) = stored[TOP].split()
    assert stored[block + CHILDREN] in stored


def test_a_changed_template_never_reuses_a_fragment(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    row = templates / "rows.md.j2"
    row.write_text(
        "{% for t in topics %}{% cache t.title %}{{ t.title }} v1\n{% endcache %}{% endfor %}"
    )
    connection = _index()

    def render() -> str:
        return _render(
            connection,
            _topics("a", "b"),
            ["status"],
            [],
            template="rows.md.j2",
            templates=templates,
            vault=tmp_path,
        )

    assert render() == "Rust v1\nGo v1\n"
    row.write_text(
        "{% for t in topics %}{% cache t.title %}{{ t.title }} v2\n{% endcache %}{% endfor %}"
    )
    assert render() == "Rust v2\nGo v2\n"
    assert sorted(_fragments(connection).values()) == ["Go v2\n", "Rust v2\n"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("nothing_here", "'nothing_here' is undefined"),
        ("lipsum", "cannot be a key"),
    ],
)
def test_a_key_that_cannot_be_one_is_a_template_error(
    tmp_path: Path, key: str, message: str
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "bad.md.j2").write_text(f"{{% cache {key} %}}x{{% endcache %}}\n")
    with pytest.raises(RenderError, match=message):
        _render(_index(), [], [], [], template="bad.md.j2", templates=templates, vault=tmp_path)


def _fragment_rows(vault: Path, cache: Path) -> int:
    (index,) = cache.glob("*.sqlite3")
    with sqlite3.connect(index) as connection:
        # A row's text is one line; a block's is its rows' (one line too for a block of one).
        count: int = connection.execute(
            "SELECT count(DISTINCT text) FROM fragments WHERE dashboard = 'topics' "
            "AND instr(substr(text, 1, length(text) - 1), char(10)) = 0 "
            f"AND substr(key, -1) != '{CHILDREN}'"
        ).fetchone()[0]
    return count


def test_a_hooked_topic_edit_writes_what_a_fresh_sync_does(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end, with the installed command: topics edited through the hook (one row, a
    column, a new topic) keep the table a sync from an empty cache writes."""
    env = dict(os.environ)
    assert installed("sync", str(vault), env=env).returncode == 0
    assert _fragment_rows(vault, Path(env["VAULTKIT_CACHE_DIR"])) == 4
    rust = vault / "Topics" / "Rust.md"
    databases = vault / "Topics" / "Databases.md"
    edits: list[tuple[Path, str, str]] = [
        (rust, "status: ", "status: paused | "),
        (databases, "- [ ] ", "- [x] "),
        (databases, "## Pros\n\n", "## Pros\n\n- A new *pro*, see https://example.com/pro\n"),
        (databases, "updated: 2026-11-18\n", ""),
    ]
    for note, old, new in edits:
        text = note.read_text(encoding="utf-8")
        assert old in text
        note.write_text(text.replace(old, new, 1), encoding="utf-8")
        done = installed("hook", str(vault), "--file", str(note), env=env)
        assert done.returncode == 0, done.stderr
        _same_as_fresh(vault, tmp_path, monkeypatch)
    new_topic = vault / "Topics" / "Zig.md"
    new_topic.write_text("---\ntags: [topic]\nstatus: new\n---\n# Zig\n\n## Pros\n\n- tiny\n")
    assert installed("hook", str(vault), "--file", str(new_topic), env=env).returncode == 0
    _same_as_fresh(vault, tmp_path, monkeypatch)
    assert _fragment_rows(vault, Path(env["VAULTKIT_CACHE_DIR"])) == 5
    # The columns moved: every row is new, and the old ones are dropped.
    config = vault / ".vaultkit" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"timeline", ', ""), encoding="utf-8"
    )
    assert installed("sync", str(vault), env=env).returncode == 0
    _same_as_fresh(vault, tmp_path, monkeypatch)
    assert _fragment_rows(vault, Path(env["VAULTKIT_CACHE_DIR"])) == 5


@contextmanager
def sql_traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement of the connections opened inside the block, in order."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    with monkeypatch.context() as patch:
        patch.setattr(sqlite3, "connect", traced)
        yield statements


def test_a_topic_edit_reads_the_index_for_that_topic_alone(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one topic changed, the sync's render reads the lists and counts of that topic
    only: every other row is its stored fragment, whose topic is never asked for its values."""
    assert sync(vault)[0] == 0
    databases = vault / "Topics" / "Databases.md"
    text = databases.read_text(encoding="utf-8")
    databases.write_text(text.replace("- [ ] ", "- [x] ", 1), encoding="utf-8")
    with sql_traced(monkeypatch) as statements:
        assert sync(vault)[0] == 0
    per_topic = (  # what a topic's lists, task counts and resource count read
        "SELECT section, text, source, depth FROM list_items WHERE note = ",
        "SELECT coalesce(sum(status = 'done'), 0), ",
        "SELECT count(DISTINCT url) FROM resources WHERE note = ",
    )
    topic_reads = [s for s in statements if s.startswith(per_topic)]
    assert len(topic_reads) == 3, topic_reads
    assert all("'Topics/Databases.md'" in s for s in topic_reads)


@pytest.mark.parametrize(
    ("folder", "rows_rendered"),
    [
        ("Areas/Topics", 0),  # the links stay [[Rust]]: every row is copied as it was
        ("Topics [2026]", 4),  # a path a wikilink cannot hold: each link shows it, anew
    ],
)
def test_topics_moved_to_another_folder_render_only_rows_whose_link_changed(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str, rows_rendered: int
) -> None:
    """A row shows its note's path only through its link, so a folder of topic notes
    renamed renders again only the rows whose link text changed, and the table is what a
    sync from an empty index writes."""
    assert sync(vault)[0] == 0
    (vault / folder).parent.mkdir(parents=True, exist_ok=True)
    (vault / "Topics").rename(vault / folder)
    with sql_traced(monkeypatch) as statements:
        assert sync(vault)[0] == 0
    lists_read = [s for s in statements if s.startswith("SELECT section, text, source, depth")]
    assert len(lists_read) == rows_rendered
    _same_as_fresh(vault, tmp_path, monkeypatch)


def _same_as_fresh(vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vault's Topics table (a region of Plan.md) is what a sync of a copy, from an empty
    index, writes."""
    copy = tmp_path / "fresh"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(tmp_path / "fresh-cache", ignore_errors=True)
    shutil.copytree(vault, copy)
    with monkeypatch.context() as patch:
        patch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "fresh-cache"))
        assert sync(copy, "--force")[0] == 0
    assert (copy / "Plan.md").read_bytes() == (vault / "Plan.md").read_bytes()
    assert "topics" in (vault / "Plan.md").read_text(encoding="utf-8").lower()


def test_another_vaultkit_version_never_reuses_a_fragment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The filters' code may have changed with vaultkit: its version is part of every key
    # (added when the block runs, as compiled templates are cached by their text alone).
    connection = _index()
    _render(connection, _topics("a", "b"), ["status"], ["Rust.md", "Go.md"])
    before = set(_stored(connection))
    monkeypatch.setattr("vaultkit.dashboards.fragments.__version__", "999.0")
    _render(connection, _topics("a", "b"), ["status"], ["Rust.md", "Go.md"])
    after = set(_stored(connection))
    assert len(after) == len(before) == 5  # the two rows, their block, its list, the top list
    assert before & after == {TOP}
