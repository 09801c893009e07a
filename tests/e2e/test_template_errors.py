"""A template's syntax error names the line to fix (issue 17, item 8): where Jinja notices a
mistake only on a later line (an unclosed tag, a block never ended), the error still points at
the line that holds the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import installed

FILLER = [f"line {n}" for n in range(1, 16)]  # the mistake goes on line 16


@pytest.mark.parametrize(
    ("mistake", "says"),
    [
        ("{{ x | no_such_filter }}", "No filter named 'no_such_filter'"),
        ("{% endif %}", "unknown tag 'endif'"),
        ("{% if x", "the tag '{%' opened at line 16 is not closed"),
        ("{{ x ", "the tag '{{' opened at line 16 is not closed"),
        ("{% for a in b %}", "the 'for' block opened at line 16 is never ended"),
        ("{% set y %}", "the 'set' block opened at line 16 is never ended"),
        ("{% set z = 1 %}{% if q %}", "the 'if' block opened at line 16 is never ended"),
    ],
)
def test_a_syntax_error_names_the_line_that_holds_it(vault: Path, mistake: str, says: str) -> None:
    template = vault / ".vaultkit" / "templates" / "status.md.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text("\n".join([*FILLER, mistake, "after", "after", "after"]) + "\n", "utf-8")
    result = installed("sync", str(vault), "--dry-run")
    assert result.returncode == 2
    assert "status.md.j2:16: template syntax error: " in result.stderr
    assert says in result.stderr


def test_an_error_inside_an_open_block_keeps_its_own_line(vault: Path) -> None:
    template = vault / ".vaultkit" / "templates" / "status.md.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    lines = [*FILLER[:13], "{% for a in b %}", "x", "{{ 1 + }}", "{% endfor %}"]
    template.write_text("\n".join(lines) + "\n", "utf-8")
    result = installed("sync", str(vault), "--dry-run")
    assert result.returncode == 2
    assert "status.md.j2:16: template syntax error: unexpected 'end of print statement'" in (
        result.stderr
    )
