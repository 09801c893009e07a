"""Listing the files of a vault: which files vaultkit reads, which it leaves alone, and why.

This module owns the walk over the vault folder (design section 3, "scan"). It decides what
Obsidian itself would show: dot-files and dot-folders are hidden, so the config folder,
``.trash/`` and ``.vaultkit/`` never appear. It applies the user's "Excluded files" setting
(those files stay valid link targets, so they are listed apart rather than dropped) and
vaultkit's own excludes, and it keeps sync-service leftovers (Syncthing and Dropbox conflict
copies, iCloud placeholders and evicted files) out of the vault while reporting them.

Files are only ever stat-ed, never opened: opening an iCloud-evicted file blocks while macOS
downloads it (field lessons B7). The one file this module reads is Obsidian's ``app.json``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import read_regular

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Imported when first needed: logging costs the hook's start-up ~10 ms.
    import logging

    return logging.getLogger(__name__)


DEFAULT_CONFIG_DIR = ".obsidian"
"""Obsidian's config folder unless the user overrides it (the override is per device)."""

_ICLOUD_SUFFIX = ".icloud"

# st_flags bit macOS sets on a file whose contents live only in the cloud (<sys/stat.h>).
_SF_DATALESS = 0x40000000
_HAS_ST_FLAGS = hasattr(os.stat_result, "st_flags")

# Syncthing: "Note.sync-conflict-20240131-235959-ABCDEFG.md" (older releases had no device id).
# Dropbox: "Note (conflicted copy 2024-01-31).md", "Note (Ann's conflicted copy 2024-01-31).md",
# "Note (Case Conflict).md", "Note (Selective Sync Conflict).md".
_SYNC_CONFLICT_RE = re.compile(
    r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Za-z0-9]{7})?(?:\.|$)"
    r"| \((?:[^()]*['’]s )?conflicted copy\b"
    r"|\((?:case|selective sync) conflict\b",
    re.IGNORECASE,
)


class SkipReason(StrEnum):
    """Why a file or folder was left out of the scan; the values are stable codes."""

    SYNC_CONFLICT = "sync-conflict"
    ICLOUD_STUB = "icloud-stub"
    ICLOUD_EVICTED = "icloud-evicted"
    SYMLINK_OUTSIDE = "symlink-outside"
    UNREADABLE = "unreadable"
    EXCLUDED = "excluded"
    NAME_COLLISION = "name-collision"


class SourceFile(NamedTuple):
    """One file of the vault, as found on disk.

    A named tuple rather than a dataclass: a scan makes one per file, and a tuple is built
    several times faster, which a warm sync of a large vault notices.
    """

    path: str
    """Vault-relative POSIX path, Unicode NFC-normalised: the file's identity in vaultkit."""
    disk_path: str
    """Path on disk as found by the walk (through any followed symlink, not normalised)."""
    size: int
    mtime_ns: int
    is_note: bool
    """True for a ``.md`` file (the extension compared case-insensitively)."""

    @property
    def abs_path(self) -> Path:
        # Built on demand: a Path per file costs more than the stat of a warm scan.
        return Path(self.disk_path)


class Skipped(NamedTuple):
    """A file or folder the scan left out, with the reason the user should hear."""

    path: str
    """Vault-relative POSIX path, NFC. For an iCloud placeholder: the note it stands for."""
    reason: str
    """A :class:`SkipReason` value, e.g. ``sync-conflict``."""
    message: str
    """One sentence for the user, naming the path."""
    cannot_list: str = ""
    """For a folder the walk could not list, why (e.g. ``Permission denied``); else empty."""


class ScanResult(NamedTuple):
    """Everything one walk of the vault found."""

    files: tuple[SourceFile, ...]
    """Notes and attachments Obsidian shows, sorted by path."""
    skipped: tuple[Skipped, ...]
    """Files and folders left out and reported, sorted by path."""
    excluded: tuple[SourceFile, ...]
    """Files hidden by Obsidian's "Excluded files"; still valid link targets. Sorted."""
    warnings: tuple[str, ...] = ()
    """Problems reading Obsidian's settings (defaults were used), one sentence each."""

    @property
    def notes(self) -> tuple[SourceFile, ...]:
        """The markdown files among :attr:`files`."""
        return tuple(f for f in self.files if f.is_note)

    @property
    def attachments(self) -> tuple[SourceFile, ...]:
        """Everything in :attr:`files` that is not a note (images, PDFs, canvases, ...)."""
        return tuple(f for f in self.files if not f.is_note)


class ObsidianSettings(NamedTuple):
    """The few vault settings from ``app.json`` that decide what vaultkit sees."""

    config_dir: str
    """Name of the config folder at the vault root (``.obsidian`` by default)."""
    ignore_filters: tuple[str, ...]
    """``userIgnoreFilters`` ("Excluded files"): path prefixes or ``/regex/`` strings."""
    attachment_folder: str | None
    """``attachmentFolderPath`` as written (``/``, ``./``, ``./sub``, ``Folder``), or None."""


def read_obsidian_settings(
    vault: Path, config_dir: str = DEFAULT_CONFIG_DIR
) -> tuple[ObsidianSettings, list[str]]:
    """Read ``app.json`` leniently; return the settings and warnings for the user.

    A missing file gives the defaults without a warning (Obsidian writes it only once a
    setting changes). Unreadable or invalid JSON, or a key of the wrong type, gives a warning
    naming the file, and the defaults for what could not be read.
    """
    config_dir = config_dir.strip("/") or DEFAULT_CONFIG_DIR
    defaults = ObsidianSettings(config_dir=config_dir, ignore_filters=(), attachment_folder=None)
    shown = f"{config_dir}/app.json"
    try:
        raw = read_regular(vault / config_dir / "app.json")
    except (FileNotFoundError, NotADirectoryError):
        return defaults, []
    except OSError as exc:
        return defaults, [
            f"Could not read {shown} ({_os_reason(exc)}), so Obsidian's default settings are used."
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return defaults, [f"{shown} is not UTF-8 text, so Obsidian's default settings are used."]
    if not text.strip():
        # Obsidian itself treats an empty settings file as "nothing changed".
        return defaults, []
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        return defaults, [
            f"{shown} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}), "
            "so Obsidian's default settings are used."
        ]
    if not isinstance(data, dict):
        return defaults, [
            f"{shown} does not hold a JSON object, so Obsidian's default settings are used."
        ]

    warnings: list[str] = []
    filters: tuple[str, ...] = ()
    raw_filters = data.get("userIgnoreFilters")
    if isinstance(raw_filters, list):
        filters = tuple(f for f in raw_filters if isinstance(f, str))
        if len(filters) != len(raw_filters):
            warnings.append(
                f"{shown}: userIgnoreFilters holds entries that are not text; they are ignored."
            )
    elif raw_filters is not None:
        warnings.append(
            f"{shown}: userIgnoreFilters should be a list of text entries, so no files are "
            "treated as excluded."
        )

    attachment_folder: str | None = None
    raw_attachments = data.get("attachmentFolderPath")
    if isinstance(raw_attachments, str):
        attachment_folder = raw_attachments
    elif raw_attachments is not None:
        warnings.append(
            f"{shown}: attachmentFolderPath should be text, so Obsidian's default "
            "(the vault root) is assumed."
        )
    settings = ObsidianSettings(
        config_dir=config_dir, ignore_filters=filters, attachment_folder=attachment_folder
    )
    return settings, warnings


def is_excluded(path: str, filters: Sequence[str]) -> bool:
    """Whether ``path`` is matched by Obsidian "Excluded files" style ``filters``.

    A filter is a path prefix such as ``Archive/`` (the folder and everything below it) or
    ``Archive`` (the same, plus a file of exactly that path), or a regex written ``/…/`` that
    is searched for in the vault-relative path. An invalid regex matches nothing.
    """
    return _compile_filters(tuple(filters)).matches(_nfc(path))


def scan_vault(
    vault: Path, *, config_dir: str = DEFAULT_CONFIG_DIR, extra_excludes: Sequence[str] = ()
) -> ScanResult:
    """List the notes and attachments of ``vault``; report what was skipped and why.

    Problems with single files or folders are reported in ``skipped``, never raised. Only a
    vault folder that cannot be listed at all raises ``OSError``: an empty result there would
    read as "every note was deleted".
    """
    settings, warnings = read_obsidian_settings(vault, config_dir)
    walker = _Walker(
        root=os.path.abspath(vault),
        config_dir=_nfc(settings.config_dir),
        ignore=_compile_filters(settings.ignore_filters),
        extra=_compile_filters(tuple(extra_excludes)),
    )
    walker.run()
    return walker.result(tuple(warnings))


def scan_paths(
    vault: Path,
    paths: Sequence[str],
    *,
    config_dir: str = DEFAULT_CONFIG_DIR,
    extra_excludes: Sequence[str] = (),
) -> ScanResult | None:
    """What :func:`scan_vault` would report for just these vault-relative paths.

    For the hook, which is told which file changed: a saved note then costs the same in a
    vault of any size. A path that is absent, hidden, excluded or otherwise not scanned is
    left out of the result (the caller treats it as gone from the index). Returns None when
    it cannot be sure to agree with a full walk (a symbolic link on the way, a name stored
    in another Unicode form): the caller then scans the whole vault. Raises ``OSError`` when
    the vault folder itself cannot be read, as :func:`scan_vault` does.
    """
    root = os.path.abspath(vault)
    if not stat.S_ISDIR(os.stat(root).st_mode):  # as scan_vault: a vault that is gone raises
        raise NotADirectoryError(errno.ENOTDIR, "The vault is not a folder", root)
    settings, warnings = read_obsidian_settings(vault, config_dir)
    ignore = _compile_filters(settings.ignore_filters)
    extra = _compile_filters(tuple(extra_excludes))
    real_root = os.path.realpath(root)
    files: list[SourceFile] = []
    excluded: list[SourceFile] = []
    for raw_path in paths:
        path = _nfc(raw_path)
        parts = path.split("/")
        if any(part.startswith(".") or not part for part in parts) or parts[0] == _nfc(
            settings.config_dir
        ):
            continue  # hidden from Obsidian, as the walk leaves dot-files and dot-folders
        if extra.matches(path) or any(
            extra.covers_dir("/".join(parts[:end])) for end in range(1, len(parts))
        ):
            continue
        if any("onflict" in part and _SYNC_CONFLICT_RE.search(part) for part in parts):
            continue
        disk_path = os.path.join(root, *parts)
        try:
            file_stat = os.stat(disk_path)
        except FileNotFoundError:
            if os.path.lexists(disk_path):
                return None  # a dangling symbolic link: let the walk report it
            continue
        except OSError:
            return None
        if os.path.realpath(disk_path) != os.path.join(real_root, *parts):
            return None  # a symbolic link or another spelling of the name on the way
        if not stat.S_ISREG(file_stat.st_mode) or _is_dataless(file_stat):
            return None
        source = SourceFile(
            path=path,
            disk_path=disk_path,
            size=file_stat.st_size,
            mtime_ns=file_stat.st_mtime_ns,
            is_note=path[-3:].lower() == ".md",
        )
        (excluded if ignore.matches(path) else files).append(source)
    return ScanResult(
        files=tuple(sorted(files, key=lambda f: f.path)),
        skipped=(),
        excluded=tuple(sorted(excluded, key=lambda f: f.path)),
        warnings=tuple(warnings),
    )


# --- filters -------------------------------------------------------------------------------


class _Filters(NamedTuple):
    prefixes: tuple[tuple[str, bool], ...]
    """(prefix without trailing slash, folder only) pairs."""
    regexes: tuple[re.Pattern[str], ...]

    def matches(self, path: str) -> bool:
        """Whether a file at ``path`` is matched."""
        for prefix, folder_only in self.prefixes:
            if path.startswith(prefix) and (
                path[len(prefix) : len(prefix) + 1] == "/"
                or (not folder_only and len(path) == len(prefix))
            ):
                return True
        return any(regex.search(path) for regex in self.regexes)

    def covers_dir(self, path: str) -> bool:
        """Whether every file below the folder ``path`` is matched, so it can be pruned.

        A regex cannot promise that (``/^Archive$/`` matches the folder, not what is in it),
        so only prefixes prune.
        """
        return any(path == p or path.startswith(p + "/") for p, _ in self.prefixes)


@lru_cache(maxsize=32)
def _compile_filters(filters: tuple[str, ...]) -> _Filters:
    prefixes: list[tuple[str, bool]] = []
    regexes: list[re.Pattern[str]] = []
    for raw in filters:
        text = _nfc(raw.strip())
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            regex = _compile_js_regex(text[1:-1])
            if regex is not None:
                regexes.append(regex)
            continue
        folder_only = text.endswith("/")
        prefix = text.strip("/")
        # An empty prefix would hide the whole vault; Obsidian's UI never writes one.
        if prefix:
            prefixes.append((prefix, folder_only))
    return _Filters(prefixes=tuple(prefixes), regexes=tuple(regexes))


def _compile_js_regex(source: str) -> re.Pattern[str] | None:
    """Compile a JavaScript regex body (as Obsidian would) with Python's ``re``, or None."""
    if not source:
        # new RegExp("") matches every path; treat it as a typo rather than hide everything.
        return None
    # JavaScript spells named groups (?<name>…) and \k<name>; Python wants (?P<name>…), (?P=name).
    source = re.sub(r"\(\?<(?![=!])", "(?P<", source)
    source = re.sub(r"\\k<([A-Za-z_]\w*)>", r"(?P=\1)", source)
    try:
        # re.ASCII: in a JavaScript regex without the u flag, \w and \d are ASCII only.
        return re.compile(source, re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:
        _logger().debug("ignoring invalid exclude regex /%s/: %s", source, exc)
        return None


# --- the walk ------------------------------------------------------------------------------


class _Dir(NamedTuple):
    abs_path: Path
    raw: str
    """Vault-relative path from the names on disk, before NFC."""
    path: str


_Found = tuple[str, SourceFile, bool]
"""(raw vault-relative path as on disk, the file, hidden by "Excluded files")."""


class _Walker:
    """One iterative walk; holds what was found until :meth:`result` sorts it."""

    def __init__(self, *, root: str, config_dir: str, ignore: _Filters, extra: _Filters) -> None:
        self.root = root
        self.root_real = os.path.realpath(root)
        root_stat = os.stat(root)
        if not stat.S_ISDIR(root_stat.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "The vault is not a folder", root)
        self.root_id = (root_stat.st_dev, root_stat.st_ino)
        self.config_dir = config_dir
        self.ignore = ignore
        self.extra = extra
        self.has_ignore = bool(ignore.prefixes or ignore.regexes)
        self.has_extra = bool(extra.prefixes or extra.regexes)
        self.visited: set[tuple[int, int]] = set()
        self.stack: list[_Dir] = []
        self.linked_dirs: list[_Dir] = []
        self.found: list[_Found] = []
        self.non_ascii = False
        self.skipped: list[Skipped] = []

    def run(self) -> None:
        self.stack.append(_Dir(abs_path=Path(self.root), raw="", path=""))
        while True:
            while self.stack:
                self._visit(self.stack.pop())
            if not self.linked_dirs:
                return
            # Symlinked folders wait until every real folder has been listed, so that a folder
            # reachable both ways keeps its real path and the link is the one left out.
            self.linked_dirs.sort(key=lambda d: d.raw, reverse=True)
            self.stack.append(self.linked_dirs.pop())

    def result(self, warnings: tuple[str, ...]) -> ScanResult:
        kept: dict[str, tuple[SourceFile, bool]] = {}
        found = self.found
        # ASCII names are their own NFC form, so only a non-ASCII name can collide.
        if self.non_ascii and len({source.path for _, source, _ in found}) != len(found):
            # Two names on disk with one NFC form: the first by on-disk name wins, always.
            found = sorted(found, key=lambda item: item[0])
        for _raw, source, excluded in found:
            if source.path in kept:
                self._skip(
                    source.path,
                    SkipReason.NAME_COLLISION,
                    f"Two files are named '{source.path}' in different Unicode forms (NFC and "
                    "NFD), so only the first is used; rename or merge the other.",
                )
            else:
                kept[source.path] = (source, excluded)
        ordered = [kept[path] for path in sorted(kept)]
        return ScanResult(
            files=tuple(source for source, excluded in ordered if not excluded),
            skipped=tuple(sorted(set(self.skipped), key=lambda s: (s.path, s.reason, s.message))),
            excluded=tuple(source for source, excluded in ordered if excluded),
            warnings=warnings,
        )

    def _visit(self, folder: _Dir) -> None:
        try:
            folder_stat = os.stat(folder.abs_path)
            identity = (folder_stat.st_dev, folder_stat.st_ino)
            if identity in self.visited:
                # A symlink back to a folder already listed (or a loop): its files are known.
                _logger().debug("not listing %s twice (symlink to a folder already seen)", folder)
                return
            self.visited.add(identity)
            with os.scandir(folder.abs_path) as listing:
                entries = list(listing)
        except OSError as exc:
            if not folder.path:
                raise
            self._skip(
                folder.path,
                SkipReason.UNREADABLE,
                f"Could not read the folder '{folder.path}' ({_os_reason(exc)}), so nothing "
                "in it was scanned.",
                cannot_list=_os_reason(exc),
            )
            return
        names = _LazyNames(entries)
        # The common case, inlined: a plain ASCII-named regular file that no rule below
        # concerns. Anything else (and any doubt) takes the full path through _entry. This
        # loop runs once per file of the vault, and a warm sync is mostly this loop.
        fast = not self.has_extra
        prefix = folder.path + "/" if folder.path else ""
        raw_prefix = folder.raw + "/" if folder.raw else ""
        found = self.found
        ignore = self.ignore if self.has_ignore else None
        for entry in entries:
            name = entry.name
            if (
                fast
                and name.isascii()
                and name[:1] != "."
                and "onflict" not in name
                and (prefix or name != self.config_dir)
                and not entry.is_symlink()
                and not entry.is_dir()
            ):
                try:
                    file_stat = entry.stat()
                except OSError:
                    file_stat = None
                if (
                    file_stat is not None
                    and stat.S_ISREG(file_stat.st_mode)
                    and not ((_HAS_ST_FLAGS or not file_stat.st_blocks) and _is_dataless(file_stat))
                ):
                    path = prefix + name
                    # tuple.__new__ skips the named tuple's Python-level constructor.
                    source = _new_tuple(
                        SourceFile,
                        (
                            path,
                            entry.path,
                            file_stat.st_size,
                            file_stat.st_mtime_ns,
                            name[-3:].lower() == ".md",
                        ),
                    )
                    found.append(
                        (raw_prefix + name, source, ignore is not None and ignore.matches(path))
                    )
                    continue
            self._entry(entry, folder, names)

    def _entry(self, entry: os.DirEntry[str], folder: _Dir, names: _LazyNames) -> None:
        name = entry.name
        # Inlined ASCII fast path: this runs once per file of the vault.
        if name.isascii():
            nfc_name = name
        elif _is_utf8(name):
            self.non_ascii = True
            nfc_name = unicodedata.normalize("NFC", name)
        else:
            if not name.startswith("."):
                shown = _join(folder.path, readable(name))
                self._skip(
                    shown,
                    SkipReason.UNREADABLE,
                    f"The name of '{shown}' is not valid UTF-8, so it was skipped; rename it.",
                )
            return
        if nfc_name.startswith("."):
            # Hidden from Obsidian; but an iCloud placeholder stands for a visible note.
            if nfc_name.endswith(_ICLOUD_SUFFIX):
                self._icloud_stub(folder, nfc_name, names)
            return
        if not folder.path and nfc_name == self.config_dir:
            return
        path = f"{folder.path}/{nfc_name}" if folder.path else nfc_name
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir()
        except OSError as exc:
            self._unreadable(path, exc)
            return

        if self.has_extra and (self.extra.covers_dir(path) if is_dir else self.extra.matches(path)):
            self._skip(
                path,
                SkipReason.EXCLUDED,
                f"'{path}' matches vaultkit's excludes, so it was not scanned.",
            )
            return
        if "onflict" in nfc_name and _SYNC_CONFLICT_RE.search(nfc_name):
            kind = "folder" if is_dir else "file"
            self._skip(
                path,
                SkipReason.SYNC_CONFLICT,
                f"'{path}' is a conflict copy left by a sync service, so it was skipped; merge "
                f"it into the original {kind} and delete it.",
            )
            return
        if is_link:
            target = os.path.realpath(entry.path)
            if not self._inside(target):
                self._skip(
                    path,
                    SkipReason.SYMLINK_OUTSIDE,
                    f"'{path}' is a symbolic link to '{target}', outside the vault, so it was "
                    "not followed.",
                )
                return

        raw = f"{folder.raw}/{name}" if folder.raw else name
        if is_dir:
            found = _Dir(abs_path=folder.abs_path / name, raw=raw, path=path)
            (self.linked_dirs if is_link else self.stack).append(found)
            return
        try:
            # DirEntry caches this; for a symlink it is the target's stat (is_dir() made it).
            file_stat = entry.stat()
        except OSError as exc:
            if is_link:
                self._skip(
                    path,
                    SkipReason.UNREADABLE,
                    f"'{path}' is a symbolic link whose target cannot be read "
                    f"({_os_reason(exc)}), so it was skipped.",
                )
            else:
                self._unreadable(path, exc)
            return
        if not stat.S_ISREG(file_stat.st_mode):
            # FIFOs, sockets and devices: reading one could block or never end.
            self._skip(
                path,
                SkipReason.UNREADABLE,
                f"'{path}' is not a regular file, so it was skipped.",
            )
            return
        if _is_dataless(file_stat):
            self._skip(
                path,
                SkipReason.ICLOUD_EVICTED,
                f"'{path}' has been offloaded to iCloud and reading it would force a download, "
                "so it was skipped; download it in Finder to include it.",
            )
            return
        source = SourceFile(
            path=path,
            disk_path=entry.path,
            size=file_stat.st_size,
            mtime_ns=file_stat.st_mtime_ns,
            is_note=nfc_name[-3:].lower() == ".md",
        )
        self.found.append((raw, source, self.has_ignore and self.ignore.matches(path)))

    def _icloud_stub(self, folder: _Dir, stub: str, names: _LazyNames) -> None:
        real = stub[1 : -len(_ICLOUD_SUFFIX)]
        # With the real file present the placeholder is stale and the note is scanned as usual.
        if not real or real.startswith(".") or real in names.get():
            return
        path = _join(folder.path, real)
        if self.extra.matches(path):
            return
        self._skip(
            path,
            SkipReason.ICLOUD_STUB,
            f"'{path}' is stored only in iCloud (the folder holds just the placeholder "
            f"'{stub}'), so it was not read; download it in Finder to include it.",
        )

    def _inside(self, real_target: str) -> bool:
        root = self.root_real.rstrip(os.sep) + os.sep
        if real_target == self.root_real or real_target.startswith(root):
            return True
        # The spelling can differ while the folder is the same (case-insensitive file systems,
        # bind mounts), so fall back to comparing folder identities up the target's parents.
        current = real_target
        while True:
            try:
                current_stat = os.stat(current)
                if (current_stat.st_dev, current_stat.st_ino) == self.root_id:
                    return True
            except OSError:
                pass
            parent = os.path.dirname(current)
            if parent == current:
                return False
            current = parent

    def _unreadable(self, path: str, exc: OSError) -> None:
        self._skip(
            path,
            SkipReason.UNREADABLE,
            f"Could not read '{path}' ({_os_reason(exc)}), so it was skipped.",
        )

    def _skip(self, path: str, reason: SkipReason, message: str, cannot_list: str = "") -> None:
        self.skipped.append(Skipped(path, reason.value, message, cannot_list))


# --- small helpers -------------------------------------------------------------------------

_new_tuple = tuple.__new__


class _LazyNames:
    """The NFC names of one folder's entries, listed only if an iCloud placeholder asks."""

    __slots__ = ("_entries", "_names")

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self._entries = entries
        self._names: set[str] | None = None

    def get(self) -> set[str]:
        if self._names is None:
            self._names = {_nfc(e.name) for e in self._entries if _is_utf8(e.name)}
        return self._names


def _is_dataless(file_stat: os.stat_result) -> bool:
    """Whether the file's contents are not on this disk (iCloud "Optimize Mac Storage")."""
    flags: int | None = getattr(file_stat, "st_flags", None)
    if flags is not None and flags & _SF_DATALESS:
        return True
    # Since macOS 12.3 an evicted file keeps its size but occupies no blocks (B7).
    blocks: int | None = getattr(file_stat, "st_blocks", None)
    return blocks is not None and blocks == 0 and file_stat.st_size > 0


def _nfc(text: str) -> str:
    # macOS has stored names decomposed (NFD); Linux and Windows keep what they were given.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _is_utf8(name: str) -> bool:
    # os.fsdecode turns undecodable bytes into lone surrogates, which no later stage can store.
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(text: str) -> str:
    """``text`` fit to print and store: the bytes of a name that is not UTF-8 (which
    ``os.fsdecode`` keeps as lone surrogates) written as ``\\xNN`` escapes."""
    if _is_utf8(text):
        return text
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a lone surrogate that did not come from undecodable bytes
        return text.encode("utf-8", "backslashreplace").decode("ascii")


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _os_reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__
