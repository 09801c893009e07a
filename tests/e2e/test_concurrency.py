"""Concurrency (design 8.4, 8.10, 8.11): saves of every kind while vaultkit writes the same notes.

Two editor processes (``tests/support/obsidian_editor.py``) each add task lines to their own
half of the notes that hold regions, saving in place, slowly in place, by temp file and rename,
and after a truncation, while vaultkit keeps rewriting those very regions: once as a real
``vaultkit watch`` process, once as a process running ``sync`` in a loop. At the end every line
of every save is in its note (or in a conflict copy vaultkit announced), no temp file is left,
and every region is current. The deterministic counterpart, each save at each step of the write,
is ``tests/writeback/test_interleavings.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.cli import vaultkit_executable
from tests.support.obsidian_editor import PAUSE_BETWEEN_BURSTS, PAUSE_INSIDE_A_SAVE
from tests.support.region_vault import is_temp_file, make_region_vault, snapshot
from tests.support.watching import wait_until
from vaultkit.parse.note import parse_note
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import RegionContent, WriteStatus, splice_regions

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent.parent
SEED = int(os.environ.get("VAULTKIT_CONCURRENCY_SEED", "7"))
SAVES = int(os.environ.get("VAULTKIT_CONCURRENCY_SAVES", "1500"))
"""Saves per scenario (two scenarios, two editors each): 3,000 in all by default."""
QUIET_SECONDS = 0.6
"""Longer than any pause inside one save (obsidian_editor.PAUSE_INSIDE_A_SAVE, with room for
an editor process that the busy machine does not schedule for a while: at 0.3 s, a CI run
sharing two cores with another test run once lost the tail of a save that an editor, not
scheduled for that long, was still writing, as the README's stated limit allows), shorter than
the pauses between bursts of saves (obsidian_editor.PAUSE_BETWEEN_BURSTS): vaultkit writes
between saves, and races the next one."""
assert PAUSE_INSIDE_A_SAVE < QUIET_SECONDS < PAUSE_BETWEEN_BURSTS[0]


def region_is_current(vault: Path, rel: str) -> bool:
    """The note's region lists exactly the note's tasks, judged from the file alone."""
    data = (vault / rel).read_bytes()
    tasks = parse_note(data, rel).tasks
    body = "".join(f"- {task.text} ({task.status.value})\n" for task in tasks)
    padded = "\n" + body.strip("\n") + "\n\n"
    new, outcomes = splice_regions(data, [RegionContent("tasks", padded)])
    return new == data and [o[0] for o in outcomes] == [WriteStatus.UNCHANGED]


@pytest.fixture
def region_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Twelve notes with a region each: not the example vault, which has one."""
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    vault = (tmp_path / "vault").resolve()
    notes = make_region_vault(vault, notes=12, quiet_seconds=QUIET_SECONDS)
    time.sleep(2 * QUIET_SECONDS)  # the notes were just written
    assert not run_sync(VaultPaths(vault), progress=False).problems
    assert all(region_is_current(vault, rel) for rel in notes)
    return vault


def notes_of(vault: Path) -> list[str]:
    return sorted(p.relative_to(vault).as_posix() for p in (vault / "Notes").glob("*.md"))


def edit_concurrently(vault: Path, seed: int) -> list[list[str]]:
    """Two editor processes, each on its own half of the notes; the saves both made."""
    notes = notes_of(vault)
    editors = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.obsidian_editor",
                str(vault),
                str(seed + half),
                str(SAVES // 2),
                *notes[half::2],
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in (0, 1)
    ]
    made: list[list[str]] = []
    for editor in editors:
        out, err = editor.communicate(timeout=600)
        assert editor.returncode == 0, err
        made += json.loads(out)
    return made


def check_every_save_kept(vault: Path, made: list[list[str]], label: str, extra: str) -> None:
    files = snapshot(vault)
    copies = {rel: data for rel, data in files.items() if "conflicted copy" in rel}
    lost = [
        (rel, line)
        for rel, line, _ in made
        if line.encode() not in files[rel]
        and not any(line.encode() in data for data in copies.values())
    ]
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(Counter(k for _, _, k in made).items()))
    print(
        f"\n{label} (seed {SEED}): {len(made)} saves ({kinds}), "
        f"{len(made) - len(lost)} kept, {len(copies)} conflict copies; {extra}"
    )
    assert lost == [], f"{len(lost)} of {len(made)} saves lost, e.g. {lost[:3]}"
    assert not [rel for rel in files if is_temp_file(rel)]
    notes = notes_of(vault)
    wait_until(lambda: all(region_is_current(vault, rel) for rel in notes), timeout=30)


def test_saves_of_every_kind_survive_a_watching_vaultkit(
    region_vault: Path, tmp_path: Path
) -> None:
    vault = region_vault
    log = tmp_path / "watch.log"
    watcher = subprocess.Popen(
        [vaultkit_executable(), "watch", str(vault), "--debounce", "20", "--log-file", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: log.exists() and "watching" in log.read_text(), timeout=30)
        made = edit_concurrently(vault, SEED)
        # The watcher catches up with the last saves on its own, once the notes are quiet.
        wait_until(
            lambda: all(region_is_current(vault, rel) for rel in notes_of(vault)), timeout=30
        )
    finally:
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=20) == 0
    text = log.read_text(encoding="utf-8")
    syncs = text.count(": ") - text.count("watching")
    check_every_save_kept(
        vault,
        made,
        "watch",
        f"{text.count('wrote ')} watcher syncs wrote, {text.count('; deferred ')} deferrals "
        f"logged in {syncs} log lines",
    )


def test_saves_of_every_kind_survive_a_sync_loop(region_vault: Path, tmp_path: Path) -> None:
    vault = region_vault
    stop = tmp_path / "stop"
    loop = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sync_loop", str(vault), str(stop)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        made = edit_concurrently(vault, SEED + 100)
    finally:
        stop.touch()
        out, err = loop.communicate(timeout=120)
    assert loop.returncode == 0, err
    counts = json.loads(out)
    time.sleep(2 * QUIET_SECONDS)  # the last saves were just made
    report = run_sync(VaultPaths(vault), progress=False)  # the notes are quiet now: catch up
    assert not report.problems and not report.deferred
    check_every_save_kept(
        vault, made, "sync loop", ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    )
