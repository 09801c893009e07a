"""The guard rails a sync checks after planning and before writing anything (design 8.6, 8.7).

A run that would write more files than ``max_files_written``, create a file larger than a
render may be, or grow a file past ``max_growth`` stops with :class:`GuardRailError`; a
``--force`` whose backups would land outside the vault stops with :class:`BackupOutsideError`.
Either way nothing has been written: the checks run on the whole plan first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.errors import VaultkitError
from vaultkit.vault import leads_outside
from vaultkit.writeback.plan import Planned
from vaultkit.writeback.regions import WriteStatus

if TYPE_CHECKING:
    from vaultkit.config.schema import Config
    from vaultkit.vaultpaths import VaultPaths

NEW_FILE_HEADER_ROOM = 4096
"""Bytes a new generated file may hold on top of ``max_output``: its ``%% vaultkit:file``
header line."""


class GuardRailError(VaultkitError):
    """The run would write too much; nothing was written."""


class BackupOutsideError(VaultkitError):
    """``--force`` would save its backups outside the vault; nothing was written."""


def check_guard_rails(vault: Path, config: Config, planned: list[Planned]) -> None:
    """Refuse a run that would write too many files, or files too large (design 8.7)."""
    writes = [p for p in planned if p.status in (WriteStatus.WRITTEN, WriteStatus.CREATED)]
    limit = config.vault.max_files_written
    if len(writes) > limit:
        raise GuardRailError(
            f"this run would write {len(writes)} files, more than max_files_written = {limit}; "
            "nothing was written. Check the dashboard targets, or raise the limit in "
            ".vaultkit/config.toml"
        )
    settings = config.vault
    for item in writes:
        new_size = len(item.new or b"")
        if item.old is None:
            # A new file holds nothing of the user's: it may be as large as a render may be
            # (plus vaultkit's header line).
            if new_size > settings.max_output + NEW_FILE_HEADER_ROOM:
                raise GuardRailError(
                    f"this run would create a file of {new_size:,} bytes, more than "
                    f"max_output = {settings.max_output:,}; nothing was written. If that is "
                    "expected, raise max_output in .vaultkit/config.toml",
                    path=item.path.relative_to(vault).as_posix(),
                )
            continue
        old_size = len(item.old)
        # Any file may reach growth_allowance bytes (a factor says nothing about a 99-byte
        # note); past that, it may grow by max_growth times.
        if new_size > max(settings.max_growth * old_size, settings.growth_allowance):
            raise GuardRailError(
                f"this run would grow the file from {old_size:,} to {new_size:,} bytes, more "
                f"than max_growth = {settings.max_growth:g}x (and past growth_allowance = "
                f"{settings.growth_allowance:,} bytes); nothing was written. If that is "
                "expected, raise max_growth or growth_allowance in .vaultkit/config.toml",
                path=item.path.relative_to(vault).as_posix(),
            )


def check_backup_folder(vault: Path, folder: Path) -> None:
    """Refuse ``--force`` when a backup would land outside the vault (design 8.6).

    ``.vaultkit/``, its ``backups/`` or a folder under it may be a symbolic link leading out of
    the vault; ``vaultkit.writeback.apply`` would follow it. Checked before anything is written.
    """
    found = leads_outside(vault, folder.relative_to(vault).as_posix())
    if found is not None:
        path, real = found
        raise BackupOutsideError(
            f"leads outside the vault (to {real}), where --force would save its backups, so "
            "nothing was written; make it a real folder inside the vault, or sync without --force",
            path=str(path),
        )


def check_backup_folders(paths: VaultPaths, planned: list[Planned]) -> None:
    """:func:`check_backup_folder` for the folder of each backup this run would save.

    ``vaultkit.writeback.apply`` backs up every existing file it overwrites, at the target's path
    (symlinks resolved) under :attr:`VaultPaths.backups`.
    """
    vault = paths.root
    root = Path(os.path.realpath(vault))
    folders: set[Path] = set()
    for item in planned:
        if item.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED) or item.old is None:
            continue
        try:
            relative = Path(os.path.realpath(item.path)).relative_to(root)
        except ValueError:
            continue  # a target outside the vault: the write itself is refused
        folders.add(paths.backups / relative.parent)
    for folder in sorted(folders):
        check_backup_folder(vault, folder)
