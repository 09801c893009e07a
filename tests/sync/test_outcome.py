"""A sync's result is worded in one place, ``vaultkit.sync.outcome``, whichever surface tells it:
the listing of ``vaultkit sync``, the hook's notice and the watcher's log line (issue 14,
defect 3). One file's outcome reads "<status> <path>[:<line>][: <message>]" everywhere (the
listing pads the status to a column), and what was written reads "wrote <path>, <path>"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.support.cli import sync
from tests.support.region_vault import disable_quiet_period
from tests.support.vault_edits import edit_topic
from tests.support.watching import Running, wait_until
from vaultkit.live.hook import run_hook
from vaultkit.sync.outcome import FileOutcome, SyncOutcome, describe, file_line, log_line, wrote

BEGIN = "%% vaultkit:begin topics %%"


@pytest.fixture
def conflicted(vault: Path) -> Path:
    """The example vault with a hand edit inside Plan.md's topics region: every sync that
    renders that region reports the same conflict, and leaves the note alone."""
    disable_quiet_period(vault)
    assert sync(vault)[0] == 0
    plan = vault / "Plan.md"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("4 topics.", "4 topics, and a remark of mine."), "utf-8")
    return vault


def _collapsed(line: str) -> str:
    """A listing line without its column padding."""
    status, rest = line.split(maxsplit=1)
    return f"{status} {rest}"


def test_a_sync_reads_the_same_in_the_listing_the_notice_and_the_log(conflicted: Path) -> None:
    vault = conflicted
    line = (vault / "Plan.md").read_text(encoding="utf-8").splitlines().index(BEGIN) + 1

    edit_topic(vault)
    code, listing = sync(vault)
    assert code == 1
    lines = listing.splitlines()
    [conflict] = [_collapsed(x) for x in lines if x.startswith("conflict")]
    assert conflict.startswith(f"conflict Plan.md:{line}: region topics was edited by hand")
    written = [_collapsed(x).removeprefix("wrote ") for x in lines if x.startswith("wrote ")]
    assert written == ["Dashboards/Status.md"]

    edit_topic(vault)
    err = io.StringIO()
    assert run_hook(str(vault), "Topics/Rust.md", io.StringIO(), err) == 1
    notice = err.getvalue().splitlines()
    assert notice[0].startswith("vaultkit: Topics/Rust.md changed → wrote Dashboards/Status.md (")
    assert notice[1:] == [f"vaultkit: {conflict}"]

    edit_topic(vault)
    running = Running(vault)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=30)
    finally:
        running.stop.set()
        running.thread.join(timeout=10)
    [logged] = [x for x in running.log.read_text(encoding="utf-8").splitlines() if "initial" in x]
    assert "; wrote Dashboards/Status.md; " in logged
    assert f"; {conflict}; " in logged


def _outcome(*files: FileOutcome, dry_run: bool = False) -> SyncOutcome:
    return SyncOutcome(dry_run, ["status"], ["status"], list(files), ["Plan.md"], [], [], 0, 0.5)


def test_one_file_outcome_is_one_line() -> None:
    item = FileOutcome("Plan.md", "error", "could not write Plan.md\n  disk full", 3)
    assert file_line(item) == "error Plan.md:3: could not write Plan.md; disk full"
    assert file_line(item, width=12) == "error        Plan.md:3: could not write Plan.md; disk full"
    assert describe(_outcome(item)).splitlines()[0] == file_line(item, width=12)
    assert f"; {file_line(item)}; " in log_line(_outcome(item))


def test_the_status_words_follow_a_dry_run() -> None:
    item = FileOutcome("Dashboards/Status.md", "written")
    assert file_line(item) == "wrote Dashboards/Status.md"
    assert file_line(item, dry_run=True) == "would write Dashboards/Status.md"
    assert describe(_outcome(item, dry_run=True)).startswith("would write  Dashboards/Status.md\n")


def test_the_written_summary() -> None:
    assert wrote(["A.md", "B.md", "A.md"]) == "wrote A.md, B.md"
    assert wrote([]) == "nothing to write"
    two = _outcome(FileOutcome("A.md", "created"), FileOutcome("B.md", "written"))
    assert two.written == ["A.md", "B.md"]
    assert "; wrote A.md, B.md; " in log_line(two)


def test_one_is_worded_in_the_singular(vault: Path) -> None:
    assert sync(vault)[0] == 0
    status = vault / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "\n- [ ] one more\n", "utf-8")
    code, out = sync(vault)
    assert code == 0, out
    assert "0 conflicts, 0 errors; 1 note parsed;" in out and "5 dashboards (" in out


def test_a_rename_is_worded_as_one_not_as_a_removal(vault: Path) -> None:
    """A note renamed keeps its rows (the index finds its old name by inode): the watcher's
    log and ``sync --json`` say it was renamed or moved, and "removed" is what is gone."""
    import json

    from tests.support.cli import installed
    from vaultkit.sync.outcome import as_json, sync_outcome
    from vaultkit.sync.run import run_sync
    from vaultkit.vaultpaths import VaultPaths

    assert sync(vault)[0] == 0
    (vault / "Topics" / "Rust.md").rename(vault / "Topics" / "Rust language.md")
    (vault / "Inbox.md").unlink()
    synced = json.loads(installed("sync", str(vault), "--json").stdout)
    assert synced["moved"] == [{"from": "Topics/Rust.md", "to": "Topics/Rust language.md"}]
    assert synced["removed"] == ["Inbox.md"]
    (vault / "Topics" / "Rust language.md").rename(vault / "Topics" / "Rust.md")
    (vault / "Plan.md").unlink()
    outcome = sync_outcome(run_sync(VaultPaths(vault), progress=False), vault)
    line = log_line(outcome)
    assert "1 note renamed or moved (Topics/Rust.md); 1 note removed (Plan.md); " in line
    back = {"from": "Topics/Rust language.md", "to": "Topics/Rust.md"}
    assert as_json(outcome)["moved"] == [back]
