"""The README's command reference is what ``--help`` says (issue 17: "the README's command
reference matches --help"), and every command line the README shows uses options that exist."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.reference import BEGIN, actions_of, commands, reference

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_command_reference_is_the_parsers() -> None:
    text = README.read_text("utf-8")
    assert BEGIN in text, f"README.md lost the line {BEGIN!r} before its command reference"
    block = text.split(BEGIN, 1)[1].lstrip("\n")
    assert block.startswith("```\n")
    shown = block[4:].split("```", 1)[0]
    assert shown == reference(), (
        "README.md's command reference differs from the parser; replace its block with:\n"
        + reference()
    )


def _code_lines(text: str) -> list[str]:
    """Lines of the README's code blocks and inline code that start a vaultkit command."""
    found = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL):
        found += [line.strip() for line in block.splitlines()]
    found += re.findall(r"`(vaultkit [^`]+)`", text)
    return [line for line in found if line.startswith("vaultkit ")]


def test_every_command_line_in_the_readme_uses_real_options() -> None:
    known = commands()
    text = README.read_text("utf-8")
    checked = 0
    for line in _code_lines(text):
        words = line.split()
        name = words[1]
        if name.startswith("-"):
            assert name in ("-V", "--version", "-q", "-v", "-h", "--help") or name.startswith(
                "--color"
            ), line
            continue
        if name not in known:
            continue  # prose such as "vaultkit COMMAND"
        command = known[name][0]
        actions = actions_of(command)
        if actions and len(words) > 2 and words[2] in actions:
            command = actions[words[2]][0]
        options = {o for a in command._actions for o in a.option_strings}
        for word in words[2:]:
            option = re.match(r"\[?(--?[a-zA-Z][-a-zA-Z]*)", word)
            if option and option.group(1) not in ("-", "--"):
                assert option.group(1) in options, f"{option.group(1)} in README line: {line}"
        checked += 1
    assert checked > 20
