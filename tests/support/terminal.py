"""The installed ``vaultkit`` run on a terminal: stdout and stderr on a pseudo-terminal of 100
columns, so that what it does only on a terminal (colour, progress bars) can be seen."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

from tests.support.cli import vaultkit_executable


def on_terminal(*args: str, env: dict[str, str], cwd: Path | None = None) -> tuple[int, str]:
    """Exit status and everything written to the terminal (stdout and stderr, as shown)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [vaultkit_executable(), *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
    )
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=120), shown.decode("utf-8", errors="replace")


def terminal_env(**extra: str) -> dict[str, str]:
    """This process's environment (the test's vault settings) as a colour terminal's, with
    ``extra`` on top; without ``NO_COLOR`` unless ``extra`` sets it."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env
