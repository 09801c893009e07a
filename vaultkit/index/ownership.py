"""Whose file is at the index path: the index is only ever vaultkit's (design 8 item 12).

Every index vaultkit creates carries :data:`APPLICATION_ID` in its header, and a file is
deleted or rebuilt only when it is provably vaultkit's (:func:`index_owner`). Another program's
database, a note, or an unrecognisable file at a configured location is an error (exit 2) and
stays as it was; only at the default location, in vaultkit's own cache folder, is an
unrecognisable (damaged) file rebuilt silently, as design section 6 promises. Judged from the
file's header, without letting SQLite write to it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from contextlib import closing, suppress
from pathlib import Path

from vaultkit import vaultpaths
from vaultkit.errors import VaultkitError
from vaultkit.index.meta import SCHEMA_VERSION_KEY

APPLICATION_ID = 0x564B6978
"""``PRAGMA application_id`` of every index vaultkit creates (the bytes ``VKix``): the mark by
which vaultkit knows, from the file's header alone, that a file is its own to rebuild
(``file(1)`` shows it too). Indexes of earlier versions carry no mark; :func:`index_owner`
recognises those by their ``meta`` table and marks them when it opens them."""


class NotAnIndexError(VaultkitError):
    """A file at the index path that vaultkit cannot prove to be its index: left alone."""


_SQLITE_MAGIC = b"SQLite format 3\0"
COMPANIONS = ("-wal", "-shm", "-journal")
"""Suffixes of the files SQLite keeps beside an index: they go (and are checked) with it."""
_LEGACY_VERSION = re.compile(r"\d+(\.\d+)*")


def index_owner(path: Path) -> str:
    """Whose file is at the index path, judged without letting SQLite write to it.

    ``"absent"``; ``"empty"`` (0 bytes); ``"ours"``: a SQLite file whose header carries
    :data:`APPLICATION_ID` (bytes 68-71, big-endian), or one of an earlier vaultkit (no
    application id; a ``meta`` table whose ``schema_version`` is a version number, beside
    ``files`` and ``notes`` tables); ``"foreign"``: a SQLite database that is provably
    another program's (another application id, or readable tables without vaultkit's mark);
    ``"unknown"``: anything else: not SQLite at all, truncated, damaged, or an empty database.
    Something that is not a regular file (a folder, a FIFO, a device) raises
    :class:`vaultkit.vaultpaths.IndexPathError` before it is opened.
    """
    vaultpaths.check_index_file(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return "absent"
    if not head:
        return "empty"
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return "unknown"
    application_id = int.from_bytes(head[68:72], "big")
    if application_id == APPLICATION_ID:
        return "ours"
    if application_id:
        return "foreign"
    # Written before vaultkit marked its indexes: look for its meta row. immutable=1: SQLite
    # reads the main file only, and neither locks it nor creates or touches its WAL files.
    # (Tables an earlier vaultkit left in a WAL only, by crashing in its very first run, are
    # not seen: that file is "unknown", rebuilt only at the default location.)
    return _legacy_owner(f"{path.resolve().as_uri()}?mode=ro&immutable=1")


def _legacy_owner(uri: str) -> str:
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=1)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not tables:
                return "unknown"
            if not {"meta", "files", "notes"} <= tables:
                return "foreign"
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)
            ).fetchone()
    except sqlite3.Error:
        return "unknown"
    if row is not None and isinstance(row[0], str) and _LEGACY_VERSION.fullmatch(row[0]):
        return "ours"
    return "foreign"


def not_an_index(path: Path, owner: str) -> NotAnIndexError:
    """The error for a file at the index path that vaultkit must leave alone."""
    if owner == "foreign":
        what, hint = "is another program's database, not a vaultkit index", ""
    else:
        what = "is not a vaultkit index (not a SQLite file vaultkit wrote, or damaged)"
        hint = ", or delete it yourself if it is a damaged index of vaultkit's"
    return NotAnIndexError(
        f"{what}, and vaultkit never deletes or overwrites it; point [vault] index in "
        f".vaultkit/config.toml (or --index) at another file{hint}",
        path=str(path),
    )


def remove_index(path: Path, *, default: bool = False) -> None:
    """Delete an index file and its WAL and journal companions, when it is vaultkit's.

    Only a file :func:`index_owner` proves to be vaultkit's (or an empty one) is deleted,
    and its companions only with it; at the ``default`` location in vaultkit's own cache
    folder, an unrecognisable (damaged) file too. Anything else raises
    :class:`NotAnIndexError` and is left as it was.
    """
    owner = index_owner(path)
    if owner == "absent":
        return
    if not (owner in ("ours", "empty") or (default and owner == "unknown")):
        raise not_an_index(path, owner)
    # The companions first: a journal left beside a deleted file could be replayed into
    # the next index of that name.
    for suffix in (*COMPANIONS, ""):
        companion = Path(str(path) + suffix)
        try:
            mode = os.lstat(companion).st_mode
        except FileNotFoundError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise NotAnIndexError(
                "is not a file, so vaultkit leaves it alone; move it away", path=str(companion)
            )
        with suppress(FileNotFoundError):
            companion.unlink()
