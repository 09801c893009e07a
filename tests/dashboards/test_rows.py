"""``vaultkit.dashboards.rows.Rows``: a lazy SQL-backed sequence behaves like the list it stands
for."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.dashboards.rows import Rows


@pytest.fixture
def connection() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (n INTEGER, name TEXT)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", [(n, f"n{n:03}") for n in range(120)])
    yield connection
    connection.close()


def evens(connection: sqlite3.Connection) -> Rows:
    return Rows(
        connection, "n, name", "FROM t WHERE n % 2 = 0", order="n", convert=lambda row: row[1]
    )


def test_rows_count_slice_iterate_and_index_like_a_list(connection: sqlite3.Connection) -> None:
    expected = [f"n{n:03}" for n in range(0, 120, 2)]
    rows = evens(connection)
    assert len(rows) == 60
    assert rows[:5] == expected[:5]
    assert rows[55:] == expected[55:]
    assert rows[3] == expected[3]
    assert rows[-1] == expected[-1]
    assert list(rows) == expected
    assert bool(rows)
    assert not Rows(connection, "n", "FROM t WHERE n < 0", order="n")
    with pytest.raises(IndexError):
        Rows(connection, "n", "FROM t WHERE n < 0", order="n")[0]


@given(
    start=st.one_of(st.none(), st.integers(-130, 130)),
    stop=st.one_of(st.none(), st.integers(-130, 130)),
    step=st.one_of(st.none(), st.integers(1, 4), st.integers(-4, -1)),
)
def test_every_slice_agrees_with_the_list(
    start: int | None, stop: int | None, step: int | None
) -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE t (n INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
        expected = list(range(100))
        rows = Rows(connection, "n", "FROM t", order="n", convert=lambda row: row[0])
        assert rows[start:stop:step] == expected[start:stop:step]
        # Cached answers stay right after the whole list was read.
        list(rows)
        assert rows[start:stop:step] == expected[start:stop:step]
    finally:
        connection.close()


def test_slicing_reads_only_the_slice(connection: sqlite3.Connection) -> None:
    seen: list[str] = []
    connection.set_trace_callback(seen.append)
    rows = evens(connection)
    rows[:3]
    assert any("LIMIT" in statement for statement in seen)
    assert not any("LIMIT" not in s and "SELECT n, name" in s for s in seen)
