"""The incremental index: it always equals an index built from scratch, survives being
killed mid-update, and rebuilds itself when corrupt or of another schema version."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.index.store import NOTE_TABLES, SCHEMA_VERSION
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths, default_index_path

TABLES = ("files", "notes", *NOTE_TABLES)


def dump(index: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(index)
    try:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(f"SELECT * FROM {table}")), key=repr
            )
            for table in TABLES
        }
    finally:
        connection.close()


def index_now(vault: Path, index: Path) -> None:
    connection, _ = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()


def indexed_note(tmp_path: Path, text: str) -> tuple[Path, Path, Path]:
    """A vault of one note ``N.md`` holding ``text``, indexed: (vault, note, index)."""
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    note = vault / "N.md"
    note.write_text(text)
    index = tmp_path / "i.sqlite3"
    index_now(vault, index)
    return vault, note, index


def assert_matches_scratch(vault: Path, index: Path, scratch_dir: Path) -> None:
    scratch = scratch_dir / f"scratch-{time.monotonic_ns()}.sqlite3"
    index_now(vault, scratch)
    assert dump(index) == dump(scratch)


NAMES = ["Alpha.md", "Beta.md", "sub/Alpha.md", "sub/Gamma.md", "Ünïcode.md", "pic.png"]
BODIES = [
    "# Alpha\n- [ ] task [[Beta]] #one\n",
    "# Beta\n## Part\nSee [[Alpha#Alpha]] and [[Gamma]] and ![[pic.png]]\n",
    "- [x] done 📅 2026-01-02 [[sub/Alpha]]\n- [ ] blocked ⛔ x1\n- [ ] root 🆔 x1\n",
    "---\naliases: [Gee]\n---\n[[Gee]] [[Ünïcode]] [[Missing#Nope]]\n",
    "",
    # Same links, headings and block ids as a body above, other tasks or aliases: the
    # indexer keeps such a note's link rows as they were resolved.
    "# Alpha\n- [x] task [[Beta]] #one\n",
    "- [x] done 📅 2026-01-02 [[sub/Alpha]]\n- [ ] blocked ⛔ x1\n- [x] root 🆔 x1\n",
    "---\naliases: [Other]\n---\n[[Gee]] [[Ünïcode]] [[Missing#Nope]]\n",
]
OPS = st.lists(
    st.tuples(
        st.sampled_from(["write", "write", "delete", "rename"]),
        st.integers(0, len(NAMES) - 1),
        st.integers(0, len(BODIES) - 1),
        st.integers(0, len(NAMES) - 1),
    ),
    min_size=1,
    max_size=12,
)


@given(OPS)
def test_incremental_index_equals_a_scratch_index(
    tmp_path_factory: object, ops: list[tuple[str, int, int, int]]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        vault = root / "vault"
        (vault / ".obsidian").mkdir(parents=True)
        index = root / "index.sqlite3"
        for op, name_index, body_index, other_index in ops:
            path = vault / NAMES[name_index]
            if op == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                data = b"\x89PNG\r\n" if path.suffix == ".png" else BODIES[body_index].encode()
                path.write_bytes(data + str(body_index).encode())
            elif op == "delete" and path.exists():
                path.unlink()
            elif op == "rename" and path.exists():
                target = vault / NAMES[other_index]
                if target.suffix == path.suffix:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
            index_now(vault, index)
            assert_matches_scratch(vault, index, root)


def test_same_size_edit_within_one_clock_tick_is_seen(tmp_path: Path) -> None:
    vault, note, index = indexed_note(tmp_path, "- [ ] aaaa\n")
    stat = note.stat()
    note.write_text("- [x] aaaa\n")
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    index_now(vault, index)
    rows = sqlite3.connect(index).execute("SELECT status FROM tasks").fetchall()
    assert rows == [("done",)]


def test_the_scan_time_kept_is_when_the_walk_began(tmp_path: Path) -> None:
    """An update given its caller's walk records when that walk began, not when the update
    ran: a note the walk saw stays racy for the whole slack after it was looked at, so an
    edit that keeps its size and mtime is still found when the update came long after the
    walk (a slow walk of a big vault, a busy machine)."""
    from vaultkit.index.meta import RACY_SLACK_NS, SCANNED_AT_KEY
    from vaultkit.scan.walk import scan_vault

    vault, note, index = indexed_note(tmp_path, "- [ ] aaaa\n")
    paths = VaultPaths(vault, index=index)
    # Written a little less than the slack before the walk begins (0.3 s less).
    before_walk = time.time_ns()
    mtime = before_walk - RACY_SLACK_NS + 300_000_000
    os.utime(note, ns=(mtime, mtime))
    scan = scan_vault(vault)
    assert before_walk <= scan.started_ns < mtime + RACY_SLACK_NS
    time.sleep(0.5)  # the update runs later than the walk: past the note's slack
    connection, _ = update_index(paths, progress=False, scan=scan)
    kept = connection.execute("SELECT value FROM meta WHERE key = ?", (SCANNED_AT_KEY,))
    assert int(kept.fetchone()[0]) == scan.started_ns
    connection.close()
    note.write_text("- [x] aaaa\n")
    os.utime(note, ns=(mtime, mtime))  # same size, same mtime
    connection, update = update_index(paths, progress=False)
    assert update.parsed == ["N.md"]
    assert connection.execute("SELECT status FROM tasks").fetchall() == [("done",)]
    connection.close()


def test_an_update_alone_compares_the_vault_with_the_index_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no other connection committing between its comparison and its write transaction,
    an update does not compare again inside it (the whole index's file rows read twice: ~0.2 s
    at 100,000 notes); its own commits in between (new Tasks-plugin rules) do not count."""
    from tests.support.config_files import write_plugin_settings
    from vaultkit.index import changes
    from vaultkit.index import update as update_module

    vault, note, index = indexed_note(tmp_path, "- [ ] one\n")
    compare = changes.find_changes  # what vaultkit.index.update calls
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return compare(*args, **kwargs)

    monkeypatch.setattr(update_module, "find_changes", counted)
    note.write_text("- [x] one, ticked\n")
    connection, update = update_index(VaultPaths(vault, index=index), progress=False)
    assert update.parsed == ["N.md"] and len(calls) == 1
    assert connection.execute("SELECT status FROM tasks").fetchall() == [("done",)]
    connection.close()
    # New Tasks-plugin rules: the update marks every note changed and commits that itself.
    write_plugin_settings(vault, "obsidian-tasks-plugin", {"globalFilter": "#task"})
    calls.clear()
    connection, update = update_index(VaultPaths(vault, index=index), progress=False)
    assert update.parsed == ["N.md"] and len(calls) == 1
    assert connection.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0
    connection.close()


def test_warm_update_parses_nothing(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    for number in range(5):
        (vault / f"N{number}.md").write_text(f"[[N{number + 1}]]\n")
    index = tmp_path / "i.sqlite3"
    connection, first = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    assert len(first.parsed) == 5 and first.rebuilt
    time.sleep(0.01)
    # Make the files old enough that they are not "racy" for the next update.
    for path in vault.glob("*.md"):
        os.utime(path, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    connection, _ = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    connection, third = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    assert third.parsed == [] and third.removed == [] and third.touched == 0
    assert not third.changed


def test_corrupt_and_old_indexes_are_rebuilt_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "A.md").write_text("- [ ] one\n")
    # A damaged file at the default location, in vaultkit's own cache folder.
    index = default_index_path(vault)
    index.parent.mkdir(parents=True)
    index.write_bytes(b"this is not a database" * 100)
    connection, report = update_index(VaultPaths(vault), progress=False)
    assert report.rebuilt and report.index_path == index
    assert connection.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    connection.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'", (f"{SCHEMA_VERSION - 1}.1",)
    )
    connection.close()
    connection, report = update_index(VaultPaths(vault), progress=False)
    assert report.rebuilt
    assert connection.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    connection.close()


def test_killed_mid_index_leaves_a_usable_index(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    for number in range(400):
        folder = vault / f"f{number % 7}"
        folder.mkdir(exist_ok=True)
        body = "".join(f"- [ ] task {i} [[N{(number + i) % 400}]] #t{i % 5}\n" for i in range(40))
        (folder / f"N{number}.md").write_text(f"# N{number}\n{body}")
    index = tmp_path / "i.sqlite3"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "vaultkit",
        "tasks",
        "--vault",
        str(vault),
        "--index",
        str(index),
        "--json",
    ]
    kills = 0
    for round_number, delay in enumerate((0.05, 0.15, 0.3, 0.5, 0.8, 1.2)):
        if round_number % 2 == 0:
            for suffix in ("", "-wal", "-shm"):
                Path(str(index) + suffix).unlink(missing_ok=True)  # a cold index to kill
        else:
            for note in sorted(vault.rglob("*.md"))[::2]:  # a warm update with work to do
                note.write_text(note.read_text().replace("task", f"job{round_number}"))
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        # After every kill, the next run either uses the index or rebuilds it, and is right.
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=300, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.count('"line"') == 400 * 40
    assert kills >= 1
    assert_matches_scratch(vault, index, tmp_path)


def _journal_mode(index: Path) -> str:
    connection = sqlite3.connect(index)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


def _busy_vault(root: Path, notes: int) -> Path:
    vault = root / "v"
    (vault / ".obsidian").mkdir(parents=True)
    for number in range(notes):
        body = "".join(f"- [ ] task {i} [[N{(number + i) % notes}]] #t{i % 3}\n" for i in range(8))
        (vault / f"N{number}.md").write_text(f"# N{number}\n{body}")
    return vault


def test_a_new_index_is_filled_under_a_rollback_journal_and_left_in_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new index's pages are written once (no write-ahead log to copy them from), and the
    index it leaves is in WAL mode like any other, with no journal beside it."""
    from vaultkit.index import note_writer

    vault = _busy_vault(tmp_path, 80)
    index = tmp_path / "i.sqlite3"
    modes: list[str] = []
    store = note_writer.NoteWriter.store

    def spying(self: note_writer.NoteWriter, item: object) -> None:
        modes.append(self.connection.execute("PRAGMA journal_mode").fetchone()[0])
        store(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(note_writer.NoteWriter, "store", spying)
    connection, report = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    assert report.rebuilt
    assert set(modes) == {"delete"} and len(modes) == 80
    assert _journal_mode(index) == "wal"
    assert not Path(f"{index}-journal").exists()
    assert_matches_scratch(vault, index, tmp_path)
    # A warm update stays in WAL throughout.
    modes.clear()
    (vault / "N1.md").write_text("# N1\n- [x] done\n")
    index_now(vault, index)
    assert modes and set(modes) == {"wal"}


def test_a_new_index_another_connection_holds_is_filled_in_wal(tmp_path: Path) -> None:
    """Leaving WAL needs the file to itself: with another connection open the switch is
    refused at once (no busy wait), and the build runs in WAL, as before."""
    from vaultkit.index.store import new_index_journal, open_index

    index = tmp_path / "i.sqlite3"
    connection, rebuilt = open_index(index)
    assert rebuilt
    other = sqlite3.connect(index)
    other.execute("SELECT count(*) FROM files").fetchone()
    try:
        started = time.monotonic()
        with new_index_journal(connection):
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert time.monotonic() - started < 1
    finally:
        other.close()
    with new_index_journal(connection):
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


_KILL_MID_BUILD = """
import os, sys
from pathlib import Path
from vaultkit.index import note_writer
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths

store, stored = note_writer.NoteWriter.store, []

def dying(self, item):
    store(self, item)
    stored.append(item)
    if len(stored) == int(sys.argv[3]):
        os._exit(9)  # as a SIGKILL would: no rollback, no close

note_writer.NoteWriter.store = dying
update_index(VaultPaths(Path(sys.argv[1]), index=Path(sys.argv[2])), progress=False)
"""


@pytest.mark.parametrize("stored", [1, 150])
def test_killed_mid_build_the_journal_rolls_the_new_index_back(tmp_path: Path, stored: int) -> None:
    """A cold build killed after ``stored`` notes leaves its rollback journal beside the
    index (the pages it wrote past the empty index's end not yet committed); the next run
    rolls the file back to the empty index, fills it, and equals an index built from
    scratch."""
    vault = _busy_vault(tmp_path, 200)
    index = tmp_path / "i.sqlite3"
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        # Not a pipe: the orphaned parse workers would hold it open.
        process = subprocess.Popen(
            [sys.executable, "-c", _KILL_MID_BUILD, str(vault), str(index), str(stored)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            process.wait(timeout=120)
        finally:
            # Its parse workers go as the rest of a killed process group would.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 9, errors.read_text()
    assert Path(f"{index}-journal").exists()
    assert not Path(f"{index}-wal").exists()
    connection, _ = update_index(VaultPaths(vault, index=index), progress=False)
    assert connection.execute("SELECT count(*) FROM notes").fetchone()[0] == 200
    connection.close()
    assert not Path(f"{index}-journal").exists()
    assert _journal_mode(index) == "wal"
    assert_matches_scratch(vault, index, tmp_path)


def test_work_alongside_a_new_index_runs_while_its_indexes_are_built(tmp_path: Path) -> None:
    """``bulk_load``'s ``alongside`` runs on another thread once the rows are in, with a short
    switch interval (the build's thread waits for the lock between statements), and is
    waited for: when the build is over, it is done and the interval is what it was."""
    from vaultkit.index.store import bulk_load, open_index

    connection, _ = open_index(tmp_path / "i.sqlite3")
    before = sys.getswitchinterval()
    seen: list[tuple[bool, float]] = []

    def alongside() -> None:
        started = (threading.current_thread() is threading.main_thread(), sys.getswitchinterval())
        time.sleep(0.05)  # still running when the last index is made
        seen.append(started)

    with bulk_load(connection, alongside):
        assert not seen  # not while the rows are stored
    assert seen == [(False, 0.0005)]
    assert sys.getswitchinterval() == before
    made = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    assert {"tasks_note", "links_target_key", "tags_tag"} <= made
    connection.close()


def test_a_new_index_is_sorted_with_a_helper_thread_per_spare_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a new index is filled and its secondary indexes built, SQLite's sorter may use a
    helper thread per core beyond the sorting one (none on a single core); the connection
    sorts alone again afterwards, also when the fill or the build fails."""
    from vaultkit.index import store

    def loaded(
        connection: sqlite3.Connection, fill: Callable[[], None] = lambda: None
    ) -> list[str]:
        """What ``bulk_load`` runs, around a fill; the indexes dropped and made as one each."""
        seen: list[str] = []
        connection.set_trace_callback(seen.append)
        try:
            with store.bulk_load(connection):
                seen.append("fill")
                fill()
        finally:
            connection.set_trace_callback(None)
        return [sql.split(" ON ")[0].rsplit(" ", 1)[0] if "INDEX" in sql else sql for sql in seen]

    indexes = len(store._index_statements())
    for cores, helpers in ((4, 3), (2, 1), (1, 0), (None, 0)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        connection, _ = store.open_index(tmp_path / f"{cores}.sqlite3")
        assert loaded(connection) == [
            *["DROP INDEX IF EXISTS"] * indexes,
            f"PRAGMA threads = {helpers}",
            "fill",
            *["CREATE INDEX IF NOT EXISTS"] * indexes,
            "PRAGMA threads = 0",
        ]
        assert connection.execute("PRAGMA threads").fetchone()[0] == 0
        connection.close()

    def failed_fill() -> None:
        raise RuntimeError("the fill failed")

    connection, _ = store.open_index(tmp_path / "failed-fill.sqlite3")
    with pytest.raises(RuntimeError, match="fill failed"):
        loaded(connection, failed_fill)
    assert connection.execute("PRAGMA threads").fetchone()[0] == 0
    connection.close()
    statements = store._index_statements()
    monkeypatch.setattr(
        store, "_index_statements", lambda: [*statements, ("x", "CREATE INDEX x ON nothing(y)")]
    )
    connection, _ = store.open_index(tmp_path / "failed-build.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="nothing"):
        loaded(connection)
    assert connection.execute("PRAGMA threads").fetchone()[0] == 0
    connection.close()


def test_builds_that_overlap_leave_the_switch_interval_as_it_was(tmp_path: Path) -> None:
    """Two new indexes built at once in one process (a watcher's and a sync's): the interval
    stays short while either's work alongside runs, and is what it was once both are done."""
    from vaultkit.index.store import bulk_load, open_index

    before = sys.getswitchinterval()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[float] = []

    def work_a() -> None:
        a_in.set()
        assert b_in.wait(5)

    def work_b() -> None:
        b_in.set()
        assert a_out.wait(5)  # the first build is over
        seen.append(sys.getswitchinterval())

    def build(name: str, work: Callable[[], None], done: threading.Event | None) -> None:
        connection, _ = open_index(tmp_path / name)
        with bulk_load(connection, work):
            pass
        connection.close()
        if done is not None:
            done.set()

    first = threading.Thread(target=build, args=("a.sqlite3", work_a, a_out))
    first.start()
    assert a_in.wait(5)
    second = threading.Thread(target=build, args=("b.sqlite3", work_b, None))
    second.start()
    first.join(5)
    second.join(5)
    assert seen == [0.0005]
    assert sys.getswitchinterval() == before
