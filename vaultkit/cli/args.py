"""The command line's grammar: the argparse parser of every ``vaultkit`` command.

Imported only when a command line needs it: ``vaultkit.cli.main`` answers the two it hears most
(``sync`` and ``hook``, see ``vaultkit.cli.main.quick_args``) without building the parser, whose
argparse, gettext and locale imports cost every call ~10 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, TypeAlias

from vaultkit import __version__
from vaultkit.errors import ExitStatus

if TYPE_CHECKING:
    import datetime as dt


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


_Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"
"""Where each command adds its parser."""


class UsageExit(SystemExit):
    """A command line the parser refused (exit 2), with the message it printed."""

    def __init__(self, message: str) -> None:
        super().__init__(ExitStatus.ERROR)
        self.message = message


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"vaultkit: {message}\n")
        raise UsageExit(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vaultkit",
        description="Keep an Obsidian vault's derived views (progress, tables, reading "
        "lists) current as plain markdown.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"vaultkit {__version__}")
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for add in (
        _inspect_command,
        _sync_command,
        _init_command,
        _watch_command,
        _hook_command,
        _tasks_command,
        _links_command,
        _graph_command,
        _query_command,
        _doctor_command,
        _render_command,
        _adopt_command,
        _cache_command,
        _templates_command,
        _remove_dashboards_command,
        _completion_command,
    ):
        add(commands)
    for command in dict.fromkeys(commands.choices.values()):
        _global_options(command, top=False)
    return parser


def _inspect_command(commands: _Commands) -> None:
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
        "--json", action="store_true", help="print the documented JSON form instead"
    )
    _vault_argument(inspect, default="found above the note, else above the current folder")


def _sync_command(commands: _Commands) -> None:
    sync = commands.add_parser(
        "sync",
        help="render the dashboards and write back what changed",
        description="Bring the index up to date, render every dashboard and write the ones "
        "that changed, atomically, never touching text outside vaultkit's regions. "
        "Example: vaultkit sync ~/Notes --check",
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    sync.add_argument(
        "--diff",
        action="store_true",
        help="print a diff of every change and write nothing (a preview, like --dry-run)",
    )
    sync.add_argument(
        "--write", action="store_true", help="with --diff: write the changes it shows, too"
    )
    sync.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if any dashboard is stale or in conflict; write nothing",
    )
    sync.add_argument(
        "--force",
        action="store_true",
        help="overwrite regions edited by hand (a backup goes to .vaultkit/backups/ first; "
        "refused if that folder leads out of the vault)",
    )
    sync.add_argument(
        "--index",
        metavar="FILE",
        help="the index file (default: [vault] index in .vaultkit/config.toml, else the user "
        "cache folder)",
    )
    sync.add_argument("--json", action="store_true", help="print a JSON summary")
    _vault_argument(sync)


def _init_command(commands: _Commands) -> None:
    init = commands.add_parser(
        "init",
        help="write a commented .vaultkit/config.toml",
        description="Write .vaultkit/config.toml with every setting at its default, each "
        "explained; never overwrites an existing file. Example: vaultkit init ~/Notes",
    )
    _vault_argument(init, init=True, default="the vault above the current folder")


def _watch_command(commands: _Commands) -> None:
    watch = commands.add_parser(
        "watch",
        help="keep the dashboards current while you write",
        description="Sync once, then watch the vault and sync again whenever notes change "
        "(debounced), until stopped with Ctrl-C or SIGTERM. If the vault folder is moved or "
        "replaced, it writes nothing until that folder is back. Example: vaultkit watch "
        "~/Notes --log-file ~/vaultkit.log",
    )
    watch.add_argument(
        "--debounce", metavar="MS", type=int, help="quiet time before a sync (default: config)"
    )
    watch.add_argument(
        "--polling", action="store_true", help="poll instead of OS events (network drives)"
    )
    watch.add_argument(
        "--log-file",
        metavar="F",
        help="also append the log lines to F, which must be outside the vault",
    )
    watch.add_argument(
        "--ok-if-watched",
        action="store_true",
        help="exit 0, not 3, when another watcher already keeps the vault current (for "
        "launchd, whose KeepAlive restarts any job that exits with another status)",
    )
    _vault_argument(watch)


def _hook_command(commands: _Commands) -> None:
    hook = commands.add_parser(
        "hook",
        help="fast incremental sync for Obsidian's Shell commands plugin",
        description="Sync after one changed file; silent when there is nothing to do. Meant "
        "for the Shell commands plugin: vaultkit hook {{vault_path}} --file "
        "{{event_file_path:absolute}}",
    )
    hook.add_argument(
        "--file",
        metavar="PATH",
        help="the file that changed (ignored, never opened, unless a regular .md file)",
    )
    _vault_argument(hook)


def _tasks_command(commands: _Commands) -> None:
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
        "--due-before",
        metavar="DATE",
        type=_day,
        help="only tasks due before DATE: YYYY-MM-DD, today, tomorrow, yesterday, or +N / -N "
        "days from today (today as sync sees it: VAULTKIT_TODAY or [vault] today pin it)",
    )
    tasks.add_argument("--tag", metavar="T", help="only tasks tagged T (or in a note tagged T)")
    tasks.add_argument("--note", metavar="GLOB", help="only notes whose path matches GLOB")
    tasks.add_argument("--section", metavar="S", help="only tasks under a heading named S")
    _vault_options(tasks)


def _links_command(commands: _Commands) -> None:
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
    _vault_options(links)


def _graph_command(commands: _Commands) -> None:
    graph = commands.add_parser(
        "graph",
        help="export the link graph",
        description="Print the vault's link graph. json is networkx node-link data; "
        "graphml loads in Gephi and networkx. Example: vaultkit graph --format mermaid",
    )
    graph.add_argument("--format", choices=("json", "graphml", "dot", "mermaid"), default="json")
    graph.add_argument(
        "--note",
        metavar="NOTE",
        action="append",
        default=[],
        help="only NOTE and the notes within --depth links of it, either way (a path or a "
        "note name; repeat for more notes)",
    )
    graph.add_argument(
        "--depth", metavar="N", type=_count, default=1, help="links from --note to follow (1)"
    )
    graph.add_argument(
        "--tag",
        metavar="T",
        action="append",
        default=[],
        help="only notes tagged T or a tag nested under it (repeat for more tags)",
    )
    graph.add_argument(
        "--max-edges",
        metavar="N",
        type=_count,
        help="only the N heaviest edges (most links) and the nodes they join; Mermaid, and so "
        "Obsidian, draws at most 500",
    )
    _vault_options(graph, json_flag=False)


def _query_command(commands: _Commands) -> None:
    query = commands.add_parser(
        "query",
        help="run read-only SQL over the index",
        description="Run one read-only SQL statement over the index (schema: "
        'docs/index-schema.md). Example: vaultkit query "SELECT tag, count(*) FROM tags '
        'GROUP BY tag"',
    )
    query.add_argument("sql", metavar="SQL")
    query.add_argument("--csv", action="store_true", help="print CSV")
    _vault_options(query)


def _doctor_command(commands: _Commands) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check the vault, its config, templates, dashboards and index",
        description="Check and report, one section each: the config (every error, with its "
        "line), the daily-note settings in force, the dashboards' templates (compiled), the "
        "dashboards a sync would write (as sync --check), a running watcher, the Obsidian and "
        "plugin settings read, notes with diagnostics, links, the index and vaultkit's version. "
        "Writes nothing into the vault and takes no lock. Exit status 1 when it finds problems "
        "(an invalid config, a template error, a dashboard in conflict, a note with an error, "
        "a settings entry that matches nothing, a damaged index); stale dashboards are only a "
        "warning, which vaultkit sync fixes. Example: vaultkit doctor",
    )
    _vault_options(doctor)


def _render_command(commands: _Commands) -> None:
    render = commands.add_parser(
        "render",
        help="print one dashboard, writing nothing",
        description="Render one dashboard from the current index and print it: a file "
        "dashboard's content (without vaultkit's header line), a region's body. Writes nothing "
        "into the vault and takes no lock. Example: vaultkit render status",
    )
    render.add_argument(
        "name",
        metavar="NAME",
        help="the dashboard: a built-in (status, topics, resources, habits, links) or a "
        "[dashboards.NAME] of the config",
    )
    _vault_options(render, json_flag=False)


def _adopt_command(commands: _Commands) -> None:
    adopt = commands.add_parser(
        "adopt",
        help="turn a hand-kept comparison table into topic notes",
        description="Make one topic note per row of a hand-kept comparison table (the name "
        "from the first cell, a '## Column' section per other column, 'key: value' items as "
        "properties, the row's position as 'rank'), replace the table with the Topics "
        "dashboard's region, point [dashboards.topics] at it and sync. Existing notes are "
        "never overwritten: a note of the same name only gets the sections it lacks. The note "
        'is backed up in .vaultkit/backups/ first. Example: vaultkit adopt "Plan.md" --dry-run',
    )
    adopt.add_argument(
        "note",
        metavar="NOTE",
        help="the note holding the table: a file path, a vault path or a name",
    )
    which = adopt.add_mutually_exclusive_group()
    which.add_argument(
        "--table",
        metavar="N",
        type=int,
        help="the note's Nth table (default: its one comparison table)",
    )
    which.add_argument("--heading", metavar="H", help="the table under the heading H")
    adopt.add_argument(
        "--folder",
        metavar="F",
        help='where new topic notes go (default: [topics] folder, else "Topics")',
    )
    adopt.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    adopt.add_argument(
        "--diff", action="store_true", help="print the change to every file, write nothing"
    )
    _vault_argument(adopt, default="found above the note, else above the current folder")


def _cache_command(commands: _Commands) -> None:
    cache = commands.add_parser(
        "cache",
        help="list or prune the indexes in the user cache folder",
        description="List the indexes in vaultkit's cache folder (VAULTKIT_CACHE_DIR, else "
        "the user cache folder), each with its vault, or remove those whose vault no longer "
        "exists. Only files vaultkit recognises as its indexes are listed or removed. "
        "Example: vaultkit cache prune --dry-run",
    )
    actions = cache.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    listing = actions.add_parser(
        "list",
        help="every index: its vault, size, last use, whether the vault exists",
        description="List every vaultkit index in the cache folder with the vault it belongs "
        "to, its size (with its journal files), when vaultkit last wrote to it and whether its "
        "vault still exists.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    prune = actions.add_parser(
        "prune",
        help="remove the indexes of vaults that no longer exist",
        description="Remove every index in the cache folder whose vault folder no longer "
        "exists (a vault on an unmounted drive counts as gone; its index is rebuilt when it is "
        "back). Indexes that do not record their vault, and every file that is not a vaultkit "
        "index, are left alone.",
    )
    prune.add_argument(
        "--dry-run", action="store_true", help="show what would be removed, remove nothing"
    )
    prune.add_argument("--json", action="store_true", help="print JSON")


def _templates_command(commands: _Commands) -> None:
    templates = commands.add_parser(
        "templates",
        help="list the dashboard templates or copy one into the vault",
        description="List each dashboard's template and where it is read from, or copy a "
        "built-in template into .vaultkit/templates/, where a file of the same name overrides "
        "the built-in. Example: vaultkit templates copy status ~/Notes",
    )
    actions = templates.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    listing = actions.add_parser(
        "list",
        help="each dashboard's template: built-in path, and the vault's override if any",
        description="List each dashboard with its template, the built-in file of that name "
        "and the vault's own file that overrides it, if there is one.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    _vault_argument(listing)
    copy = actions.add_parser(
        "copy",
        help="copy a built-in template into .vaultkit/templates/ to customise it",
        description="Copy the built-in template of a dashboard into the vault's "
        ".vaultkit/templates/, where it overrides the built-in; never overwrites an existing "
        "file without --force. Example: vaultkit templates copy status",
    )
    copy.add_argument(
        "name", metavar="NAME", help="a built-in dashboard (status) or template (status.md.j2)"
    )
    copy.add_argument(
        "--force",
        action="store_true",
        help="overwrite an existing file (saved in .vaultkit/backups/ first)",
    )
    _vault_argument(copy)


def _remove_dashboards_command(commands: _Commands) -> None:
    remove = commands.add_parser(
        "remove-dashboards",
        help="remove the dashboard files vaultkit wrote and empty its regions",
        description="Remove every generated dashboard file that still holds what vaultkit "
        "wrote (an edited one is kept and reported) and empty every vaultkit region in notes, "
        "keeping the two marker lines. Every file changed or removed is saved in "
        ".vaultkit/backups/ first. A later sync writes them again unless the dashboards are "
        "disabled. Example: vaultkit remove-dashboards --dry-run",
    )
    remove.add_argument(
        "--dry-run", action="store_true", help="show what would be removed, write nothing"
    )
    remove.add_argument(
        "--diff", action="store_true", help="print the change to every note, write nothing"
    )
    _vault_options(remove)


def _completion_command(commands: _Commands) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the completion script for bash, zsh or fish, made from this "
        "parser; the shell then completes commands, options and paths without running "
        "vaultkit. Example: vaultkit completion bash > ~/.local/share/bash-completion/"
        "completions/vaultkit",
    )
    completion.add_argument("shell", metavar="SHELL", choices=("bash", "zsh", "fish"))


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """-q, -v and --color: before the command (``top``) and after it, where they leave the
    value given before the command alone unless given again."""
    keep: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but errors (and a sync's files in conflict or error)",
        **({"default": False} if top else keep),
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="also print each phase's time on stderr (-vv: debug lines too)",
        **({"default": 0} if top else keep),
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        help="colour conflicts, errors and diffs: on a terminal without NO_COLOR (auto, the "
        "default), always, or never",
        **({"default": "auto"} if top else keep),
    )


def _vault_options(command: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """The options every command that reads the index takes."""
    _vault_argument(command)
    command.add_argument(
        "--index",
        metavar="FILE",
        help="the index file (default: [vault] index in .vaultkit/config.toml, else in the "
        "user cache folder; VAULTKIT_CACHE_DIR overrides the folder)",
    )
    if json_flag:
        command.add_argument("--json", action="store_true", help="print JSON")


def _vault_argument(
    command: argparse.ArgumentParser,
    *,
    default: str = "found above the current folder",
    init: bool = False,
) -> None:
    """The vault, named the same way for every command: ``VAULT`` as the last positional or
    ``--vault DIR`` anywhere (``vaultkit.vault.chosen_vault`` reads the two)."""
    what = (
        "the folder to make a vault (it may lack .obsidian/)"
        if init
        else "the vault: a folder holding .obsidian/, or one vaultkit init made a vault"
    )
    command.add_argument(
        "vault_dir", metavar="VAULT", nargs="?", help=f"{what}; default: {default}"
    )
    command.add_argument("--vault", metavar="DIR", help="the vault folder, as VAULT (either form)")


def _count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return number


_NAMED_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}


def _day(text: str) -> dt.date | int:
    """A date, or a number of days from today (resolved by the command, which knows today)."""
    import datetime as dt

    named = _NAMED_DAYS.get(text.strip().lower())
    if named is not None:
        return named
    if text[:1] in "+-" and text[1:].isdigit() and len(text) <= 6:
        return int(text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, today, tomorrow, yesterday or "
            "+N / -N days"
        ) from None
