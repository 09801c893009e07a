"""Task progress and the cadence sections it is grouped by (shared by index and context).

The index stores each task's cadence and per-section done/total counts when a note is
stored, so that dashboards sum a few rows per note instead of reading every task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CADENCES = ("daily", "weekly", "bi-weekly", "biweekly", "weekend", "monthly", "quarterly", "yearly")
_CADENCE_WORDS = re.compile(r"[^a-z]+")
OPEN_STATUSES = ("todo", "in_progress", "other")


@lru_cache(maxsize=4096)
def cadence_of(section: str) -> str | None:
    """The cadence named by the innermost heading of a section path, if any."""
    if not section:
        return None
    last = section.split(" > ")[-1].casefold()
    squashed = _CADENCE_WORDS.sub("", last)
    for cadence in CADENCES:
        if squashed == cadence.replace("-", "") or last.startswith(cadence):
            return "bi-weekly" if cadence == "biweekly" else cadence
    return None


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    """Tasks that count: every status but cancelled."""

    @property
    def pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
