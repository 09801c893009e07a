"""End-to-end: the installed ``vaultkit`` console script on a real temporary vault."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.cli import installed


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=cwd, timeout=60)


def inspect_json(vault: Path, note: str) -> dict[str, Any]:
    result = run("inspect", note, "--vault", str(vault), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_inspect_json_has_the_documented_top_level_keys(vault: Path) -> None:
    data = inspect_json(vault, "Status.md")
    for key in (
        "path",
        "title",
        "properties",
        "tags",
        "aliases",
        "headings",
        "tasks",
        "callouts",
        "links",
        "resources",
        "tables",
        "diagnostics",
    ):
        assert key in data, key
    assert data["path"] == "Status.md"
    assert data["title"] == "Status"
    task = data["tasks"][0]
    for key in ("line", "section", "status", "checked", "text", "parent_line", "due", "done"):
        assert key in task, key
    link = data["links"][0]
    for key in ("kind", "target", "fragment", "display", "line"):
        assert key in link, key


def test_status_note_cadence_sections_and_hidden_comment(vault: Path) -> None:
    data = inspect_json(vault, "Status.md")
    tasks = data["tasks"]
    assert isinstance(tasks, list)
    sections = {task["section"] for task in tasks}
    assert sections == {"Status > Daily", "Status > Bi-weekly", "Status > Weekend"}
    # The checkboxes inside the %% comment block are not tasks.
    source = (vault / "Status.md").read_text(encoding="utf-8")
    comment_start = source.index("%%")
    hidden_line = source[:comment_start].count("\n") + 1
    hidden = [span for span in data["hidden"] if span["kind"] == "comment"]
    assert hidden and hidden[0]["line"] == hidden_line
    assert all(not (h["line"] <= t["line"] <= h["end_line"]) for h in hidden for t in tasks)
    statuses = {task["status"] for task in tasks}
    assert {"todo", "done", "in_progress", "cancelled"} <= statuses


def test_plan_note_table_links_and_properties(vault: Path) -> None:
    data = inspect_json(vault, "Plan")
    assert data["path"] == "Plan.md"
    assert "plan" in data["tags"]
    assert data["aliases"] == ["Roadmap"]
    tables = data["tables"]
    assert isinstance(tables, list) and tables
    header = [cell["text"] for cell in tables[0]["header"]]
    assert header == ["Topic", "Details", "Pros", "Cons"]
    first_cells = [row["cells"][0] for row in tables[0]["rows"]]
    targets = {link["target"] for cell in first_cells for link in cell["links"]}
    assert "Databases" in targets


def test_inspect_by_nested_path_and_from_inside_the_vault(vault: Path) -> None:
    result = run("inspect", "Topics/Rust.md", cwd=vault)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Topics/Rust.md")
    assert "Tasks (" in result.stdout


def test_inspect_file_path_finds_its_vault(vault: Path, tmp_path: Path) -> None:
    result = run("inspect", str(vault / "Resources.md"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path"] == "Resources.md"


def test_human_output_lists_elements_with_lines(vault: Path) -> None:
    result = run("inspect", "Resources.md", "--vault", str(vault))
    assert result.returncode == 0
    out = result.stdout
    for part in ("Headings", "Tasks (", "Callouts", "Links (", "Resources (", "L"):
        assert part in out, part


def test_missing_note_is_a_clear_error(vault: Path) -> None:
    result = run("inspect", "No Such Note", "--vault", str(vault))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "No Such Note" in result.stderr and "Traceback" not in result.stderr


def test_missing_vault_is_a_clear_error(tmp_path: Path) -> None:
    result = run("inspect", "x.md", "--vault", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
    result = run("inspect", "x.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "--vault" in result.stderr


def test_broken_note_still_exits_zero_with_diagnostics(vault: Path) -> None:
    (vault / "Broken.md").write_bytes(b"---\na: [unclosed\n---\n- [ ] caf\xe9\n%%\n")
    data = inspect_json(vault, "Broken.md")
    found = {(d["code"], d["line"]) for d in data["diagnostics"]}
    assert ("yaml-invalid", 3) in found or any(code == "yaml-invalid" for code, _ in found)
    assert ("encoding-invalid", 4) in found
    assert ("comment-unterminated", 5) in found


def test_usage_errors_exit_two() -> None:
    result = run("inspect")
    assert result.returncode == 2
    result = run("frobnicate")
    assert result.returncode == 2


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vaultkit", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("vaultkit ")
