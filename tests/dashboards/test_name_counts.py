"""The name counts the ``wikilink`` filter reads: counted in a batch (``prime``, with each
shown note's name key and namesakes as the index reads them) they are what asking one name at
a time gives, whatever the vault's files share a name with."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from vaultkit.dashboards.common import NameCounts
from vaultkit.index.queries import name_and_namesakes
from vaultkit.index.store import _SCHEMA
from vaultkit.obsidian.resolve import file_name_key


def _index() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    for statement in _SCHEMA.split(";"):
        if "CREATE TABLE files" in statement or "CREATE TABLE notes" in statement:
            connection.execute(statement)
    return connection


_file = st.tuples(
    st.sampled_from(["", "A/", "B/", "Excluded/"]),
    st.sampled_from(["Rust", "rust", "Go", "Zig", "Ünïcode", "Go.pdf"]),
    st.sampled_from(["note", "generated", "attachment"]),
)


@given(st.lists(_file, max_size=12, unique_by=lambda f: (f[0], f[1])))
def test_primed_counts_are_the_counts_asked_one_by_one(files: list[tuple[str, str, str]]) -> None:
    connection = _index()
    shown: list[str] = []
    for folder, name, kind in files:
        path = f"{folder}{name}" if name.endswith(".pdf") else f"{folder}{name}.md"
        is_note = not path.endswith(".pdf") and kind != "attachment"
        excluded = folder == "Excluded/"
        connection.execute(
            "INSERT INTO files VALUES (?, 0, 0, NULL, ?, ?, ?, 0)",
            (path, int(is_note), int(excluded), file_name_key(path)),
        )
        if is_note:
            generated = kind == "generated"
            connection.execute(
                "INSERT INTO notes VALUES (?, '', '', '{}', '[]', '[]', 0, 0, '\n', 0, 0, ?, "
                "'', '', '', '')",
                (path, int(generated)),
            )
            if not (generated or excluded):
                shown.append(path)
    asked, primed = NameCounts(connection), NameCounts(connection)
    named = [
        connection.execute(
            f"SELECT f.path, {name_and_namesakes('f')} FROM files f WHERE f.path = ?", (path,)
        ).fetchone()
        for path in shown
    ]
    primed.prime(named)
    queries: list[str] = []
    connection.set_trace_callback(queries.append)
    for path in shown:
        key = file_name_key(path)
        assert primed.key_of(path) == key
        assert primed(key) == asked(key) >= 1
    # Primed, a name is not asked of the index again.
    assert len(queries) == len({file_name_key(path) for path in shown})
