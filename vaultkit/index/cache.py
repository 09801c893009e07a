"""The indexes in vaultkit's cache folder: which vault each belongs to, and pruning the ones
whose vault is gone (``vaultkit cache list`` and ``vaultkit cache prune``).

Every vault's default index lands in the one cache folder (:func:`vaultkit.vaultpaths.
cache_folder`), and nothing removed the index of a vault that was deleted or moved: at about
three times the vault's size, they piled up. An index records its vault in its ``meta`` table
(:data:`vaultkit.index.meta.VAULT_KEY`, the vault folder with links resolved, written by every
update); an index that does not (one of an early vaultkit, or one never updated) has no known
vault and is never pruned. Only a file :func:`vaultkit.index.ownership.index_owner` proves to
be vaultkit's is listed, and only such a file (with its ``-wal``, ``-shm`` and ``-journal``
companions) is ever removed, through :func:`vaultkit.index.ownership.remove_index`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from vaultkit import vaultpaths
from vaultkit.errors import VaultkitError
from vaultkit.index.meta import VAULT_KEY
from vaultkit.index.ownership import COMPANIONS, index_owner, remove_index

SUFFIX = ".sqlite3"
"""The file name ending of every index in the cache folder (``default_index_path``)."""


class CachedIndex(NamedTuple):
    """One vaultkit index in the cache folder."""

    path: Path
    vault: str | None
    """The vault folder it was filled from; None when the index does not record it."""
    vault_exists: bool | None
    """Whether that folder exists now; None when the vault is unknown."""
    size: int
    """Bytes on disk, its ``-wal``, ``-shm`` and ``-journal`` files included."""
    last_used: float
    """When vaultkit last wrote to it (the latest modification time of it and its
    companions, seconds since the epoch)."""


class Pruned(NamedTuple):
    """What ``cache prune`` removed (or, for a dry run, would remove), and what it could not."""

    removed: list[CachedIndex]
    failed: list[tuple[CachedIndex, str]]
    """Indexes whose vault is gone that could not be removed, each with the reason."""

    @property
    def freed(self) -> int:
        return sum(index.size for index in self.removed)


def _files(path: Path) -> list[os.stat_result]:
    """The state of the index file and of each companion that exists."""
    found = []
    for suffix in ("", *COMPANIONS):
        try:
            found.append(os.stat(str(path) + suffix))
        except OSError:
            continue
    return found


def recorded_vault(path: Path) -> str | None:
    """The vault an index of vaultkit's records (``meta`` key ``vault``), or None.

    Read without writing anything: with ``immutable=1`` SQLite reads the main file only and
    creates no ``-wal`` or ``-shm`` file beside it. Only when a write-ahead log is there (a
    vaultkit running now, or one killed) is it read too, in read-only mode, so that a vault
    recorded by the very first update, still in that log, is found.
    """
    wal = os.path.exists(f"{path}-wal")
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if wal else "&immutable=1")
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=2)) as connection:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (VAULT_KEY,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row is not None and isinstance(row[0], str) and row[0] else None


def cached_indexes(folder: Path | None = None) -> list[CachedIndex]:
    """Every vaultkit index directly in ``folder`` (default: the cache folder), by path.

    A file is listed only when it is a regular file named ``*.sqlite3`` that
    :func:`index_owner` recognises as vaultkit's: another program's database, a damaged file
    or anything else there is neither listed nor ever touched.
    """
    folder = vaultpaths.cache_folder() if folder is None else folder
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise VaultkitError(
            f"the cache folder cannot be listed ({exc.strerror}); check its permissions",
            path=str(folder),
        ) from None
    found = []
    for entry in entries:
        if not entry.name.endswith(SUFFIX):
            continue
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                continue  # a link, a folder, a FIFO: not a file vaultkit made here
            if index_owner(Path(entry.path)) != "ours":
                continue
        except (OSError, VaultkitError):
            continue
        path = Path(entry.path)
        states = _files(path)
        vault = recorded_vault(path)
        found.append(
            CachedIndex(
                path=path,
                vault=vault,
                vault_exists=None if vault is None else os.path.isdir(vault),
                size=sum(state.st_size for state in states),
                last_used=max((state.st_mtime for state in states), default=0.0),
            )
        )
    return found


def prune(folder: Path | None = None, *, dry_run: bool = False) -> Pruned:
    """Remove every index of the cache folder whose recorded vault no longer exists.

    An index whose vault is unknown, or whose vault folder exists, is kept. A vault on a drive
    that is not mounted counts as gone: its index is only a cache, rebuilt by the next run.
    """
    removed: list[CachedIndex] = []
    failed: list[tuple[CachedIndex, str]] = []
    for index in cached_indexes(folder):
        if index.vault_exists is not False:
            continue
        if dry_run:
            removed.append(index)
            continue
        try:
            remove_index(index.path)
        except VaultkitError as exc:
            failed.append((index, exc.message))
        except OSError as exc:
            failed.append((index, f"cannot be removed ({exc.strerror})"))
        else:
            removed.append(index)
    return Pruned(removed, failed)
