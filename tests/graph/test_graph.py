"""The graph stage on its own (vaultkit.graph): link rows resolved as Obsidian would, task
dependencies, and an incremental refresh that always agrees with a full one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.graph import links
from vaultkit.graph.links import refresh_graph, resolve_link_rows, task_block_states
from vaultkit.index import update as update_module
from vaultkit.index.update import update_index
from vaultkit.obsidian.resolve import AliasIndex, AnchorStatus, LinkResolver
from vaultkit.vaultpaths import VaultPaths

FILES = ["Home.md", "Projects/Plan.md", "Archive/Plan.md", "Projects/diagram.pdf"]


def test_link_rows_resolve_with_anchors_and_alias_hints() -> None:
    resolver = LinkResolver(FILES)
    headings = {"Home.md": [("Goals", 1)], "Projects/Plan.md": [("Steps", 2)]}
    blocks = {"Home.md": ["abc123"]}
    aliases = AliasIndex({"Home.md": ["Start"]})
    rows = [
        (1, "Projects/Notes.md", "wikilink", "Plan", None),  # same folder wins
        (2, "Archive/Old.md", "wikilink", "Plan", "Steps"),  # its own folder's Plan
        (3, "Home.md", "wikilink", "Home", "Goals"),
        (4, "Home.md", "wikilink", "Home", "Nowhere"),
        (5, "Home.md", "wikilink", "Home", "^abc123"),
        (6, "Home.md", "wikilink", "Home", "^gone"),
        (7, "Home.md", "wikilink", "Start", None),  # an alias: unresolved, with a hint
        (8, "Home.md", "embed", "diagram.pdf", "page=3"),  # a viewer option, not an anchor
    ]
    updates = {
        rowid: rest for *rest, rowid in resolve_link_rows(rows, resolver, headings, blocks, aliases)
    }
    assert updates[1] == ["Projects/Plan.md", AnchorStatus.NONE.value, None, None]
    assert updates[2] == ["Archive/Plan.md", AnchorStatus.BROKEN_HEADING.value, None, None]
    assert updates[3][1] == AnchorStatus.OK.value
    assert updates[4][1] == AnchorStatus.BROKEN_HEADING.value
    assert updates[5][1] == AnchorStatus.OK.value
    assert updates[6][1] == AnchorStatus.BROKEN_BLOCK.value
    assert updates[7] == [None, AnchorStatus.NONE.value, "Home.md", None]
    assert updates[8] == ["Projects/diagram.pdf", AnchorStatus.NONE.value, None, None]


LINK_NOTES = st.sampled_from(["Home.md", "Projects/Notes.md", "Archive/Old.md", "New/x.md"])
LINK_ROWS = st.lists(
    st.tuples(
        LINK_NOTES,
        st.sampled_from(["wikilink", "embed", "markdown"]),
        st.sampled_from(["Plan", "plan.md", "Home", "", "../Plan", "Projects/Plan", "Nowhere"])
        | st.text(max_size=8),
        st.sampled_from([None, "Steps", "^abc123", ""]),
    ),
    max_size=40,
)


@given(LINK_ROWS, st.integers(min_value=1, max_value=7))
def test_the_memo_changes_no_answer(
    rows: list[tuple[str, str, str, str | None]], page: int
) -> None:
    """Links resolved in pages with one memo carried over (most kept by target alone, some
    by target and folder) get the answers each would get resolved on its own."""
    resolver = LinkResolver(FILES)
    headings = {"Home.md": [("Goals", 1)], "Projects/Plan.md": [("Steps", 2)]}
    blocks = {"Home.md": ["abc123"]}
    aliases = AliasIndex({"Home.md": ["Start"]})
    numbered = [(rowid, *row) for rowid, row in enumerate(rows)]
    alone = [
        update
        for row in numbered
        for update in resolve_link_rows([row], resolver, headings, blocks, aliases)
    ]
    memo = links.new_memo()
    paged = [
        update
        for at in range(0, len(numbered), page)
        for update in resolve_link_rows(
            numbered[at : at + page], resolver, headings, blocks, aliases, memo
        )
    ]
    assert paged == alone


def test_task_dependencies_block_until_done() -> None:
    rows = [
        (1, "a", "[]", "todo", None),
        (2, None, '["a"]', "todo", None),  # blocked by an open task
        (3, "b", "[]", "done", None),
        (4, None, '["b"]', "todo", 1),  # ready: its dependency is done
        (5, None, '["missing"]', "todo", None),  # an unknown id blocks too
        (6, None, '["a"]', "done", None),  # a finished task is never blocked
        (7, None, '["a"]', "in_progress", 1),  # blocked, as stored: nothing to write
        (8, "c", "[]", "todo", 0),  # no dependency (any more): no state
    ]
    assert dict((rowid, blocked) for blocked, rowid in task_block_states(rows)) == {
        2: 1,
        4: 0,
        5: 1,
        6: 0,
        8: None,
    }


# -- incremental == full ---------------------------------------------------------------------

NOTES = ["A", "B", "folder/A", "C"]
LINES = st.sampled_from(
    [
        "# Top",
        "## Deep",
        "text ^blk",
        "[[A]]",
        "[[A#Top]]",
        "[[B#Deep]]",
        "[[folder/A]]",
        "[[C#^blk]]",
        "[[Missing]]",
        "- [ ] task 🆔 t1",
        "- [ ] other ⛔ t1",
        "- [x] done 🆔 t1",
        "- [ ] another 🆔 t2",
        "- [ ] waits for both ⛔ t1,t2",
        "- [-] cancelled ⛔ t2",
    ]
)


def _links(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
    return connection.execute(
        "SELECT note, line, target, resolved, anchor, alias_of FROM links ORDER BY note, line"
    ).fetchall()


def _tasks(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
    return connection.execute(
        "SELECT note, line, blocked FROM tasks ORDER BY note, line"
    ).fetchall()


@settings(max_examples=40)
@given(
    before=st.lists(st.lists(LINES, max_size=5), min_size=len(NOTES), max_size=len(NOTES)),
    edited=st.sampled_from(NOTES),
    after=st.lists(LINES, max_size=5),
)
def test_an_edited_note_refreshes_as_a_full_rebuild_would(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[list[str]],
    edited: str,
    after: list[str],
) -> None:
    root = tmp_path_factory.mktemp("vault")
    (root / ".obsidian").mkdir()
    (root / "folder").mkdir()
    paths = VaultPaths(root, index=str(tmp_path_factory.mktemp("index") / "i.sqlite3"))
    for name, lines in zip(NOTES, before, strict=True):
        (root / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    connection, _ = update_index(paths, progress=False)
    connection.close()
    (root / f"{edited}.md").write_text("\n".join(after) + "\n# changed\n", encoding="utf-8")
    connection, _ = update_index(paths, progress=False)  # incremental: one note changed
    incremental = (_links(connection), _tasks(connection))
    connection.execute("BEGIN")
    refresh_graph(connection, None)  # everything resolved again from scratch
    full = (_links(connection), _tasks(connection))
    connection.execute("ROLLBACK")
    connection.close()
    assert incremental == full


@pytest.mark.parametrize("one_by_one", [links.ONE_BY_ONE_IDS, 0], ids=["by id", "all"])
def test_blocked_states_follow_the_ids_they_wait_for_through_each_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_by_one: int
) -> None:
    """A task's blocked state moves with the tasks holding the ids it waits for, wherever
    they are: ticked, deleted, renamed, or another task given the same id. Only the states a
    change can move are worked out again (or all of them, past a few ids); each step equals
    working them all out."""
    monkeypatch.setattr(links, "ONE_BY_ONE_IDS", one_by_one)
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    paths = VaultPaths(root, index=str(tmp_path / "i.sqlite3"))

    def write(name: str, text: str) -> None:
        (root / name).write_text(text, encoding="utf-8")

    def waiting() -> list[object]:
        connection, _ = update_index(paths, progress=False)
        try:
            found = connection.execute(
                "SELECT blocked FROM tasks WHERE note = 'Waiter.md' ORDER BY line"
            ).fetchall()
            connection.execute("BEGIN")
            kept = _tasks(connection)
            refresh_graph(connection, None)
            assert kept == _tasks(connection)
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return [row[0] for row in found]

    write("Blocker.md", "- [ ] blocker 🆔 b1\n")
    write("Waiter.md", "- [ ] waits ⛔ b1\n- [ ] waits for two ⛔ b1,b2\n- [ ] free\n")
    write("Other.md", "- [ ] second 🆔 b2\n")
    assert waiting() == [1, 1, None]
    write("Blocker.md", "- [x] blocker 🆔 b1\n")
    assert waiting() == [0, 1, None]
    write("Other.md", "- [-] second 🆔 b2\n")
    assert waiting() == [0, 0, None]
    (root / "Other.md").unlink()  # no task has b2 any more
    assert waiting() == [0, 1, None]
    (root / "Blocker.md").rename(root / "Moved.md")
    assert waiting() == [0, 1, None]
    write("Dup.md", "- [ ] the same id, open 🆔 b1\n")
    assert waiting() == [1, 1, None]
    (root / "Dup.md").unlink()
    write("Other.md", "- [x] second again 🆔 b2\n")
    assert waiting() == [0, 0, None]
    write("Other.md", "- [x] second, its id taken off\n")
    assert waiting() == [0, 1, None]


# -- a new index's links, answered as they are stored ----------------------------------------

EARLY_LINES = st.sampled_from(
    [
        "# Top",
        "text ^blk",
        "[[A]]",
        "[[A#Top]]",
        "[[A#Nowhere]]",
        "[[folder/A]]",
        "[[C#^blk]]",
        "[[#Top]]",
        "[[./A]]",
        "[[../A]]",
        "[[A|shown]]",
        "[[A#]]",
        "[[Missing]]",
        "[[Start]]",
        "![[pic.png]]",
        "[[doc.pdf#page=3]]",
        "[md](A.md)",
        "[md](folder/A.md#Top)",
        "[web](https://example.com/A)",
    ]
)


def _link_table(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
    return connection.execute("SELECT rowid, * FROM links ORDER BY rowid").fetchall()


@settings(max_examples=40)
@given(notes=st.lists(st.lists(EARLY_LINES, max_size=6), min_size=len(NOTES), max_size=len(NOTES)))
def test_a_new_index_stores_its_links_as_a_full_resolution_answers_them(
    tmp_path_factory: pytest.TempPathFactory, notes: list[list[str]]
) -> None:
    root = tmp_path_factory.mktemp("vault")
    (root / ".obsidian").mkdir()
    (root / "folder").mkdir()
    (root / "pic.png").write_bytes(b"\x89PNG\r\n")
    (root / "doc.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "Aliased.md").write_text("---\naliases: [Start]\n---\n# Top\n", encoding="utf-8")
    paths = VaultPaths(root, index=str(tmp_path_factory.mktemp("index") / "i.sqlite3"))
    for name, lines in zip(NOTES, notes, strict=True):
        (root / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    connection, update = update_index(paths, progress=False)
    try:
        assert update.rebuilt
        stored = _link_table(connection)
        connection.execute("BEGIN")
        refresh_graph(connection, None)  # every link resolved again, from the stored files
        assert _link_table(connection) == stored
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def test_a_new_index_answers_most_links_before_the_pass_after_the_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "vault"
    (root / "a").mkdir(parents=True)
    (root / "Plan.md").write_text("# Steps\n", encoding="utf-8")
    (root / "a" / "Note.md").write_text(
        "[[Plan]] [[Plan#Steps]] [[Gone]] [[Plan]]\n", encoding="utf-8"
    )
    settled: list[str | None] = []
    real = links.EarlyLinks.settled

    def spy(
        self: links.EarlyLinks, note: str, kind: str, target: str, fragment: str | None
    ) -> str | None:
        settled.append(real(self, note, kind, target, fragment))
        return settled[-1]

    monkeypatch.setattr(links.EarlyLinks, "settled", spy)
    answered: list[int] = []
    real_page = links.resolve_link_rows

    def page(*args: object, **kwargs: object) -> list[links.Update]:
        rows = args[0]
        assert isinstance(rows, list)
        answered.extend(row[0] for row in rows)
        return real_page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(links, "resolve_link_rows", page)
    connection, _ = update_index(VaultPaths(root, index=tmp_path / "i.sqlite3"), progress=False)
    try:
        rows = connection.execute(
            "SELECT rowid, target, fragment, resolved, anchor, alias_of FROM links "
            "ORDER BY line, rowid"
        ).fetchall()
    finally:
        connection.close()
    # The two plain links to a file are answered as they are stored; the anchored one and
    # the unresolved one wait for the pass after the parse, which reads only those.
    assert settled == ["Plan.md", None, None, "Plan.md"]
    assert sorted(answered) == sorted(row[0] for row in rows if row[2] or row[3] is None)
    assert [row[1:] for row in rows] == [
        ("Plan", None, "Plan.md", "none", None),
        ("Plan", "Steps", "Plan.md", "ok", None),
        ("Gone", None, None, "none", None),
        ("Plan", None, "Plan.md", "none", None),
    ]


def test_early_answers_against_other_files_than_the_index_holds_are_all_worked_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The early answers hold only for the files they were worked out against: told of one
    # file fewer, [[Note]] from b/ would be a/Note.md; the index holds b/Note.md too, in the
    # linking note's own folder, which Obsidian prefers.
    root = tmp_path / "vault"
    for folder in ("a", "b"):
        (root / folder).mkdir(parents=True)
        (root / folder / "Note.md").write_text("# Note\n", encoding="utf-8")
    (root / "b" / "Linker.md").write_text("[[Note]]\n", encoding="utf-8")

    def fewer(paths: list[str]) -> links.EarlyLinks:
        return links.EarlyLinks([path for path in paths if path != "b/Note.md"])

    monkeypatch.setattr(update_module, "EarlyLinks", fewer)
    connection, _ = update_index(VaultPaths(root, index=tmp_path / "i.sqlite3"), progress=False)
    try:
        assert connection.execute("SELECT resolved FROM links").fetchall() == [("b/Note.md",)]
    finally:
        connection.close()
