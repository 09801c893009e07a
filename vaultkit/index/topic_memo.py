"""The Topics' memo: the topic notes as the Topics table last found them, and the log of what
changed in the index since.

Finding the topics of a vault with thousands of them costs a query that grows with them
(~40–70 ms at 4,882 topics: the tag lookup, a join per row, a count of each name), on every
save of a topic note. The memo keeps each topic's row as :mod:`vaultkit.dashboards.topics`
computed it: (path, title, mtime_ns, digest, name key, namesakes). A render reads it whole
(one scan of a narrow table) and works out again only the notes the log names.

The log (``topic_changes``) is filled by triggers of the schema (``vaultkit.index.store``):
every insert, delete or update of a ``notes`` row logs its path; every insert or delete of a
``files`` row, and every update of what a topic reads of one
(``vaultkit.index.store.TOPIC_FILE_COLUMNS``: not its inode, size, mtime or hash, which a
copy of the vault moves for every file), logs its path and name key (a topic's link reads
how many files share its name). So no code path that writes those rows can leave the memo
stale without the log saying so. What a topic is also
depends on the config: the memo is kept with a stamp (``meta`` key ``topic_memo``) that
holds the topic rules it was made under, and a version.

Which notes are topics, and their rows, are the dashboards' rule; this module only stores,
logs and trims. A render reads the memo and the log in its read transaction and hands back a
:class:`MemoUpdate`, saved afterwards in a write transaction of its own only if the stamp is
still the one it read: another render may have saved, or the indexer trimmed, meanwhile.
Losing the memo costs one full query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

MEMO_KEY = "topic_memo"
"""``meta`` key of the memo's stamp: ``<rules> <version>``; ``dropped <seq>`` or no row: no
memo."""

LOG_LIMIT = 2000
"""Log rows past which the memo is dropped (the next render makes it again from the full
query): a cold index, a reparse of every note, or many updates while no Topics rendered."""


MemoRow = tuple[str, str, int, str, str, int]
"""(path, title, mtime_ns, digest, name key, namesakes) of one topic: plain tuples, as the
rows come from SQLite (thousands of them are read on every render)."""


class Memo(NamedTuple):
    """What a render read: the stamp, the memo's rows (in path order), the log's last
    sequence number, and the paths and name keys it logged. ``rows`` is None when there is
    no memo for ``rules``, or the log is too long to apply."""

    stamp: str | None
    rows: list[MemoRow] | None
    last_seq: int
    paths: frozenset[str]
    name_keys: frozenset[str]


class MemoUpdate(NamedTuple):
    """What a render found, to be saved if the memo is still as it read it: ``rows`` the
    whole memo (made anew) or, with ``removed``, the rows to write over those paths."""

    read: str | None
    stamp: str
    last_seq: int
    rows: Sequence[MemoRow]
    removed: Sequence[str] | None = None
    """None: ``rows`` is the whole memo."""


class TopicMemo:
    """Where a render leaves what it found of the memo, for the sync to save once the
    render's read transaction is over."""

    def __init__(self) -> None:
        self.update: MemoUpdate | None = None


def read_memo(connection: sqlite3.Connection, rules: str) -> Memo:
    """The memo kept under ``rules`` and what the log holds since it was saved, in the
    caller's read transaction."""
    found = connection.execute("SELECT value FROM meta WHERE key = ?", (MEMO_KEY,)).fetchone()
    stamp = found[0] if found is not None else None
    last_seq = connection.execute("SELECT coalesce(max(seq), 0) FROM topic_changes").fetchone()[0]
    if stamp is None or stamp.rsplit(" ", 1)[0] != rules:
        return Memo(stamp, None, last_seq, frozenset(), frozenset())
    logged = connection.execute(
        "SELECT path, name_key FROM topic_changes LIMIT ?", (LOG_LIMIT + 1,)
    ).fetchall()
    if len(logged) > LOG_LIMIT:
        return Memo(stamp, None, last_seq, frozenset(), frozenset())
    rows: list[MemoRow] = connection.execute("SELECT * FROM topic_memo").fetchall()
    return Memo(
        stamp,
        rows,
        last_seq,
        frozenset(path for path, _ in logged),
        frozenset(key for _, key in logged if key is not None),
    )


def next_stamp(read: str | None, rules: str) -> str:
    """The stamp a save under ``rules`` leaves, after ``read``."""
    version = 0
    if read is not None:
        try:
            version = int(read.rsplit(" ", 1)[1])
        except (IndexError, ValueError):
            version = 0
    return f"{rules} {version + 1}"


def save_memo(connection: sqlite3.Connection, update: MemoUpdate) -> bool:
    """Save ``update`` in the caller's write transaction if the memo is still as its render
    read it; whether it was saved. The log's rows up to the render's last are dropped: the
    rows saved are as of that point, and later ones stay logged for the next render."""
    found = connection.execute("SELECT value FROM meta WHERE key = ?", (MEMO_KEY,)).fetchone()
    if (found[0] if found is not None else None) != update.read:
        return False
    if update.removed is None:
        connection.execute("DELETE FROM topic_memo")
    else:
        connection.executemany(
            "DELETE FROM topic_memo WHERE path = ?", [(path,) for path in update.removed]
        )
    connection.executemany("INSERT OR REPLACE INTO topic_memo VALUES (?,?,?,?,?,?)", update.rows)
    connection.execute("DELETE FROM topic_changes WHERE seq <= ?", (update.last_seq,))
    connection.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (MEMO_KEY, update.stamp)
    )
    return True


def trim_log(connection: sqlite3.Connection) -> None:
    """Drop the memo and its log when the log has grown past :data:`LOG_LIMIT`, in the
    indexer's transaction: the log would cost more to apply than the full query.

    The stamp left names the last change dropped, not no memo: a render that read the memo
    (or its absence) before the trim must find the stamp changed, or it would save rows
    older than changes the trim dropped from the log."""
    first, last = connection.execute("SELECT min(seq), max(seq) FROM topic_changes").fetchone()
    if first is None or last - first < LOG_LIMIT:
        return
    connection.execute("DELETE FROM topic_changes")
    connection.execute("DELETE FROM topic_memo")
    connection.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (MEMO_KEY, f"dropped {last}")
    )
