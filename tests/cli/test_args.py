"""The command lines ``vaultkit.cli.main`` answers without building the parser (``sync [VAULT]``,
``hook [VAULT] [--file PATH]``) mean exactly what the parser makes of them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.cli.args import build_parser
from vaultkit.cli.main import quick_args


def _parsed(argv: list[str]) -> dict[str, object]:
    return vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["sync"],
        ["sync", "Notes"],
        ["sync", "My Vault"],
        ["sync", ""],
        ["hook"],
        ["hook", "Notes"],
        ["hook", "--file", "Inbox.md"],
        ["hook", "/home/me/Notes", "--file", "/home/me/Notes/Daily/2026-11-29.md"],
        ["hook", "--file", "My Note.md", "Notes"],
        ["hook", "-q", "--file", "Inbox.md"],
        ["hook", "--file", "Inbox.md", "--quiet", "Notes", "-q"],
    ],
)
def test_the_quick_shapes_mean_what_the_parser_says(argv: list[str]) -> None:
    quick = quick_args(argv)
    assert quick is not None
    assert vars(quick) == _parsed(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--version"],
        ["tasks"],
        ["sync", "--dry-run"],
        ["sync", "Notes", "--json"],
        ["sync", "a", "b"],
        ["sync", "-h"],
        ["sync", "--", "-odd"],
        ["hook", "--file"],
        ["hook", "--file", "-x.md"],
        ["hook", "--file=Inbox.md"],
        ["hook", "a", "b"],
        ["hook", "--file", "a.md", "--file", "b.md"],
    ],
)
def test_every_other_command_line_goes_to_the_parser(argv: list[str]) -> None:
    assert quick_args(argv) is None


_TOKENS = [
    "sync",
    "hook",
    "tasks",
    "--file",
    "--json",
    "--dry-run",
    "-x",
    "-q",
    "Notes",
    "a.md",
    "",
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=5))
def test_a_quick_answer_is_always_the_parsers(argv: list[str]) -> None:
    quick = quick_args(argv)
    if quick is not None:
        assert vars(quick) == _parsed(argv)
