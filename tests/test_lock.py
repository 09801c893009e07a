"""The vault lock: one vaultkit writer per vault, across processes (``vaultkit.lock``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vaultkit.index import default_index_path
from vaultkit.lock import (
    VaultBusyError,
    index_location,
    lock_holder,
    lock_path,
    vault_lock,
)
from vaultkit.sync import run_sync

HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from vaultkit.lock import vault_lock
with vault_lock(Path(sys.argv[1]), sys.argv[2]):
    Path(sys.argv[3]).write_text("ready")
    time.sleep(120)
"""


@pytest.fixture
def vault(example_copy: Path) -> Path:
    return example_copy


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Holder:
    """Another process holding the vault lock, until stopped."""

    def __init__(self, vault: Path, purpose: str, ready: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER_SCRIPT, str(vault), purpose, str(ready)],
            env=dict(os.environ),
        )
        wait_for(lambda: ready.exists() or self.process.poll() is not None)
        assert self.process.poll() is None, "the holder process died before taking the lock"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


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


def test_lock_lives_next_to_the_index_never_in_the_vault(vault: Path) -> None:
    index = default_index_path(vault)
    assert index_location(vault) == index
    assert lock_path(vault) == index.with_name(index.stem + ".lock")
    assert not lock_path(vault).is_relative_to(vault)
    with vault_lock(vault, "sync"):
        assert lock_holder(vault) == {"pid": os.getpid(), "purpose": "sync"}
    assert lock_holder(vault) is None
    assert not any(p.name.endswith(".lock") for p in vault.rglob("*"))


def test_index_location_matches_the_index_without_the_cache_override(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULTKIT_CACHE_DIR")
    assert index_location(vault) == default_index_path(vault)


def test_the_lock_is_reentrant_within_one_process(vault: Path) -> None:
    with vault_lock(vault, "watch"), vault_lock(vault, "sync"):
        assert lock_holder(vault) == {"pid": os.getpid(), "purpose": "watch"}
        run_sync(vault)  # takes the lock again: must not deadlock on itself
    with vault_lock(vault, "sync", timeout=0):
        pass


def test_unreadable_or_stale_holder_records_are_ignored(vault: Path) -> None:
    record = lock_path(vault).with_name(lock_path(vault).name + ".json")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("{not json", encoding="utf-8")
    assert lock_holder(vault) is None
    record.write_text(json.dumps({"pid": "12", "purpose": "sync"}), encoding="utf-8")
    assert lock_holder(vault) is None
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record.write_text(json.dumps({"pid": dead.pid, "purpose": "sync"}), encoding="utf-8")
    assert lock_holder(vault) is None
    # A stale record does not stop anyone: the OS lock is the truth.
    with vault_lock(vault, "sync"):
        assert lock_holder(vault) == {"pid": os.getpid(), "purpose": "sync"}


def test_a_second_sync_waits_then_names_the_holder(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    holder = hold("sync")
    assert lock_holder(vault) == {"pid": holder.pid, "purpose": "sync"}
    started = time.monotonic()
    with pytest.raises(VaultBusyError) as caught:
        run_sync(vault, lock_timeout=0.5)
    assert time.monotonic() - started >= 0.5
    message = str(caught.value)
    assert f"(sync, pid {holder.pid})" in message
    assert "the vault is being updated by another vaultkit" in message
    assert caught.value.exit_code == 2
    holder.stop()
    run_sync(vault, lock_timeout=0.5)  # free again once the holder has gone


def test_a_watcher_refuses_other_writers_at_once(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    holder = hold("watch")
    started = time.monotonic()
    with pytest.raises(VaultBusyError) as caught:
        run_sync(vault, lock_timeout=30)
    # Waiting for a watcher is pointless: it holds the vault until it is stopped.
    assert time.monotonic() - started < 10
    assert f"(watch, pid {holder.pid})" in str(caught.value)
    assert caught.value.holder == {"pid": holder.pid, "purpose": "watch"}
    with pytest.raises(VaultBusyError), vault_lock(vault, "watch"):
        pass


def test_sync_without_the_lock_is_for_callers_holding_it(
    vault: Path, hold: Callable[[str], Holder]
) -> None:
    hold("sync")
    run_sync(vault, lock=False)
