"""The change classes of issue 18: each kind of change a user makes in a day, timed through
the hook, through ``vaultkit sync`` and through ``vaultkit watch``.

This module owns what each change class does to a vault and how it is timed. A class is
measured on a fresh copy of the synced vault (:class:`Snapshot`: the vault and its index as
they were after the suite's warm figures, restored at the same path, so the index still
belongs to it), in three phases, each run making a new change:

* hook: the change, then ``vaultkit hook COPY --file F`` as Obsidian's Shell commands plugin
  calls it (for a deletion the old path, for a rename the new one, for a folder rename the new
  folder), process start included. Right before each timed hook the hook floor runs once: the
  class's ratio is against those runs, so a machine that speeds up or slows down during the
  suite (a floor measured minutes apart moved by a third) moves both alike.
  After each timed hook an untimed ``vaultkit sync --json``
  checks that the hook left nothing to do; when that sync still parsed or removed a note or
  wrote a dashboard, the hook missed part of the change, and the figure says so;
* sync: the change, then ``vaultkit sync COPY``;
* watch: ``vaultkit watch`` running; the change, and the time until the watcher logs the end
  of the sync it triggered (its ``sync:`` line, written once the dashboards are on disk).

The date rolling over has no file to name and no file event: through the hook it is
``vaultkit hook COPY`` without ``--file`` (as a plugin event such as "Obsidian starts" would
call it), which checks every file of the vault. A second class times the way most days reach
a hook user: the day's first save, a task ticked with the date one day on, the note named.
A running watcher cannot be told a pinned date (with the calendar date, its reconcile renders
a new day), so neither has a watcher figure.
A new day comes to a vault that sat still overnight, so each of its runs follows an untimed
settling (the sync stamp recorded), as a real one does.
A config change happens in ``.vaultkit/``, a dot-folder the plugin does not report and the
hook skips, so it too goes through the hook without ``--file``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import (
    STILL_SECONDS,
    Stage,
    TaskToggle,
    _checked,
    _progress,
    _wait_line,
    start_watcher,
    stop_watcher,
    vaultkit_command,
    watch_failure,
)
from benchmarks.procs import run_tracked

__all__ = [
    "HOOK_FLOOR_SCRIPT",
    "Change",
    "ChangeResult",
    "Snapshot",
    "change_classes",
    "changes_made",
    "measure_change",
    "measure_hook_floor",
]

HOOK_FLOOR_SCRIPT = "import markdown_it, yaml, jinja2"
"""The hook floor (issue 18): Python importing exactly the libraries the hook needs."""
FOLDER_BATCH = 100
"""Notes in the renamed folder (fewer only when the vault has fewer regular notes)."""
TOP_FOLDERS = ("Projects", "Areas", "Resources", "Meetings", "Archive")
"""The generated vault's folders of regular notes (not daily notes, not dashboards)."""
EXTRA_COLUMN = "priority"
"""The column a config change adds to the Topics table (a property the generator writes)."""
DEFAULT_COLUMNS = (
    "status",
    "timeline",
    "Details",
    "Pros",
    "Cons",
    "progress",
    "resources",
    "modified",
)
"""``[topics] columns`` as vaultkit's default config has them (docs/config.md)."""


@dataclass(slots=True)
class ChangeResult:
    """One change class on one vault size."""

    key: str
    label: str
    budgeted: bool
    """False for a config change: issue 18 sets no budget for it."""
    watchable: bool = True
    """False for the date classes: a running watcher cannot be told a pinned date, so no
    watcher figure exists to judge."""
    hook: Stage = field(default_factory=Stage)
    floor: Stage = field(default_factory=Stage)
    """The hook floor, run right before each timed hook of this class."""
    sync: Stage = field(default_factory=Stage)
    watch: Stage = field(default_factory=Stage)
    watch_skipped: str = ""
    """Why the watcher was not timed (empty when it was)."""
    hook_missed: int = 0
    """Hook runs after which a sync still wrote something (the hook missed the change)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "budgeted": self.budgeted,
            "watchable": self.watchable,
            "hook": self.hook.to_json(),
            "floor": self.floor.to_json(),
            "sync": self.sync.to_json(),
            "watch": self.watch.to_json(),
            "watch_skipped": self.watch_skipped or None,
            "hook_missed_runs": self.hook_missed,
        }


class Change:
    """One change class. :meth:`apply` makes the ``k``-th change (each a real one) and
    returns what the hook is given: a path, or None for no ``--file``."""

    key = ""
    label = ""
    budgeted = True
    watchable = True
    still_before = False
    """Whether the change comes to a vault that has sat still (its stamp recorded): each
    timed run then follows an untimed settling, not only the check of the previous run."""

    def prepare(self, copy: Path) -> None:
        """Set the vault up before it is settled (untimed)."""

    def apply(self, copy: Path, k: int) -> Path | None:
        raise NotImplementedError

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """The environment of every vaultkit process after the latest change."""
        return base


def _regular_notes(copy: Path) -> list[Path]:
    return [p for folder in TOP_FOLDERS for p in sorted((copy / folder).rglob("*.md"))]


class EditTask(Change):
    key, label = "edit_task", "edit a task"

    def __init__(self, toggle: TaskToggle) -> None:
        self.toggle = toggle

    def apply(self, copy: Path, k: int) -> Path | None:
        self.toggle.toggle()
        return self.toggle.path


class EditTaskDoneDate(EditTask):
    """The same tick as :class:`EditTask`, as the Tasks plugin makes it by default: with a
    done date written on the line (and taken away by the untick)."""

    key, label = "edit_task_done_date", "edit a task with a done date (Tasks plugin)"

    def __init__(self, toggle: TaskToggle, today: str) -> None:
        super().__init__(TaskToggle(toggle.path, toggle.line, done_date=today))


class EditTopicTask(Change):
    """A tick in a topic note: it moves the note's row of the Topics table (its progress), so
    the Topics dashboard renders again, with thousands of rows in the ``topics-heavy`` shape.
    Each run ticks a task of another topic note (of those given, in turn): a tick in the note
    the last one changed finds that row's block kept, a tick elsewhere another block's rows."""

    key, label = "edit_topic_task", "edit a task in a topic note"

    def __init__(self, toggles: list[TaskToggle]) -> None:
        self.toggles = toggles

    def apply(self, copy: Path, k: int) -> Path | None:
        toggle = self.toggles[k % len(self.toggles)]
        toggle.toggle()
        return toggle.path


class EditTopicTaskDoneDate(EditTopicTask):
    """The ticks of :class:`EditTopicTask` as the Tasks plugin makes them, with a done date."""

    key = "edit_topic_task_done_date"
    label = "edit a task in a topic note with a done date (Tasks plugin)"

    def __init__(self, toggles: list[TaskToggle], today: str) -> None:
        super().__init__([TaskToggle(t.path, t.line, done_date=today) for t in toggles])


class AddNote(Change):
    key, label = "add_note", "add a note"

    def prepare(self, copy: Path) -> None:
        notes = _regular_notes(copy)
        self.folder = notes[0].parent
        self.linked = notes[len(notes) // 2].stem

    def apply(self, copy: Path, k: int) -> Path | None:
        path = self.folder / f"Bench added note {k}.md"
        path.write_text(
            f"---\ntags: [inbox]\ncreated: 2026-01-01\n---\n# Bench added note {k}\n\n"
            f"A new note about [[{self.linked}]] and #idea.\n\n## Tasks\n\n"
            f"- [ ] Follow up on note {k} 📅 2026-02-01\n- [x] Write it down\n",
            encoding="utf-8",
        )
        return path


class DeleteNote(Change):
    """Deletes, run after run, another regular note that the Topics table does not show (the
    notes spread over the vault, the same every run of the suite): it moves Status, Resources
    and Link health, each by what the note held."""

    key, label = "delete_note", "delete a note"
    shows = False
    """Whether the notes deleted are those the Topics table shows."""

    def __init__(self, topics: Collection[Path] = ()) -> None:
        self.topics = frozenset(topics)

    def prepare(self, copy: Path) -> None:
        notes = [note for note in _regular_notes(copy) if (note in self.topics) == self.shows]
        if not notes:
            raise RuntimeError(f"{self.label}: no such note in the vault")
        # Spread over the vault; the same notes every run of the suite.
        self.victims = [notes[(k * 7919) % len(notes)] for k in range(len(notes))]
        self.victims = list(dict.fromkeys(self.victims))

    def apply(self, copy: Path, k: int) -> Path | None:
        if k >= len(self.victims):
            raise RuntimeError(f"{self.label}: {k + 1} runs, but only {len(self.victims)} notes")
        victim = self.victims[k]
        victim.unlink()
        return victim


class DeleteTopicNote(DeleteNote):
    """:class:`DeleteNote` for the notes the Topics table shows: each takes its row out of
    the table too, thousands of rows in the ``topics-heavy`` shape. A class of its own, as the
    two kinds cost differently: one median over both hid this one."""

    key, label = "delete_topic_note", "delete a note the Topics table shows"
    shows = True


class RenameNote(Change):
    key, label = "rename_note", "rename a note"

    def prepare(self, copy: Path) -> None:
        notes = _regular_notes(copy)
        self.original = notes[len(notes) // 3]
        self.renamed = self.original.with_name(f"{self.original.stem} (renamed).md")

    def apply(self, copy: Path, k: int) -> Path | None:
        old, new = (self.original, self.renamed) if k % 2 == 0 else (self.renamed, self.original)
        old.rename(new)
        return new


class RenameFolder(Change):
    """A folder of :data:`FOLDER_BATCH` notes renamed, and back, run after run: ``Batch``,
    made (before the vault settles) in the vault's largest folder of regular notes from the
    notes of that folder. A small vault has no folder that big (the largest of the 1,000-note
    vault holds 31): the rest come from the other folders, spread over them, so that every
    vault size renames as many notes and the 100,000-note figure compares with the 1,000-note
    one."""

    key = "rename_folder"
    label = f"rename a folder of {FOLDER_BATCH} notes"

    def prepare(self, copy: Path) -> None:
        regular = _regular_notes(copy)
        folders: dict[Path, list[Path]] = {}
        for note in regular:
            folders.setdefault(note.parent, []).append(note)
        parent, notes = max(folders.items(), key=lambda item: (len(item[1]), str(item[0])))
        moved = notes[:FOLDER_BATCH]
        names = {note.name for note in moved}
        others = [note for note in regular if note.parent != parent]
        stride = max(1, len(others) // max(1, FOLDER_BATCH - len(moved)))
        # Every stride-th note first, then the rest, so that a name taken leaves no gap.
        for note in others[::stride] + others:
            if len(moved) >= FOLDER_BATCH:
                break
            if note.name not in names:
                moved.append(note)
                names.add(note.name)
        self.label = f"rename a folder of {len(moved)} notes"
        self.original = parent / "Batch"
        self.renamed = parent / "Batch renamed"
        self.original.mkdir()
        for note in moved:
            note.rename(self.original / note.name)

    def apply(self, copy: Path, k: int) -> Path | None:
        old, new = (self.original, self.renamed) if k % 2 == 0 else (self.renamed, self.original)
        old.rename(new)
        return new


class DateRollover(Change):
    key, label = "date_rollover", "the date rolling over (VAULTKIT_TODAY + 1 day)"
    # Through the hook without ``--file``: Obsidian starting, which checks the whole vault
    # (its floor grows with the vault: the walk and stat of every file).
    watchable = False
    # A new day comes after a night in which nothing was written, not 2 s after the last sync.
    still_before = True

    def __init__(self, today: str) -> None:
        self.day = dt.date.fromisoformat(today)

    def apply(self, copy: Path, k: int) -> Path | None:
        self.day += dt.timedelta(days=1)
        return None

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "VAULTKIT_TODAY": self.day.isoformat()}


class DateFirstSave(DateRollover):
    """The date rolling over as most days bring it to a hook user: with the day's first save,
    which names its note (a task ticked in the note of "one note changed")."""

    key = "date_first_save"
    label = "the date rolling over, at the day's first save (a task edited)"

    def __init__(self, toggle: TaskToggle, today: str) -> None:
        super().__init__(today)
        self.toggle = toggle

    def apply(self, copy: Path, k: int) -> Path | None:
        super().apply(copy, k)
        self.toggle.toggle()
        return self.toggle.path


class ConfigChange(Change):
    key, label = "config", "config change (a Topics column added)"
    budgeted = False

    def _write(self, copy: Path, columns: tuple[str, ...]) -> None:
        config = copy / ".vaultkit" / "config.toml"
        config.parent.mkdir(exist_ok=True)
        listed = ", ".join(f'"{c}"' for c in columns)
        config.write_text(f"[topics]\ncolumns = [{listed}]\n", encoding="utf-8")

    def prepare(self, copy: Path) -> None:
        self._write(copy, DEFAULT_COLUMNS)  # the defaults, written out: no change yet

    def apply(self, copy: Path, k: int) -> Path | None:
        extra = (EXTRA_COLUMN,) if k % 2 == 0 else ()
        self._write(copy, DEFAULT_COLUMNS + extra)
        return None


def change_classes(
    toggle: TaskToggle,
    topic_tasks: list[TaskToggle],
    topics: list[Path],
    today: str,
    *,
    delete_topics: bool = True,
) -> list[Change]:
    """Every change class of issue 18, in the order of the report. ``topic_tasks``: tasks in
    topic notes, whose ticks are a class of their own (none: no such class); ``topics``: the
    notes the Topics table shows, which "delete a note" leaves alone and whose deletion is a
    class of its own, unless there are none or not ``delete_topics`` (too few of them: each
    run deletes another)."""
    return [
        EditTask(toggle),
        EditTaskDoneDate(toggle, today),
        *(
            [EditTopicTask(topic_tasks), EditTopicTaskDoneDate(topic_tasks, today)]
            if topic_tasks
            else []
        ),
        AddNote(),
        DeleteNote(topics),
        *([DeleteTopicNote(topics)] if topics and delete_topics else []),
        RenameNote(),
        RenameFolder(),
        DateRollover(today),
        DateFirstSave(toggle, today),
        ConfigChange(),
    ]


class Snapshot:
    """A synced vault and its index folder, kept aside and restored at the same paths (the
    index is named after the vault's path, so it still belongs to the restored copy)."""

    def __init__(self, copy: Path, cache: Path, keep: Path) -> None:
        self.copy, self.cache = copy, cache
        self.vault_saved, self.cache_saved = keep / "vault", keep / "cache"
        for saved in (self.vault_saved, self.cache_saved):
            shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(copy, self.vault_saved, symlinks=True)
        shutil.copytree(cache, self.cache_saved, symlinks=True)

    def restore(self) -> None:
        shutil.rmtree(self.copy)
        shutil.rmtree(self.cache)
        shutil.copytree(self.vault_saved, self.copy, symlinks=True)
        shutil.copytree(self.cache_saved, self.cache, symlinks=True)


def measure_hook_floor(env: dict[str, str], runs: int, notes: list[str]) -> Stage:
    """``python -c "import markdown_it, yaml, jinja2"``, process start included."""
    floor = Stage()
    for _ in range(runs):
        _floor_run(floor, env, notes)
    _progress(f"hook floor (import markdown_it, yaml, jinja2): {floor.median:.3f} s")
    return floor


def _floor_run(floor: Stage, env: dict[str, str], notes: list[str]) -> None:
    tracked = run_tracked([sys.executable, "-c", HOOK_FLOOR_SCRIPT], env=env)
    _checked(tracked, "hook floor", notes)
    floor.samples.append(tracked.seconds)


def _left_over(copy: Path, env: dict[str, str], notes: list[str]) -> list[str]:
    """Run ``vaultkit sync --json`` (untimed); what it still found to do: files it wrote,
    notes it parsed, notes it removed from the index or found renamed or moved."""
    tracked = run_tracked([*vaultkit_command(), "sync", "--json", str(copy)], env=env)
    _checked(tracked, "checking vaultkit sync --json", notes, (0, 1))
    data = json.loads(tracked.stdout)
    written = [f["path"] for f in data["files"] if f["status"] in ("written", "created")]
    return (
        [f"wrote {path}" for path in written]
        + [f"parsed {path}" for path in data.get("parsed", [])]
        + [f"removed {path}" for path in data.get("removed", [])]
        + [f"moved {move['from']} to {move['to']}" for move in data.get("moved", [])]
    )


def _settle(copy: Path, env: dict[str, str], notes: list[str]) -> None:
    time.sleep(STILL_SECONDS)  # files written in the last 2 s are not vouched for
    for _ in range(2):
        _checked(
            run_tracked([*vaultkit_command(), "sync", str(copy)], env=env),
            "settling vaultkit sync",
            notes,
            (0, 1),
        )


def _hook_phase(
    change: Change,
    result: ChangeResult,
    copy: Path,
    env: dict[str, str],
    runs: int,
    k: int,
    notes: list[str],
) -> int:
    for _ in range(runs):
        if change.still_before:
            _settle(copy, change.env(env), notes)
        target = change.apply(copy, k)
        k += 1
        command = [*vaultkit_command(), "hook", str(copy)]
        if target is not None:
            command += ["--file", str(target)]
        _floor_run(result.floor, env, notes)
        tracked = run_tracked(command, env=change.env(env))
        _checked(tracked, f"vaultkit hook ({change.label})", notes, (0, 1))
        result.hook.samples.append(tracked.seconds)
        left = _left_over(copy, change.env(env), notes)
        if left:
            result.hook_missed += 1
            if result.hook_missed == 1:
                notes.append(
                    f"{change.label}: after `vaultkit hook` a sync still "
                    f"{'; '.join(left[:3])}{' …' if len(left) > 3 else ''} "
                    f"({len(left)} in all): the hook missed the change"
                )
    return k


def _sync_phase(
    change: Change,
    result: ChangeResult,
    copy: Path,
    env: dict[str, str],
    runs: int,
    k: int,
    notes: list[str],
) -> int:
    for _ in range(runs):
        if change.still_before:
            _settle(copy, change.env(env), notes)
        change.apply(copy, k)
        k += 1
        tracked = run_tracked([*vaultkit_command(), "sync", str(copy)], env=change.env(env))
        _checked(tracked, f"vaultkit sync ({change.label})", notes, (0, 1))
        result.sync.samples.append(tracked.seconds)
    return k


def _watch_phase(
    change: Change,
    result: ChangeResult,
    copy: Path,
    env: dict[str, str],
    debounce_ms: int,
    runs: int,
    k: int,
    timeout: float,
    notes: list[str],
) -> int:
    debounce = debounce_ms / 1000
    proc, lines = start_watcher(copy, debounce_ms, change.env(env))
    seen: list[str] = []
    try:
        _wait_line(lines, "initial sync", 10 * timeout, seen)
        time.sleep(max(0.5, 2 * debounce))  # idle: any echo of its own writes has passed
        for _ in range(runs):
            started = time.perf_counter()
            change.apply(copy, k)
            k += 1
            try:
                _wait_line(lines, "sync:", timeout + debounce, seen)
            except TimeoutError:
                result.watch_skipped = f"no sync within {timeout + debounce:.0f} s"
                notes.append(f"{change.label}: vaultkit watch did not sync; it said {seen[-3:]}")
                break
            result.watch.samples.append(time.perf_counter() - started)
            time.sleep(debounce + 0.3)  # let the echo of its writes settle
    finally:
        stop_watcher(proc)
    failure = watch_failure(seen)
    if failure:
        notes.append(f"{change.label}: vaultkit watch logged: {failure}")
    return k


def changes_made(runs: int, watch_runs: int) -> int:
    """How many changes :func:`measure_change` makes of a class at most: ``runs`` through the
    hook, ``runs`` through ``vaultkit sync``, ``watch_runs`` through the watcher."""
    return 2 * runs + watch_runs


def measure_change(
    change: Change,
    snapshot: Snapshot,
    env: dict[str, str],
    runs: int,
    watch_runs: int,
    debounce_ms: int,
    timeout: float,
    notes: list[str],
) -> ChangeResult:
    """One change class on a fresh copy of the synced vault: hook, sync, then watch."""
    snapshot.restore()
    copy = snapshot.copy
    change.prepare(copy)
    result = ChangeResult(change.key, change.label, change.budgeted, change.watchable)
    _settle(copy, change.env(env), notes)
    k = _hook_phase(change, result, copy, env, runs, 0, notes)
    k = _sync_phase(change, result, copy, env, runs, k, notes)
    if change.watchable and watch_runs > 0:
        # The watcher's own initial sync settles what the sync phase left.
        _watch_phase(change, result, copy, env, debounce_ms, watch_runs, k, timeout, notes)
    elif not change.watchable:
        result.watch_skipped = "a pinned date a running watcher cannot be told"
    watch = f"{result.watch.median:.3f} s" if result.watch.samples else "—"
    _progress(
        f"{change.label}: hook {result.hook.median:.3f} s (floor {result.floor.median:.3f} s), "
        f"sync {result.sync.median:.3f} s, watch {watch}"
    )
    return result
