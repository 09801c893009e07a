"""The write itself: replace a file only while it holds what was planned from; never race a save.

This module owns design 8.3, 8.4 and 8.10-8.13 for one file at a time; what to write is decided
by :mod:`vaultkit.writeback.plan`, and :func:`vaultkit.writeback.apply.apply` calls in here. A
note is written into while an editor may be saving it, in one of four ways: in place (open with
truncation, write: Obsidian desktop, Node's ``fs.writeFile``), slowly in place (the same, in
chunks with pauses between them), by a temp file renamed over the note (most other editors,
sync services), or a bare truncation. Every step below is designed against each of them landing
at each step boundary (``tests/writeback/test_interleavings.py`` injects them there):

1. **Stable read** (:func:`vaultkit.writeback.reading.read_stable`): the bytes planned from are
   read through one descriptor, with its size and times checked before and after; a file that
   moved during the read is "being written" and is not planned from. FIFOs and devices are
   never read.
2. **Quiet period** (:func:`vaultkit.writeback.reading.quiet_left`): a note of the user's that
   changed in the last ``quiet_seconds`` is not written now; the caller retries once it is
   quiet. An editor saving in place, slowly or not, moves the note's mtime with every chunk, so
   no save in progress is ever planned from.
3. **The temp file** (:func:`vaultkit.writeback.temps.write_temp`) gets the note's owner,
   group, mode and extended attributes, or nothing is written (a rename would otherwise change
   them).
4. **Last check** by path: still the same file (device, inode, size, mtime), still quiet.
5. **Checked replace** (:func:`vaultkit.writeback.exchange.exchange`): the temp file and the
   note swap names atomically, so the file displaced from the note's name stays linked under
   the temp name and is compared with what was planned from. If a save landed between step 4
   and the swap (a file renamed over the note, or a truncation that an in-place write is still
   filling), the user's file gets its name back at once, an editor still writing into it keeps
   writing into the note, and the write is planned again. Whatever cannot be given back is kept
   as an announced conflict copy beside the note, never dropped.

Without an atomic exchange (Windows, some network file systems), step 5 holds the old file by
a second hard link across ``os.replace``, so a late in-place write is still caught; only a save
renamed over the note in the instant between the last check and the replace can be lost there.
With neither exchange nor hard links the replace is a plain checked ``os.replace``.

Steps 4 and 5 are this module's: :func:`replace_checked` and :func:`create_new`. Every step
boundary of a write, wherever its step lives, calls the one hook :data:`on_step`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from vaultkit.writeback.exchange import ExchangeUnsupportedError, exchange, rename_new
from vaultkit.writeback.reading import Seen, open_regular, quiet_left, read_fd
from vaultkit.writeback.temps import discard_ours, fsync_dir, keep_as_copy, temp_name, write_temp

on_step: Callable[[str], None] | None = None
"""Called at each step boundary of a write with the step's name ("temp written", "checked",
"exchanged", "compared", "given back", "held"); ``tests/writeback/test_interleavings.py`` injects an
editor's saves here. The one hook of the write path: set it on this module."""


def _step(name: str) -> None:
    if on_step is not None:
        on_step(name)


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


def _is(path: Path, ident: tuple[int, int], data: bytes) -> bool:
    """Whether ``path`` is the file ``ident`` (device, inode) holding exactly ``data``."""
    try:
        fd, st = open_regular(path)
    except OSError:
        return False
    try:
        return (st.st_dev, st.st_ino) == ident and st.st_size == len(data) and read_fd(fd) == data
    finally:
        os.close(fd)


def _holds(path: Path, data: bytes) -> bool:
    try:
        fd, st = open_regular(path)
    except OSError:
        return False
    try:
        return st.st_size == len(data) and read_fd(fd) == data
    finally:
        os.close(fd)


def _is_planned_from(path: Path, seen: Seen, old: bytes) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return seen.same_file(st) and _is(path, (seen.dev, seen.ino), old)


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
    to be kept as a conflict copy, :class:`vaultkit.writeback.temps.MetadataError`, or OSError
    (nothing changed). Callers clear stale temp files first
    (:func:`vaultkit.writeback.temps.remove_stale_temps`).
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
        discard_ours(temp, ours)
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
        older_fd, _ = open_regular(temp)
    except OSError:
        raise ChangedError from None
    try:
        older = read_fd(older_fd)
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
        discard_ours(temp, ours)
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
        discard_ours(temp, ours)
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
        discard_ours(temp, ours)
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
        discard_ours(temp, ours)
        raise ChangedError from None
    except BaseException:
        discard_ours(temp, ours)
        raise
    fsync_dir(folder)
    return ours
