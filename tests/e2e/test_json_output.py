"""``--json`` for scripts (issue 17, item 6): statuses say what happened to each file, an error
is a JSON object on stdout with the exit status kept, and a reader that stops early does not
turn a stale vault's exit 1 into 0."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import installed, installed_writing_to


def _stale(vault: Path) -> Path:
    """The vault with one dashboard out of date and one missing."""
    assert installed("sync", str(vault)).returncode == 0
    plan = vault / "Plan.md"
    plan.write_text(plan.read_text("utf-8") + "\n- [ ] a task added since\n", encoding="utf-8")
    (vault / "Dashboards" / "Resources.md").unlink()
    return vault


def _bytes(vault: Path) -> dict[str, bytes]:
    return {
        p.relative_to(vault).as_posix(): p.read_bytes()
        for p in vault.rglob("*")
        if p.is_file() and ".vaultkit" not in p.parts
    }


@pytest.mark.parametrize(
    ("flags", "mode", "worded"),
    [
        (["--dry-run"], "preview", {"would_write", "would_create"}),
        (["--diff"], "preview", {"would_write", "would_create"}),
        (["--check"], "check", {"stale", "missing"}),
    ],
)
def test_files_not_written_are_never_reported_as_written(
    vault: Path, flags: list[str], mode: str, worded: set[str]
) -> None:
    _stale(vault)
    before = _bytes(vault)
    result = installed("sync", str(vault), *flags, "--json")
    assert result.returncode == (1 if "--check" in flags else 0), result.stderr
    summary = json.loads(result.stdout)
    assert summary["mode"] == mode
    statuses = {item["path"]: item["status"] for item in summary["files"]}
    assert statuses["Dashboards/Resources.md"] == ("missing" if mode == "check" else "would_create")
    assert statuses["Dashboards/Status.md"] in worded
    assert not {"written", "created"} & set(statuses.values())
    assert _bytes(vault) == before


def test_a_sync_that_writes_says_written(vault: Path) -> None:
    _stale(vault)
    summary = json.loads(installed("sync", str(vault), "--json").stdout)
    assert summary["mode"] == "write"
    statuses = {item["path"]: item["status"] for item in summary["files"]}
    assert statuses["Dashboards/Resources.md"] == "created"
    assert statuses["Dashboards/Status.md"] == "written"


@pytest.mark.parametrize(
    "argv",
    [
        ["sync", "{plain}", "--json"],
        ["sync", "{plain}", "--check", "--json"],
        ["tasks", "--vault", "{plain}", "--json"],
        ["links", "--json", "--vault", "{missing}"],
        ["doctor", "--json", "{missing}"],
        ["inspect", "No such note", "--vault", "{vault}", "--json"],
        ["query", "DELETE FROM notes", "{vault}", "--json"],
        ["tasks", "--due-before", "someday", "--json"],  # refused by the parser itself
    ],
)
def test_an_error_under_json_is_a_json_object(vault: Path, tmp_path: Path, argv: list[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    filled = [a.format(plain=plain, missing=tmp_path / "missing", vault=vault) for a in argv]
    result = installed(*filled, cwd=vault)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2
    assert error["message"]
    assert error["message"] in result.stderr  # the line for people stays, too
    assert "Traceback" not in result.stderr


def _with_closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with a stdout nobody reads (as after `| head -1` has exited): every write
    to it fails at once, so this is deterministic, unlike a real pipeline's timing."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return installed_writing_to(write_end, *args)
    finally:
        os.close(write_end)


def test_a_reader_that_went_away_leaves_the_exit_status_as_it_was(vault: Path) -> None:
    _stale(vault)
    stale = _with_closed_stdout("sync", str(vault), "--check", "--json")
    assert stale.returncode == 1
    assert "Traceback" not in stale.stderr
    assert installed("sync", str(vault)).returncode == 0
    current = _with_closed_stdout("sync", str(vault), "--check", "--json")
    assert current.returncode == 0
    broken = _with_closed_stdout("links", "--broken", "--vault", str(vault))
    plain = installed("links", "--broken", "--vault", str(vault))
    assert broken.returncode == plain.returncode


def test_due_before_takes_today_and_days_from_today(vault: Path) -> None:
    # The vault fixture pins today to 2026-11-22 (VAULTKIT_TODAY), as sync sees it.
    def due(when: str) -> list[str]:
        result = installed("tasks", "--due-before", when, "--json", "--vault", str(vault))
        assert result.returncode == 0, result.stderr
        return sorted(str(t["due"]) for t in json.loads(result.stdout))

    today = due("today")
    assert today == due("2026-11-22")
    assert due("+0") == today
    assert due("tomorrow") == due("2026-11-23") == due("+1")
    assert due("yesterday") == due("-1") == due("2026-11-21")
    assert all(d < "2026-11-22" for d in today)
    assert due("+30") != today, "the example vault has tasks due within a month"
