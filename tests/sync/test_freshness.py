"""A sync renders only the dashboards whose inputs changed (``vaultkit.sync.freshness``), and
skipping one never leaves it stale: the output is always what a from-scratch sync writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vaultkit.dashboards.registry import BUILTINS
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths
from vaultkit.writeback.regions import WriteStatus


def rendered(vault: Path, **kwargs: object) -> set[str]:
    report = run_sync(VaultPaths(vault), progress=False, **kwargs)  # type: ignore[arg-type]
    assert not report.problems, report.results
    return set(report.rendered)


def outputs(vault: Path) -> dict[str, bytes]:
    files = {path.name: path.read_bytes() for path in (vault / "Dashboards").glob("*.md")}
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


def test_nothing_changed_renders_nothing(vault: Path) -> None:
    rendered(vault)
    assert rendered(vault) == set()
    report = run_sync(VaultPaths(vault), progress=False)
    assert {p.status for p in report.results} == {WriteStatus.UNCHANGED}


def test_a_task_change_renders_only_what_reads_tasks(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    rendered(vault)
    toggle_first_task(vault / "Topics" / "Databases.md")
    again = rendered(vault)
    assert "status" in again
    assert "links" not in again  # no link changed
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_a_task_outside_topics_and_daily_notes_leaves_topics_and_habits_alone(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    rendered(vault)
    toggle_first_task(vault / "Inbox.md")
    again = rendered(vault)
    assert "status" in again
    assert "topics" not in again and "habits" not in again
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_a_habit_ticked_in_a_daily_note_renders_the_habits(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    rendered(vault)
    before = (vault / "Dashboards" / "Habits.md").read_bytes()
    toggle_first_task(vault / "Daily" / "2026-11-21.md")
    again = rendered(vault)
    assert "habits" in again and "topics" not in again
    assert (vault / "Dashboards" / "Habits.md").read_bytes() != before
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["tag added", "tag removed", "topic task ticked"])
def test_what_makes_a_note_a_topic_renders_the_topics(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    rendered(vault)
    rendered(vault)
    if change == "tag added":
        inbox = vault / "Inbox.md"
        inbox.write_text("---\ntags: [topic]\n---\n" + inbox.read_text("utf-8"), "utf-8")
    elif change == "tag removed":
        rust = vault / "Topics" / "Rust.md"
        rust.write_text(rust.read_text("utf-8").replace("tags: [topic]", "tags: []"), "utf-8")
    else:
        toggle_first_task(vault / "Topics" / "Rust.md")
    assert "topics" in rendered(vault)
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_a_new_link_renders_link_health(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    rendered(vault)
    note = vault / "Topics" / "Rust.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nSee [[No Such Note Yet]].\n", "utf-8")
    assert "links" in rendered(vault)
    health = (vault / "Dashboards" / "Link health.md").read_text(encoding="utf-8")
    assert "No Such Note Yet" in health
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_a_hand_edited_dashboard_is_noticed(vault: Path) -> None:
    rendered(vault)
    status = vault / "Dashboards" / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "my own line\n", encoding="utf-8")
    report = run_sync(VaultPaths(vault), progress=False)
    assert "status" in report.rendered
    by_path = {p.path.name: p.status for p in report.results}
    assert by_path["Status.md"] is WriteStatus.CONFLICT
    assert "my own line" in status.read_text(encoding="utf-8")


def test_a_deleted_dashboard_is_written_again(vault: Path) -> None:
    rendered(vault)
    before = (vault / "Dashboards" / "Habits.md").read_bytes()
    (vault / "Dashboards" / "Habits.md").unlink()
    assert "habits" in rendered(vault)
    assert (vault / "Dashboards" / "Habits.md").read_bytes() == before


def test_template_config_and_date_changes_render_again(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "habits.md.j2").write_text("Habits: {{ habits.habits | length }}\n", "utf-8")
    assert rendered(vault) == {"habits"}
    assert "Habits: " in (vault / "Dashboards" / "Habits.md").read_text("utf-8")
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    assert "status" in rendered(vault)
    config = vault / ".vaultkit" / "config.toml"
    config.write_text(config.read_text("utf-8") + "\n# a comment changes nothing\n", "utf-8")
    assert rendered(vault) == set()


def test_force_renders_everything(vault: Path) -> None:
    rendered(vault)
    assert rendered(vault, force=True) == {d.name for d in BUILTINS}


def test_hook_style_sync_of_one_note_matches_a_full_sync(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    toggle_first_task(vault / "Topics" / "Rust.md")
    report = run_sync(VaultPaths(vault), progress=False, changed=["Topics/Rust.md"])
    assert report.index.parsed == ["Topics/Rust.md"]
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_hook_style_sync_of_a_renamed_note_walks_the_vault(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered(vault)
    (vault / "Topics" / "Rust.md").rename(vault / "Topics" / "Rust language.md")
    report = run_sync(VaultPaths(vault), progress=False, changed=["Topics/Rust language.md"])
    assert ("Topics/Rust.md", "Topics/Rust language.md") in report.index.moved
    assert "Topics/Rust.md" not in report.index.removed
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("a plain note added", {"links"}),
        ("a plain note deleted", {"links"}),
        ("a plain note renamed", {"links"}),
        ("a note with a web link added", {"links", "resources"}),
        ("a note with a task added", {"links", "status"}),
        ("a topic note added", {"links", "topics"}),
        ("a daily note without tasks added", {"links", "habits"}),
        ("a note with a task added where Obsidian excludes files", {"links"}),
        ("an attachment nothing links to added", set()),
        ("an attachment a note embeds deleted", {"links"}),
    ],
)
def test_a_file_that_comes_or_goes_renders_only_what_reads_its_rows(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, expected: set[str]
) -> None:
    """Link health counts the notes and lists the orphans: it follows every note that comes
    or goes; the others only what the note holds (a task, a web link, a topic tag, a day)."""
    rendered(vault)
    rendered(vault)
    (vault / "Plain.md").write_text("Just words, no link, no tag.\n", "utf-8")
    rendered(vault)
    if change == "a plain note added":
        (vault / "Another plain one.md").write_text("Words.\n", "utf-8")
    elif change == "a plain note deleted":
        (vault / "Plain.md").unlink()
    elif change == "a plain note renamed":
        (vault / "Plain.md").rename(vault / "Topics" / "Plain renamed.md")
    elif change == "a note with a web link added":
        (vault / "Web.md").write_text("See [a site](https://example.org/page).\n", "utf-8")
    elif change == "a note with a task added":
        (vault / "Chores.md").write_text("- [ ] water the plants\n", "utf-8")
    elif change == "a topic note added":
        (vault / "Topics" / "Go.md").write_text("---\ntags: [topic]\n---\nA language.\n", "utf-8")
    elif change == "a daily note without tasks added":
        (vault / "Daily" / "2026-11-15.md").write_text("A quiet day.\n", "utf-8")
    elif change == "a note with a task added where Obsidian excludes files":
        (vault / "Archive" / "Chores.md").write_text("- [ ] water the plants\n", "utf-8")
    elif change == "an attachment nothing links to added":
        (vault / "attachments" / "unused.png").write_bytes(b"png")
    else:
        (vault / "attachments" / "weekly-chart.png").unlink()
    assert rendered(vault) == expected
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_the_date_alone_renders_only_the_dashboards_that_read_it(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status (overdue, due soon, recently done) and Habits (the window) count from today;
    Topics, Resources and Link health read nothing that does."""
    rendered(vault)
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    assert rendered(vault) == {"status", "habits"}
    assert outputs(vault) == scratch_outputs(vault, tmp_path, monkeypatch)


def test_a_template_of_ones_own_that_reads_the_date_is_rendered_when_it_moves(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By the name ``today``, or by a filter that counts from it; a name vaultkit does not
    know counts as reading the date too."""
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    custom = {
        "by_name": "As of {{ today }}.\n",
        "by_filter": "{{ '2026-12-01' | days_until }} days to go.\n",
        "unknown": "{{ nothing_known | default('?') }}\n",
        "undated": "{{ links.notes }} notes, {{ '2026-12-01' | weekday }}.\n",
    }
    config = vault / ".vaultkit" / "config.toml"
    lines = [config.read_text("utf-8")]
    for name, source in custom.items():
        (templates / f"{name}.md.j2").write_text(source, "utf-8")
        lines.append(f'\n[dashboards.{name}]\ntemplate = "{name}.md.j2"\ntarget = "{name}.md"\n')
    config.write_text("".join(lines), "utf-8")
    rendered(vault)
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    assert rendered(vault) == {"status", "habits", "by_name", "by_filter", "unknown"}
    # Computed as it renders: not once, when the cached compiled template was made.
    assert (vault / "by_filter.md").read_text("utf-8").endswith("\n8 days to go.\n")
