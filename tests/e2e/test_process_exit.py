"""How a ``vaultkit`` process ends (``vaultkit.cli.main.end_process``): without tearing the
interpreter down, but after everything Python's own exit does that anyone can see: threads
waited for, ``atexit`` functions run, stdout and stderr flushed; and a failed write of the
output is one line and status 120, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import installed, installed_writing_to
from vaultkit.errors import ExitStatus


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_exit_runs_atexit_functions_and_flushes_the_output(tmp_path: Path) -> None:
    marker = tmp_path / "atexit-ran"
    ended = _python(
        """
        import atexit, pathlib, sys
        from vaultkit.cli.main import end_process
        atexit.register(lambda: pathlib.Path(sys.argv[1]).write_text("ran"))
        sys.stdout.write("written, not flushed")
        sys.stderr.write("on stderr")
        end_process(3)
        """,
        str(marker),
    )
    assert ended.returncode == 3
    assert ended.stdout == "written, not flushed"
    assert ended.stderr == "on stderr"
    assert marker.read_text() == "ran"


def test_the_exit_waits_for_a_thread_python_would_wait_for(tmp_path: Path) -> None:
    marker = tmp_path / "thread-finished"
    ended = _python(
        """
        import pathlib, sys, threading, time
        from vaultkit.cli.main import end_process
        def late():
            time.sleep(0.3)
            pathlib.Path(sys.argv[1]).write_text("finished")
        threading.Thread(target=late).start()
        end_process(0)
        """,
        str(marker),
    )
    assert ended.returncode == 0, ended.stderr
    assert marker.read_text() == "finished"


def _to_full_disk(*args: str) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return installed_writing_to(full.fileno(), *args)


FULL = "vaultkit: could not write the output: No space left on device"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["tasks", "--vault", "{vault}"],  # held, written whole at the end
        ["tasks", "--json", "--vault", "{vault}"],
        ["query", "--vault", "{vault}", "SELECT path FROM notes"],  # streamed
        ["query", "--vault", "{vault}", "SELECT 1"],  # streamed, still buffered at the end
        ["graph", "--vault", "{vault}"],
    ],
)
def test_output_to_a_full_disk_is_one_line_and_status_120(vault: Path, argv: list[str]) -> None:
    ended = _to_full_disk(*(a.format(vault=vault) for a in argv))
    assert ended.returncode == ExitStatus.OUTPUT_FAILED
    assert int(ExitStatus.OUTPUT_FAILED) == 120  # what Python's own exit gives a failed flush
    assert "Traceback" not in ended.stderr
    assert ended.stderr.splitlines() == [FULL]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_an_error_keeps_its_status_when_the_output_fails_too(tmp_path: Path) -> None:
    ended = _to_full_disk("sync", str(tmp_path / "missing"), "--json")
    assert ended.returncode == ExitStatus.ERROR
    assert "does not exist" in ended.stderr and FULL in ended.stderr
    assert "Traceback" not in ended.stderr


def test_a_hook_leaves_the_index_closed(vault: Path, tmp_path: Path) -> None:
    """Every index connection is closed where it is used, so ending without the interpreter's
    teardown leaves no write-ahead log behind for the next process to recover."""
    assert installed("sync", str(vault)).returncode == 0
    plan = vault / "Plan.md"
    plan.write_text(plan.read_text("utf-8") + "\n- [ ] one more\n", encoding="utf-8")
    hooked = installed("hook", str(vault), "--file", str(plan))
    assert "wrote Dashboards/Status.md" in hooked.stderr
    assert hooked.returncode == 0
    left = [p.name for p in (tmp_path / "cache").rglob("*") if p.suffix[-4:] in ("-wal", "-shm")]
    assert left == []
