"""The ``vaultkit`` command line: argument parsing, output, and the one error policy.

Commands stay thin: they find the vault, call one library function and format its
result. Library errors (``VaultkitError``) become one line on stderr and exit code 2;
nothing the user feeds in produces a traceback.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vaultkit import __version__
from vaultkit.errors import VaultkitError

if TYPE_CHECKING:
    import datetime as dt

    from vaultkit.indexer import IndexReport
    from vaultkit.outcome import SyncOutcome

EXIT_OK = 0
EXIT_FOUND_PROBLEMS = 1
EXIT_USAGE = 2


def _terminal_columns() -> int:
    """What ``shutil.get_terminal_size()`` answers: ``$COLUMNS``, else the terminal, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80 if stdout else 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, sized without importing shutil: argparse builds a formatter
    for every option it adds, and shutil brings bz2 and lzma, ~5 ms of every command."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog,
            indent_increment,
            max_help_position,
            width if width is not None else _terminal_columns() - 2,
        )


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

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

    sync = commands.add_parser(
        "sync",
        help="render the dashboards and write back what changed",
        description="Bring the index up to date, render every dashboard and write the ones "
        "that changed, atomically, never touching text outside vaultkit's regions. "
        "Example: vaultkit sync ~/Notes --check",
    )
    sync.add_argument("vault_dir", metavar="VAULT", nargs="?", help="the vault folder")
    sync.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    sync.add_argument("--diff", action="store_true", help="print a diff of every change")
    sync.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if any dashboard is stale or in conflict; write nothing",
    )
    sync.add_argument(
        "--force",
        action="store_true",
        help="overwrite regions edited by hand (a backup goes to .vaultkit/backups/ first)",
    )
    sync.add_argument("--index", metavar="FILE", help="the index file")
    sync.add_argument("--json", action="store_true", help="print a JSON summary")

    init = commands.add_parser(
        "init",
        help="write a commented .vaultkit/config.toml",
        description="Write .vaultkit/config.toml with every setting at its default, each "
        "explained; never overwrites an existing file. Example: vaultkit init ~/Notes",
    )
    init.add_argument("vault_dir", metavar="VAULT", nargs="?", help="the vault folder")

    watch = commands.add_parser(
        "watch",
        help="keep the dashboards current while you write",
        description="Sync once, then watch the vault and sync again whenever notes change "
        "(debounced), until stopped with Ctrl-C or SIGTERM. Example: vaultkit watch ~/Notes "
        "--log-file ~/vaultkit.log",
    )
    watch.add_argument("vault_dir", metavar="VAULT", nargs="?", help="the vault folder")
    watch.add_argument(
        "--debounce", metavar="MS", type=int, help="quiet time before a sync (default: config)"
    )
    watch.add_argument(
        "--polling", action="store_true", help="poll instead of OS events (network drives)"
    )
    watch.add_argument("--log-file", metavar="F", help="also append the log lines to F")

    hook = commands.add_parser(
        "hook",
        help="fast incremental sync for Obsidian's Shell commands plugin",
        description="Sync after one changed file; silent when there is nothing to do. Meant "
        "for the Shell commands plugin: vaultkit hook {{vault_path}} --file "
        "{{event_file_path:absolute}}",
    )
    hook.add_argument("vault_dir", metavar="VAULT", nargs="?", help="the vault folder")
    hook.add_argument("--file", metavar="PATH", help="the file that changed")

    def vault_options(command: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
        command.add_argument(
            "--vault", metavar="DIR", help="the vault folder (default: found above the cwd)"
        )
        command.add_argument(
            "--index",
            metavar="FILE",
            help="the index file (default: in the user cache folder; VAULTKIT_CACHE_DIR "
            "overrides the folder)",
        )
        if json_flag:
            command.add_argument("--json", action="store_true", help="print JSON")

    tasks = commands.add_parser(
        "tasks",
        help="list tasks from the index",
        description="List the vault's tasks, filtered. Example: vaultkit tasks --open "
        "--due-before 2026-12-01 --tag work",
    )
    state = tasks.add_mutually_exclusive_group()
    state.add_argument(
        "--open", dest="state", action="store_const", const="open", help="only open tasks"
    )
    state.add_argument(
        "--done", dest="state", action="store_const", const="done", help="only done tasks"
    )
    tasks.add_argument(
        "--due-before", metavar="DATE", type=_date, help="only tasks due before DATE (YYYY-MM-DD)"
    )
    tasks.add_argument("--tag", metavar="T", help="only tasks tagged T (or in a note tagged T)")
    tasks.add_argument("--note", metavar="GLOB", help="only notes whose path matches GLOB")
    tasks.add_argument("--section", metavar="S", help="only tasks under a heading named S")
    vault_options(tasks)

    links = commands.add_parser(
        "links",
        help="report link health",
        description="Report unresolved links, broken heading/block anchors and orphan notes. "
        "Exit status 1 when --broken finds any. Example: vaultkit links --broken",
    )
    links.add_argument(
        "--broken", action="store_true", help="unresolved links and broken anchors (exit 1 if any)"
    )
    links.add_argument("--orphans", action="store_true", help="notes with no links in or out")
    links.add_argument("--unresolved", action="store_true", help="links to missing notes")
    vault_options(links)

    graph = commands.add_parser(
        "graph",
        help="export the link graph",
        description="Print the vault's link graph. json is networkx node-link data; "
        "graphml loads in Gephi and networkx. Example: vaultkit graph --format mermaid",
    )
    graph.add_argument("--format", choices=("json", "graphml", "dot", "mermaid"), default="json")
    vault_options(graph, json_flag=False)

    query = commands.add_parser(
        "query",
        help="run read-only SQL over the index",
        description="Run one read-only SQL statement over the index (schema: "
        'docs/index-schema.md). Example: vaultkit query "SELECT tag, count(*) FROM tags '
        'GROUP BY tag"',
    )
    query.add_argument("sql", metavar="SQL")
    query.add_argument("--csv", action="store_true", help="print CSV")
    vault_options(query)

    doctor = commands.add_parser(
        "doctor",
        help="check the vault and the index",
        description="Check the Obsidian settings, notes that parse with diagnostics, broken "
        "links and the index. Exit status 1 when it finds errors. Example: vaultkit doctor",
    )
    vault_options(doctor)
    return parser


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD"
        ) from None


def _open_index(args: argparse.Namespace) -> tuple[Path, sqlite3.Connection, IndexReport]:
    from vaultkit.indexer import update_index
    from vaultkit.vault import vault_root

    vault = vault_root(args.vault)
    index_path = Path(args.index).expanduser() if args.index else None
    connection, report = update_index(vault, index_path=index_path)
    return vault, connection, report


def _dump_json(data: object, out: TextIO) -> None:
    import json

    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _tasks(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.queries import TaskFilter, list_tasks

    _, connection, _ = _open_index(args)
    with closing(connection):
        found = list_tasks(
            connection,
            TaskFilter(args.state, args.due_before, args.tag, args.note, args.section),
        )
    if args.json:
        _dump_json(found, out)
        return EXIT_OK
    from vaultkit.report import describe_tasks

    out.write(describe_tasks(found))
    return EXIT_OK


def _links(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.queries import link_report

    _, connection, _ = _open_index(args)
    with closing(connection):
        found = link_report(connection)
    show_all = not (args.broken or args.orphans or args.unresolved)
    if args.json:
        data = dict(found)
        if not show_all:
            if not (args.broken or args.unresolved):
                data.pop("unresolved")
            if not args.broken:
                data.pop("broken_anchors")
            if not args.orphans:
                data.pop("orphans")
        _dump_json(data, out)
    else:
        from vaultkit.report import describe_links

        out.write(
            describe_links(
                found,
                unresolved=show_all or args.broken or args.unresolved,
                broken=show_all or args.broken,
                orphans=show_all or args.orphans,
            )
        )
    if args.broken and (found["unresolved_count"] or found["broken_anchor_count"]):
        return EXIT_FOUND_PROBLEMS
    return EXIT_OK


def _graph(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit import export
    from vaultkit.queries import graph_data

    _, connection, _ = _open_index(args)
    with closing(connection):
        nodes, edges = graph_data(connection)
    if args.format == "json":
        _dump_json(export.to_node_link(nodes, edges), out)
    elif args.format == "graphml":
        out.write(export.to_graphml(nodes, edges))
    elif args.format == "dot":
        out.write(export.to_dot(nodes, edges))
    else:
        out.write(export.to_mermaid(nodes, edges))
    return EXIT_OK


def _query(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.queries import run_query

    _, connection, report = _open_index(args)
    connection.close()
    columns, rows = run_query(report.index_path, args.sql)
    if args.json:
        _dump_json([dict(zip(columns, row, strict=True)) for row in rows], out)
    elif args.csv:
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from vaultkit.report import describe_rows

        out.write(describe_rows(columns, rows))
    return EXIT_OK


def _doctor(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.queries import diagnostics_by_note, index_health, link_report, skipped_files
    from vaultkit.scan import read_obsidian_settings

    vault, connection, report = _open_index(args)
    _, settings_warnings = read_obsidian_settings(vault)
    with closing(connection):
        found: dict[str, Any] = {
            "vault": str(vault),
            "settings_warnings": list(settings_warnings),
            "diagnostics": diagnostics_by_note(connection),
            "links": link_report(connection),
            "skipped": skipped_files(connection),
            "index": {**index_health(connection, report.index_path), "rebuilt": report.rebuilt},
        }
    errors = sum(1 for d in found["diagnostics"] if d["severity"] == "error")
    healthy = found["index"]["integrity"] == "ok"
    if args.json:
        _dump_json(found, out)
    else:
        from vaultkit.report import describe_doctor

        out.write(describe_doctor(found))
    return EXIT_OK if healthy and not errors and not settings_warnings else EXIT_FOUND_PROBLEMS


def _sync(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.vault import vault_root

    vault = vault_root(args.vault_dir)
    index_path = Path(args.index).expanduser() if args.index else None
    dry_run = args.dry_run or args.check
    probe, probed = None, False
    if not args.force:
        # Nothing changed since a sync found every dashboard current: say so from the index's
        # stamp, before the pipeline (parser, Jinja, lock) is even imported.
        from vaultkit.lock import index_location
        from vaultkit.stamp import unchanged, unchanged_outcome

        started = time.perf_counter()
        probe, hit = unchanged(vault, index_path or index_location(vault))
        probed = True
        if hit is not None:
            return _print_sync(
                unchanged_outcome(hit, dry_run, time.perf_counter() - started), args, out
            )
    from vaultkit.report import sync_outcome
    from vaultkit.sync import run_sync

    report = run_sync(
        vault,
        dry_run=dry_run,
        force=args.force,
        index_path=index_path,
        probe=probe,
        probed=probed,
    )
    return _print_sync(sync_outcome(report, vault), args, out)


def _print_sync(outcome: SyncOutcome, args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.outcome import as_json, describe

    if args.json:
        _dump_json(as_json(outcome), out)
    else:
        out.write(describe(outcome, diff=args.diff))
    problems = any(item.status in ("conflict", "error") for item in outcome.files)
    stale = any(item.status in ("written", "created") for item in outcome.files)
    if args.check:
        return EXIT_FOUND_PROBLEMS if stale or problems else EXIT_OK
    return EXIT_FOUND_PROBLEMS if problems else EXIT_OK


def _watch(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.vault import vault_root
    from vaultkit.watch import run_watch

    vault = vault_root(args.vault_dir)
    log_file = Path(args.log_file).expanduser() if args.log_file else None
    return run_watch(vault, debounce_ms=args.debounce, polling=args.polling, log_file=log_file)


def _hook(args: argparse.Namespace, out: TextIO) -> int:
    # The hook is called on every autosave: keep this path free of heavy imports.
    from vaultkit.hook import run_hook

    return run_hook(args.vault_dir, args.file, out, sys.stderr)


def _init(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.config import init_config
    from vaultkit.vault import vault_root

    vault = vault_root(args.vault_dir)
    path = init_config(vault)
    out.write(f"wrote {path}\n")
    return EXIT_OK


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
        _dump_json(note_json(note), out)
    else:
        from vaultkit.report import describe_note

        out.write(describe_note(note))
    return EXIT_OK


def run(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Run one command; returns the exit status."""
    args = _build_parser().parse_args(argv)
    try:
        handler = {
            "inspect": _inspect,
            "tasks": _tasks,
            "links": _links,
            "graph": _graph,
            "query": _query,
            "doctor": _doctor,
            "sync": _sync,
            "init": _init,
            "watch": _watch,
            "hook": _hook,
        }.get(args.command)
        if handler is not None:
            return handler(args, out)
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
