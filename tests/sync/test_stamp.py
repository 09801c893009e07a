"""The sync stamp (``vaultkit.sync.stamp``): a sync that finds nothing changed says so from one
walk, and no change to any input of a sync, however quiet, is mistaken for "nothing changed".

The stamp is only recorded for entries modified well before the walk ("racy" ones may change
again within their timestamp), so these tests age the vault's timestamps by an hour first, as
a vault that has sat still looks.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import vaultkit.index.update
import vaultkit.sync.lock
import vaultkit.sync.run
from tests.support.lock_holder import Holder
from tests.support.region_vault import disable_quiet_period
from tests.support.vault_edits import age
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.index.meta import STAMP_KEY
from vaultkit.scan.found import ScanResult
from vaultkit.scan.walk import scan_vault
from vaultkit.sync.lock import vault_lock
from vaultkit.sync.run import run_sync
from vaultkit.sync.stamp import probe, unchanged
from vaultkit.vaultpaths import VaultPaths
from vaultkit.vaultpaths import default_index_path as index_location
from vaultkit.writeback.regions import WriteStatus


def quietly(change: Callable[[Path], object]) -> Callable[[Path], None]:
    """``change`` applied so that every file it touches keeps its size and mtime."""

    def apply(path: Path) -> None:
        before = path.stat()
        change(path)
        assert path.stat().st_size == before.st_size
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    return apply


def settle(vault: Path) -> None:
    """Sync until the vault is current and the stamp recorded."""
    run_sync(VaultPaths(vault), progress=False)
    age(vault)
    run_sync(VaultPaths(vault), progress=False)
    assert hit(vault), "a sync of a still vault should have recorded its stamp"


def hit(vault: Path) -> bool:
    return unchanged(VaultPaths(vault))[1] is not None


def dashboards(vault: Path) -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in (vault / "Dashboards").glob("*.md")}
    found["Plan.md"] = (vault / "Plan.md").read_bytes()
    return found


def scratch(vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What a sync with an empty index writes for a copy of the vault."""
    fresh = tmp_path / "scratch"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(vault, fresh)
    cache = tmp_path / "scratch-cache"
    shutil.rmtree(cache, ignore_errors=True)
    with monkeypatch.context() as patch:
        patch.setenv("VAULTKIT_CACHE_DIR", str(cache))
        run_sync(VaultPaths(fresh.resolve()), progress=False)
    return dashboards(fresh)


def test_a_still_vault_is_reported_current_from_the_stamp(vault: Path) -> None:
    settle(vault)
    before = dashboards(vault)
    report = run_sync(VaultPaths(vault), progress=False)
    assert report.rendered == [] and report.index.parsed == []
    assert {item.status for item in report.results} == {WriteStatus.UNCHANGED}
    assert len(report.results) == len({item.path for item in report.results}) == len(BUILTINS)
    assert dashboards(vault) == before


def test_fresh_files_are_not_vouched_for(vault: Path) -> None:
    (vault / "Errands.md").write_text("- [ ] post a letter\n", "utf-8")
    run_sync(VaultPaths(vault), progress=False)
    run_sync(VaultPaths(vault), progress=False)
    # Written a moment ago: a later write in the same timestamp tick could go unseen.
    assert not hit(vault)
    current = probe(VaultPaths(vault))
    assert current is not None and not current.recordable


def test_a_watcher_holding_the_vault_is_not_bypassed(vault: Path, tmp_path: Path) -> None:
    settle(vault)
    holder = Holder(vault, "watch", tmp_path / "ready")
    try:
        # The shortcut defers to another process holding the lock: the sync goes on to the
        # lock, which says who has the vault.
        assert not hit(vault)
    finally:
        holder.stop()
    assert hit(vault)


@pytest.mark.parametrize("purpose", ["hook", "watch"])
def test_the_callers_own_hold_does_not_turn_the_stamp_off(vault: Path, purpose: str) -> None:
    """The hook and the watcher take the vault lock before they sync: a full sync of theirs
    that finds nothing changed is answered by the stamp, as `vaultkit sync` is."""
    settle(vault)
    paths = VaultPaths(vault)
    with vault_lock(paths, purpose), pytest.MonkeyPatch.context() as patch:
        assert hit(vault)
        _refuse_walks(patch)
        report = run_sync(paths, lock=False, progress=False)
    assert report.rendered == [] and report.index.parsed == []
    assert {item.status for item in report.results} == {WriteStatus.UNCHANGED}


def _listed_folders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every folder ``os.scandir`` lists from now on, as it was given."""
    seen: list[str] = []
    real = os.scandir

    def listing(path: str) -> Iterator[os.DirEntry[str]]:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", listing)
    return seen


def test_a_sync_that_finds_a_change_walks_the_vault_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(vault)
    _edit_note(vault / "Plan.md")
    listed = _listed_folders(monkeypatch)
    report = run_sync(VaultPaths(vault), progress=False)
    assert report.index.parsed == ["Plan.md"]
    # The stamp's walk found the change, and the scan read what that walk listed. (The
    # writes list the folders they write into, for their own stale temporary files.)
    assert listed.count(str(vault / "Topics")) == 1


@pytest.mark.parametrize("command", [["tasks", "--json"], ["render", "status"]])
def test_a_read_command_that_finds_a_change_walks_the_vault_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A read command (and render) asks the stamp first; when the vault changed, the index
    update that follows scans the stamp's walk, as a sync does, instead of walking again."""
    from vaultkit.cli.main import run

    settle(vault)
    _edit_note(vault / "Plan.md")
    listed = _listed_folders(monkeypatch)
    out, err = io.StringIO(), io.StringIO()
    assert run([*command, "--vault", str(vault)], out, err) == 0, err.getvalue()
    assert listed.count(str(vault / "Topics")) == 1
    if command[0] == "tasks":
        assert any(task["note"] == "Plan.md" for task in json.loads(out.getvalue()))


def test_a_sync_that_waited_for_the_vault_lists_it_again(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(vault)
    _edit_note(vault / "Plan.md")
    take = vaultkit.sync.lock._take
    # As if another vaultkit had held the vault until now: the walk may be out of date.
    monkeypatch.setattr(vaultkit.sync.lock, "_take", lambda *args: take(*args) or True)
    listed = _listed_folders(monkeypatch)
    report = run_sync(VaultPaths(vault), progress=False)
    assert report.index.parsed == ["Plan.md"]
    assert listed.count(str(vault / "Topics")) == 2


def test_a_save_between_the_stamps_walk_and_the_scan_is_the_next_syncs(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan reads what the stamp's walk listed, so a note saved after that walk (while the
    sync loads its config and pipeline) is not this sync's change: the listing still shows
    the note as the index holds it. The next sync's walk sees the save and takes it in."""
    settle(vault)
    _edit_note(vault / "Plan.md")  # the stamp misses
    inbox = vault / "Inbox.md"

    def scan_after_a_save(vault: Path, **kwargs: Any) -> ScanResult:
        _edit_note(inbox)  # a tick: same size, a new mtime
        return scan_vault(vault, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(vaultkit.sync.run, "scan_vault", scan_after_a_save)
        first = run_sync(VaultPaths(vault), progress=False)
    assert first.index.parsed == ["Plan.md"]
    second = run_sync(VaultPaths(vault), progress=False)
    assert second.index.parsed == ["Inbox.md"]
    assert dashboards(vault) == scratch(vault, tmp_path, monkeypatch)


def _edit_note(path: Path) -> None:
    text = path.read_text("utf-8")
    swapped = (
        text.replace("- [ ]", "- [x]", 1) if "- [ ]" in text else text.replace("- [x]", "- [ ]", 1)
    )
    path.write_text(swapped, "utf-8")


def _edit_template(vault: Path) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "habits.md.j2").write_text("Habits: {{ habits.habits | length }}\n", "utf-8")


QUIET_CHANGES: dict[str, Callable[[Path], object]] = {
    "a task ticked": lambda vault: _edit_note(vault / "Plan.md"),
    "a new note": lambda vault: (vault / "Errands.md").write_text("- [ ] post a letter\n", "utf-8"),
    "a note deleted": lambda vault: (vault / "Inbox.md").unlink(),
    "a note renamed": lambda vault: (vault / "Topics" / "Rust.md").rename(
        vault / "Topics" / "Rust lang.md"
    ),
    "a template added": _edit_template,
    "the config edited, size and mtime kept": lambda vault: quietly(
        lambda path: path.write_text(
            path.read_text("utf-8").replace('"Gym" = 75', '"Gym" = 50'), "utf-8"
        )
    )(vault / ".vaultkit" / "config.toml"),
    "Obsidian's excluded files changed": lambda vault: (
        vault / ".obsidian" / "app.json"
    ).write_text('{"userIgnoreFilters": ["Archive/"]}', "utf-8"),
    "a dashboard edited by hand": lambda vault: (vault / "Dashboards" / "Status.md").write_text(
        "hand-written\n", "utf-8"
    ),
    "a dashboard deleted": lambda vault: (vault / "Dashboards" / "Habits.md").unlink(),
}


REPAIRABLE = sorted(set(QUIET_CHANGES) - {"a dashboard edited by hand"})
"""The changes a plain sync brings the dashboards back from (a hand edit is a conflict)."""


@pytest.mark.parametrize("change", sorted(QUIET_CHANGES))
def test_no_change_passes_for_nothing_changed(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    settle(vault)
    QUIET_CHANGES[change](vault)
    assert not hit(vault)
    run_sync(VaultPaths(vault), progress=False)
    if change != "a dashboard edited by hand":  # that one is a conflict, kept as the user left it
        assert dashboards(vault) == scratch(vault, tmp_path, monkeypatch)


def test_a_rewrite_that_keeps_size_and_mtime_is_a_change(vault: Path) -> None:
    # The index itself trusts size and mtime (as git does); the stamp is stricter, through
    # ctime, which no tool can set back.
    settle(vault)
    before = probe(VaultPaths(vault))
    quietly(_edit_note)(vault / "Plan.md")
    after = probe(VaultPaths(vault))
    assert before is not None and after is not None and before.digest != after.digest
    assert not hit(vault)


def test_a_new_day_is_a_change(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settle(vault)
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    assert not hit(vault)


def _refuse_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the vault was walked")

    monkeypatch.setattr(vaultkit.sync.run, "scan_vault", refuse)
    monkeypatch.setattr(vaultkit.index.update, "scan_vault", refuse)


def test_a_new_day_renders_the_dated_dashboards_without_a_scan(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A conflict copy: the full scan leaves it out, and the report says so on every sync.
    (vault / "Plan.sync-conflict-20260101-120000-ABCDEFG.md").write_text("- [ ] x\n", "utf-8")
    settle(vault)
    skipped = run_sync(VaultPaths(vault), progress=False, probed=True).index.skipped
    assert skipped == 1
    monkeypatch.setenv("VAULTKIT_TODAY", "2031-03-04")
    current, stamp = unchanged(VaultPaths(vault))
    assert stamp is None and current is not None and current.dated is not None
    with monkeypatch.context() as patch:
        _refuse_walks(patch)
        report = run_sync(VaultPaths(vault), progress=False)
    assert "status" in report.rendered and "topics" not in report.rendered
    assert report.index.skipped == skipped and not report.problems
    assert dashboards(vault) == scratch(vault, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", REPAIRABLE)
def test_a_new_day_and_a_change_sync_as_from_scratch(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    settle(vault)
    monkeypatch.setenv("VAULTKIT_TODAY", "2031-03-04")
    QUIET_CHANGES[change](vault)
    current, _ = unchanged(VaultPaths(vault))
    assert current is None or current.dated is None
    run_sync(VaultPaths(vault), progress=False)
    assert dashboards(vault) == scratch(vault, tmp_path, monkeypatch)


def test_an_icloud_placeholder_is_a_change(vault: Path) -> None:
    settle(vault)
    (vault / ".Someday.md.icloud").write_bytes(b"bplist00")
    assert not hit(vault)


def test_a_linked_obsidian_folder_keeps_the_shortcut(vault: Path, tmp_path: Path) -> None:
    # Sharing one .obsidian folder between vaults through a link is common practice.
    shared = tmp_path / "shared-obsidian"
    (vault / ".obsidian").rename(shared)
    (vault / ".obsidian").symlink_to(shared, target_is_directory=True)
    settle(vault)
    (shared / "app.json").write_text('{"userIgnoreFilters": ["Archive/"]}', "utf-8")
    assert not hit(vault)


def test_a_symlink_in_the_vault_turns_the_shortcut_off(vault: Path) -> None:
    (vault / "Linked.md").symlink_to(vault / "Inbox.md")
    run_sync(VaultPaths(vault), progress=False)
    age(vault)
    run_sync(VaultPaths(vault), progress=False)
    assert probe(VaultPaths(vault)) is None
    assert not hit(vault)


@hypothesis_settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(REPAIRABLE)), min_size=1, max_size=3, unique=True))
def test_any_sequence_of_quiet_changes_syncs_as_from_scratch(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changes: list[str]
) -> None:
    copy = tmp_path / f"seq-{os.getpid()}-{time.monotonic_ns()}"
    shutil.copytree(vault, copy)
    copy = copy.resolve()
    disable_quiet_period(copy)  # a copied file's ctime is new: Plan.md would wait 5 s
    settle(copy)
    for change in changes:
        QUIET_CHANGES[change](copy)
        age(copy)
        report = run_sync(VaultPaths(copy), progress=False)
        assert not report.problems
        expected = scratch(copy, tmp_path, monkeypatch)
        assert dashboards(copy) == expected
        # Settled again: the stamp is recorded, and what it vouches for is still right.
        age(copy)
        run_sync(VaultPaths(copy), progress=False)
        assert hit(copy)
        assert dashboards(copy) == expected


def test_the_command_prints_the_same_report_either_way(vault: Path) -> None:
    def sync(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vaultkit", "sync", str(vault), *extra],
            capture_output=True,
            text=True,
            check=False,
        )

    settle(vault)

    def forget_stamp() -> None:
        with closing(sqlite3.connect(index_location(vault))) as index, index:
            index.execute("DELETE FROM meta WHERE key = ?", (STAMP_KEY,))

    forget_stamp()
    slow = sync()
    forget_stamp()
    slow_json = sync("--json")
    assert hit(vault)
    fast, fast_json = sync(), sync("--json")
    assert fast.returncode == slow.returncode == 0
    assert fast.stdout.splitlines()[:-1] == slow.stdout.splitlines()[:-1]
    assert (
        fast.stdout.splitlines()[-1].rsplit(";", 1)[0]
        == (slow.stdout.splitlines()[-1].rsplit(";", 1)[0])
    )
    slow_data, fast_data = json.loads(slow_json.stdout), json.loads(fast_json.stdout)
    slow_data.pop("seconds"), fast_data.pop("seconds")
    assert fast_data == slow_data
    check = sync("--check")
    assert check.returncode == 0 and check.stdout.startswith("unchanged")


def test_a_sync_answered_by_the_stamp_loads_no_pipeline(vault: Path) -> None:
    settle(vault)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vaultkit", "sync", str(vault)],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "vaultkit.sync.stamp" in imported
    for heavy in (
        "markdown_it",
        "jinja2",
        "yaml",
        "vaultkit.config.load",
        "vaultkit.sync.run",
        "logging",
    ):
        assert heavy not in imported, f"{heavy} is imported although nothing changed"
    assert result.stdout.splitlines()[-1].startswith(
        f"{len(BUILTINS)} dashboards (0 rendered): 0 written"
    )
