"""Running one command as a child process and measuring it: wall time and memory.

This module owns process measurement. :func:`run_tracked` starts a command, times it from
just before the spawn to the moment it is reaped (process start and exit included), and
reports two peak-memory figures:

* ``tree_peak_bytes``: the largest *sum* of resident sizes over the process and all its
  descendants (a process pool's workers included), sampled every ~20 ms with psutil (or
  ``/proc`` when psutil is not installed); a sample can miss a peak shorter than 20 ms;
* ``maxrss_bytes``: ``ru_maxrss`` from ``os.wait4``: the exact peak of the largest single
  process among the child and its reaped descendants, not their sum.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Tracked", "run_tracked", "tree_rss"]

SAMPLE_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Tracked:
    """One finished child process."""

    seconds: float
    returncode: int
    maxrss_bytes: int
    tree_peak_bytes: int | None
    """None when not sampled (or no way to sample on this OS)."""
    stdout: str
    stderr: str


def _psutil() -> Any:
    try:
        return importlib.import_module("psutil")
    except ImportError:
        return None


def _proc_children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found.extend(
                int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            )
        except (OSError, ValueError):
            continue
    return found


def _proc_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss(pid: int) -> int | None:
    """Summed resident bytes of ``pid`` and its descendants now; None if unmeasurable."""
    psutil = _psutil()
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += int(proc.memory_info().rss)
            except psutil.Error:
                continue
        return total
    if not os.path.isdir("/proc"):
        return None
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _proc_rss(current)
        stack.extend(_proc_children(current))
    return total


class _Sampler:
    """Samples :func:`tree_rss` of one process in a thread until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak: int | None = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            now = tree_rss(self.pid)
            if now is None:
                self.peak = None
                return
            self.peak = max(self.peak or 0, now)
            self.done.wait(SAMPLE_SECONDS)

    def stop(self) -> int | None:
        self.done.set()
        self.thread.join()
        return self.peak


def run_tracked(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    sample_memory: bool = False,
) -> Tracked:
    """Run ``command`` to completion, timing it and measuring its peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        sampler = _Sampler(proc.pid) if sample_memory else None
        # The sampler stops only after the child is reaped: until then its pid stays valid.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        peak = sampler.stop() if sampler is not None else None
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Tracked(
            seconds=seconds,
            returncode=proc.returncode,
            maxrss_bytes=usage.ru_maxrss * 1024,  # kilobytes on Linux
            tree_peak_bytes=peak,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
        )
