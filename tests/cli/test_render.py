"""``vaultkit render NAME`` through the installed console script: one dashboard printed as a
sync writes it, nothing written into the vault, no writer lock taken."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli import installed
from tests.support.lock_holder import Holder
from vaultkit.writeback.plan import read_generated


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
