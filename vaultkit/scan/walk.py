"""Listing the files of a vault: which files vaultkit reads, which it leaves alone, and why.

This module owns the walk over the vault folder (design section 3, "scan"). It decides what
Obsidian itself would show: dot-files and dot-folders are hidden, so the config folder,
``.trash/`` and ``.vaultkit/`` never appear. It applies the user's "Excluded files" setting
(those files stay valid link targets, so they are listed apart rather than dropped:
:mod:`vaultkit.obsidian.filters`) and vaultkit's own excludes, and it keeps sync-service
leftovers (:mod:`vaultkit.scan.leftovers`) out of the vault while reporting them.

Files are only ever stat-ed, never opened: opening an iCloud-evicted file blocks while macOS
downloads it (field lessons B7). The one file a scan reads is Obsidian's ``app.json``
(:mod:`vaultkit.obsidian.settings`).
"""

from __future__ import annotations

import errno
import os
import stat
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import is_utf8, nfc, os_reason, readable
from vaultkit.obsidian.filters import Filters, compile_filters
from vaultkit.obsidian.settings import DEFAULT_CONFIG_DIR, read_obsidian_settings
from vaultkit.scan.found import ScanResult, Skipped, SkipReason, SourceFile
from vaultkit.scan.leftovers import (
    HAS_ST_BLOCKS,
    HAS_ST_FLAGS,
    ICLOUD_SUFFIX,
    is_conflict_copy,
    is_dataless,
)
from vaultkit.scan.listing import Entry, Listing
from vaultkit.vault import is_inside

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Asked for when first needed: importing logging costs the hook's start-up ~10 ms.
    from vaultkit.feedback import logger

    return logger(__name__)


def scan_vault(
    vault: Path,
    *,
    config_dir: str = DEFAULT_CONFIG_DIR,
    extra_excludes: Sequence[str] = (),
    listed: Listing | None = None,
) -> ScanResult:
    """List the notes and attachments of ``vault``; report what was skipped and why.

    Problems with single files or folders are reported in ``skipped``, never raised. Only a
    vault folder that cannot be listed at all raises ``OSError``: an empty result there would
    read as "every note was deleted".

    ``listed``: the vault's folders as a walk that just began listed them
    (:mod:`vaultkit.scan.listing`); the scan reads those rather than the disk, and is as old
    as that walk. A folder it does not hold is listed from the disk.
    """
    started_ns = time.time_ns() if listed is None else listed.started_ns
    settings, warnings = read_obsidian_settings(vault, config_dir)
    walker = _VaultWalk(
        root=os.path.abspath(vault),
        config_dir=nfc(settings.config_dir),
        ignore=compile_filters(settings.ignore_filters),
        extra=compile_filters(tuple(extra_excludes), globs=True),
        listed=listed,
    )
    walker.run()
    return walker.result(tuple(warnings), started_ns)


# --- the walk ------------------------------------------------------------------------------


class _Dir(NamedTuple):
    abs_path: Path
    raw: str
    """Vault-relative path from the names on disk, before NFC."""
    path: str


_Found = tuple[str, SourceFile, bool]
"""(raw vault-relative path as on disk, the file, hidden by "Excluded files")."""


class _VaultWalk:
    """One iterative walk; holds what was found until :meth:`result` sorts it."""

    def __init__(
        self,
        *,
        root: str,
        config_dir: str,
        ignore: Filters,
        extra: Filters,
        listed: Listing | None = None,
    ) -> None:
        self.root = root
        self.listed = listed
        self.root_real = os.path.realpath(root)
        root_stat = os.stat(root)
        if not stat.S_ISDIR(root_stat.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "The vault is not a folder", root)
        self.config_dir = config_dir
        self.ignore = ignore
        self.extra = extra
        self.has_ignore = not ignore.empty
        self.has_extra = not extra.empty
        self.visited: set[tuple[int, int]] = set()
        self.stack: list[_Dir] = []
        self.linked_dirs: list[_Dir] = []
        self.found: list[_Found] = []
        self.non_ascii = False
        self.skipped: list[Skipped] = []

    def run(self) -> None:
        self.stack.append(_Dir(abs_path=Path(self.root), raw="", path=""))
        while True:
            while self.stack:
                self._visit(self.stack.pop())
            if not self.linked_dirs:
                return
            # Symlinked folders wait until every real folder has been listed, so that a folder
            # reachable both ways keeps its real path and the link is the one left out.
            self.linked_dirs.sort(key=lambda d: d.raw, reverse=True)
            self.stack.append(self.linked_dirs.pop())

    def result(self, warnings: tuple[str, ...], started_ns: int) -> ScanResult:
        kept: dict[str, tuple[SourceFile, bool]] = {}
        found = self.found
        # ASCII names are their own NFC form, so only a non-ASCII name can collide.
        if self.non_ascii and len({source.path for _, source, _ in found}) != len(found):
            # Two names on disk with one NFC form: the first by on-disk name wins, always.
            found = sorted(found, key=lambda item: item[0])
        for _raw, source, excluded in found:
            if source.path in kept:
                self._skip(
                    source.path,
                    SkipReason.NAME_COLLISION,
                    f"Two files are named '{source.path}' in different Unicode forms (NFC and "
                    "NFD), so only the first is used; rename or merge the other.",
                )
            else:
                kept[source.path] = (source, excluded)
        ordered = [kept[path] for path in sorted(kept)]
        return ScanResult(
            files=tuple(source for source, excluded in ordered if not excluded),
            skipped=tuple(sorted(set(self.skipped), key=lambda s: (s.path, s.reason, s.message))),
            excluded=tuple(source for source, excluded in ordered if excluded),
            warnings=warnings,
            started_ns=started_ns,
        )

    def _listing(self, folder: _Dir) -> Sequence[Entry] | None:
        """The folder's entries; None if it was listed already or cannot be (then skipped)."""
        if self.listed is not None:
            # A listing holds no symbolic link a folder could be reached through, so no
            # folder comes twice.
            entries = self.listed.entries(folder.raw, str(folder.abs_path))
            if entries is not None:
                return entries
        try:
            folder_stat = os.stat(folder.abs_path)
            identity = (folder_stat.st_dev, folder_stat.st_ino)
            if identity in self.visited:
                # A symlink back to a folder already listed (or a loop): its files are known.
                _logger().debug("not listing %s twice (symlink to a folder already seen)", folder)
                return None
            self.visited.add(identity)
            with os.scandir(folder.abs_path) as listing:
                return list(listing)
        except OSError as exc:
            if not folder.path:
                raise
            self._skip(
                folder.path,
                SkipReason.UNREADABLE,
                f"Could not read the folder '{folder.path}' ({os_reason(exc)}), so nothing "
                "in it was scanned.",
                cannot_list=os_reason(exc),
            )
            return None

    def _visit(self, folder: _Dir) -> None:
        entries = self._listing(folder)
        if entries is None:
            return
        names = _LazyNames(entries)
        # The common case, inlined: a plain ASCII-named regular file that no rule below
        # concerns. Anything else (and any doubt) takes the full path through _entry. This
        # loop runs once per file of the vault, and a warm sync is mostly this loop.
        fast = not self.has_extra
        prefix = folder.path + "/" if folder.path else ""
        raw_prefix = folder.raw + "/" if folder.raw else ""
        found = self.found
        ignore = self.ignore if self.has_ignore else None
        for entry in entries:
            name = entry.name
            if (
                fast
                and name.isascii()
                and name[:1] != "."
                and "onflict" not in name
                and (prefix or name != self.config_dir)
                and not entry.is_symlink()
                and not entry.is_dir()
            ):
                try:
                    file_stat = entry.stat()
                except OSError:
                    file_stat = None
                if (
                    file_stat is not None
                    and stat.S_ISREG(file_stat.st_mode)
                    and not (
                        (HAS_ST_FLAGS or (HAS_ST_BLOCKS and not file_stat.st_blocks))
                        and is_dataless(file_stat)
                    )
                ):
                    path = prefix + name
                    # tuple.__new__ skips the named tuple's Python-level constructor.
                    source = _new_tuple(
                        SourceFile,
                        (
                            path,
                            entry.path,
                            file_stat.st_size,
                            file_stat.st_mtime_ns,
                            name[-3:].lower() == ".md",
                            file_stat.st_ino,
                        ),
                    )
                    found.append(
                        (raw_prefix + name, source, ignore is not None and ignore.matches(path))
                    )
                    continue
            self._entry(entry, folder, names)

    def _nfc_name(self, name: str, folder: _Dir) -> str | None:
        """The entry's name as vaultkit keys it (NFC); None, skipped, if it is not UTF-8."""
        if name.isascii():
            return name
        if is_utf8(name):
            self.non_ascii = True
            return unicodedata.normalize("NFC", name)
        if not name.startswith("."):
            shown = _join(folder.path, readable(name))
            self._skip(
                shown,
                SkipReason.UNREADABLE,
                f"The name of '{shown}' is not valid UTF-8, so it was skipped; rename it.",
            )
        return None

    def _entry(self, entry: Entry, folder: _Dir, names: _LazyNames) -> None:
        """Any entry the inlined loop of _visit left to the full path: folders, links, names
        that are not plain ASCII, hidden and conflicted names, and files it could not stat."""
        name = entry.name
        nfc_name = self._nfc_name(name, folder)
        if nfc_name is None:
            return
        if nfc_name.startswith("."):
            # Hidden from Obsidian; but an iCloud placeholder stands for a visible note.
            if nfc_name.endswith(ICLOUD_SUFFIX):
                self._icloud_stub(folder, nfc_name, names)
            return
        if not folder.path and nfc_name == self.config_dir:
            return
        path = f"{folder.path}/{nfc_name}" if folder.path else nfc_name
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir()
        except OSError as exc:
            self._unreadable(path, exc)
            return

        if self.has_extra and (self.extra.covers_dir(path) if is_dir else self.extra.matches(path)):
            self._skip(
                path,
                SkipReason.EXCLUDED,
                f"'{path}' matches vaultkit's excludes, so it was not scanned.",
            )
            return
        if is_conflict_copy(nfc_name):
            kind = "folder" if is_dir else "file"
            self._skip(
                path,
                SkipReason.SYNC_CONFLICT,
                f"'{path}' is a conflict copy left by a sync service, so it was skipped; merge "
                f"it into the original {kind} and delete it.",
            )
            return
        if is_link:
            target = os.path.realpath(entry.path)
            if not is_inside(target, self.root_real):
                self._skip(
                    path,
                    SkipReason.SYMLINK_OUTSIDE,
                    f"'{path}' is a symbolic link to '{target}', outside the vault, so it was "
                    "not followed.",
                )
                return

        raw = f"{folder.raw}/{name}" if folder.raw else name
        if is_dir:
            found = _Dir(abs_path=folder.abs_path / name, raw=raw, path=path)
            (self.linked_dirs if is_link else self.stack).append(found)
            return
        self._file(entry, raw, path, is_link=is_link)

    def _file(self, entry: Entry, raw: str, path: str, *, is_link: bool) -> None:
        """A file that no name rule left out: listed, unless it is no regular file or its
        contents are not on this disk."""
        try:
            # DirEntry caches this; for a symlink it is the target's stat (is_dir() made it).
            file_stat = entry.stat()
        except OSError as exc:
            if is_link:
                self._skip(
                    path,
                    SkipReason.UNREADABLE,
                    f"'{path}' is a symbolic link whose target cannot be read "
                    f"({os_reason(exc)}), so it was skipped.",
                )
            else:
                self._unreadable(path, exc)
            return
        if not stat.S_ISREG(file_stat.st_mode):
            # FIFOs, sockets and devices: reading one could block or never end.
            self._skip(
                path,
                SkipReason.UNREADABLE,
                f"'{path}' is not a regular file, so it was skipped.",
            )
            return
        if is_dataless(file_stat):
            self._skip(
                path,
                SkipReason.ICLOUD_EVICTED,
                f"'{path}' has been offloaded to iCloud and reading it would force a download, "
                "so it was skipped; download it in Finder to include it.",
            )
            return
        source = SourceFile(
            path=path,
            disk_path=entry.path,
            size=file_stat.st_size,
            mtime_ns=file_stat.st_mtime_ns,
            is_note=path[-3:].lower() == ".md",
            ino=file_stat.st_ino,
        )
        self.found.append((raw, source, self.has_ignore and self.ignore.matches(path)))

    def _icloud_stub(self, folder: _Dir, stub: str, names: _LazyNames) -> None:
        real = stub[1 : -len(ICLOUD_SUFFIX)]
        # With the real file present the placeholder is stale and the note is scanned as usual.
        if not real or real.startswith(".") or real in names.get():
            return
        path = _join(folder.path, real)
        if self.extra.matches(path):
            return
        self._skip(
            path,
            SkipReason.ICLOUD_STUB,
            f"'{path}' is stored only in iCloud (the folder holds just the placeholder "
            f"'{stub}'), so it was not read; download it in Finder to include it.",
        )

    def _unreadable(self, path: str, exc: OSError) -> None:
        self._skip(
            path,
            SkipReason.UNREADABLE,
            f"Could not read '{path}' ({os_reason(exc)}), so it was skipped.",
        )

    def _skip(self, path: str, reason: SkipReason, message: str, cannot_list: str = "") -> None:
        self.skipped.append(Skipped(path, reason.value, message, cannot_list))


# --- small helpers -------------------------------------------------------------------------

_new_tuple = tuple.__new__


class _LazyNames:
    """The NFC names of one folder's entries, listed only if an iCloud placeholder asks."""

    __slots__ = ("_entries", "_names")

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = entries
        self._names: set[str] | None = None

    def get(self) -> set[str]:
        if self._names is None:
            self._names = {nfc(e.name) for e in self._entries if is_utf8(e.name)}
        return self._names


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
