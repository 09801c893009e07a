"""The housekeeping commands on the real CLI: ``cache list|prune``, ``templates list|copy`` and
``remove-dashboards``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import installed
from tests.support.lock_holder import Holder
from vaultkit.dashboards.render import builtin_templates_dir
from vaultkit.errors import ExitStatus
from vaultkit.index.meta import VAULT_KEY
from vaultkit.vaultpaths import default_index_path


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _synced(vault: Path) -> None:
    done = installed("sync", str(vault))
    assert done.returncode == 0, done.stderr


@pytest.fixture
def cache(vault: Path, tmp_path: Path) -> Path:
    """The cache folder holding the vault's index, the index of a vault deleted since, and
    files that are no vaultkit index: another program's database, a damaged "index" and a
    text file."""
    _synced(vault)
    gone = tmp_path / "Gone Vault"
    shutil.copytree(vault, gone)
    _synced(gone)
    shutil.rmtree(gone)
    folder = Path(os.environ["VAULTKIT_CACHE_DIR"])
    with closing(sqlite3.connect(folder / "photos.sqlite3")) as other:
        other.execute("CREATE TABLE pictures (name TEXT)")
        other.execute("INSERT INTO pictures VALUES ('cat.jpg')")
        other.commit()
    (folder / "notes.sqlite3").write_bytes(b"my own notes, not an index")
    (folder / "readme.txt").write_text("keep me", encoding="utf-8")
    return folder


def test_cache_list_names_each_index_with_its_vault(
    vault: Path, tmp_path: Path, cache: Path
) -> None:
    listed = installed("cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["folder"] == str(cache)
    found = {Path(item["path"]).name: item for item in data["indexes"]}
    assert set(found) == {
        default_index_path(vault).name,
        default_index_path(tmp_path / "Gone Vault").name,
    }
    mine = found[default_index_path(vault).name]
    assert mine["vault"] == str(vault)
    assert mine["vault_exists"] is True
    assert mine["size_bytes"] >= (cache / default_index_path(vault).name).stat().st_size > 0
    gone = found[default_index_path(tmp_path / "Gone Vault").name]
    assert (gone["vault"], gone["vault_exists"]) == (str(tmp_path / "Gone Vault"), False)

    text = installed("cache", "list")
    assert text.returncode == 0, text.stderr
    assert f"vault: {tmp_path / 'Gone Vault'}  [gone]" in text.stdout
    assert "2 indexes" in text.stdout and "1 of a vault that no longer exists" in text.stdout
    assert "photos" not in text.stdout and "notes.sqlite3" not in text.stdout


def test_cache_prune_removes_only_indexes_of_vaults_gone(
    vault: Path, tmp_path: Path, cache: Path
) -> None:
    before = _snapshot(cache)
    preview = installed("cache", "prune", "--dry-run")
    assert preview.returncode == 0, preview.stderr
    gone_index = default_index_path(tmp_path / "Gone Vault").name
    assert f"would remove {gone_index}" in preview.stdout
    assert _snapshot(cache) == before, "a dry run wrote into the cache folder"

    pruned = installed("cache", "prune", "--json")
    assert pruned.returncode == 0, pruned.stderr
    data = json.loads(pruned.stdout)
    assert [Path(item["path"]).name for item in data["removed"]] == [gone_index]
    assert data["freed_bytes"] == data["removed"][0]["size_bytes"] > 0
    after = _snapshot(cache)
    assert not [name for name in after if name.startswith(gone_index)]
    # Everything else is as it was, byte for byte: the other vault's index and every file
    # that is not a vaultkit index.
    assert {k: v for k, v in before.items() if not k.startswith(gone_index)} == after
    for kept in ("photos.sqlite3", "notes.sqlite3", "readme.txt"):
        assert kept in after
    again = installed("cache", "prune")
    assert again.returncode == 0 and "Freed 0 B (0 indexes)" in again.stdout


def test_an_index_that_does_not_record_its_vault_is_never_pruned(
    vault: Path, tmp_path: Path, cache: Path
) -> None:
    gone_index = cache / default_index_path(tmp_path / "Gone Vault").name
    with closing(sqlite3.connect(gone_index)) as connection:
        connection.execute("DELETE FROM meta WHERE key = ?", (VAULT_KEY,))
        connection.commit()
    listed = json.loads(installed("cache", "list", "--json").stdout)
    unknown = [i for i in listed["indexes"] if Path(i["path"]) == gone_index]
    assert unknown and unknown[0]["vault"] is None and unknown[0]["vault_exists"] is None
    pruned = installed("cache", "prune")
    assert pruned.returncode == 0, pruned.stderr
    assert gone_index.exists()


def test_templates_list_and_copy(vault: Path) -> None:
    listed = installed("templates", "list", str(vault), "--json")
    assert listed.returncode == 0, listed.stderr
    uses = {use["dashboard"]: use for use in json.loads(listed.stdout)}
    assert set(uses) >= {"status", "topics", "resources", "habits", "links"}
    status = uses["status"]
    assert status["source"] == "builtin" and status["override"] is None
    builtin = Path(status["builtin"])
    # The installed package's copy (site-packages in CI, this checkout in an editable install).
    assert builtin.name == "status.md.j2" and builtin.is_file()
    assert builtin.read_bytes() == (builtin_templates_dir() / "status.md.j2").read_bytes()

    copied = installed("templates", "copy", "status", str(vault))
    assert copied.returncode == 0, copied.stderr
    target = vault / ".vaultkit" / "templates" / "status.md.j2"
    assert target.read_bytes() == builtin.read_bytes()
    assert ".vaultkit/templates/status.md.j2" in copied.stdout
    listed = json.loads(installed("templates", "list", "--vault", str(vault), "--json").stdout)
    status = next(use for use in listed if use["dashboard"] == "status")
    assert (status["source"], status["override"]) == ("vault", ".vaultkit/templates/status.md.j2")
    text = installed("templates", "list", cwd=vault)
    assert ".vaultkit/templates/status.md.j2 (the vault's own" in text.stdout

    # Customised, it is never overwritten without --force.
    target.write_text("# My status\n{{ status.done }}\n", encoding="utf-8")
    refused = installed("templates", "copy", "status.md.j2", "--vault", str(vault))
    assert refused.returncode == ExitStatus.ERROR
    assert refused.stderr.startswith("vaultkit: .vaultkit/templates/status.md.j2: exists")
    assert "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "# My status\n{{ status.done }}\n"
    forced = installed("templates", "copy", "status", str(vault), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_bytes() == builtin.read_bytes()
    backups = list((vault / ".vaultkit" / "backups").rglob("status.md.j2.*.bak"))
    assert [b.read_text(encoding="utf-8") for b in backups] == ["# My status\n{{ status.done }}\n"]


def test_templates_copy_says_which_config_line_makes_it_count(vault: Path) -> None:
    config = vault / ".vaultkit" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[dashboards.links]\nenabled = false\ntemplate = "mine.md.j2"\n',
        encoding="utf-8",
    )
    (vault / ".vaultkit" / "templates").mkdir(exist_ok=True)
    (vault / ".vaultkit" / "templates" / "mine.md.j2").write_text("mine\n", encoding="utf-8")
    copied = installed("templates", "copy", "links", str(vault))
    assert copied.returncode == 0, copied.stderr
    assert "[dashboards.links]" in copied.stdout
    assert 'template = "links.md.j2"' in copied.stdout and "enabled = true" in copied.stdout
    unknown = installed("templates", "copy", "nonesuch", str(vault))
    assert unknown.returncode == ExitStatus.ERROR and "status (status.md.j2)" in unknown.stderr


def test_remove_dashboards_previews_then_removes_what_vaultkit_owns(vault: Path) -> None:
    _synced(vault)
    habits = vault / "Dashboards" / "Habits.md"
    edited = habits.read_text(encoding="utf-8") + "\nMy own line.\n"
    habits.write_text(edited, encoding="utf-8")
    plan_before = (vault / "Plan.md").read_text(encoding="utf-8")
    assert "%% vaultkit:end topics " in plan_before
    before = _snapshot(vault)

    preview = installed("remove-dashboards", "--vault", str(vault), "--dry-run", "--json")
    assert preview.returncode == ExitStatus.PROBLEMS, preview.stderr  # Habits.md is kept
    files = {item["path"]: item for item in json.loads(preview.stdout)["files"]}
    assert files["Dashboards/Status.md"]["status"] == "would_remove"
    assert files["Dashboards/Habits.md"]["status"] == "conflict"
    assert files["Plan.md"]["status"] == "would_empty"
    assert files["Plan.md"]["regions"] == ["topics"]
    diff = installed("remove-dashboards", "--vault", str(vault), "--diff")
    assert "--- a/Plan.md" in diff.stdout and "-%% vaultkit:file Status" in diff.stdout
    assert _snapshot(vault) == before, "a preview wrote into the vault"

    done = installed("remove-dashboards", "--vault", str(vault))
    assert done.returncode == ExitStatus.PROBLEMS, done.stderr
    assert "kept          Dashboards/Habits.md: edited since vaultkit wrote it" in done.stdout
    for name in ("Status.md", "Resources.md", "Link health.md"):
        assert not (vault / "Dashboards" / name).exists()
        assert f"removed       Dashboards/{name}" in done.stdout
    assert habits.read_text(encoding="utf-8") == edited
    plan = (vault / "Plan.md").read_text(encoding="utf-8")
    begin = plan_before.index("%% vaultkit:begin topics %%")
    end = plan_before.index("\n", plan_before.index("%% vaultkit:end topics "))
    # The region's content and its hash go; the marker lines and every other byte stay.
    assert plan == (
        plan_before[:begin]
        + "%% vaultkit:begin topics %%\n%% vaultkit:end topics %%"
        + plan_before[end:]
    )
    backups = vault / ".vaultkit" / "backups"
    assert [p.read_text(encoding="utf-8") for p in backups.glob("Plan.md.*.bak")] == [plan_before]
    assert len(list((backups / "Dashboards").glob("Status.md.*.bak"))) == 1
    assert "delete each pair of" in done.stdout and "enabled = false" in done.stdout

    again = installed("remove-dashboards", "--vault", str(vault))
    assert "Plan.md" not in again.stdout and "Dashboards/Status.md" not in again.stdout


def test_remove_dashboards_keeps_a_region_edited_by_hand(vault: Path) -> None:
    _synced(vault)
    plan = vault / "Plan.md"
    text = plan.read_text(encoding="utf-8")
    at = text.index("%% vaultkit:begin topics %%\n") + len("%% vaultkit:begin topics %%\n")
    edited = text[:at] + "My note inside the region.\n" + text[at:]
    plan.write_text(edited, encoding="utf-8")
    os.utime(plan, (1, 1))  # not saved just now: no quiet period to wait for
    done = installed("remove-dashboards", "--vault", str(vault))
    assert done.returncode == ExitStatus.PROBLEMS, done.stderr
    assert "Plan.md: region topics was edited by hand" in done.stdout
    assert plan.read_text(encoding="utf-8") == edited
    assert not (vault / "Dashboards" / "Status.md").exists()


def test_remove_dashboards_is_refused_while_a_watcher_keeps_the_vault(
    vault: Path, tmp_path: Path
) -> None:
    _synced(vault)
    before = _snapshot(vault / "Dashboards")
    watcher = Holder(vault, "watch", tmp_path / "ready")
    try:
        refused = installed("remove-dashboards", "--vault", str(vault))
    finally:
        watcher.stop()
    assert refused.returncode == ExitStatus.ERROR
    assert f"(watch, pid {watcher.pid}); stop it first" in refused.stderr
    assert _snapshot(vault / "Dashboards") == before
