"""Reading a file while nothing writes to it, and knowing when a note has been left alone.

Steps 1 and 2 of a checked write (:mod:`vaultkit.writeback.checked`): the bytes a write is
planned from are read through one descriptor, with the file's size and times checked before
and after (:func:`read_stable`), so a save in progress is never planned from; and a note of the
user's that changed in the last ``quiet_seconds`` is not written into now (:func:`quiet_left`).
FIFOs and devices are never read: a look at their type is all they get.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path
from typing import NamedTuple

from vaultkit.files import NotRegularFileError

TIMESTAMP_SLACK = 0.05
"""Seconds a file's timestamps may lag the clock: kernels stamp files from a coarse clock."""
FUTURE_SLACK = 1.0
"""An mtime further ahead of the clock than this was set by hand or by another machine's clock:
it says nothing about when the file last changed here, so only the ctime counts then."""
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""Opening a FIFO for reading blocks until a writer comes; with this it returns at once."""
O_BINARY = getattr(os, "O_BINARY", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


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


def open_regular(path: Path) -> tuple[int, os.stat_result]:
    """A descriptor open for reading on the regular file at ``path``, and its state."""
    fd = os.open(path, os.O_RDONLY | O_NONBLOCK | O_BINARY | O_CLOEXEC)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegularFileError(errno.EINVAL, f"it is {kind_of(st.st_mode)}", str(path))
    return fd, st


def read_fd(fd: int) -> bytes:
    """Every byte of the open file, from its start."""
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
    fd, before = open_regular(path)
    try:
        for _ in range(attempts):
            data = read_fd(fd)
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
