"""``vaultkit sync``: the one pipeline from the vault to its dashboards.

Two phases, as the write-back contract demands: first everything is computed (index,
context, every template rendered, every write planned and checked against the guard
rails); only then are files written, each atomically. A template error or a guard rail
stops the run before any file is touched.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections import defaultdict
from contextlib import closing, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit.config import Config, Dashboard, load_config
from vaultkit.context import build_context
from vaultkit.errors import VaultkitError
from vaultkit.indexer import IndexReport, update_index
from vaultkit.lock import vault_lock
from vaultkit.render import make_environment, render_template
from vaultkit.scan import scan_vault
from vaultkit.writeback import Planned, RegionContent, WriteStatus, apply, plan_file, plan_regions

TODAY_ENV = "VAULTKIT_TODAY"
SYNCED_AT_KEY = "synced_at_ns"
"""Index ``meta`` key read by the hook's fast path (``vaultkit.hook``)."""
LOCK_TIMEOUT = 10.0
"""Seconds a sync waits for another vaultkit's sync or hook to finish (two syncs queue)."""
BACKUP_DIR = Path(".vaultkit/backups")
MAX_RETRIES = 3


class GuardRailError(VaultkitError):
    """The run would write too much; nothing was written."""


@dataclass(slots=True)
class SyncReport:
    index: IndexReport
    planned: list[Planned] = field(default_factory=list)
    results: list[Planned] = field(default_factory=list)
    dashboards: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def count(self, *statuses: WriteStatus) -> int:
        items = self.planned if self.dry_run else self.results
        return sum(1 for item in items if item.status in statuses)

    @property
    def stale(self) -> bool:
        """Something would be written (used by --check)."""
        return any(p.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) for p in self.planned)

    @property
    def problems(self) -> bool:
        items = self.planned if self.dry_run else self.results
        return any(p.status in (WriteStatus.CONFLICT, WriteStatus.ERROR) for p in items)


def today_for_run(config: Config | None = None) -> dt.date:
    """Today's date; ``VAULTKIT_TODAY`` or the config's ``[vault] today`` pin it."""
    override = os.environ.get(TODAY_ENV) or (config.vault.today if config else "")
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise VaultkitError(f"{TODAY_ENV}={override!r} is not a date; use YYYY-MM-DD") from None
    return dt.date.today()


def _render_all(
    vault: Path,
    config: Config,
    context: dict[str, object],
    note_paths: list[str],
    today: dt.date,
) -> list[tuple[Dashboard, str]]:
    env = make_environment(vault, note_paths, today)
    rendered = []
    for dashboard in config.dashboards:
        if not dashboard.enabled:
            continue
        about = {
            "name": dashboard.name,
            "target": dashboard.target_path,
            "region": dashboard.region,
        }
        text = render_template(env, dashboard.template, {**context, "dashboard": about})
        rendered.append((dashboard, text))
    return rendered


def _plan(vault: Path, rendered: list[tuple[Dashboard, str]], *, force: bool) -> list[Planned]:
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


def _check_guard_rails(vault: Path, config: Config, planned: list[Planned]) -> None:
    writes = [p for p in planned if p.status in (WriteStatus.WRITTEN, WriteStatus.CREATED)]
    limit = config.vault.max_files_written
    if len(writes) > limit:
        raise GuardRailError(
            f"this run would write {len(writes)} files, more than max_files_written = {limit}; "
            "nothing was written. Check the dashboard targets, or raise the limit in "
            ".vaultkit/config.toml"
        )
    for item in writes:
        old_size = len(item.old or b"")
        new_size = len(item.new or b"")
        if old_size > 1024 and new_size > config.vault.max_growth * old_size:
            raise GuardRailError(
                f"this run would grow the file from {old_size} to {new_size} bytes, more than "
                f"max_growth = {config.vault.max_growth}x; nothing was written. If that is "
                "expected, raise max_growth in .vaultkit/config.toml",
                path=item.path.relative_to(vault).as_posix(),
            )


def run_sync(
    vault: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    index_path: Path | None = None,
    progress: bool | None = None,
    lock: bool = True,
    lock_timeout: float = LOCK_TIMEOUT,
    config: Config | None = None,
) -> SyncReport:
    """Index the vault, render every dashboard, write back what changed.

    With ``lock`` (the default) the whole run holds the vault's writer lock, waiting up to
    ``lock_timeout`` seconds for another holder (:class:`vaultkit.lock.VaultBusyError` after
    that, or at once when a watcher holds it). ``lock=False`` is for callers that already
    hold it (the hook). ``config`` replaces reading ``.vaultkit/config.toml`` (the watcher
    keeps the last good one while the user is mid-edit).
    """
    guard = vault_lock(vault, "sync", timeout=lock_timeout) if lock else nullcontext()
    with guard:
        return _run_sync(
            vault,
            dry_run=dry_run,
            force=force,
            index_path=index_path,
            progress=progress,
            config=config,
        )


def _run_sync(
    vault: Path,
    *,
    dry_run: bool,
    force: bool,
    index_path: Path | None,
    progress: bool | None,
    config: Config | None = None,
) -> SyncReport:
    started = time.perf_counter()
    scan_started_ns = time.time_ns()
    if config is None:
        config = load_config(vault)
    today = today_for_run(config)
    chosen_index = index_path or (Path(config.vault.index) if config.vault.index else None)
    try:
        scan = scan_vault(vault, extra_excludes=config.vault.excludes)
    except OSError as exc:
        # The vault folder itself is gone or unlistable: renamed or moved while a watcher ran.
        raise VaultkitError(
            f"the vault folder cannot be read ({exc.strerror}); if it was moved or renamed, "
            "run vaultkit on its new location",
            path=str(vault),
        ) from None
    connection, index_report = update_index(
        vault, index_path=chosen_index, progress=progress, scan=scan
    )
    try:
        context = build_context(connection, config, today, vault.name)
        note_paths = [str(n["path"]) for n in context["notes"]]
    finally:
        connection.close()
    rendered = _render_all(vault, config, context, note_paths, today)
    report = SyncReport(
        index=index_report, dashboards=[d.name for d, _ in rendered], dry_run=dry_run
    )
    report.planned = _plan(vault, rendered, force=force)
    _check_guard_rails(vault, config, report.planned)
    if dry_run:
        report.seconds = time.perf_counter() - started
        return report

    backup_dir = vault / BACKUP_DIR if force else None
    for item in report.planned:
        report.results.append(_write(vault, rendered, item, force=force, backup_dir=backup_dir))
    _record_synced(index_report.index_path, scan_started_ns)
    report.seconds = time.perf_counter() - started
    return report


def _record_synced(index_path: Path, scan_started_ns: int) -> None:
    """Note in the index when this completed sync started scanning.

    The hook's fast path trusts "this note is as the index holds it" only for notes modified
    before that moment: the read commands refresh the index without rendering dashboards.
    """
    # The marker only spares the hook a sync; losing it is harmless, so never fail for it.
    with (
        suppress(sqlite3.Error),
        closing(sqlite3.connect(index_path, timeout=10)) as connection,
        connection,
    ):
        connection.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            (SYNCED_AT_KEY, str(scan_started_ns)),
        )


def _write(
    vault: Path,
    rendered: list[tuple[Dashboard, str]],
    planned: Planned,
    *,
    force: bool,
    backup_dir: Path | None,
) -> Planned:
    """Apply one planned write; when the file changed under us, plan again and retry."""
    current = planned
    for _ in range(MAX_RETRIES):
        if current.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED):
            return current
        outcome = apply(current, vault=vault, backup_dir=backup_dir)
        if outcome.status is not WriteStatus.CONFLICT:
            return outcome
        # The file changed between planning and writing (Obsidian saved it): plan again
        # from what is on disk now instead of overwriting the user's save.
        current = _replan(vault, rendered, planned.path, force=force)
    return Planned(
        path=planned.path,
        old=None,
        new=None,
        status=WriteStatus.CONFLICT,
        message=f"kept changing while vaultkit tried to write it {MAX_RETRIES} times; "
        "run sync again when it is quiet",
    )


def _replan(
    vault: Path, rendered: list[tuple[Dashboard, str]], path: Path, *, force: bool
) -> Planned:
    for planned in _plan(vault, rendered, force=force):
        if planned.path == path:
            return planned
    raise AssertionError(f"no plan for {path}")
