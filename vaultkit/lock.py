"""One writer per vault: the lock shared by ``vaultkit sync``, ``watch`` and ``hook``.

This module owns the vault lock (design section 9). It is an OS-level file lock (``flock``
on POSIX, ``msvcrt.locking`` on Windows), so a crashed holder releases it with its process
and no stale lock can wedge the vault. It is written here rather than taken from the
``filelock`` library, which does the same two calls but costs the hook ~25 ms of imports
on every autosave (design section 11 gives the hook 0.5 s in all). The lock file lives
beside the index in the user's cache folder, never inside the vault: sync services would
copy it between machines, and Obsidian would see it change.

While held, a small JSON sidecar (``<stem>.lock.json``) records the holder's pid and purpose
(``sync``, ``watch``, ``hook``), so whoever is refused can say who holds the vault.

The lock is re-entrant within one process: ``vaultkit watch`` holds it for its whole life
and may call :func:`vaultkit.sync.run_sync` (which takes it again) without deadlocking on
itself. It therefore does not serialise threads of one process; callers own that.
"""

from __future__ import annotations

import _thread
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from vaultkit.errors import VaultkitError

try:
    # The builtin SHA-256: hashlib would load OpenSSL (~5 ms of every command) for one hash.
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython 3.12 renamed it; anything else has hashlib
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        from hashlib import sha256 as _sha256  # type: ignore[assignment, unused-ignore]

CACHE_ENV = "VAULTKIT_CACHE_DIR"

_held: dict[str, int] = {}
"""Lock files this process holds → nesting depth (for re-entry)."""
_held_guard = _thread.allocate_lock()  # threading's import costs the CLI ~4 ms


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


def index_location(vault: Path) -> Path:
    """Where the vault's index lives by default (see :func:`vaultkit.index.default_index_path`).

    It is defined here, not in ``vaultkit.index``, because that module imports the parser and
    the hook's fast path must not pay for markdown-it on every autosave.
    """
    base = os.environ.get(CACHE_ENV)
    if base:
        folder = Path(base)
    else:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))
    resolved = vault.resolve()
    digest = _sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", resolved.name).strip("-") or "vault"
    return folder / f"{name}-{digest}.sqlite3"


def lock_path(vault: Path) -> Path:
    """The vault's lock file: ``<index stem>.lock`` next to the default index.

    It follows the default index even when the config moves the index elsewhere: the lock
    guards the vault's dashboards, so every vaultkit must find the same file whatever
    ``--index`` it was given.
    """
    index = index_location(vault)
    return index.with_name(f"{index.stem}.lock")


def _holder_path(vault: Path) -> Path:
    lock = lock_path(vault)
    return lock.with_name(lock.name + ".json")


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


def lock_holder(vault: Path) -> dict[str, object] | None:
    """``{"pid": …, "purpose": …}`` of the process holding the vault, if known.

    None when nobody recorded holding it, the record cannot be read, or its process is gone
    (a crash releases the OS lock but leaves the record behind).
    """
    try:
        data = json.loads(_holder_path(vault).read_text(encoding="utf-8"))
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
    # Written to a temp file and renamed, so a reader never sees half a record.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps({"pid": os.getpid(), "purpose": purpose}), encoding="utf-8")
    os.replace(temp, path)


class _OsLock:
    """An exclusive lock on one file, held through an open descriptor."""

    POLL = 0.05
    """Seconds between tries while waiting: the OS offers no portable blocking wait with a
    timeout."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def _try(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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


@contextmanager
def vault_lock(vault: Path, purpose: str, *, timeout: float = 0) -> Iterator[None]:
    """Hold the vault's writer lock for the ``with`` block.

    ``timeout`` is how long to wait for another holder: 0 tries once, a negative value waits
    for ever. A ``watch`` holder keeps the vault until it is stopped, so waiting for it is
    pointless: that refusal is immediate. Raises :class:`VaultBusyError` naming the holder.
    """
    path = lock_path(vault)
    key = str(path)
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VaultkitError(
            f"the lock folder cannot be created ({exc.strerror}); set VAULTKIT_CACHE_DIR "
            "to a writable folder",
            path=str(path.parent),
        ) from None
    lock = _OsLock(path)
    try:
        if not lock.acquire(0):
            holder = lock_holder(vault)
            if timeout == 0 or (holder is not None and holder["purpose"] == "watch"):
                raise VaultBusyError(vault, holder)
            if not lock.acquire(timeout):
                raise VaultBusyError(vault, lock_holder(vault))
    except OSError as exc:
        raise VaultkitError(
            f"the lock file cannot be opened ({exc.strerror}); set VAULTKIT_CACHE_DIR "
            "to a writable folder",
            path=str(path),
        ) from None
    holder_file = _holder_path(vault)
    try:
        with _held_guard:
            _held[key] = 0
        with suppress(OSError):  # the record only improves a message; never fail for it
            _record_holder(holder_file, purpose)
        yield
    finally:
        with _held_guard:
            del _held[key]
        # The record goes before the lock is released: a record without a lock is
        # harmless (its pid is checked), a new holder's record deleted by us would not be.
        with suppress(OSError):
            holder_file.unlink()
        lock.release()
