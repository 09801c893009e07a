"""Naming the vault on the command line (issue 17, items 3 and 4): every command takes the
vault as ``VAULT`` or ``--vault DIR``, and a folder that is not a vault is refused, with the
vault it lies in named, before anything is written into it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.support.cli import installed
from vaultkit.cli.args import build_parser

# Each command with its other arguments, as a user would type them.
COMMANDS: dict[str, list[str]] = {
    "sync": ["--dry-run"],
    "tasks": ["--open"],
    "links": [],
    "graph": ["--format", "mermaid"],
    "query": ["SELECT count(*) AS notes FROM notes"],
    "doctor": [],
    "inspect": ["Plan.md"],
}


def _tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def test_every_command_that_reads_a_vault_takes_it_both_ways() -> None:
    for name, command in _commands().items():
        options = {o for a in command._actions for o in a.option_strings}
        metavars = [a.metavar for a in command._actions if not a.option_strings]
        if "--vault" not in options:
            continue  # commands about no vault in particular (e.g. completion scripts)
        assert "VAULT" in metavars, name
        assert metavars[-1] == "VAULT", f"{name}: VAULT is the last positional"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("form", ["positional", "option"])
def test_each_command_finds_the_vault_it_is_given(
    vault: Path, tmp_path: Path, command: str, form: str
) -> None:
    elsewhere = tmp_path / "elsewhere"  # no vault above the current folder
    elsewhere.mkdir()
    named = [str(vault)] if form == "positional" else ["--vault", str(vault)]
    if command == "inspect":
        named = [str(vault / "Plan.md"), *named]
        rest: list[str] = []
    else:
        rest = COMMANDS[command]
    result = installed(command, *rest, *named, cwd=elsewhere)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout


def test_the_same_vault_twice_is_fine_two_different_ones_are_refused(
    vault: Path, tmp_path: Path
) -> None:
    same = installed("links", str(vault), "--vault", str(vault) + "/", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    other = tmp_path / "Other"
    (other / ".obsidian").mkdir(parents=True)
    both = installed("links", str(vault), "--vault", str(other), cwd=tmp_path)
    assert both.returncode == 2
    assert "two different vaults given" in both.stderr


def test_no_vault_found_says_how_to_name_one(tmp_path: Path) -> None:
    result = installed("tasks", cwd=tmp_path)
    assert result.returncode == 2
    assert "no vault found" in result.stderr
    assert "--vault DIR" in result.stderr


@pytest.mark.parametrize("command", ["sync", "watch", "hook", "tasks", "doctor"])
def test_a_plain_folder_is_refused_and_left_untouched(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "somefolder"
    folder.mkdir()
    (folder / "note.md").write_text("- [ ] a task\n", encoding="utf-8")
    before = _tree(folder)
    result = installed(command, str(folder), cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stderr
    assert f"vaultkit: {folder}: is not a vault (no .obsidian/ folder)" in result.stderr
    assert "vaultkit init" in result.stderr
    assert _tree(folder) == before


def test_a_subfolder_of_a_vault_is_refused_naming_the_vault(vault: Path) -> None:
    before = _tree(vault)
    result = installed("sync", str(vault / "Topics"), cwd=vault)
    assert result.returncode == 2
    assert f"is a folder inside the vault {vault.resolve()}, not a vault" in result.stderr
    assert f"pass {vault.resolve()} instead" in result.stderr
    assert _tree(vault) == before


def test_init_makes_a_plain_folder_a_vault(tmp_path: Path) -> None:
    folder = tmp_path / "Plain notes"
    folder.mkdir()
    (folder / "note.md").write_text("- [ ] a task\n- [x] done\n", encoding="utf-8")
    made = installed("init", str(folder), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    synced = installed("sync", str(folder), cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert (folder / "Dashboards" / "Status.md").is_file()
    # Found from inside, too, as a vault with .obsidian/ is.
    found = installed("tasks", cwd=folder)
    assert found.returncode == 0, found.stderr
    assert "a task" in found.stdout


def test_init_refuses_a_subfolder_of_a_vault(vault: Path) -> None:
    result = installed("init", str(vault / "Topics"), cwd=vault)
    assert result.returncode == 2
    assert "inside the vault" in result.stderr
    assert not (vault / "Topics" / ".vaultkit").exists()


def test_a_missing_folder_is_named_as_missing(tmp_path: Path) -> None:
    result = installed("sync", str(tmp_path / "Notez"), cwd=tmp_path)
    assert result.returncode == 2
    assert f"vaultkit: {tmp_path / 'Notez'}: does not exist" in result.stderr
    a_file = tmp_path / "file.md"
    a_file.write_text("x", encoding="utf-8")
    result = installed("sync", str(a_file), cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a folder" in result.stderr
