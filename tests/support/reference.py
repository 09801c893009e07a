"""The README's command reference as the parser prints it: each command's usage line (as
``vaultkit COMMAND --help`` shows it, unwrapped and without ``-h``) and its one-line help."""

from __future__ import annotations

import argparse
import os
import re

from vaultkit.cli.args import build_parser

BEGIN = "<!-- command reference: tests/cli/test_reference.py -->"
"""The line before the reference's code block in README.md."""


def commands() -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """Each command's parser and one-line help, in the parser's order."""
    parser = build_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in found._choices_actions}
    return {name: (command, helps.get(name, "")) for name, command in found.choices.items()}


def actions_of(command: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """A command's own commands (``cache list``), if it has any."""
    for found in command._actions:
        if isinstance(found, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in found._choices_actions}
            return {name: (action, helps.get(name, "")) for name, action in found.choices.items()}
    return {}


def _usage(command: argparse.ArgumentParser) -> str:
    return re.sub(r" \[-h\]", "", command.format_usage().strip().removeprefix("usage: "))


def reference() -> str:
    """The code block's text."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "10000"  # one line per usage, whatever the terminal
    try:
        lines = [
            _usage(build_parser()),
            "    the options before COMMAND; -q, -v and --color also go after it",
        ]
        for command, help_line in commands().values():
            actions = actions_of(command)
            if not actions:
                lines += [_usage(command), f"    {help_line}"]
            for action, action_help in actions.values():
                lines += [_usage(action), f"    {action_help}"]
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(lines) + "\n"
