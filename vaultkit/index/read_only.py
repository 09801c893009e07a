"""Opening the index read-only: for the look-ups made before any update (the sync stamp, the
hook's fast path, the names a renamed file came from), which must never create the file, take
a write lock on it or rebuild it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def read_only(index: Path, *, timeout: float) -> sqlite3.Connection:
    """A read-only connection to the index file at ``index``, waiting up to ``timeout`` seconds
    for a writer's lock; raises ``sqlite3.Error`` (or ``ValueError`` for a path that is no
    file URI) when it cannot be opened."""
    return sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True, timeout=timeout)
