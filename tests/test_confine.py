"""Issue 13, "never lose a save": confinement everywhere, and hostile file-system input.

Folders vaultkit writes into (``.vaultkit/``, its backups) that lead out of the vault, a
``watch --log-file`` inside the vault, a watched vault that is moved away, and the hook or a
sync meeting FIFOs, sockets, devices, folders and names that are not UTF-8. Whatever can
block (opening a FIFO) runs the real CLI in a subprocess with a timeout.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import vaultkit_executable
from tests.test_watch import tick_leetcode
from vaultkit.sync import run_sync

TIMEOUT = 20
"""Seconds any subprocess may take: a hang fails the test instead of stalling the suite."""


def cli(
    *args: str | bytes, cwd: Path | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """The installed ``vaultkit`` with ``args`` (bytes kept as bytes in argv)."""
    return subprocess.run(
        [vaultkit_executable(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        check=False,
    )


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, relative, sorted: what was written there."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def edit_region_by_hand(vault: Path) -> None:
    """A hand edit inside Plan.md's region and a ticked task: --force backs up two files."""
    plan = vault / "Plan.md"
    before, region = plan.read_text(encoding="utf-8").split("%% vaultkit:begin topics %%")
    edited = region.replace("[[Rust]]", "[[Rust]] (mine)", 1)
    assert edited != region
    plan.write_text(f"{before}%% vaultkit:begin topics %%{edited}", encoding="utf-8")
    tick_leetcode(vault)


# --- 1. --force backups and init refuse folders leading out of the vault ------------------


@pytest.fixture
def synced(example_copy: Path) -> Path:
    run_sync(example_copy)
    return example_copy


def _move_out(vault: Path, rel: str, outside: Path) -> None:
    """Replace the vault's folder ``rel`` with a symbolic link to ``outside`` (its contents
    moved there), as a user keeping it in a dotfiles repository would."""
    folder = vault / rel
    outside.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        for item in folder.iterdir():
            shutil.move(item, outside / item.name)
        folder.rmdir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(outside, target_is_directory=True)


@pytest.mark.parametrize("rel", [".vaultkit", ".vaultkit/backups", ".vaultkit/backups/Dashboards"])
def test_force_refuses_a_backup_folder_leading_out_of_the_vault(
    synced: Path, tmp_path: Path, rel: str
) -> None:
    outside = tmp_path / "outside"
    _move_out(synced, rel, outside)
    before_outside = tree(outside)
    edit_region_by_hand(synced)
    status = (synced / "Dashboards/Status.md").read_bytes()
    plan = (synced / "Plan.md").read_bytes()
    result = cli("sync", str(synced), "--force")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"{synced / rel}: leads outside the vault (to {outside})" in result.stderr
    assert "nothing was written" in result.stderr
    assert tree(outside) == before_outside  # no backup, no folder, nothing
    assert (synced / "Dashboards/Status.md").read_bytes() == status
    assert (synced / "Plan.md").read_bytes() == plan
    # The dry run says the same, and a link that stays inside the vault is fine.
    assert cli("sync", str(synced), "--force", "--dry-run").returncode == 2
    (synced / rel).unlink()
    inside = synced / ".backups-here"
    inside.mkdir()
    (synced / rel).symlink_to(inside, target_is_directory=True)
    if rel == ".vaultkit":
        for item in outside.iterdir():
            shutil.move(item, inside / item.name)
    result = cli("sync", str(synced), "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(p.suffix == ".bak" for p in inside.rglob("*"))
    assert tree(outside) in ([], before_outside)


def test_force_without_links_still_backs_up(synced: Path) -> None:
    edit_region_by_hand(synced)
    report = run_sync(synced, force=True)
    assert not report.problems
    backups = synced / ".vaultkit" / "backups"
    assert {p.name.split(".")[0] for p in backups.rglob("*.bak")} == {"Plan", "Status"}


def test_init_refuses_a_vaultkit_folder_leading_out_of_the_vault(
    example_copy: Path, tmp_path: Path
) -> None:
    shutil.rmtree(example_copy / ".vaultkit")
    outside = tmp_path / "outside"
    outside.mkdir()
    (example_copy / ".vaultkit").symlink_to(outside, target_is_directory=True)
    result = cli("init", str(example_copy))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"{example_copy / '.vaultkit'}: leads outside the vault (to {outside})" in (
        result.stderr
    )
    assert tree(outside) == []
    # A dangling link is refused the same way, and nothing is created where it points.
    (example_copy / ".vaultkit").unlink()
    (example_copy / ".vaultkit").symlink_to(outside / "missing", target_is_directory=True)
    assert cli("init", str(example_copy)).returncode == 2
    assert tree(outside) == []
    # A real folder is fine.
    (example_copy / ".vaultkit").unlink()
    assert cli("init", str(example_copy)).returncode == 0
    assert (example_copy / ".vaultkit" / "config.toml").is_file()
