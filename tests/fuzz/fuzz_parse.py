"""atheris harness: ``parse_note`` on arbitrary bytes never raises and keeps lines in the file.

Run: ``python tests/fuzz/fuzz_parse.py -atheris_runs=200000 tests/fuzz/corpus/parse``
(see tests/fuzz/README.md).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from vaultkit.parse.note import parse_note


def test_one_input(data: bytes) -> None:
    note = parse_note(data, "fuzz.md")
    lines = max(note.line_count, 1)
    found = [
        *(task.line for task in note.tasks),
        *(heading.line for heading in note.headings),
        *(link.line for link in note.links),
        *(callout.line for callout in note.callouts),
        *(diagnostic.line for diagnostic in note.diagnostics),
    ]
    if not all(1 <= line <= lines for line in found):
        raise AssertionError(f"a line outside the note: {found} with {lines} lines")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
