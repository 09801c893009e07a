"""``vaultkit remove-dashboards``: take vaultkit's output out of a vault.

Two kinds of output (design section 8): whole generated files, which carry a
``%% vaultkit:file NAME HASH %%`` header (the index marks them ``generated``), and regions in
notes of the user's. A generated file is removed only when it still holds what vaultkit wrote
(its text matches the hash in its header); one edited since is kept and reported, as
``vaultkit adopt`` does with the old Topics file. A region is emptied (its content and the
hash of its end marker go, the two marker lines stay: they are lines the user placed, and
deleting them is the user's call) unless it was edited by hand, which keeps it and reports it.

Everything goes through the write-back's checked write under the vault's writer lock, and every
file changed or removed is first saved under ``.vaultkit/backups/``, as ``sync --force`` saves
what it overwrites. Planning only reads, so a preview shows exactly what a run would do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from pathlib import Path
from typing import NamedTuple

from vaultkit import markers
from vaultkit.config.load import load_config
from vaultkit.config.schema import VaultSettings
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import VaultkitError
from vaultkit.files import read_regular
from vaultkit.index.update import update_index
from vaultkit.sync.guard_rails import check_backup_folder, check_backup_folders
from vaultkit.sync.lock import vault_lock
from vaultkit.sync.records import identity, own_writes
from vaultkit.sync.run import LOCK_TIMEOUT
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback import regions
from vaultkit.writeback.apply import apply, remove_file
from vaultkit.writeback.plan import Planned, read_for_plan, read_generated
from vaultkit.writeback.regions import BOM, WriteStatus

_MARKER = b"vaultkit:begin"
_ATTEMPTS = 3
"""How many times a note being edited is waited for before it is left DEFERRED."""


class Removal(NamedTuple):
    """One file to remove or note to empty, or one left alone, and why."""

    planned: Planned
    """``new`` None with status WRITTEN: the whole file goes; ``new`` bytes: the note's
    regions emptied; status CONFLICT or ERROR: left alone (``message`` says why)."""
    kind: str
    """``file`` (a generated file) or ``regions`` (a note holding regions)."""
    regions: tuple[str, ...] = ()
    """The names of the regions emptied (or, for a preview, to be emptied)."""
    kept: tuple[str, ...] = ()
    """One sentence per region left as it is (edited by hand)."""

    @property
    def path(self) -> Path:
        return self.planned.path

    @property
    def acts(self) -> bool:
        """Whether the file is (to be) removed or changed."""
        return self.planned.status is WriteStatus.WRITTEN


class _Indexed(NamedTuple):
    generated: list[str]
    """The generated files, by vault path."""
    notes: list[str]
    """Every other note."""
    own_writes: dict[str, str]
    """Per note vaultkit last wrote into, its state right after (:func:`own_writes`)."""


def _indexed(paths: VaultPaths) -> _Indexed:
    """What the index, brought up to date first, knows of the vault's notes."""
    try:
        excludes = load_config(paths.root, BUILTINS).vault.excludes
    except VaultkitError:
        excludes = ()  # a broken config must not keep a user from removing vaultkit's output
    connection, _ = update_index(paths, excludes=excludes)
    with closing(connection):
        rows = connection.execute("SELECT path, generated FROM notes ORDER BY path").fetchall()
        written = own_writes(connection)
    return _Indexed([p for p, g in rows if g], [p for p, g in rows if not g], written)


def _plan_file(root: Path, rel: str) -> Removal | None:
    read = read_for_plan(root / rel, note=False)
    if read is None:
        return None
    if isinstance(read, Planned):
        # A generated file being written right now is no file of the user's to wait for.
        return Removal(read._replace(status=WriteStatus.ERROR, retry_at=None), "file")
    data, seen = read
    generated = read_generated(data.removeprefix(BOM))
    if generated is None:
        return None  # not (or no longer) vaultkit's file: a note of the user's
    stored, content = generated
    if markers.hash_bytes(content) != stored:
        message = "edited since vaultkit wrote it, so it is kept; move your text out and delete it"
        return Removal(Planned(root / rel, data, None, WriteStatus.CONFLICT, message), "file")
    return Removal(Planned(root / rel, data, None, WriteStatus.WRITTEN, seen=seen), "file")


def _plan_note(root: Path, rel: str) -> Removal | None:
    try:
        if _MARKER not in read_regular(root / rel):
            return None
    except OSError:
        return None
    read = read_for_plan(root / rel, note=True)
    if read is None:
        return None
    if isinstance(read, Planned):
        return Removal(read, "regions")  # unreadable, or being written: waited for
    data, seen = read
    new, outcomes = regions.emptied_regions(data)
    errors = [message for _, status, message, _ in outcomes if status is WriteStatus.ERROR]
    if errors:
        planned = Planned(root / rel, data, None, WriteStatus.ERROR, "; ".join(errors), note=True)
        return Removal(planned, "regions")
    emptied = tuple(name for name, status, _, _ in outcomes if status is WriteStatus.WRITTEN)
    kept = tuple(message for _, status, message, _ in outcomes if status is WriteStatus.CONFLICT)
    if new is None and not kept:
        return None  # markers only, already empty
    status = WriteStatus.WRITTEN if new is not None else WriteStatus.CONFLICT
    planned = Planned(root / rel, data, new, status, seen=seen, note=True)
    return Removal(planned, "regions", emptied, kept)


def plan_removal(paths: VaultPaths) -> list[Removal]:
    """Every generated file to remove and every note whose regions to empty (and those left
    alone), by path: generated files first."""
    return _plan(paths, _indexed(paths))


def _plan(paths: VaultPaths, indexed: _Indexed) -> list[Removal]:
    plans = [_plan_file(paths.root, rel) for rel in indexed.generated]
    plans += [_plan_note(paths.root, rel) for rel in indexed.notes]
    return [plan for plan in plans if plan is not None]


def run_removal(
    paths: VaultPaths,
    *,
    preview: bool,
    quiet_seconds: float | None = None,
    on_wait: Callable[[list[Path], float], None] | None = None,
) -> tuple[list[Removal], bool]:
    """Plan the removal and, unless ``preview``, carry it out under the writer lock:
    ``(removals, done)``, each removal as carried out when ``done``.

    A note changed in the last ``quiet_seconds`` (default: the config's), unless by vaultkit
    itself, may be being typed in: it is written once it has been left alone that long (the
    wait announced through ``on_wait``: the notes and the seconds), planned again from what it
    holds then; a note still being edited after a few such waits stays DEFERRED.
    """
    # A preview writes nothing into the vault: no writer lock, so it runs beside a watcher.
    with nullcontext() if preview else vault_lock(paths, "remove-dashboards", timeout=LOCK_TIMEOUT):
        indexed = _indexed(paths)
        plan = _plan(paths, indexed)
        if preview:
            return plan, False
        if quiet_seconds is None:
            try:
                quiet_seconds = load_config(paths.root, BUILTINS).vault.quiet_seconds
            except VaultkitError:
                quiet_seconds = VaultSettings().quiet_seconds
        acting = [r for r in plan if r.acts]
        if acting:
            check_backup_folder(paths.root, paths.backups)
            check_backup_folders(paths, [r.planned for r in acting])
        results = [
            _carry_out(r, paths, 0.0 if _own(r, paths, indexed) else quiet_seconds) if r.acts else r
            for r in plan
        ]
        for _ in range(_ATTEMPTS):
            waiting = [i for i, r in enumerate(results) if r.planned.retry_at is not None]
            if not waiting:
                break
            until = max(results[i].planned.retry_at or 0.0 for i in waiting)
            if (wait := until - time.time()) > 0:
                if on_wait is not None:
                    on_wait([results[i].path for i in waiting], wait)
                time.sleep(wait)
            for i in waiting:
                again = _plan_note(paths.root, results[i].path.relative_to(paths.root).as_posix())
                if again is None:
                    results[i] = results[i]._replace(
                        planned=results[i].planned._replace(
                            status=WriteStatus.UNCHANGED, message="", retry_at=None
                        )
                    )
                else:
                    results[i] = _carry_out(again, paths, quiet_seconds) if again.acts else again
        _remove_empty_folders(paths.root, [r.path for r in results if r.kind == "file"])
        return results, True


def _remove_empty_folders(vault: Path, removed: list[Path]) -> None:
    """The folders the removed files leave empty (``Dashboards/``), up to the vault: vaultkit
    made them for its files. ``rmdir`` removes only an empty folder, so nothing else goes."""
    root = vault.resolve()
    for path in removed:
        folder = path.parent
        while folder != vault and folder.resolve().is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def _own(removal: Removal, paths: VaultPaths, indexed: _Indexed) -> bool:
    """Whether the note is exactly as vaultkit's last write left it: that recent change is
    vaultkit's own, not the user typing, and holds back no write (as in a sync)."""
    seen = removal.planned.seen
    if seen is None:
        return False
    rel = removal.path.relative_to(paths.root).as_posix()
    return indexed.own_writes.get(rel) == identity(seen)


def _carry_out(removal: Removal, paths: VaultPaths, quiet_seconds: float) -> Removal:
    planned = removal.planned
    if planned.new is None:
        done = remove_file(planned, vault=paths.root, backup_dir=paths.backups)
    else:
        done = apply(
            planned, vault=paths.root, backup_dir=paths.backups, quiet_seconds=quiet_seconds
        )
    return removal._replace(planned=done)
