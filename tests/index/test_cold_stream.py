"""A cold index built by the streaming parse pool, and the new index's link resolution by
pages, against the serial path: the same index, row for row and in the same order; a note
that cannot be read mid-stream is reported as before; the pool never outlives the update
(an error while storing, Ctrl-C at the terminal)."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.generate import generate_vault
from tests.support.cli import vaultkit_executable
from vaultkit.cadences import Cadences
from vaultkit.graph import links as graph_links
from vaultkit.index import parsing
from vaultkit.index.note_writer import NoteWriter
from vaultkit.index.store import NOTE_TABLES
from vaultkit.index.update import update_index
from vaultkit.model import TaskRules
from vaultkit.scan.walk import scan_vault
from vaultkit.vaultpaths import VaultPaths

TABLES = ("files", "notes", *NOTE_TABLES)


def dump(index: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, with its rowid, in rowid order: insertion order counts."""
    connection = sqlite3.connect(index)
    try:
        return {
            table: [
                tuple(row)
                for row in connection.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")
            ]
            for table in TABLES
        }
    finally:
        connection.close()


def cold_index(vault: Path, index: Path) -> list[tuple[str, str]]:
    connection, update = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    return update.unreadable


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "vault"
    generate_vault(root, 300, seed=7)
    return root


def test_the_pool_and_paged_resolution_give_the_serial_index(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled = tmp_path / "pooled.sqlite3"
    cold_index(generated, pooled)
    with monkeypatch.context() as patch:
        # One process, and every link resolved in one page with one memo.
        patch.setattr(parsing, "POOL_THRESHOLD", 10**9)
        patch.setattr(graph_links, "_PAGE", 10**9)
        serial = tmp_path / "serial.sqlite3"
        cold_index(generated, serial)
    with monkeypatch.context() as patch:
        # Tiny pages, a memo dropped every few links, batches of every size down to one.
        patch.setattr(graph_links, "_PAGE", 7)
        patch.setattr(graph_links, "_MEMO_LIMIT", 5)
        patch.setattr(parsing, "MIN_BATCH", 1)
        paged = tmp_path / "paged.sqlite3"
        cold_index(generated, paged)
    expected = dump(serial)
    assert sum(len(rows) for rows in expected.values()) > 10_000
    with sqlite3.connect(serial) as connection:
        anchors = dict(connection.execute("SELECT anchor, count(*) FROM links GROUP BY anchor"))
    # Anchors found and broken both: the headings and block ids were looked at.
    assert anchors.get("ok", 0) > 10
    assert sum(n for status, n in anchors.items() if str(status).startswith("broken")) > 10
    assert dump(pooled) == expected
    assert dump(paged) == expected


def test_the_index_is_the_same_whatever_the_process_hashes_strings_with(
    generated: Path, tmp_path: Path
) -> None:
    # Each Python process salts its string hashes (PYTHONHASHSEED): a set's order moves with
    # it. Two cold builds of the same notes must still give the same rows in the same order.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from vaultkit.index.update import update_index\n"
        "from vaultkit.vaultpaths import VaultPaths\n"
        "connection, _ = update_index(\n"
        "    VaultPaths(Path(sys.argv[1]), index=Path(sys.argv[2])), progress=False\n"
        ")\n"
        "connection.close()\n"
    )
    built = []
    for seed in ("1", "2"):
        index = tmp_path / f"seed{seed}.sqlite3"
        subprocess.run(
            [sys.executable, "-c", code, str(generated), str(index)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            timeout=300,
        )
        built.append(dump(index))
    with sqlite3.connect(tmp_path / "seed1.sqlite3") as connection:
        (several,) = connection.execute(
            "SELECT count(*) FROM (SELECT note FROM aliases GROUP BY note HAVING count(*) > 1)"
        ).fetchone()
    assert several > 5  # notes with several aliases, whose rows a set would order
    assert built[0] == built[1]


def test_a_batch_comes_back_from_a_worker_as_it_was_read(generated: Path, tmp_path: Path) -> None:
    # Every parse fixture and a slice of the generated vault, with a note that cannot be read:
    # packed by marshal (the fast path: no row value it cannot write), unpacked equal.
    vault = tmp_path / "vault"
    vault.mkdir()
    fixtures = Path(__file__).parent.parent / "fixtures" / "parse"
    for note in fixtures.glob("*.md"):
        (vault / note.name).write_bytes(note.read_bytes())
    for note in sorted(generated.rglob("*.md"))[:40]:
        (vault / note.name).write_bytes(note.read_bytes())
    (vault / "gone.md").write_text("- [ ] soon gone\n", encoding="utf-8")
    sources = [source for source in scan_vault(vault).files if source.is_note]
    (vault / "gone.md").unlink()
    batch: list[parsing.Work] = [(source, None) for source in sources]
    notes = [parsing._read_one(source, None, Cadences(), TaskRules()) for source, _ in batch]
    assert any(note.unreadable for note in notes) and any(note.rows for note in notes)
    packed = parsing._pack(notes)
    assert isinstance(packed, bytes)
    assert parsing._unpack(batch, packed) == notes
    # A row value marshal cannot write sends the notes as they are.
    odd = notes[0]._replace(digest=Path("not/plain"))  # type: ignore[arg-type]
    assert parsing._pack([odd]) == [odd]
    assert parsing._unpack(batch[:1], [odd]) == [odd]


@pytest.mark.parametrize(("count", "workers"), [(1, 2), (7, 2), (300, 2), (10_000, 2), (999, 8)])
def test_batches_cover_the_work_and_shrink_towards_the_end(count: int, workers: int) -> None:
    sizes = list(parsing.batch_sizes(count, workers))
    assert sum(sizes) == count
    assert all(parsing.MIN_BATCH <= size <= parsing.MAX_BATCH for size in sizes[:-1])
    assert sizes == sorted(sizes, reverse=True) or len(sizes) == 1
    assert max(sizes) <= max(parsing.MIN_BATCH, count)


def test_a_note_unreadable_mid_stream_is_reported_as_before(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = sorted(source.path for source in scan_vault(generated).files if source.is_note)
    locked = {os.path.abspath(generated / notes[len(notes) // 2])}
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if os.path.abspath(self) in locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    # Patched before the pool forks: the workers read through it too.
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    pooled = cold_index(generated, tmp_path / "pooled.sqlite3")
    monkeypatch.setattr(parsing, "POOL_THRESHOLD", 10**9)
    serial = cold_index(generated, tmp_path / "serial.sqlite3")
    reason = f"the note could not be read ({os.strerror(errno.EACCES)}); check its permissions"
    assert pooled == serial == [(notes[len(notes) // 2], reason)]
    assert dump(tmp_path / "pooled.sqlite3") == dump(tmp_path / "serial.sqlite3")


def test_an_error_while_storing_stops_the_pool_before_it_goes_on(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = NoteWriter.store
    stored: list[int] = []
    alive: list[int] = []

    def store(self: NoteWriter, item: parsing.ReadNote) -> None:
        stored.append(1)
        alive.append(len(multiprocessing.active_children()))
        if len(stored) == 40:
            raise sqlite3.OperationalError("disk I/O error")
        real(self, item)

    monkeypatch.setattr(NoteWriter, "store", store)
    with pytest.raises(sqlite3.OperationalError):
        cold_index(generated, tmp_path / "i.sqlite3")
    assert max(alive) >= 2  # the pool was working
    assert multiprocessing.active_children() == []


def test_closing_the_stream_early_stops_the_pool(generated: Path) -> None:
    from vaultkit.cadences import Cadences
    from vaultkit.model import TaskRules

    work = [(source, None) for source in scan_vault(generated).files if source.is_note]
    stream = parsing.read_and_parse(work, cadences=Cadences(), rules=TaskRules())
    first = next(stream)
    assert first.source == work[0][0] and first.rows is not None
    assert multiprocessing.active_children()
    stream.close()
    assert multiprocessing.active_children() == []


def _group_alive(group: int) -> list[int]:
    """The processes of process group ``group`` still running (zombies aside)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_during_a_cold_sync_leaves_no_worker(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    generate_vault(vault, 1500, seed=3)
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [vaultkit_executable(), "-v", "sync", str(vault)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        # Ctrl-C as a terminal gives it, even when this test runs where SIGINT is ignored (a
        # background job of a non-interactive shell): Python keeps an ignored SIGINT ignored.
        preexec_fn=_default_sigint,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("vaultkit: indexing"):
            break
    time.sleep(0.5)
    assert len(_group_alive(process.pid)) >= 2, "the parse pool was not running"
    # What the terminal does on Ctrl-C: SIGINT to the whole foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130
    assert "vaultkit: interrupted" in rest and "Traceback" not in rest
    deadline = time.monotonic() + 5
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group_alive(process.pid) == []
