"""The topics read through the index's memo (``vaultkit.index.topic_memo``) are always the
topics the full query finds, in the same order with the same rows: after every kind of edit
the indexer applies (topic notes added, edited, tagged and untagged, renamed, moved by a
folder rename into and out of the topic folder, deleted, turned into a dashboard; a note
sharing a topic's name coming and going; Obsidian's "Excluded files" changed), whether or
not a render saved the memo in between, when a render's save races an update, and when the
log grows past its limit and the memo is dropped."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.support.cli import installed
from tests.support.vault_edits import rename_folder, rename_note, replace_by_copies, set_excluded
from vaultkit.config.schema import TopicSettings
from vaultkit.dashboards.topics import FoundTopics, topic_rows
from vaultkit.index import topic_memo
from vaultkit.index.store import transaction
from vaultkit.index.topic_memo import MEMO_KEY, MemoRow, TopicMemo, save_memo
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths

_NAMES = ["Plan.md", "Topics/Plan.md", "Topics/Deep/Rust.md", "Archive/Rust.md", "Inbox.md"]
_KINDS = ["tag", "nested tag", "other case", "property", "plain", "near miss"]
_FOLDERS = ["Topics", "Archive", "Later"]
# Topic rules of the kinds the query treats apart: a folder, a tag SQLite folds as Python
# does (looked up in the tags' index), one it does not (looked for in every note's tags),
# a property.
_RULES = [
    TopicSettings(),
    TopicSettings(folder="Topics", tag=""),
    TopicSettings(tag="straße"),
    TopicSettings(tag="", property="topic"),
    TopicSettings(folder="Topics", tag="topic", property="topic"),
]


def _note(kind: str, ticks: int) -> str:
    tags = {
        "tag": "#topic",
        "nested tag": "#topic/lang #straße/x",
        "other case": "#Topic #STRASSE",
        "property": "",
        "plain": "#other",
        "near miss": "#topics #straßen",
    }[kind]
    front = "---\ntopic: true\n---\n" if kind == "property" else ""
    tasks = "\n".join(f"- [{'x' if n < ticks else ' '}] step {n}" for n in range(3))
    return f"{front}# A note\n\nAbout this {tags}\n\n## Tasks\n\n{tasks}\n"


def full(connection: sqlite3.Connection, rules: TopicSettings) -> list[MemoRow]:
    return topic_rows(connection, rules).rows


def render(
    connection: sqlite3.Connection, rules: TopicSettings, *, save: bool = True
) -> FoundTopics:
    """What a sync's render does: read the topics through the memo, then save its update."""
    memo = TopicMemo()
    connection.execute("BEGIN")
    found = topic_rows(connection, rules, memo)
    connection.execute("COMMIT")
    if save and memo.update is not None:
        with transaction(connection):
            save_memo(connection, memo.update)
    return found


class TopicEdits(RuleBasedStateMachine):
    """Random edits to a small vault, each followed by an incremental index update; renders
    read the topics through the memo at random points between them."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="vk-memo-"))
        self.vault = self.root / "vault"
        (self.vault / ".obsidian").mkdir(parents=True)
        (self.vault / "Plan.md").write_text(_note("tag", 1), encoding="utf-8")
        self.index = self.root / "index.sqlite3"
        self.connection: sqlite3.Connection | None = None
        self.topic_rules = _RULES[0]
        self.limit = topic_memo.LOG_LIMIT
        self._update()

    @initialize(rules=st.sampled_from(_RULES), limit=st.sampled_from([topic_memo.LOG_LIMIT, 8]))
    def choose(self, rules: TopicSettings, limit: int) -> None:
        # A small limit: the log outgrows it now and then, and the memo is dropped and made
        # again from the full query.
        self.topic_rules = rules
        topic_memo.LOG_LIMIT = limit

    def _update(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection, _ = update_index(VaultPaths(self.vault, index=self.index), progress=False)

    @rule(name=st.sampled_from(_NAMES), kind=st.sampled_from(_KINDS), ticks=st.integers(0, 3))
    def write_note(self, name: str, kind: str, ticks: int) -> None:
        path = self.vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_note(kind, ticks), encoding="utf-8")
        self._update()

    @rule(name=st.sampled_from(_NAMES))
    def delete_note(self, name: str) -> None:
        (self.vault / name).unlink(missing_ok=True)
        self._update()

    @rule(source=st.sampled_from(_NAMES), renamed=st.sampled_from(_NAMES))
    def rename_note(self, source: str, renamed: str) -> None:
        if rename_note(self.vault, source, renamed):
            self._update()

    @rule(source=st.sampled_from(_FOLDERS), renamed=st.sampled_from(_FOLDERS))
    def rename_folder(self, source: str, renamed: str) -> None:
        if rename_folder(self.vault, source, renamed):
            self._update()

    @rule(name=st.sampled_from(["Plan.png", "Deep/rust.md", "Elsewhere/PLAN.md"]))
    def namesake(self, name: str) -> None:
        # Another file of a topic's name: its link must now name its folder (or no longer).
        path = self.vault / name
        if path.exists():
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\x89PNG" if name.endswith(".png") else b"# namesake\n")
        self._update()

    @rule(name=st.sampled_from(_NAMES))
    def make_dashboard(self, name: str) -> None:
        # A file vaultkit generated is hidden from every view.
        path = self.vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("%% vaultkit:file Topics 0badc0de %%\n" + _note("tag", 0), encoding="utf-8")
        self._update()

    @rule(folders=st.lists(st.sampled_from(["Archive/", "Topics/", "Inbox.md"]), max_size=2))
    def exclude(self, folders: list[str]) -> None:
        set_excluded(self.vault, folders)
        self._update()

    @rule()
    def copy_the_vault(self) -> None:
        # Every note's file another inode, its bytes and mtime as they were.
        replace_by_copies(self.vault)
        self._update()

    @rule(save=st.booleans())
    def render(self, save: bool) -> None:
        # A render that does not save (a failed write, a read-only index) leaves the log as
        # it was: the next render applies it again.
        assert self.connection is not None
        found = render(self.connection, self.topic_rules, save=save)
        assert found.rows == full(self.connection, self.topic_rules)

    @rule(name=st.sampled_from(_NAMES), kind=st.sampled_from(_KINDS))
    def render_across_an_update(self, name: str, kind: str) -> None:
        # A render reads, an edit is indexed before the render saves: the save keeps what
        # the render read, and the edit stays logged for the next render.
        assert self.connection is not None
        memo = TopicMemo()
        self.connection.execute("BEGIN")
        topic_rows(self.connection, self.topic_rules, memo)
        self.connection.execute("COMMIT")
        self.write_note(name, kind, 2)
        if memo.update is not None:
            with transaction(self.connection):
                save_memo(self.connection, memo.update)

    @invariant()
    def the_memo_gives_the_full_query_s_rows(self) -> None:
        assert self.connection is not None
        expected = full(self.connection, self.topic_rules)
        memo = TopicMemo()
        assert topic_rows(self.connection, self.topic_rules, memo).rows == expected

    def teardown(self) -> None:
        topic_memo.LOG_LIMIT = self.limit
        if self.connection is not None:
            self.connection.close()
        shutil.rmtree(self.root, ignore_errors=True)


TopicEdits.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_edits_keep_the_memo_the_full_query_s = TopicEdits.TestCase


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, VaultPaths]:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    for n in range(5):
        (vault / f"Topic {n}.md").write_text(_note("tag", n % 3), encoding="utf-8")
    (vault / "Plain.md").write_text(_note("plain", 0), encoding="utf-8")
    return vault, VaultPaths(vault, index=tmp_path / "index.sqlite3")


def _rows(paths: VaultPaths) -> tuple[sqlite3.Connection, list[MemoRow]]:
    connection, _ = update_index(paths, progress=False)
    return connection, full(connection, TopicSettings())


def test_a_vault_replaced_by_copies_keeps_the_memo(indexed: tuple[Path, VaultPaths]) -> None:
    """A backup restored, or a sync service that writes each file anew, gives every file
    another inode and nothing else: the indexer stores the inodes (renames are found by them),
    which changes no topic, so the memo stays and the next render reads it, not the full
    query; a file renamed or excluded is still logged."""
    vault, paths = indexed
    for note in vault.glob("*.md"):  # written long before the scan: no racy entries
        os.utime(note, (time.time() - 3600,) * 2)
    connection, expected = _rows(paths)
    render(connection, TopicSettings())
    connection.close()
    assert replace_by_copies(vault) == 6
    connection, _ = _rows(paths)
    inodes = dict(connection.execute("SELECT path, ino FROM files"))
    assert inodes == {p.relative_to(vault).as_posix(): p.stat().st_ino for p in vault.glob("*.md")}
    stamp = connection.execute("SELECT value FROM meta WHERE key = ?", (MEMO_KEY,)).fetchone()
    assert not stamp[0].startswith("dropped ")
    assert connection.execute("SELECT count(*) FROM topic_changes").fetchone() == (0,)
    assert render(connection, TopicSettings()).rows == expected
    # What a topic reads of a file's row is logged: its path, its name's key, its exclusion.
    connection.execute("BEGIN")
    connection.execute("UPDATE files SET mtime_ns = 1, size = 2, hash = 'x', ino = 3")
    assert connection.execute("SELECT count(*) FROM topic_changes").fetchone() == (0,)
    for column, value in (("excluded", 1), ("name_key", "other"), ("path", "Moved.md")):
        connection.execute(f"UPDATE files SET {column} = ? WHERE path = 'Topic 0.md'", (value,))
        logged = {path for (path,) in connection.execute("SELECT path FROM topic_changes")}
        assert "Topic 0.md" in logged, column
        connection.execute("DELETE FROM topic_changes")
    connection.execute("ROLLBACK")
    connection.close()


def test_a_save_after_an_update_keeps_the_update_logged(indexed: tuple[Path, VaultPaths]) -> None:
    vault, paths = indexed
    connection, _ = _rows(paths)
    render(connection, TopicSettings())  # the memo, made
    (vault / "Topic 1.md").write_text(_note("tag", 3), encoding="utf-8")
    connection.close()
    connection, _ = _rows(paths)
    memo = TopicMemo()
    connection.execute("BEGIN")
    topic_rows(connection, TopicSettings(), memo)  # reads the tick of Topic 1
    connection.execute("COMMIT")
    assert memo.update is not None
    # Before the render saves, another process indexes a new topic and untags one.
    (vault / "Topic 9.md").write_text(_note("tag", 0), encoding="utf-8")
    (vault / "Topic 2.md").write_text(_note("plain", 0), encoding="utf-8")
    connection.close()
    connection, expected = _rows(paths)
    with transaction(connection):
        assert save_memo(connection, memo.update)
    assert [row[0] for row in expected] == [f"Topic {n}.md" for n in (0, 1, 3, 4, 9)]
    assert render(connection, TopicSettings()).rows == expected
    connection.close()


def test_a_save_after_another_save_or_a_trim_is_dropped(
    indexed: tuple[Path, VaultPaths], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, paths = indexed
    connection, expected = _rows(paths)
    first, second = TopicMemo(), TopicMemo()
    connection.execute("BEGIN")
    topic_rows(connection, TopicSettings(), first)
    topic_rows(connection, TopicSettings(), second)
    connection.execute("COMMIT")
    assert first.update is not None and second.update is not None
    with transaction(connection):
        assert save_memo(connection, first.update)
        # The second read the memo the first replaced: saving it could undo a newer save.
        assert not save_memo(connection, second.update)
    connection.close()

    # A trim while a render holds its update: the memo is gone, and the render's update,
    # read from a log that no longer exists, is not saved.
    monkeypatch.setattr(topic_memo, "LOG_LIMIT", 3)
    connection, _ = _rows(paths)
    late = TopicMemo()
    connection.execute("BEGIN")
    topic_rows(connection, TopicSettings(), late)
    connection.execute("COMMIT")
    for n in range(4):
        (vault / f"Topic {n}.md").write_text(_note("tag", 3 - n % 3), encoding="utf-8")
    connection.close()
    connection, expected = _rows(paths)
    stamp = connection.execute("SELECT value FROM meta WHERE key = ?", (MEMO_KEY,)).fetchone()
    assert stamp[0].startswith("dropped ")
    assert late.update is not None
    with transaction(connection):
        assert not save_memo(connection, late.update)
    assert render(connection, TopicSettings()).rows == expected
    assert render(connection, TopicSettings()).rows == expected
    connection.close()


def test_the_topics_table_through_the_hook_is_the_one_a_fresh_index_renders(
    vault: Path, tmp_path: Path
) -> None:
    """End to end, the installed CLI: edits to topic notes through the hook, each rendering
    the Topics table from the memo; after each, a sync with a new index finds the table
    current (``--check``)."""
    assert installed("sync", str(vault), "-q").returncode == 0
    edits = [
        ("Topics/Zig.md", "# Zig\n\n#topic/lang\n\n## Tasks\n\n- [ ] read the docs\n"),
        ("Elsewhere/Zig.md", "# Another Zig\n\nnot a topic\n"),
        ("Topics/Zig.md", "# Zig\n\n#topic/lang\n\n## Tasks\n\n- [x] read the docs\n"),
        ("Topics/Rust.md", None),
        ("Elsewhere/Zig.md", None),
    ]
    for step, (name, text) in enumerate(edits):
        path = vault / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        hook = installed("hook", str(vault), "--file", name, "-q")
        assert hook.returncode == 0, hook.stderr
        table = (vault / "Plan.md").read_text(encoding="utf-8")
        # Zig's link names its folder while another note is called Zig (its pipe escaped
        # in the table).
        shared = step in (1, 2, 3)
        assert ("| [[Topics/Zig\\|Zig]] |" in table) == shared, table
        assert ("| [[Zig]] |" in table) == (not shared), table
        assert ("| [[Rust]] | in progress |" in table) == (step < 3), table
        fresh = str(tmp_path / f"fresh-{step}.sqlite3")
        check = installed("sync", str(vault), "--index", fresh, "--check")
        # Every dashboard, Link health too when the table's region moved the lines of the
        # links below it (vaultkit.sync.run's further pass).
        assert check.returncode == 0, check.stdout + check.stderr
