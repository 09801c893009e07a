"""Issue 13, "never lose a save": confinement everywhere, and hostile file-system input.

Folders vaultkit writes into (``.vaultkit/``, its backups) that lead out of the vault, a
``watch --log-file`` inside the vault, a watched vault that is moved away, and the hook or a
sync meeting FIFOs, sockets, devices, folders and names that are not UTF-8. Whatever can
block (opening a FIFO) runs the real CLI in a subprocess with a timeout.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import installed, vaultkit_executable
from tests.support.region_vault import disable_quiet_period
from tests.support.vault_edits import tick_leetcode, totals
from tests.support.watching import DEBOUNCE_MS, Running, wait_until
from vaultkit.errors import VaultkitError
from vaultkit.live.watch import run_watch
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths

TIMEOUT = 20
"""Seconds any subprocess may take: a hang fails the test instead of stalling the suite."""


def cli(
    *args: str | bytes, cwd: Path | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=cwd, timeout=timeout)


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, relative, sorted: what was written there."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def edit_region_by_hand(vault: Path) -> None:
    """A hand edit inside Plan.md's region and a ticked task: --force backs up two files."""
    plan = vault / "Plan.md"
    before, region = plan.read_text(encoding="utf-8").split("%% vaultkit:begin topics %%")
    edited = region.replace("[[Rust]]", "[[Rust]] (mine)", 1)
    assert edited != region
    plan.write_text(f"{before}%% vaultkit:begin topics %%{edited}", encoding="utf-8")
    tick_leetcode(vault)


# --- 1. --force backups and init refuse folders leading out of the vault ------------------


@pytest.fixture
def synced(vault: Path) -> Path:
    disable_quiet_period(vault)  # Plan.md is edited by hand just before --force
    run_sync(VaultPaths(vault))
    return vault


def _move_out(vault: Path, rel: str, outside: Path) -> None:
    """Replace the vault's folder ``rel`` with a symbolic link to ``outside`` (its contents
    moved there), as a user keeping it in a dotfiles repository would."""
    folder = vault / rel
    outside.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        for item in folder.iterdir():
            shutil.move(item, outside / item.name)
        folder.rmdir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(outside, target_is_directory=True)


@pytest.mark.parametrize("rel", [".vaultkit", ".vaultkit/backups", ".vaultkit/backups/Dashboards"])
def test_force_refuses_a_backup_folder_leading_out_of_the_vault(
    synced: Path, tmp_path: Path, rel: str
) -> None:
    outside = tmp_path / "outside"
    _move_out(synced, rel, outside)
    before_outside = tree(outside)
    edit_region_by_hand(synced)
    status = (synced / "Dashboards/Status.md").read_bytes()
    plan = (synced / "Plan.md").read_bytes()
    result = cli("sync", str(synced), "--force")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"{synced / rel}: leads outside the vault (to {outside})" in result.stderr
    assert "nothing was written" in result.stderr
    assert tree(outside) == before_outside  # no backup, no folder, nothing
    assert (synced / "Dashboards/Status.md").read_bytes() == status
    assert (synced / "Plan.md").read_bytes() == plan
    # The dry run says the same, and a link that stays inside the vault is fine.
    assert cli("sync", str(synced), "--force", "--dry-run").returncode == 2
    (synced / rel).unlink()
    inside = synced / ".backups-here"
    inside.mkdir()
    (synced / rel).symlink_to(inside, target_is_directory=True)
    if rel == ".vaultkit":
        for item in outside.iterdir():
            shutil.move(item, inside / item.name)
    result = cli("sync", str(synced), "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(p.suffix == ".bak" for p in inside.rglob("*"))
    assert tree(outside) in ([], before_outside)


def test_force_without_links_still_backs_up(synced: Path) -> None:
    edit_region_by_hand(synced)
    report = run_sync(VaultPaths(synced), force=True)
    assert not report.problems
    backups = synced / ".vaultkit" / "backups"
    assert {p.name.split(".")[0] for p in backups.rglob("*.bak")} == {"Plan", "Status"}


def test_init_refuses_a_vaultkit_folder_leading_out_of_the_vault(
    vault: Path, tmp_path: Path
) -> None:
    shutil.rmtree(vault / ".vaultkit")
    outside = tmp_path / "outside"
    outside.mkdir()
    (vault / ".vaultkit").symlink_to(outside, target_is_directory=True)
    result = cli("init", str(vault))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"{vault / '.vaultkit'}: leads outside the vault (to {outside})" in (result.stderr)
    assert tree(outside) == []
    # A dangling link is refused the same way, and nothing is created where it points.
    (vault / ".vaultkit").unlink()
    (vault / ".vaultkit").symlink_to(outside / "missing", target_is_directory=True)
    assert cli("init", str(vault)).returncode == 2
    assert tree(outside) == []
    # A real folder is fine.
    (vault / ".vaultkit").unlink()
    assert cli("init", str(vault)).returncode == 0
    assert (vault / ".vaultkit" / "config.toml").is_file()


# --- 2. watch --log-file inside the vault ---------------------------------------------------


def _watch_in_thread(
    vault: Path, **options: object
) -> tuple[threading.Thread, threading.Event, list[object]]:
    """run_watch in a thread; ``outcome`` gets its return value or the exception it raised."""
    stop = threading.Event()
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(
                run_watch(vault, debounce_ms=DEBOUNCE_MS, stop=stop, **options)  # type: ignore[arg-type]
            )
        except Exception as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, stop, outcome


@pytest.mark.parametrize("rel", ["watch.log", ".vaultkit/watch.log", "Logs/new/watch.log"])
def test_a_log_file_inside_the_vault_is_refused_at_start(synced: Path, rel: str) -> None:
    log = synced / rel
    before = tree(synced)
    thread, stop, outcome = _watch_in_thread(synced, log_file=log)
    # Before the fix the watcher ran, its log lines re-triggering it: stop it whatever happens.
    thread.join(timeout=5)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], VaultkitError), outcome
    assert outcome[0].exit_code == 2
    assert str(outcome[0]).startswith(f"{log}: is inside the vault")
    assert tree(synced) == before  # no log, no folder for it, no dashboard written


def test_cli_refuses_a_log_file_inside_the_vault_even_through_a_link(
    synced: Path, tmp_path: Path
) -> None:
    inside = cli("watch", str(synced), "--log-file", str(synced / "watch.log"))
    assert inside.returncode == 2, inside.stderr
    assert inside.stderr.startswith(f"vaultkit: {synced / 'watch.log'}: is inside the vault")
    assert "put the log outside the vault" in inside.stderr
    assert "Traceback" not in inside.stderr
    # A folder outside the vault that is a link into it is the vault too.
    link = tmp_path / "logs"
    link.symlink_to(synced / "Topics", target_is_directory=True)
    linked = cli("watch", str(synced), "--log-file", str(link / "watch.log"))
    assert linked.returncode == 2, linked.stderr
    assert not (synced / "Topics" / "watch.log").exists()
    # A log that cannot be opened is one line too, not a traceback.
    (tmp_path / "a-file").write_text("")
    blocked = cli("watch", str(synced), "--log-file", str(tmp_path / "a-file" / "watch.log"))
    assert blocked.returncode == 2
    assert "cannot be opened for writing" in blocked.stderr
    assert "Traceback" not in blocked.stderr


def test_a_log_outside_reached_through_a_linked_folder_does_not_retrigger(
    synced: Path, tmp_path: Path
) -> None:
    # The polling observer follows the vault's symlinked folder to the log: each line the
    # watcher logs there is a change it sees. It must not sync (and log) again because of it.
    logs = tmp_path / "logs"
    logs.mkdir()
    (synced / "Logs").symlink_to(logs, target_is_directory=True)
    running = Running(synced, polling=True)
    running.log = logs / "watch.log"
    running.thread = threading.Thread(
        target=lambda: running.result.append(
            run_watch(
                synced,
                debounce_ms=DEBOUNCE_MS,
                log_file=running.log,
                stop=running.stop,
                on_sync=running._record,
                polling=True,
            )
        ),
        daemon=True,
    )
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=20)
        time.sleep(3.5)  # three polls: each would have seen the log grow
        assert len(running.reports) == 1, running.log.read_text(encoding="utf-8")
        # Still awake for real changes.
        tick_leetcode(synced)
        wait_until(lambda: len(running.reports) >= 2)
    finally:
        running.finish()
    logged = running.log.read_text(encoding="utf-8")
    assert len(re.findall(r"\d initial sync: ", logged)) == 1
    assert len(re.findall(r"\d sync: ", logged)) == 1, logged


# --- 3. a watched vault that is moved away ---------------------------------------------------


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_a_moved_vault_is_not_replaced_by_a_new_folder_at_its_path(
    synced: Path, monkeypatch: pytest.MonkeyPatch, polling: bool
) -> None:
    import vaultkit.live.watch

    monkeypatch.setattr(vaultkit.live.watch, "RECONCILE_SECONDS", 0.5)  # look again, often
    running = Running(synced, polling=polling)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=20)
        done, _ = totals(synced)
        moved = synced.with_name("moved vault")
        synced.rename(moved)
        synced.mkdir()  # e.g. a sync client putting the folder back, empty
        # Edits in the moved vault still reach the native observer (inotify follows it).
        tick_leetcode(moved)
        (moved / "New note.md").write_text("- [ ] a task\n", encoding="utf-8")
        time.sleep(2.5)  # reconciles and events come and go: none may write
        assert tree(synced) == []
        logged = running.log.read_text(encoding="utf-8")
        assert logged.count(f"{synced}: is no longer the vault folder") == 1, logged
        assert "stop this watcher and run vaultkit on its new location" in logged
        assert running.thread.is_alive()
        # The same folder back at its path: watched and synced again, without a restart.
        synced.rmdir()
        moved.rename(synced)
        wait_until(lambda: "the vault folder is back" in running.log.read_text("utf-8"))
        wait_until(lambda: totals(synced)[0] == done + 1)  # the tick made while away
        (synced / "Status.md").write_text(
            (synced / "Status.md").read_text("utf-8") + "\n- [x] after the move\n",
            encoding="utf-8",
        )
        wait_until(lambda: totals(synced)[0] == done + 2)
    finally:
        running.finish()


def test_a_vault_that_lost_its_obsidian_folder_is_not_written(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same folder (device and inode), but no longer a vault: e.g. emptied by a sync client.
    # Its config (which `vaultkit init` writes) would keep it a vault, so it goes too.
    import vaultkit.live.watch

    monkeypatch.setattr(vaultkit.live.watch, "RECONCILE_SECONDS", 0.5)
    running = Running(synced)
    running.thread.start()
    try:
        wait_until(lambda: len(running.reports) >= 1, timeout=20)
        shutil.rmtree(synced / ".obsidian")
        (synced / ".vaultkit" / "config.toml").unlink()
        shutil.rmtree(synced / "Dashboards")
        tick_leetcode(synced)
        time.sleep(2.5)
        assert not (synced / "Dashboards").exists()
        assert "is no longer the vault folder" in running.log.read_text("utf-8")
    finally:
        running.finish()


# --- 4. the hook and sync never open what is not a regular file ------------------------------


def snapshot(vault: Path) -> dict[str, int]:
    return {
        p.relative_to(vault).as_posix(): p.lstat().st_mtime_ns
        for p in vault.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def _special(vault: Path, kind: str, stack: contextlib.ExitStack) -> Path:
    """A ``.md`` name in the vault that is not a regular file."""
    path = vault / f"{kind}.md"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = stack.enter_context(socket.socket(socket.AF_UNIX))
        server.bind(str(path))
    elif kind == "device":
        path.symlink_to("/dev/zero")  # reading it never ends
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and Unix sockets")
@pytest.mark.parametrize("kind", ["fifo", "socket", "device", "folder"])
@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_the_hook_never_opens_what_is_not_a_regular_file(
    synced: Path, kind: str, form: str
) -> None:
    with contextlib.ExitStack() as stack:
        path = _special(synced, kind, stack)
        before = snapshot(synced)
        given = str(path) if form == "absolute" else path.name
        result = cli("hook", str(synced), "--file", given, cwd=synced)
        # Not a note: silent, exit 0, like a picture or a file in .obsidian/.
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        assert snapshot(synced) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_sync_and_the_full_hook_skip_a_fifo_named_like_a_note(synced: Path) -> None:
    os.mkfifo(synced / "Topics" / "pipe.md")
    (synced / "zero.md").symlink_to("/dev/zero")
    tick_leetcode(synced)
    result = cli("sync", str(synced))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote        Dashboards/Status.md" in result.stdout
    assert "skipped      2 file(s)" in result.stdout
    unticked = (
        (synced / "Status.md")
        .read_text("utf-8")
        .replace("- [x] One Leetcode medium", "- [ ] One Leetcode medium")
    )
    (synced / "Status.md").write_text(unticked, encoding="utf-8")
    hooked = cli("hook", str(synced))
    assert hooked.returncode == 0, hooked.stderr
    assert "wrote Dashboards/Status.md" in hooked.stderr
    doctor = cli("doctor", "--vault", str(synced))
    assert "Topics/pipe.md: 'Topics/pipe.md' is not a regular file" in doctor.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    "rel", [".vaultkit/config.toml", ".obsidian/app.json", ".obsidian/daily-notes.json"]
)
def test_a_fifo_in_place_of_a_settings_file_hangs_nothing(synced: Path, rel: str) -> None:
    (synced / rel).unlink(missing_ok=True)
    os.mkfifo(synced / rel)
    tick_leetcode(synced)
    result = cli("sync", str(synced))
    assert "Traceback" not in result.stderr
    if rel == ".vaultkit/config.toml":
        # The config is vaultkit's own: it must be readable, so this is an error to fix.
        assert result.returncode == 2
        assert result.stderr == (
            "vaultkit: .vaultkit/config.toml: cannot be read: not a regular file\n"
        )
    else:
        # Obsidian's settings are read leniently: their defaults are used.
        assert result.returncode == 0, result.stderr
        assert "wrote        Dashboards/Status.md" in result.stdout
    hooked = cli("hook", str(synced), "--file", str(synced / "Status.md"))
    assert hooked.returncode == result.returncode
    assert "Traceback" not in hooked.stderr
    if rel == ".obsidian/app.json":
        doctor = cli("doctor", "--vault", str(synced))
        assert "Could not read .obsidian/app.json (not a regular file)" in doctor.stdout


# --- 5. a file name that is not UTF-8 ---------------------------------------------------------


def _bytes_cli(*args: bytes, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [os.fsencode(vaultkit_executable()), *args],
        cwd=cwd,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def latin1_names(synced: Path) -> tuple[bytes, list[bytes]]:
    """A note and a folder named in Latin-1 (as an old archive unpacks them)."""
    if sys.platform in ("darwin", "win32"):
        pytest.skip("the file system only stores valid Unicode names")
    vault = os.fsencode(synced)
    notes = [vault + b"/caf\xe9.md", vault + b"/Dossi\xe9r/Note.md"]
    try:
        os.mkdir(vault + b"/Dossi\xe9r")
        for note in notes:
            with open(note, "wb") as handle:
                handle.write(b"- [ ] a task in a Latin-1 named note\n")
    except OSError:
        pytest.skip("cannot create a non-UTF-8 name here")
    return vault, notes


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_the_hook_names_a_non_utf8_note_readably_and_skips_it_as_sync_does(
    latin1_names: tuple[bytes, list[bytes]], which: int, form: str
) -> None:
    vault, notes = latin1_names
    note = notes[which]
    given = note if form == "absolute" else note[len(vault) + 1 :]
    before = snapshot(Path(os.fsdecode(vault)))
    result = _bytes_cli(b"hook", vault, b"--file", given, cwd=Path(os.fsdecode(vault)))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    shown = note[len(vault) + 1 :].decode("utf-8", "backslashreplace")
    assert result.stderr.decode("ascii") == (
        f"vaultkit: {shown}: the name is not valid UTF-8, so this note is left out of the "
        "dashboards (as vaultkit sync does); rename it\n"
    )
    assert snapshot(Path(os.fsdecode(vault))) == before
    # vaultkit sync agrees: the note is skipped, named the same way by doctor.
    synced = _bytes_cli(b"sync", vault)
    assert synced.returncode == 0, synced.stderr
    assert b"skipped      2 file(s)" in synced.stdout
    doctor = _bytes_cli(b"doctor", b"--vault", vault)
    shown_skip = shown if which == 0 else shown.split("/")[0]
    assert f"  {shown_skip}: The name of '{shown_skip}' is not valid UTF-8".encode() in (
        doctor.stdout
    )


def test_the_hook_names_a_non_utf8_path_outside_the_vault_readably(
    latin1_names: tuple[bytes, list[bytes]], tmp_path: Path
) -> None:
    vault, _ = latin1_names
    outside = os.fsencode(tmp_path) + b"/ailleurs-\xe9.md"
    result = _bytes_cli(b"hook", vault, b"--file", outside)
    assert result.returncode == 2
    assert result.stderr.startswith(b"vaultkit: " + os.fsencode(tmp_path) + b"/ailleurs-\\xe9.md: ")
    assert b"Traceback" not in result.stderr


# --- 6. a folder that cannot be listed --------------------------------------------------------


def _unlistable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``os.scandir`` refuse folders named ``name``, as chmod 000 would.

    Simulated: these tests run as root here, and root lists any folder whatever its mode.
    """
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unlistable_folder_is_named_as_such_not_as_a_conflict_copy(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultkit.cli.main import run

    (synced / "Status.sync-conflict-20261122-101500-ABCDEF1.md").write_text("x", "utf-8")
    _unlistable(monkeypatch, "Topics")
    out, err = io.StringIO(), io.StringIO()
    code = run(["sync", str(synced)], out, err)
    assert code == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert (
        "unreadable   Topics/: cannot list this folder (Permission denied), so nothing in it "
        "is in the dashboards; check the folder's permissions"
    ) in lines
    # The conflict copy is still counted apart, and the folder is not among them.
    assert any(line.startswith("skipped      1 file(s) left out") for line in lines), lines
    # Only the folder that cannot be listed: nothing to say about conflict copies.
    (synced / "Status.sync-conflict-20261122-101500-ABCDEF1.md").unlink()
    out = io.StringIO()
    assert run(["sync", str(synced)], out, err) == 0
    assert "Topics/: cannot list this folder" in out.getvalue()
    assert "conflict copies" not in out.getvalue()


def test_the_watcher_logs_an_unlistable_folder_by_name(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultkit.sync.outcome import log_line, sync_outcome

    _unlistable(monkeypatch, "Daily")
    report = run_sync(VaultPaths(synced))
    assert report.unlistable == [("Daily", "Permission denied")]
    assert "; unreadable Daily/: cannot list this folder (Permission denied), " in log_line(
        sync_outcome(report, synced)
    )
