"""Reading and parsing the notes an update found changed, one by one or in a process pool.

A note whose content hash is the one the index holds is not parsed at all: only its mtime
moved. A cold index of many notes is parsed in a process pool (every core, at most eight),
each batch reported as done (a progress bar); the rows come back in order, batch by batch, so
the indexer stores them as they arrive and memory stays flat however many notes changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import NamedTuple

from vaultkit.cadences import Cadences
from vaultkit.index.digest import content_digest
from vaultkit.index.note_rows import NoteRows, note_rows
from vaultkit.model import TaskRules
from vaultkit.scan.found import SourceFile

POOL_THRESHOLD = 64
"""Below this many notes to parse, a process pool costs more than it saves."""

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


def _read_one(
    source: SourceFile, known_digest: str | None, cadences: Cadences, rules: TaskRules
) -> ReadNote:
    # Imported here: a run with nothing to parse never loads the parser.
    from vaultkit.model import Note
    from vaultkit.parse.note import parse_note

    try:
        data = source.abs_path.read_bytes()
    except OSError as exc:
        note = parse_note(b"", source.path)
        from vaultkit.model import Diagnostic, Severity

        note = Note(
            path=note.path,
            title=note.title,
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
    digest = content_digest(data)
    if digest == known_digest:
        return ReadNote(source, digest, None)
    return ReadNote(
        source,
        digest,
        note_rows(parse_note(data, source.path, rules=rules), source.mtime_ns, cadences),
    )


def _parse_batch(cadences: Cadences, rules: TaskRules, batch: list[Work]) -> list[ReadNote]:
    return [_read_one(source, digest, cadences, rules) for source, digest in batch]


def _chunks(items: list[Work], size: int) -> Iterator[list[Work]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_and_parse(
    work: list[Work],
    *,
    cadences: Cadences,
    rules: TaskRules,
    done: Callable[[int], None] | None = None,
) -> Iterable[ReadNote]:
    """Each note of ``work``, read and parsed, in order; ``done`` is told how many more notes
    are done (a progress bar). Each task's cadence is that of its section in ``cadences``;
    ``rules``, the Tasks plugin's settings, decide what a task is (plain data, so the worker
    processes get them too)."""
    workers = min(os.cpu_count() or 1, 8)
    if workers > 1 and len(work) >= POOL_THRESHOLD:
        from concurrent.futures import ProcessPoolExecutor

        size = max(16, min(256, len(work) // (workers * 8) or 1))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for results in pool.map(partial(_parse_batch, cadences, rules), _chunks(work, size)):
                if done is not None:
                    done(len(results))
                yield from results
    else:
        for item in work:
            result = _read_one(*item, cadences, rules)
            if done is not None:
                done(1)
            yield result
