"""In-process measurements, each run in a fresh child interpreter.

This module owns the measurements that time a call rather than a command: the harness runs
``python -m benchmarks.child KIND VAULT ...`` and reads one JSON object from its stdout. A
fresh interpreter per kind keeps the harness's own memory, threads and imports out of the
figures.

* ``floors``: :func:`benchmarks.floors.read_all` and :func:`benchmarks.floors.parse_all`,
  each repeated, every repetition timed;
* ``warm``: ``vaultkit.sync.run.run_sync(VaultPaths(vault))`` and
  :func:`benchmarks.floors.walk_stat`, one untimed warm-up each, then alternately timed
  (alternating spreads the noise of a shared machine over both);
* ``peer``: obsidiantools building its graph, once (see :mod:`benchmarks.peer`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.floors import markdown_files, parse_all, read_all, walk_stat

__all__ = ["main"]


def _floors(vault: Path, runs: int, parse_runs: int) -> dict[str, Any]:
    root = str(vault)
    read_seconds: list[float] = []
    read_bytes = 0
    for _ in range(runs):
        started = time.perf_counter()
        read_bytes = read_all(root)
        read_seconds.append(time.perf_counter() - started)
    paths = markdown_files(root)
    parse_seconds: list[float] = []
    tokens = 0
    for _ in range(parse_runs):
        started = time.perf_counter()
        tokens = parse_all(paths)
        parse_seconds.append(time.perf_counter() - started)
    return {
        "read_all": read_seconds,
        "read_bytes": read_bytes,
        "parse": parse_seconds,
        "parse_tokens": tokens,
        "notes": len(paths),
    }


def _warm(vault: Path, runs: int) -> dict[str, Any]:
    from vaultkit.sync.run import run_sync
    from vaultkit.vaultpaths import VaultPaths

    root = str(vault)
    run_sync(VaultPaths(vault), progress=False)
    files = walk_stat(root)
    sync_seconds: list[float] = []
    walk_seconds: list[float] = []
    parsed = written = 0
    for _ in range(runs):
        started = time.perf_counter()
        # The record is built in the timed call, as each command builds it.
        report = run_sync(VaultPaths(vault), progress=False)
        sync_seconds.append(time.perf_counter() - started)
        parsed += len(report.index.parsed)
        written += sum(1 for item in report.results if item.status.value in ("written", "created"))
        started = time.perf_counter()
        walk_stat(root)
        walk_seconds.append(time.perf_counter() - started)
    return {
        "sync": sync_seconds,
        "walk": walk_seconds,
        "files": files,
        "notes_parsed": parsed,
        "files_written": written,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("kind", choices=("floors", "warm", "peer"))
    parser.add_argument("vault", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--parse-runs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.kind == "floors":
        result = _floors(args.vault, args.runs, args.parse_runs)
    elif args.kind == "warm":
        result = _warm(args.vault, args.runs)
    else:
        from benchmarks.peer import build_peer_graph

        result = build_peer_graph(args.vault)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
