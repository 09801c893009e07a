"""What a scan finds: the files of the vault, and what it left out and why.

Plain records, built by :mod:`vaultkit.scan.walk` (every file of the vault) and
:mod:`vaultkit.scan.paths` (a few named ones), read by the indexer and the sync's reports.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import NamedTuple


class SkipReason(StrEnum):
    """Why a file or folder was left out of the scan; the values are stable codes."""

    SYNC_CONFLICT = "sync-conflict"
    ICLOUD_STUB = "icloud-stub"
    ICLOUD_EVICTED = "icloud-evicted"
    SYMLINK_OUTSIDE = "symlink-outside"
    UNREADABLE = "unreadable"
    EXCLUDED = "excluded"
    NAME_COLLISION = "name-collision"


class SourceFile(NamedTuple):
    """One file of the vault, as found on disk.

    A named tuple rather than a dataclass: a scan makes one per file, and a tuple is built
    several times faster, which a warm sync of a large vault notices.
    """

    path: str
    """Vault-relative POSIX path, Unicode NFC-normalised: the file's identity in vaultkit."""
    disk_path: str
    """Path on disk as found by the walk (through any followed symlink, not normalised)."""
    size: int
    mtime_ns: int
    is_note: bool
    """True for a ``.md`` file (the extension compared case-insensitively)."""
    ino: int = 0
    """The inode number (0: unknown). A rename keeps it: the hook, given a name new to the
    index, finds the name it came from without walking the vault."""

    @property
    def abs_path(self) -> Path:
        # Built on demand: a Path per file costs more than the stat of a warm scan.
        return Path(self.disk_path)


class Skipped(NamedTuple):
    """A file or folder the scan left out, with the reason the user should hear."""

    path: str
    """Vault-relative POSIX path, NFC. For an iCloud placeholder: the note it stands for."""
    reason: str
    """A :class:`SkipReason` value, e.g. ``sync-conflict``."""
    message: str
    """One sentence for the user, naming the path."""
    cannot_list: str = ""
    """For a folder the walk could not list, why (e.g. ``Permission denied``); else empty."""


class ScanResult(NamedTuple):
    """Everything one walk of the vault found."""

    files: tuple[SourceFile, ...]
    """Notes and attachments Obsidian shows, sorted by path."""
    skipped: tuple[Skipped, ...]
    """Files and folders left out and reported, sorted by path."""
    excluded: tuple[SourceFile, ...]
    """Files hidden by Obsidian's "Excluded files"; still valid link targets. Sorted."""
    started_ns: int
    """When the walk began (``time.time_ns()``), before it looked at any file: what an index
    update records as the time of its scan, against which a file modified in the same clock
    tick is hashed again by the next update ("racy", :mod:`vaultkit.index.changes`)."""
    warnings: tuple[str, ...] = ()
    """Problems reading Obsidian's settings (defaults were used), one sentence each."""

    @property
    def notes(self) -> tuple[SourceFile, ...]:
        """The markdown files among :attr:`files`."""
        return tuple(f for f in self.files if f.is_note)

    @property
    def attachments(self) -> tuple[SourceFile, ...]:
        """Everything in :attr:`files` that is not a note (images, PDFs, canvases, ...)."""
        return tuple(f for f in self.files if not f.is_note)
