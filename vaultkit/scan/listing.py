"""A vault's folders as one walk listed them, handed to the scan that follows it.

This module owns the hand-over from the sync stamp's walk (:mod:`vaultkit.sync.stamp`) to the
scan (:mod:`vaultkit.scan.walk`). A full ``vaultkit sync``, and the hook called without a
file, first walk the vault to tell whether anything changed since the last sync; when
something did, the scan reads what that walk listed rather than listing and stat-ing every
folder again (~30 ms at 10,000 notes, ~0.3 s at 100,000).

A listing is compact: the names and numbers the stamp digests anyway, kept a little longer,
and one more number an entry (~13 MB at 100,000 files, where the walk's own ``os.DirEntry``
objects with their stat results would hold ~90 MB). Only a walk that met no symbolic link
and listed every folder makes one: the scan's rules for links and unreadable folders read
the disk, so such a vault is scanned as before.
"""

from __future__ import annotations

import os
import stat
from array import array
from typing import Protocol

from vaultkit.scan.leftovers import HAS_ST_FLAGS, FileStat

__all__ = ["Entry", "ListedEntry", "Listing"]


class Entry(Protocol):
    """What the scan reads of a folder entry: ``os.DirEntry``, or a listed entry."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    def is_symlink(self) -> bool: ...
    def is_dir(self) -> bool: ...
    def stat(self) -> FileStat: ...


class Listing:
    """Every entry of every folder of one walk, by folder, in the order listed.

    The walk fills it as it goes, sharing its own lists: before a folder's entries,
    :meth:`begin`; then, for each entry, its name to :attr:`names`, its mode, size, mtime,
    ctime and inode to :attr:`numbers` (five numbers an entry; the sync stamp digests both,
    :mod:`vaultkit.sync.stamp`), and its ``st_blocks`` to :attr:`blocks` (and its BSD flags
    to :attr:`flags` where the platform has them); after them, :meth:`end`. Anything the walk
    adds to the two lists between folders is no entry, and is not read.

    The scan reads it by folder (:meth:`entries`), keyed by the folder's path relative to the
    walk's root as the names on disk spell it ("" for the root, "/" between names): the
    scan's own key for a folder before it normalises names.
    """

    __slots__ = (
        "_at",
        "_folders",
        "_prefix",
        "_root",
        "blocks",
        "flags",
        "names",
        "numbers",
        "started_ns",
    )

    def __init__(self, root: str, started_ns: int, names: list[str], numbers: array[int]) -> None:
        self._root = root
        self._prefix = root if root.endswith(os.sep) else root + os.sep
        self.started_ns = started_ns
        """When the walk began (``time.time_ns()``): the scan's own start, which the index
        records (:attr:`vaultkit.scan.found.ScanResult.started_ns`)."""
        self.names = names
        self.numbers = numbers
        self.blocks = array("q")
        self.flags: array[int] | None = array("q") if HAS_ST_FLAGS else None
        self._folders: dict[str, tuple[int, int, int, int]] = {}
        """Folder -> where its first entry is in :attr:`names`, :attr:`numbers` and
        :attr:`blocks`, and how many entries it has."""
        self._at = ("", 0, 0, 0)

    def begin(self, folder: str) -> None:
        """The entries added next are those of ``folder``, a path under the root as the walk
        joined it (``os.DirEntry.path``)."""
        relative = folder[len(self._prefix) :] if folder != self._root else ""
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        self._at = (relative, len(self.names), len(self.numbers), len(self.blocks))

    def end(self) -> None:
        """The folder begun last has all its entries."""
        relative, name_at, number_at, entry_at = self._at
        self._folders[relative] = (name_at, number_at, entry_at, len(self.blocks) - entry_at)

    def entries(self, folder: str, disk_path: str) -> list[ListedEntry] | None:
        """The entries of ``folder`` (relative to the root, as :meth:`begin` keys it), whose
        path on disk is ``disk_path``; None if the walk did not list it."""
        span = self._folders.get(folder)
        if span is None:
            return None
        name_at, number_at, entry_at, count = span
        names, numbers, blocks, flags = self.names, self.numbers, self.blocks, self.flags
        # DirEntry.path as os.scandir makes it (os.path.join), without a call per file.
        prefix = disk_path if disk_path.endswith(os.sep) else disk_path + os.sep
        found = []
        for k in range(count):
            name = names[name_at + k]
            at = number_at + 5 * k
            found.append(
                ListedEntry(
                    name,
                    prefix + name,
                    numbers[at],
                    numbers[at + 1],
                    numbers[at + 2],
                    numbers[at + 4],
                    blocks[entry_at + k],
                    flags[entry_at + k] if flags is not None else 0,
                )
            )
        return found

    def release(self) -> None:
        """Let the entries go (the scan has read them; the probe that made the listing lives
        on through the sync). A released listing holds no folder."""
        self._folders = {}
        self.names = []
        self.numbers = self.blocks = array("q")
        self.flags = None


class ListedEntry:
    """One entry of a :class:`Listing`, read as the scan reads an ``os.DirEntry``; it is its
    own stat result (the walk kept the ``lstat``, which is the ``stat`` of anything but a
    symbolic link, and a listing holds links only among the names the scan hides)."""

    __slots__ = (
        "name",
        "path",
        "st_blocks",
        "st_flags",
        "st_ino",
        "st_mode",
        "st_mtime_ns",
        "st_size",
    )

    def __init__(
        self,
        name: str,
        path: str,
        mode: int,
        size: int,
        mtime_ns: int,
        ino: int,
        blocks: int,
        flags: int,
    ) -> None:
        self.name = name
        self.path = path
        self.st_mode = mode
        self.st_size = size
        self.st_mtime_ns = mtime_ns
        self.st_ino = ino
        self.st_blocks = blocks
        self.st_flags = flags

    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.st_mode)

    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st_mode)

    def stat(self) -> ListedEntry:
        return self
