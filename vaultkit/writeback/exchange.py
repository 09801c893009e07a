"""The renames a checked replace is built from: swap two names, and rename without replacing.

This module owns the operating-system primitives behind design 8.11. ``os.replace`` unlinks
whatever sits at the destination, so a save that lands in the instant before it is gone without
a trace. Two atomic renames avoid that, and Python exposes neither, so they are called through
``ctypes`` (imported on first use: the hook only pays for it when it writes):

* :func:`exchange` swaps two names in one step (Linux ``renameat2(RENAME_EXCHANGE)``, 3.15+;
  macOS ``renamex_np(RENAME_SWAP)``, 10.12+). The file displaced from the note's name stays
  linked under the other name, so the write-back can compare it with what it planned from and
  give it its name back.
* :func:`rename_new` renames only if the destination does not exist (``RENAME_NOREPLACE`` /
  ``RENAME_EXCL``, else a hard link, which fails on an existing name on every POSIX system).

Where a platform or file system has no exchange (Windows, some network and FUSE file systems),
:func:`exchange` raises :class:`ExchangeUnsupportedError` and the caller falls back.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import Any

_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_RENAME_SWAP = 0x2  # macOS renamex_np
_RENAME_EXCL = 0x4
_AT_FDCWD = -100
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "riscv64": 276, "i686": 353, "armv7l": 382}
"""renameat2's syscall number, for a libc too old to wrap it (glibc before 2.28)."""
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP})
"""What a kernel or file system without the flag answers."""

_call: Callable[[bytes, bytes, int], int] | None = None
_loaded = False
_no_exchange: set[int] = set()
"""Devices whose file system refused an exchange: not asked again by this process."""


class ExchangeUnsupportedError(OSError):
    """This platform or file system cannot swap two names atomically."""


def _load() -> Callable[[bytes, bytes, int], int] | None:
    global _call, _loaded
    if _loaded:
        return _call
    _loaded = True
    if sys.platform.startswith("linux"):
        _call = _linux()
    elif sys.platform == "darwin":
        _call = _darwin()
    return _call


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _linux() -> Callable[[bytes, bytes, int], int] | None:
    import ctypes

    libc = _libc()
    wrapper = getattr(libc, "renameat2", None)
    if wrapper is not None:
        wrapper.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        wrapper.argtypes.append(ctypes.c_uint)
        wrapper.restype = ctypes.c_int

        def call(src: bytes, dst: bytes, flags: int) -> int:
            return int(wrapper(_AT_FDCWD, src, _AT_FDCWD, dst, flags))

        return call
    number = _SYSCALL_RENAMEAT2.get(os.uname().machine)
    if number is None:
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long

    def raw(src: bytes, dst: bytes, flags: int) -> int:
        return int(
            syscall(
                ctypes.c_long(number),
                ctypes.c_int(_AT_FDCWD),
                ctypes.c_char_p(src),
                ctypes.c_int(_AT_FDCWD),
                ctypes.c_char_p(dst),
                ctypes.c_uint(flags),
            )
        )

    return raw


def _darwin() -> Callable[[bytes, bytes, int], int] | None:
    import ctypes

    renamex = getattr(_libc(), "renamex_np", None)
    if renamex is None:
        return None
    renamex.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
    renamex.restype = ctypes.c_int
    translate = {_RENAME_EXCHANGE: _RENAME_SWAP, _RENAME_NOREPLACE: _RENAME_EXCL}

    def call(src: bytes, dst: bytes, flags: int) -> int:
        return int(renamex(src, dst, translate[flags]))

    return call


def _rename2(src: str | os.PathLike[str], dst: str | os.PathLike[str], flags: int) -> None:
    call = _load()
    if call is None:
        raise ExchangeUnsupportedError(errno.ENOSYS, "no atomic exchange on this platform")
    import ctypes

    if call(os.fsencode(src), os.fsencode(dst), flags) != 0:
        code = ctypes.get_errno()
        if code in _UNSUPPORTED:
            raise ExchangeUnsupportedError(code, os.strerror(code))
        raise OSError(code, os.strerror(code), os.fspath(src), None, os.fspath(dst))


def exchange(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> None:
    """Swap the files named ``a`` and ``b`` atomically; both must exist.

    Raises :class:`ExchangeUnsupportedError` where the platform or the file system cannot,
    FileNotFoundError if either is missing.
    """
    device = os.lstat(a).st_dev
    if device in _no_exchange:
        raise ExchangeUnsupportedError(errno.EOPNOTSUPP, "no atomic exchange on this device")
    try:
        _rename2(a, b, _RENAME_EXCHANGE)
    except ExchangeUnsupportedError:
        _no_exchange.add(device)
        raise


def rename_new(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Rename ``src`` to ``dst`` only if ``dst`` does not exist (FileExistsError if it does).

    Never replaces a file created at ``dst`` meanwhile. Falls back to a hard link (atomic and
    refusing an existing name on every POSIX file system) and, where neither exists, to a
    check followed by a rename: the only variant with a window, used on Windows and file
    systems without hard links.
    """
    try:
        _rename2(src, dst, _RENAME_NOREPLACE)
        return
    except ExchangeUnsupportedError:
        pass
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        raise
    except (OSError, NotImplementedError):
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(dst)) from None
        os.replace(src, dst)
        return
    os.unlink(src)
