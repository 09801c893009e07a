"""Locating a vault and the notes named on the command line."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from vaultkit.errors import NoteNotFoundError, VaultkitError, VaultNotFoundError

CONFIG_DIR = ".obsidian"
"""Obsidian's config folder, which makes a folder a vault, unless the user overrides it (the
override is per device, so vaultkit cannot read it)."""
SETTINGS_FILES = (
    f"{CONFIG_DIR}/app.json",
    f"{CONFIG_DIR}/daily-notes.json",
    f"{CONFIG_DIR}/community-plugins.json",
    f"{CONFIG_DIR}/plugins/obsidian-tasks-plugin/data.json",
    f"{CONFIG_DIR}/plugins/periodic-notes/data.json",
)
"""Obsidian's settings files whose content changes what vaultkit reads (excluded files, the
daily notes' folder and format, which plugins are on, the Tasks plugin's global filter and
statuses, the Periodic Notes plugin's daily notes: :mod:`vaultkit.obsidian`): a change to one
is a change to the vault's inputs, for the sync stamp and the watcher alike."""


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it.

    Give real paths (symbolic links resolved) to ask where a path leads. Besides the names,
    the folders above ``path`` are compared with ``folder`` by device and inode, which also
    catches a path spelt in another case on a case-insensitive file system, or reached
    through a bind mount.
    """
    if Path(path).is_relative_to(folder):
        return True
    try:
        target = os.stat(folder)
    except OSError:
        return False
    current = path
    while True:
        try:
            if os.path.samestat(os.stat(current), target):
                return True
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


INIT_MARK = ".vaultkit/config.toml"
"""What ``vaultkit init`` writes, which makes any folder a vault for vaultkit (the config
lives there, :mod:`vaultkit.vaultpaths`); ``.vaultkit/`` alone does not, as a sync run on
the wrong folder by an older vaultkit left one behind."""


def is_vault(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a vault: it holds ``.obsidian/``, or ``vaultkit init`` made it one."""
    return os.path.isdir(os.path.join(folder, CONFIG_DIR)) or os.path.isfile(
        os.path.join(folder, INIT_MARK)
    )


def find_vault(start: Path) -> Path | None:
    """Walk up from ``start`` to the first vault (as git finds ``.git``)."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        if is_vault(folder):
            return folder
    return None


def chosen_vault(args: object) -> str | None:
    """The vault a command line names (an ``argparse.Namespace``): ``VAULT`` (``vault_dir``)
    or ``--vault DIR`` (``vault``), which every command takes (``vaultkit.cli.args.
    _vault_argument``); None when it names none. Naming two different vaults is an error."""
    positional: str | None = getattr(args, "vault_dir", None)
    option: str | None = getattr(args, "vault", None)
    if positional is None or option is None:
        return option if option is not None else positional
    if Path(positional).expanduser().resolve() != Path(option).expanduser().resolve():
        raise VaultkitError(
            f"two different vaults given: VAULT {positional!r} and --vault {option!r}; "
            "name the vault once"
        )
    return option


def vault_root(explicit: str | None, hint: Path | None = None, *, init: bool = False) -> Path:
    """The vault to work on: the one the command line names, else found above ``hint`` or the
    cwd.

    A named folder that is no vault is refused, naming the vault it lies in if any: vaultkit
    writes a ``Dashboards/`` folder into its vault, and one written into a plain folder or into
    a vault's subfolder (a typo) is clutter the user must find and delete. ``init`` makes a
    vault of any folder outside one.
    """
    if explicit is not None:
        root = Path(explicit).expanduser()
        if not root.exists():
            raise VaultNotFoundError(
                "does not exist; pass the vault folder (the one holding .obsidian/)",
                path=explicit,
            )
        if not root.is_dir():
            raise VaultNotFoundError(
                "is not a folder; pass the vault folder (the one holding .obsidian/)",
                path=explicit,
            )
        root = root.resolve()
        if is_vault(root):
            return root
        above = find_vault(root.parent)
        if above is not None:
            raise VaultNotFoundError(
                f"is a folder inside the vault {above}, not a vault; pass {above} instead",
                path=explicit,
            )
        if init:
            return root
        raise VaultNotFoundError(
            f"is not a vault (no {CONFIG_DIR}/ folder): open it as a vault in Obsidian first, "
            "or run vaultkit init on it to use it without Obsidian",
            path=explicit,
        )
    for start in (hint, Path.cwd()):
        if start is None:
            continue
        found = find_vault(start)
        if found is not None:
            return found
    raise VaultNotFoundError(
        f"no vault found: no {CONFIG_DIR}/ folder in {Path.cwd()} or above; "
        "name the vault (vaultkit COMMAND VAULT, or --vault DIR)"
    )


def leads_outside(vault: Path, rel: str) -> tuple[Path, str] | None:
    """The first existing path on the way from ``vault`` to its vault-relative ``rel`` (a
    POSIX path) that leads outside the vault once symbolic links are resolved, with where it
    leads; None when each one that exists stays inside.

    For the folders vaultkit creates and writes into (``.vaultkit/``, its backups): a part
    that does not exist yet will be made as a real folder inside its (checked) parent.
    """
    root = os.path.realpath(vault)
    inside = root.rstrip(os.sep) + os.sep
    current = os.path.abspath(vault)
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        current = os.path.join(current, part)
        if not os.path.lexists(current):
            return None
        real = os.path.realpath(current)
        if real != root and not real.startswith(inside):
            return Path(current), real
    return None


def relative_posix(vault: Path, path: Path) -> str:
    """Vault-relative POSIX form of ``path``, NFC-normalised."""
    relative = path.resolve().relative_to(vault)
    return unicodedata.normalize("NFC", relative.as_posix())


def locate_note(vault: Path, name: str) -> tuple[Path, str]:
    """Find a note by file path, vault path (``.md`` optional) or bare name."""
    candidates = [Path(name).expanduser()]
    if not candidates[0].is_absolute():
        candidates.append(vault / name)
        if not name.lower().endswith(".md"):
            candidates.append(vault / f"{name}.md")
    for candidate in candidates:
        if candidate.is_file():
            try:
                return candidate.resolve(), relative_posix(vault, candidate)
            except ValueError:
                raise VaultkitError(
                    f"is outside the vault {vault}; pass --vault with the folder holding it",
                    path=name,
                ) from None
    wanted = unicodedata.normalize("NFC", Path(name).name).lower()
    if not wanted.endswith(".md"):
        wanted += ".md"
    matches: list[Path] = []
    for folder, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for file in files:
            if unicodedata.normalize("NFC", file).lower() == wanted:
                matches.append(Path(folder) / file)
    if matches:
        # Obsidian prefers the shortest path when several notes share a name.
        best = min(matches, key=lambda p: (len(relative_posix(vault, p)), str(p)))
        return best.resolve(), relative_posix(vault, best)
    raise NoteNotFoundError(
        f"no such note in the vault {vault}; give its path, e.g. 'Folder/Note.md'",
        path=name,
    )
