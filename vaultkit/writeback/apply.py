"""Carrying out a planned write: atomic, only on change, never over a save, inside the vault.

:func:`apply` writes one plan (:mod:`vaultkit.writeback.plan`): the target must still hold what
it was planned from (else CONFLICT with :data:`CHANGED_MESSAGE`: plan again), a note of the
user's must have been left alone for the quiet period, a target whose path leads outside the
vault once symbolic links are resolved is refused, and with ``--force`` the file as it was is
first saved under the backups folder. The replace itself, step by step against an editor
saving at the same moment, is :mod:`vaultkit.writeback.checked`. Temp files a killed vaultkit
left beside the target are cleared first, unless they hold text of the user's
(:func:`clear_leftovers`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from vaultkit.files import NotRegularFileError
from vaultkit.writeback import checked as checked_write
from vaultkit.writeback import temps as temps
from vaultkit.writeback.checked import ChangedError, DeferredError, KeptCopyError
from vaultkit.writeback.plan import Planned, error_text, read_generated, unless_hard_linked
from vaultkit.writeback.reading import BeingWrittenError, Seen, quiet_left, read_stable
from vaultkit.writeback.regions import BOM, WriteStatus, locate_regions, split_lines
from vaultkit.writeback.temps import MetadataError

CHANGED_MESSAGE = "changed while vaultkit was writing; run again"
"""The CONFLICT message of a write a save got in before: nothing was written; plan again."""


def _debug(message: str, *args: object) -> None:
    # Only a program that set up logging can show a debug line, and it has imported logging
    # to do so; the hook, which never does, is spared the ~8 ms that importing it costs.
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).debug(message, *args)


def _confine(path: Path, vault: Path) -> tuple[Path, Path]:
    """(resolved target, resolved vault root); ValueError if the target leaves the vault."""
    try:
        root = vault.resolve()
        target = (path if path.is_absolute() else vault / path).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise ValueError(f"cannot resolve {path}: {_reason_any(exc)}") from exc
    if target == root or not target.is_relative_to(root):
        raise ValueError(
            f"{path} leads outside the vault {vault} once symlinks are resolved; "
            "vaultkit writes only inside the vault"
        )
    return target, root


def _reason_any(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return error_text(exc)
    return "a symlink loop" if "loop" in str(exc).lower() else str(exc)


def _backup(old: bytes, target: Path, root: Path, backup_dir: Path) -> Path:
    relative = target.relative_to(root)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dest = backup_dir / relative.parent / f"{relative.name}.{stamp}.bak"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("xb") as handle:  # "x": never overwrite an earlier backup
        handle.write(old)
        handle.flush()
        os.fsync(handle.fileno())
    return dest


def _outside_regions(data: bytes) -> bytes | None:
    """The note's bytes with every region's content left out (None: markers are broken)."""
    lines = split_lines(data[len(BOM) :] if data.startswith(BOM) else data)
    found, problems = locate_regions(data)
    if problems:
        return None
    # The end markers go too: they carry the hash of what was inside.
    inside = {i for region in found for i in range(region.begin + 1, region.end + 1)}
    return b"\n".join(line.content for i, line in enumerate(lines) if i not in inside)


def _disposable(planned: Planned) -> Callable[[bytes], bool]:
    """Whether a temp file left by a crash beside ``planned.path`` holds nothing of the user's.

    It holds either vaultkit's output or the note it displaced: disposable when it differs
    from the note as planned from only inside vaultkit's regions (or is a generated file).
    """
    if not planned.note:
        return lambda data: (
            read_generated(data[len(BOM) :] if data.startswith(BOM) else data) is not None
        )
    ours = _outside_regions(planned.old or b"")
    return lambda data: ours is not None and _outside_regions(data) == ours


def clear_leftovers(planned: Planned) -> Planned:
    """Clear the temp files a killed vaultkit left beside a file that needs no write now.

    A kill between the exchange and its clean-up leaves the displaced note under a temp name
    while the note itself is already current, so no write comes along to clear it. Like
    :func:`apply`, it deletes only what holds nothing of the user's; the rest is kept as a
    conflict copy, named in the returned plan's message.
    """
    if planned.old is None or planned.status is not WriteStatus.UNCHANGED:
        return planned
    kept = temps.remove_stale_temps(planned.path, _disposable(planned))
    return planned._replace(message=_kept_message(kept)) if kept else planned


def _kept_message(kept: list[Path]) -> str:
    names = ", ".join(f"'{copy.name}'" for copy in kept)
    return (
        f"an interrupted earlier write left text of yours, kept as {names}; merge it into the "
        "note and delete it"
    )


def _with(
    planned: Planned, status: WriteStatus, message: str, retry_at: float | None = None
) -> Planned:
    return planned._replace(new=None, status=status, message=message, line=None, retry_at=retry_at)


def apply(
    planned: Planned,
    *,
    vault: Path,
    backup_dir: Path | None = None,
    quiet_seconds: float = 0.0,
) -> Planned:
    """Write ``planned.new``, unless the file is no longer what it was planned from.

    Returns the plan as carried out: its own status on success (``seen`` then describes the
    file as written); CONFLICT with
    :data:`CHANGED_MESSAGE` if a save got in first (nothing written: plan again); DEFERRED if
    ``planned`` is a note of the user's that changed less than ``quiet_seconds`` ago
    (``retry_at`` says when to try again); CONFLICT naming the copy if a save had to be kept
    as a conflict copy; ERROR with the reason for anything else (the file untouched, no temp
    file left), including a target that leads outside the vault.
    """
    if planned.new is None or planned.status is WriteStatus.ERROR or planned.new == planned.old:
        return planned
    try:
        target, root = _confine(planned.path, vault)
    except ValueError as exc:
        return _with(planned, WriteStatus.ERROR, str(exc))
    try:
        kept = temps.remove_stale_temps(target, _disposable(planned))
    except OSError as exc:
        return _with(
            planned, WriteStatus.ERROR, f"could not write {target.name}: {error_text(exc)}"
        )
    result = _apply(planned, target, root, backup_dir, quiet_seconds)
    if kept and result.message != CHANGED_MESSAGE:  # a retry must still see CHANGED_MESSAGE
        message = "; ".join(part for part in (result.message, _kept_message(kept)) if part)
        return result._replace(message=message)
    return result


def _apply(
    planned: Planned, target: Path, root: Path, backup_dir: Path | None, quiet_seconds: float
) -> Planned:
    try:
        done = _write(planned, target, root, backup_dir, quiet_seconds)
    except (ChangedError, BeingWrittenError, FileNotFoundError):
        return _with(planned, WriteStatus.CONFLICT, CHANGED_MESSAGE)
    except DeferredError as exc:
        return _with(
            planned,
            WriteStatus.DEFERRED,
            f"{target.name} was changed {max(exc.age, 0):.1f} s ago; vaultkit updates its "
            f"regions once it has been left alone for {quiet_seconds:g} s",
            retry_at=exc.retry_at,
        )
    except KeptCopyError as exc:
        return _with(
            planned,
            WriteStatus.CONFLICT,
            f"a save landed while vaultkit wrote {target.name}; it is kept as "
            f"'{exc.copy.name}' beside the note, so merge it into the note and delete it",
        )
    except MetadataError as exc:
        return _with(planned, WriteStatus.ERROR, str(exc))
    except NotRegularFileError as exc:
        return _with(
            planned,
            WriteStatus.ERROR,
            f"{target.name} is not a note ({exc.strerror}); vaultkit neither reads nor replaces it",
        )
    except OSError as exc:
        return _with(
            planned,
            WriteStatus.ERROR,
            f"could not write {target.name}: {error_text(exc)}; the file is unchanged",
        )
    if isinstance(done, Planned):
        return done
    _debug("wrote %s (%s)", target, planned.status)
    return planned._replace(seen=Seen.of(done))


def _write(
    planned: Planned, target: Path, root: Path, backup_dir: Path | None, quiet_seconds: float
) -> os.stat_result | Planned:
    """Carry the write out: the new file's state, or the plan refused (read-only, hard-linked,
    no backup). Raises what :func:`_apply` turns into a status (a save got in first, the note
    is not quiet, a save kept as a copy, an OS failure)."""
    assert planned.new is not None
    if planned.old is None:
        if os.path.lexists(target):
            raise ChangedError
        return checked_write.create_new(target, planned.new)
    data, seen = read_stable(target)
    if data != planned.old:
        raise ChangedError
    quiet = quiet_seconds if planned.note else 0.0
    if (left := quiet_left(seen, quiet)) > 0:
        raise DeferredError(time.time() + left, quiet - left)
    if not os.access(target, os.W_OK):
        # A read-only note is the user saying "do not touch"; rename would bypass it.
        return _with(
            planned, WriteStatus.ERROR, f"{target.name} is read-only; vaultkit leaves it alone"
        )
    if seen.nlink > 1:
        return unless_hard_linked(planned._replace(seen=seen))
    if backup_dir is not None:
        try:
            saved = _backup(planned.old, target, root, backup_dir)
        except OSError as exc:
            return _with(
                planned,
                WriteStatus.ERROR,
                f"could not save a backup of {target.name} in {backup_dir}: "
                f"{error_text(exc)}; nothing was written",
            )
        _debug("backed up %s to %s", target, saved)
    return checked_write.replace_checked(target, planned.new, planned.old, seen, quiet=quiet)


def remove_file(planned: Planned, *, vault: Path, backup_dir: Path | None = None) -> Planned:
    """Remove the file ``planned.old`` was read from, if it still holds exactly that.

    For a generated file vaultkit retires (``adopt``, ``remove-dashboards``). A file changed
    since it was read is left (CONFLICT with :data:`CHANGED_MESSAGE`); with ``backup_dir`` the
    file is first saved there as ``--force`` saves what it overwrites. Returns the plan with
    status WRITTEN and message ``removed`` when the file is gone.
    """
    try:
        target, root = _confine(planned.path, vault)
    except ValueError as exc:
        return _with(planned, WriteStatus.ERROR, str(exc))
    try:
        data, _ = read_stable(target)
        if data != planned.old:
            return _with(planned, WriteStatus.CONFLICT, CHANGED_MESSAGE)
        if backup_dir is not None:
            saved = _backup(data, target, root, backup_dir)
            _debug("backed up %s to %s", target, saved)
        target.unlink()
    except FileNotFoundError:
        pass
    except BeingWrittenError:
        return _with(planned, WriteStatus.CONFLICT, CHANGED_MESSAGE)
    except OSError as exc:
        return _with(planned, WriteStatus.ERROR, f"not removed: {error_text(exc)}")
    return planned._replace(status=WriteStatus.WRITTEN, message="removed")
