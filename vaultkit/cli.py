"""The ``vaultkit`` command line: argument parsing, output, and the one error policy.

Commands stay thin: they find the vault, call one library function and format its
result. Library errors (``VaultkitError``) become one line on stderr and exit code 2;
nothing the user feeds in produces a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from vaultkit import __version__
from vaultkit.errors import VaultkitError

EXIT_OK = 0
EXIT_FOUND_PROBLEMS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"vaultkit: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vaultkit",
        description="Keep an Obsidian vault's derived views (progress, tables, reading "
        "lists) current as plain markdown.",
    )
    parser.add_argument("--version", action="version", version=f"vaultkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    inspect = commands.add_parser(
        "inspect",
        help="show what vaultkit reads from one note",
        description="Print the parsed model of one note: properties, headings, tasks, "
        "callouts, links, resources, tables and diagnostics. Example: "
        "vaultkit inspect Status.md --vault ~/Notes --json",
    )
    inspect.add_argument(
        "note", metavar="NOTE", help="the note: a file path, a vault path or a note name"
    )
    inspect.add_argument(
        "--vault", metavar="DIR", help="the vault folder (default: found above the note)"
    )
    inspect.add_argument(
        "--json", action="store_true", help="print the documented JSON form instead"
    )
    return parser


def _inspect(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.jsonform import note_json
    from vaultkit.parse import parse_note
    from vaultkit.vault import locate_note, vault_root

    hint = Path(args.note) if Path(args.note).exists() else None
    vault = vault_root(args.vault, hint)
    abs_path, rel_path = locate_note(vault, args.note)
    try:
        data = abs_path.read_bytes()
    except OSError as exc:
        raise VaultkitError(
            f"cannot be read ({exc.strerror}); check its permissions", path=rel_path
        ) from None
    note = parse_note(data, rel_path)
    if args.json:
        json.dump(note_json(note), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        from vaultkit.report import describe_note

        out.write(describe_note(note))
    return EXIT_OK


def run(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Run one command; returns the exit status."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "inspect":
            return _inspect(args, out)
    except VaultkitError as exc:
        err.write(f"vaultkit: {exc}\n")
        return exc.exit_code
    err.write(f"vaultkit: unknown command {args.command!r}\n")
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    try:
        return run(argv, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("vaultkit: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


__all__ = ["main", "run"]
