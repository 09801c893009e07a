"""Files and file names that hostile or careless hands may have made something else.

A FIFO named like a settings file or a note blocks an ordinary ``open`` for ever, and a
device (``/dev/zero`` behind a symlink) never stops giving bytes. Every file vaultkit reads
in full outside the scan goes through :func:`read_regular`, which opens without blocking and
refuses, on the open descriptor itself, anything but a regular file. Kept tiny: the hook
imports it on its fast path.

A file name is whatever bytes the file system holds: decomposed Unicode from a Mac (vaultkit
keys every path by its NFC form, :func:`nfc`), or bytes that are not UTF-8 at all, which no
later stage can store (:func:`is_utf8`) and which messages show escaped (:func:`readable`).
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
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


def nfc(text: str) -> str:
    """``text`` in Unicode NFC, the form vaultkit keys every path by."""
    # macOS has stored names decomposed (NFD); Linux and Windows keep what they were given.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def is_utf8(name: str) -> bool:
    """Whether a name from the file system can be stored (it was valid UTF-8 on disk)."""
    # os.fsdecode turns undecodable bytes into lone surrogates, which no later stage can store.
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(text: str) -> str:
    """``text`` fit to print and store: the bytes of a name that is not UTF-8 (which
    ``os.fsdecode`` keeps as lone surrogates) written as ``\\xNN`` escapes."""
    if is_utf8(text):
        return text
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a lone surrogate that did not come from undecodable bytes
        return text.encode("utf-8", "backslashreplace").decode("ascii")


def os_reason(exc: OSError) -> str:
    """Why an ``OSError`` happened, in a few words (``Permission denied``)."""
    return exc.strerror or exc.__class__.__name__
