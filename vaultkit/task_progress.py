"""Task progress and the statuses that count as open (shared by index and context).

The index stores each task's cadence (:mod:`vaultkit.cadences`) and per-section done/total
counts when a note is stored, so that dashboards sum a few rows per note instead of reading
every task.
"""

from __future__ import annotations

import datetime as dt

OPEN_STATUSES = ("todo", "in_progress", "other")


BI_WEEKLY_ANCHOR = dt.date(2024, 1, 1)
"""A Monday: the two-week periods of the bi-weekly cadence are counted from it."""


def period_start(cadence: str, day: dt.date) -> dt.date | None:
    """The first day of the cadence's period holding ``day`` (None: a cadence without one):
    the day itself for daily, the ISO week's Monday for weekly and weekend, a Monday every two
    weeks from :data:`BI_WEEKLY_ANCHOR` for bi-weekly, the first of the month, quarter or year."""
    if cadence == "daily":
        return day
    if cadence in ("weekly", "weekend"):
        return day - dt.timedelta(days=day.weekday())
    if cadence == "bi-weekly":
        return BI_WEEKLY_ANCHOR + dt.timedelta(days=(day - BI_WEEKLY_ANCHOR).days // 14 * 14)
    if cadence == "monthly":
        return day.replace(day=1)
    if cadence == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if cadence == "yearly":
        return day.replace(month=1, day=1)
    return None


class Progress:
    """Done of total tasks: a value (equal when both are, hashable, read-only)."""

    # Written out rather than a frozen dataclass: the hook imports this module on every save,
    # and such a dataclass costs ~1.3 ms to define.
    __slots__ = ("done", "total")
    done: int
    total: int
    """Tasks that count: every status but cancelled."""

    def __init__(self, done: int, total: int) -> None:
        object.__setattr__(self, "done", done)
        object.__setattr__(self, "total", total)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Progress is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Progress is read-only: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Progress):
            return NotImplemented
        return self.done == other.done and self.total == other.total

    def __hash__(self) -> int:
        return hash((self.done, self.total))

    def __repr__(self) -> str:
        return f"Progress(done={self.done!r}, total={self.total!r})"

    def __reduce__(self) -> tuple[type[Progress], tuple[int, int]]:
        return Progress, (self.done, self.total)

    @property
    def pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
