"""``vaultkit watch`` in a background thread of the test, and waiting on a condition."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultkit.live.watch import run_watch
from vaultkit.sync.result import SyncResult

DEBOUNCE_MS = 150


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)


class Running:
    """``run_watch`` in a background thread, with the reports it produced."""

    def __init__(self, vault: Path, **options: object) -> None:
        self.vault = vault
        self.stop = threading.Event()
        self.reports: list[SyncResult] = []
        self.times: list[float] = []
        self.result: list[int] = []
        self.log = vault.parent / "watch.log"
        self.thread = threading.Thread(
            target=lambda: self.result.append(
                run_watch(
                    vault,
                    debounce_ms=DEBOUNCE_MS,
                    log_file=self.log,
                    stop=self.stop,
                    on_sync=self._record,
                    **options,  # type: ignore[arg-type]
                )
            ),
            daemon=True,
        )

    def _record(self, report: SyncResult) -> None:
        self.times.append(time.monotonic())
        self.reports.append(report)

    def wait_for_sync(self, after: int, predicate: Callable[[SyncResult], bool]) -> SyncResult:
        """The first report past index ``after`` that satisfies ``predicate``."""
        found: list[SyncResult] = []

        def check() -> bool:
            found[:] = [r for r in self.reports[after:] if predicate(r)]
            return bool(found)

        wait_until(check)
        return found[0]

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        assert self.result == [0]
        assert not list(self.vault.rglob("*.vaultkit-tmp"))
