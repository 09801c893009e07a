"""The watcher's log: one line per event worth telling, never a file inside the vault.

A log file inside the vault is refused at start (issue 13): every line logged would be a
change to watch, so the watcher would trigger itself for ever, and sync services would copy a
file that changes all the time.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import IO

from vaultkit.errors import VaultkitError
from vaultkit.vault import is_inside


def check_log_file(vault: Path, log_file: Path) -> None:
    """Refuse a log file inside the vault (as given, or once symlinks are resolved)."""
    if is_inside(os.path.abspath(log_file), os.path.abspath(vault)) or is_inside(
        os.path.realpath(log_file), os.path.realpath(vault)
    ):
        raise VaultkitError(
            "is inside the vault, where each line logged would be a change for the watcher "
            "to sync and for sync services to copy; put the log outside the vault, e.g. "
            "--log-file ~/vaultkit-watch.log",
            path=str(log_file),
        )


class WatchLog:
    """One line per event worth telling: stderr, and the log file if given."""

    def __init__(self, log_file: Path | None) -> None:
        self.file: IO[str] | None = None
        if log_file is not None:
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True)
                self.file = log_file.open("a", encoding="utf-8", buffering=1)
            except OSError as exc:
                raise VaultkitError(
                    f"cannot be opened for writing ({exc.strerror or exc}); give a log file "
                    "in a folder you can write to",
                    path=str(log_file),
                ) from None

    def __call__(self, text: str) -> None:
        line = f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {text}\n"
        sys.stderr.write(line)
        sys.stderr.flush()
        if self.file is not None:
            self.file.write(line)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
