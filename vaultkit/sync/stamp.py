"""The sync stamp: how ``vaultkit sync`` knows, from one walk, that nothing changed.

This module owns the stamp: a digest of everything a full sync reads, kept in the index's
``meta`` table by a full sync that found every dashboard current, together with what that
sync told the user. The next sync walks the vault once, digests what it sees the same way,
and if the digest is the stamp's, the dashboards are current and the stamp says what to tell:
no config, no template, no index table is read, and no parser, Jinja or lock is imported. That
is the "warm sync with nothing changed" budget (design section 11: at most twice the cost of
walking and stat-ing the vault), with process start included.

The digest covers every input a sync's outcome depends on, so that a stale stamp can only
fail to match, never match wrongly:

* every entry of every folder of the vault that Obsidian shows, dot-files included (iCloud
  placeholders are dot-files): name, type, size, mtime, ctime and inode. ctime moves on any
  write and no tool can set it back, so a write that keeps size and mtime still shows. Of a
  dot-folder, only its name and type: it is not entered;
* what a sync reads in ``.vaultkit/`` (the config and the user's templates; not the lock,
  backups or an index kept there, which vaultkit itself writes) and Obsidian's ``app.json``
  and ``daily-notes.json``;
* the vault's path, today's date (or ``VAULTKIT_TODAY``), vaultkit's version and the size and
  mtime of its own code and built-in templates (an upgrade or an edit in a checkout).

The date is digested apart from the rest: a probe that differs from the stamp by the date alone
(the first sync of a new day) shows that no file moved, so the index is current and only the
dashboards that read the date need rendering (``vaultkit.sync.run``), without a scan.

The walk also keeps what it listed (:mod:`vaultkit.scan.listing`): when the digest differs, the
scan of the sync that follows reads that rather than walking the vault a second time.

Anything the digest cannot vouch for makes the sync take the full path: a symbolic link
(the scan's rules for those are involved), a folder that cannot be listed, and, when
recording, an entry modified so recently that a later write could keep its mtime ("racy",
as git calls it: see :data:`vaultkit.index.meta.RACY_SLACK_NS`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from array import array
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from vaultkit import __version__
from vaultkit.index.meta import RACY_SLACK_NS, STAMP_KEY
from vaultkit.index.read_only import read_only
from vaultkit.scan.leftovers import HAS_ST_BLOCKS
from vaultkit.scan.listing import Listing
from vaultkit.speedups import blake2b
from vaultkit.sync.lock import lock_holder
from vaultkit.sync.outcome import FileOutcome, SyncOutcome
from vaultkit.vault import SETTINGS_FILES
from vaultkit.vaultpaths import VaultPaths

TODAY_ENV = "VAULTKIT_TODAY"
"""Pins the run's date (``vaultkit.sync.run.today_for_run``); part of the digest."""
_PACKAGE = Path(__file__).resolve().parent.parent


class Probe(NamedTuple):
    """One walk's digest of the sync's inputs."""

    digest: str
    recordable: bool
    """False when some entry is too fresh to vouch for: the digest may be compared, not kept."""
    files: str = ""
    """The digest of the same inputs but the date."""
    dated: Stamp | None = None
    """Set by :func:`unchanged`: the stamp, when only the date moved since it was recorded (its
    :attr:`Stamp.files` is this probe's). The index then holds the vault as it is: a sync need
    not look at any file, only render the dashboards that read the date."""
    listing: Listing | None = None
    """Every folder of the vault as the walk listed it, for the scan of the sync that follows
    a miss (:mod:`vaultkit.scan.listing`); dropped once that scan has it."""


class Stamp(NamedTuple):
    """What the last sync that found everything current reported."""

    digest: str
    dashboards: tuple[str, ...]
    """Every enabled dashboard, by name."""
    targets: tuple[str, ...]
    """Their target files, vault-relative, once each, in the order sync reports them."""
    skipped: int
    """Files the scan left out (conflict copies, placeholders): reported on every sync."""
    files: str = ""
    """The probe's digest of everything but the date (:attr:`Probe.files`)."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "digest": self.digest,
                "dashboards": list(self.dashboards),
                "targets": list(self.targets),
                "skipped": self.skipped,
                "files": self.files,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Stamp | None:
        try:
            data = json.loads(text)
            return cls(
                str(data["digest"]),
                tuple(str(name) for name in data["dashboards"]),
                tuple(str(target) for target in data["targets"]),
                int(data["skipped"]),
                str(data.get("files", "")),
            )
        except (ValueError, TypeError, KeyError):
            return None


_KIND, _FOLDER, _LINK = stat.S_IFMT(0o177777), stat.S_IFDIR, stat.S_IFLNK
"""File-type bits, compared inline: the walk tests them for every entry of the vault."""


class _UnsureError(Exception):
    """The walk met something the digest cannot vouch for."""


def today_key() -> str:
    """The date part of the digest: ``VAULTKIT_TODAY`` as given, else the calendar date.

    A date pinned in the config is covered by the config file's own entry; the calendar date
    is then still part of the key, which only costs a full sync once a day.
    """
    # time.strftime, not datetime: the same local date, one import fewer on the fast path.
    return os.environ.get(TODAY_ENV) or time.strftime("%Y-%m-%d")


def probe(paths: VaultPaths) -> Probe | None:
    """Digest the sync's inputs as they are now; None when the walk cannot vouch for them.

    The probe keeps what its walk listed (:attr:`Probe.listing`): the scan of a sync that
    follows a miss reads that instead of walking the vault a second time.
    """
    started_ns = time.time_ns()
    vault = paths.root
    names: list[str] = [str(vault), __version__]
    numbers = array("q")
    fresh_after = started_ns - RACY_SLACK_NS
    # The scan reads st_blocks; where stat results have none (Windows), it walks for itself.
    listing = Listing(str(vault), started_ns, names, numbers) if HAS_ST_BLOCKS else None
    try:
        newest = _walk(str(vault), names, numbers, vault_folders=True, listing=listing)
        newest = max(newest, _stat_file(str(paths.config_file), names, numbers))
        templates = str(paths.templates)
        if os.path.islink(templates):
            raise _UnsureError(templates)
        newest = max(newest, _walk(templates, names, numbers))
        for name in SETTINGS_FILES:
            newest = max(newest, _stat_file(os.path.join(vault, name), names, numbers))
        _code(names, numbers)
    except (_UnsureError, OSError):
        return None
    files = blake2b("\0".join(names).encode("utf-8", "surrogateescape"))
    files.update(numbers.tobytes())
    # The date apart, so that a new day can be told from a changed vault (Probe.dated).
    digest = blake2b(f"{files.hexdigest()}\0{today_key()}".encode())
    return Probe(digest.hexdigest(), newest < fresh_after, files.hexdigest(), listing=listing)


def _walk(
    root: str,
    names: list[str],
    numbers: array[int],
    *,
    vault_folders: bool = False,
    listing: Listing | None = None,
) -> int:
    """Add every entry under ``root`` to the digest; returns the newest mtime seen.

    With ``vault_folders``, dot-folders are not entered (Obsidian hides them; the ones that
    matter are added on their own). A missing ``root`` is an entry too (a config created
    later must change the digest). With ``listing`` (sharing ``names`` and ``numbers``),
    every folder walked is kept there for the scan that follows a miss
    (:mod:`vaultkit.scan.listing`).
    """
    newest = 0
    stack = [root]
    add_name, add_numbers = names.append, numbers.extend
    keep_blocks = keep_flags = None
    if listing is not None:
        keep_blocks = listing.blocks.append
        if listing.flags is not None:
            keep_flags = listing.flags.append
    while stack:
        folder = stack.pop()
        add_name(folder)
        try:
            entries = os.scandir(folder)
        except FileNotFoundError:
            if folder == root and not vault_folders:
                add_name("-")
                continue
            raise
        if listing is not None:
            listing.begin(folder)
        with entries:
            for entry in entries:
                name = entry.name
                info = entry.stat(follow_symlinks=False)
                mode = info.st_mode
                kind = mode & _KIND
                add_name(name)
                if keep_blocks is not None:
                    keep_blocks(info.st_blocks)
                    if keep_flags is not None:
                        keep_flags(info.st_flags)  # type: ignore[attr-defined, unused-ignore]
                if vault_folders and name[:1] == "." and kind in (_FOLDER, _LINK):
                    # Hidden from Obsidian, and its own folder changes as the user clicks
                    # around (often a link, shared between vaults): only its name and type
                    # count; what vaultkit reads in there is added file by file.
                    add_numbers((mode, 0, 0, 0, 0))
                    continue
                if kind == _LINK:
                    raise _UnsureError(entry.path)
                if kind == _FOLDER:
                    stack.append(entry.path)
                elif info.st_mtime_ns > newest:
                    newest = info.st_mtime_ns
                add_numbers((mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
        if listing is not None:
            listing.end()
    return newest


def _stat_file(path: str, names: list[str], numbers: array[int]) -> int:
    names.append(path)
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        names.append("-")
        return 0
    if stat.S_ISLNK(info.st_mode):
        raise _UnsureError(path)
    numbers.extend((info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return info.st_mtime_ns


def _code(names: list[str], numbers: array[int]) -> None:
    """vaultkit's own code and built-in templates: what renders the dashboards."""
    # Every stage folder of the package (a new one needs no entry here), and the built-in
    # templates of a source checkout.
    with os.scandir(_PACKAGE) as listing:
        stages = sorted(e.path for e in listing if e.is_dir() and not e.name.startswith("__"))
    folders = (str(_PACKAGE), *stages, str(_PACKAGE.parent / "templates"))
    for folder in folders:
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:
            for entry in listing:
                if entry.name.endswith((".py", ".j2")):
                    info = entry.stat()
                    names.append(entry.path)
                    numbers.extend((info.st_size, info.st_mtime_ns))


def stored(index_path: Path) -> Stamp | None:
    """The stamp kept in the index, if the index exists and holds one."""
    if not index_path.is_file():
        return None
    try:
        with closing(read_only(index_path, timeout=1)) as connection:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (STAMP_KEY,)
            ).fetchone()
    except (sqlite3.Error, ValueError):
        return None
    return Stamp.from_json(row[0]) if row else None


def unchanged(paths: VaultPaths) -> tuple[Probe | None, Stamp | None]:
    """Probe the vault and compare with the index's stamp.

    Returns the probe (to be recorded by the sync that follows a miss) and the stamp when it
    matches: then every dashboard is current and the stamp says what to tell the user. When
    only the date moved, the probe carries the stamp as :attr:`Probe.dated`.
    """
    current = probe(paths)
    if current is None:
        return None, None
    kept = stored(paths.index.path)
    if kept is None:
        return current, None
    if kept.digest != current.digest:
        if kept.files == current.files:
            return current._replace(dated=kept), None
        return current, None
    holder = lock_holder(paths)
    if holder is not None and holder["pid"] != os.getpid():
        # Another vaultkit is writing (a watcher, most likely): let the lock say so. The
        # caller's own hold is no other writer: the hook and the watcher take the lock before
        # they sync, and a full sync of theirs with nothing changed is answered here too.
        return current, None
    return current, kept


def current_index(paths: VaultPaths) -> tuple[sqlite3.Connection | None, Listing | None]:
    """The index, read-only, when the stamp shows every file as the last sync that found the
    dashboards current saw it (only the date may have moved since): the index then holds the
    vault as it is, so a command that only reads it (``vaultkit tasks``, ``render``, …) needs
    no scan and no comparison of every file with the index (at 100,000 notes ~0.5 s of ~1 s).

    Otherwise (a change, an entry too fresh to vouch for, another vaultkit writing, no stamp)
    None and the stamp's walk of the vault, if it made one: the caller brings the index up to
    date, its scan reading that walk (``listed`` of :func:`vaultkit.index.update.
    update_index`) rather than walking the vault a second time, and lets it go after.
    """
    probe_now, hit = unchanged(paths)
    if probe_now is None:
        return None, None
    if hit is not None or probe_now.dated is not None:
        try:
            return read_only(paths.index.path, timeout=10), None
        except (sqlite3.Error, ValueError):
            pass
    return None, probe_now.listing


def unchanged_outcome(hit: Stamp, dry_run: bool, seconds: float) -> SyncOutcome:
    """The outcome of a sync the stamp showed to have nothing to do."""
    return SyncOutcome(
        dry_run=dry_run,
        dashboards=list(hit.dashboards),
        rendered=[],
        files=[FileOutcome(target, "unchanged") for target in hit.targets],
        parsed=[],
        removed=[],
        unreadable=[],
        skipped=hit.skipped,
        seconds=seconds,
    )
