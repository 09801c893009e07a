"""``[habits] reset_checklists``: each cadence checklist unticked once per period, the period
recorded in the habits log first, and no tick made in the new period (or while vaultkit
writes) lost."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.support.cli import sync
from vaultkit.vaultpaths import VaultPaths

STATUS = """\
# Status

## Daily
- [x] Gym
- [ ] Read, slowly
  - [x] a step of Read

## Weekend
- [x] Hike ✅ 2026-11-21

## Notes
Words of mine.
"""
LOG = "Habits log.md"


@pytest.fixture(autouse=True)
def resetting(vault: Path) -> None:
    """The example vault with a checklist note of its own, the checklists as the habit source
    and their reset on, and no quiet period (the tests run faster than a user types)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "[habits]\n", '[habits]\nsources = ["checklists"]\nreset_checklists = true\n'
    )
    config.write_text(text.replace("[vault]\n", "[vault]\nquiet_seconds = 0\n"), "utf-8")
    # The example's own Status.md has Daily and Weekend checklists too: leave them out.
    (vault / "Status.md").write_text("# Status\n", "utf-8")
    (vault / "Checklist.md").write_text(STATUS, "utf-8")


def on(monkeypatch: pytest.MonkeyPatch, vault: Path, day: str) -> str:
    monkeypatch.setenv("VAULTKIT_TODAY", day)
    code, out = sync(vault)
    assert code == 0, out
    return out


def saved_on(vault: Path, day: str) -> None:
    """The checklist note as last saved at noon of ``day``."""
    noon = dt.datetime.fromisoformat(f"{day}T12:00").timestamp()
    os.utime(vault / "Checklist.md", (noon, noon))


def log_lines(vault: Path) -> list[str]:
    text = (vault / LOG).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("- 20")]


def checklist(vault: Path) -> str:
    return (vault / "Checklist.md").read_text(encoding="utf-8")


def test_the_first_run_only_records_when_tracking_began(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, vault, "2026-11-22")
    assert checklist(vault) == STATUS  # which period are these ticks from? Not known: kept
    assert log_lines(vault) == [
        "- 2026-11-22 reset daily:",
        "- 2026-11-22 reset weekend:",
        "- 2026-11-22: Gym",
    ]


def test_a_period_is_reset_once_recorded_first_and_only_the_x_changes(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, vault, "2026-11-22")  # a Sunday
    saved_on(vault, "2026-11-22")
    out = on(monkeypatch, vault, "2026-11-23")  # Monday: a new day and a new week
    assert "Checklist.md" in out and LOG in out
    # Gym (seen ticked yesterday), its nested step (the note was not saved today) and Hike
    # (its ✅ date is last week) are unticked: the x becomes a space, nothing else moves. The
    # reset lines list the items, not the steps nested under them.
    assert checklist(vault) == STATUS.replace("- [x]", "- [ ]")
    assert log_lines(vault)[-3:] == [
        "- 2026-11-23 reset daily: Gym",
        "- 2026-11-23 reset weekend: Hike",
        "- 2026-11-23:",
    ]
    settled = log_lines(vault)
    # Again today, and again after the index is deleted: the log says the period is reset.
    (vault / "Checklist.md").write_text(STATUS, "utf-8")  # ticked again today, by the user
    on(monkeypatch, vault, "2026-11-23")
    shutil.rmtree(VaultPaths(vault).index.path.parent)
    on(monkeypatch, vault, "2026-11-23")
    assert checklist(vault) == STATUS
    assert log_lines(vault) == [*settled[:-1], "- 2026-11-23: Gym"]
    assert "0 written" in on(monkeypatch, vault, "2026-11-23")
    # Tuesday: Gym again (a run saw it ticked on Monday); not the step, ticked again in a note
    # saved since (it may be Tuesday's), nor Hike before next Monday.
    on(monkeypatch, vault, "2026-11-24")
    assert checklist(vault) == STATUS.replace("- [x] Gym", "- [ ] Gym")
    # The Habits dashboard counts Monday's reset items for Monday.
    habits = (vault / "Dashboards" / "Habits.md").read_text(encoding="utf-8")
    assert "| Gym | 2/2 |" in habits  # the 22nd, and the 23rd (its line and the 24th's reset)


def test_a_tick_that_may_be_from_the_new_period_is_kept(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, vault, "2026-11-22")
    # On the 23rd, before any run that day, the user ticks Read: the note was saved in the new
    # period, and no run saw Read ticked, so it may be the 23rd's: it stays ticked.
    text = STATUS.replace("- [ ] Read", "- [x] Read")
    (vault / "Checklist.md").write_text(text, "utf-8")
    saved_on(vault, "2026-11-23")
    on(monkeypatch, vault, "2026-11-23")
    assert checklist(vault) == text.replace("- [x] Gym", "- [ ] Gym").replace(
        "- [x] Hike", "- [ ] Hike"
    )
    assert log_lines(vault)[-3:] == [
        "- 2026-11-23 reset daily: Gym",
        "- 2026-11-23 reset weekend: Hike",
        "- 2026-11-23: Read\\, slowly",
    ]


def test_nothing_is_unticked_until_the_log_can_be_written(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, vault, "2026-11-22")
    saved_on(vault, "2026-11-22")
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8").replace("quiet_seconds = 0", "quiet_seconds = 1")
    config.write_text(text, "utf-8")
    time.sleep(1.2)  # the checklist note has been left alone (the quiet period reads ctime)
    log = vault / LOG
    before = log.read_bytes()
    log.write_bytes(before)  # but the user is editing the log right now
    out = on(monkeypatch, vault, "2026-11-23")
    assert "unticked once the habits log" in out and log.read_bytes() == before
    assert checklist(vault) == STATUS
    time.sleep(1.2)  # the log left alone too: the reset is made
    on(monkeypatch, vault, "2026-11-23")
    assert checklist(vault) == STATUS.replace("- [x]", "- [ ]")
    assert log_lines(vault)[-3] == "- 2026-11-23 reset daily: Gym"


def test_bi_weekly_periods_are_two_weeks_from_a_fixed_monday(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (vault / "Checklist.md").write_text("## Bi-weekly\n- [x] Review ✅ 2026-11-10\n", "utf-8")
    on(monkeypatch, vault, "2026-11-17")  # periods start on 2026-11-16 and 2026-11-30
    for day in ("2026-11-18", "2026-11-29"):
        on(monkeypatch, vault, day)
        assert "- [x] Review" in checklist(vault)
    on(monkeypatch, vault, "2026-11-30")
    assert "- [ ] Review" in checklist(vault)
    assert log_lines(vault)[-2] == "- 2026-11-30 reset bi-weekly: Review"


def test_thirty_days_of_ticks_and_resets_leave_an_exact_log(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each day the user ticks some items (the note saved that day) and syncs once or more;
    each next day's first run records them in a reset line and unticks them."""
    chance = random.Random(4)
    (vault / "Checklist.md").write_text("## Daily\n- [ ] Gym\n- [ ] Read\n- [ ] Walk\n", "utf-8")
    expected: list[str] = []
    previous: list[str] | None = None
    start = dt.date(2026, 11, 11)
    for n in range(30):
        day = (start + dt.timedelta(days=n)).isoformat()
        ticked = [item for item in ("Gym", "Read", "Walk") if chance.random() < 0.5]
        monkeypatch.setenv("VAULTKIT_TODAY", day)
        sync(vault)  # the morning's first run: the reset
        expected.append(f"- {day} reset daily:" + (" " + ", ".join(previous) if previous else ""))
        assert "- [x]" not in checklist(vault)
        text = checklist(vault)
        for item in ticked:
            text = text.replace(f"- [ ] {item}", f"- [x] {item}")
        (vault / "Checklist.md").write_text(text, "utf-8")
        saved_on(vault, day)
        for _ in range(chance.randint(1, 2)):
            sync(vault)
        expected.append(f"- {day}:" + (" " + ", ".join(ticked) if ticked else ""))
        previous = ticked
    # The first day's reset line only begins the tracking; its day line came with it.
    assert log_lines(vault) == expected


@pytest.mark.slow
def test_a_concurrent_saver_loses_nothing(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor thread saves the checklist note again and again (in place, slowly in place,
    by temp file and rename), each time with Gym ticked and a new line of its own, while syncs
    on later and later days untick Gym: every line of its last save is in the note (or in a
    conflict copy vaultkit announced), and no temp file is left."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8").replace("quiet_seconds = 0", "quiet_seconds = 0.02")
    config.write_text(text, "utf-8")
    path = vault / "Checklist.md"
    on(monkeypatch, vault, "2027-01-01")
    stop = threading.Event()
    lines: list[str] = []
    chance = random.Random(11)

    def save(data: bytes) -> None:
        how = chance.choice(("in place", "slow", "rename"))
        if how == "rename":
            swap = path.with_name(".Checklist.md.swp")
            swap.write_bytes(data)
            os.replace(swap, path)
            return
        with path.open("r+b") as handle:
            handle.truncate(0)
            half = len(data) // 2 if how == "slow" else len(data)
            handle.write(data[:half])
            handle.flush()
            if how == "slow":
                time.sleep(0.005)
            handle.write(data[half:])

    def editor() -> None:
        while not stop.is_set():
            lines.append(f"- line {len(lines)} of the editor")
            save((STATUS + "\n".join(lines) + "\n").encode())
            time.sleep(chance.uniform(0, 0.25))

    thread = threading.Thread(target=editor)
    unticked = 0
    thread.start()
    try:
        for n in range(40):
            monkeypatch.setenv(
                "VAULTKIT_TODAY", (dt.date(2027, 1, 2) + dt.timedelta(n)).isoformat()
            )
            code, out = sync(vault)
            assert code in (0, 1), out
            unticked += "wrote        Checklist.md" in out
    finally:
        stop.set()
        thread.join()
    assert unticked, "no reset got between the saves: the test proved nothing"
    final = path.read_text(encoding="utf-8")
    copies = [p for p in vault.iterdir() if "conflicted copy" in p.name]
    kept = final + "".join(p.read_text(encoding="utf-8") for p in copies)
    assert lines[-1] in final
    assert all(line in kept for line in lines[-1:])
    assert [p for p in vault.iterdir() if p.name.endswith(".vaultkit-tmp")] == []
    # The note is the editor's last save, with at most the checkboxes unticked.
    assert final.replace("- [ ]", "- [x]") == (STATUS + "\n".join(lines) + "\n").replace(
        "- [ ]", "- [x]"
    )
