"""Smoke tests for the benchmark harness (``python -m benchmarks``) on a tiny vault.

Speed is not asserted here (design section 11: it is measured, not tested); these check that
the harness runs end to end without the ``bench`` extra and reports every figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# ``benchmarks`` is a folder of the repository, not part of the installed package.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks.__main__ import main  # noqa: E402
from benchmarks.floors import WALK_SCRIPT, markdown_files, parse_all, read_all, walk_stat  # noqa: E402
from benchmarks.generate import generate_vault  # noqa: E402
from benchmarks.measure import TaskToggle, _candidate_lines  # noqa: E402
from benchmarks.vaults import cached_vault  # noqa: E402


def test_floors_do_the_work(tmp_path: Path) -> None:
    stats = generate_vault(tmp_path / "v", 20)
    root = str(tmp_path / "v")
    files = walk_stat(root)
    script = subprocess.run(
        [sys.executable, "-c", WALK_SCRIPT, root], capture_output=True, text=True, check=True
    )
    assert int(script.stdout) == files
    # Every file but the hidden .obsidian settings.
    assert files == stats.notes + stats.attachments
    assert read_all(root) == stats.bytes - sum(
        p.stat().st_size for p in (tmp_path / "v" / ".obsidian").iterdir()
    )
    notes = markdown_files(root)
    assert len(notes) == stats.notes
    assert parse_all(notes) > stats.notes


def test_cached_vault_is_generated_once(tmp_path: Path) -> None:
    first, stats, made = cached_vault(tmp_path, 12, 3)
    again, stats_again, made_again = cached_vault(tmp_path, 12, 3)
    assert (made, made_again) == (True, False)
    assert first == again and stats == stats_again


def test_task_toggle_ticks_and_unticks(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(
        b"---\ntags: [x]\n---\n```\n- [ ] in code\n```\n%% - [ ] hidden %%\n"
        b"%%\n- [ ] in comment\n%%\n> - [ ] callout\n- [ ] real one\n"
    )
    assert _candidate_lines(note) == [11]
    toggle = TaskToggle(note, 11)
    original = note.read_bytes()
    toggle.toggle()
    assert note.read_bytes().endswith(b"- [x] real one\n")
    toggle.toggle()
    assert note.read_bytes() == original


def test_quick_run_reports_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "results.json"
    status = main(
        [
            "--quick",
            "--notes",
            "30",
            "--debounce",
            "100",
            "--work-dir",
            str(tmp_path / "work"),
            "--json",
            str(out_json),
        ]
    )
    assert status == 0
    table = capsys.readouterr().out
    figures = [
        "cold sync",
        "warm sync, command",
        "stamp withheld",
        "warm sync, in-process",
        "hook",
        "reading-list entry",
    ]
    for figure in (*figures, "watch"):
        assert figure in table
    data = json.loads(out_json.read_text(encoding="utf-8"))
    (size,) = data["sizes"]
    assert size["notes"] == 30
    assert size["vault"]["tasks"] > 0
    assert {b["key"] for b in size["budgets"]} == {
        "cold",
        "warm_command",
        "warm_full",
        "warm_inprocess",
        "hook",
        "hook_reading",
        "watch_over_debounce",
        "rss_mb",
    }
    assert size["vaultkit"]["watch_latency"]["median"] >= 0.1
    assert size["vaultkit"]["peak_rss_single_process_mb"] > 0
    assert data["machine"]["cores"] >= 1
    # The copy vaultkit wrote into is gone; the generated vault stays cached, untouched.
    work = tmp_path / "work"
    assert sorted(p.name for p in work.iterdir()) == ["seed1-n30-v2", "seed1-n30-v2.json"]
    assert not (work / "seed1-n30-v2" / "Dashboards").exists()


def test_tree_rss_without_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import procs

    monkeypatch.setattr(procs, "_psutil", lambda: None)
    measured = procs.tree_rss(os.getpid())
    if os.path.isdir("/proc"):
        assert measured is not None and measured > 1_000_000
    else:
        assert measured is None
