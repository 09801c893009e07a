"""What the command line says besides its results (issue 17, items 9 to 11), on the real CLI:
the announcement, progress bars and closing time of long work; -q and -v; the ``vaultkit:``
prefix on every warning; colour on a terminal only."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.support.cli import installed
from tests.support.terminal import on_terminal, terminal_env
from vaultkit.feedback import LONG_WORK, PHASES

ESCAPE = "\x1b["


def _long_vault(vault: Path) -> int:
    """Add enough notes to ``vault`` for a first sync to be long work; how many notes it has."""
    folder = vault / "Bulk"
    folder.mkdir()
    for i in range(LONG_WORK):
        (folder / f"Bulk note {i}.md").write_text(
            f"# Bulk note {i}\n\nSee [[Bulk note {(i + 1) % LONG_WORK}]] and [[Status]].\n\n"
            f"- [ ] task {i} 📅 2026-12-0{i % 9 + 1}\n",
            encoding="utf-8",
        )
    return sum(1 for _ in vault.rglob("*.md"))


def test_a_long_first_sync_says_so_and_how_long_it_took_when_piped(vault: Path) -> None:
    notes = _long_vault(vault)
    result = installed("sync", str(vault))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"vaultkit: indexing {notes:,} notes, first run…"
    assert re.fullmatch(r"vaultkit: sync done in \d+\.\d s", lines[-1])
    assert len(lines) == 2
    assert "indexing" not in result.stdout and ESCAPE not in result.stdout + result.stderr
    # Nothing changed since: quick, so not a word on stderr.
    again = installed("sync", str(vault))
    assert again.returncode == 0 and again.stderr == ""
    # A read command on a cold index says so too: it indexes the same notes.
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(vault.parent / "other cache")}
    tasks = installed("tasks", "--vault", str(vault), env=env)
    assert tasks.returncode == 0 and tasks.stdout
    assert tasks.stderr.startswith(f"vaultkit: indexing {notes:,} notes, first run…\n")
    assert re.search(r"\nvaultkit: tasks done in \d+\.\d s\n$", tasks.stderr)


def test_a_short_sync_says_nothing_on_stderr(vault: Path) -> None:
    result = installed("sync", str(vault))
    assert result.returncode == 0
    assert result.stderr == "" and "written" in result.stdout


def test_long_work_on_a_terminal_shows_a_bar_per_phase(vault: Path) -> None:
    _long_vault(vault)
    code, shown = on_terminal("sync", str(vault), env=terminal_env())
    assert code == 0, shown
    for bar in ("parsing:", "resolving links:", "rendering:"):
        assert re.search(rf"{bar} +\d+%\|", shown), (bar, shown)
    assert re.search(r"vaultkit: sync done in \d+\.\d s", shown)


def test_quiet_prints_nothing_on_a_sync_that_wrote_files(vault: Path) -> None:
    _long_vault(vault)  # long work: even its announcement and time are left out
    result = installed("-q", "sync", str(vault))
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert (vault / "Dashboards" / "Status.md").is_file()
    # After the command too; --json is a result asked for, so it stays.
    (vault / "Dashboards" / "Status.md").unlink()
    after = installed("sync", str(vault), "-q", "--json")
    assert after.stderr == ""
    assert any(f["status"] == "created" for f in json.loads(after.stdout)["files"])


def test_quiet_still_shows_errors(vault: Path) -> None:
    result = installed("-q", "sync", str(vault / "nowhere"))
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.startswith("vaultkit: ")


def test_verbose_shows_each_phase_time_on_stderr(vault: Path) -> None:
    for argv in (["-v", "sync", str(vault)], ["sync", str(vault), "--verbose"]):
        (vault / "Status.md").write_text(
            (vault / "Status.md").read_text(encoding="utf-8") + "\n- [ ] one more\n",
            encoding="utf-8",
        )
        result = installed(*argv)
        assert result.returncode == 0, result.stderr
        times = re.findall(r"^vaultkit: (\w+): \d+\.\d\d s$", result.stderr, re.M)
        assert sorted(times) == sorted(PHASES), result.stderr
        assert "vaultkit:" not in result.stdout
        assert re.match(r"\d+ dashboards \(", result.stdout.splitlines()[-1])


def test_a_library_warning_comes_prefixed(vault: Path) -> None:
    (vault / ".obsidian" / "daily-notes.json").write_text('{"format": "gggg-[W]ww"}')
    for argv in (["sync", str(vault)], ["hook", str(vault), "--file", str(vault / "Status.md")]):
        result = installed(*argv)
        warnings = [line for line in result.stderr.splitlines() if "daily-note format" in line]
        assert warnings, result.stderr
        assert all(line.startswith("vaultkit: warning: ") for line in warnings)
    assert installed("-q", "sync", str(vault), "--force").stderr == ""


def _stale(vault: Path) -> None:
    """A vault whose Status dashboard a sync changes (the date moved on)."""
    assert installed("sync", str(vault)).returncode == 0
    (vault / "Status.md").write_text(
        (vault / "Status.md").read_text(encoding="utf-8") + "\n- [ ] a new task\n",
        encoding="utf-8",
    )


def test_piped_output_has_no_escape_codes(vault: Path) -> None:
    _stale(vault)
    result = installed("sync", str(vault), "--diff")
    assert result.returncode == 0
    assert "\n+++ b/Dashboards/Status.md\n" in result.stdout and "\n@@ " in result.stdout
    assert ESCAPE not in result.stdout + result.stderr
    missing = installed("sync", str(vault / "nowhere"))
    assert missing.returncode == 2 and ESCAPE not in missing.stderr


def test_color_always_paints_diffs_and_errors_even_when_piped(vault: Path) -> None:
    _stale(vault)
    result = installed("--color=always", "sync", str(vault), "--diff")
    assert "\x1b[1m--- a/Dashboards/Status.md\x1b[0m" in result.stdout
    assert re.search(r"\x1b\[32m\+.*\x1b\[0m", result.stdout)
    assert re.search(r"\x1b\[36m@@ .*\x1b\[0m", result.stdout)
    missing = installed("sync", str(vault / "nowhere"), "--color", "always")
    assert missing.stderr.startswith("\x1b[31mvaultkit: ")
    never = installed("sync", str(vault), "--diff", "--color=never")
    assert ESCAPE not in never.stdout


@pytest.mark.parametrize(
    ("extra", "coloured"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True), ({"TERM": "dumb"}, False)],
)
def test_a_terminal_gets_colour_unless_no_color_or_a_dumb_terminal(
    vault: Path, extra: dict[str, str], coloured: bool
) -> None:
    _stale(vault)
    code, shown = on_terminal("sync", str(vault), "--diff", env=terminal_env(**extra))
    assert code == 0, shown
    assert "a/Dashboards/Status.md" in shown
    assert (ESCAPE in shown) is coloured
    forced = terminal_env(**extra)
    code, shown = on_terminal("sync", str(vault), "--diff", "--color=never", env=forced)
    assert ESCAPE not in shown


def test_a_conflict_is_red_on_a_terminal(vault: Path) -> None:
    assert installed("sync", str(vault)).returncode == 0
    status = vault / "Dashboards" / "Status.md"
    status.write_text(status.read_text(encoding="utf-8").replace("# Status", "# Status, mine", 1))
    (vault / "Status.md").write_text(
        (vault / "Status.md").read_text(encoding="utf-8") + "\n- [ ] a new task\n",
        encoding="utf-8",
    )
    code, shown = on_terminal("sync", str(vault), env=terminal_env())
    assert code == 1, shown
    assert re.search(r"\x1b\[31mconflict +Dashboards/Status\.md", shown), shown
    assert re.search(r"\x1b\[31m1 conflict\x1b\[0m", shown), shown


def test_dash_capital_v_is_the_version() -> None:
    short, long = installed("-V"), installed("--version")
    assert short.returncode == 0 and short.stdout == long.stdout
    assert short.stdout.startswith("vaultkit ")
