"""``vaultkit sync``: the one pipeline from the vault to its dashboards.

Two phases, as the write-back contract demands: first everything is computed (index,
context, every template rendered, every write planned and checked against the guard
rails); only then are files written, each atomically. A template error or a guard rail
stops the run before any file is touched.

:func:`_run_sync` reads as that pipeline: scan, update the index
(:func:`vaultkit.index.update.update_index`), render the stale dashboards, plan the writes
(:mod:`vaultkit.sync.writes`), check the guard rails (:mod:`vaultkit.sync.guard_rails`), write,
and remember what was written for the next sync (:mod:`vaultkit.sync.records`).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing, nullcontext, suppress
from functools import partial
from pathlib import Path
from typing import NamedTuple

import jinja2

from vaultkit import __version__, feedback
from vaultkit.cadences import Cadences
from vaultkit.config.dashboards import Dashboard
from vaultkit.config.load import load_config
from vaultkit.config.schema import Config
from vaultkit.dashboards.bounds import RenderLimits
from vaultkit.dashboards.common import NameCounts
from vaultkit.dashboards.context import CONTEXT_NAMES, build_context
from vaultkit.dashboards.fragments import FragmentStore
from vaultkit.dashboards.registry import BUILTINS, SCOPES
from vaultkit.dashboards.render import make_environment, render_template
from vaultkit.errors import VaultkitError
from vaultkit.index.fragments import (
    fragment_texts,
    fragments_to_drop,
    load_fragments,
    save_fragments,
)
from vaultkit.index.meta import STAMP_KEY, SYNCED_AT_KEY
from vaultkit.index.old_names import gone_names
from vaultkit.index.read_only import read_only
from vaultkit.index.store import generations as index_generations
from vaultkit.index.store import transaction
from vaultkit.index.topic_memo import MemoUpdate, TopicMemo, save_memo
from vaultkit.index.update import IndexUpdate, Scopes, record_own_writes, update_index
from vaultkit.scan.found import ScanResult, SourceFile
from vaultkit.scan.listing import Listing
from vaultkit.scan.paths import scan_paths
from vaultkit.scan.walk import scan_vault
from vaultkit.sync.freshness import (
    families_of,
    indexed_hashes,
    reads_the_date,
    render_key,
    settings_of,
    stored_state,
    template_info,
)
from vaultkit.sync.guard_rails import check_backup_folder, check_backup_folders, check_guard_rails
from vaultkit.sync.habit_log import LogPlan, changed_notes, plan_habit_log, write_in_order
from vaultkit.sync.lock import vault_lock
from vaultkit.sync.records import own_writes, record_synced, render_records
from vaultkit.sync.result import SyncResult
from vaultkit.sync.stamp import TODAY_ENV, Probe, Stamp, unchanged
from vaultkit.sync.writes import Rendered, plan_writes, write_planned
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.plan import Planned
from vaultkit.writeback.regions import WriteStatus

LOCK_TIMEOUT = 10.0
"""Seconds a sync waits for another vaultkit's sync or hook to finish (two syncs queue)."""
MAX_PASSES = 3
"""Passes one sync makes at most: the first, and those that bring in what its own writes
changed (see :func:`run_sync`). Each pass renders only what the last one's writes moved."""


def today_for_run(config: Config | None = None) -> dt.date:
    """Today's date; ``VAULTKIT_TODAY`` or the config's ``[vault] today`` pin it."""
    override = os.environ.get(TODAY_ENV) or (config.vault.today if config else "")
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise VaultkitError(f"{TODAY_ENV}={override!r} is not a date; use YYYY-MM-DD") from None
    return dt.date.today()


def run_sync(
    paths: VaultPaths,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: bool = True,
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

    With ``lock`` (the default) a run that writes holds the vault's writer lock, waiting up to
    ``lock_timeout`` seconds for another holder (:class:`vaultkit.sync.lock.VaultBusyError` after
    that, or at once when a watcher holds it). ``lock=False`` is for callers that already
    hold it (the hook). A ``dry_run`` never takes it (see below). ``config`` replaces reading
    ``.vaultkit/config.toml`` (the watcher keeps the last good one while the user is mid-edit);
    ``paths`` must have been built for its ``[vault] index``
    (:meth:`VaultPaths.with_index_setting`).

    Where the vault's index, lock, backups and templates are comes from ``paths``, built by
    the caller (:class:`vaultkit.vaultpaths.VaultPaths`). The phases (scan, parse, resolve,
    index, render, write) are reported to :mod:`vaultkit.feedback`; ``progress=False`` (the
    hook) announces no long work and asks for no progress bars.
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
        vault_lock(paths, "sync", timeout=lock_timeout)
        # A dry run takes no writer lock: it writes nothing into the vault (not even the
        # lock file), so it runs beside a watcher or another sync. What it reads is safe to
        # share: its update of the index is one SQLite write transaction that computes the
        # changes inside it (vaultkit.index.update), like any other updater's, and it renders
        # from one read transaction, a snapshot that no concurrent commit can tear.
        if lock and not dry_run
        else nullcontext()
    )
    # Only the date moved since a sync found everything current: the index holds the vault
    # as it is, so no file is looked at but the dashboards' targets (as when the hook is told
    # which note changed, and none did); the dashboards that read the date render.
    dated = probe.dated if probe is not None and changed is None and not force else None
    with guard as waited:
        # The vault as the probe's walk listed it is the scan's, unless another writer held
        # the vault meanwhile (the listing would be as old as the wait).
        listed = probe.listing if probe is not None and not waited else None
        result = _run_sync(
            paths,
            dry_run=dry_run,
            force=force,
            progress=progress,
            config=config,
            changed=[] if dated is not None else changed,
            probe=probe if changed is None and not force else None,
            dated=dated,
            listed=listed,
        )
        last = result
        for _ in range(MAX_PASSES - 1):
            if not (last.reindex or last.moved):
                break
            # A second pass brings in what this one's own writes changed: notes the habits
            # log's write and the unticking changed (a new note, ticks gone) are read by the
            # dashboards, and a region that grew moved the lines of the links, tasks and
            # headings below it, which the dashboards rendered before it show as they were.
            # Else the next sync would write them. (Its writes can move lines in turn, when a
            # dashboard is a region of a note another one lists: hence a bound, not one pass.)
            last = _run_sync(
                paths,
                dry_run=False,
                force=False,
                progress=False,
                config=config,
                changed=last.reindex,
            )
            result.then(last)
        return result


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


class _Freshness(NamedTuple):
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
    prepared: dict[str, str] | None = None,
) -> _Freshness:
    """Each enabled dashboard's render key; stale: those whose key or target file moved.
    ``prepared``: template analyses made ahead (:func:`_prepare_templates`), kept as the
    ones this run makes are."""
    dashboards = [d for d in config.dashboards if d.enabled]
    generations = index_generations(connection)
    stored = stored_state(connection)
    stored_keys, written = stored.keys, stored.written
    known_analyses = dict(stored.analyses)
    for source, analysis in (prepared or {}).items():
        stored.analyses.setdefault(source, analysis)
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
            today.isoformat() if reads_the_date(info, env.globals) else "",
            __version__,
            settings_of(info, env.globals),
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
    progress: bool,
    config: Config | None = None,
    changed: Sequence[str] | None = None,
    probe: Probe | None = None,
    dated: Stamp | None = None,
    listed: Listing | None = None,
) -> SyncResult:
    started = time.perf_counter()
    scan_started_ns = time.time_ns()
    vault = paths.root
    if force:
        # Before anything is written, the index included: a refused run leaves no trace.
        check_backup_folder(vault, paths.backups)
    if config is None:
        config = load_config(vault, BUILTINS)
    today = today_for_run(config)
    scan, only = _scan(paths, config, changed, listed)
    # While a new index builds its secondary indexes a core is free: the templates are
    # compiled and analysed then rather than after.
    prepared: dict[str, str] = {}
    connection, index = update_index(
        paths,
        progress=progress,
        scan=scan,
        only=only,
        scopes=_scopes(config),
        cadences=Cadences(config.status.cadences),
        excludes=config.vault.excludes,
        alongside=partial(_prepare_templates, paths, config, today, prepared),
    )
    if dated is not None:
        # What the last full scan left out (conflict copies, placeholders) is still there.
        index.skipped = dated.skipped
    # The index stays open from the update to the record of the sync's own writes: closing it
    # in between (the last connection of the file) checkpoints and removes the write-ahead
    # log, and opening it again reads the schema anew, ~3 ms of every save that writes.
    try:
        fresh, rendered, written_by_us, log = _render(
            connection, paths, config, today, force=force, progress=progress, prepared=prepared
        )
        result = SyncResult(
            index=index,
            dashboards=[d.name for d in config.dashboards if d.enabled],
            rendered=[d.name for d, _ in rendered],
            dry_run=dry_run,
            unlistable=[(s.path, s.cannot_list) for s in scan.skipped if s.cannot_list],
        )
        result.planned = plan_writes(vault, rendered, force=force) + [
            Planned(vault / target, None, None, WriteStatus.UNCHANGED)
            for target in dict.fromkeys(d.target_path for d in fresh.current)
        ]
        if log is not None:
            result.planned += [log.log.planned, *(untick.planned for untick in log.unticks)]
        check_guard_rails(vault, config, result.planned)
        if force:
            check_backup_folders(paths, result.planned)
        if not dry_run:
            with feedback.phase("write", shown=progress):
                write = partial(
                    write_planned,
                    vault,
                    rendered,
                    force=force,
                    backup_dir=paths.backups if force else None,
                    quiet=config.vault.quiet_seconds,
                    own_writes=written_by_us,
                )
                result.results = write_in_order(write, result.planned, log)
                result.reindex = changed_notes(vault, result.results, log)
                _remember(connection, result, paths, config, fresh, probe, scan_started_ns)
    finally:
        connection.close()
    result.seconds = time.perf_counter() - started
    return result


def _scan(
    paths: VaultPaths, config: Config, changed: Sequence[str] | None, listed: Listing | None
) -> tuple[ScanResult, list[str] | None]:
    """The scan for this sync, and the paths it is limited to (None: the whole vault).

    With ``changed``, only those files and the dashboards' targets are looked at, with the
    names a new one was renamed or moved from (:func:`_renamed_from`); the whole vault when
    that cannot be told. A scan of the whole vault reads ``listed`` (the probe's walk), if
    given, rather than the disk; either way the listing is let go.
    """
    vault = paths.root
    try:
        with feedback.phase("scan"):
            return _scan_vault(paths, config, changed, listed)
    except OSError as exc:
        # The vault folder itself is gone or unlistable: renamed or moved while a watcher ran.
        raise VaultkitError(
            f"the vault folder cannot be read ({exc.strerror}); if it was moved or renamed, "
            "run vaultkit on its new location",
            path=str(vault),
        ) from None
    finally:
        if listed is not None:
            listed.release()


def _scan_vault(
    paths: VaultPaths, config: Config, changed: Sequence[str] | None, listed: Listing | None
) -> tuple[ScanResult, list[str] | None]:
    vault = paths.root
    if changed is not None:
        # The targets too: the index must know what vaultkit itself last wrote there.
        only = sorted({*changed, *(d.target_path for d in config.dashboards)})
        scan = scan_paths(vault, only, extra_excludes=config.vault.excludes)
        came_from = (
            None
            if scan is None
            else _renamed_from(paths.index.path, vault, [*scan.files, *scan.excluded])
        )
        if came_from and not set(came_from) <= set(only):
            # (The watcher's folder events name the old paths already: no second look.)
            only = sorted({*only, *came_from})
            scan = scan_paths(vault, only, extra_excludes=config.vault.excludes)
        if scan is not None and came_from is not None:
            return scan, only
    return scan_vault(vault, extra_excludes=config.vault.excludes, listed=listed), None


def _render(
    connection: sqlite3.Connection,
    paths: VaultPaths,
    config: Config,
    today: dt.date,
    *,
    force: bool,
    progress: bool,
    prepared: dict[str, str] | None = None,
) -> tuple[_Freshness, Rendered, dict[str, str], LogPlan | None]:
    """Which dashboards are current, the text of every stale one, vaultkit's own last writes
    into notes (:func:`vaultkit.sync.records.own_writes`) and the habits log's planned write
    (:mod:`vaultkit.sync.habit_log`); ``connection`` is left open, outside a transaction.
    ``prepared``: template analyses :func:`_prepare_templates` made."""
    rendered: Rendered = []
    enabled = sum(1 for d in config.dashboards if d.enabled)
    with feedback.phase("render", enabled, shown=progress) as rendering:
        try:
            # One read transaction: the templates read the index lazily while they render, and
            # must all see the same snapshot of it.
            connection.execute("BEGIN")
            fragments = FragmentStore(
                partial(fragment_texts, connection), partial(load_fragments, connection)
            )
            names = NameCounts(connection)
            topic_memo = TopicMemo()
            env = dashboard_environment(connection, paths, config, today, fragments, names)
            fresh = _freshness(connection, env, config, today, force=force, prepared=prepared)
            rendering.advance(len(fresh.current))
            written_by_us = own_writes(connection)
            # Planned whether or not the Habits dashboard is stale: the log records today's ticks.
            log = plan_habit_log(connection, paths.root, config, today)
            if fresh.stale:
                wanted = {
                    name for d in fresh.stale for name in fresh.names[d.name] or CONTEXT_NAMES
                }
                context = build_context(
                    connection,
                    config,
                    today,
                    paths.root.name,
                    wanted,
                    log.checklists if log is not None else None,
                    names,
                    topic_memo,
                )
                rendered = _render_all(env, fresh.stale, context, rendering.advance)
                connection.execute("COMMIT")
                _keep(connection, fragments, fresh.stale, config, topic_memo.update)
        finally:
            # The read transaction ends with the render (a snapshot held through the write
            # phase would keep other writers' log from being checkpointed); what nothing
            # rendered from needs no commit.
            if connection.in_transaction:
                with suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
    return fresh, rendered, written_by_us, log


def _keep(
    connection: sqlite3.Connection,
    fragments: FragmentStore,
    rendered: Sequence[Dashboard],
    config: Config,
    topic_memo: MemoUpdate | None,
) -> None:
    """Store what the ``{% cache %}`` blocks of the ``rendered`` dashboards made, dropping
    what they no longer use (:mod:`vaultkit.dashboards.fragments`), and the topics' memo as
    the render found it (:mod:`vaultkit.index.topic_memo`), in one transaction."""
    names = [d.name for d in config.dashboards]
    try:
        if (
            topic_memo is None
            and not any(fragments.made(d.name) for d in rendered)
            and not fragments_to_drop(
                connection, [d.name for d in rendered if d.name not in fragments.read], names
            )
        ):
            return
        with transaction(connection):
            # Inside the write transaction: what to drop is worked out from the store as it
            # is now, whatever another render saved since this one read it.
            changes = [(d.name, *fragments.changes(d.name)) for d in rendered]
            save_fragments(connection, changes, names)
            if topic_memo is not None:
                save_memo(connection, topic_memo)
    except sqlite3.Error:
        pass  # only speed-ups: the next render makes the fragments and the memo again


def dashboard_environment(
    connection: sqlite3.Connection,
    paths: VaultPaths,
    config: Config,
    today: dt.date,
    fragments: FragmentStore | None = None,
    names: NameCounts | None = None,
) -> jinja2.Environment:
    """The environment the vault's dashboards render in, reading ``connection`` (the index);
    ``fragments``: where the ``{% cache %}`` blocks keep what they render; ``names``: the
    name counts its links read (the context makers' too, so they can prime them)."""
    return _environment(
        paths, config, today, names if names is not None else NameCounts(connection), fragments
    )


def _environment(
    paths: VaultPaths,
    config: Config,
    today: dt.date,
    names: NameCounts | Iterable[str],
    fragments: FragmentStore | None,
) -> jinja2.Environment:
    return make_environment(
        paths.root,
        names,
        today,
        templates=paths.templates,
        cache_dir=paths.templates_cache,
        limits=RenderLimits(config.vault.template_timeout, config.vault.max_output),
        fragments=fragments,
    )


def _prepare_templates(
    paths: VaultPaths, config: Config, today: dt.date, analyses: dict[str, str]
) -> None:
    """Compile the enabled dashboards' templates into the compiled-template cache, and put
    their analyses (what :func:`_freshness` asks of each) into ``analyses``, ahead of the
    render: a new index runs this on another thread while SQLite builds its secondary
    indexes (``alongside`` of :func:`~vaultkit.index.update.update_index`), ~0.1 s of a
    cold sync's serial end. The environment is the render's but for the names its links
    count, which compiling never reads (a filter that reads them is never computed ahead:
    :func:`vaultkit.dashboards.render.make_environment`).

    Only a head start: what fails here (a template that cannot be read or compiled) is left
    for the render, which does it again and reports the failure with its file and line.
    """
    try:
        env = _environment(paths, config, today, (), None)
        for dashboard in config.dashboards:
            if dashboard.enabled:
                template_info(env, dashboard.template, analyses)
                env.get_template(dashboard.template)
    except Exception:
        return


def _scopes(config: Config) -> Scopes:
    """Which scoped families (``vaultkit.index.store.SCOPED_FAMILIES``) a changed note moves."""

    # Each scoped family's rule comes from the dashboard that reads it (the registry). Called
    # once per index update, so what the rules keep lives as long as one update.
    rules: list[tuple[str, Callable[..., bool], dict[str, object]]] = [
        (scope.family, scope.moves.resolve(), {}) for scope in SCOPES
    ]

    def scopes(connection: sqlite3.Connection, path: str, families: frozenset[str]) -> set[str]:
        return {
            family
            for family, moves, kept in rules
            if moves(connection, config, path, families, kept)
        }

    return scopes


def _own_writes(paths: VaultPaths, result: SyncResult, fresh: _Freshness) -> dict[str, bytes]:
    """The dashboards and regions this sync wrote: vault path -> the bytes written. Notes the
    habits log or the unticking wrote are changes the dashboards read: the second pass
    (``result.reindex``) indexes them as any change."""
    targets = {d.target_path for d in fresh.stale}
    return {
        relative: item.new
        for item in result.results
        if item.status in (WriteStatus.WRITTEN, WriteStatus.CREATED)
        and item.new is not None
        and (relative := item.path.relative_to(paths.root).as_posix()) in targets
        and relative not in result.reindex
    }


def _remember(
    connection: sqlite3.Connection,
    result: SyncResult,
    paths: VaultPaths,
    config: Config,
    fresh: _Freshness,
    probe: Probe | None,
    scan_started_ns: int,
) -> None:
    """Keep in the index what the next sync compares with (:mod:`vaultkit.sync.records`), and
    the files this sync wrote as it wrote them (:func:`vaultkit.index.update.
    record_own_writes`), so that the next sync finds nothing changed; through ``connection``,
    the sync's own, open since its update of the index."""
    vault = paths.root
    records = render_records(vault, result.results, fresh.stale, fresh.keys, fresh.analyses)
    if (
        probe is not None
        and probe.recordable
        and not result.index.unreadable
        and all(item.status is WriteStatus.UNCHANGED for item in result.results)
    ):
        # Everything was current: the next sync that sees the vault as this probe saw it
        # (before the scan, so any later change shows) can say so from the stamp alone.
        stamp = Stamp(
            probe.digest,
            tuple(result.dashboards),
            tuple(item.path.relative_to(vault).as_posix() for item in result.results),
            result.index.skipped,
            probe.files,
        )
        records.append((STAMP_KEY, stamp.to_json()))
    written = _own_writes(paths, result, fresh)
    if written:
        # One transaction for both (one commit of the index, which the hook pays for on every
        # save that changes a dashboard).
        recorded = record_own_writes(
            paths,
            written,
            connection=connection,
            scopes=_scopes(config),
            cadences=Cadences(config.status.cadences),
            excludes=config.vault.excludes,
            meta=[(SYNCED_AT_KEY, str(scan_started_ns)), *records],
        )
        if recorded is not None:
            result.recorded, result.moved = recorded
            return
    record_synced(connection, scan_started_ns, records)


def _render_all(
    env: jinja2.Environment,
    dashboards: list[Dashboard],
    context: dict[str, object],
    done: Callable[[int], None],
) -> Rendered:
    rendered = []
    for dashboard in dashboards:
        rendered.append((dashboard, render_dashboard(env, dashboard, context)))
        done(1)
    return rendered


def render_dashboard(
    env: jinja2.Environment, dashboard: Dashboard, context: dict[str, object]
) -> str:
    """One dashboard's text: its template rendered with ``context`` and its own ``dashboard``."""
    about = {"name": dashboard.name, "target": dashboard.target_path, "region": dashboard.region}
    return render_template(env, dashboard.template, {**context, "dashboard": about})


def _renamed_from(index_file: Path, vault: Path, sources: Sequence[SourceFile]) -> list[str] | None:
    """The names the files new to the index among ``sources`` were renamed or moved from
    (:func:`vaultkit.index.old_names.gone_names`). ``[]`` when every file is known, or a new
    one came from no indexed name (a note just created); None when this cannot tell (no
    index yet, an inode the file system does not give): only a walk of the vault can."""
    gone: list[str] = []
    try:
        with closing(read_only(index_file, timeout=10)) as connection:
            for source in sources:
                if connection.execute(
                    "SELECT 1 FROM files WHERE path = ?", (source.path,)
                ).fetchone():
                    continue
                if not source.ino:
                    return None
                # The scan of the old name decides that it is gone (another spelling of it:
                # a walk does).
                gone += gone_names(
                    connection, vault, source.path, source.ino, source.mtime_ns, source.size
                )
    except (sqlite3.Error, ValueError):
        return None
    return gone
