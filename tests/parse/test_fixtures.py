"""Fixture-driven parser tests, in markdown-it-py's own format: ``fixtures/parse/<element>.md``.

Each file holds the cases of one syntax element (its module in ``vaultkit/parse/``), each case
being a title line, ``.``, the note's text, ``.``, the expected JSON, ``.``, as
:func:`markdown_it.utils.read_fixture_file` reads them. Text outside the cases is commentary.

The JSON holds the part of ``vaultkit inspect --json`` that the case is about: every key it
names must match, lists must have exactly the listed length, and list items are compared the
same way (so a case states all tasks, links… it cares about, and only the keys of each that
matter). The note is parsed as ``<title>.md``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from markdown_it.utils import read_fixture_file

from tests.support.parse_fixtures import FIXTURES, note_bytes
from vaultkit.cli.jsonform import note_json
from vaultkit.parse.note import parse_note
from vaultkit.parse.registry import ELEMENTS


def cases() -> list[Any]:
    found = []
    for path in sorted(FIXTURES.glob("*.md")):
        for line, title, text, expected in read_fixture_file(path):
            found.append(pytest.param(path.stem, title, text, expected, id=f"{path.stem}/{title}"))
            assert line > 0
    return found


CASES = cases()


def assert_subset(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: missing key {key!r}"
            assert_subset(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list) and (
        not expected or any(isinstance(item, dict) for item in expected)
    ):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert len(actual) == len(expected), (
            f"{where}: expected {len(expected)} items, got {len(actual)}: "
            f"{json.dumps(actual, ensure_ascii=False)[:1500]}"
        )
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            assert_subset(got, want, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


def test_every_syntax_element_has_a_fixture_file_with_cases() -> None:
    by_file: dict[str, int] = {}
    for case in CASES:
        by_file[case.values[0]] = by_file.get(case.values[0], 0) + 1
    for element in ELEMENTS:
        assert by_file.get(element.name, 0) > 0, (
            f"no cases in tests/fixtures/parse/{element.name}.md: add some, in markdown-it-py's "
            "fixture format (title, ., the note, ., the expected JSON, .)"
        )


def test_case_titles_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_fixture_file_is_read_whole() -> None:
    """A stray or missing ``.`` would silently drop cases: every line must belong to one."""
    for path in sorted(FIXTURES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        dots = sum(1 for line in text.splitlines() if line.rstrip() == ".")
        assert dots == 3 * len(read_fixture_file(path)), f"{path.name}: unbalanced '.' lines"


@pytest.mark.parametrize(("element", "title", "text", "expected"), CASES)
def test_fixture(element: str, title: str, text: str, expected: str) -> None:
    actual = note_json(parse_note(note_bytes(element, text), f"{title}.md"))
    assert_subset(actual, json.loads(expected), f"{element}/{title}")
