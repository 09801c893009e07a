"""How large output reaches stdout: ``--json`` (``vaultkit.cli.jsonform.write_json``) and
``query --csv`` write the very text ``json.dump`` and the csv module write, in few large
writes rather than one per token or row, which costs a system call each when Python runs
unbuffered (the graph of a large vault: millions of them)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cli import installed
from vaultkit.cli import jsonform
from vaultkit.cli.jsonform import write_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=40,
)


class CountingOut(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@given(JSON)
def test_the_text_is_what_json_dump_writes(data: Any) -> None:
    expected = io.StringIO()
    json.dump(data, expected, ensure_ascii=False, indent=2)
    expected.write("\n")
    for size in (1, 7, 1 << 16):  # pieces cut anywhere, and the size used
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(jsonform, "_JSON_WRITE", size)
            out = io.StringIO()
            write_json(data, out)
        assert out.getvalue() == expected.getvalue()


def test_a_large_document_takes_few_writes() -> None:
    data = {"nodes": [{"id": f"Note {k}.md", "tags": ["a", "b/c"], "n": k} for k in range(20_000)]}
    out = CountingOut()
    write_json(data, out)
    text = out.getvalue()
    assert json.loads(text) == data
    assert out.writes <= len(text) // (1 << 16) + 1  # json.dump: ~360,000 here


def test_the_graph_through_an_unbuffered_pipe(vault: Path) -> None:
    """The installed script, unbuffered, its JSON read back whole by another process."""
    result = installed(
        "graph", "--format", "json", "--vault", str(vault),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    assert graph["nodes"] and result.stdout.endswith("}\n")


def test_query_csv_is_the_csv_modules_text_in_few_writes(vault: Path) -> None:
    from vaultkit.cli.main import run

    sql = (
        "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 5000) "
        "SELECT k, 'a, \"quoted\" cell' AS text, NULL AS empty FROM n"
    )
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(["k", "text", "empty"])
    writer.writerows((k, 'a, "quoted" cell', None) for k in range(1, 5001))
    out, err = CountingOut(), io.StringIO()
    assert run(["query", sql, "--csv", "--vault", str(vault)], out, err) == 0, err.getvalue()
    assert out.getvalue() == expected.getvalue()
    assert out.writes <= 5  # the csv module alone: one per row
    empty = installed("query", "SELECT path FROM notes WHERE 0", "--csv", "--vault", str(vault))
    assert (empty.returncode, empty.stdout) == (0, "path\n")
