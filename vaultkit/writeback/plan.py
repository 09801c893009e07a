"""Planning a write: what a dashboard's target holds now, what it should hold, and why.

Two kinds of target (design section 8): named regions inside a note of the user's
(:func:`plan_regions`, spliced by :mod:`vaultkit.writeback.regions`), and whole generated files,
recognised by a ``%% vaultkit:file NAME HASH %%`` header line (:func:`plan_file`), so that a
user's own note at a dashboard's path is never overwritten. Planning only reads, through
:func:`vaultkit.writeback.reading.read_stable`; :func:`vaultkit.writeback.apply.apply` carries
a plan out.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from vaultkit import markers
from vaultkit.files import NotRegularFileError
from vaultkit.writeback.reading import BeingWrittenError, Seen, read_stable
from vaultkit.writeback.regions import (
    BOM,
    Line,
    RegionContent,
    WriteStatus,
    eol_style_of,
    first_line,
    splice_regions,
    split_lines,
    to_lf,
)


class Planned(NamedTuple):
    """One file's planned write: what it holds now, what it should hold, and why."""

    path: Path
    old: bytes | None
    """The bytes read while planning; None when the file did not exist."""
    new: bytes | None
    """The bytes to write; None when there is nothing to write. A CONFLICT may still carry
    bytes: the note's other regions updated, the hand-edited one left as it is."""
    status: WriteStatus
    message: str = ""
    """For CONFLICT and ERROR: one sentence saying what is wrong and what to do."""
    line: int | None = None
    """1-based line the message refers to, when there is one."""
    seen: Seen | None = None
    """The file as it was read while planning (identity, size, times, owner)."""
    note: bool = False
    """A note of the user's holding regions, not a generated file: the quiet period applies."""
    retry_at: float | None = None
    """For DEFERRED: when (seconds since the epoch) the note will have been quiet long enough."""


def error_text(exc: OSError) -> str:
    """An ``OSError`` in a few words, for a message."""
    return exc.strerror or str(exc)


def on_disk(path: Path) -> Path:
    """``path``, or the existing file or folder whose name differs from it only in Unicode form.

    Targets are NFC, but a vault synced from a Mac may hold NFD names, and Linux file systems
    tell the two apart: writing the NFC name would put a second, identical-looking note beside
    the user's (and conflict on every Mac it syncs back to).
    """
    if os.path.lexists(path) or path.parent == path:
        return path
    parent = on_disk(path.parent)
    wanted = unicodedata.normalize("NFC", path.name)
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if unicodedata.normalize("NFC", entry.name) == wanted:
                return parent / entry.name
    return parent / path.name


def plan_regions(path: Path, regions: Sequence[RegionContent], *, force: bool = False) -> Planned:
    """Plan the update of ``regions`` inside the existing note at ``path``."""
    path = on_disk(path)
    read = read_for_plan(path, note=True)
    if isinstance(read, Planned):
        return read
    if read is None:
        return Planned(
            path,
            None,
            None,
            WriteStatus.ERROR,
            f"{path.name} does not exist; create the note and add the region markers to it",
            note=True,
        )
    data, seen = read
    new, outcomes = splice_regions(data, regions, force=force)
    if new is None:
        return Planned(
            path,
            data,
            None,
            WriteStatus.ERROR,
            "; ".join(message for _, message, _ in outcomes),
            outcomes[0][2] if outcomes else None,
            seen,
            True,
        )
    changed = new != data
    conflicts = [outcome for outcome in outcomes if outcome[0] is WriteStatus.CONFLICT]
    # With a conflict, ``new`` still carries the other regions' updates: the hand-edited
    # region is left as is, the rest of the note stays current.
    status = (
        WriteStatus.CONFLICT
        if conflicts
        else WriteStatus.WRITTEN
        if changed
        else WriteStatus.UNCHANGED
    )
    reported = conflicts or [o for o in outcomes if o[0] is WriteStatus.WRITTEN and o[1]]
    return unless_hard_linked(
        Planned(
            path,
            data,
            new if changed else None,
            status,
            "; ".join(message for _, message, _ in reported),
            reported[0][2] if reported else None,
            seen,
            True,
        )
    )


def read_for_plan(path: Path, *, note: bool) -> tuple[bytes, Seen] | Planned | None:
    """The file's bytes and state; None if it does not exist; a Planned ERROR or DEFERRED
    when it cannot be planned from now."""
    try:
        data, seen = read_stable(path)
    except FileNotFoundError:
        return None
    except BeingWrittenError:
        return Planned(
            path,
            None,
            None,
            WriteStatus.DEFERRED,
            f"{path.name} is being written right now; vaultkit writes into it once it is quiet",
            note=note,
            retry_at=time.time(),
        )
    except NotRegularFileError as exc:
        return Planned(
            path,
            None,
            None,
            WriteStatus.ERROR,
            f"{path.name} is not a note ({exc.strerror}); vaultkit neither reads nor replaces "
            "it, so remove it or choose another target",
            note=note,
        )
    except OSError as exc:
        return Planned(
            path,
            None,
            None,
            WriteStatus.ERROR,
            f"could not read {path.name}: {error_text(exc)}",
            note=note,
        )
    return data, seen


def unless_hard_linked(planned: Planned) -> Planned:
    """``planned``, or an ERROR when writing it would cut a hard-linked file off its links."""
    seen = planned.seen
    if planned.new is None or seen is None or seen.nlink <= 1:
        return planned
    return planned._replace(
        new=None,
        status=WriteStatus.ERROR,
        message=f"{planned.path.name} has {seen.nlink} hard links, and replacing it would cut "
        "it off from the others; vaultkit leaves it alone, so make it a single file (or a "
        "symlink) or choose another target",
        line=None,
    )


_HEADER = markers.FILE_HEADER_BYTES


def _frontmatter_end(lines: Sequence[Line]) -> int | None:
    """Index of the line closing a leading front matter block, if the file starts with one."""
    if not lines or lines[0].content.rstrip(b" \t") != b"---":
        return None
    for index in range(1, len(lines)):
        if lines[index].content.rstrip(b" \t") == b"---":
            return index
    return None


def _header_index(lines: Sequence[Line]) -> int:
    # Obsidian reads properties only from the very first line, so a generated file with front
    # matter carries its header just after the block instead of on line 1.
    closing = _frontmatter_end(lines)
    return 0 if closing is None else closing + 1


def _generated_bytes(body: bytes, name: str, eol: bytes) -> bytes:
    header = f"%% vaultkit:file {name} {markers.hash_bytes(body)} %%\n".encode()
    first = first_line(body)
    if first is not None and first.content.rstrip(b" \t") == b"---":
        lines = split_lines(body)
        at = _header_index(lines)
        if at and not lines[at - 1].eol:
            at = 0  # front matter without a newline after it: keep the header first
        raw = [line.content + line.eol for line in lines]
        out = b"".join([*raw[:at], header, *raw[at:]])
    else:
        out = header + body  # no front matter: the header is the first line
    # ``body`` holds no CRLF (normalised), so this conversion is exactly reversible.
    return out.replace(b"\n", b"\r\n") if eol == b"\r\n" else out


def read_generated(rest: bytes) -> tuple[str, bytes] | None:
    """(stored hash, content without the header line) of a generated file, else None."""
    first = first_line(rest)
    if first is not None and (match := _HEADER.fullmatch(first.content)):
        return match[2].decode("ascii"), rest[len(first.content) + len(first.eol) :]
    lines = split_lines(rest)
    for at in dict.fromkeys((0, _header_index(lines))):
        if at < len(lines) and (match := _HEADER.fullmatch(lines[at].content)):
            break
    else:
        return None
    content = b"".join(line.content + line.eol for i, line in enumerate(lines) if i != at)
    return match[2].decode("ascii"), content


def plan_file(path: Path, text: str, *, force: bool = False) -> Planned:
    """Plan a whole generated file: ``text`` plus a ``%% vaultkit:file NAME HASH %%`` header.

    A new file is written with LF endings; an existing generated file keeps its BOM and
    line-ending style (so git's autocrlf never makes it churn). A file at ``path`` without
    the header is the user's own note: CONFLICT, even with ``force``.
    """
    path = on_disk(path)
    body = to_lf(text).encode("utf-8")
    name = re.sub(r"[\s%]+", " ", unicodedata.normalize("NFC", path.stem)).strip() or "file"
    read = read_for_plan(path, note=False)
    if isinstance(read, Planned):
        return read
    if read is None:
        return Planned(path, None, _generated_bytes(body, name, b"\n"), WriteStatus.CREATED)
    old, seen = read
    bom = BOM if old.startswith(BOM) else b""
    rest = old[len(bom) :]
    new = bom + _generated_bytes(body, name, eol_style_of(rest, b"\n"))
    if new == old:
        return Planned(path, old, None, WriteStatus.UNCHANGED, seen=seen)
    generated = read_generated(rest)
    if generated is None:
        return Planned(
            path,
            old,
            None,
            WriteStatus.CONFLICT,
            f"{path.name} is a note of yours, not a file vaultkit generated (it has no "
            "'%% vaultkit:file' header line), so vaultkit will not overwrite it; choose "
            "another target or move the note",
            1,
            seen,
        )
    stored, content = generated
    content = content.replace(b"\r\n", b"\n")
    if content != body and markers.hash_bytes(content) != stored:
        if not force:
            return Planned(
                path,
                old,
                None,
                WriteStatus.CONFLICT,
                f"{path.name} was edited by hand since vaultkit generated it; vaultkit left it "
                "as is, so move your text to another note or use --force to overwrite it",
                1,
                seen,
            )
        return unless_hard_linked(
            Planned(
                path,
                old,
                new,
                WriteStatus.WRITTEN,
                f"{path.name} was edited by hand; overwritten",
                seen=seen,
            )
        )
    return unless_hard_linked(Planned(path, old, new, WriteStatus.WRITTEN, seen=seen))
