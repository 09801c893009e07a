"""Write-back: splice generated text into notes and write files without losing a byte.

This module owns design section 8 (the write-back contract) at the byte level:

* named regions inside a note, between ``%% vaultkit:begin NAME %%`` and
  ``%% vaultkit:end NAME HASH %%`` lines: :func:`splice_regions` replaces only what lies
  between the markers, and the hash in the end marker reveals hand edits from the file alone;
* whole generated files, recognised by a ``%% vaultkit:file NAME HASH %%`` header line
  (:func:`plan_file`), so that a user's own note at a dashboard's path is never overwritten;
* the write itself (:func:`apply`): atomic, only on change, optimistic about concurrency,
  confined to the vault.

Planning only reads; :func:`apply` is the one function here that writes. Everything works on
bytes rather than decoded text, so a note with a BOM, CRLF or mixed line endings, Unicode line
separators or even bytes that are not valid UTF-8 comes back byte-identical outside its regions.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from vaultkit import markers
from vaultkit.files import NotRegularFileError
from vaultkit.parse.regions import scan as scan_regions
from vaultkit.writeback import checked as checked_write
from vaultkit.writeback.checked import TEMP_SUFFIX as TEMP_SUFFIX
from vaultkit.writeback.checked import (
    BeingWrittenError,
    ChangedError,
    DeferredError,
    KeptCopyError,
    MetadataError,
    Seen,
    read_stable,
)


def _debug(message: str, *args: object) -> None:
    # Only a program that set up logging can show a debug line, and it has imported logging
    # to do so; the hook, which never does, is spared the ~8 ms that importing it costs.
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).debug(message, *args)


BOM = b"\xef\xbb\xbf"
CHANGED_MESSAGE = "changed while vaultkit was writing; run again"


class WriteStatus(StrEnum):
    """What happened (or would happen) to one file or region."""

    UNCHANGED = "unchanged"
    WRITTEN = "written"
    CONFLICT = "conflict"
    ERROR = "error"
    CREATED = "created"
    DEFERRED = "deferred"
    """Not written yet: the note is being edited (design 8.10); written once it is quiet."""


class RegionContent(NamedTuple):
    """Generated text for one named region of a note."""

    name: str
    """The region's name as written in its markers (no whitespace, no ``%``)."""
    text: str
    """Generated markdown, ``\\n`` line endings, no markers."""


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


Outcome = tuple[WriteStatus, str, int | None]


# -- hashes and text normalisation ---------------------------------------------------------


_CRS_BEFORE_LF = re.compile(r"\r+\n|\r")
_hash_bytes = markers.hash_bytes
region_hash = markers.region_hash


def normalise_region_text(text: str) -> str:
    """The text exactly as it reads back between markers: LF endings and a final newline.

    The end marker sits on its own line, so a region's text always ends with a newline.
    """
    if text and not text.endswith("\n"):
        text += "\n"
    return _to_lf(text)


def _to_lf(text: str) -> str:
    # A CR is a line end of its own (as to Obsidian and markdown), and every CR just before a
    # line end goes with it: on disk it would read back as part of a CRLF, and the text would
    # no longer match its hash.
    return _CRS_BEFORE_LF.sub("\n", text)


# -- lines and fences --------------------------------------------------------------------------


class _Line(NamedTuple):
    content: bytes
    """The line without its ending."""
    eol: bytes
    """``\\r\\n``, ``\\n``, or empty for a last line without final newline."""


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _split_lines(body: bytes) -> list[_Line]:
    # CRLF, CR and LF each end a line, as they do for Obsidian (CodeMirror) and markdown-it,
    # so that these lines are the parser's (vaultkit.parse.regions counts the same way).
    lines: list[_Line] = []
    start = 0
    for end in _LINE_END.finditer(body):
        lines.append(_Line(body[start : end.start()], end[0]))
        start = end.end()
    if start < len(body):
        lines.append(_Line(body[start:], b""))
    return lines


def _eol_style(lines: Sequence[_Line], fallback: bytes) -> bytes:
    """The file's line-ending style: the majority of its endings (``fallback`` on a tie)."""
    crlf = sum(1 for line in lines if line.eol == b"\r\n")
    lf = sum(1 for line in lines if line.eol == b"\n")
    if crlf != lf:
        return b"\r\n" if crlf > lf else b"\n"
    return fallback or b"\n"


# -- markers ---------------------------------------------------------------------------------


class _Region(NamedTuple):
    name: bytes
    begin: int
    """0-based index of the begin marker line."""
    end: int
    """0-based index of the end marker line."""
    prefix: bytes
    """What precedes ``%%`` on the begin line (``> `` in a callout); every content line gets it."""
    end_prefix: bytes
    stored_hash: str | None


def _scan_regions(data: bytes) -> tuple[list[_Region], list[tuple[str, int]]]:
    """Every well-formed region of a note (as the parser finds them, :mod:`vaultkit.parse.
    regions`), plus (message, line) for each marker problem."""
    found, problems = scan_regions(data)
    body = data[len(BOM) :] if data.startswith(BOM) else data
    lines = _split_lines(body)
    regions = [
        _Region(
            region.name.encode("utf-8", "surrogateescape"),
            region.begin - 1,
            region.end - 1,
            _prefix(lines, region.begin - 1),
            _prefix(lines, region.end - 1),
            region.stored_hash,
        )
        for region in found
    ]
    return regions, [(problem.message, problem.line) for problem in problems]


def _prefix(lines: Sequence[_Line], index: int) -> bytes:
    match = markers.MARKER_LINE_BYTES.fullmatch(lines[index].content)
    assert match is not None, "a marker line the parser found must be one on disk"
    return match[1]


def _breaks_markers(text: bytes, prefix: bytes) -> str | None:
    """Why generated text would corrupt the markers around it, or None if it is safe.

    The text is tried between a pair of markers on its own: it is safe if that still reads
    as exactly one region holding exactly it.
    """
    begin, end = prefix + b"%% vaultkit:begin probe %%\n", prefix + b"%% vaultkit:end probe %%\n"
    probe = b"".join([begin, *_render(text, prefix, b"\n"), end])
    found, problems = scan_regions(probe)
    last = text.count(b"\n") + 2
    inside = [problem.line for problem in problems if 1 < problem.line < last]
    if inside:
        return f"its line {inside[0] - 1} is a vaultkit marker"
    if problems or len(found) != 1 or found[0].end != last:
        return (
            "it leaves a code fence open (or a comment or an HTML block), which would hide "
            "the end marker"
        )
    return None


# -- splicing --------------------------------------------------------------------------------


def _recover(lines: Sequence[_Line], prefix: bytes) -> tuple[bytes, bool]:
    """The region's text without prefix, LF endings; False if some line lacks the prefix."""
    bare = prefix.rstrip()
    parts: list[bytes] = []
    clean = True
    for line in lines:
        content = line.content
        if content.startswith(prefix):
            content = content[len(prefix) :]
        elif content == bare:
            content = b""  # an empty generated line is written as the prefix without its space
        else:
            clean = False
        parts.append(content + b"\n")
    return b"".join(parts), clean


def _render(text: bytes, prefix: bytes, eol: bytes) -> list[bytes]:
    bare = prefix.rstrip()  # no trailing whitespace on empty lines ("> " becomes ">")
    return [(prefix + line if line else bare) + eol for line in text.split(b"\n")[:-1]]


def splice_regions(
    data: bytes, regions: Sequence[RegionContent], *, force: bool = False
) -> tuple[bytes | None, list[Outcome]]:
    """Return the note's new bytes (None if it must be left alone) and each region's outcome.

    Bytes outside the requested regions come back identical; when nothing changes the very
    same ``data`` is returned. Marker problems, a missing region or generated text that would
    break the markers leave the note alone (None) with ERROR outcomes. A region edited by hand
    (text not matching its hash, or text in a region whose end marker has no hash yet) is a
    CONFLICT and stays as it is unless ``force``; a blank region is always filled. Raises
    ValueError for region names that cannot be written into a marker or are requested twice
    (a caller bug, not a user problem).
    """
    wanted: dict[bytes, tuple[str, bytes]] = {}
    for request in regions:
        if not markers.NAME.fullmatch(request.name):
            raise ValueError(f"region name {request.name!r} cannot be written into a marker")
        key = request.name.encode("utf-8")
        if key in wanted:
            raise ValueError(f"region {request.name!r} requested twice")
        wanted[key] = (request.name, normalise_region_text(request.text).encode("utf-8"))

    bom = BOM if data.startswith(BOM) else b""
    lines = _split_lines(data[len(bom) :])
    scanned, problems = _scan_regions(data)
    # The first pair of a name counts; a second is a problem reported above.
    found = {region.name: region for region in reversed(scanned)}
    if problems:
        return None, [(WriteStatus.ERROR, message, line) for message, line in problems]
    errors: list[Outcome] = []
    for key, (name, text) in wanted.items():
        if key not in found:
            errors.append(
                (
                    WriteStatus.ERROR,
                    f"no region {name} in this note; add the two marker lines where it should "
                    f"go: '%% vaultkit:begin {name} %%' and '%% vaultkit:end {name} %%'",
                    None,
                )
            )
        elif reason := _breaks_markers(text, found[key].prefix):
            errors.append(
                (
                    WriteStatus.ERROR,
                    f"the generated text for region {name} cannot be written because {reason}; "
                    "fix the template",
                    found[key].begin + 1,
                )
            )
    if errors:
        return None, errors

    outcomes: list[Outcome] = []
    replacements: dict[int, tuple[int, list[bytes]]] = {}  # begin index -> (end index, lines)
    for key, (name, text) in wanted.items():
        region = found[key]
        number = region.begin + 1
        current, clean = _recover(lines[region.begin + 1 : region.end], region.prefix)
        new_hash = _hash_bytes(text)
        if (current == text and clean) or not current.strip():
            # Filling a blank region or rewriting identical text loses nothing of the user's,
            # whatever the hash says: emptying a region is how a user asks for a fresh fill.
            edited = False
        elif region.stored_hash is None:
            # Never filled by vaultkit, yet it holds text: the user typed it.
            edited = True
        else:
            edited = not clean or _hash_bytes(current) != region.stored_hash
        if edited and not force:
            outcomes.append(
                (
                    WriteStatus.CONFLICT,
                    f"region {name} was edited by hand (its text no longer matches the hash "
                    f"in its end marker on line {region.end + 1}); vaultkit left it as is, so "
                    "move your text outside the markers or use --force to overwrite it",
                    number,
                )
            )
            continue
        if current == text and region.stored_hash == new_hash:
            outcomes.append((WriteStatus.UNCHANGED, "", number))
            continue
        end_line = lines[region.end]
        marker = b"%% vaultkit:end " + key + b" " + new_hash.encode("ascii") + b" %%"
        eol = _eol_style(lines, lines[region.begin].eol)
        new_lines = _render(text, region.prefix, eol)
        new_lines.append(region.end_prefix + marker + end_line.eol)
        replacements[region.begin] = (region.end, new_lines)
        message = f"region {name} was edited by hand; overwritten (--force)" if edited else ""
        outcomes.append((WriteStatus.WRITTEN, message, number))

    if not replacements:
        return data, outcomes
    out: list[bytes] = [bom]
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line.content + line.eol)
        if index in replacements:
            end, new_lines = replacements[index]
            out.extend(new_lines)
            index = end
        index += 1
    new = b"".join(out)
    return (data if new == data else new), outcomes


# -- planning --------------------------------------------------------------------------------


def _reason(exc: OSError) -> str:
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
    read = _read_for_plan(path, note=True)
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
    return _unless_hard_linked(
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


def _read_for_plan(path: Path, *, note: bool) -> tuple[bytes, Seen] | Planned | None:
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
            f"could not read {path.name}: {_reason(exc)}",
            note=note,
        )
    return data, seen


def _unless_hard_linked(planned: Planned) -> Planned:
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


def _frontmatter_end(lines: Sequence[_Line]) -> int | None:
    """Index of the line closing a leading front matter block, if the file starts with one."""
    if not lines or lines[0].content.rstrip(b" \t") != b"---":
        return None
    for index in range(1, len(lines)):
        if lines[index].content.rstrip(b" \t") == b"---":
            return index
    return None


def _header_index(lines: Sequence[_Line]) -> int:
    # Obsidian reads properties only from the very first line, so a generated file with front
    # matter carries its header just after the block instead of on line 1.
    closing = _frontmatter_end(lines)
    return 0 if closing is None else closing + 1


def _generated_bytes(body: bytes, name: str, eol: bytes) -> bytes:
    lines = _split_lines(body)
    at = _header_index(lines)
    if at and not lines[at - 1].eol:
        at = 0  # front matter without a newline after it: keep the header first
    header = f"%% vaultkit:file {name} {_hash_bytes(body)} %%\n".encode()
    raw = [line.content + line.eol for line in lines]
    out = b"".join([*raw[:at], header, *raw[at:]])
    # ``body`` holds no CRLF (normalised), so this conversion is exactly reversible.
    return out.replace(b"\n", b"\r\n") if eol == b"\r\n" else out


def _read_generated(rest: bytes) -> tuple[str, bytes] | None:
    """(stored hash, content without the header line) of a generated file, else None."""
    lines = _split_lines(rest)
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
    body = _to_lf(text).encode("utf-8")
    name = re.sub(r"[\s%]+", " ", unicodedata.normalize("NFC", path.stem)).strip() or "file"
    read = _read_for_plan(path, note=False)
    if isinstance(read, Planned):
        return read
    if read is None:
        return Planned(path, None, _generated_bytes(body, name, b"\n"), WriteStatus.CREATED)
    old, seen = read
    bom = BOM if old.startswith(BOM) else b""
    rest = old[len(bom) :]
    new = bom + _generated_bytes(body, name, _eol_style(_split_lines(rest), b"\n"))
    if new == old:
        return Planned(path, old, None, WriteStatus.UNCHANGED, seen=seen)
    generated = _read_generated(rest)
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
    if content != body and _hash_bytes(content) != stored:
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
        return _unless_hard_linked(
            Planned(
                path,
                old,
                new,
                WriteStatus.WRITTEN,
                f"{path.name} was edited by hand; overwritten",
                seen=seen,
            )
        )
    return _unless_hard_linked(Planned(path, old, new, WriteStatus.WRITTEN, seen=seen))


# -- writing ---------------------------------------------------------------------------------


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
        return _reason(exc)
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
    lines = _split_lines(data[len(BOM) :] if data.startswith(BOM) else data)
    found, problems = _scan_regions(data)
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
            _read_generated(data[len(BOM) :] if data.startswith(BOM) else data) is not None
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
    kept = checked_write.remove_stale_temps(planned.path, _disposable(planned))
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
        kept = checked_write.remove_stale_temps(target, _disposable(planned))
    except OSError as exc:
        return _with(planned, WriteStatus.ERROR, f"could not write {target.name}: {_reason(exc)}")
    result = _apply(planned, target, root, backup_dir, quiet_seconds)
    if kept and result.message != CHANGED_MESSAGE:  # a retry must still see CHANGED_MESSAGE
        message = "; ".join(part for part in (result.message, _kept_message(kept)) if part)
        return result._replace(message=message)
    return result


def _apply(
    planned: Planned, target: Path, root: Path, backup_dir: Path | None, quiet_seconds: float
) -> Planned:
    assert planned.new is not None
    changed = _with(planned, WriteStatus.CONFLICT, CHANGED_MESSAGE)
    try:
        if planned.old is None:
            if os.path.lexists(target):
                return changed
            written = checked_write.create_new(target, planned.new)
        else:
            data, seen = read_stable(target)
            if data != planned.old:
                return changed
            quiet = quiet_seconds if planned.note else 0.0
            if (left := checked_write.quiet_left(seen, quiet)) > 0:
                raise DeferredError(time.time() + left, quiet - left)
            if not os.access(target, os.W_OK):
                # A read-only note is the user saying "do not touch"; rename would bypass it.
                return _with(
                    planned,
                    WriteStatus.ERROR,
                    f"{target.name} is read-only; vaultkit leaves it alone",
                )
            if seen.nlink > 1:
                return _unless_hard_linked(planned._replace(seen=seen))
            if backup_dir is not None:
                try:
                    saved = _backup(planned.old, target, root, backup_dir)
                except OSError as exc:
                    return _with(
                        planned,
                        WriteStatus.ERROR,
                        f"could not save a backup of {target.name} in {backup_dir}: "
                        f"{_reason(exc)}; nothing was written",
                    )
                _debug("backed up %s to %s", target, saved)
            written = checked_write.replace_checked(
                target, planned.new, planned.old, seen, quiet=quiet
            )
    except (ChangedError, BeingWrittenError, FileNotFoundError):
        return changed
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
            f"could not write {target.name}: {_reason(exc)}; the file is unchanged",
        )
    _debug("wrote %s (%s)", target, planned.status)
    return planned._replace(seen=Seen.of(written))
