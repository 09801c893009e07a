"""The Python peer: obsidiantools building its graph of the same vault.

This module owns the peer measurement. :func:`build_peer_graph` runs inside a child
interpreter (``python -m benchmarks.child peer VAULT``) and times only the documented
fluent call ``obsidiantools.api.Vault(path).connect().gather()`` (the import of
obsidiantools, pandas and numpy is left out, which favours the peer). :func:`run_peer` runs
that child from the harness, once by default (it needs ~13 minutes for 10,000 notes),
sampling its resident memory as for vaultkit's cold sync.

obsidiantools has no incremental mode: every run rebuilds everything, so its one time is
compared with both vaultkit's cold and its warm sync. It is optional (the ``bench`` extra).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.procs import run_tracked

__all__ = ["PEER_CALL", "PeerResult", "build_peer_graph", "peer_available", "run_peer"]

PEER_CALL = "obsidiantools.api.Vault(path).connect().gather()"


@dataclass(frozen=True, slots=True)
class PeerResult:
    seconds: float
    """The timed call alone."""
    wall_seconds: float
    """The child process from start to exit (imports included)."""
    tree_peak_bytes: int | None
    maxrss_bytes: int
    notes: int
    """Notes obsidiantools found (a check that it read the whole vault)."""
    edges: int
    """Edges of its link graph."""
    version: str


def peer_available() -> bool:
    """Whether obsidiantools is installed."""
    return importlib.util.find_spec("obsidiantools") is not None


def build_peer_graph(vault: Path) -> dict[str, Any]:
    """Time obsidiantools on ``vault`` in this process (run in a child interpreter)."""
    api = importlib.import_module("obsidiantools.api")
    from importlib.metadata import version

    started = time.perf_counter()
    built = api.Vault(vault).connect().gather()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "notes": len(built.md_file_index),
        "edges": built.graph.number_of_edges(),
        "version": version("obsidiantools"),
    }


def run_peer(vault: Path, env: dict[str, str]) -> PeerResult:
    """Run obsidiantools once on ``vault`` in a child process and measure it."""
    tracked = run_tracked(
        [sys.executable, "-m", "benchmarks.child", "peer", str(vault)],
        env=env,
        sample_memory=True,
    )
    if tracked.returncode != 0:
        raise RuntimeError(f"obsidiantools failed:\n{tracked.stderr[-2000:]}")
    data = json.loads(tracked.stdout.strip().splitlines()[-1])
    return PeerResult(
        seconds=float(data["seconds"]),
        wall_seconds=tracked.seconds,
        tree_peak_bytes=tracked.tree_peak_bytes,
        maxrss_bytes=tracked.maxrss_bytes,
        notes=int(data["notes"]),
        edges=int(data["edges"]),
        version=str(data["version"]),
    )
