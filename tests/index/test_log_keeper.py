"""The watcher's log keeper: the index's write-ahead log copied into the file after a sync,
not inside it (``vaultkit.index.store.LogKeeper``).

What is observed is where the rows are on disk: a marker written by a commit is in the log
file until a checkpoint copies it into the index file itself.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from vaultkit.index.store import keep_log, open_index, transaction

MARKER = b"log-keeper-marker"


def _write_pages(index: Path, rows: int = 1500) -> None:
    """A commit of more pages than SQLite's automatic checkpoint lets the log hold (1,000)."""
    connection, _ = open_index(index)
    try:
        with transaction(connection):
            connection.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [(f"k{n}", MARKER.decode() + "x" * 3000) for n in range(rows)],
            )
    finally:
        connection.close()


def _in_file(index: Path) -> bool:
    return MARKER in index.read_bytes()


def _log(index: Path) -> Path:
    return Path(f"{index}-wal")


def _rows(index: Path) -> int:
    with closing(sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True)) as connection:
        found = connection.execute("SELECT count(*) FROM meta WHERE key LIKE 'k%'").fetchone()
    return int(found[0])


def test_without_a_keeper_a_long_commit_and_the_close_checkpoint(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    open_index(index)[0].close()
    _write_pages(index)
    assert _in_file(index) and not _log(index).exists()


def test_a_kept_log_is_copied_into_the_index_after_the_sync(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    open_index(index)[0].close()
    with keep_log() as keeper:
        keeper.after_sync(index)  # the first sync's turn: from now on it holds the index
        assert keeper.holding == index
        _write_pages(index)
        # Neither the commit nor the sync's close copied the log into the file…
        assert not _in_file(index) and _log(index).stat().st_size > 1000 * 4096
        # …and every reader sees the rows all the same.
        assert _rows(index) == 1500
        keeper.after_sync(index)
        assert _in_file(index) and _log(index).stat().st_size == 0
        _write_pages(index, rows=10)
        assert _rows(index) == 1500
    # The keeper let go as the block ended: the last connection closed, the log is gone.
    assert keeper.holding is None and not _log(index).exists()
    assert _rows(index) == 1500


def test_a_reader_in_the_way_leaves_the_checkpoint_to_the_next_sync(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    open_index(index)[0].close()
    with keep_log() as keeper:
        keeper.after_sync(index)
        _write_pages(index)
        reader = sqlite3.connect(index, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM meta").fetchone()
            _write_pages(index, rows=1600)  # a commit the reader's snapshot does not see
            keeper.after_sync(index)  # no wait, no error: the log cannot restart yet
            assert _log(index).stat().st_size > 0 and keeper.holding == index
            reader.execute("COMMIT")
        finally:
            reader.close()
        keeper.after_sync(index)
        assert _log(index).stat().st_size == 0 and _rows(index) == 1600


def test_a_keeper_lets_go_of_an_index_made_anew(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    open_index(index)[0].close()
    with keep_log() as keeper:
        keeper.after_sync(index)
        # A damaged index is deleted and made anew: the keeper closes it first (a file held
        # open cannot be deleted on Windows), and holds the new file after the next sync.
        with index.open("r+b") as damaged:
            damaged.write(b"\0" * 100)
        connection, rebuilt = open_index(index, default=True)
        connection.close()
        assert rebuilt and keeper.holding is None
        keeper.after_sync(index)
        assert keeper.holding == index
        # A file made anew at the same path behind its back (another inode) is opened again.
        index.unlink()
        Path(f"{index}-shm").unlink(missing_ok=True)
        _log(index).unlink(missing_ok=True)
        open_index(index)[0].close()
        keeper.after_sync(index)
        _write_pages(index)
        assert not _in_file(index)  # the new file is the one held: its log waits for the keeper
        keeper.after_sync(index)
        assert _in_file(index) and _rows(index) == 1500
        # A sync that left no file: nothing is created, nothing held.
        gone = tmp_path / "gone.sqlite3"
        keeper.after_sync(gone)
        assert keeper.holding is None and not gone.exists()
