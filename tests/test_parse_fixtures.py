"""Fixture-driven parser tests: ``fixtures/parse/NAME.md`` beside ``NAME.json``.

The JSON holds the part of ``vaultkit inspect --json`` that the fixture is about: every
key it names must match, lists must have exactly the listed length, and list items are
compared the same way (so a fixture states all tasks, links… it cares about, and only
the keys of each that matter).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vaultkit.cli.jsonform import note_json
from vaultkit.parse.note import parse_note

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))


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


def test_every_fixture_has_its_input() -> None:
    assert CASES, "no parser fixtures found"
    for name in CASES:
        assert (FIXTURES / f"{name}.md").exists(), name


@pytest.mark.parametrize("name", CASES)
def test_fixture(name: str) -> None:
    data = (FIXTURES / f"{name}.md").read_bytes()
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    actual = note_json(parse_note(data, f"{name}.md"))
    assert_subset(actual, expected, name)
