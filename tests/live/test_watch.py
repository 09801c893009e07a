"""``vaultkit watch`` with a real watchdog observer on a temporary copy of the example vault.

Every wait is on a condition with a timeout; the only fixed pause is the "nothing happens
for 2 s" check, which cannot be phrased any other way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.vault_edits import tick_leetcode, totals
from tests.support.watching import DEBOUNCE_MS, Running, wait_until
from vaultkit.errors import ExitStatus
from vaultkit.live.events import ChangeRecorder, is_ignored
from vaultkit.live.watch import _Watcher, run_watch
from vaultkit.live.watch_log import WatchLog
from vaultkit.sync.lock import VaultBusyError
from vaultkit.sync.result import SyncResult
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import WriteStatus

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "example_vault"


@pytest.fixture
def watching(vault: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**options: object) -> Running:
        running = Running(vault, **options)
        started.append(running)
        running.thread.start()
        wait_until(lambda: len(running.reports) >= 1, timeout=20)  # the initial sync
        return running

    yield start
    for running in started:
        running.finish()


def wrote(report: SyncResult, rel: str) -> bool:
    return any(
        r.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) and r.path.name == Path(rel).name
        for r in report.results
    )


def test_ignored_paths() -> None:
    assert is_ignored(".obsidian/workspace.json")
    assert is_ignored(".trash/Old.md")
    assert is_ignored(".git/index")
    assert is_ignored(".vaultkit/backups/Status.md")
    assert is_ignored("Dashboards/.Status.1a2b3c4d.vaultkit-tmp")
    assert not is_ignored(".obsidian/app.json")
    assert not is_ignored(".vaultkit/config.toml")
    assert not is_ignored(".vaultkit/templates/status.md.j2")
    assert not is_ignored(".vaultkit")
    # vaultkit's own writing there: the vault lock, and an index the config keeps there.
    assert is_ignored(".vaultkit/lock")
    assert is_ignored(".vaultkit/index.sqlite3")
    assert is_ignored(".vaultkit/index.sqlite3-wal")
    assert not is_ignored("Topics/Rust.md")


def test_edit_updates_dashboard_and_does_not_loop(
    vault: Path, watching: Callable[..., Running]
) -> None:
    running = watching()
    assert totals(vault) == (59, 124)
    before = len(running.reports)
    saved = time.monotonic()
    tick_leetcode(vault)
    report = running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    latency_ms = (running.times[running.reports.index(report)] - saved) * 1000
    print(f"save → dashboard written: {latency_ms:.0f} ms (debounce {DEBOUNCE_MS} ms)")
    assert totals(vault) == (60, 124)
    assert "Status.md" in report.index.parsed

    # Its own writes (temp file + rename over the dashboard) must not start another sync.
    count = len(running.reports)
    mtime = (vault / "Dashboards/Status.md").stat().st_mtime_ns
    time.sleep(2)
    assert len(running.reports) == count
    assert (vault / "Dashboards/Status.md").stat().st_mtime_ns == mtime
    assert "1 note changed (Status.md); wrote Dashboards/Status.md" in running.log.read_text(
        encoding="utf-8"
    )


def test_the_dashboards_folder_the_first_sync_creates_is_no_change(
    vault: Path, watching: Callable[..., Running]
) -> None:
    """The initial sync of a vault without dashboards creates their folder: that folder's
    event is vaultkit's own write, as its files' events are, and starts no sync (it used to
    log one more, "no note changed; nothing to write")."""
    shutil.rmtree(vault / "Dashboards")
    running = watching()
    assert wrote(running.reports[0], "Dashboards/Status.md")
    time.sleep(2)
    assert len(running.reports) == 1
    # A change in that folder that is not vaultkit's is news: a note saved there.
    (vault / "Dashboards/Scratch.md").write_text("- [ ] sort the inbox\n", encoding="utf-8")
    report = running.wait_for_sync(1, lambda r: "Dashboards/Scratch.md" in r.index.parsed)
    assert wrote(report, "Dashboards/Status.md")
    log = running.log.read_text(encoding="utf-8")
    assert "nothing to write" not in log


def test_a_folder_is_vaultkits_own_only_while_it_holds_only_its_writes(vault: Path) -> None:
    folder = vault / "Made"
    (folder / "Inner").mkdir(parents=True)
    written = {"Made/Status.md": b"# Status\n", "Made/Inner/Topics.md": b"# Topics\n"}
    watcher = _Watcher(VaultPaths(vault), ChangeRecorder(vault), WatchLog(None), None)
    for rel, data in written.items():
        (vault / rel).write_bytes(data)
        watcher.written[rel] = hashlib.sha256(data).digest()
    assert watcher.is_own_folder("Made")
    assert watcher.is_own_folder("Made/Inner")
    (vault / "Made/Inner/Topics.md").write_bytes(b"# Topics, edited\n")
    assert not watcher.is_own_folder("Made")  # a file no longer as vaultkit wrote it
    (vault / "Made/Inner/Topics.md").write_bytes(b"# Topics\n")
    (vault / "Made/Inner/Note.md").write_text("a note\n", encoding="utf-8")
    assert not watcher.is_own_folder("Made")  # a file vaultkit did not write
    (vault / "Made/Inner/Note.md").unlink()
    assert watcher.is_own_folder("Made")
    (vault / "Empty").mkdir()
    assert not watcher.is_own_folder("Empty")
    assert not watcher.is_own_folder("Gone")


def test_the_index_log_is_checkpointed_after_each_sync_not_inside_it(
    vault: Path, watching: Callable[..., Running]
) -> None:
    """The watcher copies the index's log into the file after logging a sync (a checkpoint
    inside the sync cost ~45 ms of a 100-note folder's rename at 10,000 notes): between
    syncs it holds the index open with an empty log, and lets go of it when it stops."""
    running = watching()
    log = Path(f"{VaultPaths(vault).index.path}-wal")
    # Closed by its last connection, the log would be gone after each sync.
    wait_until(lambda: log.exists() and log.stat().st_size == 0, timeout=10)
    before = len(running.reports)
    tick_leetcode(vault)
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    wait_until(lambda: log.stat().st_size == 0, timeout=10)
    assert totals(vault) == (60, 124)
    running.finish()
    assert not log.exists()


def test_rename_updates_link_health(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    health = vault / "Dashboards/Link health.md"
    assert "1 unresolved" in health.read_text(encoding="utf-8")
    before = len(running.reports)
    (vault / "Topics/Rust.md").rename(vault / "Topics/Rustlang.md")
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Link health.md"))
    text = health.read_text(encoding="utf-8")
    assert "1 unresolved" not in text
    assert "[[Rust]]" in text


def test_delete_removes_tasks(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    assert "Small grep clone" in (vault / "Dashboards/Status.md").read_text(encoding="utf-8")
    before = len(running.reports)
    (vault / "Topics/Rust.md").unlink()
    report = running.wait_for_sync(before, lambda r: "Topics/Rust.md" in r.index.removed)
    assert wrote(report, "Dashboards/Status.md")
    assert "Small grep clone" not in (vault / "Dashboards/Status.md").read_text(encoding="utf-8")
    assert totals(vault)[1] < 124


def test_a_new_day_is_rendered_by_the_reconcile(
    vault: Path, watching: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing happens at midnight but the date: the sync the watcher makes after a quiet
    # while renders the dashboards that read it.
    monkeypatch.setattr("vaultkit.live.watch.RECONCILE_SECONDS", 0.5)
    running = watching()
    status = vault / "Dashboards/Status.md"
    before_text = status.read_text(encoding="utf-8")
    before = len(running.reports)
    monkeypatch.setenv("VAULTKIT_TODAY", "2027-06-01")
    report = running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    assert "status" in report.rendered and "topics" not in report.rendered
    assert report.index.parsed == [] and status.read_text(encoding="utf-8") != before_text


def test_burst_of_2000_notes_is_coalesced(vault: Path, watching: Callable[..., Running]) -> None:
    # 2,000 new tasks grow the Status dashboard 50-fold: past the default guard rail.
    config = vault / ".vaultkit/config.toml"
    text = config.read_text("utf-8").replace("[vault]\n", "[vault]\nmax_growth = 100\n", 1)
    assert "max_growth = 100" in text
    config.write_text(text, "utf-8")
    running = watching()
    done, total = totals(vault)
    before = len(running.reports)
    folder = vault / "Burst"
    folder.mkdir()
    for n in range(2000):
        (folder / f"Note {n:04d}.md").write_text(f"# Note {n}\n\n- [ ] task {n}\n", "utf-8")
    expected = {f"Burst/Note {n:04d}.md" for n in range(2000)}

    def burst_parsed() -> set[str]:
        parsed = (path for r in running.reports[before:] for path in r.index.parsed)
        return {path for path in parsed if path.startswith("Burst/")}

    wait_until(lambda: burst_parsed() == expected)
    assert len(running.reports) - before <= 5
    assert totals(vault) == (done, total + 2000)


def test_broken_yaml_does_not_stop_the_watcher(
    vault: Path, watching: Callable[..., Running]
) -> None:
    running = watching()
    before = len(running.reports)
    (vault / "Broken.md").write_text(
        "---\ntitle: [unclosed\ntags: {a: \n---\n- [ ] still a task\n", encoding="utf-8"
    )
    running.wait_for_sync(before, lambda r: "Broken.md" in r.index.parsed)
    before = len(running.reports)
    tick_leetcode(vault)
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    assert totals(vault)[0] == 60


def test_broken_config_is_reported_and_recovered(
    vault: Path, watching: Callable[..., Running]
) -> None:
    running = watching()
    config = vault / ".vaultkit/config.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "\n[vault\n", encoding="utf-8")
    wait_until(lambda: "config error" in running.log.read_text(encoding="utf-8"))
    assert "keeping the last good config" in running.log.read_text(encoding="utf-8")
    # While the config is broken, edits are still synced with the last good config.
    before = len(running.reports)
    tick_leetcode(vault)
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    before = len(running.reports)
    config.write_text(good + '\n[daily_notes]\nfolder = "Nowhere"\n', encoding="utf-8")
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Habits.md"))
    assert running.thread.is_alive()


def test_polling_mode(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching(polling=True)
    before = len(running.reports)
    tick_leetcode(vault)
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))
    assert totals(vault) == (60, 124)
    assert "polling" in running.log.read_text(encoding="utf-8")


def test_falls_back_to_polling_when_native_events_fail(
    vault: Path, watching: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    import vaultkit.live.watch

    class Refused:
        """An observer the OS refuses, as inotify does past its watch limit."""

        def schedule(self, *args: object, **kwargs: object) -> None:
            pass

        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

        def stop(self) -> None:
            pass

    monkeypatch.setattr(vaultkit.live.watch, "Observer", Refused)
    running = watching()
    assert "falling back to polling" in running.log.read_text(encoding="utf-8")
    before = len(running.reports)
    tick_leetcode(vault)
    running.wait_for_sync(before, lambda r: wrote(r, "Dashboards/Status.md"))


def test_second_watcher_in_process_is_refused(
    vault: Path, watching: Callable[..., Running]
) -> None:
    watching()
    with pytest.raises(VaultBusyError):
        run_watch(vault, debounce_ms=DEBOUNCE_MS, stop=threading.Event())


def test_handler_follows_moves_and_skips_noise(vault: Path) -> None:
    from watchdog.events import DirModifiedEvent, FileMovedEvent, FileOpenedEvent

    changes = ChangeRecorder(vault)
    temp = str(vault / "Dashboards/.Status.0a1b2c3d.vaultkit-tmp")
    changes.dispatch(FileMovedEvent(temp, str(vault / "Status.md")))
    changes.dispatch(FileOpenedEvent(str(vault / "Plan.md")))
    changes.dispatch(DirModifiedEvent(str(vault / "Topics")))
    changes.dispatch(FileMovedEvent(str(vault / ".obsidian/w.json"), str(vault / ".trash/x")))
    assert changes.pending == {"Status.md"}


def _cli_has_watch() -> bool:
    from vaultkit.cli import main as cli

    return hasattr(cli, "_watch")


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM semantics are POSIX")
@pytest.mark.skipif(not _cli_has_watch(), reason="the CLI does not wire `vaultkit watch` yet")
def test_cli_watch_sigterm(vault: Path) -> None:
    log = vault.parent / "cli-watch.log"
    env = dict(os.environ, VAULTKIT_DEBUG="1")
    command = [sys.executable, "-m", "vaultkit", "watch", str(vault), "--debounce", "150"]
    with (vault.parent / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(
            [*command, "--log-file", str(log)],
            stderr=err,
            env=env,
        )
        try:
            wait_until(lambda: log.exists() and "initial sync" in log.read_text("utf-8"), 20)
            # A second watcher, in another process, is refused by the vault lock, with the
            # status the service files do not restart on.
            second = subprocess.run(
                [sys.executable, "-m", "vaultkit", "watch", str(vault)],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
            )
            assert second.returncode == ExitStatus.ALREADY_WATCHED
            assert "watch, pid" in second.stderr
            tick_leetcode(vault)
            wait_until(lambda: totals(vault) == (60, 124))
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "stopped" in log.read_text(encoding="utf-8")
    assert not list(vault.rglob("*.vaultkit-tmp"))
