"""Notes renamed or moved with their content as it was keep their rows (``vaultkit.index.moves``):
a folder renamed parses no note, and the index then holds exactly what a fresh index of the
same files holds. A note whose content changed as it moved is parsed, as any new note is.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.parse_fixtures import FIXTURES
from vaultkit.cadences import Cadences
from vaultkit.index.changes import known_files
from vaultkit.index.note_rows import note_rows
from vaultkit.index.queries import IN_LIST_SIZE
from vaultkit.index.store import _SCHEMA, NOTE_TABLES
from vaultkit.index.update import IndexUpdate, update_index
from vaultkit.parse.note import parse_note
from vaultkit.vaultpaths import VaultPaths

KEPT = (*NOTE_TABLES, "notes", "resource_urls", "task_totals", "task_due_open", "link_notes")


def _index(vault: Path, index: Path | None = None) -> IndexUpdate:
    paths = VaultPaths(vault) if index is None else VaultPaths(vault, index=str(index))
    connection, update = update_index(paths, progress=False)
    connection.close()
    return update


def _rows(vault: Path, index: Path | None = None) -> dict[str, list[Any]]:
    """Every row of every note and the kept sums, in a stable order."""
    paths = VaultPaths(vault) if index is None else VaultPaths(vault, index=str(index))
    with closing(sqlite3.connect(paths.index.path)) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in KEPT
        }


def _fresh_rows(vault: Path, tmp_path: Path) -> dict[str, list[Any]]:
    fresh = tmp_path / "fresh.sqlite3"
    for leftover in tmp_path.glob("fresh.sqlite3*"):
        leftover.unlink()
    _index(vault, fresh)
    return _rows(vault, fresh)


def test_a_folder_renamed_parses_no_note(vault: Path, tmp_path: Path) -> None:
    _index(vault)
    moved = sorted(p.name for p in (vault / "Daily").glob("*.md"))
    assert len(moved) > 5
    (vault / "Daily").rename(vault / "Journal")
    update = _index(vault)
    assert update.parsed == []
    # Renamed, not removed: what the sync's outcome tells the user.
    assert update.removed == []
    assert update.moved == [(f"Daily/{name}", f"Journal/{name}") for name in moved]
    assert _rows(vault) == _fresh_rows(vault, tmp_path)


def test_notes_moved_between_folders_keep_their_rows(vault: Path, tmp_path: Path) -> None:
    _index(vault)
    (vault / "Topics" / "Deeper").mkdir()
    for note in sorted((vault / "Topics").glob("*.md")):
        note.rename(vault / "Topics" / "Deeper" / note.name)
    (vault / "Plan.md").rename(vault / "Archive" / "Plan renamed.md")
    update = _index(vault)
    assert update.parsed == []
    assert _rows(vault) == _fresh_rows(vault, tmp_path)


def test_a_note_rewritten_as_it_moved_is_parsed(vault: Path, tmp_path: Path) -> None:
    _index(vault)
    note = vault / "Inbox.md"
    before = note.stat()
    text = note.read_bytes()
    # Same size, same mtime, same inode: only the content tells.
    swapped = text.replace(b"- [ ]", b"- [x]", 1)
    assert swapped != text and len(swapped) == len(text)
    note.write_bytes(swapped)
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))
    note.rename(vault / "Inbox moved.md")
    update = _index(vault)
    assert update.parsed == ["Inbox moved.md"]
    assert _rows(vault) == _fresh_rows(vault, tmp_path)


def test_a_copy_is_not_a_move(vault: Path, tmp_path: Path) -> None:
    # A copy that keeps the mtime has another inode: the original's rows stay its own.
    _index(vault)
    shutil.copy2(vault / "Plan.md", vault / "Plan copy.md")
    (vault / "Plan.md").unlink()
    update = _index(vault)
    assert update.parsed == ["Plan copy.md"]
    assert _rows(vault) == _fresh_rows(vault, tmp_path)


_FIXTURE_NOTES = sorted(p.name for p in FIXTURES.glob("*.md"))


@given(
    name=st.sampled_from(_FIXTURE_NOTES),
    old=st.sampled_from(["Note.md", "a/Note.md", "a/b/Other name.md"]),
    new=st.sampled_from(["Note.md", "Renamed.md", "x/Note.md", "x/y/Straße.md"]),
)
def test_a_notes_digests_do_not_depend_on_its_path(name: str, old: str, new: str) -> None:
    # What lets a moved note keep its rows: its family digests are those of its content.
    data = (FIXTURES / name).read_bytes()
    cadences = Cadences()
    assert (
        note_rows(parse_note(data, old), 0, cadences).digests
        == note_rows(parse_note(data, new), 0, cadences).digests
    )


def test_the_files_rows_of_many_paths_are_read_in_lists(tmp_path: Path) -> None:
    """More paths than one list holds, some asked twice, some unknown: each known path's row
    once, read in as many queries as lists are needed."""
    connection = sqlite3.connect(":memory:")
    (schema,) = [s for s in _SCHEMA.split(";") if "CREATE TABLE files " in s]
    connection.execute(schema)
    stored = [f"Notes/{n}.md" for n in range(IN_LIST_SIZE + 20)]
    connection.executemany(
        "INSERT INTO files VALUES (?, 1, 2, 'h', 1, 0, 'k', 3)", [(path,) for path in stored]
    )
    asked = [*stored, *stored[:5], "Notes/unknown.md"]
    queries: list[str] = []
    connection.set_trace_callback(queries.append)
    known = known_files(connection, asked)
    assert sorted(known) == sorted(stored)
    assert known[stored[0]] == (stored[0], 1, 2, 1, 0, 3)
    assert len(queries) == 2
