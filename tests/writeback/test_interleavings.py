"""Every way an editor's save can interleave with vaultkit's write of the same file (design 8.11).

An editor saves in one of four ways: in place (truncate, write), slowly in place (truncate,
write half, pause, write the rest, as Node's ``fs.writeFile`` does in chunks), by a temp file
renamed over the note, or a bare truncation. Each is injected at each step boundary of the
write path (``checked_write.on_step``, plus "planned", between planning and writing, and "end",
after the write returned); a slow save is split across every ordered pair of boundaries. The
user's save must be in the file at the end, with vaultkit's regions at most updated around
it, or in a conflict copy that the result names. Deterministic: no threads, no timing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vaultkit.writeback import checked as checked_write
from vaultkit.writeback import exchange as exchange
from vaultkit.writeback.apply import CHANGED_MESSAGE, _outside_regions, apply
from vaultkit.writeback.habit_log import plan_log, with_today
from vaultkit.writeback.plan import Planned, plan_file, plan_regions
from vaultkit.writeback.regions import RegionContent, WriteStatus, region_hash
from vaultkit.writeback.temps import TEMP_SUFFIX
from vaultkit.writeback.untick import plan_untick

STEPS = ("planned", "temp written", "checked", "exchanged", "compared", "given back", "end")
"""Step boundaries in the order a write passes them ("given back" only when it gives back)."""
FALLBACK_STEPS = ("planned", "temp written", "held", "exchanged", "end")
REGION = [RegionContent("status", "generated text\n")]
PROSE = "".join(f"A line of the user's own prose, number {n}.\n" for n in range(40))


OLD_HASH = region_hash("old output\n")


def region_note(extra: str = "") -> bytes:
    return (
        f"# Plan\n\n{PROSE}{extra}\n%% vaultkit:begin status %%\nold output\n"
        f"%% vaultkit:end status {OLD_HASH} %%\n\n"
        "More of the user's text after the region.\n"
    ).encode()


def generated_file(extra: str = "") -> bytes:
    body = "# Status\n\nold output\n"
    return f"%% vaultkit:file Status {region_hash(body)} %%\n{body}{extra}".encode()


# -- editors -----------------------------------------------------------------------------------


@dataclass
class Editor:
    """One save, as a list of (step, action) carried out in order at those step boundaries."""

    kind: str
    path: Path
    saved: bytes
    """What the file holds once the save is complete (b"" for a bare truncation)."""
    actions: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    fd: int | None = None

    def at(self, step: str) -> None:
        while self.actions and self.actions[0][0] == step:
            _, action = self.actions.pop(0)
            action()

    def finish(self) -> None:
        while self.actions:
            self.actions.pop(0)[1]()


def _open_truncating(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)


def in_place(path: Path, saved: bytes, step: str) -> Editor:
    editor = Editor("in place", path, saved)

    def save() -> None:
        fd = _open_truncating(path)
        os.write(fd, saved)
        os.close(fd)

    editor.actions = [(step, save)]
    return editor


def slow_in_place(path: Path, saved: bytes, first: str, second: str) -> Editor:
    editor = Editor(f"slow in place ({first} / {second})", path, saved)
    half = len(saved) // 2

    def begin() -> None:
        editor.fd = _open_truncating(path)
        os.write(editor.fd, saved[:half])

    def rest() -> None:
        assert editor.fd is not None
        os.write(editor.fd, saved[half:])
        os.close(editor.fd)

    editor.actions = [(first, begin), (second, rest)]
    return editor


def by_rename(path: Path, saved: bytes, step: str) -> Editor:
    editor = Editor("temp + rename", path, saved)

    def save() -> None:
        swap = path.with_name(f".{path.name}.swp")
        swap.write_bytes(saved)
        os.replace(swap, path)

    editor.actions = [(step, save)]
    return editor


def truncate_only(path: Path, step: str) -> Editor:
    editor = Editor("truncate only", path, b"")
    editor.actions = [(step, lambda: os.close(_open_truncating(path)))]
    return editor


# -- the write, as sync drives it ----------------------------------------------------------------


def write_like_sync(
    plan: Callable[[], Planned], vault: Path, editor: Editor, *, quiet: float = 0.0
) -> Planned:
    """Plan, let the editor act, apply; plan again when a save got in first (as sync does)."""
    checked_write.on_step = editor.at
    try:
        result = plan()
        assert result.status in (WriteStatus.WRITTEN, WriteStatus.CREATED), result.message
        for _ in range(3):
            if result.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED):
                break
            editor.at("planned")
            result = apply(result, vault=vault, quiet_seconds=quiet)
            if result.status is not WriteStatus.CONFLICT or result.message != CHANGED_MESSAGE:
                break
            result = plan()
    finally:
        checked_write.on_step = None
    editor.at("end")
    editor.finish()
    return result


def copies(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if "conflicted copy" in p.name)


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def assert_save_kept(editor: Editor, result: Planned, folder: Path) -> None:
    final = editor.path.read_bytes()
    kept = [copy for copy in copies(folder) if copy.read_bytes() == editor.saved]
    for copy in kept:
        assert copy.name in result.message, f"{editor.kind}: copy {copy.name} not announced"
    if kept:
        return
    if editor.saved and editor.path.suffix == ".md" and b"vaultkit:begin" in editor.saved:
        # vaultkit may have written its region into the save: all else must be the save's.
        assert _outside_regions(final) == _outside_regions(editor.saved), editor.kind
    else:
        assert final == editor.saved, editor.kind
    assert not copies(folder), f"{editor.kind}: an unannounced copy"


# -- the matrix ----------------------------------------------------------------------------------


MakeEditor = Callable[[Path, bytes], Editor]


def _at(save: Callable[[Path, bytes, str], Editor], step: str) -> MakeEditor:
    return lambda path, saved: save(path, saved, step)


def _truncating(step: str) -> MakeEditor:
    return lambda path, saved: truncate_only(path, step)


def _slow(first: str, second: str) -> MakeEditor:
    return lambda path, saved: slow_in_place(path, saved, first, second)


def _cases(steps: tuple[str, ...], *, no_rename_at: str = "") -> list[tuple[str, MakeEditor]]:
    cases: list[tuple[str, MakeEditor]] = []
    for step in steps[:-1]:
        cases.append((f"in place at {step}", _at(in_place, step)))
        if step != no_rename_at:
            cases.append((f"rename at {step}", _at(by_rename, step)))
        cases.append((f"truncate at {step}", _truncating(step)))
    for first, second in itertools.combinations(steps, 2):
        cases.append((f"slow in place at {first} / {second}", _slow(first, second)))
    return cases


CASES = _cases(STEPS)


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_a_save_into_a_note_with_a_region_is_never_lost(
    tmp_path: Path, name: str, make: MakeEditor
) -> None:
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    editor = make(path, region_note("A line typed in Obsidian while vaultkit wrote.\n"))
    result = write_like_sync(lambda: plan_regions(path, REGION), tmp_path, editor)
    assert_save_kept(editor, result, tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_a_hand_edit_of_a_generated_file_is_never_lost(
    tmp_path: Path, name: str, make: MakeEditor
) -> None:
    path = tmp_path / "Status.md"
    path.write_bytes(generated_file())
    editor = make(path, generated_file("My own line, typed into the dashboard.\n"))
    result = write_like_sync(lambda: plan_file(path, "# Status\n\nnew output\n"), tmp_path, editor)
    assert_save_kept(editor, result, tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("step", ["planned", "temp written"])
@pytest.mark.parametrize("kind", ["in place", "rename"])
def test_a_file_created_while_vaultkit_creates_it_wins(
    tmp_path: Path, step: str, kind: str
) -> None:
    path = tmp_path / "Status.md"
    saved = b"# My own status page\n"
    editor = in_place(path, saved, step) if kind == "in place" else by_rename(path, saved, step)
    result = write_like_sync(lambda: plan_file(path, "# Status\n"), tmp_path, editor)
    assert path.read_bytes() == saved
    assert result.status is WriteStatus.CONFLICT and "note of yours" in result.message
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_with_the_quiet_period_a_note_being_saved_is_not_written(
    tmp_path: Path, name: str, make: MakeEditor
) -> None:
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    os.utime(path, (1_000_000_000, 1_000_000_000))  # untouched for years
    editor = make(path, region_note("A line typed in Obsidian while vaultkit wrote.\n"))
    result = write_like_sync(lambda: plan_regions(path, REGION), tmp_path, editor, quiet=5.0)
    assert_save_kept(editor, result, tmp_path)
    assert leftovers(tmp_path) == []
    if editor.path.read_bytes() != editor.saved:
        # vaultkit wrote: then the save must have come after the write, never before.
        assert result.status is WriteStatus.WRITTEN
    assert not copies(tmp_path)


def test_a_torn_read_is_never_planned_from_within_the_quiet_period(tmp_path: Path) -> None:
    # The editor truncated and wrote half before vaultkit even read the note: what vaultkit
    # sees is a torn note. It must not write it back (the rest of the save would land in a
    # file no longer named Plan.md).
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    saved = region_note() + b"A line appended in Obsidian.\n" * 200
    editor = slow_in_place(path, saved, "now", "end")
    editor.at("now")
    assert b"vaultkit:end" in path.read_bytes()  # the torn note still holds the region
    result = write_like_sync(lambda: plan_regions(path, REGION), tmp_path, editor, quiet=5.0)
    assert result.status is WriteStatus.DEFERRED
    assert path.read_bytes() == saved


def test_a_deferred_write_says_when_the_note_will_be_quiet(tmp_path: Path) -> None:
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    result = apply(plan_regions(path, REGION), vault=tmp_path, quiet_seconds=5.0)
    assert result.status is WriteStatus.DEFERRED
    assert result.retry_at is not None
    assert 4.0 < result.retry_at - path.stat().st_mtime < 5.2
    assert "left alone for 5 s" in result.message
    assert path.read_bytes() == region_note()


def test_the_quiet_period_does_not_hold_back_a_generated_file(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    path.write_bytes(generated_file())
    result = apply(plan_file(path, "# Status\n\nnew\n"), vault=tmp_path, quiet_seconds=5.0)
    assert result.status is WriteStatus.WRITTEN


# -- without an atomic exchange ------------------------------------------------------------------


def _no_exchange(*args: object) -> None:
    raise exchange.ExchangeUnsupportedError(95, "not supported")


# A save renamed over the note just before the fallback's os.replace is its one window (see
# the last test of this file).
FALLBACK_CASES = _cases(FALLBACK_STEPS, no_rename_at="held")


@pytest.mark.parametrize(("name", "make"), FALLBACK_CASES, ids=[n for n, _ in FALLBACK_CASES])
def test_without_exchange_a_hard_link_holds_the_old_note_across_the_replace(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    make: MakeEditor,
) -> None:
    monkeypatch.setattr(checked_write, "exchange", _no_exchange)
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    editor = make(path, region_note("A line typed in Obsidian while vaultkit wrote.\n"))
    result = write_like_sync(lambda: plan_regions(path, REGION), tmp_path, editor)
    assert_save_kept(editor, result, tmp_path)
    assert leftovers(tmp_path) == []


def test_without_exchange_the_one_window_is_a_rename_just_before_the_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Documented in the README: the fallback cannot see a file renamed over the note in the
    # instant between its last check and os.replace. This pins that it is the only one.
    monkeypatch.setattr(checked_write, "exchange", _no_exchange)
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    editor = by_rename(path, region_note("typed\n"), "held")
    write_like_sync(lambda: plan_regions(path, REGION), tmp_path, editor)
    assert b"typed" not in path.read_bytes()


def test_two_saves_racing_one_write_keep_the_newer_and_announce_the_older(
    tmp_path: Path,
) -> None:
    # One save lands in the instant before the exchange (so it is displaced and must be given
    # back), another is renamed over the note just after it: the newer takes the name, the
    # older is kept as an announced conflict copy.
    path = tmp_path / "Plan.md"
    path.write_bytes(region_note())
    first = in_place(path, region_note("first save\n"), "checked")
    second = by_rename(path, region_note("second save\n"), "exchanged")

    class Both(Editor):
        def at(self, step: str) -> None:
            first.at(step)
            second.at(step)

        def finish(self) -> None:
            first.finish()
            second.finish()

    result = write_like_sync(
        lambda: plan_regions(path, REGION), tmp_path, Both("both", path, second.saved)
    )
    assert path.read_bytes() == second.saved
    [copy] = copies(tmp_path)
    assert copy.read_bytes() == first.saved
    assert result.status is WriteStatus.CONFLICT and copy.name in result.message
    assert leftovers(tmp_path) == []


CHECKLIST = "# Status\n\n## Daily\n- [x] Gym\n- [ ] Read\n\n{prose}"


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_a_tick_saved_while_vaultkit_unticks_is_never_lost(
    tmp_path: Path, name: str, make: MakeEditor
) -> None:
    """[habits] reset_checklists unticks Gym while the user ticks Read: Read stays ticked.

    With the quiet period, as sync writes into a note: a save caught half-way (the checkboxes
    are at the top of the note, so a torn read would still parse) is never planned from."""
    path = tmp_path / "Status.md"
    path.write_bytes(CHECKLIST.format(prose=PROSE).encode())
    os.utime(path, (1_000_000_000, 1_000_000_000))  # untouched for years
    saved = CHECKLIST.format(prose=PROSE).replace("- [ ] Read", "- [x] Read").encode()
    editor = make(path, saved)

    def plan() -> Planned:
        return plan_untick(tmp_path, "Status.md", lambda section, text: text == "Gym")

    result = write_like_sync(plan, tmp_path, editor, quiet=5.0)
    final = path.read_bytes()
    saved = editor.saved  # b"" for a bare truncation
    kept = [copy for copy in copies(tmp_path) if copy.read_bytes() == saved]
    for copy in kept:
        assert copy.name in result.message, f"{editor.kind}: copy {copy.name} not announced"
    if not kept:
        # The save as it was (it came last), or with Gym unticked in it (planned again).
        assert final in (saved, saved.replace(b"- [x] Gym", b"- [ ] Gym")), editor.kind
        assert not copies(tmp_path), f"{editor.kind}: an unannounced copy"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_a_correction_saved_while_vaultkit_writes_the_habits_log_is_never_lost(
    tmp_path: Path, name: str, make: MakeEditor
) -> None:
    """The user corrects a past day of the habits log while vaultkit adds today's ticks."""
    path = tmp_path / "Habits log.md"
    log = f"# Habits log\n\n{PROSE}\n- 2026-11-21: Gym\n".encode()
    path.write_bytes(log)
    os.utime(path, (1_000_000_000, 1_000_000_000))  # untouched for years
    editor = make(path, log.replace(b"- 2026-11-21: Gym", b"- 2026-11-21: Gym, Read"))
    today = dt.date(2026, 11, 22)
    result = write_like_sync(lambda: plan_log(path, today, ["Gym"]), tmp_path, editor, quiet=5.0)
    final = path.read_bytes()
    saved = editor.saved  # b"" for a bare truncation
    kept = [copy for copy in copies(tmp_path) if copy.read_bytes() == saved]
    for copy in kept:
        assert copy.name in result.message, f"{editor.kind}: copy {copy.name} not announced"
    if not kept:
        # The save as it was (it came last), or with today's line added to it (planned again).
        assert final in (saved, with_today(saved, today, ["Gym"])), editor.kind
        assert not copies(tmp_path), f"{editor.kind}: an unannounced copy"
    assert leftovers(tmp_path) == []
