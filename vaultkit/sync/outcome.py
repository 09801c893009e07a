"""What a sync tells the user: its outcome as text and as JSON, on every surface.

This module owns the outcome's wording and JSON shape: ``vaultkit sync``'s listing
(:func:`describe`), the hook's notice (:func:`notice`) and the watcher's log line
(:func:`log_line`) word one file's outcome the same way (:func:`file_line`: "<status> <path>
[:<line>][: <message>]") and what was written the same way (:func:`wrote`). It imports
nothing of the pipeline, so the nothing-changed shortcut (``vaultkit.sync.stamp``) and the hook
can word a sync without loading the parser, Jinja or the writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from vaultkit.sync.result import SyncResult

WRITTEN = frozenset({"written", "created"})
"""The statuses of a file vaultkit wrote (or, in a dry run, would write)."""
PROBLEMS = frozenset({"conflict", "error"})
"""The statuses that make a sync exit 1 (design section 2)."""


class FileOutcome(NamedTuple):
    """What happened (or would happen) to one dashboard file."""

    path: str
    """Vault-relative, with ``/``."""
    status: str
    """A ``vaultkit.writeback.regions.WriteStatus`` value: unchanged, written, created, conflict,
    error, deferred."""
    message: str = ""
    line: int | None = None
    old: bytes | None = None
    new: bytes | None = None


class SyncOutcome(NamedTuple):
    dry_run: bool
    dashboards: list[str]
    """Every enabled dashboard."""
    rendered: list[str]
    files: list[FileOutcome]
    parsed: list[str]
    removed: list[str]
    unreadable: list[tuple[str, str]]
    skipped: int
    """How many files and folders the scan left out, :attr:`unlistable` included."""
    seconds: float
    unlistable: tuple[tuple[str, str], ...] = ()
    """(folder, why) of the folders the scan could not list."""
    moved: tuple[tuple[str, str], ...] = ()
    """(old path, new path) of the notes renamed or moved as they were."""

    @property
    def written(self) -> list[str]:
        """The files written (or to be written), once each, in order."""
        return list(dict.fromkeys(item.path for item in self.files if item.status in WRITTEN))

    @property
    def problems(self) -> list[FileOutcome]:
        """The files in conflict or in error."""
        return [item for item in self.files if item.status in PROBLEMS]


def sync_outcome(result: SyncResult, vault: Path) -> SyncOutcome:
    """What a sync did (:class:`vaultkit.sync.result.SyncResult`), with vault-relative paths: what
    every surface words."""
    items = result.planned if result.dry_run else result.results
    return SyncOutcome(
        dry_run=result.dry_run,
        dashboards=result.dashboards,
        rendered=result.rendered,
        files=[
            FileOutcome(
                _shown(item.path, vault),
                item.status.value,
                item.message,
                item.line,
                item.old,
                item.new,
            )
            for item in items
        ],
        parsed=result.index.parsed,
        removed=result.index.removed,
        unreadable=result.index.unreadable,
        skipped=result.index.skipped,
        seconds=result.seconds,
        unlistable=tuple(result.unlistable),
        moved=tuple(result.index.moved),
    )


def _shown(path: Path, vault: Path) -> str:
    try:
        return path.relative_to(vault).as_posix()
    except ValueError:
        return str(path)


_VERBS = {
    "written": ("wrote", "would write"),
    "created": ("created", "would create"),
}
"""Statuses worded otherwise than by their name: (done, in a dry run)."""
_WIDTH = 12
"""The status column of :func:`describe`'s listing."""


def one_line(text: str) -> str:
    """``text`` on one line: its lines, stripped, joined by "; "."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


def status_word(status: str, *, dry_run: bool = False) -> str:
    """How a status reads: "wrote", "would write", "conflict", …"""
    verbs = _VERBS.get(status)
    return status if verbs is None else verbs[dry_run]


def _line(status: str, where: str, message: str, width: int) -> str:
    return f"{status:<{width}} {where}" + (f": {one_line(message)}" if message else "")


def where(item: FileOutcome) -> str:
    """ "<path>:<line>", or the path alone when no line is at fault."""
    return f"{item.path}:{item.line}" if item.line else item.path


def file_line(item: FileOutcome, *, dry_run: bool = False, width: int = 0) -> str:
    """One file's outcome: "<status> <path>[:<line>][: <message>]", the status padded to
    ``width`` (the listing's column)."""
    return _line(status_word(item.status, dry_run=dry_run), where(item), item.message, width)


def _unreadable_lines(outcome: SyncOutcome, width: int) -> list[str]:
    """The notes that could not be read and the folders that could not be listed."""
    return [
        _line(
            "unreadable", path, f"{reason} (the dashboards keep what was last read from it)", width
        )
        for path, reason in outcome.unreadable
    ] + [
        _line(
            "unreadable",
            f"{path}/",
            f"cannot list this folder ({reason}), so nothing in it is in the dashboards; "
            "check the folder's permissions",
            width,
        )
        for path, reason in outcome.unlistable
    ]


def wrote(paths: Iterable[str]) -> str:
    """What was written: "wrote <path>, <path>" (each once), or "nothing to write"."""
    shown = list(dict.fromkeys(paths))
    return f"wrote {', '.join(shown)}" if shown else "nothing to write"


def unified_diff(old: bytes | None, new: bytes, shown: str) -> str:
    """The change from ``old`` (None: no file) to ``new`` as a unified diff of ``shown``."""
    import difflib

    before = (old or b"").decode("utf-8", errors="replace").splitlines(keepends=True)
    after = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    source = f"a/{shown}" if old is not None else "/dev/null"
    return "".join(difflib.unified_diff(before, after, source, f"b/{shown}")).rstrip("\n")


def describe(outcome: SyncOutcome, *, diff: bool = False) -> str:
    """``vaultkit sync``'s listing: one line per dashboard file, then a summary; diffs on
    request."""
    out: list[str] = []
    for item in outcome.files:
        out.append(file_line(item, dry_run=outcome.dry_run, width=_WIDTH))
        if diff and item.new is not None and item.status in WRITTEN:
            out.append(unified_diff(item.old, item.new, where(item)))
    out += _unreadable_lines(outcome, _WIDTH)
    if outcome.skipped > len(outcome.unlistable):
        # Sync-service conflict copies hold the user's text too: never silently ignored.
        left_out = outcome.skipped - len(outcome.unlistable)
        out.append(
            _line(
                "skipped",
                f"{left_out} file(s) left out of the dashboards (sync-service conflict copies, "
                "iCloud placeholders, …); 'vaultkit doctor' lists them",
                "",
                _WIDTH,
            )
        )

    def count(*statuses: str) -> int:
        return sum(1 for item in outcome.files if item.status in statuses)

    out.append(
        f"{_plural(len(outcome.dashboards), 'dashboard')} ({len(outcome.rendered)} rendered): "
        f"{count('written', 'created')} {'to write' if outcome.dry_run else 'written'}, "
        f"{count('unchanged')} unchanged, "
        + (f"{count('deferred')} deferred, " if count("deferred") else "")
        + f"{_plural(count('conflict'), 'conflict')}, {_plural(count('error'), 'error')}; "
        f"{_plural(len(outcome.parsed), 'note')} parsed; {outcome.seconds:.2f} s"
    )
    return "\n".join(out) + "\n"


def _names(paths: list[str], limit: int = 3) -> str:
    # Vault paths, not file names: "Status.md, Daily/Status.md" are two notes.
    shown = paths[:limit]
    return ", ".join(shown) + (", …" if len(paths) > limit else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def log_line(outcome: SyncOutcome) -> str:
    """The watcher's log line: what changed, what was written, what went wrong, how long."""
    parts = []
    if outcome.parsed:
        parts.append(f"{_plural(len(outcome.parsed), 'note')} changed ({_names(outcome.parsed)})")
    if outcome.moved:
        # The new names: where the user finds the notes now.
        moved = [new for _, new in outcome.moved]
        parts.append(f"{_plural(len(moved), 'note')} renamed or moved ({_names(moved)})")
    if outcome.removed:
        parts.append(f"{_plural(len(outcome.removed), 'note')} removed ({_names(outcome.removed)})")
    if not parts:
        parts.append("no note changed")
    parts += _unreadable_lines(outcome, 0)
    parts.append(wrote(outcome.written))
    parts += [file_line(item) for item in outcome.files if item.status in PROBLEMS | {"deferred"}]
    parts.append(f"{outcome.seconds:.2f} s")
    return "; ".join(parts)


def notice(outcomes: list[SyncOutcome], changed: str | None, *, quiet: bool = False) -> list[str]:
    """The hook's lines for the plugin's notice: what the syncs wrote (after the note whose
    save started them; not when ``quiet``), then one line per problem of the last one; none
    when nothing was written and nothing went wrong."""
    lines = []
    written = [path for outcome in outcomes for path in outcome.written]
    if written and not quiet:
        cause = f"{changed} changed → " if changed else ""
        seconds = sum(outcome.seconds for outcome in outcomes)
        lines.append(f"{cause}{wrote(written)} ({seconds:.2f} s)")
    lines += [file_line(item) for item in outcomes[-1].problems]
    return lines


JSON_STATUSES = {
    "preview": {"written": "would_write", "created": "would_create"},
    "check": {"written": "stale", "created": "missing"},
}
"""How :func:`as_json` words the statuses of files not written: a preview says what a sync
would do, ``--check`` what is out of date, so no script reads "written" for a file left as
it was."""


def as_json(outcome: SyncOutcome, *, check: bool = False) -> dict[str, Any]:
    """The documented JSON summary (README, ``sync --json``)."""
    mode = "check" if check else "preview" if outcome.dry_run else "write"
    worded = JSON_STATUSES.get(mode, {})
    return {
        "mode": mode,
        "dry_run": outcome.dry_run,
        "dashboards": outcome.dashboards,
        "rendered": outcome.rendered,
        "files": [
            {
                "path": item.path,
                "status": worded.get(item.status, item.status),
                "message": item.message,
                "line": item.line,
            }
            for item in outcome.files
        ],
        "parsed": outcome.parsed,
        "removed": outcome.removed,
        "moved": [{"from": old, "to": new} for old, new in outcome.moved],
        "seconds": round(outcome.seconds, 3),
    }
