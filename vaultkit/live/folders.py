"""What a change can have moved, told without walking the vault: one home for the hook and
the watcher.

A sync given the paths that changed (``run_sync(changed=...)``) looks at those alone instead
of walking the vault, which at 100,000 notes costs seconds. Both live surfaces know such
paths: the hook the one the Shell commands plugin names, the watcher a burst of file events.
A folder created, renamed, moved or deleted stands for every file under it, so it is turned
into the files under it now (created, or renamed or moved here) and those the index holds
under its path (renamed or moved away, or deleted); the sync finds where the new ones came
from by their inodes (``vaultkit.index.moves``), so a folder renamed is a batch of renames.

Whatever these cannot account for gets the walk: a folder of more than :data:`FOLDER_LIMIT`
files, a symbolic link or a name that is not UTF-8 under one (the scan's rules for those are
the walk's), a folder that cannot be listed, no index yet, and, in a burst, a dot-path
(settings, the config, templates), a loose attachment (it can change what links point at),
or more than :data:`PARTIAL_LIMIT` loose notes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import unicodedata
from collections.abc import Collection
from contextlib import closing
from pathlib import Path, PurePosixPath

from vaultkit.files import readable
from vaultkit.index.read_only import read_only
from vaultkit.vaultpaths import VaultPaths

FOLDER_LIMIT = 2000
"""Files under the folders of a change looked at one by one, at most (each new name's old one
is looked up in the index); past that, one walk of the vault costs less."""
PARTIAL_LIMIT = 64
"""Notes of a burst outside its folders looked at one by one, at most; past that, the burst
is more likely a sync service or git bringing many changes, which the walk takes whole."""


def names_a_folder(file_path: Path, rel: str) -> bool:
    """Whether ``rel`` is a folder of the vault (not a dot-folder): one that is there, or,
    gone, a path without a file extension (a folder renamed or deleted)."""
    if hidden(rel):
        return False
    try:
        return stat.S_ISDIR(os.stat(file_path).st_mode)
    except FileNotFoundError:
        return not PurePosixPath(rel).suffix
    except OSError:
        return False


def folder_files(paths: VaultPaths, file_path: Path, rel: str) -> list[str] | None:
    """The vault paths a folder event can have moved: the files under the folder now and
    those the index holds under its path, sorted; None when only a walk can tell (see the
    module docstring)."""
    found: list[str] = []
    # (folder on disk, its vault path): named from ``rel``, as the plugin may give the vault
    # through a path that is not the resolved one.
    folders = [(file_path, rel)] if file_path.is_dir() and not file_path.is_symlink() else []
    try:
        while folders:
            folder, folder_rel = folders.pop()
            with os.scandir(folder) as listing:
                for entry in listing:
                    name = f"{folder_rel}/{entry.name}"
                    if entry.is_symlink() or readable(name) != name:
                        return None
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((Path(entry.path), name))
                    elif len(found) == FOLDER_LIMIT:
                        return None
                    else:
                        found.append(unicodedata.normalize("NFC", name))
        index = paths.index.path
        if not index.is_file():
            return None
        with closing(read_only(index, timeout=2)) as connection:
            # Everything under the folder: one range of the primary key ("A/" up to "A0").
            indexed = [
                row[0]
                for row in connection.execute(
                    "SELECT path FROM files WHERE path > ? AND path < ?", (rel + "/", rel + "0")
                )
            ]
    except (OSError, ValueError, sqlite3.Error):
        return None
    listed = sorted({*found, *indexed})
    return listed if len(listed) <= FOLDER_LIMIT else None


def burst_changes(
    paths: VaultPaths, changed: Collection[str], folders: Collection[str]
) -> list[str] | None:
    """The files a sync must look at for a burst of the watcher's events, sorted; None when
    the vault must be walked.

    ``changed`` are the vault paths the events named; ``folders`` those of them the events
    said were folders (created, moved or deleted). Each folder stands for the files under it
    (:func:`folder_files`), which also covers the events of the files it carried along; every
    other path must be a visible note.
    """
    listed: set[str] = set()
    for rel in sorted(folders):
        if hidden(rel):
            return None
        files = folder_files(paths, paths.root / rel, rel)
        if files is None:
            return None
        listed.update(files)
    loose = [
        rel
        for rel in changed
        if rel not in folders and not any(rel.startswith(f"{folder}/") for folder in folders)
    ]
    if len(loose) > PARTIAL_LIMIT or not all(_visible_note(rel) for rel in loose):
        return None
    found = sorted(listed.union(loose))
    return found if len(found) <= FOLDER_LIMIT else None


def hidden(rel: str) -> bool:
    """The vault itself, or a path in a dot-folder or of a dot-file: Obsidian hides those
    (``rel`` vault-relative, POSIX)."""
    return rel in ("", ".") or any(part.startswith(".") for part in rel.split("/"))


def _visible_note(rel: str) -> bool:
    return rel.lower().endswith(".md") and not hidden(rel)
