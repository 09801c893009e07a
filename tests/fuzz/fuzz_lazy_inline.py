"""atheris harness: the lazy inline parse gives the same Note and tokens as the full one.

Run: ``python tests/fuzz/fuzz_lazy_inline.py -max_total_time=600 /tmp/corpus/parse``
(see tests/fuzz/README.md).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from vaultkit.parse import markdown
    from vaultkit.parse.note import parse_note


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    lazy, lazy_tokens = parse_note(data, "fuzz.md"), markdown.build_parser().parse(text)
    markdown.LAZY_INLINE = False
    try:
        full, full_tokens = parse_note(data, "fuzz.md"), markdown.build_parser().parse(text)
    finally:
        markdown.LAZY_INLINE = True
    if lazy != full or lazy_tokens != full_tokens:
        raise AssertionError("the lazy inline parse differs from the full one")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
