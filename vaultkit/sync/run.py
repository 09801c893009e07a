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
from collections.abc import Sequence
from contextlib import closing, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from vaultkit import __version__
from vaultkit.config.load import Config, Dashboard, load_config
from vaultkit.dashboards.bounds import RenderLimits
from vaultkit.dashboards.context import CONTEXT_NAMES, build_context, daily_note_day, note_is_topic
from vaultkit.dashboards.render import make_environment, render_template
from vaultkit.errors import VaultkitError
from vaultkit.index.digest import content_digest
from vaultkit.index.meta import (
    ANALYSIS_KEY,
    RENDER_KEY,
    STAMP_KEY,
    SYNCED_AT_KEY,
    TARGET_KEY,
    WROTE_KEY,
)
from vaultkit.index.store import generations as index_generations
from vaultkit.index.update import IndexUpdate, Scopes, update_index
from vaultkit.scan.paths import scan_paths
from vaultkit.scan.walk import scan_vault
from vaultkit.sync.freshness import (
    families_of,
    indexed_hashes,
    render_key,
    stored_state,
    template_info,
)
from vaultkit.sync.lock import vault_lock
from vaultkit.sync.stamp import TODAY_ENV, Probe, Stamp, unchanged
from vaultkit.vault import leads_outside
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.checked import Seen, quiet_left
from vaultkit.writeback.plan import (
    CHANGED_MESSAGE,
    Planned,
    RegionContent,
    WriteStatus,
    apply,
    clear_leftovers,
    plan_file,
    plan_regions,
)

LOCK_TIMEOUT = 10.0
"""Seconds a sync waits for another vaultkit's sync or hook to finish (two syncs queue)."""
VISIBLE_NOTES_NAMED = (
    "SELECT count(*) FROM files JOIN notes ON notes.path = files.path "
    "WHERE files.name_key = ? AND files.excluded = 0 AND notes.generated = 0"
)
"""How many notes shown in the dashboards have a given file name (``files.name_key``): a
dashboard's wikilink needs the folder only when the name is not unique."""
MAX_RETRIES = 3
NEW_FILE_HEADER_ROOM = 4096
"""Bytes a new generated file may hold on top of ``max_output``: its ``%% vaultkit:file``
header line."""


class GuardRailError(VaultkitError):
    """The run would write too much; nothing was written."""


class BackupOutsideError(VaultkitError):
    """``--force`` would save its backups outside the vault; nothing was written."""


@dataclass(slots=True)
class SyncResult:
    """What one sync did: the index update, every write planned and carried out, and which
    dashboards it rendered. :func:`vaultkit.sync.outcome.sync_outcome` words it for the user."""

    index: IndexUpdate
    planned: list[Planned] = field(default_factory=list)
    results: list[Planned] = field(default_factory=list)
    dashboards: list[str] = field(default_factory=list)
    """Every enabled dashboard."""
    rendered: list[str] = field(default_factory=list)
    """The dashboards rendered this run; the others were current (``vaultkit.sync.freshness``)."""
    seconds: float = 0.0
    dry_run: bool = False
    unlistable: list[tuple[str, str]] = field(default_factory=list)
    """(folder, why) of the folders the walk could not list: nothing in them was read."""

    def count(self, *statuses: WriteStatus) -> int:
        items = self.planned if self.dry_run else self.results
        return sum(1 for item in items if item.status in statuses)

    @property
    def stale(self) -> bool:
        """Something would be written (used by --check)."""
        return any(p.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) for p in self.planned)

    @property
    def deferred(self) -> list[Planned]:
        """Notes not written yet because they were being edited (design 8.10)."""
        items = self.planned if self.dry_run else self.results
        return [p for p in items if p.status is WriteStatus.DEFERRED]

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
    env: jinja2.Environment,
    dashboards: list[Dashboard],
    context: dict[str, object],
) -> list[tuple[Dashboard, str]]:
    rendered = []
    for dashboard in dashboards:
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
    settings = config.vault
    for item in writes:
        new_size = len(item.new or b"")
        if item.old is None:
            # A new file holds nothing of the user's: it may be as large as a render may be
            # (plus vaultkit's header line).
            if new_size > settings.max_output + NEW_FILE_HEADER_ROOM:
                raise GuardRailError(
                    f"this run would create a file of {new_size:,} bytes, more than "
                    f"max_output = {settings.max_output:,}; nothing was written. If that is "
                    "expected, raise max_output in .vaultkit/config.toml",
                    path=item.path.relative_to(vault).as_posix(),
                )
            continue
        old_size = len(item.old)
        # Any file may reach growth_allowance bytes (a factor says nothing about a 99-byte
        # note); past that, it may grow by max_growth times.
        if new_size > max(settings.max_growth * old_size, settings.growth_allowance):
            raise GuardRailError(
                f"this run would grow the file from {old_size:,} to {new_size:,} bytes, more "
                f"than max_growth = {settings.max_growth:g}x (and past growth_allowance = "
                f"{settings.growth_allowance:,} bytes); nothing was written. If that is "
                "expected, raise max_growth or growth_allowance in .vaultkit/config.toml",
                path=item.path.relative_to(vault).as_posix(),
            )


def _check_backup_folder(vault: Path, folder: Path) -> None:
    """Refuse ``--force`` when a backup would land outside the vault (design 8.6).

    ``.vaultkit/``, its ``backups/`` or a folder under it may be a symbolic link leading out of
    the vault; ``vaultkit.writeback.plan`` would follow it. Checked before anything is written.
    """
    found = leads_outside(vault, folder.relative_to(vault).as_posix())
    if found is not None:
        path, real = found
        raise BackupOutsideError(
            f"leads outside the vault (to {real}), where --force would save its backups, so "
            "nothing was written; make it a real folder inside the vault, or sync without --force",
            path=str(path),
        )


def _check_backup_folders(paths: VaultPaths, planned: list[Planned]) -> None:
    """:func:`_check_backup_folder` for the folder of each backup this run would save.

    ``vaultkit.writeback.plan`` backs up every existing file it overwrites, at the target's path
    (symlinks resolved) under :attr:`VaultPaths.backups`.
    """
    vault = paths.root
    root = Path(os.path.realpath(vault))
    folders: set[Path] = set()
    for item in planned:
        if item.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED) or item.old is None:
            continue
        try:
            relative = Path(os.path.realpath(item.path)).relative_to(root)
        except ValueError:
            continue  # a target outside the vault: the write itself is refused
        folders.add(paths.backups / relative.parent)
    for folder in sorted(folders):
        _check_backup_folder(vault, folder)


def run_sync(
    paths: VaultPaths,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: bool | None = None,
    lock: bool = True,
    lock_timeout: float = LOCK_TIMEOUT,
    config: Config | None = None,
    changed: Sequence[str] | None = None,
    probe: Probe | None = None,
    probed: bool = False,
) -> SyncResult:
    """Index the vault, render every dashboard, write back what changed.

    ``changed`` (vault-relative paths) says only those files changed since the last sync,
    so the vault is not walked: the hook knows which note was saved.

    A full sync first compares the vault with the index's stamp (``vaultkit.sync.stamp``) and, when
    nothing changed since a sync that found every dashboard current, reports that at once.
    ``probed`` says the caller already compared (and found no match): ``probe`` is what it
    took, None when the vault could not be vouched for.

    With ``lock`` (the default) the whole run holds the vault's writer lock, waiting up to
    ``lock_timeout`` seconds for another holder (:class:`vaultkit.sync.lock.VaultBusyError` after
    that, or at once when a watcher holds it). ``lock=False`` is for callers that already
    hold it (the hook). ``config`` replaces reading ``.vaultkit/config.toml`` (the watcher
    keeps the last good one while the user is mid-edit); ``paths`` must have been built for its
    ``[vault] index`` (:meth:`VaultPaths.with_index_setting`).

    Where the vault's index, lock, backups and templates are comes from ``paths``, built by
    the caller (:class:`vaultkit.vaultpaths.VaultPaths`).
    """
    started = time.perf_counter()
    location = paths.index  # first: a bad index location is refused before anything else
    if changed is None and not force and not probed:
        probe, hit = unchanged(paths)
        if hit is not None:
            return _unchanged_result(
                paths.root, location.path, hit, dry_run=dry_run, started=started
            )
    guard = (
        # A dry run writes nothing into the vault, not even the lock file (vaultkit.sync.lock).
        vault_lock(paths, "sync", timeout=lock_timeout, writes=not dry_run)
        if lock
        else nullcontext()
    )
    with guard:
        return _run_sync(
            paths,
            dry_run=dry_run,
            force=force,
            progress=progress,
            config=config,
            changed=changed,
            probe=probe if changed is None and not force else None,
        )


def _unchanged_result(
    vault: Path, index_file: Path, hit: Stamp, *, dry_run: bool, started: float
) -> SyncResult:
    """The result of a sync the stamp showed to have nothing to do."""
    items = [Planned(vault / target, None, None, WriteStatus.UNCHANGED) for target in hit.targets]
    return SyncResult(
        index=IndexUpdate(index_path=index_file, skipped=hit.skipped),
        planned=items,
        results=[] if dry_run else list(items),
        dashboards=list(hit.dashboards),
        seconds=time.perf_counter() - started,
        dry_run=dry_run,
    )


@dataclass(frozen=True, slots=True)
class _Freshness:
    """Per enabled dashboard: its render key and the index families it reads."""

    keys: dict[str, str]
    families: dict[str, frozenset[str]]
    stale: list[Dashboard]
    current: list[Dashboard]
    analyses: dict[str, str]
    """Template analyses made by this run, to keep in the index."""
    names: dict[str, frozenset[str] | None]
    """The context names each dashboard's template reads (None: cannot tell)."""


def _freshness(
    connection: sqlite3.Connection,
    env: jinja2.Environment,
    config: Config,
    today: dt.date,
    *,
    force: bool,
) -> _Freshness:
    dashboards = [d for d in config.dashboards if d.enabled]
    generations = index_generations(connection)
    stored = stored_state(connection)
    stored_keys, written = stored.keys, stored.written
    known_analyses = dict(stored.analyses)
    on_disk = indexed_hashes(connection, {d.target_path for d in dashboards})
    keys: dict[str, str] = {}
    families: dict[str, frozenset[str]] = {}
    names: dict[str, frozenset[str] | None] = {}
    stale_targets: set[str] = set()
    for dashboard in dashboards:
        info = template_info(env, dashboard.template, stored.analyses)
        names[dashboard.name] = info.names
        families[dashboard.name] = families_of(info, env.globals)
        keys[dashboard.name] = render_key(
            dashboard,
            info,
            families[dashboard.name],
            generations,
            config,
            today.isoformat(),
            __version__,
        )
        target = dashboard.target_path
        if (
            force
            or stored_keys.get(dashboard.name) != keys[dashboard.name]
            or target not in written
            or on_disk.get(target) != written[target]
        ):
            stale_targets.add(target)
    # Regions of one note are planned together, so a stale one brings its neighbours along.
    stale = [d for d in dashboards if d.target_path in stale_targets]
    current = [d for d in dashboards if d.target_path not in stale_targets]
    analyses = {
        source: analysis
        for source, analysis in stored.analyses.items()
        if known_analyses.get(source) != analysis
    }
    return _Freshness(keys, families, stale, current, analyses, names)


def _run_sync(
    paths: VaultPaths,
    *,
    dry_run: bool,
    force: bool,
    progress: bool | None,
    config: Config | None = None,
    changed: Sequence[str] | None = None,
    probe: Probe | None = None,
) -> SyncResult:
    started = time.perf_counter()
    scan_started_ns = time.time_ns()
    vault = paths.root
    if force:
        # Before anything is written, the index included: a refused run leaves no trace.
        _check_backup_folder(vault, paths.backups)
    if config is None:
        config = load_config(vault)
    today = today_for_run(config)
    scan = None
    only: list[str] | None = None
    try:
        if changed is not None:
            # The targets too: the index must know what vaultkit itself last wrote there.
            only = sorted({*changed, *(d.target_path for d in config.dashboards)})
            scan = scan_paths(vault, only, extra_excludes=config.vault.excludes)
            if scan is None or not _all_indexed(paths.index.path, [f.path for f in scan.files]):
                # A new name may be a rename whose old name only a walk finds gone.
                scan, only = None, None
        if scan is None:
            scan = scan_vault(vault, extra_excludes=config.vault.excludes)
    except OSError as exc:
        # The vault folder itself is gone or unlistable: renamed or moved while a watcher ran.
        raise VaultkitError(
            f"the vault folder cannot be read ({exc.strerror}); if it was moved or renamed, "
            "run vaultkit on its new location",
            path=str(vault),
        ) from None
    connection, index_report = update_index(
        paths,
        progress=progress,
        scan=scan,
        only=only,
        scopes=_scopes(config),
    )
    rendered: list[tuple[Dashboard, str]] = []
    try:
        # One read transaction: the templates read the index lazily while they render, and
        # must all see the same snapshot of it.
        connection.execute("BEGIN")
        env = make_environment(
            vault,
            lambda key: int(connection.execute(VISIBLE_NOTES_NAMED, (key,)).fetchone()[0]),
            today,
            templates=paths.templates,
            cache_dir=paths.templates_cache,
            limits=RenderLimits(config.vault.template_timeout, config.vault.max_output),
        )
        fresh = _freshness(connection, env, config, today, force=force)
        own_writes = dict(
            connection.execute(
                "SELECT substr(key, ?), value FROM meta WHERE key LIKE ?",
                (len(WROTE_KEY) + 1, WROTE_KEY + "%"),
            ).fetchall()
        )
        if fresh.stale:
            wanted = {name for d in fresh.stale for name in fresh.names[d.name] or CONTEXT_NAMES}
            context = build_context(connection, config, today, vault.name, wanted)
            rendered = _render_all(env, fresh.stale, context)
    finally:
        connection.close()
    report = SyncResult(
        index=index_report,
        dashboards=[d.name for d in config.dashboards if d.enabled],
        rendered=[d.name for d, _ in rendered],
        dry_run=dry_run,
        unlistable=[(s.path, s.cannot_list) for s in scan.skipped if s.cannot_list],
    )
    report.planned = _plan(vault, rendered, force=force) + [
        Planned(vault / target, None, None, WriteStatus.UNCHANGED)
        for target in dict.fromkeys(d.target_path for d in fresh.current)
    ]
    _check_guard_rails(vault, config, report.planned)
    if force:
        _check_backup_folders(paths, report.planned)
    if dry_run:
        report.seconds = time.perf_counter() - started
        return report

    backup_dir = paths.backups if force else None
    quiet = config.vault.quiet_seconds
    for item in report.planned:
        report.results.append(
            _write(
                vault,
                rendered,
                item,
                force=force,
                backup_dir=backup_dir,
                quiet=0.0 if _own_write(vault, item, own_writes) else quiet,
            )
        )
    records = _render_records(vault, fresh, report.results)
    if (
        probe is not None
        and probe.recordable
        and not index_report.unreadable
        and all(item.status is WriteStatus.UNCHANGED for item in report.results)
    ):
        # Everything was current: the next sync that sees the vault as this probe saw it
        # (before the scan, so any later change shows) can say so from the stamp alone.
        stamp = Stamp(
            probe.digest,
            tuple(report.dashboards),
            tuple(item.path.relative_to(vault).as_posix() for item in report.results),
            index_report.skipped,
        )
        records.append((STAMP_KEY, stamp.to_json()))
    _record_synced(index_report.index_path, scan_started_ns, records)
    report.seconds = time.perf_counter() - started
    return report


def _scopes(config: Config) -> Scopes:
    """Which scoped families (``vaultkit.index.store.SCOPED_FAMILIES``) a changed note moves."""

    def scopes(connection: sqlite3.Connection, path: str, families: frozenset[str]) -> set[str]:
        moved: set[str] = set()
        # The habits read the tasks of daily notes, and a daily note is one by its path.
        if "tasks" in families and daily_note_day(config, path) is not None:
            moved.add("daily")
        # A topic reads its note's metadata, tasks, resources and mtime; a metadata change
        # can make a note a topic or stop it being one, so it counts whatever the note is now.
        if "meta" in families or (
            families & {"tasks", "resources", "mtime"} and note_is_topic(connection, config, path)
        ):
            moved.add("topics")
        return moved

    return scopes


def _render_records(
    vault: Path, fresh: _Freshness, results: list[Planned]
) -> list[tuple[str, str]]:
    """Meta rows remembering what each rendered target now holds, for the next sync."""
    records: list[tuple[str, str]] = []
    done: dict[str, bytes] = {}
    for result in results:
        target = result.path.relative_to(vault).as_posix()
        if result.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) and result.new is not None:
            done[target] = result.new
        elif result.status is WriteStatus.UNCHANGED and result.old is not None:
            done[target] = result.old
    for dashboard in fresh.stale:
        if dashboard.target_path in done:
            records.append((RENDER_KEY + dashboard.name, fresh.keys[dashboard.name]))
    for target, data in done.items():
        records.append((TARGET_KEY + target, content_digest(data)))
    for result in results:
        if result.note and result.status is WriteStatus.WRITTEN and result.seen is not None:
            target = result.path.relative_to(vault).as_posix()
            records.append((WROTE_KEY + target, _identity(result.seen)))
    records += [(ANALYSIS_KEY + source, analysis) for source, analysis in fresh.analyses.items()]
    return records


def _all_indexed(index_file: Path, paths: Sequence[str]) -> bool:
    """Whether the index already holds every one of ``paths`` (False if it cannot tell)."""
    try:
        with closing(
            sqlite3.connect(f"{index_file.as_uri()}?mode=ro", uri=True, timeout=10)
        ) as connection:
            for path in paths:
                if (
                    connection.execute("SELECT 1 FROM files WHERE path = ?", (path,)).fetchone()
                    is None
                ):
                    return False
    except (sqlite3.Error, ValueError):
        return False
    return True


def _record_synced(
    index_path: Path, scan_started_ns: int, records: Sequence[tuple[str, str]] = ()
) -> None:
    """Note in the index when this completed sync started scanning, and what it rendered.

    The hook's fast path trusts "this note is as the index holds it" only for notes modified
    before that moment: the read commands refresh the index without rendering dashboards.
    ``records`` are the render keys and written hashes of ``vaultkit.sync.freshness``.
    """
    # The marker only spares the hook a sync; losing it is harmless, so never fail for it.
    with (
        suppress(sqlite3.Error),
        closing(sqlite3.connect(index_path, timeout=10)) as connection,
        connection,
    ):
        connection.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [(SYNCED_AT_KEY, str(scan_started_ns)), *records],
        )


def _identity(seen: Seen) -> str:
    return f"{seen.dev}:{seen.ino}:{seen.size}:{seen.mtime_ns}"


def _own_write(vault: Path, planned: Planned, own_writes: dict[str, str]) -> bool:
    """Whether the note is exactly as vaultkit's last write left it: its recent change is
    vaultkit's own, which must not hold back the next update of its regions."""
    if not planned.note or planned.seen is None:
        return False
    target = planned.path.relative_to(vault).as_posix()
    return own_writes.get(target) == _identity(planned.seen)


def _write(
    vault: Path,
    rendered: list[tuple[Dashboard, str]],
    planned: Planned,
    *,
    force: bool,
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
                current = _replan(vault, rendered, planned.path, force=force)
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
        current = _replan(vault, rendered, planned.path, force=force)
    # Saved again and again while vaultkit tried: the user is at work in it.
    return planned._replace(
        new=None,
        status=WriteStatus.DEFERRED,
        message=f"kept changing while vaultkit tried to write it {MAX_RETRIES} times; it is "
        "updated once it has been left alone",
        line=None,
        retry_at=time.time() + quiet,
    )


def _replan(
    vault: Path, rendered: list[tuple[Dashboard, str]], path: Path, *, force: bool
) -> Planned:
    for planned in _plan(vault, rendered, force=force):
        if planned.path == path:
            return planned
    raise AssertionError(f"no plan for {path}")
