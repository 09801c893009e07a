"""A sync renders only the dashboards whose inputs changed (``vaultkit.sync.freshness``), and
skipping one never leaves it stale: the output is always what a from-scratch sync writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import WriteStatus

DASHBOARDS = ("Status.md", "Resources.md", "Habits.md", "Link health.md")


def rendered(vault: Path, **kwargs: object) -> set[str]:
    report = run_sync(VaultPaths(vault), progress=False, **kwargs)  # type: ignore[arg-type]
    assert not report.problems, report.results
    return set(report.rendered)


def outputs(vault: Path) -> dict[str, bytes]:
    files = {name: (vault / "Dashboards" / name).read_bytes() for name in DASHBOARDS}
    files["Plan.md"] = (vault / "Plan.md").read_bytes()
    return files


def scratch_outputs(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, bytes]:
    """What a sync with an empty index writes for the same vault."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(vault, fresh)
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "fresh-cache"))
    shutil.rmtree(tmp_path / "fresh-cache", ignore_errors=True)
    try:
        run_sync(VaultPaths(fresh.resolve()), progress=False)
    finally:
        monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    return outputs(fresh)


def toggle_first_task(note: Path) -> None:
    text = note.read_text(encoding="utf-8")
    if "- [ ]" in text:
        note.write_text(text.replace("- [ ]", "- [x]", 1), encoding="utf-8")
    else:
        note.write_text(text.replace("- [x]", "- [ ]", 1), encoding="utf-8")


def test_nothing_changed_renders_nothing(example_copy: Path) -> None:
    rendered(example_copy)
    assert rendered(example_copy) == set()
    report = run_sync(VaultPaths(example_copy), progress=False)
    assert {p.status for p in report.results} == {WriteStatus.UNCHANGED}


def test_a_task_change_renders_only_what_reads_tasks(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    rendered(example_copy)
    toggle_first_task(example_copy / "Topics" / "Databases.md")
    again = rendered(example_copy)
    assert "status" in again
    assert "links" not in again  # no link changed
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


def test_a_task_outside_topics_and_daily_notes_leaves_topics_and_habits_alone(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    rendered(example_copy)
    toggle_first_task(example_copy / "Inbox.md")
    again = rendered(example_copy)
    assert "status" in again
    assert "topics" not in again and "habits" not in again
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


def test_a_habit_ticked_in_a_daily_note_renders_the_habits(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    rendered(example_copy)
    before = (example_copy / "Dashboards" / "Habits.md").read_bytes()
    toggle_first_task(example_copy / "Daily" / "2026-11-21.md")
    again = rendered(example_copy)
    assert "habits" in again and "topics" not in again
    assert (example_copy / "Dashboards" / "Habits.md").read_bytes() != before
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["tag added", "tag removed", "topic task ticked"])
def test_what_makes_a_note_a_topic_renders_the_topics(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    rendered(example_copy)
    rendered(example_copy)
    if change == "tag added":
        inbox = example_copy / "Inbox.md"
        inbox.write_text("---\ntags: [topic]\n---\n" + inbox.read_text("utf-8"), "utf-8")
    elif change == "tag removed":
        rust = example_copy / "Topics" / "Rust.md"
        rust.write_text(rust.read_text("utf-8").replace("tags: [topic]", "tags: []"), "utf-8")
    else:
        toggle_first_task(example_copy / "Topics" / "Rust.md")
    assert "topics" in rendered(example_copy)
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


def test_a_new_link_renders_link_health(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    rendered(example_copy)
    note = example_copy / "Topics" / "Rust.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nSee [[No Such Note Yet]].\n", "utf-8")
    assert "links" in rendered(example_copy)
    health = (example_copy / "Dashboards" / "Link health.md").read_text(encoding="utf-8")
    assert "No Such Note Yet" in health
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


def test_a_hand_edited_dashboard_is_noticed(example_copy: Path) -> None:
    rendered(example_copy)
    status = example_copy / "Dashboards" / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "my own line\n", encoding="utf-8")
    report = run_sync(VaultPaths(example_copy), progress=False)
    assert "status" in report.rendered
    by_path = {p.path.name: p.status for p in report.results}
    assert by_path["Status.md"] is WriteStatus.CONFLICT
    assert "my own line" in status.read_text(encoding="utf-8")


def test_a_deleted_dashboard_is_written_again(example_copy: Path) -> None:
    rendered(example_copy)
    before = (example_copy / "Dashboards" / "Habits.md").read_bytes()
    (example_copy / "Dashboards" / "Habits.md").unlink()
    assert "habits" in rendered(example_copy)
    assert (example_copy / "Dashboards" / "Habits.md").read_bytes() == before


def test_template_config_and_date_changes_render_again(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    templates = example_copy / ".vaultkit" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "habits.md.j2").write_text("Habits: {{ habits.habits | length }}\n", "utf-8")
    assert rendered(example_copy) == {"habits"}
    assert "Habits: " in (example_copy / "Dashboards" / "Habits.md").read_text("utf-8")
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    assert "status" in rendered(example_copy)
    config = example_copy / ".vaultkit" / "config.toml"
    config.write_text(config.read_text("utf-8") + "\n# a comment changes nothing\n", "utf-8")
    assert rendered(example_copy) == set()


def test_force_renders_everything(example_copy: Path) -> None:
    rendered(example_copy)
    assert rendered(example_copy, force=True) == {
        "status",
        "resources",
        "habits",
        "links",
        "topics",
    }


def test_hook_style_sync_of_one_note_matches_a_full_sync(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    toggle_first_task(example_copy / "Topics" / "Rust.md")
    report = run_sync(VaultPaths(example_copy), progress=False, changed=["Topics/Rust.md"])
    assert report.index.parsed == ["Topics/Rust.md"]
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)


def test_hook_style_sync_of_a_renamed_note_walks_the_vault(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(example_copy)
    (example_copy / "Topics" / "Rust.md").rename(example_copy / "Topics" / "Rust language.md")
    report = run_sync(VaultPaths(example_copy), progress=False, changed=["Topics/Rust language.md"])
    assert "Topics/Rust.md" in report.index.removed
    assert outputs(example_copy) == scratch_outputs(example_copy, tmp_path, monkeypatch)
