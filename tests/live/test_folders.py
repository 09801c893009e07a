"""What a burst of the watcher's events can have changed, told without walking the vault
(:mod:`vaultkit.live.folders`), and the watcher acting on it with a real observer."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

import vaultkit.scan.paths
import vaultkit.sync.run
from tests.support.watching import Running, wait_until
from vaultkit.live import folders
from vaultkit.live.folders import burst_changes
from vaultkit.scan.walk import scan_vault as walk
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths

TOPICS = ["Databases.md", "Distributed Systems.md", "Machine Learning.md", "Rust.md"]


@pytest.fixture(autouse=True)
def first_sync(vault: Path) -> None:
    run_sync(VaultPaths(vault))  # the index and dashboards as a first sync leaves them


def _under(folder: str) -> list[str]:
    return [f"{folder}/{name}" for name in TOPICS]


def test_a_folder_renamed_stands_for_its_old_and_new_files(vault: Path) -> None:
    (vault / "Topics").rename(vault / "Subjects")
    # What inotify reports: the folder moved, and each file it carried along.
    events = ["Topics", "Subjects", *_under("Topics"), *_under("Subjects")]
    found = burst_changes(VaultPaths(vault), events, {"Topics", "Subjects"})
    assert found == sorted(_under("Subjects") + _under("Topics"))


def test_a_folder_deleted_stands_for_the_files_the_index_held_there(vault: Path) -> None:
    shutil.rmtree(vault / "Topics")
    assert burst_changes(VaultPaths(vault), ["Topics"], {"Topics"}) == _under("Topics")


def test_a_folder_and_a_note_saved_elsewhere(vault: Path) -> None:
    (vault / "Topics").rename(vault / "Archive" / "Topics")
    events = ["Topics", "Archive/Topics", "Plan.md"]
    found = burst_changes(VaultPaths(vault), events, {"Topics", "Archive/Topics"})
    assert found == sorted([*_under("Archive/Topics"), *_under("Topics"), "Plan.md"])


def test_a_folder_with_an_attachment_carries_it(vault: Path) -> None:
    (vault / "attachments").rename(vault / "images")
    events = ["attachments", "images", "attachments/weekly-chart.png", "images/weekly-chart.png"]
    found = burst_changes(VaultPaths(vault), events, {"attachments", "images"})
    assert found == ["attachments/weekly-chart.png", "images/weekly-chart.png"]


@pytest.mark.parametrize(
    ("events", "folder_events"),
    [
        pytest.param(["attachments/weekly-chart.png"], set(), id="a loose attachment"),
        pytest.param([".vaultkit/config.toml"], set(), id="the config"),
        pytest.param([".obsidian/app.json"], set(), id="Obsidian's settings"),
        pytest.param([".vaultkit/templates"], {".vaultkit/templates"}, id="a dot-folder"),
        pytest.param([f"Note {n}.md" for n in range(65)], set(), id="65 loose notes"),
    ],
)
def test_what_only_a_walk_can_tell(vault: Path, events: list[str], folder_events: set[str]) -> None:
    assert burst_changes(VaultPaths(vault), events, folder_events) is None


def test_loose_notes_up_to_the_limit_need_no_walk(vault: Path) -> None:
    events = [f"Note {n}.md" for n in range(folders.PARTIAL_LIMIT)]
    assert burst_changes(VaultPaths(vault), events, set()) == sorted(events)


def test_a_folder_past_the_limit_walks(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folders, "FOLDER_LIMIT", 3)
    (vault / "Topics").rename(vault / "Subjects")
    assert burst_changes(VaultPaths(vault), ["Topics", "Subjects"], {"Topics", "Subjects"}) is None


def test_no_index_walks(vault: Path) -> None:
    VaultPaths(vault).index.path.unlink()
    assert burst_changes(VaultPaths(vault), ["Topics"], {"Topics"}) is None


def test_a_symbolic_link_in_the_folder_walks(vault: Path) -> None:
    (vault / "Topics" / "elsewhere").symlink_to(vault / "Archive")
    assert burst_changes(VaultPaths(vault), ["Topics"], {"Topics"}) is None


# The watcher, with a real observer: a folder renamed or deleted is a batch of renames or
# deletions, synced without a walk of the vault, and leaves what a fresh sync writes.


def _indexed(vault: Path) -> set[str]:
    with closing(sqlite3.connect(VaultPaths(vault).index.path)) as connection:
        return {row[0] for row in connection.execute("SELECT path FROM files")}


def _fresh_sync_writes_the_same(vault: Path, tmp_path: Path) -> None:
    copy = tmp_path / "fresh"
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns("watch.log"))
    run_sync(VaultPaths(copy, index=str(tmp_path / "fresh.sqlite3")))
    for target in sorted((vault / "Dashboards").iterdir()):
        assert target.read_bytes() == (copy / "Dashboards" / target.name).read_bytes(), target


@pytest.mark.parametrize("polling", [False, True], ids=["native events", "polling"])
@pytest.mark.parametrize(
    ("old", "new"),
    [("Topics", "Subjects"), ("Topics", "Archive/Topics"), ("Topics", None)],
    ids=["renamed", "moved into another folder", "deleted"],
)
def test_the_watcher_syncs_a_folder_without_walking_the_vault(
    vault: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str | None,
    polling: bool,
) -> None:
    running = Running(vault, polling=polling)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=20)  # the initial sync
        walked: list[str] = []
        looked: list[int] = []  # per look, how many syncs were reported before it
        scan_paths = vaultkit.scan.paths.scan_paths

        def counting(*args: object, **kwargs: object) -> object:
            walked.append("walk")
            return walk(*args, **kwargs)  # type: ignore[arg-type]

        def looking(*args: object, **kwargs: object) -> object:
            looked.append(len(running.reports))
            return scan_paths(*args, **kwargs)  # type: ignore[arg-type]

        before = len(running.reports)
        gone, came = set(_under(old)), set(_under(new)) if new else set()

        def synced(_: object) -> bool:
            indexed = _indexed(vault)
            return not gone & indexed and came <= indexed

        # (A context, not monkeypatch.undo(): that would undo the vault fixture's too.)
        with monkeypatch.context() as patch:
            patch.setattr(vaultkit.sync.run, "scan_vault", counting)
            patch.setattr(vaultkit.sync.run, "scan_paths", looking)
            if new is None:
                shutil.rmtree(vault / old)
            else:
                (vault / old).rename(vault / new)
            running.wait_for_sync(before, synced)
        assert walked == []
        # The first sync after the change looked at the files once: the events named the
        # old paths too, which it would otherwise have found by inode and looked at again.
        assert looked.count(before) == 1
        # Renamed, not parsed again: the index found each file's old name by its inode.
        assert not came & {path for r in running.reports[before:] for path in r.index.parsed}
    finally:
        running.finish()
    left = run_sync(VaultPaths(vault), dry_run=True)
    assert (left.index.parsed, left.index.removed) == ([], [])
    _fresh_sync_writes_the_same(vault, tmp_path)
