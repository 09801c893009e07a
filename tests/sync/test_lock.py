"""The vault lock: one vaultkit writer per vault, across processes (``vaultkit.sync.lock``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.lock_holder import Holder, wait_for
from vaultkit.errors import VaultkitError
from vaultkit.sync.lock import VaultBusyError, lock_holder, vault_lock
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths, default_index_path


@pytest.fixture
def hold(vault: Path, tmp_path: Path) -> Iterator[Callable[[str], Holder]]:
    holders: list[Holder] = []

    def start(purpose: str) -> Holder:
        holder = Holder(vault, purpose, tmp_path / f"ready-{len(holders)}")
        holders.append(holder)
        return holder

    yield start
    for holder in holders:
        holder.stop()


def test_the_lock_lives_in_the_vault_and_is_never_rewritten(vault: Path) -> None:
    lock = VaultPaths(vault).lock_file
    assert lock == vault / ".vaultkit" / "lock"
    with vault_lock(VaultPaths(vault), "sync"):
        assert lock_holder(VaultPaths(vault)) == {"pid": os.getpid(), "purpose": "sync"}
        assert lock.read_bytes() == b""
    first = lock.stat()
    with vault_lock(VaultPaths(vault), "watch"):
        pass
    after = lock.stat()
    # Taking the lock again changes nothing a sync service or Obsidian could see.
    assert lock.read_bytes() == b""
    assert (after.st_mtime_ns, after.st_ctime_ns, after.st_ino) == (
        first.st_mtime_ns,
        first.st_ctime_ns,
        first.st_ino,
    )
    assert lock_holder(VaultPaths(vault)) is None
    # The holder record, written on every run, stays out of the vault.
    assert [p.relative_to(vault).as_posix() for p in vault.rglob("*lock*")] == [".vaultkit/lock"]


def test_the_default_index_is_in_the_user_cache_folder(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULTKIT_CACHE_DIR")
    import platformdirs

    index = default_index_path(vault)
    assert index.parent == Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))
    assert not index.is_relative_to(vault)


def test_the_lock_is_reentrant_within_one_process(vault: Path) -> None:
    with vault_lock(VaultPaths(vault), "watch"), vault_lock(VaultPaths(vault), "sync"):
        assert lock_holder(VaultPaths(vault)) == {"pid": os.getpid(), "purpose": "watch"}
        run_sync(VaultPaths(vault))  # takes the lock again: must not deadlock on itself
    with vault_lock(VaultPaths(vault), "sync", timeout=0):
        pass


def test_unreadable_or_stale_holder_records_are_ignored(vault: Path) -> None:
    record = VaultPaths(vault).holder_file
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("{not json", encoding="utf-8")
    assert lock_holder(VaultPaths(vault)) is None
    record.write_text(json.dumps({"pid": "12", "purpose": "sync"}), encoding="utf-8")
    assert lock_holder(VaultPaths(vault)) is None
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record.write_text(json.dumps({"pid": dead.pid, "purpose": "sync"}), encoding="utf-8")
    assert lock_holder(VaultPaths(vault)) is None
    # A stale record does not stop anyone: the OS lock is the truth.
    with vault_lock(VaultPaths(vault), "sync"):
        assert lock_holder(VaultPaths(vault)) == {"pid": os.getpid(), "purpose": "sync"}


def test_a_second_sync_waits_then_names_the_holder(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    holder = hold("sync")
    assert lock_holder(VaultPaths(vault)) == {"pid": holder.pid, "purpose": "sync"}
    started = time.monotonic()
    with pytest.raises(VaultBusyError) as caught:
        run_sync(VaultPaths(vault), lock_timeout=0.5)
    assert time.monotonic() - started >= 0.5
    message = str(caught.value)
    assert f"(sync, pid {holder.pid})" in message
    assert "the vault is being updated by another vaultkit" in message
    assert caught.value.exit_code == 2
    holder.stop()
    run_sync(VaultPaths(vault), lock_timeout=0.5)  # free again once the holder has gone


def test_a_watcher_refuses_other_writers_at_once(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    holder = hold("watch")
    started = time.monotonic()
    with pytest.raises(VaultBusyError) as caught:
        run_sync(VaultPaths(vault), lock_timeout=30)
    # Waiting for a watcher is pointless: it holds the vault until it is stopped.
    assert time.monotonic() - started < 10
    assert f"(watch, pid {holder.pid})" in str(caught.value)
    assert caught.value.holder == {"pid": holder.pid, "purpose": "watch"}
    with pytest.raises(VaultBusyError), vault_lock(VaultPaths(vault), "watch"):
        pass


def test_sync_without_the_lock_is_for_callers_holding_it(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    hold("sync")
    run_sync(VaultPaths(vault), lock=False)


def _wait_for_watcher(log: Path, process: subprocess.Popen[bytes]) -> None:
    wait_for(
        lambda: (
            process.poll() is not None
            or (log.exists() and "initial sync" in log.read_text("utf-8"))
        ),
        timeout=60,
    )
    assert process.poll() is None, "the first watcher did not start"


def test_two_watchers_with_different_cache_folders_are_one_writer(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lock belongs to the vault, not to the cache folder that held the index and lock.
    log = tmp_path / "first.log"
    first_env = dict(os.environ, VAULTKIT_CACHE_DIR=str(tmp_path / "cache-a"))
    second_env = dict(os.environ, VAULTKIT_CACHE_DIR=str(tmp_path / "cache-b"))
    first = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(vault), "--log-file", str(log)],
        env=first_env,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_watcher(log, first)
        second = subprocess.run(
            [sys.executable, "-m", "vaultkit", "watch", str(vault)],
            env=second_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 2, second.stderr
        assert "the vault is being updated by another vaultkit" in second.stderr
        assert "Traceback" not in second.stderr
        # A sync with the other cache folder is refused too (it cannot read the holder
        # record, kept in the first one's cache folder, so the holder is unnamed).
        monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache-b"))
        with pytest.raises(VaultBusyError, match="pid unknown"):
            run_sync(VaultPaths(vault), lock_timeout=0.3)
        with pytest.raises(VaultBusyError), vault_lock(VaultPaths(vault), "sync"):
            pass
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert not (tmp_path / "cache-b").exists() or not list((tmp_path / "cache-b").glob("*.json"))
    with vault_lock(VaultPaths(vault), "sync"):  # free once the watcher has stopped
        pass


def test_the_lock_is_the_same_whatever_the_index(
    vault: Path, tmp_path: Path, hold: Callable[[str], Holder]
) -> None:
    holder = hold("sync")
    with pytest.raises(VaultBusyError, match=f"sync, pid {holder.pid}"):
        run_sync(VaultPaths(vault, index=tmp_path / "elsewhere.sqlite3"), lock_timeout=0.3)


def test_a_lock_that_is_not_a_plain_file_is_refused(vault: Path, tmp_path: Path) -> None:
    lock = vault / ".vaultkit" / "lock"
    target = tmp_path / "someone-elses-file"
    target.write_text("keep me", "utf-8")
    lock.symlink_to(target)
    with pytest.raises(VaultkitError, match="is a link") as caught:
        run_sync(VaultPaths(vault))
    assert caught.value.exit_code == 2
    assert target.read_text("utf-8") == "keep me"
    lock.unlink()
    lock.mkdir()
    with pytest.raises(VaultkitError, match="not a plain file"):
        run_sync(VaultPaths(vault))


def test_a_vaultkit_folder_leading_out_of_the_vault_holds_no_lock(
    vault: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (vault / ".vaultkit").rename(outside)
    (vault / ".vaultkit").symlink_to(outside, target_is_directory=True)
    with pytest.raises(VaultkitError, match="leads outside the vault"):
        run_sync(VaultPaths(vault))
    assert not (outside / "lock").exists()


def test_a_dry_run_of_a_read_only_vault_runs_without_the_lock(
    vault: Path, as_a_user: Callable[[], None] | None
) -> None:
    from tests.support.cli import vaultkit_executable

    folder = vault / ".vaultkit"
    assert not (folder / "lock").exists()
    folder.chmod(0o555)
    try:
        for flag, codes in (("--check", (0, 1)), ("--dry-run", (0,))):
            result = subprocess.run(
                [vaultkit_executable(), "sync", str(vault), flag],
                capture_output=True,
                text=True,
                check=False,
                preexec_fn=as_a_user,
            )
            assert result.returncode in codes, result.stderr
        result = subprocess.run(
            [vaultkit_executable(), "sync", str(vault)],
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=as_a_user,
        )
        assert result.returncode == 2
        assert "the vault's lock cannot be opened" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        folder.chmod(0o755)
    assert not (folder / "lock").exists()
