"""The habits log kept by ``vaultkit sync`` (``[habits] sources = ["checklists"]``): each run
records today's ticks of the Daily checklist, exactly, and a second run writes nothing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.support.cli import sync
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths

DAILY = {
    # The example's Status.md, "## Daily": a line to tick or untick -> its item's text.
    "45 min of [[Rust|learning Rust]] (the book, then Rustlings) 🔁 every day ✅ 2026-11-21": (
        "45 min of learning Rust (the book, then Rustlings)"
    ),
    "One Leetcode medium, written up in the daily note 🔁 every day": (
        "One Leetcode medium, written up in the daily note"
    ),
    "Anki review (systems deck) ✅ 2026-11-21": "Anki review (systems deck)",
}
LOG_NAME = "Habits log.md"


@pytest.fixture(autouse=True)
def checklists(vault: Path) -> None:
    """The example vault with the checklists as the habit source, and no quiet period (the
    tests run faster than a user types)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("[habits]\n", '[habits]\nsources = ["checklists"]\n')
    config.write_text(text.replace("[vault]\n", "[vault]\nquiet_seconds = 0\n"), "utf-8")


def tick(vault: Path, done: set[str]) -> None:
    """Tick exactly the Daily items of ``done`` (their texts) in Status.md."""
    status = vault / "Status.md"
    text = status.read_text(encoding="utf-8")
    for line, item in DAILY.items():
        for box in ("- [ ] ", "- [x] "):
            text = text.replace(box + line, ("- [x] " if item in done else "- [ ] ") + line)
    status.write_text(text, "utf-8")


def log_lines(vault: Path) -> list[str]:
    text = (vault / LOG_NAME).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("- 20")]


def escaped(item: str) -> str:
    return item.replace("\\", "\\\\").replace(",", "\\,").replace("%", "\\%")


def written(output: str) -> list[str]:
    return [line.split(None, 1)[1] for line in output.splitlines() if line.startswith("wrote")]


def test_a_sync_records_todays_ticks_and_a_second_writes_nothing(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = sync(vault)
    assert code == 0 and f"created      {LOG_NAME}" in out
    # The example vault's Daily checklist has Rust and Anki ticked (and a nested step of the
    # DDIA item, which is not an item of the list).
    rust, leetcode, anki = DAILY.values()
    assert log_lines(vault) == [f"- 2026-11-22: {escaped(rust)}, {escaped(anki)}"]
    habits = (vault / "Dashboards" / "Habits.md").read_text(encoding="utf-8")
    assert "| Anki review (systems deck) | 1/1 |" in habits
    assert "| One Leetcode medium, written up in the daily note | 0/0 |" in habits
    code, out = sync(vault)
    assert code == 0 and "0 written" in out, out  # the new log note's orphan-ness settles
    tick(vault, {rust, leetcode})
    code, out = sync(vault)
    assert LOG_NAME in written(out) and "Dashboards/Habits.md" in written(out)
    # Anki unticked the same day stays listed: a tick once made that day is kept.
    assert log_lines(vault) == [
        f"- 2026-11-22: {escaped(rust)}, {escaped(anki)}, {escaped(leetcode)}"
    ]
    assert sync(vault)[1].count("written") == 1 and "0 written" in sync(vault)[1]
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    tick(vault, set())
    sync(vault)
    assert log_lines(vault)[-1] == "- 2026-11-23:"
    assert "0 written" in sync(vault)[1]


def test_thirty_days_of_syncs_leave_an_exact_log(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month of days, each with its own ticks, some synced more than once, some never: the
    log holds a line for each day synced, with every item ticked at one of that day's runs."""
    chance = random.Random(15)
    items = list(DAILY.values())
    expected: list[str] = []
    for day in range(30):
        date = f"2026-{11 + (day + 10) // 30}-{(day + 10) % 30 + 1:02d}"  # Nov 11 to Dec 10
        if chance.random() < 0.15:
            continue  # no run that day
        monkeypatch.setenv("VAULTKIT_TODAY", date)
        listed: list[str] = []
        for _ in range(chance.randint(1, 3)):
            ticked = {item for item in items if chance.random() < 0.5}
            tick(vault, ticked)
            code, out = sync(vault)
            assert code == 0, out
            listed += [item for item in items if item in ticked and item not in listed]
            assert "0 written" in sync(vault)[1]  # a second sync writes nothing
        expected.append(
            f"- {date}:"
            + "".join(f"{', ' if n else ' '}{escaped(item)}" for n, item in enumerate(listed))
        )
    assert log_lines(vault) == expected


def test_the_users_corrections_are_kept_and_counted(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rust, leetcode, anki = DAILY.values()
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-21")
    sync(vault)
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-22")
    tick(vault, {leetcode})
    sync(vault)
    log = vault / LOG_NAME
    text = log.read_text(encoding="utf-8")
    # Anki was not really done on the 21st; Leetcode was, and the 20th too, without a run.
    text = text.replace(
        f"- 2026-11-21: {escaped(rust)}, {escaped(anki)}",
        f"- 2026-11-21: {escaped(rust)}, {escaped(leetcode)}",
    )
    text = text.replace("- 2026-11-21:", f"- 2026-11-20: {escaped(leetcode)}\n- 2026-11-21:")
    log.write_text(text, "utf-8")
    code, out = sync(vault)
    assert code == 0, out
    assert LOG_NAME not in written(out) and "Dashboards/Habits.md" in written(out)
    assert log.read_text(encoding="utf-8") == text
    habits = (vault / "Dashboards" / "Habits.md").read_text(encoding="utf-8")
    # Leetcode: the 20th, 21st and 22nd; Anki: neither of the two days it was counted.
    assert f"| {leetcode} | 3/3 |" in habits
    assert f"| {anki} | 0/2 |" in habits


def test_run_sync_plans_the_log_with_the_dashboards(vault: Path) -> None:
    result = run_sync(VaultPaths(vault), dry_run=True)
    planned = {item.path.name: item.status.value for item in result.planned}
    assert planned[LOG_NAME] == "created"
    assert not (vault / LOG_NAME).exists()


def test_the_checklists_follow_the_users_own_cadence_headings(vault: Path) -> None:
    """A Daily checklist under the user's own heading name, mapped in [status.cadences]."""
    status = vault / "Status.md"
    status.write_text(status.read_text(encoding="utf-8").replace("## Daily", "## Every morning"))
    config = vault / ".vaultkit" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[status.cadences]\n"Every morning" = "daily"\n'
    )
    code, out = sync(vault)
    assert code == 0, out
    rust, _, anki = DAILY.values()
    assert log_lines(vault) == [f"- 2026-11-22: {escaped(rust)}, {escaped(anki)}"]
