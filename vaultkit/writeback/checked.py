"""The write itself: replace a file only while it holds what was planned from; never race a save.

This module owns design 8.3, 8.4 and 8.10-8.13 for one file at a time; what to write is decided
by :mod:`vaultkit.writeback.plan`. A note is written into while an editor may be saving it, in one
of four ways: in place (open with truncation, write: Obsidian desktop, Node's ``fs.writeFile``),
slowly in place (the same, in chunks with pauses between them), by a temp file renamed over the
note (most other editors, sync services), or a bare truncation. Every step below is designed
against each of them landing at each step boundary (``tests/test_interleavings.py`` injects
them there):

1. **Stable read** (:func:`read_stable`): the bytes planned from are read through one
   descriptor, with its size and times checked before and after; a file that moved during the
   read is "being written" and is not planned from. FIFOs and devices are never read.
2. **Quiet period** (:func:`quiet_left`): a note of the user's that changed in the last
   ``quiet_seconds`` is not written now; the caller retries once it is quiet. An editor saving
   in place, slowly or not, moves the note's mtime with every chunk, so no save in progress
   is ever planned from.
3. **The temp file** gets the note's owner, group, mode and extended attributes, or nothing is
   written (a rename would otherwise change them).
4. **Last check** by path: still the same file (device, inode, size, mtime), still quiet.
5. **Checked replace** (:func:`vaultkit.writeback.exchange.exchange`): the temp file and the
   note swap names atomically, so the file displaced from the note's name stays linked under
   the temp name and is compared with what was planned from. If a save landed between step 4 and the
   swap (a file renamed over the note, or a truncation that an in-place write is still
   filling), the user's file gets its name back at once, an editor still writing into it keeps
   writing into the note, and the write is planned again. Whatever cannot be given back is kept
   as an announced conflict copy beside the note, never dropped.

Without an atomic exchange (Windows, some network file systems), step 5 holds the old file by
a second hard link across ``os.replace``, so a late in-place write is still caught; only a save
renamed over the note in the instant between the last check and the replace can be lost there.
With neither exchange nor hard links the replace is a plain checked ``os.replace``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from vaultkit.files import NotRegularFileError
from vaultkit.writeback.exchange import ExchangeUnsupportedError, exchange, rename_new

TEMP_SUFFIX = ".vaultkit-tmp"
"""Temp files are dot files with this suffix: Obsidian ignores dot files, never indexes one."""
TIMESTAMP_SLACK = 0.05
"""Seconds a file's timestamps may lag the clock: kernels stamp files from a coarse clock."""
FUTURE_SLACK = 1.0
"""An mtime further ahead of the clock than this was set by hand or by another machine's clock:
it says nothing about when the file last changed here, so only the ctime counts then."""
CONFLICT_COPY = "{stem} (vaultkit's conflicted copy {when}){suffix}"
"""Named like Dropbox's conflict copies, so the scan counts it out of the dashboards and
``vaultkit doctor`` lists it, as it does for any sync service's copy."""

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""Opening a FIFO for reading blocks until a writer comes; with this it returns at once."""
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

on_step: Callable[[str], None] | None = None
"""Called at each step boundary of a write with the step's name; tests inject saves here."""


def _step(name: str) -> None:
    if on_step is not None:
        on_step(name)


class Seen(NamedTuple):
    """A file as it was when read: its identity, size, times and ownership."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int
    nlink: int
    mode: int
    uid: int
    gid: int

    @classmethod
    def of(cls, st: os.stat_result) -> Seen:
        return cls(
            st.st_dev,
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
            st.st_ctime_ns,
            st.st_nlink,
            st.st_mode,
            st.st_uid,
            st.st_gid,
        )

    def same_file(self, st: os.stat_result) -> bool:
        """Whether ``st`` is this very file, unmodified (the ctime may move: renames move it)."""
        return (self.dev, self.ino, self.size, self.mtime_ns) == (
            st.st_dev,
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
        )


class BeingWrittenError(Exception):
    """The file changed while it was read: a save is in progress."""


class ChangedError(Exception):
    """The file is no longer what was planned from: plan again (nothing of the user's lost)."""


class DeferredError(Exception):
    """The note changed too recently to be written now; ``retry_at`` is when it will be quiet."""

    def __init__(self, retry_at: float, age: float) -> None:
        super().__init__(retry_at, age)
        self.retry_at = retry_at
        self.age = age


class KeptCopyError(Exception):
    """A save that could not be given its name back was kept beside the note as ``copy``."""

    def __init__(self, copy: Path) -> None:
        super().__init__(copy)
        self.copy = copy


class MetadataError(Exception):
    """The note's owner or extended attributes cannot be carried over: not written."""


def kind_of(mode: int) -> str:
    """A file type in words, for messages."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_BINARY | _O_CLOEXEC)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegularFileError(errno.EINVAL, f"it is {kind_of(st.st_mode)}", str(path))
    return fd, st


def _read_fd(fd: int) -> bytes:
    data = bytearray()
    while chunk := os.pread(fd, 1 << 20, len(data)):
        data += chunk
    return bytes(data)


def read_stable(path: Path, attempts: int = 3) -> tuple[bytes, Seen]:
    """The file's bytes and state, read while nothing wrote to it.

    Raises FileNotFoundError, :class:`NotRegularFileError` (never opened for more than a look at
    its type, so a FIFO cannot block), :class:`BeingWrittenError` if it kept changing, or
    another OSError.
    """
    if os.name != "posix":
        # No pread on Windows; a plain read, checked by the size and mtime around it.
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise NotRegularFileError(errno.EINVAL, f"it is {kind_of(before.st_mode)}", str(path))
        data = path.read_bytes()
        after = os.stat(path)
        if not Seen.of(before).same_file(after) or len(data) != after.st_size:
            raise BeingWrittenError(path)
        return data, Seen.of(after)
    fd, before = _open_regular(path)
    try:
        for _ in range(attempts):
            data = _read_fd(fd)
            after = os.fstat(fd)
            if (
                len(data) == after.st_size
                and Seen.of(before).same_file(after)
                and before.st_ctime_ns == after.st_ctime_ns
            ):
                return data, Seen.of(after)
            before = after
    finally:
        os.close(fd)
    raise BeingWrittenError(path)


def quiet_left(st: os.stat_result | Seen, quiet: float, now: float | None = None) -> float:
    """Seconds until the file has been unchanged for ``quiet`` seconds (<= 0: quiet now).

    Both times count: an in-place save moves the mtime, a save renamed into place (a sync
    service keeping the remote mtime) the ctime.
    """
    if quiet <= 0:
        return 0.0
    now = time.time() if now is None else now
    mtime_ns = st.st_mtime_ns if isinstance(st, os.stat_result) else st.mtime_ns
    ctime_ns = st.st_ctime_ns if isinstance(st, os.stat_result) else st.ctime_ns
    changed = ctime_ns / 1e9
    if mtime_ns / 1e9 <= now + FUTURE_SLACK:
        changed = max(changed, mtime_ns / 1e9)
    return changed + quiet + TIMESTAMP_SLACK - now


def temp_name(target: Path) -> Path:
    return target.parent / f".{target.stem[:40]}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def remove_stale_temps(target: Path, disposable: Callable[[bytes], bool]) -> list[Path]:
    """Clear away the temp files a killed vaultkit left beside ``target``; the copies kept.

    Callers hold the vault's writer lock, so no other vaultkit is writing one right now; left
    alone, they would pile up with every crash and travel to every device by sync services.
    A crash can leave either side of an exchange under a temp name: vaultkit's new bytes, or
    the file displaced from the note's name, which may hold a save the note lacks. So one is
    deleted only if ``disposable`` says it holds nothing of the user's that the note does not
    (or it is empty); any other is kept as a conflict copy, and returned.
    """
    stale = re.compile(re.escape(f".{target.stem[:40]}.") + r"[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))
    kept: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not (stale.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)):
                continue
            path = Path(entry.path)
            with contextlib.suppress(OSError):
                fd, _ = _open_regular(path)
                try:
                    data = _read_fd(fd)
                finally:
                    os.close(fd)
                if not data or disposable(data):
                    os.unlink(path)
                else:
                    kept.append(keep_as_copy(path, target))
    return kept


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open a folder for fsync."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    with contextlib.suppress(OSError):  # some file systems refuse; the rename happened anyway
        os.fsync(fd)
    os.close(fd)


# -- the temp file ---------------------------------------------------------------------------


def _keep_owner(fd: int, seen: Seen, target: Path) -> None:
    st = os.fstat(fd)
    if (st.st_uid, st.st_gid) == (seen.uid, seen.gid) or not hasattr(os, "fchown"):
        return
    try:
        os.fchown(fd, seen.uid, seen.gid)
    except PermissionError:
        raise MetadataError(
            f"{target.name} belongs to another user or group (uid {seen.uid}, gid {seen.gid}), "
            "and a rewritten copy would belong to you; vaultkit leaves it alone, so run it as "
            "the note's owner"
        ) from None


def _keep_xattrs(fd: int, target: Path) -> None:
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return
        raise
    for name in names:
        value = os.getxattr(target, name, follow_symlinks=False)
        try:
            if os.getxattr(fd, name) == value:
                continue  # e.g. an SELinux label the new file got by itself
        except OSError:
            pass
        try:
            os.setxattr(fd, name, value)
        except OSError as exc:
            raise MetadataError(
                f"{target.name} carries the extended attribute {name}, which vaultkit cannot "
                f"copy ({exc.strerror}); it leaves the note alone rather than drop it"
            ) from None


def _keep_darwin_metadata(fd: int, target: Path) -> None:
    """macOS: extended attributes and ACLs through fcopyfile(3) (Python has no xattr calls)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    source = os.open(target, os.O_RDONLY | _O_NONBLOCK)
    try:
        copy_acl, copy_xattr = 1 << 0, 1 << 2
        if libc.fcopyfile(source, fd, None, copy_acl | copy_xattr) != 0:
            code = ctypes.get_errno()
            raise MetadataError(
                f"the extended attributes of {target.name} cannot be copied "
                f"({os.strerror(code)}); vaultkit leaves the note alone rather than drop them"
            )
    finally:
        os.close(source)


def write_temp(temp: Path, new: bytes, seen: Seen | None, target: Path) -> os.stat_result:
    """Write ``new`` to a fresh ``temp`` carrying ``target``'s metadata; its final state."""
    import sys

    # 0o666 lets the umask decide a new file's permissions, as any editor's save would.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY | _O_CLOEXEC, 0o666)
    try:
        try:
            if seen is not None:
                _keep_owner(fd, seen, target)  # first: chown may clear mode bits
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, stat.S_IMODE(seen.mode))
                else:
                    os.chmod(temp, stat.S_IMODE(seen.mode))
                if sys.platform == "darwin":
                    _keep_darwin_metadata(fd, target)
                else:
                    _keep_xattrs(fd, target)
            view = memoryview(new)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            return os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _is(path: Path, ident: tuple[int, int], data: bytes) -> bool:
    """Whether ``path`` is the file ``ident`` (device, inode) holding exactly ``data``."""
    try:
        fd, st = _open_regular(path)
    except OSError:
        return False
    try:
        return (st.st_dev, st.st_ino) == ident and st.st_size == len(data) and _read_fd(fd) == data
    finally:
        os.close(fd)


def _holds(path: Path, data: bytes) -> bool:
    try:
        fd, st = _open_regular(path)
    except OSError:
        return False
    try:
        return st.st_size == len(data) and _read_fd(fd) == data
    finally:
        os.close(fd)


def _is_planned_from(path: Path, seen: Seen, old: bytes) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return seen.same_file(st) and _is(path, (seen.dev, seen.ino), old)


def _discard_ours(temp: Path, ours: os.stat_result) -> None:
    """Delete ``temp`` if it is still vaultkit's own temp file, never anything else."""
    with contextlib.suppress(OSError):
        st = os.lstat(temp)
        if (st.st_dev, st.st_ino) == (ours.st_dev, ours.st_ino):
            os.unlink(temp)


# -- conflict copies -------------------------------------------------------------------------


def keep_as_copy(path: Path, target: Path) -> Path:
    """Rename ``path`` (user content that lost its name) to a conflict copy beside ``target``."""
    when = datetime.now().strftime("%Y-%m-%d %H%M%S")
    for attempt in range(100):
        suffix = f" {attempt + 1}" if attempt else ""
        copy = target.with_name(
            CONFLICT_COPY.format(stem=target.stem, when=when + suffix, suffix=target.suffix)
        )
        try:
            rename_new(path, copy)
        except FileExistsError:
            continue
        fsync_dir(target.parent)
        return copy
    raise FileExistsError(errno.EEXIST, "no free name for a conflict copy", str(target))


# -- replacing -------------------------------------------------------------------------------


def _check_still(target: Path, seen: Seen, quiet: float) -> None:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        raise ChangedError from None
    if not seen.same_file(st):
        raise ChangedError
    left = quiet_left(st, quiet)
    if left > 0:
        raise DeferredError(time.time() + left, quiet - left)


def replace_checked(
    target: Path, new: bytes, old: bytes, seen: Seen, *, quiet: float
) -> os.stat_result:
    """Replace ``target`` (planned from ``old``, as ``seen``) by ``new``, losing no save; the
    new file's state.

    Raises :class:`ChangedError` when a save got in first (nothing lost: plan again),
    :class:`DeferredError` when the note is not quiet, :class:`KeptCopyError` when a save had
    to be kept as a conflict copy, :class:`MetadataError`, or OSError (nothing changed).
    Callers clear stale temp files first (:func:`remove_stale_temps`).
    """
    temp = temp_name(target)
    ours = write_temp(temp, new, seen, target)
    _step("temp written")
    try:
        _check_still(target, seen, quiet)
        _step("checked")
        try:
            exchange(temp, target)
        except ExchangeUnsupportedError:
            _replace_held(temp, target, new, old, seen, ours)
            return ours
    except BaseException:
        _discard_ours(temp, ours)
        raise
    # The temp name now holds the file displaced from the note's name.
    _step("exchanged")
    try:
        clean = _is_planned_from(temp, seen, old)
        _step("compared")
    except BaseException:
        with contextlib.suppress(Exception):
            _settle(temp, target, new, old, seen, ours)
        raise
    _settle(temp, target, new, old, seen, ours, clean=clean)
    return ours


def _settle(
    temp: Path,
    target: Path,
    new: bytes,
    old: bytes,
    seen: Seen,
    ours: os.stat_result,
    *,
    clean: bool | None = None,
) -> None:
    """Deal with the file an exchange displaced to ``temp``: delete it if it is what was
    planned from, else give it back its name (:func:`_give_back`)."""
    if clean is None:
        clean = _is_planned_from(temp, seen, old)
    if clean:
        os.unlink(temp)
        fsync_dir(target.parent)
        return
    _give_back(temp, target, new, old, ours)


def _give_back(temp: Path, target: Path, new: bytes, old: bytes, ours: os.stat_result) -> None:
    """A save landed just before the exchange: the user's file at ``temp`` gets its name back."""
    mine = (ours.st_dev, ours.st_ino)
    try:
        exchange(temp, target)
    except FileNotFoundError:
        # The note's name is empty now (our file was moved or deleted since the exchange).
        try:
            rename_new(temp, target)
        except FileExistsError:
            raise KeptCopyError(keep_as_copy(temp, target)) from None
        fsync_dir(target.parent)
        raise ChangedError from None
    _step("given back")
    fsync_dir(target.parent)
    if _is(temp, mine, new):
        os.unlink(temp)  # our own bytes, untouched: the exchange is undone
        raise ChangedError
    # A save also landed on the note's name after the exchange (renamed over our file, or
    # written into it): that one is newer. It takes the name; the other is kept unless it
    # holds nothing the newer one lacks.
    exchange(temp, target)
    fsync_dir(target.parent)
    try:
        older_fd, _ = _open_regular(temp)
    except OSError:
        raise ChangedError from None
    try:
        older = _read_fd(older_fd)
    finally:
        os.close(older_fd)
    if older in (old, new, b"") or _holds(target, older):
        os.unlink(temp)
        raise ChangedError
    raise KeptCopyError(keep_as_copy(temp, target))


def _replace_held(
    temp: Path, target: Path, new: bytes, old: bytes, seen: Seen, ours: os.stat_result
) -> None:
    """The fallback without an exchange: hold the old file by a hard link across the replace."""
    hold = temp_name(target)
    try:
        os.link(target, hold, follow_symlinks=False)
    except FileNotFoundError:
        _discard_ours(temp, ours)
        raise ChangedError from None
    except (OSError, NotImplementedError):
        _replace_plain(temp, target, seen, ours)
        return
    try:
        if not _is_planned_from(hold, seen, old):
            raise ChangedError
        _step("held")
        os.replace(temp, target)
    except BaseException:
        _discard_ours(temp, ours)
        os.unlink(hold)
        raise
    _step("exchanged")
    if _is_planned_from(hold, seen, old):
        os.unlink(hold)
        fsync_dir(target.parent)
        return
    # Written into in place after the replace: put it back if our file still has the name.
    if _is(target, (ours.st_dev, ours.st_ino), new):
        os.replace(hold, target)
        fsync_dir(target.parent)
        raise ChangedError
    raise KeptCopyError(keep_as_copy(hold, target))


def _replace_plain(temp: Path, target: Path, seen: Seen, ours: os.stat_result) -> None:
    """Neither exchange nor hard links: the last check, then ``os.replace`` at once."""
    try:
        st = os.lstat(target)
        if not seen.same_file(st):
            raise ChangedError
        os.replace(temp, target)
    except BaseException:
        _discard_ours(temp, ours)
        raise
    fsync_dir(target.parent)


def create_new(target: Path, new: bytes) -> os.stat_result:
    """Create ``target`` holding ``new``; :class:`ChangedError` if something appeared there.

    Returns the new file's state."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp = temp_name(target)
    ours = write_temp(temp, new, None, target)
    _step("temp written")
    try:
        rename_new(temp, target)
    except FileExistsError:
        _discard_ours(temp, ours)
        raise ChangedError from None
    except BaseException:
        _discard_ours(temp, ours)
        raise
    fsync_dir(folder)
    return ours
