"""Another process holding a vault's lock (``vaultkit.sync.lock``), until stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from vaultkit.sync.lock import vault_lock
from vaultkit.vaultpaths import VaultPaths
with vault_lock(VaultPaths(Path(sys.argv[1])), sys.argv[2]):
    Path(sys.argv[3]).write_text("ready")
    time.sleep(120)
"""


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Holder:
    """Another process holding the vault lock, until stopped."""

    def __init__(self, vault: Path, purpose: str, ready: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER_SCRIPT, str(vault), purpose, str(ready)],
            env=dict(os.environ),
        )
        wait_for(lambda: ready.exists() or self.process.poll() is not None)
        assert self.process.poll() is None, "the holder process died before taking the lock"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
