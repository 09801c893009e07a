"""The habits log's part in a sync (``[habits] sources = ["checklists"]``): what the Daily
checklists hold now, today's line of the log planned from it, what the Habits dashboard reads
of both, and, with ``[habits] reset_checklists``, the unticking of the checklists whose period
ended.

The log and the unticked notes are notes of the user's, so they are written as any write into
a note is (:mod:`vaultkit.sync.writes`): planned from a stable read, written only on change,
atomically, planned again when a save got in first, and not while the user edited them in the
last ``quiet_seconds``. The log's format is :mod:`vaultkit.writeback.habit_log`; unticking is
:mod:`vaultkit.writeback.untick`.

A reset happens once per period of a cadence (:func:`vaultkit.task_progress.period_start`): at
the first run whose period differs from that of the cadence's last reset line in the log. The
log is the record, so deleting the index cannot make a period reset twice; the reset line is
written before any checkbox is unticked, and no reset is made at all in a run where one of the
notes to untick cannot be written now (it is being edited): the next run makes it. A cadence
without a reset line yet gets one and nothing is unticked: vaultkit cannot tell which period its
ticks belong to. A ticked item is unticked only when it is known to be from the ended period:
its ✅ date is before the new period, or its note was last saved before it, or (Daily) a run
saw it ticked on an earlier day. Any other may have been ticked in the new period, and stays.
A save landing in the instant between the quiet check and the write defers that note's
unticking after the reset line is written: its items then stay ticked for the period (the log
cannot tell them from ticks made again after the reset), which the result reports.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from vaultkit.cadences import Cadences
from vaultkit.config.schema import Config
from vaultkit.dashboards.common import Checklists
from vaultkit.task_progress import period_start
from vaultkit.writeback.plan import Planned, read_for_plan
from vaultkit.writeback.reading import quiet_left
from vaultkit.writeback.regions import WriteStatus

if TYPE_CHECKING:
    from vaultkit.index.checklists import ChecklistTask

PERIODIC = ("daily", "weekly", "weekend", "bi-weekly", "monthly", "quarterly", "yearly")
"""The cadences with a period (:func:`vaultkit.task_progress.period_start`)."""


class Write(NamedTuple):
    """A planned write into a note of the user's, and how to plan it again."""

    planned: Planned
    replan: Callable[[], Planned]
    """Plans the write again from the note as it is on disk now (a save got in first)."""


class LogPlan(NamedTuple):
    """The log's planned write, the unticking that follows it, and what the dashboard reads."""

    log: Write
    checklists: Checklists
    unticks: tuple[Write, ...] = ()
    """Written only once the log's write went through: the record comes first."""


def plan_habit_log(
    connection: sqlite3.Connection, vault: Path, config: Config, today: dt.date
) -> LogPlan | None:
    """The log's plan for this sync; None unless ``"checklists"`` is among the sources."""
    settings = config.habits
    if "checklists" not in settings.sources:
        return None
    # Imported here: every sync and hook imports this module, few vaults keep the log.
    from vaultkit.index.checklists import checklist_tasks
    from vaultkit.writeback.habit_log import log_history, plan_log

    resetting = settings.reset_checklists
    tasks = checklist_tasks(connection, PERIODIC if resetting else ("daily",))
    daily = [task for task in tasks if task.cadence == "daily" and not task.nested]
    items = list(dict.fromkeys(task.text for task in daily))
    ticked = list(dict.fromkeys(task.text for task in daily if task.status == "done"))
    path = vault / settings.log
    resets: list[tuple[str, list[str]]] = []
    unticks: list[Write] = []
    if resetting:
        resets, unticks = _resets(connection, vault, config, today, tasks)
        unticked = {text for cadence, texts in resets if cadence == "daily" for text in texts}
        ticked = [text for text in ticked if text not in unticked]

    def replan() -> Planned:
        return plan_log(path, today, ticked, resets)

    planned = replan()
    # The dashboard shows the log as this sync leaves it, and today's ticks even while the
    # write waits for the user to leave the log alone (or cannot be made).
    history = dict(log_history(planned.new if planned.new is not None else planned.old))
    history[today] = tuple(dict.fromkeys([*history.get(today, ()), *ticked]))
    return LogPlan(Write(planned, replan), Checklists(tuple(items), history), tuple(unticks))


def _resets(
    connection: sqlite3.Connection,
    vault: Path,
    config: Config,
    today: dt.date,
    tasks: Sequence[ChecklistTask],
) -> tuple[list[tuple[str, list[str]]], list[Write]]:
    """The resets due today, ``(cadence, texts unticked)``, and the unticking writes; none at
    all when the log cannot be read now or a note to untick cannot be written now."""
    from vaultkit.writeback.habit_log import last_resets, log_history

    read = read_for_plan(vault / config.habits.log, note=True)
    if isinstance(read, Planned):
        return [], []  # being written, or unreadable: the next run decides
    data = read[0] if read is not None else None
    last, history = last_resets(data), log_history(data)
    saved = _saved_days(connection, {task.note for task in tasks})
    resets: list[tuple[str, list[str]]] = []
    wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cadence in dict.fromkeys(task.cadence for task in tasks):
        begun, now = last.get(cadence), period_start(cadence, today)
        if begun is not None and period_start(cadence, begun) == now:
            continue
        chosen = []
        if begun is not None and now is not None:
            chosen = [
                task
                for task in tasks
                if task.cadence == cadence
                and task.status == "done"
                and _ended(task, begun, now, today, history, saved)
            ]
        # The record lists the checklist's items; the steps nested under them go with them.
        listed = [task.text for task in chosen if not task.nested]
        resets.append((cadence, list(dict.fromkeys(listed))))
        for task in chosen:
            wanted[task.note].add((cadence, task.text))
    cadences = Cadences(config.status.cadences)
    unticks = [_untick(vault, note, chosen, cadences) for note, chosen in sorted(wanted.items())]
    quiet = config.vault.quiet_seconds
    for write in unticks:
        planned = write.planned
        if planned.status is not WriteStatus.WRITTEN or (
            planned.seen is not None and quiet_left(planned.seen, quiet) > 0
        ):
            return [], []  # a note being edited: no reset now, the next run makes it
    return resets, unticks


def _ended(
    task: ChecklistTask,
    begun: dt.date,
    now: dt.date,
    today: dt.date,
    history: Mapping[dt.date, Sequence[str]],
    saved: Mapping[str, dt.date],
) -> bool:
    """Whether a ticked task is known to be from a period before ``now`` (the current one's
    first day), rather than perhaps ticked in it."""
    if task.done is not None and task.done < now.isoformat():
        return True
    if saved.get(task.note, today) < now:
        return True
    return task.cadence == "daily" and any(
        task.text in items for day, items in history.items() if begun <= day < today
    )


def _saved_days(connection: sqlite3.Connection, notes: set[str]) -> dict[str, dt.date]:
    """The local day each note was last saved (its mtime, as the index has it)."""
    found: dict[str, dt.date] = {}
    for path in notes:
        row = connection.execute("SELECT mtime_ns FROM files WHERE path = ?", (path,)).fetchone()
        if row is not None:
            found[path] = dt.datetime.fromtimestamp(row[0] / 1e9).date()
    return found


def _untick(vault: Path, note: str, chosen: set[tuple[str, str]], cadences: Cadences) -> Write:
    def wanted(section: str, text: str) -> bool:
        return (cadences.of(section), text) in chosen

    from vaultkit.writeback.untick import plan_untick

    def replan() -> Planned:
        return plan_untick(vault, note, wanted)

    return Write(replan(), replan)


class Writer(Protocol):
    """Carries out planned writes (:func:`vaultkit.sync.writes.write_planned`), given how to
    plan again those that are not a dashboard's."""

    def __call__(
        self, planned: list[Planned], *, replanners: Mapping[Path, Callable[[], Planned]]
    ) -> list[Planned]: ...


def write_in_order(write: Writer, planned: list[Planned], log: LogPlan | None) -> list[Planned]:
    """Every planned write carried out: the log's with the dashboards', then the unticking,
    only once the log's write went through (the record comes first); else each unticking is
    left for the next run, saying why."""
    if log is None:
        return write(planned, replanners={})
    held = {write.planned.path for write in log.unticks}
    first = write(
        [p for p in planned if p.path not in held],
        replanners={log.log.planned.path: log.log.replan},
    )
    done = next(p for p in first if p.path == log.log.planned.path)
    if not log.unticks:
        return first
    if done.status not in (WriteStatus.WRITTEN, WriteStatus.CREATED, WriteStatus.UNCHANGED):
        return first + [
            untick.planned._replace(
                new=None,
                status=WriteStatus.DEFERRED,
                message=f"{untick.planned.path.name} is unticked once the habits log, which "
                "records the period first, can be written",
                line=None,
                retry_at=done.retry_at,
            )
            for untick in log.unticks
        ]
    return first + write(
        [untick.planned for untick in log.unticks],
        replanners={untick.planned.path: untick.replan for untick in log.unticks},
    )


def changed_notes(vault: Path, results: list[Planned], log: LogPlan | None) -> list[str]:
    """The notes this sync's log and unticking changed in a way the dashboards read: a new
    log (a new note), and the unticked notes (their tasks)."""
    if log is None:
        return []
    ours = {log.log.planned.path, *(untick.planned.path for untick in log.unticks)}
    return [
        result.path.relative_to(vault).as_posix()
        for result in results
        if result.path in ours
        and (
            result.status is WriteStatus.CREATED
            or (result.status is WriteStatus.WRITTEN and result.path != log.log.planned.path)
        )
    ]
