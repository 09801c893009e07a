"""``vaultkit render NAME`` through the installed console script: one dashboard printed as a
sync writes it, nothing written into the vault, no writer lock taken."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.support.cli import installed
from tests.support.lock_holder import Holder
from tests.support.vault_edits import age
from vaultkit.writeback.plan import read_generated

NAMES = ("status", "resources", "habits", "links", "topics")


def vault_bytes(vault: Path) -> dict[str, bytes]:
    return {
        path.relative_to(vault).as_posix(): path.read_bytes()
        for path in sorted(vault.rglob("*"))
        if path.is_file()
    }


def test_render_prints_what_sync_writes_and_writes_nothing(vault: Path) -> None:
    # Something changed since the committed dashboards, so render must read the index anew.
    status = vault / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "\n- [x] one more task\n")
    before = vault_bytes(vault)
    rendered = {}
    for name in ("status", "resources", "habits", "links", "topics"):
        result = installed("render", name, "--vault", str(vault))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        rendered[name] = result.stdout
    assert vault_bytes(vault) == before  # nothing written, not even the lock file
    assert "**60 of 125 tasks done**" in rendered["status"]

    assert installed("sync", str(vault)).returncode == 0
    for name, file in (
        ("status", "Status.md"),
        ("resources", "Resources.md"),
        ("habits", "Habits.md"),
        ("links", "Link health.md"),
    ):
        generated = read_generated((vault / "Dashboards" / file).read_bytes())
        assert generated is not None
        assert rendered[name] == generated[1].decode("utf-8"), name
    # A region target: the region's body, as the sync wrote it into the note.
    plan = (vault / "Plan.md").read_text(encoding="utf-8")
    body = re.search(r"%% vaultkit:begin topics %%\n(.*?)%% vaultkit:end topics", plan, re.DOTALL)
    assert body is not None
    assert rendered["topics"] == body[1].strip("\n") + "\n"
    assert rendered["topics"].startswith("| Topic | status |")


def test_an_unknown_name_lists_the_dashboards(vault: Path) -> None:
    before = vault_bytes(vault)
    result = installed("render", "statuss", "--vault", str(vault))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "vaultkit: no dashboard is named 'statuss'; the dashboards are: status, topics, "
        "resources, habits, links (the built-ins and the [dashboards.NAME] tables of "
        ".vaultkit/config.toml)\n"
    )
    assert vault_bytes(vault) == before


def test_render_runs_beside_a_watcher(vault: Path, tmp_path: Path) -> None:
    holder = Holder(vault, "watch", tmp_path / "ready")
    try:
        result = installed("render", "status", cwd=vault / "Daily")
    finally:
        holder.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Status\n")


def test_a_vault_as_the_last_sync_left_it_renders_without_a_scan(vault: Path) -> None:
    """After a sync that found every dashboard current (the stamp recorded), render reads the
    index as it is (verbose: no scan phase) and prints what it printed after a scan; on a new
    day, today's dashboards as the day's first sync renders them."""
    assert installed("sync", str(vault)).returncode == 0
    scanned = {name: installed("render", name, "--vault", str(vault)) for name in NAMES}
    age(vault)
    assert installed("sync", str(vault)).returncode == 0  # everything current: the stamp
    for name in NAMES:
        result = installed("-v", "render", name, "--vault", str(vault))
        assert result.returncode == 0 and "scan:" not in result.stderr, result.stderr
        assert result.stdout == scanned[name].stdout, name
    later = {**os.environ, "VAULTKIT_TODAY": "2031-03-04"}
    new_day = installed("-v", "render", "status", "--vault", str(vault), env=later)
    assert new_day.returncode == 0 and "scan:" not in new_day.stderr
    assert installed("sync", str(vault), env=later).returncode == 0
    generated = read_generated((vault / "Dashboards" / "Status.md").read_bytes())
    assert generated is not None and new_day.stdout == generated[1].decode("utf-8")
