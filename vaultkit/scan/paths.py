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
from collections.abc import Sequence
from pathlib import Path

from vaultkit.files import nfc
from vaultkit.obsidian.filters import compile_filters
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
    """What :func:`scan_vault` would report for just these vault-relative paths.

    For the hook, which is told which file changed: a saved note then costs the same in a
    vault of any size. A path that is absent, hidden, excluded or otherwise not scanned is
    left out of the result (the caller treats it as gone from the index). Returns None when
    it cannot be sure to agree with a full walk (a symbolic link on the way, a name stored
    in another Unicode form): the caller then scans the whole vault. Raises ``OSError`` when
    the vault folder itself cannot be read, as :func:`scan_vault` does.
    """
    root = os.path.abspath(vault)
    if not stat.S_ISDIR(os.stat(root).st_mode):  # as scan_vault: a vault that is gone raises
        raise NotADirectoryError(errno.ENOTDIR, "The vault is not a folder", root)
    settings, warnings = read_obsidian_settings(vault, config_dir)
    ignore = compile_filters(settings.ignore_filters)
    extra = compile_filters(tuple(extra_excludes))
    real_root = os.path.realpath(root)
    files: list[SourceFile] = []
    excluded: list[SourceFile] = []
    for raw_path in paths:
        path = nfc(raw_path)
        parts = path.split("/")
        if any(part.startswith(".") or not part for part in parts) or parts[0] == nfc(
            settings.config_dir
        ):
            continue  # hidden from Obsidian, as the walk leaves dot-files and dot-folders
        if extra.matches(path) or any(
            extra.covers_dir("/".join(parts[:end])) for end in range(1, len(parts))
        ):
            continue
        if any(is_conflict_copy(part) for part in parts):
            continue
        disk_path = os.path.join(root, *parts)
        try:
            file_stat = os.stat(disk_path)
        except FileNotFoundError:
            if os.path.lexists(disk_path):
                return None  # a dangling symbolic link: let the walk report it
            continue
        except OSError:
            return None
        if os.path.realpath(disk_path) != os.path.join(real_root, *parts):
            return None  # a symbolic link or another spelling of the name on the way
        if not stat.S_ISREG(file_stat.st_mode) or is_dataless(file_stat):
            return None
        source = SourceFile(
            path=path,
            disk_path=disk_path,
            size=file_stat.st_size,
            mtime_ns=file_stat.st_mtime_ns,
            is_note=path[-3:].lower() == ".md",
        )
        (excluded if ignore.matches(path) else files).append(source)
    return ScanResult(
        files=tuple(sorted(files, key=lambda f: f.path)),
        skipped=(),
        excluded=tuple(sorted(excluded, key=lambda f: f.path)),
        warnings=tuple(warnings),
    )
