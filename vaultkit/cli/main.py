"""The ``vaultkit`` command line: argument parsing, output, and the one error policy.

Commands stay thin: they find the vault, call one library function and format its
result. Library errors (``VaultkitError``) become one line on stderr and exit code 2;
nothing the user feeds in produces a traceback.
"""

from __future__ import annotations

import gc
import io
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from vaultkit.errors import ExitStatus, VaultkitError
from vaultkit.vault import chosen_vault

if TYPE_CHECKING:
    import argparse
    import sqlite3

    from vaultkit.cli.logs import Feedback
    from vaultkit.sync.outcome import SyncOutcome


def _open_index(args: argparse.Namespace) -> tuple[Path, sqlite3.Connection, Path]:
    """The vault, its index brought up to date, and the index file."""
    from vaultkit.sync.stamp import current_index
    from vaultkit.vault import vault_root
    from vaultkit.vaultpaths import VaultPaths

    paths = VaultPaths(vault_root(chosen_vault(args)), index=args.index)
    current, listed = current_index(paths)
    if current is not None:
        # Nothing changed: the indexer is not even imported (~20 ms).
        return paths.root, current, paths.index.path
    from vaultkit.config.load import load_config
    from vaultkit.dashboards.registry import BUILTINS
    from vaultkit.index.update import update_index

    try:
        # The config's excludes, as a sync applies them: else reading the index re-adds them.
        excludes = load_config(paths.root, BUILTINS).vault.excludes
        connection, update = update_index(paths, excludes=excludes, listed=listed)
    finally:
        if listed is not None:
            listed.release()
    return paths.root, connection, update.index_path


def _dump_json(data: object, out: TextIO) -> None:
    from vaultkit.cli.jsonform import write_json

    write_json(data, out)


def _tasks(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.index.queries import TaskFilter, list_tasks

    vault, connection, _ = _open_index(args)
    due_before = args.due_before
    if isinstance(due_before, int):
        import datetime as dt

        from vaultkit.config.load import load_config
        from vaultkit.dashboards.registry import BUILTINS
        from vaultkit.sync.run import today_for_run

        today = today_for_run(load_config(vault, BUILTINS))
        due_before = today + dt.timedelta(days=due_before)
    with closing(connection):
        found = list_tasks(
            connection, TaskFilter(args.state, due_before, args.tag, args.note, args.section)
        )
    if args.json:
        _dump_json(found, out)
        return ExitStatus.OK
    from vaultkit.cli.text import describe_tasks

    out.write(describe_tasks(found))
    return ExitStatus.OK


def _links(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.index.queries import link_health

    _, connection, _ = _open_index(args)
    with closing(connection):
        found = link_health(connection)
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
        from vaultkit.cli.text import describe_links

        out.write(
            describe_links(
                found,
                unresolved=show_all or args.broken or args.unresolved,
                broken=show_all or args.broken,
                orphans=show_all or args.orphans,
            )
        )
    if args.broken and (found["unresolved_count"] or found["broken_anchor_count"]):
        return ExitStatus.PROBLEMS
    return ExitStatus.OK


def _graph(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.logs import NOTICE, logger
    from vaultkit.graph import export as export
    from vaultkit.graph.select import GraphFilter, mermaid_limits, select
    from vaultkit.index.queries import graph_data
    from vaultkit.vault import locate_note

    root, connection, _ = _open_index(args)
    with closing(connection):
        nodes, edges = graph_data(connection)
    starts = tuple(locate_note(root, note)[1] for note in args.note)
    chosen = GraphFilter(tuple(args.tag), starts, args.depth, args.max_edges)
    picked = select(nodes, edges, chosen)
    nodes, edges = picked.nodes, picked.edges
    if args.format == "json":
        _dump_json(export.to_node_link(nodes, edges), out)
    elif args.format == "graphml":
        out.write(export.to_graphml(nodes, edges))
    elif args.format == "dot":
        out.write(export.to_dot(nodes, edges))
    else:
        text = export.to_mermaid(nodes, edges)
        out.write(text)
        problem = mermaid_limits(len(edges), text)
        if problem is not None:
            logger().warning("%s", problem)
    if len(edges) < picked.edges_before_limit:
        logger().log(
            NOTICE,
            "kept the %d heaviest of %d edges (--max-edges)",
            len(edges),
            picked.edges_before_limit,
        )
    return ExitStatus.OK


_CSV_ROWS = 2_000
"""Rows of ``query --csv`` per write to stdout."""


def _query(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.index.queries import run_query

    _, connection, index_path = _open_index(args)
    connection.close()
    columns, rows = run_query(index_path, args.sql)
    if args.json:
        _dump_json([dict(zip(columns, row, strict=True)) for row in rows], out)
    elif args.csv:
        import csv

        # Rows gathered and written a block at a time: the csv writer writes each row on its
        # own, a system call each when Python runs unbuffered (as for JSON, write_json).
        block = io.StringIO()
        writer = csv.writer(block, lineterminator="\n")
        writer.writerow(columns)
        for start in range(0, len(rows), _CSV_ROWS):
            writer.writerows(rows[start : start + _CSV_ROWS])
            out.write(block.getvalue())
            block.seek(0)
            block.truncate()
        out.write(block.getvalue())
    else:
        from vaultkit.cli.text import describe_rows

        out.write(describe_rows(columns, rows))
    return ExitStatus.OK


def _doctor(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.doctor import check_vault
    from vaultkit.vault import vault_root

    found = check_vault(vault_root(chosen_vault(args)), args.index)
    if args.json:
        _dump_json(found, out)
    else:
        from vaultkit.cli.text import describe_doctor

        out.write(describe_doctor(found))
    return ExitStatus.PROBLEMS if found["problems"] else ExitStatus.OK


def _render(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.sync.preview import render_named
    from vaultkit.vault import vault_root
    from vaultkit.vaultpaths import VaultPaths

    out.write(render_named(VaultPaths(vault_root(chosen_vault(args)), index=args.index), args.name))
    return ExitStatus.OK


def _sync(args: argparse.Namespace, out: TextIO, listen: Callable[[], None]) -> int:
    from vaultkit.vault import vault_root
    from vaultkit.vaultpaths import VaultPaths

    # The vault's paths (--index, else the config's, else the cache folder's), decided once
    # for the fast path below and the full sync alike, so both read the same index.
    paths = VaultPaths(vault_root(chosen_vault(args)), index=args.index)
    if args.write and not args.diff:
        raise VaultkitError("--write goes with --diff (sync writes anyway without --diff)")
    # --diff alone is a preview: a user asking to see the changes has not asked to make them.
    dry_run = args.dry_run or args.check or (args.diff and not args.write)
    probe, probed = None, False
    if not args.force:
        # Nothing changed since a sync found every dashboard current: say so from the index's
        # stamp, before the pipeline (parser, Jinja, lock) is even imported.
        from vaultkit.sync.stamp import unchanged, unchanged_outcome

        started = time.perf_counter()
        probe, hit = unchanged(paths)
        probed = True
        if hit is not None:
            return _print_sync(
                unchanged_outcome(hit, dry_run, time.perf_counter() - started), args, out
            )
    listen()
    from vaultkit.sync.outcome import sync_outcome
    from vaultkit.sync.run import run_sync

    result = run_sync(paths, dry_run=dry_run, force=args.force, probe=probe, probed=probed)
    return _print_sync(sync_outcome(result, paths.root), args, out)


def _print_sync(outcome: SyncOutcome, args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.sync.outcome import as_json, describe

    if args.json:
        _dump_json(as_json(outcome, check=args.check), out)
    elif args.quiet:
        # Only what went wrong: the files in conflict or in error.
        from vaultkit.sync.outcome import file_line

        out.writelines(f"{file_line(item)}\n" for item in outcome.problems)
    else:
        text = describe(outcome, diff=args.diff)
        if args.color != "never" and (args.color == "always" or out.isatty()):
            # Decided in full only then: piped output (the fast path) imports nothing more.
            from vaultkit.cli.colour import paint_listing, wanted

            text = paint_listing(text) if wanted(out, args.color) else text
        out.write(text)
    if args.check:
        return ExitStatus.PROBLEMS if outcome.written or outcome.problems else ExitStatus.OK
    return ExitStatus.PROBLEMS if outcome.problems else ExitStatus.OK


def _watch(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.live.watch import AlreadyWatchedError, run_watch
    from vaultkit.vault import vault_root

    vault = vault_root(chosen_vault(args))
    log_file = Path(args.log_file).expanduser() if args.log_file else None
    try:
        return run_watch(vault, debounce_ms=args.debounce, polling=args.polling, log_file=log_file)
    except AlreadyWatchedError as exc:
        if not args.ok_if_watched:
            raise
        sys.stderr.write(f"vaultkit: {exc}\n")
        return ExitStatus.OK


def _hook(args: argparse.Namespace, out: TextIO, listen: Callable[[TextIO], None]) -> int:
    # The hook is called on every autosave: keep this path free of heavy imports. Its feedback
    # is set up before it reads the config, whose warnings must come prefixed; logging itself
    # is imported only if something is logged.
    listen(sys.stderr)
    from vaultkit.live.hook import run_hook

    return run_hook(chosen_vault(args), args.file, out, sys.stderr, quiet=args.quiet)


def _init(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.config.default_file import init_config
    from vaultkit.dashboards.registry import BUILTINS
    from vaultkit.vault import vault_root

    vault = vault_root(chosen_vault(args), init=True)
    path = init_config(vault, BUILTINS)
    if not args.quiet:
        out.write(f"wrote {path}\n")
    return ExitStatus.OK


def _inspect(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.jsonform import note_json
    from vaultkit.obsidian.tasks_plugin import read_tasks_plugin
    from vaultkit.parse.note import parse_note
    from vaultkit.vault import locate_note, vault_root

    hint = Path(args.note) if Path(args.note).exists() else None
    vault = vault_root(chosen_vault(args), hint)
    abs_path, rel_path = locate_note(vault, args.note)
    try:
        data = abs_path.read_bytes()
    except OSError as exc:
        raise VaultkitError(
            f"cannot be read ({exc.strerror}); check its permissions", path=rel_path
        ) from None
    # The Tasks plugin's settings, as the index applies them: inspect shows the same tasks.
    note = parse_note(data, rel_path, rules=read_tasks_plugin(vault).rules)
    if args.json:
        _dump_json(note_json(note), out)
    else:
        from vaultkit.cli.text import describe_note

        out.write(describe_note(note))
    return ExitStatus.OK


def _adopt(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.text import describe_adopt
    from vaultkit.config.load import load_config
    from vaultkit.dashboards.registry import BUILTINS
    from vaultkit.sync.adopt import AlreadyAdoptedError, Choice, run_adopt
    from vaultkit.sync.outcome import describe, sync_outcome
    from vaultkit.sync.run import run_sync
    from vaultkit.vault import locate_note, vault_root
    from vaultkit.vaultpaths import VaultPaths

    hint = Path(args.note) if Path(args.note).exists() else None
    paths = VaultPaths(vault_root(chosen_vault(args), hint))
    _, note_path = locate_note(paths.root, args.note)
    config = load_config(paths.root, BUILTINS)
    folder = args.folder if args.folder is not None else config.topics.folder or "Topics"

    def waiting(seconds: float) -> None:
        sys.stderr.write(
            f"vaultkit: {note_path} changed just now; waiting {seconds:.1f} s for it to be "
            "left alone\n"
        )

    try:
        plan, results = run_adopt(
            paths,
            config,
            note_path,
            Choice(args.table, args.heading),
            folder.strip("/"),
            preview=args.dry_run or args.diff,
            on_wait=waiting,
        )
    except AlreadyAdoptedError as done:
        out.write(f"{done}\n")
        return ExitStatus.OK
    out.write(describe_adopt(plan, paths.root, results, diff=args.diff))
    if results is None:
        return ExitStatus.OK
    if any(r.status not in ("created", "written", "unchanged") for r in results):
        return ExitStatus.PROBLEMS
    # The note was written just now by adopt itself, not typed in: no quiet period to wait.
    fresh = load_config(paths.root, BUILTINS)
    fresh = fresh._replace(vault=fresh.vault._replace(quiet_seconds=0.0))
    paths = paths.with_index_setting(fresh.vault.index)
    outcome = sync_outcome(run_sync(paths, config=fresh), paths.root)
    out.write(describe(outcome))
    return ExitStatus.PROBLEMS if outcome.problems else ExitStatus.OK


def _housekeeping(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.housekeeping import run_housekeeping

    return run_housekeeping(args, out)


def _completion(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.cli.args import build_parser
    from vaultkit.cli.completion import script

    out.write(script(build_parser(), args.shell))
    return ExitStatus.OK


def quick_args(arguments: Sequence[str]) -> argparse.Namespace | None:
    """What the parser would make of ``sync [VAULT]`` and ``hook [VAULT] [--file PATH]``,
    the commands that run on every save; None for any other command line.

    Obsidian's Shell commands plugin and a user's ``vaultkit sync`` use just these shapes, and
    building the parser (``vaultkit.cli.args``) for them cost as much as the whole answer
    when nothing changed. Anything else (options, ``--``, a path that starts with ``-``) goes
    to the parser; a test holds this function to the parser's answers.
    """
    from types import SimpleNamespace

    # The global options' defaults (vaultkit.cli.args._global_options), as the parser sets them.
    global_options: dict[str, object] = {"quiet": False, "verbose": 0, "color": "auto"}
    if not arguments or arguments[0].startswith("-"):
        return None
    command, rest = arguments[0], list(arguments[1:])
    if command == "sync":
        if len(rest) > 1 or any(arg.startswith("-") for arg in rest):
            return None
        found = SimpleNamespace(
            **global_options,
            command="sync",
            vault_dir=rest[0] if rest else None,
            vault=None,
            dry_run=False,
            diff=False,
            write=False,
            check=False,
            force=False,
            index=None,
            json=False,
        )
        return cast("argparse.Namespace", found)
    if command == "hook":
        vault_dir = file = None
        while rest:
            arg = rest.pop(0)
            if arg == "--file" and file is None and rest and not rest[0].startswith("-"):
                file = rest.pop(0)
            elif arg in ("-q", "--quiet"):
                # The plugin's notice for every save that wrote something is what -q is for.
                global_options["quiet"] = True
            elif not arg.startswith("-") and vault_dir is None:
                vault_dir = arg
            else:
                return None
        return cast(
            "argparse.Namespace",
            SimpleNamespace(
                **global_options, command="hook", vault_dir=vault_dir, vault=None, file=file
            ),
        )
    return None


STREAMING = frozenset({"watch", "hook", "graph", "query"})
"""Commands whose output goes out as it is made: a watcher's log, and graph and query, whose
output can be large and whose exit status does not depend on it. The others' output is
written whole once the command is done, so a reader that stops early (``| head -1``) cannot
change their exit status (see :func:`main`)."""


class _Held(io.StringIO):
    """A command's stdout held until the command is done (see :data:`STREAMING`); it answers
    ``isatty()`` for the real stream, so colour is decided as if written there."""

    def __init__(self, real: TextIO) -> None:
        super().__init__()
        self.real = real

    def isatty(self) -> bool:
        return self.real.isatty()


class _OutputFailedError(Exception):
    """stdout could not be written (a full disk behind a redirect); carries the OSError."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause)
        self.cause = cause


class _Streamed:
    """A streaming command's stdout (see :data:`STREAMING`): a write that fails for another
    reason than a reader gone away raises :class:`_OutputFailedError`, told apart from the
    command's own reads and writes, which fail with an OSError of their own."""

    def __init__(self, real: TextIO) -> None:
        self.real = real

    def write(self, text: str) -> int:
        try:
            return self.real.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputFailedError(exc) from exc

    def flush(self) -> None:
        try:
            self.real.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputFailedError(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _output_failed(err: TextIO, exc: OSError, status: int) -> int:
    """Say in one line that the output could not be written; the status then: the command's
    own when it failed already (its error said why), else :attr:`ExitStatus.OUTPUT_FAILED`."""
    with suppress(OSError, ValueError):
        err.write(f"vaultkit: could not write the output: {exc.strerror or exc}\n")
        err.flush()
    if status in (ExitStatus.OK, ExitStatus.PROBLEMS):
        return ExitStatus.OUTPUT_FAILED
    return status


class OutputCutShortError(Exception):
    """The reader of stdout went away; carries the command's exit status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def error_json(exc: VaultkitError | str, status: int) -> dict[str, Any]:
    """An error as ``--json`` prints it on stdout, so a script reads JSON whatever happens."""
    if isinstance(exc, str):
        return {"error": {"message": exc, "path": None, "line": None, "exit_code": status}}
    return {
        "error": {
            "message": exc.message,
            "path": exc.path,
            "line": exc.line,
            "exit_code": status,
        }
    }


def _parse(arguments: list[str], out: TextIO) -> argparse.Namespace:
    from vaultkit.cli.args import UsageExit, build_parser

    try:
        return build_parser().parse_args(arguments)
    except UsageExit as exc:
        if "--json" in arguments:
            _dump_json(error_json(exc.message, int(exc.code or 0)), out)
        raise


def run(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Run one command; returns the exit status. Raises :class:`OutputCutShortError` when the
    reader of ``out`` went away."""
    started = time.perf_counter()
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = quick_args(arguments)
    quick = args is not None
    if args is None:
        args = _parse(arguments, out)
    given = args
    listening: list[Feedback] = []
    listened = not quick

    def listener(stream: TextIO) -> Feedback:
        from vaultkit.cli.logs import Feedback, level_for

        made = Feedback(
            stream, level_for(given.quiet, given.verbose), choice=given.color, started=started
        )
        listening.append(made)
        return made

    def listen(stream: TextIO = err) -> None:
        """Show the library's feedback (vaultkit.cli.logs): at once for a parsed command
        line; on the fast path only once there is work to do, and even then the listener is
        made only when the library first reports (start-up time)."""
        nonlocal listened
        from vaultkit import feedback

        feedback.listen_later(lambda: listener(stream))
        listened = True

    handler = {
        "inspect": _inspect,
        "tasks": _tasks,
        "links": _links,
        "graph": _graph,
        "query": _query,
        "doctor": _doctor,
        "render": _render,
        "sync": lambda parsed, to: _sync(parsed, to, listen),
        "init": _init,
        "watch": _watch,
        "hook": lambda parsed, to: _hook(parsed, to, listen),
        "adopt": _adopt,
        "cache": _housekeeping,
        "templates": _housekeeping,
        "remove-dashboards": _housekeeping,
        "completion": _completion,
    }.get(args.command)
    if handler is None:
        err.write(f"vaultkit: unknown command {args.command!r}\n")
        return ExitStatus.ERROR
    if not quick:
        from vaultkit import feedback

        feedback.listen(listener(err))
        listening[0].ready()
    whole = args.command not in STREAMING
    to: TextIO = _Held(out) if whole else cast("TextIO", _Streamed(out))
    try:
        status = handler(args, to)
        if listening and args.command != "watch":
            listening[0].finish(args.command)
    except _OutputFailedError as exc:
        return _output_failed(err, exc.cause, ExitStatus.OK)
    except VaultkitError as exc:
        from vaultkit.cli.colour import RED, paint, wanted

        line = f"vaultkit: {exc}"
        err.write(f"{paint(line, RED) if wanted(err, args.color) else line}\n")
        status = exc.exit_code
        if getattr(args, "json", False):
            to = _Held(out)  # a half-written answer is no JSON; the error object is
            _dump_json(error_json(exc, status), to)
            whole = True
    finally:
        if listened:
            from vaultkit import feedback

            feedback.listen(None)
    if whole:
        try:
            out.write(cast("_Held", to).getvalue())
            out.flush()
        except BrokenPipeError:
            raise OutputCutShortError(status) from None
        except OSError as exc:  # a full disk behind a redirect: one line, as for any error
            return _output_failed(err, exc, status)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    # Young collections every 50,000 allocations, not 700, and the middle generation every
    # 20 of them, not 10: a hook imports ~300 modules, whose objects all survive, and each
    # collection walks them again. Measured on a task edit at 10,000 notes, the hook's
    # collections took ~20 ms at (5,000, 10), ~1.5 ms at this (no collection once the command
    # runs); a cold sync's at 10,000 notes ~0.5 s, ~40 ms, with the same peak memory. vaultkit
    # makes little cyclic garbage: what it allocates is freed by reference counting.
    gc.set_threshold(50_000, 20, gc.get_threshold()[2])
    try:
        return run(argv, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("vaultkit: interrupted\n")
        return ExitStatus.INTERRUPTED
    except (BrokenPipeError, OutputCutShortError) as exc:
        # The reader (e.g. `| head`) went away: not an error of ours, and it leaves the exit
        # status as the command decided it (a stale vault under --check stays 1). Python would
        # report the pipe again when it flushes stdout at exit: point stdout at /dev/null.
        import os

        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        sys.stderr.close()
        return exc.status if isinstance(exc, OutputCutShortError) else ExitStatus.OK


def entry() -> NoReturn:
    """The ``vaultkit`` console script and ``python -m vaultkit``: :func:`main`, then
    :func:`end_process`."""
    try:
        status = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        if exc.code is not None and not isinstance(exc.code, int):
            raise  # a message for Python to print
        status = exc.code or 0
    end_process(status)


def end_process(status: int) -> NoReturn:
    """End the process with ``status`` once it has done what Python's own exit does that
    anyone can see: waited for its threads, run the ``atexit`` functions (logging's flush among
    them) and flushed stdout and stderr; but without tearing the interpreter down.

    Taking apart every module and object of a hook that imported ~300 of them costs ~30 ms,
    a tenth of the whole hook, on every save, and leaves nothing behind that anyone reads: every
    file and index connection of vaultkit is closed where it is used. A thread still running
    (Python would wait for it) gets the ordinary exit, which waits for it.
    """
    import os
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(status)
    # The same functions, in the same order, as the interpreter's own exit runs them.
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except BrokenPipeError:
            pass  # the reader went away: the status stays as the command decided (see main)
        except OSError as exc:  # what was still buffered could not be written
            if stream is sys.stdout:
                status = _output_failed(sys.stderr, exc, status)
        except ValueError:
            pass  # closed under us
    os._exit(status)


__all__ = ["end_process", "entry", "main", "run"]
