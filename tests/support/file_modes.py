"""Read-only files that stay read-only for a test run as root.

Root writes through ``chmod 444`` (CAP_DAC_OVERRIDE), so a test of "a read-only index" or "a
read-only vault" would prove nothing there. :func:`as_a_user` gives a ``preexec_fn`` that drops
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the child's capability bounding set: the program
it runs is still uid 0 (so it can reach the interpreter under ``/root``) but meets file modes
as any user does. Not root: file modes already hold, and the fixture gives None.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def _obey_file_modes() -> None:
    """In the child: drop the capabilities that let root write through file modes
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set; the program it runs then
    meets a read-only file as any user does."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.fixture
def as_a_user(tmp_path: Path) -> Callable[[], None] | None:
    """A preexec function under which chmod 444 stops writes, even for root (None: not root,
    where it does anyway). Skips where neither holds."""
    if os.geteuid() != 0:
        return None
    if not sys.platform.startswith("linux"):
        pytest.skip("running as root, and dropping capabilities needs Linux")
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0o444)
    try:
        result = subprocess.run(
            [sys.executable, "-c", f"open({str(probe)!r}, 'a').write('y')"],
            preexec_fn=_obey_file_modes,
            capture_output=True,
            check=False,
        )
    except subprocess.SubprocessError:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
    if result.returncode == 0:
        pytest.skip("root writes through a read-only mode here even without CAP_DAC_OVERRIDE")
    return _obey_file_modes
