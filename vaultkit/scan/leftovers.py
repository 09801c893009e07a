"""What sync services leave in a vault folder: conflict copies and iCloud stand-ins.

Syncthing and Dropbox keep both sides of a conflict as a second file beside the note; iCloud
("Optimize Mac Storage") replaces a note by a hidden ``.Name.md.icloud`` placeholder, or keeps
the name while the contents live only in the cloud. None of these is a note of the vault: the
scan leaves them out and reports them (:mod:`vaultkit.scan.walk`). Everything here judges a
name or a stat result; nothing opens a file, since opening an evicted one blocks while macOS
downloads it (field lessons B7).
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Protocol

ICLOUD_SUFFIX = ".icloud"
"""The suffix of iCloud's placeholder ``.<name>.icloud`` for a file stored only in the cloud."""

# st_flags bit macOS sets on a file whose contents live only in the cloud (<sys/stat.h>).
_SF_DATALESS = 0x40000000
HAS_ST_FLAGS = hasattr(os.stat_result, "st_flags")
"""Whether this platform reports BSD file flags (macOS), so :func:`is_dataless` can tell."""
HAS_ST_BLOCKS = hasattr(os.stat_result, "st_blocks")
"""Whether this platform reports the blocks a file occupies (all but Windows)."""


# Syncthing: "Note.sync-conflict-20240131-235959-ABCDEFG.md" (older releases had no device id).
# Dropbox: "Note (conflicted copy 2024-01-31).md", "Note (Ann's conflicted copy 2024-01-31).md",
# "Note (Case Conflict).md", "Note (Selective Sync Conflict).md".
@cache
def _sync_conflict() -> re.Pattern[str]:
    # Compiled on first use (~0.7 ms): nearly every run meets no name with "onflict" in it.
    return re.compile(
        r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Za-z0-9]{7})?(?:\.|$)"
        r"| \((?:[^()]*['’]s )?conflicted copy\b"
        r"|\((?:case|selective sync) conflict\b",
        re.IGNORECASE,
    )


def is_conflict_copy(name: str) -> bool:
    """Whether a file or folder name is a sync service's conflict copy."""
    # The substring test first: it spares the regex for nearly every name.
    return "onflict" in name and _sync_conflict().search(name) is not None


class FileStat(Protocol):
    """What the scan reads of a file's status: ``os.stat_result``, or a listed entry."""

    @property
    def st_mode(self) -> int: ...
    @property
    def st_size(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...
    @property
    def st_ino(self) -> int: ...
    @property
    def st_blocks(self) -> int: ...


def is_dataless(file_stat: FileStat) -> bool:
    """Whether the file's contents are not on this disk (iCloud "Optimize Mac Storage")."""
    flags: int | None = getattr(file_stat, "st_flags", None)
    if flags is not None and flags & _SF_DATALESS:
        return True
    # Since macOS 12.3 an evicted file keeps its size but occupies no blocks (B7).
    blocks: int | None = getattr(file_stat, "st_blocks", None)
    return blocks is not None and blocks == 0 and file_stat.st_size > 0
