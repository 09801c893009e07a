"""Concurrency (design section 8, item 4): another process edits notes while vaultkit watches.

The other process (``tests/obsidian_editor.py``) adds task lines to notes that hold regions,
saving the way Obsidian does (in place) and the way editors and sync services do (temp file
and rename), while ``vaultkit watch`` keeps rewriting those very regions. At the end every
line the other process added is still in its note, and every region is current.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.region_vault import is_temp_file, make_region_vault, snapshot
from tests.test_watch import Running, wait_until
from vaultkit.parse import parse_note
from vaultkit.sync import run_sync
from vaultkit.writeback import RegionContent, WriteStatus, splice_regions

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("VAULTKIT_CONCURRENCY_SEED", "7"))
EDITS = int(os.environ.get("VAULTKIT_CONCURRENCY_EDITS", "250"))


def region_is_current(vault: Path, rel: str) -> bool:
    """The note's region lists exactly the note's tasks, judged from the file alone."""
    data = (vault / rel).read_bytes()
    tasks = parse_note(data, rel).tasks
    body = "".join(f"- {task.text} ({task.status.value})\n" for task in tasks)
    padded = "\n" + body.strip("\n") + "\n\n"
    new, outcomes = splice_regions(data, [RegionContent("tasks", padded)])
    return new == data and [o[0] for o in outcomes] == [WriteStatus.UNCHANGED]


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    return (tmp_path / "vault").resolve()


def test_edits_by_another_process_survive_a_watching_vaultkit(vault: Path) -> None:
    notes = make_region_vault(vault, notes=12)
    running = Running(vault)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=30)
        assert all(region_is_current(vault, rel) for rel in notes)
        editor = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.obsidian_editor",
                str(vault),
                str(SEED),
                str(EDITS),
                *notes,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert editor.returncode == 0, editor.stderr
        made: list[list[str]] = json.loads(editor.stdout)
        # The watcher catches up with the last saves on its own.
        wait_until(lambda: all(region_is_current(vault, rel) for rel in notes), timeout=30)
    finally:
        running.stop.set()
        running.thread.join(timeout=10)
    assert not running.thread.is_alive() and running.result == [0]

    files = snapshot(vault)
    lost = [(rel, line) for rel, line in made if line.encode() not in files[rel]]
    assert lost == [], f"{len(lost)} of {len(made)} edits lost"
    assert not [rel for rel in files if is_temp_file(rel)]
    writes = sum(
        r.status is WriteStatus.WRITTEN and r.path.name.startswith("N")
        for report in running.reports
        for r in report.results
    )
    retried = sum(
        "changed while vaultkit" in r.message or "kept changing" in r.message
        for report in running.reports
        for r in report.results
    )
    refused = sum(
        r.status is WriteStatus.ERROR for report in running.reports for r in report.results
    )
    report = run_sync(vault, dry_run=True, progress=False)
    assert not report.stale and not report.problems
    print(
        f"\nconcurrency (seed {SEED}): {len(made)} edits made by the other process, "
        f"{len(made) - len(lost)} kept; {len(running.reports)} watcher syncs wrote {writes} "
        f"regions; {retried} writes gave way to a save; {refused} notes left alone "
        "because they were read mid-save"
    )
