"""The reading list's per-URL rows (``vaultkit.context._resource_urls``) are exactly what the
SQL definition ``_RESOURCE_URLS`` gives: first mention by note then line, status summed up
over the tasks that mention the URL, mention count."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import generate_vault
from vaultkit.context import _RESOURCE_URLS, _resource_urls
from vaultkit.indexer import update_index


@pytest.mark.parametrize("source", ["example", "generated"])
def test_grouping_in_python_matches_the_sql_definition(
    example_copy: Path, tmp_path: Path, source: str
) -> None:
    vault = example_copy
    if source == "generated":
        vault = tmp_path / "generated"
        generate_vault(vault, 300, seed=3)
    connection, _ = update_index(vault, index_path=tmp_path / "index.sqlite3", progress=False)
    try:
        expected = sorted(connection.execute(_RESOURCE_URLS).fetchall())
        assert expected, "the vault should mention some URLs"
        assert sorted(_resource_urls(connection)) == expected
        statuses = {row[5] for row in expected}
        if source == "generated":
            assert {"open", "done", "link"} <= statuses
    finally:
        connection.close()
