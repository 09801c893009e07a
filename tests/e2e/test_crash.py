"""Crash test (design section 8, item 3): ``vaultkit sync`` killed with SIGKILL at random instants.

After every kill each file of the vault is byte-identical to what it held before that run or
to what an uninterrupted run writes; nothing but vaultkit's hidden temp files is added; and
the next sync completes and leaves exactly the uninterrupted run's result.

Most kills hit a fork of this (already imported) process running :func:`run_sync`, so that
200 kills cost seconds rather than minutes of interpreter start-up; a dozen more kill the real
``vaultkit sync`` console script. Instants are drawn uniformly over a run's measured duration,
from a seeded generator: ``VAULTKIT_CRASH_SEED`` and ``VAULTKIT_CRASH_KILLS`` reproduce or
extend a run. Kills are classified by what they left behind: no note moved yet (before
write-back), some but not all (during write-back, also when a temp file was left), all of them
(after write-back); the tally is printed (``pytest -s``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.cli import vaultkit_executable
from tests.support.region_vault import (
    Snapshot,
    copy_index,
    is_temp_file,
    make_region_vault,
    restore,
    snapshot,
    tick_first_open_task,
)
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import WriteStatus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL and fork are POSIX"),
]

SEED = int(os.environ.get("VAULTKIT_CRASH_SEED", "20261122"))
FORK_KILLS = int(os.environ.get("VAULTKIT_CRASH_KILLS", "200"))
CLI_KILLS = 12
CHAIN = 3
"""Kills in a row before a run is let finish: a run after a crash gets crashed too."""


@dataclass
class Scene:
    """The vault before the run (``pre``), the uninterrupted run's result (``new``)."""

    vault: Path
    index: Path
    pre_copy: Path
    index_copy: Path
    pre: Snapshot
    new: Snapshot

    def reset(self) -> None:
        restore(self.vault, self.pre_copy)
        copy_index(self.index_copy, self.index)


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    temps_left: int = 0
    completed: int = 0
    recoveries: int = 0

    def total(self) -> int:
        return sum(self.kills.values())


def visible(files: Snapshot) -> Snapshot:
    return {rel: data for rel, data in files.items() if not is_temp_file(rel)}


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VAULTKIT_TODAY", raising=False)
    vault = tmp_path / "vault"
    index = tmp_path / "index.sqlite3"
    notes = make_region_vault(vault, notes=30)
    first = run_sync(VaultPaths(vault, index=index), progress=False)
    assert not first.problems
    index_copy = tmp_path / "index-after-first-sync.sqlite3"
    copy_index(index, index_copy)
    # The user ticks a task in every note: the next sync rewrites every region and Status.
    for rel in notes:
        tick_first_open_task(vault, rel)
    pre_copy = tmp_path / "pre"
    restore(pre_copy, vault)
    pre = snapshot(vault)
    report = run_sync(VaultPaths(vault, index=index), progress=False)
    assert not report.problems
    new = snapshot(vault)
    changed = [rel for rel in new if new[rel] != pre.get(rel)]
    assert sorted(changed) == sorted([*notes, "Dashboards/Status.md"])
    found = Scene(vault, index, pre_copy, index_copy, pre, new)
    found.reset()
    return found


def check_after_kill(scene: Scene, before: Snapshot) -> tuple[str, Snapshot]:
    """Assert the contract after one kill; returns where the kill landed and the vault now."""
    now = snapshot(scene.vault)
    for rel in now.keys() - before.keys() - scene.new.keys():
        assert is_temp_file(rel), f"the killed run left {rel}, which Obsidian would show"
    for rel in (before.keys() | scene.new.keys()) - {r for r in before if is_temp_file(r)}:
        assert now.get(rel) in (before.get(rel), scene.new.get(rel)), (
            f"{rel} is neither its old nor its new content after a kill"
        )
    pending = [rel for rel in scene.new if before.get(rel) != scene.new[rel]]
    moved = sum(1 for rel in pending if now.get(rel) == scene.new[rel])
    new_temps = len([rel for rel in now.keys() - before.keys() if is_temp_file(rel)])
    if new_temps or 0 < moved < len(pending):
        where = "during write-back"
    elif moved == 0 and pending:
        where = "before write-back"
    else:
        where = "after write-back"
    return where, now


def recover(scene: Scene, tally: Tally) -> None:
    """The next, uninterrupted sync finishes the job and reports no problem."""
    report = run_sync(VaultPaths(scene.vault, index=scene.index), progress=False)
    assert not report.problems, [(r.path, r.message) for r in report.results]
    after = snapshot(scene.vault)
    assert after == visible(scene.new), "wrong result, or a crashed run's temp file survived"
    tally.recoveries += 1


def fork_sync(scene: Scene) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage never sees it exit
        code = 0
        try:
            run_sync(VaultPaths(scene.vault, index=scene.index), progress=False)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid


def kill_and_reap(pid: int, delay: float) -> bool:
    """SIGKILL ``pid`` after ``delay`` s; True if it died of it, False if it had finished."""
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the forked sync failed"
    return False


def calibrate(scene: Scene, start: Callable[[], Callable[[], None]]) -> float:
    """Median wall time of three uninterrupted runs from the pre-run state."""
    times = []
    for _ in range(3):
        scene.reset()
        began = time.perf_counter()
        start()()
        times.append(time.perf_counter() - began)
        assert visible(snapshot(scene.vault)) == visible(scene.new)
    scene.reset()
    return sorted(times)[1]


def test_sigkill_at_random_instants_never_leaves_a_mixed_file(scene: Scene) -> None:
    rng = random.Random(SEED)

    def forked() -> Callable[[], None]:
        pid = fork_sync(scene)
        return lambda: os.waitpid(pid, 0) and None

    duration = calibrate(scene, forked)
    tally = Tally()
    while tally.total() < FORK_KILLS:
        scene.reset()
        before = scene.pre
        for _ in range(CHAIN):
            if not kill_and_reap(fork_sync(scene), rng.uniform(0, duration)):
                tally.completed += 1
                assert visible(snapshot(scene.vault)) == visible(scene.new)
                break
            where, before = check_after_kill(scene, before)
            tally.kills[where] += 1
        tally.temps_left += len([rel for rel in snapshot(scene.vault) if is_temp_file(rel)])
        recover(scene, tally)
    # Once recovered, a further sync has nothing to do.
    again = run_sync(VaultPaths(scene.vault, index=scene.index), progress=False)
    assert again.count(WriteStatus.WRITTEN, WriteStatus.CREATED) == 0
    print(
        f"\ncrash test (seed {SEED}): {tally.total()} kills of a forked run_sync over a "
        f"{duration * 1000:.0f} ms run: {dict(tally.kills)}; {tally.completed} runs finished "
        f"before their kill; {tally.recoveries} recovery syncs, all correct; "
        f"{tally.temps_left} hidden temp files left by kills, all removed by the next sync"
    )
    assert tally.kills["during write-back"] > 0, "no kill landed during write-back"


def test_sigkill_of_the_real_cli(scene: Scene) -> None:
    rng = random.Random(SEED + 1)
    command = [vaultkit_executable(), "sync", str(scene.vault), "--index", str(scene.index)]

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ)
        )

    def cli() -> Callable[[], None]:
        process = spawn()

        def finish() -> None:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode()

        return finish

    duration = calibrate(scene, cli)
    tally = Tally()
    while tally.total() < CLI_KILLS:
        scene.reset()
        process = spawn()
        time.sleep(rng.uniform(0, duration))
        process.kill()
        process.communicate(timeout=120)
        if process.returncode == -signal.SIGKILL:
            where, _ = check_after_kill(scene, scene.pre)
            tally.kills[where] += 1
        else:
            assert process.returncode == 0
            tally.completed += 1
        recover(scene, tally)
    print(
        f"\ncrash test, real CLI (seed {SEED + 1}): {tally.total()} kills over a "
        f"{duration * 1000:.0f} ms run (python {sys.version_info[0]}.{sys.version_info[1]}): "
        f"{dict(tally.kills)}; {tally.completed} runs finished first"
    )
