"""``vaultkit completion bash|zsh|fish`` (issue 17, item 14): every command and option of the
parser is in each script (read from the parser, so a command added later is covered), each
script is valid for its shell, and bash completes with it."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import installed
from vaultkit.cli.args import build_parser

SHELLS = ("bash", "zsh", "fish")


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """The top level (""), every command's parser and every command's own commands'
    (``cache list``, named "cache list")."""
    parser = build_parser()
    found = {"": parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
            for name, command in action.choices.items():
                for own in command._actions:
                    if isinstance(own, argparse._SubParsersAction):
                        found.update({f"{name} {sub}": p for sub, p in own.choices.items()})
    return found


def _script(shell: str, folder: Path) -> Path:
    result = installed("completion", shell)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    path = folder / f"vaultkit.{shell}"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def _as_written(shell: str, flag: str) -> str:
    """How ``flag`` appears in ``shell``'s script."""
    if shell != "fish":
        return flag
    return f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"


@pytest.mark.parametrize("shell", SHELLS)
def test_every_command_and_option_of_the_parser_is_completed(shell: str, tmp_path: Path) -> None:
    text = _script(shell, tmp_path).read_text(encoding="utf-8")
    parsers = _parsers()
    assert len(parsers) > 10
    for name, parser in parsers.items():
        for word in name.split():
            assert word in text.split("\n", 3)[-1], name
        for action in parser._actions:
            for flag in action.option_strings:
                assert _as_written(shell, flag) in text, (name, flag)
            for choice in action.choices or () if action.option_strings else ():
                assert str(choice) in text, (name, choice)


def test_each_shell_accepts_its_script(tmp_path: Path) -> None:
    checks = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}
    ran = []
    for shell, check in checks.items():
        if shutil.which(check[0]) is None:
            continue
        result = subprocess.run(
            [*check, str(_script(shell, tmp_path))], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (shell, result.stderr)
        ran.append(shell)
    if not ran:
        pytest.skip("none of bash, zsh and fish is installed")


def _complete(script: Path, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash offers for the last of ``words`` after ``vaultkit``, through the function
    the script registers with ``complete``."""
    program = f"""
source {str(script)!r}
spec=$(complete -p vaultkit) || exit 3
function=${{spec##*-F }}; function=${{function%% *}}
COMP_WORDS=(vaultkit {" ".join(repr(w) for w in words)})
COMP_CWORD={len(words)}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$function" vaultkit {words[-1]!r} {(["vaultkit", *words][-2])!r}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_choices_and_folders(tmp_path: Path) -> None:
    script = _script("bash", tmp_path)
    assert _complete(script, "sy") == ["sync"]
    assert _complete(script, "-q", "sync", "--dr") == ["--dry-run"]
    assert _complete(script, "graph", "--format", "") == ["json", "graphml", "dot", "mermaid"]
    assert _complete(script, "--color", "ne") == ["never"]
    assert "--vault" in _complete(script, "tasks", "--")
    (tmp_path / "My Notes").mkdir()
    (tmp_path / "My notes.md").write_text("", encoding="utf-8")
    # VAULT and --vault complete folders; --file (a note) files too.
    assert _complete(script, "sync", "My", cwd=tmp_path) == ["My Notes"]
    assert _complete(script, "links", "--vault", "M", cwd=tmp_path) == ["My Notes"]
    assert sorted(_complete(script, "hook", "--file", "My", cwd=tmp_path)) == [
        "My Notes",
        "My notes.md",
    ]
    assert _complete(script, "query", "SEL") == []


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_commands_options_and_choices(tmp_path: Path) -> None:
    script = _script("fish", tmp_path)

    def offered(line: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f"source {str(script)!r}; complete -C {line!r}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        return [row.split("\t")[0] for row in result.stdout.splitlines()]

    assert offered("vaultkit sy") == ["sync"]
    assert offered("vaultkit sync --dr") == ["--dry-run"]
    assert sorted(offered("vaultkit graph --format ")) == ["dot", "graphml", "json", "mermaid"]
