"""A hand-kept comparison table read as topics: names, items, properties, and what adopt writes
from them reading back as the same items."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tests.support.kept_cells import CELL
from vaultkit.dashboards.kept_tables import (
    as_list_item,
    is_comparison,
    looks_like_comparison,
    read_kept_table,
)
from vaultkit.parse.note import parse_note
from vaultkit.sync.adopt_notes import Selection, file_name, new_topic_note

TABLE = (
    "| Topic | Details | Pros | Cons |\n"
    "| --- | --- | --- | --- |\n"
    "| **1. GPU kernels** | - timeline: 2-3 months <br>- read *the* book <br>- "
    "[videos](https://example.com/v) | - rare skill <br> - `nvcc` daily | none |\n"
    "| **2. Search engines** | ranking <br>indexing<br/>crawling | - fast [[Inverted index]] "
    "| - big \\| costly |\n"
    "|  |  |  |  |\n"
    "| 3. [[Compilers]] | - `a<br>b` in code <br>- more |  | - slow |\n"
)


def _table(text: str = TABLE):  # type: ignore[no-untyped-def]
    return parse_note(text.encode(), "Plan.md").tables[0]


def test_rows_give_names_ranks_items_and_properties() -> None:
    kept = read_kept_table(_table())
    assert kept.columns == ("Details", "Pros", "Cons")
    assert [row.name for row in kept.rows] == ["GPU kernels", "Search engines", "Compilers"]
    assert [row.rank for row in kept.rows] == [1, 2, 3]
    gpu, search, compilers = kept.rows
    assert gpu.properties == (("timeline", "2-3 months"),)
    assert gpu.columns[0].items == ("read *the* book", "[videos](https://example.com/v)")
    assert gpu.columns[1].items == ("rare skill", "`nvcc` daily")
    assert search.columns[0].items == ("ranking", "indexing", "crawling")
    assert search.columns[2].items == ("big | costly",)  # an escaped pipe is a pipe
    assert compilers.link == "Compilers"
    # A <br> inside code is no line break: the cell is kept whole, not guessed at.
    assert compilers.columns[0].verbatim
    assert compilers.columns[0].items == ("- `a<br>b` in code <br>- more",)
    assert kept.skipped == (5,)
    assert kept.unnamed == ()


def test_a_row_with_content_but_no_name_is_reported() -> None:
    kept = read_kept_table(
        _table("| Topic | Pros |\n| --- | --- |\n| A | x |\n|  | orphan |\n| B | y |\n")
    )
    assert [row.name for row in kept.rows] == ["A", "B"]
    assert kept.unnamed == (4,)


def test_ragged_rows_take_empty_cells() -> None:
    kept = read_kept_table(_table("| Topic | Pros | Cons |\n| --- | --- | --- |\n| A | x |\n"))
    assert [c.items for c in kept.rows[0].columns] == [("x",), ()]


def test_what_a_comparison_table_is() -> None:
    assert is_comparison(_table())
    assert not looks_like_comparison(["", "Knowledge"], [["Daily", "ml"], ["Weekend", "dl"]])
    assert not looks_like_comparison(["Topic", "Pros"], [["A", "x"]])  # one row
    assert not looks_like_comparison(["Topic", "Pros"], [["A", "x"], ["", "y"]])  # unnamed row
    assert not looks_like_comparison(["Topic", "Pros"], [["A", "x"], ["a", "y"]])  # same name


def test_file_names_drop_what_files_and_links_cannot_hold() -> None:
    assert file_name("ml/dl: what? [draft]#2.") == "ml dl what draft 2"
    assert file_name("***") == "Untitled topic"  # never empty
    assert file_name("") == "Untitled topic"


@given(rows=st.lists(st.lists(CELL, min_size=2, max_size=2), min_size=1, max_size=4))
def test_adopted_notes_hold_every_item_of_every_cell(rows: list[list[str]]) -> None:
    """Property: each item of each cell (as markdown reads it) is a list item under its
    column's section of the topic note written from it, in order."""
    lines = ["| Topic | Pros | Cons |", "| --- | --- | --- |"]
    lines += [f"| **{n}. Name {n}** | {a} | {b} |" for n, (a, b) in enumerate(rows, start=1)]
    table = _table("\n".join(lines) + "\n")
    kept = read_kept_table(table)
    assert len(kept.rows) == len(rows)
    for row, parsed in zip(kept.rows, table.rows, strict=True):
        note = parse_note(new_topic_note(row, Selection("topic", ""), row.name).encode(), "T.md")
        assert "topic" in note.tags and note.properties["rank"] == row.rank
        for column, cell in zip(("Pros", "Cons"), parsed.cells[1:], strict=True):
            pieces = (part.strip() for part in cell.text.split("\n"))
            expected = [re.sub(r"^[-*+][ \t]+", "", piece) for piece in pieces]
            found = [i.text for i in note.list_items if i.section[-1:] == (column,)]
            assert found == [e for e in expected if e], (cell.source, found)


def test_list_items_are_escaped_only_where_they_would_open_a_block() -> None:
    assert as_list_item("1. first") == "1\\. first"
    assert as_list_item("[ ] not a task") == "\\[ ] not a task"
    assert as_list_item("plain *text*") == "plain *text*"
