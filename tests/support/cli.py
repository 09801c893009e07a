"""vaultkit's command line, as the tests run it: the installed console script (a real process),
or ``vaultkit.cli.main.run`` in this process (so that faults injected into it apply); and the
example vault they mostly run on."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

from vaultkit.cli.main import run

EXAMPLE_VAULT = Path(__file__).resolve().parent.parent.parent / "example_vault"


def vaultkit_executable() -> str:
    script = Path(sys.executable).parent / "vaultkit"
    found = str(script) if script.exists() else shutil.which("vaultkit")
    assert found, "the vaultkit console script is not installed (pip install '.[test]')"
    return found


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, text


def sync(vault: Path, *args: str) -> tuple[int, str]:
    """``vaultkit sync`` in this process (so the injected faults apply); exit, stdout+stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = run(["sync", str(vault), *args], out, err)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, text
