"""The housekeeping commands: ``cache list|prune``, ``templates list|copy`` and
``remove-dashboards``. Each calls one library function and formats its result; the work is in
:mod:`vaultkit.index.cache`, :mod:`vaultkit.dashboards.template_files` and
:mod:`vaultkit.sync.remove`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vaultkit.errors import ExitStatus

if TYPE_CHECKING:
    import argparse

    from vaultkit.index.cache import CachedIndex
    from vaultkit.sync.remove import Removal


def run_housekeeping(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``args.command`` (with its ``args.action``); returns the exit status."""
    if args.command == "cache":
        return _cache_list(args, out) if args.action == "list" else _cache_prune(args, out)
    if args.command == "templates":
        return _templates_list(args, out) if args.action == "list" else _templates_copy(args, out)
    return _remove_dashboards(args, out)


def _dump(data: object, out: TextIO) -> None:
    from vaultkit.cli.jsonform import write_json

    write_json(data, out)


def size_text(size: int) -> str:
    """A byte count as people read it: ``812 B``, ``4.2 KB``, ``37.0 MB``, ``1.3 GB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _when(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _index_json(index: CachedIndex) -> dict[str, Any]:
    return {
        "path": str(index.path),
        "vault": index.vault,
        "vault_exists": index.vault_exists,
        "size_bytes": index.size,
        "last_used": _when(index.last_used),
    }


def _vault_state(index: CachedIndex) -> str:
    if index.vault is None:
        return "vault unknown (the index does not record it; never pruned)"
    return index.vault + ("" if index.vault_exists else "  [gone]")


def _cache_list(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.index.cache import cached_indexes
    from vaultkit.vaultpaths import cache_folder

    folder = cache_folder()
    found = cached_indexes(folder)
    if args.json:
        _dump({"folder": str(folder), "indexes": [_index_json(i) for i in found]}, out)
        return ExitStatus.OK
    lines = [f"Cache folder: {folder}"]
    if not found:
        lines.append("  no vaultkit indexes")
    for index in found:
        lines.append(
            f"  {index.path.name}  {size_text(index.size)}, last used {_when(index.last_used)}\n"
            f"    vault: {_vault_state(index)}"
        )
    gone = [i for i in found if i.vault_exists is False]
    total = sum(i.size for i in found)
    lines.append(
        f"{len(found)} {'index' if len(found) == 1 else 'indexes'}, {size_text(total)}; "
        f"{len(gone)} of a vault that no longer exists"
        + (" (vaultkit cache prune removes them)" if gone else "")
    )
    out.write("\n".join(lines) + "\n")
    return ExitStatus.OK


def _cache_prune(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.index.cache import prune
    from vaultkit.vaultpaths import cache_folder

    folder = cache_folder()
    result = prune(folder, dry_run=args.dry_run)
    if args.json:
        _dump(
            {
                "folder": str(folder),
                "dry_run": args.dry_run,
                "removed": [_index_json(i) for i in result.removed],
                "failed": [{**_index_json(i), "message": m} for i, m in result.failed],
                "freed_bytes": result.freed,
            },
            out,
        )
    else:
        verb = "would remove" if args.dry_run else "removed"
        lines = [
            f"  {verb} {index.path.name} ({size_text(index.size)}), vault gone: {index.vault}"
            for index in result.removed
        ]
        lines += [f"  kept {index.path.name}: {message}" for index, message in result.failed]
        count = len(result.removed)
        lines.append(
            f"{'Would free' if args.dry_run else 'Freed'} {size_text(result.freed)} "
            f"({count} {'index' if count == 1 else 'indexes'}) in {folder}"
            + ("; nothing removed (--dry-run)" if args.dry_run else "")
        )
        out.write("\n".join(lines) + "\n")
    return ExitStatus.PROBLEMS if result.failed else ExitStatus.OK


def _vault(args: argparse.Namespace) -> Path:
    from vaultkit.vault import chosen_vault, vault_root

    return vault_root(chosen_vault(args))


def _load(vault: Path) -> Any:
    from vaultkit.config.load import load_config
    from vaultkit.dashboards.registry import BUILTINS

    return load_config(vault, BUILTINS)


def _templates_list(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.dashboards.template_files import template_uses
    from vaultkit.vaultpaths import VaultPaths

    paths = VaultPaths(_vault(args))
    uses = template_uses(paths, _load(paths.root))
    status = ExitStatus.OK if all(u.source != "missing" for u in uses) else ExitStatus.PROBLEMS
    if args.json:
        _dump(
            [
                {
                    "dashboard": use.dashboard,
                    "enabled": use.enabled,
                    "template": use.template,
                    "builtin": str(use.builtin) if use.builtin is not None else None,
                    "override": use.override,
                    "source": use.source,
                }
                for use in uses
            ],
            out,
        )
        return status
    lines = []
    for use in uses:
        state = "" if use.enabled else " (disabled)"
        lines.append(f"{use.dashboard}{state}: {use.template}")
        lines.append(f"  built-in: {use.builtin if use.builtin is not None else 'none'}")
        if use.override is not None:
            lines.append(f"  used:     {use.override} (the vault's own, overrides the built-in)")
        elif use.builtin is not None:
            lines.append(
                f"  used:     the built-in (vaultkit templates copy {use.dashboard} to customise)"
            )
        else:
            lines.append(f"  used:     missing: put {use.template} in .vaultkit/templates/")
    out.write("\n".join(lines) + "\n")
    return status


def _templates_copy(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.dashboards.template_files import copy_template
    from vaultkit.vaultpaths import VaultPaths

    paths = VaultPaths(_vault(args))
    copied = copy_template(paths, _load(paths.root), args.name, force=args.force)
    shown = copied.path.relative_to(paths.root).as_posix()
    lines = [
        f"replaced {shown} (the old file is in .vaultkit/backups/)"
        if copied.replaced
        else f"wrote {shown}"
    ]
    if copied.config_lines is None:
        lines.append("It overrides the built-in as it is: edit it, then run vaultkit sync.")
    else:
        lines.append(
            "To use it, set in .vaultkit/config.toml:\n"
            + "\n".join(f"  {line}" for line in copied.config_lines.splitlines())
        )
    out.write("\n".join(lines) + "\n")
    return ExitStatus.OK


def _removal_json(removal: Removal, vault: Path, done: bool) -> dict[str, Any]:
    planned = removal.planned
    if removal.acts:
        status = (
            ("would_remove" if removal.kind == "file" else "would_empty")
            if not done
            else ("removed" if removal.kind == "file" else "emptied")
        )
    else:
        status = str(planned.status)
    return {
        "path": planned.path.relative_to(vault).as_posix(),
        "kind": removal.kind,
        "status": status,
        "regions": list(removal.regions),
        "kept": list(removal.kept),
        "message": planned.message,
    }


_AFTER = (
    "The marker lines stay, so that a region can be filled again; to remove every trace, delete "
    "each pair of '%% vaultkit:begin NAME %%' / '%% vaultkit:end NAME %%' lines by hand. The next "
    "vaultkit sync, watch or hook run writes the dashboards again: stop those, or set "
    "enabled = false under each [dashboards.NAME] in .vaultkit/config.toml."
)


def _remove_dashboards(args: argparse.Namespace, out: TextIO) -> int:
    from vaultkit.sync.remove import run_removal
    from vaultkit.vaultpaths import VaultPaths
    from vaultkit.writeback.regions import WriteStatus

    paths = VaultPaths(_vault(args), index=args.index)
    preview = args.dry_run or args.diff

    def waiting(notes: list[Path], seconds: float) -> None:
        shown = ", ".join(note.relative_to(paths.root).as_posix() for note in notes)
        sys.stderr.write(
            f"vaultkit: {shown} changed just now; waiting {seconds:.1f} s for "
            f"{'it' if len(notes) == 1 else 'them'} to be left alone\n"
        )

    removals, done = run_removal(paths, preview=preview, on_wait=waiting)
    problems = [
        r
        for r in removals
        if r.kept or r.planned.status not in (WriteStatus.WRITTEN, WriteStatus.UNCHANGED)
    ]
    if args.json:
        _dump(
            {
                "vault": str(paths.root),
                "dry_run": preview,
                "files": [_removal_json(r, paths.root, done) for r in removals],
            },
            out,
        )
    else:
        out.write(_describe_removal(removals, paths.root, done=done, diff=args.diff))
    return ExitStatus.PROBLEMS if problems else ExitStatus.OK


def _describe_removal(removals: list[Removal], vault: Path, *, done: bool, diff: bool) -> str:
    from vaultkit.sync.outcome import unified_diff
    from vaultkit.writeback.regions import WriteStatus

    lines = []
    for removal in removals:
        planned = removal.planned
        shown = planned.path.relative_to(vault).as_posix()
        regions = ", ".join(removal.regions)
        if removal.acts:
            if removal.kind == "file":
                word = "removed" if done else "would remove"
                lines.append(f"  {word:<14}{shown}")
            else:
                word = "emptied" if done else "would empty"
                lines.append(f"  {word:<14}{shown} (region {regions})")
        else:
            word = {
                WriteStatus.CONFLICT: "kept",
                WriteStatus.DEFERRED: "still edited",
            }.get(planned.status, str(planned.status))
            lines.append(
                f"  {word:<14}{shown}" + (f": {planned.message}" if planned.message else "")
            )
        lines += [f"  {'kept':<14}{shown}: {message}" for message in removal.kept]
        if diff and removal.acts and planned.old is not None:
            new = planned.new if planned.new is not None else b""
            lines.append(unified_diff(planned.old, new, shown))
    if not removals:
        lines.append("No dashboard files or regions of vaultkit's in this vault.")
    elif done:
        lines.append("Saved a copy of every file changed or removed in .vaultkit/backups/.")
    else:
        lines.append("Nothing written (preview). Run without --dry-run/--diff to remove them.")
    if removals:
        lines.append(_AFTER)
    return "\n".join(lines) + "\n"
