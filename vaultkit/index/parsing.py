"""Reading and parsing the notes an update found changed, one by one or in a process pool.

A note whose content hash is the one the index holds is not parsed at all: only its mtime moved;
nor, when read one by one, is a note whose only change is ticked checkboxes
(:mod:`vaultkit.index.retick`). Many notes (a cold index) are parsed in a process pool (every
core, at most eight), whose workers fork from the indexer and import the parser as they start.
The work is fed to it a few batches ahead of what the parent has stored: batches shrink towards
the end, so no worker idles while another finishes a long one, and the rows come back in order,
batch by batch, each reported as done (a progress bar). The indexer stores them as they arrive,
so SQLite work overlaps with parsing and memory stays flat however many notes changed: at most a
few batches of rows are held at once.

The pool never outlives the parse: when the indexer stops early (an error, Ctrl-C) the batches
not yet started are cancelled and the workers are shut down and waited for before the error
goes on. Workers ignore SIGINT: a Ctrl-C at the terminal reaches the whole process group, and
only the parent decides what it means.
"""

from __future__ import annotations

import marshal
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.cadences import Cadences
from vaultkit.index.digest import content_digest
from vaultkit.index.note_rows import NoteRows, note_rows
from vaultkit.model import TaskRules
from vaultkit.scan.found import SourceFile

if TYPE_CHECKING:
    # Imported when a pool starts: the no-op sync and the hook never load them.
    from concurrent.futures import Future, ProcessPoolExecutor

POOL_THRESHOLD = 64
"""Below this many notes to parse, a process pool costs more than it saves."""
MAX_WORKERS = 8
MAX_BATCH = 64
"""Notes per batch at most: what a worker parses between two reports."""
MIN_BATCH = 4
"""Notes per batch at least, towards the end: a batch costs one round trip to a worker."""
AHEAD = 2
"""Batches per worker handed to the pool ahead of the one the parent waits for: enough that
no worker waits for work, few enough that memory stays flat."""

Work = tuple[SourceFile, str | None]
"""A note to read, and the content hash the index holds for it (None: not indexed yet)."""


class ReadNote(NamedTuple):
    """One changed note, read and, unless its content is as the index holds it, parsed."""

    source: SourceFile
    digest: str
    rows: NoteRows | None
    """The note's index rows; None when the content hash matched the index (only the mtime
    moved)."""
    unreadable: str | None = None
    """Why the note could not be read, when it could not."""


Retick = Callable[[SourceFile, bytes, str], NoteRows | None]
"""(note, its new content, the content hash the index holds) -> its rows, when the change is
one :mod:`vaultkit.index.retick` reads without the parser; else None."""


def _read_one(
    source: SourceFile,
    known_digest: str | None,
    cadences: Cadences,
    rules: TaskRules,
    retick: Retick | None = None,
) -> ReadNote:
    try:
        data = source.abs_path.read_bytes()
    except OSError as exc:
        return _unreadable(source, exc, cadences)
    digest = content_digest(data)
    if digest == known_digest:
        return ReadNote(source, digest, None)
    if retick is not None and known_digest:
        rows = retick(source, data, known_digest)
        if rows is not None:
            return ReadNote(source, digest, rows)
    # Imported here: a run with nothing to parse never loads the parser.
    from vaultkit.parse.note import parse_note

    return ReadNote(
        source,
        digest,
        note_rows(parse_note(data, source.path, rules=rules), source.mtime_ns, cadences),
    )


def _unreadable(source: SourceFile, exc: OSError, cadences: Cadences) -> ReadNote:
    """A note that could not be read: no content, and a diagnostic saying why."""
    from vaultkit.model import Diagnostic, Note, Severity
    from vaultkit.parse.note import parse_note

    note = parse_note(b"", source.path)
    note = Note(
        path=note.path,
        title=note.title,
        properties={},
        diagnostics=(
            Diagnostic(
                1,
                "unreadable",
                f"the note could not be read ({exc.strerror}); check its permissions",
                Severity.ERROR,
            ),
        ),
    )
    return ReadNote(
        source, "", note_rows(note, source.mtime_ns, cadences), note.diagnostics[0].message
    )


Packed = bytes | list[ReadNote]
"""A worker's answer for one batch: :func:`_pack`'s bytes, or the notes themselves."""


def _parse_batch(cadences: Cadences, rules: TaskRules, batch: list[Work]) -> Packed:
    return _pack([_read_one(source, digest, cadences, rules) for source, digest in batch])


def _pack(notes: list[ReadNote]) -> Packed:
    """What a worker sends back for ``notes``: their digests, rows and reasons as plain
    tuples through :mod:`marshal`, which the parent, the very interpreter that forked the
    worker, reads back ~25% faster than pickle, and the worker writes ~2.5× faster (a cold
    index sends ~100 MB of rows at 10,000 notes). The source files stay out: the parent
    has them. A value marshal cannot write (none today: rows hold str, int and None) sends
    the notes as they are, pickled by the pool."""
    try:
        return marshal.dumps(
            [
                (note.digest, None if note.rows is None else tuple(note.rows), note.unreadable)
                for note in notes
            ]
        )
    except ValueError:
        return notes


def _unpack(batch: Sequence[Work], packed: Packed) -> list[ReadNote]:
    """The notes of ``batch`` as :func:`_pack` sent them."""
    if not isinstance(packed, bytes):
        return packed
    return [
        ReadNote(source, digest, None if rows is None else NoteRows(*rows), unreadable)
        for (source, _), (digest, rows, unreadable) in zip(
            batch, marshal.loads(packed), strict=True
        )
    ]


def _start_worker() -> None:
    """Each worker, as it starts: leave Ctrl-C to the parent, and import the parser."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import vaultkit.parse.extract
    import vaultkit.parse.hidden_tasks
    import vaultkit.parse.note  # noqa: F401


def pool_size() -> int:
    """How many worker processes a pool gets: every core, at most :data:`MAX_WORKERS`."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def _start_pool() -> ProcessPoolExecutor | None:
    """A process pool for the parse (None on a single core); its workers start with the
    first batch submitted."""
    workers = pool_size()
    if workers < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker)


def batch_sizes(count: int, workers: int) -> Iterator[int]:
    """Sizes of the batches ``count`` notes are cut into: each about a quarter of a worker's
    share of what is left (guided scheduling), between :data:`MIN_BATCH` and
    :data:`MAX_BATCH`, so the last batches are small and the workers finish together."""
    left = count
    while left > 0:
        size = min(left, max(MIN_BATCH, min(MAX_BATCH, left // (workers * 4))))
        yield size
        left -= size


def _batches(work: Sequence[Work], workers: int) -> Iterator[list[Work]]:
    start = 0
    for size in batch_sizes(len(work), workers):
        yield list(work[start : start + size])
        start += size


def read_and_parse(
    work: Sequence[Work],
    *,
    cadences: Cadences,
    rules: TaskRules,
    done: Callable[[int], None] | None = None,
    retick: Retick | None = None,
) -> Generator[ReadNote, None, None]:
    """Each note of ``work``, read and parsed, in order; ``done`` is told how many more notes
    are done (a progress bar). Each task's cadence is that of its section in ``cadences``;
    ``rules``, the Tasks plugin's settings, decide what a task is (plain data, so the worker
    processes get them too).

    Many notes (:data:`POOL_THRESHOLD`) are parsed in a process pool, shut down once the
    generator ends or is closed: close it (``contextlib.closing``) when stopping early, so
    the pool stops then. Fewer are read one by one, each offered to ``retick`` first.
    """
    pool = _start_pool() if len(work) >= POOL_THRESHOLD else None
    if pool is None:
        yield from _serial(work, cadences, rules, done, retick)
        return
    try:
        yield from _pooled(pool, work, cadences, rules, done)
    finally:
        # Normally every batch is done; on an error or Ctrl-C those not started are
        # dropped and the running ones waited for, so no worker outlives the update.
        pool.shutdown(wait=True, cancel_futures=True)


def _serial(
    work: Iterable[Work],
    cadences: Cadences,
    rules: TaskRules,
    done: Callable[[int], None] | None,
    retick: Retick | None,
) -> Iterator[ReadNote]:
    for item in work:
        result = _read_one(*item, cadences, rules, retick)
        if done is not None:
            done(1)
        yield result


def _pooled(
    pool: ProcessPoolExecutor,
    work: Sequence[Work],
    cadences: Cadences,
    rules: TaskRules,
    done: Callable[[int], None] | None,
) -> Iterator[ReadNote]:
    parse = partial(_parse_batch, cadences, rules)
    workers = pool_size()
    pending: deque[tuple[list[Work], Future[Packed]]] = deque()
    batches = _batches(work, workers)
    for batch in batches:
        pending.append((batch, pool.submit(parse, batch)))
        if len(pending) > workers * AHEAD:
            break
    while pending:
        sent, future = pending.popleft()
        results = _unpack(sent, future.result())
        batch = next(batches, [])
        if batch:
            pending.append((batch, pool.submit(parse, batch)))
        if done is not None:
            done(len(results))
        yield from results
