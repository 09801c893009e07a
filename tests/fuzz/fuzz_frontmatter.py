"""atheris harness: front matter (YAML) of any shape loads without raising or blowing up.

The bytes become the YAML between two ``---`` lines, so the fuzzer spends its time inside the
YAML loader and vaultkit's conversion budget (alias bombs, deep nesting, odd tags).

Run: ``python tests/fuzz/fuzz_frontmatter.py -atheris_runs=200000 -rss_limit_mb=1024``
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from vaultkit.parse.frontmatter import load_front_matter


def test_one_input(data: bytes) -> None:
    text = "---\n" + data.decode("utf-8", "replace") + "\n---\nbody\n"
    found = load_front_matter(text)
    if found.body_start and found.body_start > text.count("\n"):
        raise AssertionError("the body starts past the end of the note")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
