"""Turning raw file events into "something may have changed" (design section 9).

The observer's callback only records the changed paths and wakes the watcher's worker
(:class:`ChangeRecorder`, as mkdocs' livereload does); nothing here reads a file. Events are
hints: :func:`vaultkit.sync.run.run_sync` and the index's stat and hash decide what changed
(field lessons B11). What can never change what vaultkit writes is filtered out here
(:func:`is_ignored`): Obsidian's workspace churn, the trash, git, and vaultkit's own lock,
backups, temp files and index.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from vaultkit.vault import CONFIG_DIR, SETTINGS_FILES
from vaultkit.vaultpaths import BACKUPS_PATH, CONFIG_PATH, TEMPLATES_PATH, VAULTKIT_DIR
from vaultkit.writeback.temps import TEMP_SUFFIX

IGNORED_DIRS = frozenset({CONFIG_DIR, ".trash", ".git"})
# Obsidian rewrites .obsidian/workspace.json on every click, but these two files are
# settings vaultkit reads (excluded files, daily-note format), so they still count.
OBSIDIAN_SETTINGS = frozenset(SETTINGS_FILES)
BACKUPS = BACKUPS_PATH.as_posix() + "/"
VAULTKIT_READ = frozenset({VAULTKIT_DIR, CONFIG_PATH.as_posix(), TEMPLATES_PATH.as_posix()})
"""What a sync reads in .vaultkit/ (with the templates folder's files). The rest is vaultkit's
own writing: the lock (.vaultkit/lock), backups, and an index the config keeps there, whose
every update would otherwise wake the watcher again."""
# Open/close-without-write events say nothing about content.
IGNORED_EVENT_TYPES = frozenset({"opened", "closed_no_write"})


def is_ignored(rel: str) -> bool:
    """Whether a vault-relative POSIX path can never change what vaultkit writes."""
    if not rel or rel == ".":
        return True
    if rel in OBSIDIAN_SETTINGS:
        return False
    if rel.split("/", 1)[0] in IGNORED_DIRS or rel.startswith(BACKUPS):
        return True
    if rel.startswith(VAULTKIT_DIR + "/") and not (
        rel in VAULTKIT_READ or rel.startswith(TEMPLATES_PATH.as_posix() + "/")
    ):
        return True
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


class ChangeRecorder(FileSystemEventHandler):
    """Observer callback: records changed paths and wakes the worker, nothing more."""

    def __init__(self, vault: Path) -> None:
        self.prefix = str(vault) + os.sep
        self.cond = threading.Condition()
        self.pending: set[str] = set()
        self.folders: set[str] = set()
        """Those of :attr:`pending` that events said were folders (created, moved, deleted)."""
        self.first_event = 0.0
        self.last_event = 0.0

    def _relative(self, raw: bytes | str) -> str | None:
        path = os.fsdecode(raw)
        if not path.startswith(self.prefix):
            return None
        rel = path[len(self.prefix) :].replace(os.sep, "/")
        return None if is_ignored(rel) else rel

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENT_TYPES:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's mtime moves with its files; the file events carry the news
        paths = [self._relative(event.src_path)]
        # Editors save by writing a temp file and renaming it over the note: the note is
        # the destination of the move (field lessons B8, B11).
        if event.dest_path:
            paths.append(self._relative(event.dest_path))
        found = {p for p in paths if p is not None}
        if not found:
            return
        with self.cond:
            now = time.monotonic()
            if not self.pending:
                self.first_event = now
            self.pending |= found
            if event.is_directory:
                self.folders |= found
            self.last_event = now
            self.cond.notify_all()

    def take(self) -> tuple[set[str], set[str]]:
        """The paths recorded so far and which of them are folders, forgotten here (the caller
        holds :attr:`cond`)."""
        taken = self.pending, self.folders
        self.pending, self.folders = set(), set()
        return taken
