"""The habits log's part in a sync (``[habits] sources = ["checklists"]``): what the Daily
checklists hold now, today's line of the log planned from it, and what the Habits dashboard
reads of both.

The log is a note of the user's, so it is written as any write into a note is
(:mod:`vaultkit.sync.writes`): planned from a stable read, written only when today's line
changes, atomically, planned again when a save got in first, and not while the user edited it
in the last ``quiet_seconds``. Its format is :mod:`vaultkit.writeback.habit_log`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from vaultkit.config.schema import Config
from vaultkit.dashboards.common import Checklists
from vaultkit.index.checklists import ticked_daily
from vaultkit.writeback.habit_log import log_history, plan_log
from vaultkit.writeback.plan import Planned


class LogPlan(NamedTuple):
    """The log's planned write, how to plan it again, and what the dashboard reads."""

    planned: Planned
    replan: Callable[[], Planned]
    """Plans the write again from the log as it is on disk now (a save got in first)."""
    checklists: Checklists


def plan_habit_log(
    connection: sqlite3.Connection, vault: Path, config: Config, today: dt.date
) -> LogPlan | None:
    """The log's plan for this sync; None unless ``"checklists"`` is among the sources."""
    if "checklists" not in config.habits.sources:
        return None
    items, ticked = ticked_daily(connection)
    path = vault / config.habits.log

    def replan() -> Planned:
        return plan_log(path, today, ticked)

    planned = replan()
    # The dashboard shows the log as this sync leaves it, and today's ticks even while the
    # write waits for the user to leave the log alone (or cannot be made).
    history = dict(log_history(planned.new if planned.new is not None else planned.old))
    history[today] = tuple(dict.fromkeys([*history.get(today, ()), *ticked]))
    return LogPlan(planned, replan, Checklists(tuple(items), history))
