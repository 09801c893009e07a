"""vaultkit's command line, as the tests run it: the installed console script (a real process),
or ``vaultkit.cli.main.run`` in this process (so that faults injected into it apply); and the
example vault they mostly run on."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from vaultkit.cli.main import run
from vaultkit.vaultpaths import BACKUPS_PATH, LOCK_PATH

EXAMPLE_VAULT = Path(__file__).resolve().parent.parent.parent / "example_vault"


def copy_example_vault(target: Path) -> Path:
    """A copy of example_vault without what a run of vaultkit leaves in it (the writer lock,
    backups): the README's first command syncs it, and a test vault must not start locked."""
    left = {EXAMPLE_VAULT / LOCK_PATH, EXAMPLE_VAULT / BACKUPS_PATH}

    def run_time_files(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if Path(folder, name) in left}

    shutil.copytree(EXAMPLE_VAULT, target, ignore=run_time_files)
    return target


def vaultkit_executable() -> str:
    script = Path(sys.executable).parent / "vaultkit"
    found = str(script) if script.exists() else shutil.which("vaultkit")
    assert found, "the vaultkit console script is not installed (pip install '.[test]')"
    return found


def installed(
    *args: str | bytes,
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The installed ``vaultkit`` with ``args`` (bytes kept as bytes in argv), as a process."""
    return subprocess.run(
        [vaultkit_executable(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        check=False,
        env=env,
        preexec_fn=preexec,
    )


def installed_writing_to(stdout: int, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``vaultkit`` with ``args`` and its stdout on the file descriptor given
    (a pipe nobody reads, ``/dev/full``); stderr captured."""
    return subprocess.run(
        [vaultkit_executable(), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, text


def sync(vault: Path, *args: str) -> tuple[int, str]:
    """``vaultkit sync`` in this process (so the injected faults apply); exit, stdout+stderr."""
    return cli("sync", str(vault), *args)
