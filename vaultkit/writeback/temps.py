"""The files a write leaves beside a note: its temp file, and conflict copies.

Step 3 of a checked write (:mod:`vaultkit.writeback.checked`): the new bytes go to a temp file
beside the note that carries the note's owner, group, mode and extended attributes, or nothing
is written (a rename would otherwise change them). A temp file left by a killed vaultkit is
cleared away by the next write (:func:`remove_stale_temps`), unless it holds text of the
user's, which is kept as a conflict copy named like a sync service's (:func:`keep_as_copy`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from vaultkit.writeback.exchange import rename_new
from vaultkit.writeback.reading import O_BINARY, O_CLOEXEC, O_NONBLOCK, Seen, open_regular, read_fd

TEMP_SUFFIX = ".vaultkit-tmp"
"""Temp files are dot files with this suffix: Obsidian ignores dot files, never indexes one."""
CONFLICT_COPY = "{stem} (vaultkit's conflicted copy {when}){suffix}"
"""Named like Dropbox's conflict copies, so the scan counts it out of the dashboards and
``vaultkit doctor`` lists it, as it does for any sync service's copy."""


class MetadataError(Exception):
    """The note's owner or extended attributes cannot be carried over: not written."""


def temp_name(target: Path) -> Path:
    """A fresh temp file name beside ``target``."""
    return target.parent / f".{target.stem[:40]}.{os.urandom(4).hex()}{TEMP_SUFFIX}"


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
                fd, _ = open_regular(path)
                try:
                    data = read_fd(fd)
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
    source = os.open(target, os.O_RDONLY | O_NONBLOCK)
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
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY | O_CLOEXEC, 0o666)
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


def discard_ours(temp: Path, ours: os.stat_result) -> None:
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
