"""What vaultkit finds where it writes (design 8.10-8.13), through the real commands.

A note being typed in is not written into until it has been quiet: ``sync`` reports it as
deferred, the hook waits for it (unless a newer save supersedes the wait), the watcher comes
back to it. A rewritten note keeps its owner, group, mode and extended attributes; a
hard-linked note, a FIFO, a symlink loop, or a dashboards folder swapped for a link out of the
vault halfway through a sync are reported and left alone, never a traceback or a hang.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.cli import cli as in_process
from tests.support.cli import installed
from tests.support.region_vault import disable_quiet_period
from tests.support.watching import Running, wait_until
from vaultkit.sync import writes as sync_writes
from vaultkit.sync.result import SyncResult
from vaultkit.writeback.plan import Planned

TIMEOUT = 30


def cli(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=vault, timeout=TIMEOUT)


def set_quiet(vault: Path, seconds: float) -> None:
    config = vault / ".vaultkit/config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[vault]\n", f"[vault]\nquiet_seconds = {seconds}\n", 1))


def add_rust_task(vault: Path, text: str = "One more Rust task") -> None:
    """A change that makes Plan.md's topics region stale."""
    path = vault / "Topics/Rust.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n- [ ] {text}\n", encoding="utf-8")


def type_in_plan(vault: Path, words: str) -> bytes:
    """The user types a line into Plan.md (outside its region) and Obsidian saves it."""
    plan = vault / "Plan.md"
    data = plan.read_bytes().replace(b"# ", f"{words}\n\n# ".encode(), 1)
    plan.write_bytes(data)
    return data


def topics_region(vault: Path) -> str:
    text = (vault / "Plan.md").read_text(encoding="utf-8")
    return text[text.index("%% vaultkit:begin topics") : text.index("%% vaultkit:end topics")]


@pytest.fixture(autouse=True)
def first_sync(vault: Path) -> None:
    disable_quiet_period(vault)
    assert in_process("sync", str(vault))[0] == 0
    config = vault / ".vaultkit/config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("quiet_seconds = 0\n", ""))


# -- the quiet period --------------------------------------------------------------------------


def test_sync_defers_a_note_being_typed_in_and_says_so(vault: Path) -> None:
    add_rust_task(vault)
    typed = type_in_plan(vault, "Typed a moment ago.")
    result = cli(vault, "sync", str(vault), "--json")
    assert result.returncode == 0, result.stdout + result.stderr  # not an error, not a conflict
    files = {item["path"]: item for item in json.loads(result.stdout)["files"]}
    assert files["Plan.md"]["status"] == "deferred"
    assert "once it has been left alone for 5 s" in files["Plan.md"]["message"]
    assert (vault / "Plan.md").read_bytes() == typed
    text = cli(vault, "sync", str(vault)).stdout
    assert "deferred     Plan.md: Plan.md was changed" in text and "1 deferred" in text


def test_the_hook_waits_for_the_quiet_period_then_writes(vault: Path) -> None:
    set_quiet(vault, 1.5)
    add_rust_task(vault)
    typed = type_in_plan(vault, "Typed a moment ago.")
    started = time.monotonic()
    result = cli(vault, "hook", str(vault), "--file", str(vault / "Topics/Rust.md"))
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr and "Plan.md" in result.stderr
    assert took >= 1.0, "the hook wrote into the note while it was being typed in"
    data = (vault / "Plan.md").read_bytes()
    assert b"Typed a moment ago." in data and "One more Rust task" not in topics_region(vault)
    assert data != typed  # its region was updated around the user's text


def test_a_newer_save_takes_over_from_a_waiting_hook(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic: the newer save lands exactly while the hook waits out the quiet period
    (a thread that slept a fixed time missed that window on a loaded machine)."""
    import vaultkit.live.hook as hook_module

    set_quiet(vault, 1.5)
    add_rust_task(vault)
    type_in_plan(vault, "Typed a moment ago.")
    later: list[bytes] = []
    waiting = hook_module._wait_for_quiet

    sleep = time.sleep

    def save_then_sleep(seconds: float) -> None:
        later.append(type_in_plan(vault, "Typed while the hook waited."))
        sleep(seconds)

    def save_while_waiting(result: SyncResult) -> bool:
        assert [item.path.name for item in result.deferred] == ["Plan.md"]
        # The save lands inside the wait: after the hook looked at the note, before it looks
        # again.
        with monkeypatch.context() as during:
            during.setattr(time, "sleep", save_then_sleep)
            return waiting(result)

    monkeypatch.setattr(hook_module, "_wait_for_quiet", save_while_waiting)
    code, text = in_process("hook", str(vault), "--file", str(vault / "Topics/Rust.md"))
    assert code == 0, text
    assert len(later) == 1
    assert "Plan.md" not in text  # that save's own hook call writes it
    assert (vault / "Plan.md").read_bytes() == later[0]


def test_the_watcher_writes_a_deferred_note_once_it_is_quiet(vault: Path) -> None:
    set_quiet(vault, 1.0)
    running = Running(vault)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=20)
        type_in_plan(vault, "Typed while watching.")
        add_rust_task(vault)
        wait_until(lambda: "deferred Plan.md" in running.log.read_text(), timeout=20)
        wait_until(lambda: "quiet again" in running.log.read_text(), timeout=20)
        wait_until(lambda: "wrote Plan.md" in running.log.read_text(), timeout=20)
    finally:
        running.stop.set()
        running.thread.join(timeout=10)
    assert b"Typed while watching." in (vault / "Plan.md").read_bytes()
    assert in_process("sync", str(vault), "--check")[0] == 0


# -- metadata ----------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown needs root")
def test_a_rewritten_note_keeps_owner_group_mode_and_xattrs(vault: Path) -> None:
    disable_quiet_period(vault)
    plan = vault / "Plan.md"
    os.chown(plan, 4321, 8765)
    plan.chmod(0o604)
    try:
        os.setxattr(plan, "user.vaultkit-test", b"kept")
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            pytest.skip("this file system keeps no user extended attributes")
        raise
    before = plan.stat()
    add_rust_task(vault)
    code, output = in_process("sync", str(vault))
    assert code == 0, output
    after = plan.stat()
    assert after.st_ino != before.st_ino, "the note was not rewritten"
    assert (after.st_uid, after.st_gid) == (4321, 8765)
    assert stat.S_IMODE(after.st_mode) == 0o604
    assert os.getxattr(plan, "user.vaultkit-test") == b"kept"


def test_a_hard_linked_note_is_reported_and_left_alone(vault: Path) -> None:
    disable_quiet_period(vault)
    plan = vault / "Plan.md"
    twin = vault.parent / "Plan twin.md"
    os.link(plan, twin)
    before = plan.read_bytes()
    add_rust_task(vault)
    code, output = in_process("sync", str(vault))
    assert code == 1
    assert "error        Plan.md: Plan.md has 2 hard links" in output
    assert plan.read_bytes() == before and os.path.samefile(plan, twin)


# -- what is not a note ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_at_a_target_is_never_opened(vault: Path) -> None:
    status = vault / "Dashboards/Status.md"
    status.unlink()
    os.mkfifo(status)
    (vault / "Status.md").write_text("- [ ] a task that makes Status stale\n", encoding="utf-8")
    result = cli(vault, "sync", str(vault))  # a hang fails by the timeout
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "Dashboards/Status.md: Status.md is not a note (it is a FIFO (named pipe))" in (
        result.stdout
    )
    assert stat.S_ISFIFO(os.lstat(status).st_mode)


def test_a_symlink_loop_at_a_target_is_an_error_not_a_traceback(vault: Path) -> None:
    status = vault / "Dashboards/Status.md"
    status.unlink()
    status.symlink_to(status)
    (vault / "Status.md").write_text("- [ ] a task that makes Status stale\n", encoding="utf-8")
    result = cli(vault, "sync", str(vault))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "error        Dashboards/Status.md: could not read Status.md: Too many levels" in (
        result.stdout
    )
    assert status.is_symlink()


def test_dashboards_swapped_for_a_link_out_of_the_vault_mid_sync(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (vault / "Status.md").write_text("- [ ] a task that makes Status stale\n", encoding="utf-8")
    real_apply = sync_writes.apply  # type: ignore[attr-defined]

    def swap_then_apply(planned: Planned, **kwargs: object) -> Planned:
        dashboards = vault / "Dashboards"
        if not dashboards.is_symlink():
            # Between planning and writing, another program swaps the folder for a link.
            dashboards.rename(vault / "Dashboards.moved")
            dashboards.symlink_to(outside, target_is_directory=True)
        return real_apply(planned, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_writes, "apply", swap_then_apply)
    code, output = in_process("sync", str(vault))
    assert code == 1
    assert "leads outside the vault" in output
    assert list(outside.iterdir()) == []
