"""``vaultkit sync`` run over and over in its own process, for the concurrency test.

Usage: ``python -m tests.support.sync_loop VAULT STOP_FILE``: syncs until ``STOP_FILE`` exists,
then prints how many files each sync status counted, as JSON.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths


def main(argv: list[str]) -> int:
    vault, stop = Path(argv[0]), Path(argv[1])
    counts: Counter[str] = Counter()
    while not stop.exists():
        report = run_sync(VaultPaths(vault), progress=False)
        counts["syncs"] += 1
        for result in report.results:
            counts[result.status.value] += 1
            if result.status.value == "error":
                counts[f"error: {result.message}"] += 1
    json.dump(dict(counts), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
