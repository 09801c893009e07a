"""End-to-end tests of ``vaultkit sync`` through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLE_VAULT, copy_example_vault, vaultkit_executable
from tests.support.region_vault import disable_quiet_period

TODAY = "2026-11-22"


def make_plain(target: Path) -> Path:
    """Take vaultkit's config, dashboards and region out of a copy of the example vault."""
    shutil.rmtree(target / ".vaultkit")
    shutil.rmtree(target / "Dashboards")
    plan = target / "Plan.md"
    text = plan.read_text(encoding="utf-8")
    begin = text.index("%% vaultkit:begin topics %%")
    end = text.index("\n", text.index("%% vaultkit:end topics"))
    plan.write_text(text[:begin] + text[end + 1 :], encoding="utf-8")
    return target


@pytest.fixture(autouse=True)
def plain(vault: Path) -> None:
    """These tests start from a vault vaultkit has never seen: no config, no dashboards."""
    make_plain(vault)


def sync(vault: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAULTKIT_TODAY": TODAY}
    return subprocess.run(
        [
            vaultkit_executable(),
            "sync",
            str(vault),
            "--index",
            str(vault.parent / "i.sqlite3"),
            *args,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def snapshot(vault: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the vault but the writer lock (created empty once, never written)."""
    return {
        rel: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(vault.rglob("*"))
        if p.is_file() and (rel := p.relative_to(vault).as_posix()) != ".vaultkit/lock"
    }


def test_first_sync_writes_five_useful_dashboards(vault: Path) -> None:
    result = sync(vault)
    assert result.returncode == 0, result.stdout + result.stderr
    board = vault / "Dashboards"
    status = (board / "Status.md").read_text(encoding="utf-8")
    assert "tasks done" in status
    for cadence in ("Daily", "Bi-weekly", "Weekend"):
        assert f"| {cadence} |" in status
    assert "[[Status#Daily]]" in status or "[[Status#Daily|" in status
    assert "```mermaid" in status and "pie" in status
    topics = (board / "Topics.md").read_text(encoding="utf-8")
    assert "[[Rust]]" in topics and "[[Databases]]" in topics
    rust_row = next(line for line in topics.splitlines() if line.startswith("| [[Rust]]"))
    assert "<br>" in rust_row
    resources = (board / "Resources.md").read_text(encoding="utf-8")
    assert "arxiv.org" in resources
    habits = (board / "Habits.md").read_text(encoding="utf-8")
    assert "Gym" in habits and "| Habit |" in habits
    links = (board / "Link health.md").read_text(encoding="utf-8")
    assert "Someday Ideas" in links and "No Such Heading" in links
    for text in (status, topics, resources, habits, links):
        assert "- [ ]" not in text and "- [x]" not in text


def test_second_sync_writes_nothing(vault: Path) -> None:
    assert sync(vault).returncode == 0
    before = snapshot(vault)
    result = sync(vault)
    assert result.returncode == 0
    assert snapshot(vault) == before
    assert "0 written" in result.stdout


def test_dashboards_do_not_count_themselves(vault: Path) -> None:
    assert sync(vault).returncode == 0
    index = vault.parent / f"{vault.name}.db"
    sql = "SELECT count(*) AS n FROM tasks WHERE note LIKE 'Dashboards/%'"
    result = subprocess.run(
        [vaultkit_executable(), "query", sql, "--vault", str(vault), "--index", str(index),
         "--json"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert json.loads(result.stdout) == [{"n": 0}]


def test_check_and_dry_run(vault: Path) -> None:
    before = snapshot(vault)
    assert sync(vault, "--dry-run").returncode == 0
    assert snapshot(vault) == before
    assert sync(vault, "--check").returncode == 1
    # Not even the writer lock: a dry run creates nothing in the vault.
    assert not (vault / ".vaultkit" / "lock").exists()
    assert sync(vault).returncode == 0
    assert sync(vault, "--check").returncode == 0
    (vault / "Status.md").write_text(
        (vault / "Status.md").read_text(encoding="utf-8").replace("- [ ]", "- [x]", 1),
        encoding="utf-8",
    )
    assert sync(vault, "--check").returncode == 1


def test_diff_previews_and_writes_only_with_write(vault: Path) -> None:
    """``--diff`` shows the changes and, like ``--dry-run``, writes nothing (a user asking to
    see them has not asked to make them); ``--diff --write`` writes what it shows."""
    assert sync(vault).returncode == 0
    status = vault / "Status.md"
    status.write_text(
        status.read_text(encoding="utf-8").replace("- [ ]", "- [x]", 1), encoding="utf-8"
    )
    before = snapshot(vault)
    preview = sync(vault, "--diff")
    assert preview.returncode == 0, preview.stderr
    assert "--- a/Dashboards/Status.md" in preview.stdout and "to write" in preview.stdout
    assert snapshot(vault) == before
    written = sync(vault, "--diff", "--write")
    assert written.returncode == 0, written.stderr
    assert "--- a/Dashboards/Status.md" in written.stdout and "1 written" in written.stdout
    assert snapshot(vault) != before
    refused = sync(vault, "--write")
    assert refused.returncode == 2 and "--write goes with --diff" in refused.stderr


def test_region_in_a_note_keeps_every_other_byte(vault: Path) -> None:
    (vault / ".vaultkit").mkdir()
    (vault / ".vaultkit" / "config.toml").write_text(
        # No quiet period: the note is written to just before each sync, as if by hand.
        '[vault]\nquiet_seconds = 0\n[dashboards.topics]\ntarget = "Plan.md#topics"\n',
        encoding="utf-8",
    )
    plan = vault / "Plan.md"
    original = plan.read_bytes().replace(b"\n", b"\r\n")
    marked = original + b"\r\n%% vaultkit:begin topics %%\r\n%% vaultkit:end topics %%\r\n"
    plan.write_bytes(marked)
    result = sync(vault)
    assert result.returncode == 0, result.stdout + result.stderr
    data = plan.read_bytes()
    assert data.startswith(original + b"\r\n%% vaultkit:begin topics %%\r\n")
    assert b"[[Rust]]" in data and b"\n" not in data.replace(b"\r\n", b"")
    # A hand edit inside the region is a conflict: left alone, exit 1.
    before_region, region = data.split(b"%% vaultkit:begin topics %%")
    edited = (
        before_region
        + b"%% vaultkit:begin topics %%"
        + region.replace(b"[[Rust]]", b"[[Rust]] (mine)")
    )
    plan.write_bytes(edited)
    result = sync(vault)
    assert result.returncode == 1
    assert "conflict" in result.stdout
    assert plan.read_bytes() == edited
    # --force writes a backup first, then restores the generated text.
    result = sync(vault, "--force")
    assert result.returncode == 0, result.stdout
    assert plan.read_bytes() == data
    backups = list((vault / ".vaultkit" / "backups").rglob("*"))
    assert any(b.is_file() and b.read_bytes() == edited for b in backups)


def test_template_errors_name_the_template_and_write_nothing(vault: Path) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True)
    (templates / "status.md.j2").write_text("# Status\n\n{{ no_such_name }}\n")
    before = snapshot(vault)
    result = sync(vault)
    assert result.returncode == 2
    assert "status.md.j2" in result.stderr and ":3" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(vault) == before


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('echo pwned') }}",
        "{{ progress_bar.__globals__ }}",
        "{% for x in tasks.append(1) %}{% endfor %}",
    ],
)
def test_vault_templates_run_in_a_sandbox(vault: Path, attack: str) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True)
    (templates / "links.md.j2").write_text(attack + "\n")
    before = snapshot(vault)
    result = sync(vault)
    assert result.returncode == 2, result.stdout
    assert "pwned" not in result.stdout + result.stderr
    assert snapshot(vault) == before


def test_vault_template_overrides_a_builtin(vault: Path) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True)
    (templates / "links.md.j2").write_text("# My links\n{{ links.unresolved_count }} unresolved\n")
    assert sync(vault).returncode == 0
    text = (vault / "Dashboards" / "Link health.md").read_text(encoding="utf-8")
    assert "# My links\n1 unresolved" in text


def test_bad_config_is_an_error_with_key_and_line(vault: Path) -> None:
    (vault / ".vaultkit").mkdir()
    (vault / ".vaultkit" / "config.toml").write_text('[habits]\nwindow_days = "two weeks"\n')
    result = sync(vault)
    assert result.returncode == 2
    assert "config.toml:2" in result.stderr and "window_days" in result.stderr


def test_wheel_ships_the_templates(tmp_path: Path, vault: Path) -> None:
    """Build the wheel, install it into a fresh venv, and sync outside the source tree."""
    root = Path(__file__).resolve().parent.parent.parent
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(root)],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wheel = next(wheels.glob("vaultkit-*.whl"))
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    result = subprocess.run(
        [str(venv / "bin" / "vaultkit"), "sync", str(vault), "--index", str(tmp_path / "w.db")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env={**os.environ, "VAULTKIT_TODAY": TODAY},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (vault / "Dashboards" / "Status.md").exists()


def test_init_writes_a_config_that_changes_nothing(vault: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [vaultkit_executable(), "init", str(vault)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    config = vault / ".vaultkit" / "config.toml"
    assert config.exists() and "[topics]" in config.read_text(encoding="utf-8")
    again = subprocess.run(
        [vaultkit_executable(), "init", str(vault)], capture_output=True, text=True, check=False
    )
    assert again.returncode == 2 and "config.toml" in again.stderr
    assert sync(vault).returncode == 0
    plain = tmp_path / "plain"
    copy_example_vault(plain)
    make_plain(plain)
    assert sync(plain).returncode == 0
    for name in ("Status.md", "Topics.md", "Habits.md"):
        assert (vault / "Dashboards" / name).read_bytes() == (
            plain / "Dashboards" / name
        ).read_bytes()


def test_example_vault_dashboards_are_the_golden_output(tmp_path: Path) -> None:
    """The committed dashboards of example_vault are what sync produces (on its date)."""
    copy = tmp_path / "example"
    copy_example_vault(copy)
    result = sync(copy, "--check")
    assert result.returncode == 0, result.stdout
    for path in sorted((copy / "Dashboards").glob("*.md")):
        path.unlink()
    plan = copy / "Plan.md"
    committed_plan = plan.read_bytes()
    text = committed_plan.decode("utf-8")
    begin = text.index("%% vaultkit:begin topics %%")
    end = text.index("%% vaultkit:end topics")
    plan.write_text(text[:begin] + "%% vaultkit:begin topics %%\n" + text[end:], encoding="utf-8")
    disable_quiet_period(copy)  # Plan.md was just emptied: fill it at once
    assert sync(copy).returncode == 0
    for name in ("Status.md", "Resources.md", "Habits.md", "Link health.md"):
        golden = (EXAMPLE_VAULT / "Dashboards" / name).read_bytes()
        assert (copy / "Dashboards" / name).read_bytes() == golden, name
    assert plan.read_bytes() == committed_plan


def test_generated_dashboards_parse_back_into_tables_and_resolving_links(vault: Path) -> None:
    from vaultkit.obsidian.resolve import LinkResolver
    from vaultkit.parse.note import parse_note

    assert sync(vault).returncode == 0
    paths = [p.relative_to(vault).as_posix() for p in vault.rglob("*") if p.is_file()]
    resolver = LinkResolver(paths)
    for board in sorted((vault / "Dashboards").glob("*.md")):
        data = board.read_bytes()
        assert data.startswith(b"%% vaultkit:file ")
        body = data.split(b"\n", 1)[1]  # read it as a user's note would be read
        note = parse_note(body, board.relative_to(vault).as_posix())
        assert not [d for d in note.diagnostics if d.severity == "error"], note.diagnostics
        for table in note.tables:
            assert all(len(row.cells) == len(table.header) for row in table.rows), table.line
        for link in note.links:
            if link.kind in ("wikilink", "embed"):
                assert resolver.resolve(link.target, note.path) is not None, link.raw
        assert not note.tasks, board.name
    assert any(
        parse_note(
            (vault / "Dashboards" / "Status.md").read_bytes().split(b"\n", 1)[1], "S.md"
        ).tables
        for _ in [0]
    )


def test_custom_dashboard_from_a_vault_template(vault: Path) -> None:
    (vault / ".vaultkit" / "templates").mkdir(parents=True)
    (vault / ".vaultkit" / "templates" / "backlog.md.j2").write_text(
        "# Reading\n{% for r in resources.all if r.status == 'open' %}\n"
        "- [{{ r.text | cell }}]({{ r.url }}) ({{ '2026-11-29' | days_until }} days left)\n"
        "{% endfor %}\n",
        encoding="utf-8",
    )
    (vault / ".vaultkit" / "config.toml").write_text(
        '[dashboards.backlog]\ntemplate = "backlog.md.j2"\ntarget = "Reading list.md"\n',
        encoding="utf-8",
    )
    result = sync(vault)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (vault / "Reading list.md").read_text(encoding="utf-8")
    assert "# Reading" in text and "(7 days left)" in text and "](https://" in text


def test_the_cadence_groups_follow_the_config(vault: Path) -> None:
    assert sync(vault).returncode == 0
    config = vault / ".vaultkit" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    original = ""
    config.write_text(
        original + '\n[status.cadences]\nDaily = "daily"\n"Bi Weekly" = "Fortnightly"\n',
        encoding="utf-8",
    )
    changed = sync(vault)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert "| Daily | 3/7 |" in status
    assert "| Fortnightly | 2/7 |" in status  # the example's "## Bi-weekly"
    assert "| Weekend |" not in status and "| Bi-weekly |" not in status
    assert sync(vault, "--check").returncode == 0

    config.write_text(original, encoding="utf-8")
    assert sync(vault).returncode == 0
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert "| Weekend | 3/8 |" in status and "| Bi-weekly | 2/7 |" in status
    assert "| Fortnightly |" not in status
