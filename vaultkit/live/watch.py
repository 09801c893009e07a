"""``vaultkit watch``: keep the dashboards current while the user writes (design section 9).

This module owns the watch loop: the vault lock held for the watcher's life, a watchdog
observer (native, or polling) whose events :mod:`vaultkit.live.events` filters, the debounce
that coalesces a burst into one incremental sync, the echo filter that keeps the watcher from
reacting to its own writes, the periodic reconcile, and the one-line-per-sync log
(:mod:`vaultkit.live.watch_log`). It decides *when* to sync; :func:`vaultkit.sync.run.run_sync` (and
the index's stat+hash) decides *what* changed, so events are only hints (field lessons B11).

Two guards keep the watcher from writing where it should not (issue 13):

* ``--log-file`` inside the vault is refused at start: every line logged would be a change
  to watch, so the watcher would trigger itself for ever, and sync services would copy a
  file that changes all the time. A log outside the vault that is still reachable through it
  (a symlinked folder, followed by the polling observer) is ignored by the worker.
* The vault is the folder found at start, identified by device and inode (and, if it had
  one, its ``.obsidian/`` folder). When the folder at the path is no longer that one (moved,
  renamed, replaced, unmounted), the watcher logs one line and writes nothing until the
  same folder is back; it keeps running rather than exiting, because the service files we
  ship restart a watcher that fails, and a restarted one would take whatever folder now
  sits at the path for the vault.

The shape follows mkdocs' livereload: the observer's callback only records paths and
notifies a :class:`threading.Condition`; one worker loop (the caller's thread) waits for a
quiet period and runs the sync. A note the user modified in the last few seconds is not
written into (design 8.10): the sync reports it deferred, and the loop syncs again once it is
quiet.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType

from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from vaultkit.config.load import load_config
from vaultkit.config.schema import Config, VaultSettings
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import ConfigError, ExitStatus, VaultkitError
from vaultkit.index.store import LogKeeper, keep_log
from vaultkit.live.events import ChangeRecorder
from vaultkit.live.folders import burst_changes
from vaultkit.live.watch_log import WatchLog, check_log_file
from vaultkit.sync.lock import VaultBusyError, vault_lock
from vaultkit.sync.outcome import log_line, sync_outcome
from vaultkit.sync.result import SyncResult
from vaultkit.sync.run import run_sync
from vaultkit.vault import is_vault
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import WriteStatus

DEBUG_ENV = "VAULTKIT_DEBUG"
RECONCILE_SECONDS = 60.0
"""After this long without events, sync anyway: the OS may have dropped events."""
POLL_INTERVAL = 1.0
"""Seconds between snapshots in polling mode."""
MAX_DELAY = 10.0
"""Sync after this long even if events never stop (a file rewritten every 100 ms would
otherwise keep restarting the debounce window for ever)."""
WAIT_SLICE = 0.2
"""Longest single wait, so a ``stop`` set from anywhere is seen promptly."""

_watching: set[str] = set()
"""Vaults watched by this process: the vault lock is re-entrant, so it cannot refuse these."""
_watching_guard = threading.Lock()


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_Identity = tuple[int, int, bool]
"""A vault folder's (device, inode, is a vault: holds ``.obsidian/`` or was made one by init)."""


def _identity(vault: Path) -> _Identity | str:
    """The folder's identity, or why it cannot be had (e.g. ``No such file or directory``)."""
    try:
        found = os.stat(vault)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return found.st_dev, found.st_ino, is_vault(vault)


class _Watcher:
    """The worker loop's state: what vaultkit last wrote, and when it last synced."""

    def __init__(
        self,
        paths: VaultPaths,
        changes: ChangeRecorder,
        log: WatchLog,
        on_sync: Callable[[SyncResult], None] | None,
    ) -> None:
        self.paths = paths
        """The vault's paths, for the config in use (see :meth:`sync`)."""
        self.vault = paths.root
        self.changes = changes
        self.log = log
        self.on_sync = on_sync
        self.written: dict[str, bytes] = {}
        """Vault-relative path → hash of the bytes vaultkit last wrote there."""
        self.good_config: Config | None = None
        """The last config that loaded; used while the file on disk is broken."""
        self.last_sync = time.monotonic()
        self.deferred: set[str] = set()
        """Notes the last sync did not write because the user was editing them (design 8.10)."""
        self.retry_at: float | None = None
        """When (``time.time()``) the first of them will have been quiet long enough."""
        self.identity = _identity(self.vault)
        # (Gone already: no folder will ever match, so nothing is written anywhere.)
        """The vault folder this watcher started on; it writes into no other."""
        self.away = False
        """The folder at the vault's path is not :attr:`identity` (moved, replaced, …)."""
        self.on_back: Callable[[], None] | None = None
        """Called when the vault is back at its path (the observer may have stopped)."""
        self.log_file: tuple[str, str] | None = None
        """(name, resolved path) of ``--log-file``: its changes are never news."""
        self.keeper: LogKeeper | None = None
        """Checkpoints the index after each sync, outside the time a change takes to show
        (:class:`vaultkit.index.store.LogKeeper`)."""

    def retry_due(self) -> bool:
        return self.retry_at is not None and time.time() >= self.retry_at

    def is_log(self, rel: str) -> bool:
        """The log file, reached through a symlinked folder of the vault (polling follows)."""
        if self.log_file is None or rel.rsplit("/", 1)[-1] != self.log_file[0]:
            return False
        return os.path.realpath(self.vault / rel) == self.log_file[1]

    def vault_here(self, label: str) -> bool | None:
        """Whether the folder at the vault's path is still the vault this watcher started on
        (None: it is, and it has just come back, so everything must be looked at again)."""
        now, start = _identity(self.vault), self.identity
        same = (
            not isinstance(now, str)
            and not isinstance(start, str)
            and now[:2] == start[:2]
            and (now[2] or not start[2])
        )
        if not same:
            if not self.away:
                self.away = True
                what = (
                    f"the vault folder cannot be read ({now})"
                    if isinstance(now, str)
                    else "is no longer the vault folder this watcher started on (moved, "
                    "renamed, replaced or unmounted)"
                )
                self.log(
                    f"{label}: {self.vault}: {what}, so nothing is written there until that "
                    "folder is back; if it was moved or renamed, stop this watcher and run "
                    "vaultkit on its new location"
                )
            return False
        if self.away:
            self.away = False
            self.log(f"{label}: the vault folder is back at {self.vault}; watching it again")
            if self.on_back is not None:
                self.on_back()
            return None
        return True

    def is_echo(self, rel: str) -> bool:
        """The file still holds exactly what vaultkit wrote: the event is our own write."""
        expected = self.written.get(rel)
        if expected is None:
            return False
        try:
            return _digest((self.vault / rel).read_bytes()) == expected
        except OSError:
            return False  # gone or unreadable: a real change for the index to find

    def is_own_folder(self, rel: str) -> bool:
        """The folder holds files, every one of them still exactly what vaultkit wrote there
        (the dashboards' folder a sync created): the event of its creation is our own write.
        A folder gone, empty, holding a symbolic link or any other file is news."""
        pending = [self.vault / rel]
        holds_files = False
        try:
            while pending:
                with os.scandir(pending.pop()) as listing:
                    for entry in listing:
                        if entry.is_symlink():
                            return False
                        if entry.is_dir():
                            pending.append(Path(entry.path))
                        elif not self.is_echo(Path(entry.path).relative_to(self.vault).as_posix()):
                            return False
                        else:
                            holds_files = True
        except OSError:
            return False
        return holds_files

    def sync(
        self, label: str, *, quiet_if_nothing: bool = False, changed: list[str] | None = None
    ) -> None:
        """One incremental sync; every failure is logged and survived.

        ``changed``: the files the events can have changed, when they can tell (see
        :func:`vaultkit.live.folders.burst_changes`); the sync then looks at those instead of
        walking the vault.
        """
        here = self.vault_here(label)
        if here is False:
            self.last_sync = time.monotonic()  # look again at the next reconcile
            self.deferred, self.retry_at = set(), None  # it retries everything once back
            return
        if here is None:
            changed = None  # events were dropped while it was away: walk the vault
        try:
            config = load_config(self.vault, BUILTINS)
            self.good_config = config
        except ConfigError as exc:
            # A half-typed config is normal while the user edits it: keep syncing with the
            # last good one until the next good save.
            if self.good_config is None:
                self.log(f"{label}: config error, dashboards not updated: {exc}")
                return
            self.log(f"{label}: config error, keeping the last good config: {exc}")
            config = self.good_config
        # The paths stay those decided at start unless the user moves the index in the config.
        self.paths = self.paths.with_index_setting(config.vault.index)
        synced = False
        try:
            # This process already holds the vault lock for the watcher's life.
            result = run_sync(self.paths, lock=False, config=config, changed=changed)
            synced = True
        except ConfigError as exc:
            self.log(f"{label}: config error, dashboards not updated: {exc}")
            return
        except VaultkitError as exc:  # the message already says what is wrong and what to do
            self.log(f"{label} failed: {exc}")
            return
        except Exception as exc:  # one bad sync must not stop the watcher
            self.log(f"{label} failed: {type(exc).__name__}: {exc}")
            if os.environ.get(DEBUG_ENV) == "1":
                traceback.print_exc()
            return
        finally:
            self.last_sync = time.monotonic()
            if not synced and self.keeper is not None:
                # Let go of the index: the next sync may have to delete a damaged one, which
                # a file held open prevents on Windows.
                self.keeper.release()
        # Every sync plans every stale dashboard again, so it retries what was deferred before.
        self.deferred, self.retry_at = set(), None
        for item in result.results:
            rel = item.path.relative_to(self.vault).as_posix()
            if item.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) and item.new is not None:
                self.written[rel] = _digest(item.new)
            elif item.status is WriteStatus.DEFERRED:
                self.deferred.add(rel)
                at = item.retry_at if item.retry_at is not None else time.time()
                self.retry_at = at if self.retry_at is None else min(self.retry_at, at)
        wrote = result.count(WriteStatus.WRITTEN, WriteStatus.CREATED)
        if not (quiet_if_nothing and not result.index.changed and not wrote):
            self.log(f"{label}: {log_line(sync_outcome(result, self.vault))}")
        if self.on_sync is not None:
            self.on_sync(result)
        if self.keeper is not None:
            self.keeper.after_sync(self.paths.index.path)

    def wait_for_burst(
        self, debounce: float, stop: threading.Event
    ) -> tuple[set[str], set[str]] | None:
        """Block until events settle (trailing window) and return their paths, and which of
        them are folders.

        None when it is time for a reconcile or a deferred write (:meth:`retry_due`), or
        ``stop`` was set.
        """
        cond = self.changes.cond
        with cond:
            while not stop.is_set():
                now = time.monotonic()
                if self.changes.pending:
                    quiet_at = self.changes.last_event + debounce
                    cap_at = self.changes.first_event + max(MAX_DELAY, debounce)
                    remaining = min(quiet_at, cap_at) - now
                    if remaining <= 0:
                        return self.changes.take()
                else:
                    remaining = self.last_sync + RECONCILE_SECONDS - now
                    if self.retry_at is not None:
                        remaining = min(remaining, self.retry_at - time.time())
                    if remaining <= 0:
                        return None
                cond.wait(min(remaining, WAIT_SLICE))
        return None

    def loop(self, debounce: float, stop: threading.Event) -> None:
        while not stop.is_set():
            burst = self.wait_for_burst(debounce, stop)
            if stop.is_set():
                break
            if burst is None:
                if self.retry_due():
                    # The notes are quiet now; they are unchanged in the index, so the sync
                    # only plans their stale regions again.
                    self.sync("quiet again", changed=sorted(self.deferred))
                else:
                    self.sync("reconcile", quiet_if_nothing=True)
                continue
            changed, folders = burst
            # Hashing here, not in the observer's thread, keeps the callback trivial.
            real = sorted(
                p
                for p in changed
                if not self.is_echo(p)
                and not self.is_log(p)
                and not (p in folders and self.is_own_folder(p))
            )
            if real:
                self.sync("sync", changed=burst_changes(self.paths, real, folders & set(real)))


def _start_observer(
    vault: Path, handler: ChangeRecorder, *, polling: bool, log: WatchLog
) -> BaseObserver:
    if not polling:
        observer: BaseObserver = Observer()
        try:
            observer.schedule(handler, str(vault), recursive=True)
            observer.start()
            return observer
        except OSError as exc:
            # Linux refuses more inotify watches or instances without root to raise the
            # limit (field lessons B11): polling is slower but always works.
            log(f"native file events unavailable ({exc}); falling back to polling")
            observer.stop()
    observer = PollingObserver(timeout=POLL_INTERVAL)
    observer.schedule(handler, str(vault), recursive=True)
    observer.start()
    return observer


@contextmanager
def _signals_set(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop``; Python only allows handlers in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _only_watcher(vault: Path) -> Iterator[None]:
    key = str(vault)
    with _watching_guard:
        if key in _watching:
            raise VaultBusyError(vault, {"pid": os.getpid(), "purpose": "watch"})
        _watching.add(key)
    try:
        yield
    finally:
        with _watching_guard:
            _watching.discard(key)


class AlreadyWatchedError(VaultBusyError):
    """Another ``vaultkit watch`` keeps this vault current: this one exits with its own status
    (:attr:`ExitStatus.ALREADY_WATCHED`), which the service files do not restart on."""

    exit_code = ExitStatus.ALREADY_WATCHED


@contextmanager
def _sole_watcher(vault: Path, paths: VaultPaths) -> Iterator[None]:
    """This process's watch of ``vault`` and the vault's writer lock, for the ``with`` block.
    Refused with :class:`AlreadyWatchedError` when a watcher holds them, and with
    :class:`VaultBusyError` (exit 2) when another vaultkit does (a sync, the hook, or a holder
    whose record is in another cache folder): a service restarted later then gets the vault."""
    with ExitStack() as held:
        try:
            held.enter_context(_only_watcher(vault))
            held.enter_context(vault_lock(paths, "watch"))
        except VaultBusyError as exc:
            if exc.holder is not None and exc.holder.get("purpose") == "watch":
                raise AlreadyWatchedError(vault, exc.holder) from None
            raise
        yield


def _debounce_ms(vault: Path, override: int | None) -> int:
    if override is not None:
        return max(0, override)
    try:
        return load_config(vault, BUILTINS).vault.debounce_ms
    except VaultkitError:
        return VaultSettings().debounce_ms  # the initial sync reports the broken config


def run_watch(
    vault: Path,
    *,
    debounce_ms: int | None = None,
    polling: bool = False,
    log_file: Path | None = None,
    stop: threading.Event | None = None,
    on_sync: Callable[[SyncResult], None] | None = None,
) -> int:
    """Sync, then sync again after every burst of changes until ``stop`` or a signal; 0.

    Raises :class:`~vaultkit.errors.VaultkitError` at start for a ``log_file`` inside the
    vault (see the module docstring) or one that cannot be opened.
    """
    vault = vault.resolve()
    if log_file is not None:
        check_log_file(vault, log_file)
    stop = stop if stop is not None else threading.Event()
    debounce = _debounce_ms(vault, debounce_ms) / 1000
    # The index is decided at the first sync, from the config that sync uses.
    paths = VaultPaths(vault)
    with _sole_watcher(vault, paths), keep_log() as keeper:
        log = WatchLog(log_file)
        changes = ChangeRecorder(vault)
        watcher = _Watcher(paths, changes, log, on_sync)
        watcher.keeper = keeper
        if log_file is not None:
            watcher.log_file = (log_file.name, os.path.realpath(log_file))
        observer: BaseObserver | None = None

        def restart_observer() -> None:
            # Gone from its path, the folder may have stopped the observer (watchdog stops
            # when the watched folder is deleted, and polling when it is missing).
            nonlocal observer
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)
            observer = _start_observer(vault, changes, polling=polling, log=log)

        watcher.on_back = restart_observer
        try:
            with _signals_set(stop):
                # Observe before the initial sync: nothing saved meanwhile is missed, and
                # the sync's own writes are recognised as echoes.
                observer = _start_observer(vault, changes, polling=polling, log=log)
                mode = "polling" if isinstance(observer, PollingObserver) else "native events"
                log(f"watching {vault} ({mode}, debounce {round(debounce * 1000)} ms)")
                watcher.sync("initial sync")
                watcher.loop(debounce, stop)
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)
            log("stopped")
            log.close()
    return ExitStatus.OK
