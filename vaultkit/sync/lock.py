"""One writer per vault: the lock shared by ``vaultkit sync``, ``watch`` and ``hook``.

This module owns the vault lock (design section 9). It is an OS-level file lock (``flock``
on POSIX, ``msvcrt.locking`` on Windows), so a crashed holder releases it with its process
and no stale lock can wedge the vault. It is written here rather than taken from the
``filelock`` library, which does the same two calls but costs the hook ~25 ms of imports
on every autosave (design section 11 gives the hook 0.5 s in all).

The lock file belongs to the vault: ``<vault>/.vaultkit/lock`` (:attr:`vaultkit.vaultpaths.
VaultPaths.lock_file`), so that every vaultkit finds the same file whatever its cache folder
(``VAULTKIT_CACHE_DIR``) or ``--index``. It is created empty once and never written again:
taking an OS lock changes neither its bytes nor its times, so sync services and Obsidian see
no churn. vaultkit never deletes it. A ``.vaultkit`` that is a link leading out of the vault is
refused. A sync's dry run (``--check``, ``--dry-run``, ``--diff``) takes no lock at all: it
writes nothing into the vault, so it runs beside a watcher (:func:`vaultkit.sync.run.run_sync`).
``adopt``'s preview takes the lock when the file exists and runs without it otherwise (a vault
that never had a writer, or a read-only one).

While held, a small JSON record (:attr:`vaultkit.vaultpaths.VaultPaths.holder_file`) names the
holder's pid and purpose (``sync``, ``watch``, ``hook``), so whoever is refused can say who
holds the vault. It is written on every run, so it stays out of the vault, in the holder's
cache folder: a vaultkit with another cache folder is still refused by the lock, but cannot
name the holder ("pid unknown").

The lock is re-entrant within one process: ``vaultkit watch`` holds it for its whole life
and may call :func:`vaultkit.sync.run.run_sync` (which takes it again) without deadlocking on
itself. It therefore does not serialise threads of one process; callers own that.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from vaultkit.errors import VaultkitError
from vaultkit.speedups import allocate_lock
from vaultkit.vaultpaths import VaultPaths

_held: dict[str, int] = {}
"""Lock files this process holds → nesting depth (for re-entry)."""
_held_guard = allocate_lock()  # not threading's Lock: importing threading costs ~4 ms
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
"""Why a lock file may not be creatable in a vault that can still be read."""


class VaultBusyError(VaultkitError):
    """Another vaultkit process is writing to this vault; the message names it."""

    def __init__(self, vault: Path, holder: dict[str, object] | None) -> None:
        if holder is not None:
            who = f"{holder['purpose']}, pid {holder['pid']}"
            what = (
                "stop it first, or let it keep the dashboards current"
                if holder["purpose"] == "watch"
                else "wait for it to finish and try again"
            )
        else:
            who, what = "pid unknown", "wait for it to finish and try again"
        super().__init__(
            f"the vault is being updated by another vaultkit ({who}); {what}", path=str(vault)
        )
        self.holder = holder


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        # os.kill(pid, 0) would terminate the process on Windows; the OS lock itself is
        # the truth there, so an unverifiable holder is taken at its word.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def lock_holder(paths: VaultPaths) -> dict[str, object] | None:
    """``{"pid": …, "purpose": …}`` of the process holding the vault, if known.

    None when nobody recorded holding it, the record cannot be read, or its process is gone
    (a crash releases the OS lock but leaves the record behind).
    """
    try:
        data = json.loads(paths.holder_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, purpose = data.get("pid"), data.get("purpose")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(purpose, str):
        return None
    if not _alive(pid):
        return None
    return {"pid": pid, "purpose": purpose}


def _record_holder(path: Path, purpose: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temp file and renamed, so a reader never sees half a record. The temp
    # file's name is this process's own; O_NOFOLLOW: never write through a link there.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"pid": os.getpid(), "purpose": purpose}))
    os.replace(temp, path)


def _forget_holder(path: Path) -> None:
    """Delete the holder record, if it is the one this process wrote (and a plain file)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("pid") == os.getpid():
        with suppress(OSError):
            path.unlink()


class LockUnavailableError(VaultkitError):
    """The lock (or its folder) cannot be created or opened: a read-only vault, permissions,
    or something that is not vaultkit's at its name."""

    def __init__(self, path: Path, exc: OSError, what: str) -> None:
        if exc.errno == errno.ELOOP:
            reason = "it is a link; vaultkit's lock must be a plain file: delete the link"
        elif exc.errno == errno.EISDIR:
            reason = "it is not a plain file; move it away, vaultkit creates its lock itself"
        elif exc.errno in _READ_ONLY:
            reason = f"{exc.strerror}; vaultkit needs a writable vault to update it"
        else:
            reason = exc.strerror or str(exc)
        super().__init__(f"the vault's lock {what} ({reason})", path=str(path))
        self.errno = exc.errno


class _OsLock:
    """An exclusive lock on one file, held through an open descriptor."""

    POLL = 0.05
    """Seconds between tries while waiting: the OS offers no portable blocking wait with a
    timeout."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def _open(self) -> int:
        # O_NOFOLLOW: a link planted at the lock's name is not followed out of the vault.
        # O_NONBLOCK: opening a FIFO planted there does not hang (it is refused below).
        extra = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | os.O_CREAT
        try:
            fd = os.open(self.path, os.O_RDWR | extra, 0o644)
        except OSError as exc:
            if exc.errno not in _READ_ONLY or not self.path.exists():
                raise
            # A read-only vault whose lock exists: a read-only descriptor locks as well.
            fd = os.open(self.path, os.O_RDONLY | extra)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise IsADirectoryError(errno.EISDIR, "not a regular file", str(self.path))
        return fd

    def _try(self) -> bool:
        fd = self._open()
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds (for ever if negative)."""
        deadline = time.monotonic() + timeout
        while not self._try():
            if timeout >= 0 and time.monotonic() >= deadline:
                return False
            time.sleep(self.POLL)
        return True

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _take(lock: _OsLock, paths: VaultPaths, timeout: float) -> bool:
    """Take ``lock``; whether another holder had it first (and was waited for)."""
    try:
        lock.path.parent.mkdir(exist_ok=True)
    except OSError as exc:
        raise LockUnavailableError(lock.path.parent, exc, "folder cannot be created") from None
    try:
        if lock.acquire(0):
            return False
        holder = lock_holder(paths)
        if timeout == 0 or (holder is not None and holder["purpose"] == "watch"):
            raise VaultBusyError(paths.root, holder)
        if not lock.acquire(timeout):
            raise VaultBusyError(paths.root, lock_holder(paths))
        return True
    except OSError as exc:
        raise LockUnavailableError(lock.path, exc, "cannot be opened") from None


@contextmanager
def vault_lock(paths: VaultPaths, purpose: str, *, timeout: float = 0) -> Iterator[bool]:
    """Hold the vault's writer lock for the ``with`` block, which gets whether another holder
    had it first: what was read of the vault before then may be out of date.

    ``timeout`` is how long to wait for another holder: 0 tries once, a negative value waits
    for ever. A ``watch`` holder keeps the vault until it is stopped, so waiting for it is
    pointless: that refusal is immediate. Raises :class:`VaultBusyError` naming the holder.

    Runs that write nothing into the vault (previews) do not take it: they only read the
    index, whose every update is one SQLite transaction (:mod:`vaultkit.index.update`).
    """
    path = paths.checked_lock_file()
    key = str(path)
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield False
        finally:
            with _held_guard:
                _held[key] -= 1
        return

    lock = _OsLock(path)
    waited = _take(lock, paths, timeout)
    holder_file = paths.holder_file
    try:
        with _held_guard:
            _held[key] = 0
        with suppress(OSError):  # the record only improves a message; never fail for it
            _record_holder(holder_file, purpose)
        yield waited
    finally:
        with _held_guard:
            del _held[key]
        # The record goes before the lock is released: a record without a lock is
        # harmless (its pid is checked), a new holder's record deleted by us would not be.
        _forget_holder(holder_file)
        lock.release()
