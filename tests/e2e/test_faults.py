"""Conflicts, sync services and failing I/O (design section 8): each case leaves the vault intact
and tells the user what happened, naming the file (and line) and what to do.

Faults are injected at the I/O edge (``os.write``, ``os.fsync``, ``Path.read_bytes``) so the
tests also run as root, where permission bits do not stop anybody.
"""

from __future__ import annotations

import errno
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import sync
from tests.support.region_vault import disable_quiet_period, is_temp_file, snapshot
from tests.support.vault_edits import edit_topic
from tests.support.watching import Running, wait_until
from vaultkit.cli.main import run
from vaultkit.sync.result import SyncResult
from vaultkit.writeback.regions import WriteStatus

ENOSPC = os.strerror(errno.ENOSPC)
DONE = re.compile(r"\*\*(\d+) of (\d+) tasks done\*\*")


def totals(vault: Path) -> tuple[int, int]:
    found = DONE.search((vault / "Dashboards/Status.md").read_text(encoding="utf-8"))
    assert found is not None
    return int(found[1]), int(found[2])


def tick(vault: Path, rel: str = "Status.md", task: str = "One Leetcode medium") -> None:
    path = vault / rel
    text = path.read_text(encoding="utf-8")
    assert f"- [ ] {task}" in text
    path.write_text(text.replace(f"- [ ] {task}", f"- [x] {task}"), encoding="utf-8")


@pytest.fixture(autouse=True)
def synced_without_quiet_period(vault: Path) -> None:
    # These tests edit Plan.md and sync at once, as a user at a terminal would; the quiet
    # period that holds back a note being typed in has its own tests (test_interleavings.py).
    disable_quiet_period(vault)
    assert sync(vault)[0] == 0  # the committed dashboards, freshly indexed


# -- a region edited by hand -------------------------------------------------------------------


def test_hand_edited_region_is_kept_reported_and_recoverable(vault: Path) -> None:
    plan = vault / "Plan.md"
    text = plan.read_text(encoding="utf-8")
    edited = text.replace("4 topics.", "4 topics, and my own remark inside the region.")
    plan.write_text(edited, encoding="utf-8")
    edit_topic(vault)
    code, output = sync(vault)
    line = edited.splitlines().index("%% vaultkit:begin topics %%") + 1
    assert code == 1
    assert f"conflict     Plan.md:{line}: region topics was edited by hand" in output
    assert "--force" in output
    assert plan.read_text(encoding="utf-8") == edited
    assert sync(vault, "--check")[0] == 1
    # --force overwrites, but only after saving the hand-edited note where the README says.
    code, output = sync(vault, "--force")
    assert code == 0, output
    [backup] = (vault / ".vaultkit/backups").glob("Plan.md.*.bak")
    assert backup.read_text(encoding="utf-8") == edited
    assert "my own remark" not in plan.read_text(encoding="utf-8")
    assert sync(vault, "--check")[0] == 0


# -- the note changes between vaultkit's read and its write ---------------------------------


def test_a_save_between_read_and_write_is_kept_and_the_region_updated(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_topic(vault)
    plan = vault / "Plan.md"
    real_fsync = os.fsync
    saves: list[str] = []

    def obsidian_saves_plan_meanwhile(fd: int) -> None:
        # Plan.md is written while vaultkit's temp file for it is being flushed.
        if not saves and any(
            p.name.startswith(".Plan.") and is_temp_file(p.name) for p in vault.iterdir()
        ):
            saves.append("typed while vaultkit worked")
            plan.write_text(plan.read_text(encoding="utf-8") + saves[0] + "\n", encoding="utf-8")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", obsidian_saves_plan_meanwhile)
    code, output = sync(vault)
    assert saves and code == 0, output
    text = plan.read_text(encoding="utf-8")
    assert text.endswith("typed while vaultkit worked\n")
    monkeypatch.undo()
    # Planned again from the saved note: the save is kept and the region is current.
    assert sync(vault, "--check")[0] == 0, "the retry left the region stale"


def test_a_note_that_keeps_changing_is_deferred_with_a_message(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_topic(vault)
    plan = vault / "Plan.md"
    real_fsync = os.fsync
    count = [0]

    def obsidian_saves_every_time(fd: int) -> None:
        if any(p.name.startswith(".Plan.") and is_temp_file(p.name) for p in vault.iterdir()):
            count[0] += 1
            plan.write_text(plan.read_text(encoding="utf-8") + f"save {count[0]}\n")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", obsidian_saves_every_time)
    code, output = sync(vault)
    assert code == 0, output  # not an error, not a conflict: the user is at work in it
    assert "deferred     Plan.md: kept changing while vaultkit tried to write it" in output
    assert plan.read_text(encoding="utf-8").endswith(
        "".join(f"save {n}\n" for n in range(1, count[0] + 1))
    )
    assert not [p for p in vault.rglob("*") if is_temp_file(p.name)]


# -- sync services -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "copy_name",
    [
        "Status.sync-conflict-20261122-101500-ABCDEF1.md",  # Syncthing
        "Status (Ann's conflicted copy 2026-11-22).md",  # Dropbox
    ],
)
def test_a_conflicted_copy_is_neither_counted_nor_written(vault: Path, copy_name: str) -> None:
    # The sync service keeps this device's version aside and puts the other device's in place.
    mine = (vault / "Status.md").read_bytes()
    tick(vault)
    (vault / copy_name).write_bytes(mine)
    done, total = totals(vault)
    code, output = sync(vault)
    assert code == 0
    assert "skipped      1 file(s) left out of the dashboards" in output
    assert "vaultkit doctor" in output
    assert totals(vault) == (done + 1, total)  # the copy's tasks are not counted twice
    assert (vault / copy_name).read_bytes() == mine
    out, err = io.StringIO(), io.StringIO()
    run(["doctor", "--vault", str(vault)], out, err)
    assert copy_name in out.getvalue()


def test_a_region_note_replaced_by_a_version_without_markers(vault: Path) -> None:
    plan = vault / "Plan.md"
    mine = plan.read_bytes()
    other = re.sub(
        rb"%% vaultkit:begin topics %%.*?%% vaultkit:end topics \w+ %%\n",
        b"",
        mine,
        flags=re.DOTALL,
    )
    assert other != mine
    (vault / "Plan.sync-conflict-20261122-101500-ABCDEF1.md").write_bytes(mine)
    plan.write_bytes(other)
    edit_topic(vault)
    code, output = sync(vault)
    assert code == 1
    assert "error        Plan.md: no region topics in this note" in output
    assert "'%% vaultkit:begin topics %%'" in output
    assert plan.read_bytes() == other


# -- a vault folder renamed while watching ----------------------------------------------------


@pytest.fixture
def watcher(vault: Path) -> Iterator[Running]:
    running = Running(vault)
    running.thread.start()
    wait_until(lambda: len(running.reports) >= 1, timeout=20)
    yield running
    running.stop.set()
    running.thread.join(timeout=10)
    assert not running.thread.is_alive()


def log_text(running: Running) -> str:
    return running.log.read_text(encoding="utf-8") if running.log.exists() else ""


def wrote_status(report: SyncResult) -> bool:
    return any(
        r.status is WriteStatus.WRITTEN and r.path.name == "Status.md" for r in report.results
    )


def test_a_folder_renamed_while_watching(vault: Path, watcher: Running) -> None:
    done, total = totals(vault)
    seen = len(watcher.reports)
    (vault / "Topics").rename(vault / "Subjects")
    tick(vault, "Subjects/Rust.md", next_open_task(vault / "Subjects/Rust.md"))
    watcher.wait_for_sync(seen, wrote_status)
    wait_until(lambda: totals(vault) == (done + 1, total))
    assert not (vault / "Topics").exists(), "vaultkit recreated the old folder"
    assert "failed" not in log_text(watcher)


def next_open_task(path: Path) -> str:
    found = re.search(r"^- \[ \] (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None
    return found[1]


def test_the_vault_itself_renamed_while_watching(vault: Path, watcher: Running) -> None:
    moved = vault.with_name("renamed vault")
    vault.rename(moved)
    before = snapshot(moved)
    tick(moved)  # an event inside the moved folder wakes the watcher up
    wait_until(lambda: "the vault folder cannot be read" in log_text(watcher))
    log = log_text(watcher)
    assert "run vaultkit on its new location" in log
    assert "Traceback" not in log and "FileNotFoundError" not in log
    assert not vault.exists(), "vaultkit recreated the vault at its old path"
    after = snapshot(moved)
    assert {k for k in after if after[k] != before[k]} == {"Status.md"}  # only the user's tick


# -- unreadable files --------------------------------------------------------------------------


def unreadable(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    """Reading these notes fails as it would for chmod 000 (also when running as root)."""
    real = Path.read_bytes
    locked = {os.path.abspath(p) for p in paths}

    def read_bytes(self: Path) -> bytes:
        if os.path.abspath(self) in locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    real_open = os.open

    def open_fd(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: int) -> int:
        if os.path.abspath(path) in locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "open", open_fd)


def test_an_unreadable_note_is_reported_and_its_tasks_kept(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, total = totals(vault)
    tick(vault, "Topics/Rust.md", next_open_task(vault / "Topics/Rust.md"))
    status = vault / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "- [ ] written, then locked\n")
    unreadable(monkeypatch, status)
    code, output = sync(vault)
    assert code == 0
    assert (
        f"unreadable   Status.md: the note could not be read ({os.strerror(errno.EACCES)}); "
        "check its permissions" in output
    )
    # Its tasks stay counted (as last read), the other change goes through.
    assert totals(vault) == (done + 1, total)
    monkeypatch.undo()
    # Readable again (same size and mtime, as after a chmod): read, not trusted as unchanged.
    assert sync(vault)[0] == 0
    assert totals(vault) == (done + 1, total + 1)


def test_a_new_note_unreadable_at_first_is_read_once_it_can_be(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, total = totals(vault)
    (vault / "Locked.md").write_text("- [ ] a task in a note being synced in\n")
    unreadable(monkeypatch, vault / "Locked.md")
    code, output = sync(vault)
    assert code == 0 and "unreadable   Locked.md" in output
    monkeypatch.undo()
    assert sync(vault)[0] == 0
    assert totals(vault) == (done, total + 1)


def test_a_region_note_that_cannot_be_read_is_not_written(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_topic(vault)
    before = (vault / "Plan.md").read_bytes()
    unreadable(monkeypatch, vault / "Plan.md")
    code, output = sync(vault)
    assert code == 1
    assert f"error        Plan.md: could not read Plan.md: {os.strerror(errno.EACCES)}" in output
    monkeypatch.undo()
    assert (vault / "Plan.md").read_bytes() == before


def test_a_folder_in_place_of_a_region_note(vault: Path) -> None:
    plan = vault / "Plan.md"
    plan.rename(vault / "Plan.bak")
    plan.mkdir()
    code, output = sync(vault)
    assert code == 1
    assert "error        Plan.md: Plan.md is not a note (it is a folder)" in output
    assert plan.is_dir() and not list(plan.iterdir())


# -- the disk is full --------------------------------------------------------------------------


def disk_full(*args: object) -> None:
    raise OSError(errno.ENOSPC, ENOSPC)


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_a_full_disk_leaves_every_file_as_it_was(
    vault: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    tick(vault)
    edit_topic(vault)
    before = snapshot(vault)
    monkeypatch.setattr(os, call, disk_full)
    code, output = sync(vault)
    monkeypatch.undo()
    assert code == 1
    for rel in ("Dashboards/Status.md", "Plan.md"):
        assert f"error        {rel}: could not write {Path(rel).name}: {ENOSPC}; " in output
    assert "the file is unchanged" in output
    assert snapshot(vault) == before  # no temp file either
    assert sync(vault)[0] == 0  # space freed: the next run catches up
    assert sync(vault, "--check")[0] == 0


def test_a_full_disk_while_saving_the_backup_means_no_overwrite(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = vault / "Plan.md"
    edited = plan.read_text(encoding="utf-8").replace("4 topics.", "4 topics, by hand.")
    plan.write_text(edited, encoding="utf-8")
    edit_topic(vault)
    real_open = Path.open

    def open_fails_for_backups(self: Path, *args: object, **kwargs: object) -> object:
        if ".vaultkit/backups" in self.as_posix():
            raise OSError(errno.ENOSPC, ENOSPC)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", open_fails_for_backups)
    code, output = sync(vault, "--force")
    monkeypatch.undo()
    assert code == 1
    assert "could not save a backup of Plan.md" in output and "nothing was written" in output
    assert plan.read_text(encoding="utf-8") == edited


def test_the_watcher_survives_a_full_disk(
    vault: Path, watcher: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = len(watcher.reports)
    monkeypatch.setattr(os, "write", disk_full)
    tick(vault)
    wait_until(lambda: ENOSPC in log_text(watcher))
    monkeypatch.undo()
    assert "could not write Status.md" in log_text(watcher)
    # Space is back: the next save goes through.
    tick(vault, task=next_open_task(vault / "Status.md"))
    watcher.wait_for_sync(seen, wrote_status)
