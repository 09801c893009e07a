"""``vaultkit doctor`` as the one overview, through the installed console script: each check
(config, templates, dashboards, watcher, index, version) in text and in ``--json``, its exit
status, and that it writes nothing into the vault and runs beside a watcher."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import installed
from tests.support.lock_holder import Holder
from vaultkit import __version__

CONFIG = Path(".vaultkit") / "config.toml"


def doctor(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = installed("doctor", "--vault", str(vault), *args)
    assert "Traceback" not in result.stderr
    return result


def report(vault: Path) -> tuple[int, Any]:
    result = doctor(vault, "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def vault_bytes(vault: Path) -> dict[str, bytes]:
    return {
        path.relative_to(vault).as_posix(): path.read_bytes()
        for path in sorted(vault.rglob("*"))
        if path.is_file()
    }


def test_a_healthy_vault_passes_every_check(vault: Path) -> None:
    before = vault_bytes(vault)
    result = doctor(vault)
    assert result.returncode == 0, result.stdout
    text = result.stdout
    assert text.startswith(f"vaultkit {__version__}, vault {vault}\n")
    for verdict in (
        "\nConfig: ok (.vaultkit/config.toml)\n",
        "\nDaily notes: 'YYYY-MM-DD' in Daily (from .obsidian/daily-notes.json)\n",
        "\nTemplates: ok, 5 compiled\n",
        # Four dashboard files and Plan.md, which holds the Topics region.
        "\nDashboards: ok, 5 files current\n",
        "\nWatcher: none running\n",
        "\nSettings: ok\n",
        "\nIndex: ok, ",
    ):
        assert verdict in text
    assert text.endswith("\nVerdict: no problems\n")
    code, found = report(vault)
    assert code == 0
    assert found["version"] == __version__
    assert found["config"] == {
        "file": ".vaultkit/config.toml",
        "exists": True,
        "valid": True,
        "errors": [],
        "complete": True,
    }
    assert found["settings_read"]["daily_notes"]["format"] == "YYYY-MM-DD"
    assert [t["dashboard"] for t in found["templates"]] == [
        "status",
        "topics",
        "resources",
        "habits",
        "links",
    ]
    assert {t["source"] for t in found["templates"]} == {"built-in"}
    assert found["dashboards"]["checked"] is True
    assert {f["path"]: f["dashboards"] for f in found["dashboards"]["files"]}["Plan.md"] == [
        "topics#topics"
    ]
    assert {f["state"] for f in found["dashboards"]["files"]} == {"current"}
    assert found["watcher"] == {"running": False, "pid": None}
    index = found["index"]
    assert index["size_bytes"] > 0 and index["schema_version"] and index["path"]
    assert found["problems"] == [] and found["warnings"] == []
    assert vault_bytes(vault) == before  # not even the lock file


def test_an_invalid_config_is_a_problem_with_every_error_and_its_line(vault: Path) -> None:
    config = vault / CONFIG
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('today = "2026-11-22"', 'today = "2026-11-22"\ntemplate_timeout = "x"')
        + "\n[status]\nbogus = 1\n",
        encoding="utf-8",
    )
    lines = config.read_text(encoding="utf-8").splitlines()
    timeout_line = lines.index('template_timeout = "x"') + 1
    bogus_line = lines.index("bogus = 1") + 1
    # sync refuses the config (exit 2); doctor must not call the vault healthy.
    assert installed("sync", str(vault), "--check").returncode == 2
    result = doctor(vault)
    assert result.returncode == 1, result.stdout
    assert "Config: 2 errors in .vaultkit/config.toml; sync refuses to run" in result.stdout
    assert (
        f"  .vaultkit/config.toml:{timeout_line}: key 'vault.template_timeout': expected a "
        'number, got "x"'
    ) in result.stdout
    assert f"  .vaultkit/config.toml:{bogus_line}: key 'status.bogus': unknown key" in (
        result.stdout
    )
    assert "Dashboards: not checked: the config is invalid" in result.stdout
    assert "Verdict: 1 problem (config: 2 errors)" in result.stdout
    code, found = report(vault)
    assert code == 1
    assert found["config"]["valid"] is False and found["config"]["complete"] is True
    assert [(e["file"], e["line"]) for e in found["config"]["errors"]] == [
        (".vaultkit/config.toml", timeout_line),
        (".vaultkit/config.toml", bogus_line),
    ]
    assert found["dashboards"]["checked"] is False


def test_a_toml_syntax_error_says_the_reading_stopped_there(vault: Path) -> None:
    (vault / CONFIG).write_text("[vault]\ntoday = 2026-11-22\n[topics\n", encoding="utf-8")
    result = doctor(vault)
    assert result.returncode == 1
    assert "  .vaultkit/config.toml:3: invalid TOML: " in result.stdout
    assert "reading stopped at this error" in result.stdout
    _, found = report(vault)
    assert found["config"]["complete"] is False
    assert [e["line"] for e in found["config"]["errors"]] == [3]


def test_a_template_with_a_syntax_error_is_named_with_its_line(vault: Path) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir()
    source = "# Status\n\n{{ status.progress.done }}\n{% if %}\nnever\n{% endif %}\n"
    (templates / "status.md.j2").write_text(source, encoding="utf-8")
    (templates / "links.md.j2").write_text('{% include "part.j2" %}\n', encoding="utf-8")
    (templates / "part.j2").write_text("one\ntwo\n{{ x }\n", encoding="utf-8")
    before = vault_bytes(vault)
    result = doctor(vault)
    assert result.returncode == 1, result.stdout
    assert "Templates: 2 errors; the vault's own: status: .vaultkit/templates/status.md.j2" in (
        result.stdout
    )
    assert "  .vaultkit/templates/status.md.j2:4: template syntax error: " in result.stdout
    # An included template is compiled too, and named by its own file.
    assert "  .vaultkit/templates/part.j2:3: template syntax error: " in result.stdout
    assert "Dashboards: not checked: a template has errors" in result.stdout
    code, found = report(vault)
    assert code == 1
    errors = {t["dashboard"]: t["errors"] for t in found["templates"]}
    assert [(e["file"], e["line"]) for e in errors["status"]] == [
        (".vaultkit/templates/status.md.j2", 4)
    ]
    assert errors["topics"] == []
    assert found["problems"] == ["templates: 2 errors"]
    assert vault_bytes(vault) == before


def test_a_template_that_compiles_but_fails_when_run_stops_the_dashboards_check(
    vault: Path,
) -> None:
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir()
    (templates / "status.md.j2").write_text("# Status\n{{ no_such.name }}\n", encoding="utf-8")
    result = doctor(vault)
    assert result.returncode == 1, result.stdout
    assert "Templates: ok, 5 compiled" in result.stdout
    assert "Dashboards: not checked: a sync would stop with this error\n" in result.stdout
    assert "  status.md.j2:2: the template failed: 'no_such' is undefined" in result.stdout
    assert installed("sync", str(vault)).returncode == 2


def test_stale_and_conflicting_dashboards_are_reported_as_sync_check_would(vault: Path) -> None:
    status = vault / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "\n- [ ] one more task\n")
    result = doctor(vault)
    # Stale is a warning: vaultkit sync fixes it.
    assert result.returncode == 0, result.stdout
    assert "Dashboards: 5 files: 1 stale, 4 current; vaultkit sync writes the stale ones" in (
        result.stdout
    )
    assert "  stale     Dashboards/Status.md (status)" in result.stdout
    assert "Verdict: no problems; 1 warning (dashboards: 1 file stale" in result.stdout
    check = installed("sync", str(vault), "--check")
    assert check.returncode == 1 and "Dashboards/Status.md" in check.stdout

    links = vault / "Dashboards" / "Link health.md"
    links.write_text(links.read_text(encoding="utf-8") + "my own line\n", encoding="utf-8")
    result = doctor(vault)
    assert result.returncode == 1
    assert "  conflict  Dashboards/Link health.md:1 (links): Link health.md was edited by hand" in (
        result.stdout
    )
    code, found = report(vault)
    assert code == 1
    states = {f["path"]: f["state"] for f in found["dashboards"]["files"]}
    assert states["Dashboards/Status.md"] == "stale"
    assert states["Dashboards/Link health.md"] == "conflict"
    assert found["warnings"] == ["dashboards: 1 file stale (vaultkit sync writes them)"]
    assert found["problems"] == ["dashboards: 1 file in conflict"]
    # Nothing was written: the stale dashboard is still stale.
    assert installed("sync", str(vault), "--check").returncode == 1


@pytest.mark.parametrize("purpose", ["watch", "sync"])
def test_a_running_watcher_is_named_by_its_pid(vault: Path, tmp_path: Path, purpose: str) -> None:
    holder = Holder(vault, purpose, tmp_path / "ready")
    try:
        # Doctor takes no lock: the holder does not keep it from answering.
        result = doctor(vault)
        code, found = report(vault)
    finally:
        holder.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert code == 0
    assert found["lock_holder"] == {"pid": holder.pid, "purpose": purpose}
    if purpose == "watch":
        assert f"\nWatcher: running, pid {holder.pid}\n" in result.stdout
        assert found["watcher"] == {"running": True, "pid": holder.pid}
    else:
        assert f"Watcher: none running; a sync (pid {holder.pid}) is updating" in result.stdout
        assert found["watcher"] == {"running": False, "pid": None}
    # Once the holder is gone, so is its record.
    assert report(vault)[1]["watcher"] == {"running": False, "pid": None}
