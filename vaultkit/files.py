"""Reading a file that hostile or careless hands may have made something else.

A FIFO named like a settings file or a note blocks an ordinary ``open`` for ever, and a
device (``/dev/zero`` behind a symlink) never stops giving bytes. Every file vaultkit reads
in full outside the scan goes through :func:`read_regular`, which opens without blocking and
refuses, on the open descriptor itself, anything but a regular file. Kept tiny: the hook
imports it on its fast path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class NotRegularFileError(OSError):
    """The path is a FIFO, socket, device or folder, not a file to read."""


def read_regular(path: Path | str, limit: int = -1) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``limit`` of them when given).

    Raises :class:`NotRegularFileError` (an ``OSError`` whose ``strerror`` says "not a regular
    file") for anything else, and ``OSError`` as ``open`` would.
    """
    fd = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(errno.EINVAL, "not a regular file", os.fspath(path))
        data = bytearray()
        while limit < 0 or len(data) < limit:
            chunk = os.read(fd, 1 << 20 if limit < 0 else limit - len(data))
            if not chunk:
                break
            data += chunk
        return bytes(data)
    finally:
        os.close(fd)
