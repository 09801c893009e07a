"""What a change can have moved, told without walking the vault: one home for the hook and
the watcher.

A sync given the paths that changed (``run_sync(changed=...)``) looks at those alone instead
of walking the vault, which at 100,000 notes costs seconds. Both live surfaces know such
paths: the hook the one the Shell commands plugin names, the watcher a burst of file events.
A folder created, renamed, moved or deleted stands for every file under it, so it is turned
into the files under it now (created, or renamed or moved here) and those the index holds
under its path (renamed or moved away, or deleted); the sync finds where the new ones came
from by their inodes (``vaultkit.index.moves``), so a folder renamed is a batch of renames.
The plugin's file events also tell such a folder, one note at a time: a note that came or
went with its folder stands for the folder (:func:`came_or_went_with`).

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
from vaultkit.index.old_names import gone_names
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


OnDisk = tuple[int, int, int]
"""A file's (inode, mtime_ns, size), as a rename keeps them."""


def renamed_from(paths: VaultPaths, rel: str, on_disk: OnDisk) -> list[str]:
    """The names the index holds the file at ``rel`` under, if it is new to the index
    (:func:`vaultkit.index.old_names.gone_names`). Empty when the index holds ``rel``, knows
    no such name, or cannot tell (no index, no inode numbers)."""
    found = _new_to_the_index(paths, rel, on_disk)
    return found[0] if found is not None else []


def came_or_went_with(paths: VaultPaths, rel: str, on_disk: OnDisk | None) -> str | None:
    """The folder the note at ``rel`` came or went with, as it is now. When a folder is
    renamed, moved, deleted, or copied into the vault, Obsidian tells each note under it as
    renamed, moved, deleted or created (the plugin's file events, each with one note), so the
    hook given any one of them takes the whole folder (:func:`folder_files`) and the others
    find nothing left to do.

    ``on_disk``: the note's (inode, mtime_ns, size), None when it is gone. A note gone whose
    folder is gone too: the highest folder above it that is gone. A note new to the index
    under a name gone with a folder above it (:func:`renamed_from`), whose path ends as that
    name did below the gone folder: that folder at its new place. A note new to the index
    under no other name, in a folder the index holds no file under: the highest such folder
    (copied in, or brought by a sync service). None otherwise (a note created in a folder the
    index knows, renamed or moved alone, deleted alone), and when the index cannot tell."""
    if hidden(rel):
        return None
    vault = paths.root
    if on_disk is None:
        return _gone_folder(vault, rel)
    found = _new_to_the_index(paths, rel, on_disk)
    if found is None:
        return None
    olds, unknown = found
    for old in olds:
        gone = _gone_folder(vault, old)
        if gone is None:
            continue
        below = old[len(gone) :]  # "/…/name.md", as it was under the gone folder
        folder = rel[: -len(below)] if rel.endswith(below) else ""
        if folder and not hidden(folder) and _is_folder(vault / folder):
            return folder
    if olds or unknown is None:
        return None  # renamed or moved alone, or created where the index knows the folder
    return unknown if _is_folder(vault / unknown) else None


def _new_to_the_index(
    paths: VaultPaths, rel: str, on_disk: OnDisk
) -> tuple[list[str], str | None] | None:
    """For a file the index does not hold at ``rel``: the names of its inode that are gone
    (:func:`renamed_from`), and the highest folder above ``rel`` the index holds no file
    under (None: it knows every one). None when the index holds ``rel`` or cannot tell."""
    index = paths.index.path
    try:
        if not index.is_file():
            return None
        with closing(read_only(index, timeout=2)) as connection:
            if connection.execute("SELECT 1 FROM files WHERE path = ?", (rel,)).fetchone():
                return None  # known: saved, not moved
            # No inode numbers (some file systems): nothing to match.
            olds = gone_names(connection, paths.root, rel, *on_disk) if on_disk[0] else []
            parts = rel.split("/")[:-1]
            unknown = None
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth])
                # Everything under the folder: one range of the primary key ("A/" up to "A0").
                if not connection.execute(
                    "SELECT 1 FROM files WHERE path > ? AND path < ? LIMIT 1",
                    (folder + "/", folder + "0"),
                ).fetchone():
                    unknown = folder
                    break
    except (OSError, ValueError, sqlite3.Error):
        return None
    return olds, unknown


def _gone_folder(vault: Path, rel: str) -> str | None:
    """The highest folder above the vault path ``rel`` that is gone from the disk, if any."""
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        if not os.path.lexists(vault.joinpath(*parts[:depth])):
            return "/".join(parts[:depth])
    return None


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


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
