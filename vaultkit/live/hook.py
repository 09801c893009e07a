"""``vaultkit hook``: the fast path for Obsidian's Shell commands plugin.

This module owns deciding, as cheaply as possible, whether one changed file needs a sync, and
turning a sync into one line fit for the plugin's notice. The plugin has no "after save"
event: "File content modified" fires on every autosave while the user types and on
vaultkit's own writes, so the hook is called often and must return at once, silently and
with exit 0, when there is nothing to do:

* the file is not a note, or lies in a dot-folder (``.obsidian/``, ``.trash/``, ``.vaultkit/``);
  a folder of the vault is the exception: given one (the plugin's folder events: created,
  renamed, moved, deleted), the hook syncs the files under it now and those the index holds
  under its path, the names they were renamed from found by inode as for one note
  (:mod:`vaultkit.live.folders`); a large folder, or one the index cannot account for, syncs the
  whole vault;
* the path is not a regular file: a folder, FIFO, socket or device named like a note is never
  opened (opening a FIFO blocks for ever, reading a device may never end), as the scan leaves
  those out of the vault;
* the file is vaultkit's own output (a whole-file dashboard target, or a file whose header line
  is ``%% vaultkit:file``): this is what keeps the hook from triggering itself in a loop;
* the file is excluded (Obsidian's "Excluded files" or the config's excludes), unless it was
  moved there from a name the index holds (:func:`vaultkit.live.folders.renamed_from`): that
  name must leave the dashboards;
* the note is as the index holds it (size, mtime and content hash) and the last sync started
  after it was last modified;
* a ``vaultkit watch`` holds the vault: the watcher keeps the dashboards current, so the hook
  stays out of its way. It says nothing rather than "the watcher is on it": that notice
  would pop up on every autosave, which is exactly the noise the hook must not make.

Else the sync looks at the one note, its old name if it was renamed or moved (found by inode),
and the dashboards' files; but a call that had to wait for another writer looks at the whole
vault (the calls of a burst queue on the lock: one takes every change, those behind it find
their notes done), and a note that came or went with its folder stands for the folder
(:func:`vaultkit.live.folders.came_or_went_with`): Obsidian tells each note of a folder
renamed, moved, deleted or copied in as renamed, moved, deleted or created, one hook call
each, and the first of them syncs the whole folder, the others finding their note as the
index holds it.

A note whose name is not valid UTF-8 is left out, as the scan leaves it out of every sync
(nothing downstream can store the name); that one case says so on stderr, the name written
with ``\\xNN`` escapes, because the user has to rename the note.

Start-up is part of the budget (design section 11: under 0.5 s with process start), so the
fast path imports no parser, no markdown-it and no Jinja: it reads the index with ``sqlite3``
in read-only mode. The lock is imported only once a sync is needed, and ``vaultkit.sync.run``
only once the lock is held and the change is still to be made: a call queued behind one that
took its change never loads it.

Region targets (a region inside a note of the user's, e.g. ``Plan.md#topics``) are not
skipped: the user writes in those notes too. A sync does not write into such a note while it
is being edited (the quiet period, design 8.10): the hook then waits, holding no lock, until
the note has been quiet long enough, and syncs again, unless the note was saved again
meanwhile, in which case the hook call of that newer save takes over. The Shell commands
plugin runs the hook in the background, so the wait costs the user nothing. vaultkit's own
write into such a note costs at most one extra sync, which writes nothing (contract item 2),
so that cannot loop either.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from vaultkit.config.load import load_config
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import ExitStatus, VaultkitError
from vaultkit.files import read_regular, readable
from vaultkit.index.digest import content_digest
from vaultkit.index.meta import SYNCED_AT_KEY
from vaultkit.index.read_only import read_only
from vaultkit.live.folders import (
    OnDisk,
    came_or_went_with,
    folder_files,
    hidden,
    names_a_folder,
    renamed_from,
)
from vaultkit.markers import FILE_HEADER_BYTES
from vaultkit.obsidian.filters import is_excluded
from vaultkit.obsidian.settings import read_obsidian_settings
from vaultkit.sync.outcome import notice, one_line, sync_outcome
from vaultkit.vault import vault_root
from vaultkit.vaultpaths import VaultPaths

if TYPE_CHECKING:
    from vaultkit.sync.result import SyncResult

HOOK_LOCK_TIMEOUT = 10.0
"""Seconds to wait for another sync or hook (autosaves come in bursts: they queue)."""
MAX_QUIET_WAITS = 5
"""How many times the hook waits for a note being edited to become quiet before it leaves the
rest to the next sync (design 8.10); each wait ends early if a newer save supersedes it."""


def run_hook(
    vault: Path | str | None,
    file: Path | str | None,
    out: TextIO,
    err: TextIO,
    *,
    quiet: bool = False,
) -> int:
    """Sync the vault for one changed ``file`` (or all changes); returns the exit status.

    ``vault`` and ``file`` come as the plugin passes them: absolute or vault-relative, maybe
    still wrapped in one pair of quotes. Prints one line to ``err`` (the plugin shows stderr
    as a notice) when something was written or went wrong, nothing otherwise; with ``quiet``
    (``-q``) only what went wrong.
    """
    try:
        return _run(vault, file, err, quiet)
    except VaultkitError as exc:
        err.write(f"vaultkit: {one_line(str(exc))}\n")
        return exc.exit_code
    except (OSError, sqlite3.Error) as exc:
        err.write(f"vaultkit: {one_line(str(exc))}\n")
        return ExitStatus.ERROR
    except Exception as exc:  # a bug: still one line, the plugin's notice is no place for it
        err.write(
            f"vaultkit: internal error ({type(exc).__name__}: {one_line(str(exc))}); "
            "run 'vaultkit sync' in a terminal for details\n"
        )
        return ExitStatus.BUG


def _unquote(value: str) -> str:
    """Undo one pair of surrounding quotes (``"{{file_path:absolute}}"`` on top of escaping)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _run(
    vault_arg: Path | str | None, file_arg: Path | str | None, err: TextIO, quiet: bool
) -> int:
    file_text = _unquote(str(file_arg)) if file_arg is not None else None
    hint = Path(file_text).expanduser() if file_text and Path(file_text).is_absolute() else None
    vault = vault_root(_unquote(str(vault_arg)) if vault_arg is not None else None, hint)
    if file_text is None:
        return _sync(VaultPaths(vault), None, err, quiet)
    file_path, rel = _locate(vault, file_text)

    # Cheapest checks first: these need nothing but the path.
    if not rel.lower().endswith(".md"):
        if names_a_folder(file_path, rel):
            # A folder created, renamed, moved or deleted (the plugin's folder events): every
            # note under it may have moved.
            paths = VaultPaths(vault)
            listed = folder_files(paths, file_path, rel)
            if listed == []:
                return ExitStatus.OK  # an empty folder, and none the index knows
            return _sync(paths, None, err, quiet, listed=listed, cause=rel)
        return ExitStatus.OK
    if hidden(rel):  # as Obsidian does
        return ExitStatus.OK
    if readable(rel) != rel:
        # Bytes that are not UTF-8 in its name: the scan leaves such a note out (no later
        # stage can store the name), so the hook does too, and says so: the user must rename.
        err.write(
            f"vaultkit: {readable(rel)}: the name is not valid UTF-8, so this note is left out "
            "of the dashboards (as vaultkit sync does); rename it\n"
        )
        return ExitStatus.OK
    on_disk: OnDisk | None = None
    try:
        found = os.stat(file_path)
    except OSError:
        pass  # gone (a deletion to sync) or unreadable: the sync sees which
    else:
        if not stat.S_ISREG(found.st_mode):
            return ExitStatus.OK  # not a note, and never to be opened; see the module docstring
        on_disk = (found.st_ino, found.st_mtime_ns, found.st_size)
    config = load_config(vault, BUILTINS)
    if rel in {d.target_path for d in config.dashboards if d.region is None}:
        return ExitStatus.OK
    if _is_generated(file_path):
        return ExitStatus.OK
    # The one decision of where the index lives, for the fast path and the sync alike.
    paths = VaultPaths(vault, configured=config.vault.index)
    settings, _ = read_obsidian_settings(vault)
    excluded = is_excluded(rel, settings.ignore_filters) or is_excluded(
        rel, config.vault.excludes, globs=True
    )
    # An excluded note is no note of the views, unless it was moved there (alone or with its
    # folder) from a name the index holds: that name must leave the dashboards.
    if excluded and (on_disk is None or not renamed_from(paths, rel, on_disk)):
        return ExitStatus.OK
    unchanged, known = _indexed(paths.index.path, file_path, rel)
    if unchanged:
        return ExitStatus.OK
    # (A note the index holds and that is still there was saved: neither came nor went.)
    folder = None if known and on_disk is not None else came_or_went_with(paths, rel, on_disk)
    if folder is not None:
        # One note of a folder renamed, moved, deleted or copied in: Obsidian tells each.
        listed = folder_files(paths, paths.root / folder, folder)
        return _sync(paths, (rel, file_path), err, quiet, listed=listed, cause=folder)
    return _sync(paths, (rel, file_path), err, quiet, listed=[rel], cause=rel)


def _locate(vault: Path, text: str) -> tuple[Path, str]:
    """The file on disk and its vault-relative NFC path (the index's key)."""
    candidates = [text]
    if os.sep == "/" and "\\" in text:
        # Escaped by the plugin *and* quoted by the user: bash keeps "My\ Note.md" literally.
        candidates.append(re.sub(r"\\(.)", r"\1", text))
    for index, candidate in enumerate(candidates):
        path = _given(vault, Path(candidate).expanduser())
        if index + 1 < len(candidates) and not os.path.lexists(path):
            continue
        rel = _relative(vault, path)
        if rel is None:
            raise VaultkitError(
                f"is outside the vault {readable(str(vault))}; pass the vault folder first, "
                "e.g. vaultkit hook {{vault_path}} --file {{event_file_path:absolute}}",
                path=readable(text),
            )
        return path, unicodedata.normalize("NFC", rel)
    raise AssertionError("unreachable")


def _given(vault: Path, path: Path) -> Path:
    """Where a ``--file`` path points: an absolute path as it is; a relative one from the
    current folder when a file is there, as in every command line (``hook v --file
    v/note.md`` from v's parent), or else from the vault (the plugin's vault-relative form,
    a deleted note's included). A file found only outside the vault stays outside: the
    caller says so."""
    if path.is_absolute():
        return path
    try:
        here = Path.cwd() / path
    except OSError:  # the current folder was deleted: only the vault can say
        return vault / path
    return here if os.path.lexists(here) else vault / path


def _relative(vault: Path, path: Path) -> str | None:
    # Obsidian passes "<vault path>/<file>" without resolving symlinks; vault_root resolved
    # the vault, so try the path as given, then resolved.
    for candidate in (Path(os.path.normpath(path)), path.resolve()):
        try:
            return candidate.relative_to(vault).as_posix()
        except ValueError:
            continue
    return None


def _is_generated(path: Path) -> bool:
    """Whether the file carries vaultkit's ``%% vaultkit:file`` header (line 1, or right
    after a leading front matter block, where vaultkit puts it then)."""
    try:
        head = read_regular(path, 8192)
    except OSError:
        return False
    lines = [line.rstrip(b"\r") for line in head.removeprefix(b"\xef\xbb\xbf").split(b"\n")]
    at = 0
    if lines[0].rstrip(b" \t") == b"---":
        at = next((i + 1 for i in range(1, len(lines)) if lines[i].rstrip(b" \t") == b"---"), 0)
    return at < len(lines) and FILE_HEADER_BYTES.fullmatch(lines[at]) is not None


def _unchanged(index: Path, file_path: Path, rel: str) -> bool:
    """Whether the last sync already saw this exact note (or its absence)."""
    return _indexed(index, file_path, rel)[0]


def _indexed(index: Path, file_path: Path, rel: str) -> tuple[bool, bool]:
    """Whether the last sync already saw this exact note (or its absence), and whether the
    index holds a file at ``rel`` (False too when it cannot tell)."""
    try:
        stat = file_path.stat()
    except FileNotFoundError:
        stat = None
    if not index.is_file():
        return False, False
    try:
        # Read-only: the hook must never create, lock or rebuild the index on its fast path.
        connection = read_only(index, timeout=2)
    except sqlite3.Error:
        return False, False
    try:
        row = connection.execute(
            "SELECT size, mtime_ns, hash FROM files WHERE path = ?", (rel,)
        ).fetchone()
        synced = connection.execute(
            "SELECT value FROM meta WHERE key = ?", (SYNCED_AT_KEY,)
        ).fetchone()
    except sqlite3.Error:
        return False, False
    finally:
        connection.close()
    known = row is not None
    if stat is None:
        return not known, known  # a deleted note the index no longer holds
    if row is None or synced is None:
        return False, known
    size, mtime_ns, digest = row
    if size != stat.st_size or mtime_ns != stat.st_mtime_ns or not digest:
        return False, known
    # The read commands (tasks, links, …) refresh the index without rendering: only a note
    # modified before the last sync started is known to be in the dashboards.
    if stat.st_mtime_ns >= int(synced[0]):
        return False, known
    try:
        # Not blocking: a FIFO put at the path since it was stat-ed is refused, not waited on.
        data = read_regular(file_path)
    except OSError:
        return False, known
    # The indexer's digest: the content itself, not only size and mtime, which can stay put
    # across a quick second save on a coarse-timestamp file system.
    return bool(content_digest(data) == digest), known


def _sync(
    paths: VaultPaths,
    changed: tuple[str, Path] | None,
    err: TextIO,
    quiet: bool,
    *,
    listed: list[str] | None = None,
    cause: str | None = None,
) -> int:
    """Sync, holding the vault lock, the files ``listed`` (None: the whole vault), for the
    note ``changed`` (vault path, file) the plugin named, if any; the notice names ``cause``
    as what changed. Having waited for another writer, a call for a note that is still to do
    syncs the whole vault (the calls of a burst queue behind each other)."""
    from vaultkit.sync.lock import VaultBusyError, vault_lock

    results: list[SyncResult] = []
    try:
        for attempt in range(MAX_QUIET_WAITS + 1):
            with vault_lock(paths, "hook", timeout=HOOK_LOCK_TIMEOUT) as waited:
                looked_at = listed
                if changed is not None and not attempt:
                    rel, file_path = changed
                    # We may have queued behind another hook whose sync already took this
                    # (the notes of a folder renamed are told at once, one hook call each).
                    if _unchanged(paths.index.path, file_path, rel):
                        return ExitStatus.OK
                    if waited:
                        # Another vaultkit wrote first: the calls of a burst (a sync service
                        # or a plugin changing many notes, git) queue on the lock. This one
                        # takes every change, so that those behind it find their notes done:
                        # a sync and a notice or two for the burst, not one per note.
                        looked_at, cause = None, None
                # Imported only now (Jinja among it, ~35 ms): not by the calls that queued
                # behind one that took their change.
                from vaultkit.sync.run import run_sync

                result = run_sync(paths, lock=False, progress=False, changed=looked_at)
            results.append(result)
            if not result.deferred or attempt == MAX_QUIET_WAITS or not _wait_for_quiet(result):
                break
    except VaultBusyError as exc:
        if exc.holder is not None and exc.holder["purpose"] == "watch":
            return ExitStatus.OK  # the watcher handles it; see the module docstring
        raise
    return _notice(paths.root, results, cause, err, quiet)


def _state(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _wait_for_quiet(result: SyncResult) -> bool:
    """Sleep (holding no lock) until the deferred notes are quiet; False if one was saved
    again meanwhile, so that save's own hook call takes over from this one."""
    import time

    before = {item.path: _state(item.path) for item in result.deferred}
    until = max(item.retry_at or 0.0 for item in result.deferred)
    time.sleep(max(0.0, until - time.time()))
    return all(_state(path) == state for path, state in before.items())


def _notice(
    vault: Path, results: list[SyncResult], rel: str | None, err: TextIO, quiet: bool
) -> int:
    """The notice (:func:`vaultkit.sync.outcome.notice`): one line for what the syncs wrote
    (unless ``quiet``), one per problem of the last one."""
    outcomes = [sync_outcome(result, vault) for result in results]
    for line in notice(outcomes, rel, quiet=quiet):
        err.write(f"vaultkit: {line}\n")
    return ExitStatus.PROBLEMS if outcomes[-1].problems else ExitStatus.OK
