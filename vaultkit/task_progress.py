"""Task progress and the statuses that count as open (shared by index and context).

The index stores each task's cadence (:mod:`vaultkit.cadences`) and per-section done/total
counts when a note is stored, so that dashboards sum a few rows per note instead of reading
every task.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN_STATUSES = ("todo", "in_progress", "other")


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    """Tasks that count: every status but cancelled."""

    @property
    def pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
