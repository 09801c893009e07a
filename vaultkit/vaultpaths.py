"""Where vaultkit keeps its own files for a vault, and the rules that keep them its own.

Every entry point (each command, the hook, the watcher) builds one :class:`VaultPaths` record
and passes it down: the sync, the indexer, the lock, the stamp and the
write-back's backups take their paths from it and decide none themselves.

This module is the one home of three decisions (design sections 6, 8 item 12 and 9):

* **the index**: ``--index FILE`` on the command line, else ``[vault] index`` in
  ``.vaultkit/config.toml``, else ``<user cache folder>/vaultkit/<vault name>-<hash>.sqlite3``
  (:func:`resolve_index`);
* **the writer lock**: ``<vault>/.vaultkit/lock``, where every vaultkit finds it whatever its
  cache folder (:attr:`VaultPaths.lock_file`);
* **the compiled templates**: ``<user cache folder>/vaultkit/templates-compiled/``
  (:attr:`VaultPaths.templates_cache`), never beside a configured index.

The rules for an index path (``config.toml`` travels with a shared vault, so its index key is
untrusted input):

1. A config value has ``~`` expanded; a relative one is relative to ``<vault>/.vaultkit/``
   (not to the current folder, which changes with whoever runs vaultkit).
2. ``--index`` has ``~`` expanded and is relative to the current folder, as a command line is.
3. Either one, once symbolic links are resolved, must not lie in the vault outside
   ``.vaultkit/``, nor be one of vaultkit's other files there (``config.toml``, ``lock``,
   ``templates/``, ``backups/``): the index would replace a note. For the config this is a
   configuration error naming the key (and its line when ``vaultkit.config.load`` checks it).
4. Whatever is at the path must be a regular file or nothing: a folder, a FIFO or a device
   (``/dev/null``) is an error, whoever named it.

Whether a regular file there is vaultkit's index, and so may be rebuilt, is decided by
:func:`vaultkit.index.ownership.index_owner`, which needs ``sqlite3``. This module imports nothing
heavy: the hook's fast path and the warm-sync shortcut use it on every call.
"""

from __future__ import annotations

import os
import re
import stat
from functools import cache
from pathlib import Path
from typing import NamedTuple

from vaultkit.errors import ConfigError, VaultkitError
from vaultkit.files import read_regular
from vaultkit.speedups import sha256
from vaultkit.vault import is_inside

CACHE_ENV = "VAULTKIT_CACHE_DIR"
"""A folder that replaces the user cache folder (for the default index and compiled templates)."""
VAULTKIT_DIR = ".vaultkit"
"""vaultkit's folder in the vault: config, templates, backups and the lock."""
CONFIG_PATH = Path(VAULTKIT_DIR, "config.toml")
"""The config file, relative to the vault."""
TEMPLATES_PATH = Path(VAULTKIT_DIR, "templates")
"""The user's templates, relative to the vault (same-named files override the built-ins)."""
BACKUPS_PATH = Path(VAULTKIT_DIR, "backups")
"""Where ``--force`` saves what it overwrites, relative to the vault."""
LOCK_PATH = Path(VAULTKIT_DIR, "lock")
"""The writer lock, relative to the vault (see :mod:`vaultkit.sync.lock`)."""
RESERVED = frozenset(p.name for p in (CONFIG_PATH, TEMPLATES_PATH, BACKUPS_PATH, LOCK_PATH))
"""vaultkit's other files in :data:`VAULTKIT_DIR`, where an index may not go."""
_CONFIG_SHOWN = CONFIG_PATH.as_posix()


class IndexPath(NamedTuple):
    """Where one vault's index lives."""

    path: Path
    default: bool
    """True for the default location, in vaultkit's own cache folder: a file there that is not
    recognisably another program's is rebuilt silently (design section 6). At a location the
    user chose, only a file that is provably vaultkit's index is ever deleted or rebuilt."""


class IndexPathError(VaultkitError):
    """An index path that breaks the rules of this module (exit 2)."""


def cache_folder() -> Path:
    """``VAULTKIT_CACHE_DIR``, else the user cache folder's ``vaultkit`` folder."""
    base = os.environ.get(CACHE_ENV)
    if base:
        return Path(base).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))


def default_index_path(vault: Path) -> Path:
    """``<cache folder>/<vault name>-<12 hex digits of its path's SHA-256>.sqlite3``."""
    resolved = vault.resolve()
    digest = sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", resolved.name).strip("-") or "vault"
    return cache_folder() / f"{name}-{digest}.sqlite3"


def vaultkit_folder(vault: Path) -> Path:
    """``<vault>/.vaultkit`` (which may not exist yet), refused when it is not a folder or is
    a symbolic link leading out of the vault: vaultkit's lock and a relative index go in
    there, and vaultkit writes nothing outside the vault that the vault can choose."""
    folder = vault / VAULTKIT_DIR
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return folder
    except OSError as exc:
        raise VaultkitError(
            f"cannot be read ({exc.strerror}); check its permissions", path=str(folder)
        ) from None
    if stat.S_ISLNK(info.st_mode):
        real = os.path.realpath(folder)
        if not is_inside(real, os.path.realpath(vault)):
            raise VaultkitError(
                f"leads outside the vault (to {real}), a link where vaultkit keeps its lock, "
                "index and backups; vaultkit never writes outside the vault, so nothing was "
                "written: replace the link with a real folder",
                path=str(folder),
            )
        if os.path.isdir(real):
            return folder
    elif stat.S_ISDIR(info.st_mode):
        return folder
    raise VaultkitError(
        "is not a folder; vaultkit keeps its settings and lock in this folder: move the file away",
        path=str(folder),
    )


def _checked(vault: Path, path: Path, shown: str) -> Path:
    """``path`` with its links resolved, refused when it lies in the vault outside
    ``.vaultkit/`` or on one of vaultkit's own files there (rule 3). ``shown``: the path as
    the user wrote it, for the message."""
    real = os.path.realpath(path)
    vault_real = os.path.realpath(vault)
    if is_inside(real, vault_real):
        own = os.path.join(vault_real, VAULTKIT_DIR)
        if not is_inside(real, own) or os.path.realpath(own) == real:
            raise IndexPathError(
                f"{shown!r} lies in the vault, outside {VAULTKIT_DIR}/, where the index "
                "would replace a note of yours; give a path in .vaultkit/ or outside the vault"
            )
        part = _first_part(real, os.path.realpath(own))
        if part in RESERVED:
            raise IndexPathError(
                f"{shown!r} is vaultkit's own {VAULTKIT_DIR}/{part}, not a place for the "
                "index; give another file name"
            )
    return Path(real)


def _first_part(path: str, folder: str) -> str | None:
    try:
        parts = Path(path).relative_to(folder).parts
    except ValueError:
        return None
    return parts[0] if parts else None


def configured_index(vault: Path, value: str) -> Path:
    """The index file a ``[vault] index`` value names (rules 1 and 3), links resolved.

    Raises :class:`IndexPathError` (or a :class:`VaultkitError` about ``.vaultkit``) with a
    message that does not name the config: :mod:`vaultkit.config.load` adds the key and line.
    """
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = vaultkit_folder(vault) / path
    return _checked(vault, path, value)


def check_index_file(path: Path) -> None:
    """Rule 4: what is at ``path`` is a regular file or nothing."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        kind = "path through a file"
    except OSError as exc:
        raise IndexPathError(
            f"the index cannot be read ({exc.strerror}); check its permissions", path=str(path)
        ) from None
    else:
        if stat.S_ISREG(info.st_mode):
            return
        if stat.S_ISDIR(info.st_mode):
            kind = "folder"
        elif stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            kind = "device"
        elif stat.S_ISFIFO(info.st_mode):
            kind = "named pipe"
        else:
            kind = "special file"
    raise IndexPathError(
        f"is a {kind}, not an index file, and vaultkit leaves it alone; point [vault] index "
        f"in {_CONFIG_SHOWN} (or --index) at a file path",
        path=str(path),
    )


@cache
def _unset_index() -> re.Pattern[bytes]:
    """A line where "index" appears but sets nothing: a comment, or ``index = ""`` (as written
    by ``vaultkit init``). Compiled on first use: most configs never name "index"."""
    return re.compile(rb"""[ \t]*(?:#.*|index[ \t]*=[ \t]*(?:""|'')[ \t]*(?:#.*)?)\r?""")


def _configured_value(vault: Path) -> str:
    """The config's ``[vault] index``, read without the config module (which sits above this
    one, and costs the warm-sync shortcut ~20 ms) and without even a TOML parser for a config
    that does not set it. A config that cannot be read, or an index that is not a string,
    counts as unset here: the command's own ``load_config`` reports it, with its line."""
    try:
        raw = read_regular(vault / CONFIG_PATH)
    except OSError:
        return ""
    if b"index" not in raw or all(
        _unset_index().fullmatch(line) for line in raw.split(b"\n") if b"index" in line
    ):
        return ""
    import tomllib

    try:
        table = tomllib.loads(raw.decode("utf-8")).get("vault", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError):
        return ""
    value = table.get("index", "") if isinstance(table, dict) else ""
    return value if isinstance(value, str) else ""


def _index_line(vault: Path) -> int | None:
    """The line of ``index =`` in the config's ``[vault]`` table, for the error message."""
    # Compiled here, not at import: only an error message needs them.
    table_line = re.compile(r"[ \t]*\[[ \t]*([^\]]*?)[ \t]*\][ \t]*(?:#.*)?")
    index_key = re.compile(r"[ \t]*index[ \t]*=")
    try:
        lines = read_regular(vault / CONFIG_PATH).decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    table = ""
    for number, line in enumerate(lines, start=1):
        if header := table_line.fullmatch(line):
            table = header[1]
        elif table == "vault" and index_key.match(line):
            return number
    return None


def resolve_index(
    vault: Path, *, override: str | Path | None = None, configured: str | None = None
) -> IndexPath:
    """Where ``vault``'s index lives: ``override`` (``--index``), else the config's value
    (``configured``; None reads it from the vault's config), else the cache folder.

    Raises :class:`IndexPathError` or :class:`ConfigError` (exit 2) when the path breaks a
    rule of this module.
    """
    default = default_index_path(vault)
    if override is not None and str(override):
        given = Path(override).expanduser()
        try:
            path = _checked(
                vault, given if given.is_absolute() else Path.cwd() / given, str(override)
            )
        except IndexPathError as exc:
            raise IndexPathError(f"--index: {exc.message}") from None
    else:
        value = _configured_value(vault) if configured is None else configured
        if value:
            try:
                path = configured_index(vault, value)
            except VaultkitError as exc:
                raise ConfigError(
                    f"key 'vault.index': {exc}", path=_CONFIG_SHOWN, line=_index_line(vault)
                ) from None
        else:
            path = default
    check_index_file(path)
    return IndexPath(path, path == default)


class VaultPaths:
    """Where vaultkit keeps one vault's files: built once per command, at its entry point, and
    passed to everything that reads or writes them. Read-only.

    ``index`` is ``--index`` (it overrides the config), ``configured`` the config's
    ``[vault] index`` when the caller has loaded the config (None: read it from
    :attr:`config_file` when the index is first asked for).

    A hand-written class, not a dataclass: the ``dataclasses`` import (with ``inspect``) would
    cost the warm-sync shortcut and the hook ~5 ms of the few they take.
    """

    __slots__ = (
        "_index",
        "backups",
        "config_file",
        "holder_file",
        "index_option",
        "index_setting",
        "lock_file",
        "root",
        "templates",
        "templates_cache",
    )

    root: Path
    """The vault folder."""
    config_file: Path
    """``<vault>/.vaultkit/config.toml``."""
    templates: Path
    """``<vault>/.vaultkit/templates``: the user's templates."""
    backups: Path
    """``<vault>/.vaultkit/backups``: where ``--force`` saves what it overwrites."""
    lock_file: Path
    """``<vault>/.vaultkit/lock``, where every vaultkit finds it whatever its cache folder; take
    it through :meth:`checked_lock_file`."""
    holder_file: Path
    """``<cache folder>/<vault name>-<hash>.lock.json``: who holds the lock. Rewritten on every
    run, so kept out of the vault, beside the default index whatever the configured one."""
    templates_cache: Path
    """``<cache folder>/templates-compiled``: compiled templates, never beside a configured
    index."""
    index_option: str | Path | None
    """``--index``, if given."""
    index_setting: str | None
    """The config's ``[vault] index`` this record was built for; None: the config file's."""
    _index: IndexPath | None

    def __init__(
        self, root: Path, *, index: str | Path | None = None, configured: str | None = None
    ) -> None:
        default = default_index_path(root)
        for name, value in (
            ("root", root),
            ("config_file", root / CONFIG_PATH),
            ("templates", root / TEMPLATES_PATH),
            ("backups", root / BACKUPS_PATH),
            ("lock_file", root / LOCK_PATH),
            ("holder_file", default.with_name(f"{default.stem}.lock.json")),
            ("templates_cache", default.parent / "templates-compiled"),
            ("index_option", index),
            ("index_setting", configured),
            ("_index", None),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"VaultPaths is read-only: {name} cannot be set")

    def __repr__(self) -> str:
        options = f"index={self.index_option!r}, configured={self.index_setting!r}"
        return f"VaultPaths({self.root!r}, {options})"

    @property
    def index(self) -> IndexPath:
        """Where the index lives (:func:`resolve_index`), decided the first time it is asked
        for, and only then: a sync asks at its start; the watcher takes the vault's lock before
        its config can be trusted. Raises as :func:`resolve_index` does."""
        if self._index is None:
            found = resolve_index(
                self.root, override=self.index_option, configured=self.index_setting
            )
            object.__setattr__(self, "_index", found)
            return found
        return self._index

    def with_index_setting(self, setting: str) -> VaultPaths:
        """The record for a config whose ``[vault] index`` is ``setting``: this one if it was
        built for that value (its index decided once), else a new one (the watcher's user
        edited the key)."""
        if setting == self.index_setting:
            return self
        return VaultPaths(self.root, index=self.index_option, configured=setting)

    def checked_lock_file(self) -> Path:
        """:attr:`lock_file`, once ``.vaultkit`` is known to be a folder of the vault's own
        (:func:`vaultkit_folder`): the lock is created there."""
        vaultkit_folder(self.root)
        return self.lock_file
