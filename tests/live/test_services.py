"""The service files in docs/services/: what they run, where the log goes, and that a watcher
refused because another one keeps the vault current is not restarted in a loop."""

from __future__ import annotations

import configparser
import plistlib
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import installed
from tests.support.lock_holder import Holder
from vaultkit.errors import ExitStatus

SERVICES = Path(__file__).resolve().parents[2] / "docs" / "services"
PLIST = SERVICES / "io.github.vaultkit.watch.plist"
UNIT = SERVICES / "vaultkit-watch.service"


def _plist() -> dict[str, object]:
    with PLIST.open("rb") as handle:
        loaded: dict[str, object] = plistlib.load(handle)
    return loaded


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(UNIT, encoding="utf-8")
    return parser


def _option_value(arguments: list[str], option: str) -> str | None:
    for at, argument in enumerate(arguments):
        if argument == option and at + 1 < len(arguments):
            return arguments[at + 1]
        if argument.startswith(option + "="):
            return argument.split("=", 1)[1]
    return None


@pytest.fixture
def watcher(vault: Path, tmp_path: Path) -> Iterator[Holder]:
    """Another vaultkit watch holding the vault (its lock, with the holder noted as a watch)."""
    holder = Holder(vault, "watch", tmp_path / "ready")
    yield holder
    holder.stop()


def test_the_plist_writes_each_log_line_once() -> None:
    plist = _plist()
    arguments = plist["ProgramArguments"]
    assert isinstance(arguments, list)
    assert arguments[1] == "watch"
    log = _option_value(arguments, "--log-file")
    outputs = {plist.get("StandardErrorPath"), plist.get("StandardOutPath")} - {None}
    assert outputs, "the watcher's stderr must go to a log file"
    assert log is None or log not in outputs, "one file given twice: every line logged twice"


def test_a_vault_path_with_spaces_is_one_argument_in_both_files() -> None:
    arguments = _plist()["ProgramArguments"]
    assert isinstance(arguments, list)
    assert arguments[2].endswith("/Obsidian Vault")
    # systemd splits ExecStart on whitespace outside double quotes, as shlex does here.
    exec_start = shlex.split(_unit()["Service"]["ExecStart"])
    assert exec_start[1:] == ["watch", "%h/Obsidian Vault"]


def test_a_refused_second_watcher_is_not_restarted(vault: Path, watcher: Holder) -> None:
    service = _unit()["Service"]
    assert service["Restart"] == "on-failure"
    prevented = {int(status) for status in service["RestartPreventExitStatus"].split()}
    plist = _plist()
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    arguments = plist["ProgramArguments"]
    assert isinstance(arguments, list)
    options = [argument for argument in arguments[3:] if argument.startswith("-")]

    refused = installed("watch", str(vault), timeout=60)
    assert refused.returncode == ExitStatus.ALREADY_WATCHED, refused.stderr
    assert refused.returncode in prevented, "systemd would restart it every RestartSec"
    assert f"watch, pid {watcher.pid}" in refused.stderr
    assert "Traceback" not in refused.stderr

    # launchd restarts any job that exits with another status than 0: the plist's options
    # must make the refusal a success.
    under_launchd = installed("watch", str(vault), *options, timeout=60)
    assert under_launchd.returncode == ExitStatus.OK, under_launchd.stderr
    assert f"watch, pid {watcher.pid}" in under_launchd.stderr


def test_a_watcher_refused_by_a_sync_is_restarted(vault: Path, tmp_path: Path) -> None:
    """A sync holds the lock only for a moment: that refusal stays a failure (exit 2), which
    the services retry, and --ok-if-watched does not hide it."""
    holder = Holder(vault, "sync", tmp_path / "ready")
    try:
        refused = installed("watch", str(vault), "--ok-if-watched", timeout=60)
    finally:
        holder.stop()
    assert refused.returncode == ExitStatus.ERROR, refused.stderr
    assert refused.returncode not in {
        int(status) for status in _unit()["Service"]["RestartPreventExitStatus"].split()
    }
