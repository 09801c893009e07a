"""What ``vaultkit sync`` tells the user: its report as text lines and as JSON.

This module owns the report's wording and JSON shape. It imports nothing of the pipeline, so
the nothing-changed shortcut (``vaultkit.stamp``) can print the very same report without
loading the parser, Jinja or the writer.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class FileOutcome(NamedTuple):
    """What happened (or would happen) to one dashboard file."""

    path: str
    """Vault-relative, with ``/``."""
    status: str
    """A ``vaultkit.writeback.WriteStatus`` value: unchanged, written, created, conflict, error,
    deferred."""
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


def describe(outcome: SyncOutcome, *, diff: bool = False) -> str:
    """One line per dashboard file, then a summary; diffs on request."""
    out: list[str] = []
    verbs = {
        "written": "would write" if outcome.dry_run else "wrote",
        "created": "would create" if outcome.dry_run else "created",
        "unchanged": "unchanged",
        "conflict": "conflict",
        "error": "error",
        "deferred": "deferred",
    }
    for item in outcome.files:
        where = f"{item.path}:{item.line}" if item.line else item.path
        message = f": {item.message}" if item.message else ""
        out.append(f"{verbs[item.status]:<12} {where}{message}")
        if diff and item.new is not None and item.status in ("written", "created"):
            import difflib

            old = (item.old or b"").decode("utf-8", errors="replace").splitlines(keepends=True)
            new = item.new.decode("utf-8", errors="replace").splitlines(keepends=True)
            out.append(
                "".join(difflib.unified_diff(old, new, f"a/{where}", f"b/{where}")).rstrip("\n")
            )
    for path, reason in outcome.unreadable:
        out.append(
            f"{'unreadable':<12} {path}: {reason} (the dashboards keep what was last read from it)"
        )
    for path, reason in outcome.unlistable:
        out.append(
            f"{'unreadable':<12} {path}/: cannot list this folder ({reason}), so nothing in it "
            "is in the dashboards; check the folder's permissions"
        )
    if outcome.skipped > len(outcome.unlistable):
        # Sync-service conflict copies hold the user's text too: never silently ignored.
        out.append(
            f"{'skipped':<12} {outcome.skipped - len(outcome.unlistable)} file(s) left out of "
            "the dashboards (sync-service conflict copies, iCloud placeholders, …); "
            "'vaultkit doctor' lists them"
        )

    def count(*statuses: str) -> int:
        return sum(1 for item in outcome.files if item.status in statuses)

    out.append(
        f"{len(outcome.dashboards)} dashboards ({len(outcome.rendered)} rendered): "
        f"{count('written', 'created')} {'to write' if outcome.dry_run else 'written'}, "
        f"{count('unchanged')} unchanged, "
        + (f"{count('deferred')} deferred, " if count("deferred") else "")
        + f"{count('conflict')} conflicts, {count('error')} "
        f"errors; {len(outcome.parsed)} notes parsed; {outcome.seconds:.2f} s"
    )
    return "\n".join(out) + "\n"


def as_json(outcome: SyncOutcome) -> dict[str, Any]:
    return {
        "dry_run": outcome.dry_run,
        "dashboards": outcome.dashboards,
        "rendered": outcome.rendered,
        "files": [
            {"path": item.path, "status": item.status, "message": item.message, "line": item.line}
            for item in outcome.files
        ],
        "parsed": outcome.parsed,
        "removed": outcome.removed,
        "seconds": round(outcome.seconds, 3),
    }
