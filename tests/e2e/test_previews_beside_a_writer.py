"""Previews (``sync --check``, ``--dry-run``, ``--diff``) and the read commands run while another
vaultkit writes to the vault: they take no writer lock, write nothing into the vault, and what
they share with the writer, the index, stays consistent however their steps interleave."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import installed, vaultkit_executable
from tests.support.lock_holder import Holder, wait_for
from vaultkit.index import changes
from vaultkit.sync import habit_log
from vaultkit.sync.lock import lock_holder
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import LOCK_PATH, VaultPaths

_SIZE = re.compile(r", [\d.]+ [KMG]?B,")
"""The index's size in ``vaultkit doctor``'s report."""
READ_COMMANDS = (
    ("tasks",),
    ("links",),
    ("graph",),
    ("query", "SELECT count(*) AS notes FROM notes"),
    ("doctor",),
)


def snapshot(vault: Path) -> dict[str, bytes]:
    """Every file of the vault, by path, with its bytes."""
    return {
        p.relative_to(vault).as_posix(): p.read_bytes() for p in vault.rglob("*") if p.is_file()
    }


def add_task(vault: Path, text: str = "a task due tomorrow 📅 2026-11-23") -> None:
    inbox = vault / "Inbox.md"
    inbox.write_text(inbox.read_text(encoding="utf-8") + f"\n- [ ] {text}\n", encoding="utf-8")


def kept_task_sums(index: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(index) as connection:
        return sorted(connection.execute("SELECT key, value FROM task_totals").fetchall())


@contextmanager
def watching(vault: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``vaultkit watch`` on the vault, once its first sync is done."""
    process = subprocess.Popen(
        [vaultkit_executable(), "watch", str(vault), "--log-file", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def ready() -> bool:
            assert process.poll() is None, "the watcher exited"
            return log.exists() and "initial sync" in log.read_text(encoding="utf-8")

        wait_for(ready)
        assert lock_holder(VaultPaths(vault)) == {"pid": process.pid, "purpose": "watch"}
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_previews_and_read_commands_run_while_a_watcher_runs(vault: Path, tmp_path: Path) -> None:
    # What the read commands answer without a watcher, to hold them to it with one.
    alone = {command: installed(*command, "--vault", str(vault)) for command in READ_COMMANDS}
    with watching(vault, tmp_path / "watch.log") as process:
        before = snapshot(vault)
        check = installed("sync", str(vault), "--check")
        assert check.returncode == 0, check.stderr
        assert ": 0 to write, 5 unchanged" in check.stdout
        dry = installed("sync", str(vault), "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        assert {f["status"] for f in json.loads(dry.stdout)["files"]} == {"unchanged"}
        diff = installed("sync", str(vault), "--diff")
        assert diff.returncode == 0, diff.stderr
        for command, without in alone.items():
            result = installed(*command, "--vault", str(vault))
            if command == ("doctor",):
                # The same but for the one line that is about the watcher, and the index's
                # size: the watcher's first sync rendered the dashboards, whose {% cache %}
                # fragments the index keeps.
                ours = f"Watcher: running, pid {process.pid}"
                assert ours in result.stdout, result.stdout
                result_lines = [
                    _SIZE.sub("", line) for line in result.stdout.splitlines() if ours not in line
                ]
                alone_lines = [
                    _SIZE.sub("", line)
                    for line in without.stdout.splitlines()
                    if "Watcher:" not in line
                ]
                assert (result.returncode, result_lines) == (without.returncode, alone_lines)
                continue
            assert (result.returncode, result.stdout) == (without.returncode, without.stdout), (
                command,
                result.stderr,
            )
        # A sync that writes is still refused: one writer per vault.
        writing = installed("sync", str(vault))
        assert writing.returncode == 2
        assert f"(watch, pid {process.pid})" in writing.stderr
        assert snapshot(vault) == before


def test_a_stale_vault_is_previewed_while_another_process_holds_the_lock(
    vault: Path, tmp_path: Path
) -> None:
    """Deterministic: the lock is held by another process for the whole test, as a watcher
    holds it, and the vault has a change that process has not synced."""
    assert installed("sync", str(vault)).returncode == 0
    add_task(vault)
    holder = Holder(vault, "watch", tmp_path / "ready")
    try:
        before = snapshot(vault)
        check = installed("sync", str(vault), "--check")
        assert check.returncode == 1, check.stderr
        assert "Dashboards/Status.md" in check.stdout
        dry = installed("sync", str(vault), "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        files = {f["path"]: f["status"] for f in json.loads(dry.stdout)["files"]}
        assert files["Dashboards/Status.md"] != "unchanged"
        diff = installed("sync", str(vault), "--diff")
        assert diff.returncode == 0, diff.stderr
        assert "a task due tomorrow" in diff.stdout
        assert snapshot(vault) == before  # previews write nothing
        writing = installed("sync", str(vault))
        assert writing.returncode == 2
        assert f"(watch, pid {holder.pid})" in writing.stderr
    finally:
        holder.stop()
    done = installed("sync", str(vault), "--json")
    assert done.returncode == 0, done.stderr
    assert "Dashboards/Status.md" in {
        f["path"] for f in json.loads(done.stdout)["files"] if f["status"] == "written"
    }


def test_previews_never_create_the_lock(vault: Path) -> None:
    lock = vault / LOCK_PATH
    assert not lock.exists()
    for flags in (("--check",), ("--dry-run",), ("--diff",), ("--dry-run", "--json")):
        result = installed("sync", str(vault), *flags)
        assert result.returncode in (0, 1), result.stderr
    assert not lock.exists()


@pytest.mark.parametrize(
    ("point", "expected"),
    [("before the writes", 1), ("after the writes", 0)],
)
def test_a_check_at_a_precise_point_of_a_running_sync(
    vault: Path, monkeypatch: pytest.MonkeyPatch, point: str, expected: int
) -> None:
    """A real ``sync --check`` process runs while this process's sync holds the writer lock,
    just before its writes or between its writes and its records of them. It sees the vault
    as it is at that moment, and the sync it ran beside completes as if alone."""
    assert installed("sync", str(vault)).returncode == 0
    add_task(vault)
    checks: list[subprocess.CompletedProcess[str]] = []
    write_in_order = habit_log.write_in_order  # what vaultkit.sync.run calls

    def check() -> None:
        checks.append(installed("sync", str(vault), "--check"))

    def writes(*args: Any, **kwargs: Any) -> Any:
        if point == "before the writes":
            check()
        done = write_in_order(*args, **kwargs)
        if point == "after the writes":
            check()
        return done

    with monkeypatch.context() as patch:
        patch.setattr("vaultkit.sync.run.write_in_order", writes)
        result = run_sync(VaultPaths(vault), progress=False)
    [seen] = checks
    assert seen.returncode == expected, seen.stdout + seen.stderr
    if expected:
        assert "Dashboards/Status.md" in seen.stdout
    assert "Dashboards/Status.md" in result.recorded
    # The sync's records hold: the next one finds nothing to read or render, and the kept
    # sums are those of an index filled from scratch.
    after = installed("sync", str(vault), "--json")
    data = json.loads(after.stdout)
    assert (data["parsed"], data["rendered"]) == ([], [])
    fresh = vault.parent / "fresh.sqlite3"
    assert installed("tasks", "--vault", str(vault), "--index", str(fresh)).returncode == 0
    assert kept_task_sums(VaultPaths(vault).index.path) == kept_task_sums(fresh)


def test_two_index_updates_interleaved_store_each_change_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read command's update of the index commits the same change between this update's
    comparison of the vault with the index and its write transaction: the change must not be
    stored twice (a new note's rows inserted twice, the kept task sums moved twice)."""
    assert installed("sync", str(vault)).returncode == 0
    (vault / "New.md").write_text("- [ ] a task due tomorrow 📅 2026-11-23\n", encoding="utf-8")
    compare = changes.find_changes  # what vaultkit.index.update calls
    calls: list[int] = []

    def compared_then_overtaken(*args: Any, **kwargs: Any) -> Any:
        found = compare(*args, **kwargs)
        if not calls:
            other = installed("tasks", "--vault", str(vault))
            assert other.returncode == 0 and "a task due tomorrow" in other.stdout
        calls.append(1)
        return found

    with monkeypatch.context() as patch:
        patch.setattr("vaultkit.index.update.find_changes", compared_then_overtaken)
        assert run_sync(VaultPaths(vault), dry_run=True, progress=False).stale
    assert len(calls) == 2  # compared again once the other update had committed
    fresh = vault.parent / "fresh.sqlite3"
    assert installed("tasks", "--vault", str(vault), "--index", str(fresh)).returncode == 0
    index = VaultPaths(vault).index.path
    assert kept_task_sums(index) == kept_task_sums(fresh)
    with sqlite3.connect(index) as connection:
        assert (
            connection.execute("SELECT count(*) FROM tasks WHERE note = 'New.md'").fetchone()[0]
            == 1
        )


def test_adopt_and_remove_dashboards_preview_while_another_process_holds_the_lock(
    vault: Path, tmp_path: Path
) -> None:
    """Their previews write nothing either, so they run beside a watcher as sync's do; what
    writes is still refused."""
    assert installed("sync", str(vault)).returncode == 0
    holder = Holder(vault, "watch", tmp_path / "ready")
    try:
        before = snapshot(vault)
        adopt = installed("adopt", "Plan.md", "--vault", str(vault), "--dry-run")
        assert adopt.returncode == 0, adopt.stderr
        assert "Rust" in adopt.stdout
        remove = installed("remove-dashboards", str(vault), "--dry-run")
        assert remove.returncode == 0, remove.stderr
        assert "Dashboards/Status.md" in remove.stdout
        assert snapshot(vault) == before
        for argv in (
            ("adopt", "Plan.md", "--vault", str(vault)),
            ("remove-dashboards", str(vault)),
        ):
            writing = installed(*argv)
            assert writing.returncode == 2, argv
            assert f"(watch, pid {holder.pid})" in writing.stderr
        assert snapshot(vault) == before
    finally:
        holder.stop()
