"""The write phase of a sync: every planned write carried out, retried when a save got in first.

A dashboard's file is written only while it holds what it was planned from
(:func:`vaultkit.writeback.apply.apply`). When a save lands in between, the file is planned
again from what is on disk now, up to :data:`MAX_RETRIES` times; a note of the user's that
keeps changing, or changed within the quiet period, is DEFERRED rather than reported
(design 8.10).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from vaultkit.sync.records import identity
from vaultkit.writeback.apply import CHANGED_MESSAGE, apply, clear_leftovers
from vaultkit.writeback.plan import Planned, plan_file, plan_regions
from vaultkit.writeback.reading import quiet_left
from vaultkit.writeback.regions import RegionContent, WriteStatus

if TYPE_CHECKING:
    from vaultkit.config.dashboards import Dashboard

Rendered = list[tuple["Dashboard", str]]
"""Each rendered dashboard with its text."""

MAX_RETRIES = 3
"""How often a write is planned again when the file changed under it, before it is DEFERRED."""


def plan_writes(vault: Path, rendered: Rendered, *, force: bool) -> list[Planned]:
    """Plan the write of every rendered dashboard; the regions of one note together."""
    planned: list[Planned] = []
    regions: dict[str, list[RegionContent]] = defaultdict(list)
    for dashboard, text in rendered:
        if dashboard.region is None:
            planned.append(plan_file(vault / dashboard.target_path, text, force=force))
        else:
            # Blank lines around the text: otherwise a table's last row would swallow the end
            # marker line, and a table right after the begin marker might not render.
            padded = "\n" + text.strip("\n") + "\n\n"
            regions[dashboard.target_path].append(RegionContent(dashboard.region, padded))
    for target, contents in sorted(regions.items()):
        planned.append(plan_regions(vault / target, contents, force=force))
    return planned


def write_planned(
    vault: Path,
    rendered: Rendered,
    planned: list[Planned],
    *,
    force: bool,
    backup_dir: Path | None,
    quiet: float,
    own_writes: Mapping[str, str],
    replanners: Mapping[Path, Callable[[], Planned]] = MappingProxyType({}),
) -> list[Planned]:
    """Carry out every planned write, in order; each plan as carried out.

    ``replanners``: how to plan again a write that is not a dashboard's (the habits log), by
    its path; a dashboard's is planned again from ``rendered``.
    """
    return [
        _write(
            vault,
            _replanner(vault, rendered, item.path, force, replanners),
            item,
            backup_dir=backup_dir,
            quiet=0.0 if _own_write(vault, item, own_writes) else quiet,
        )
        for item in planned
    ]


def _replanner(
    vault: Path,
    rendered: Rendered,
    path: Path,
    force: bool,
    replanners: Mapping[Path, Callable[[], Planned]],
) -> Callable[[], Planned]:
    if path in replanners:
        return replanners[path]
    return lambda: _replan(vault, rendered, path, force=force)


def _own_write(vault: Path, planned: Planned, own_writes: Mapping[str, str]) -> bool:
    """Whether the note is exactly as vaultkit's last write left it: its recent change is
    vaultkit's own, which must not hold back the next update of its regions."""
    if not planned.note or planned.seen is None:
        return False
    target = planned.path.relative_to(vault).as_posix()
    return own_writes.get(target) == identity(planned.seen)


def _write(
    vault: Path,
    replan: Callable[[], Planned],
    planned: Planned,
    *,
    backup_dir: Path | None,
    quiet: float,
) -> Planned:
    """Apply one planned write; when the file changed under us, plan again and retry.

    A note of the user's that cannot be written because of how it read (no region, a hand
    edit inside one) is planned again if it changed since, and DEFERRED rather than reported
    if it changed within the quiet period: it may have been a save caught half-way, or the
    user still typing.
    """
    if planned.status is WriteStatus.UNCHANGED:
        return clear_leftovers(planned)
    current = planned
    for _ in range(MAX_RETRIES):
        if (
            current.note
            and current.seen is not None
            and current.status in (WriteStatus.ERROR, WriteStatus.CONFLICT)
        ):
            try:
                now = os.stat(current.path)
            except OSError:
                return current
            if not current.seen.same_file(now):
                current = replan()
                continue
            if (left := quiet_left(now, quiet)) > 0:
                return current._replace(
                    new=None,
                    status=WriteStatus.DEFERRED,
                    message=f"{current.path.name} is being edited; vaultkit looks at it again "
                    f"once it has been left alone for {quiet:g} s",
                    line=None,
                    retry_at=time.time() + left,
                )
            return current
        if current.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED):
            return current
        outcome = apply(current, vault=vault, backup_dir=backup_dir, quiet_seconds=quiet)
        if outcome.status is not WriteStatus.CONFLICT or outcome.message != CHANGED_MESSAGE:
            return outcome
        # The file changed between planning and writing (Obsidian saved it): plan again
        # from what is on disk now instead of overwriting the user's save.
        current = replan()
    # Saved again and again while vaultkit tried: the user is at work in it.
    return planned._replace(
        new=None,
        status=WriteStatus.DEFERRED,
        message=f"kept changing while vaultkit tried to write it {MAX_RETRIES} times; it is "
        "updated once it has been left alone",
        line=None,
        retry_at=time.time() + quiet,
    )


def _replan(vault: Path, rendered: Rendered, path: Path, *, force: bool) -> Planned:
    for planned in plan_writes(vault, rendered, force=force):
        if planned.path == path:
            return planned
    raise AssertionError(f"no plan for {path}")
