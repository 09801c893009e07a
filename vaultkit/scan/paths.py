"""Scanning a few named files instead of the whole vault: the hook's "this note was saved".

:func:`scan_paths` reports what a full walk (:mod:`vaultkit.scan.walk`) would report for just
the given paths, so that a saved note costs the same in a vault of any size, or says it cannot
be sure to agree (a symbolic link on the way, a name stored in another Unicode form), and the
caller walks the vault after all.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from vaultkit.files import nfc
from vaultkit.obsidian.filters import Filters, compile_filters
from vaultkit.obsidian.settings import DEFAULT_CONFIG_DIR, read_obsidian_settings
from vaultkit.scan.found import ScanResult, SourceFile
from vaultkit.scan.leftovers import is_conflict_copy, is_dataless


def scan_paths(
    vault: Path,
    paths: Sequence[str],
    *,
    config_dir: str = DEFAULT_CONFIG_DIR,
    extra_excludes: Sequence[str] = (),
) -> ScanResult | None:
    """What a full scan (:func:`vaultkit.scan.walk.scan_vault`) would report for just these
    vault-relative paths.

    For the hook, which is told which file changed: a saved note then costs the same in a
    vault of any size. A path that is absent, hidden, excluded or otherwise not scanned is
    left out of the result (the caller treats it as gone from the index). Returns None when
    it cannot be sure to agree with a full walk (a symbolic link on the way, a name stored
    in another Unicode form): the caller then scans the whole vault. Raises ``OSError`` when
    the vault folder itself cannot be read, as a full scan does.
    """
    started_ns = time.time_ns()
    root = os.path.abspath(vault)
    if not stat.S_ISDIR(os.stat(root).st_mode):  # as scan_vault: a vault that is gone raises
        raise NotADirectoryError(errno.ENOTDIR, "The vault is not a folder", root)
    settings, warnings = read_obsidian_settings(vault, config_dir)
    ignore = compile_filters(settings.ignore_filters)
    extra = compile_filters(tuple(extra_excludes), globs=True)
    real_root = os.path.realpath(root)
    real_folders: dict[str, str] = {}
    files: list[SourceFile] = []
    excluded: list[SourceFile] = []
    try:
        for raw_path in paths:
            path = nfc(raw_path)
            parts = path.split("/")
            if _left_out(parts, nfc(settings.config_dir), extra):
                continue
            source = _on_disk(root, real_root, path, parts, real_folders)
            if source is not None:
                (excluded if ignore.matches(path) else files).append(source)
    except _UnsureError:
        return None
    return ScanResult(
        files=tuple(sorted(files, key=lambda f: f.path)),
        skipped=(),
        excluded=tuple(sorted(excluded, key=lambda f: f.path)),
        warnings=tuple(warnings),
        started_ns=started_ns,
    )


def _real_path(disk_path: str, real_folders: dict[str, str]) -> str:
    """``os.path.realpath(disk_path)``, with its folder resolved once for all the files asked
    for in it (a folder renamed names a hundred: each resolved whole took ~20 µs, a look at
    every folder above it). On POSIX a name that is no symbolic link resolves to itself in its
    resolved folder; Windows also resolves a name's spelling, so there each path is resolved
    whole."""
    if os.name == "nt" or os.path.islink(disk_path):
        return os.path.realpath(disk_path)
    folder, name = os.path.split(disk_path)
    real = real_folders.get(folder)
    if real is None:
        real = real_folders[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


class _UnsureError(Exception):
    """The path may not be what a full walk would make of it."""


def _left_out(parts: list[str], config_dir: str, extra: Filters) -> bool:
    """Whether the walk leaves the path out by its name alone (reporting it or not)."""
    if any(part.startswith(".") or not part for part in parts) or parts[0] == config_dir:
        return True  # hidden from Obsidian, as the walk leaves dot-files and dot-folders
    path = "/".join(parts)
    if extra.matches(path) or any(
        extra.covers_dir("/".join(parts[:end])) for end in range(1, len(parts))
    ):
        return True
    return any(is_conflict_copy(part) for part in parts)


def _on_disk(
    root: str, real_root: str, path: str, parts: list[str], real_folders: dict[str, str]
) -> SourceFile | None:
    """The file at the path (None: there is none); :class:`_UnsureError` for anything but a
    regular file reached without a symbolic link and in the name's own spelling.
    ``real_folders``: the folders resolved so far (:func:`_real_path`)."""
    disk_path = os.path.join(root, *parts)
    try:
        file_stat = os.stat(disk_path)
    except FileNotFoundError:
        if os.path.lexists(disk_path):
            raise _UnsureError from None  # a dangling symbolic link: let the walk report it
        return None
    except OSError:
        raise _UnsureError from None
    if _real_path(disk_path, real_folders) != os.path.join(real_root, *parts):
        raise _UnsureError  # a symbolic link or another spelling of the name on the way
    if not stat.S_ISREG(file_stat.st_mode) or is_dataless(file_stat):
        raise _UnsureError
    return SourceFile(
        path=path,
        disk_path=disk_path,
        size=file_stat.st_size,
        mtime_ns=file_stat.st_mtime_ns,
        is_note=path[-3:].lower() == ".md",
        ino=file_stat.st_ino,
    )
