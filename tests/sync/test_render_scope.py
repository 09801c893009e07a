"""A note or attachment that comes or goes, and the date rolling over, render only the
dashboards they can change, and the dashboards stay exactly what a sync from scratch writes.

A stateful property: random sequences of notes added (plain, with tasks, resources, a topic
tag, links to the others, a comparison table, aliases), edited, deleted, renamed (in their
folder, to another, into a namesake of another note), folders renamed, daily notes added,
attachments added and removed, and the date moved on; each step followed by a sync with the
vault's own index (a full sync, or the hook's sync of the touched paths). After every step,
every dashboard's bytes must be those a sync of a copy of the vault writes with an empty
cache folder. Besides the five built-ins, two dashboards of the user's own read what the
built-ins do not: the count and list of the notes (``vault``, ``notes``) and a dated filter
(``days_until``).

Below it, the same through the installed command: what a new note and a new day render, and
that the sync after a cold index has nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import vaultkit.dashboards.topics
from tests.support.cli import installed
from tests.support.region_vault import disable_quiet_period
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths

FOLDERS = ["", "a", "b", "a/sub"]
NAMES = ["Alpha", "alpha", "Beta", "Gamma"]
NOTE_PATHS = [
    f"{folder}/{name}.md" if folder else f"{name}.md" for folder in FOLDERS for name in NAMES
]
ATTACHMENTS = ["pic.png", "a/pic.png", "b/Gamma.pdf"]
START = dt.date(2026, 11, 22)

LINES = [
    "A plain paragraph.",
    "- [ ] a task due soon 📅 2026-11-25",
    "- [ ] an overdue task 📅 2026-11-20",
    "- [x] done lately ✅ 2026-11-21",
    "- [ ] read [the paper](https://example.com/paper)",
    "See [a site](https://example.org/page).",
    "#topic",
    "#topic/sub",
    "[[Alpha]]",
    "[[b/Alpha]]",
    "[[Gamma#Part]]",
    "[[Other name]]",
    "![[pic.png]]",
    "[[Gamma.pdf]]",
    "[[Nowhere]]",
    "## Part",
    "## Details\n\n- an item",
    "| Name | Details |\n|---|---|\n| **One** | - x <br>- y |\n| **Two** | - z |",
    "- [ ] blocker 🆔 t1",
    "- [ ] waits ⛔ t1",
]
FRONT = [
    "",
    "---\ntags: [topic]\nstatus: active\n---\n",
    "---\naliases: [Other name]\n---\n",
]
contents = st.builds(
    lambda front, lines: front + "\n\n".join(lines) + "\n",
    st.sampled_from(FRONT),
    st.lists(st.sampled_from(LINES), max_size=5),
)
DAILY = ["", "- [x] Gym\n- [ ] Read\n", "- [ ] Gym\n- [x] Read\n"]

CONFIG = """\
[dashboards.census]
template = "census.md.j2"
target = "Dashboards/Census.md"

[dashboards.ages]
template = "ages.md.j2"
target = "Dashboards/Ages.md"
"""
CENSUS = """\
{{ vault.notes }} notes:
{% for note in notes %}- {{ note.path | wikilink }} {{ note.tags | join(", ") }}
{% endfor %}"""
AGES = """\
{% for task in tasks %}{% if task.due %}- {{ task.text }}: {{ task.due | days_until }} days
{% endif %}{% endfor %}"""


# Other values for settings of each section a built-in dashboard's names are computed from.
SETTINGS = {
    "topics": ['sort = "-title"', 'tag = "topic/sub"', 'columns = ["progress", "status"]'],
    "habits": ["window_days = 7", 'sources = ["daily_notes", "recurring_tasks"]'],
    "daily_notes": ['folder = "a"', 'format = "DD.MM.YYYY"'],
    "status.cadences": ['"Part" = "weekly"\n"Details" = "daily"'],
}

ENVIRONMENT = ("VAULTKIT_TODAY", "VAULTKIT_CACHE_DIR")


def synced(root: Path, cache: Path, changed: list[str] | None) -> None:
    """``vaultkit sync`` of ``root`` with ``cache`` as its cache folder (an empty one: a sync
    from scratch); with ``changed``, as the hook syncs those paths."""
    os.environ["VAULTKIT_CACHE_DIR"] = str(cache)
    report = run_sync(VaultPaths(root), progress=False, changed=changed)
    assert not report.problems, report.results


def dashboards(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "Dashboards").glob("*.md"))}


@settings(
    # Each step syncs twice (the vault, then a copy from scratch): a few dozen runs by
    # default, many more (randomised) under VAULTKIT_HYPOTHESIS=thorough.
    max_examples=300 if os.environ.get("VAULTKIT_HYPOTHESIS") == "thorough" else 20,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
class RenderScope(RuleBasedStateMachine):
    """The vault on disk, synced step by step with its own index."""

    @initialize(notes=st.lists(st.tuples(st.sampled_from(NOTE_PATHS), contents), max_size=5))
    def start(self, notes: list[tuple[str, str]]) -> None:
        self.base = Path(os.environ.get("TMPDIR", "/tmp")) / f"vk-scope-{os.getpid()}-{id(self)}"
        shutil.rmtree(self.base, ignore_errors=True)
        self.root = self.base / "vault"
        (self.root / ".obsidian").mkdir(parents=True)
        (self.root / ".obsidian" / "daily-notes.json").write_text(
            '{"folder": "Daily", "format": "YYYY-MM-DD"}', "utf-8"
        )
        templates = self.root / ".vaultkit" / "templates"
        templates.mkdir(parents=True)
        (self.root / ".vaultkit" / "config.toml").write_text(CONFIG, "utf-8")
        (templates / "census.md.j2").write_text(CENSUS, "utf-8")
        (templates / "ages.md.j2").write_text(AGES, "utf-8")
        self.today = START
        self.previous = {name: os.environ.get(name) for name in ENVIRONMENT}
        os.environ["VAULTKIT_TODAY"] = START.isoformat()
        self.clock = 1_700_000_000 * 10**9
        self.touched: set[str] = set()
        for path, text in notes:
            self._write(path, text)
        self._sync(partial=False)

    def teardown(self) -> None:
        for name, value in self.previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.base, ignore_errors=True)

    # -- the vault ------------------------------------------------------------------------

    def _files(self, suffix: str = "") -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file()
            and not {".obsidian", ".vaultkit", "Dashboards"} & set(p.relative_to(self.root).parts)
            and p.name.endswith(suffix)
        )

    def _write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        # Every write its own mtime, well before the sync: a change is always seen, and a
        # copy of the vault keeps it (a topic's "modified" can be its mtime).
        self.clock += 10**9
        os.utime(target, ns=(self.clock, self.clock))
        self.touched.add(path)

    def _sync(self, partial: bool) -> None:
        changed = sorted(self.touched) if partial else None
        self.touched.clear()
        synced(self.root, self.base / "cache", changed)

    # -- the steps ------------------------------------------------------------------------

    @rule(path=st.sampled_from(NOTE_PATHS), text=contents, partial=st.booleans())
    def write_note(self, path: str, text: str, partial: bool) -> None:
        """A note added, or edited when it exists."""
        self._write(path, text)
        self._sync(partial)

    @rule(day=st.integers(-16, 0), text=st.sampled_from(DAILY), partial=st.booleans())
    def write_daily_note(self, day: int, text: str, partial: bool) -> None:
        """A daily note, in the habits' window or just before it, ticked or not."""
        self._write(f"Daily/{(self.today + dt.timedelta(days=day)).isoformat()}.md", text)
        self._sync(partial)

    @rule(path=st.sampled_from(ATTACHMENTS), partial=st.booleans())
    def write_attachment(self, path: str, partial: bool) -> None:
        self._write(path, "binary")
        self._sync(partial)

    @precondition(lambda self: any((self.root / path).exists() for path in ATTACHMENTS))
    @rule(data=st.data(), partial=st.booleans())
    def delete_attachment(self, data: st.DataObject, partial: bool) -> None:
        """An attachment deleted: the links that pointed at it may resolve no more."""
        path = data.draw(st.sampled_from([p for p in ATTACHMENTS if (self.root / p).exists()]))
        (self.root / path).unlink()
        self.touched.add(path)
        self._sync(partial)

    @precondition(lambda self: bool(self._files()))
    @rule(data=st.data(), partial=st.booleans())
    def delete(self, data: st.DataObject, partial: bool) -> None:
        """A note or daily note deleted, or an attachment."""
        path = data.draw(st.sampled_from(self._files()))
        (self.root / path).unlink()
        self.touched.add(path)
        self._sync(partial)

    @precondition(lambda self: bool(self._files(".md")))
    @rule(data=st.data(), partial=st.booleans())
    def rename(self, data: st.DataObject, partial: bool) -> None:
        """A note renamed: in its folder, to another folder, its name's case only."""
        old = data.draw(st.sampled_from(self._files(".md")))
        free = [p for p in NOTE_PATHS if not (self.root / p).exists()]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(self.root / new)
        self.touched |= {old, new}
        self._sync(partial)

    @rule(data=st.data(), partial=st.booleans())
    def rename_folder(self, data: st.DataObject, partial: bool) -> None:
        """A folder of notes renamed, or moved into another one."""
        folders = [f for f in ("a", "b", "a/sub") if (self.root / f).is_dir()]
        if not folders:
            return
        old = data.draw(st.sampled_from(folders))
        # "c [x]": a path a wikilink cannot hold, so every link into it shows the path.
        free = [f for f in ("a", "b", "c", "c [x]", "b/sub") if not (self.root / f).exists()]
        free = [f for f in free if not f.startswith(old + "/")]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        moved = [p for p in self._files() if p.startswith(old + "/")]
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(self.root / new)
        self.touched |= set(moved) | {new + p[len(old) :] for p in moved}
        self._sync(partial)

    @rule(
        chosen=st.fixed_dictionaries(
            {}, optional={section: st.sampled_from(values) for section, values in SETTINGS.items()}
        ),
        partial=st.booleans(),
    )
    def change_settings(self, chosen: dict[str, str], partial: bool) -> None:
        """Settings of the sections the built-in dashboards read set, changed or back at
        their defaults (each step writes the whole file): every dashboard whose names are
        computed from a section that changed must show it."""
        tables = "".join(f"\n[{section}]\n{value}\n" for section, value in chosen.items())
        (self.root / ".vaultkit" / "config.toml").write_text(CONFIG + tables, "utf-8")
        self._sync(partial)

    @rule(days=st.integers(1, 3))
    def roll_the_date(self, days: int) -> None:
        """The date moves on, nothing else: what the watcher's or hook's sync meets."""
        self.today += dt.timedelta(days=days)
        os.environ["VAULTKIT_TODAY"] = self.today.isoformat()
        self._sync(partial=False)

    # -- the property ---------------------------------------------------------------------

    @invariant()
    def every_dashboard_is_what_a_sync_from_scratch_writes(self) -> None:
        if not hasattr(self, "root"):
            return
        fresh = self.base / "fresh" / "vault"  # the same name: a template may show it
        shutil.rmtree(fresh.parent, ignore_errors=True)
        shutil.copytree(self.root, fresh)
        synced(fresh, fresh.parent / "cache", None)
        assert dashboards(self.root) == dashboards(fresh)


TestRenderScope = RenderScope.TestCase


def sync_json(vault: Path, **environment: str) -> dict[str, Any]:
    """``vaultkit sync VAULT --json`` through the installed script."""
    result = installed("sync", str(vault), "--json", env={**os.environ, **environment})
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_through_the_command_a_new_note_and_the_date_render_only_what_they_change(
    vault: Path,
) -> None:
    sync_json(vault)
    (vault / "Plain.md").write_text("Just words, no link, no tag.\n", "utf-8")
    assert sync_json(vault)["rendered"] == ["links"]
    assert sync_json(vault, VAULTKIT_TODAY="2026-11-23")["rendered"] == ["status", "habits"]
    assert sync_json(vault, VAULTKIT_TODAY="2026-11-23")["rendered"] == []


def test_the_sync_after_a_cold_index_parses_and_renders_nothing(vault: Path) -> None:
    """The first sync with an empty cache folder reads the dashboards on disk as notes and
    renders all five (no render key is known); what it writes, or finds written already, is
    recorded, so the sync after it has nothing to do."""
    sync_json(vault)
    shutil.rmtree(os.environ["VAULTKIT_CACHE_DIR"])
    first = sync_json(vault)
    assert "Dashboards/Status.md" in first["parsed"]
    assert len(first["rendered"]) == 5
    second = sync_json(vault)
    assert (second["parsed"], second["rendered"], second["removed"]) == ([], [], [])


def test_a_setting_of_when_and_whether_to_write_renders_nothing_again(vault: Path) -> None:
    """Guard rails, render bounds, timing and the index's place decide when and whether
    vaultkit writes, never what a dashboard says: changing them renders nothing again (all
    five cost ~0.3 s on the generated topics-heavy vault). A setting a dashboard shows renders
    it again."""
    sync_json(vault)
    config = vault / ".vaultkit" / "config.toml"
    original = config.read_text("utf-8")
    writing_only = (
        "[vault]\nmax_files_written = 77\nmax_growth = 9.5\ngrowth_allowance = 4096\n"
        "template_timeout = 12\nmax_output = 999999\nquiet_seconds = 0.5\ndebounce_ms = 50\n"
    )
    config.write_text(original.replace("[vault]\n", writing_only, 1), "utf-8")
    report = sync_json(vault)
    assert (report["parsed"], report["rendered"]) == ([], [])
    config.write_text(original.replace('sort = "priority"', 'sort = "-title"'), "utf-8")
    assert "topics" in sync_json(vault)["rendered"]


def test_a_section_of_settings_renders_only_the_dashboards_that_read_it(vault: Path) -> None:
    """A setting renders again the dashboards whose templates read a name computed from its
    section, and no other: a ``[habits]`` window changed renders the Habits dashboard alone.
    The dashboards rendered are then those a sync from scratch writes (the render-scope
    property above checks that for every step)."""
    # The Topics table is a region of Plan.md, which the copy has just written.
    disable_quiet_period(vault)
    sync_json(vault)
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text("utf-8")

    def changed(old: str, new: str) -> list[str]:
        nonlocal text
        assert old in text
        text = text.replace(old, new, 1)
        config.write_text(text, "utf-8")
        rendered: list[str] = sync_json(vault)["rendered"]
        return rendered

    assert changed('sort = "priority"', 'sort = "-title"') == ["topics"]
    assert changed("[habits]\n", "[habits]\nwindow_days = 7\n") == ["habits"]
    assert changed("[habits]\n", '[daily_notes]\nfolder = "Elsewhere"\n\n[habits]\n') == ["habits"]
    # Other cadence groups are derived again in the index, which moves the tasks Status reads.
    cadences = '[status.cadences]\n"Daily" = "daily"\n"Someday" = "someday"\n\n[topics]\n'
    assert changed("[topics]\n", cadences) == ["status"]
    # A dashboard's own table renders it alone.
    assert changed(
        'target = "Plan.md#topics"',
        'target = "Plan.md#topics"\n\n[dashboards.links]\ntarget = "Health.md"',
    ) == ["links"]


TABLE_NOTE = "| Tool | Speed |\n| --- | --- |\n| **saw** | slow |\n| **drill** | fast |\n"


def test_a_note_with_a_table_renders_the_topics_only_while_there_is_no_topic(
    vault: Path,
) -> None:
    """The Topics dashboard shows the comparison tables only while no note is a topic: a note
    holding a table that comes or goes while there are topics leaves it as it is."""
    plan = vault / "Plan.md"  # holds the Topics region
    disable_quiet_period(vault)  # a fresh copy's ctime is now: its region would wait

    def synced_rendered() -> list[str]:
        rendered: list[str] = sync_json(vault)["rendered"]
        return rendered

    synced_rendered()
    topics_region = plan.read_text(encoding="utf-8")
    tools = vault / "Tools.md"
    tools.write_text(TABLE_NOTE, "utf-8")
    assert synced_rendered() == ["links"]
    tools.unlink()
    assert synced_rendered() == ["links"]
    assert plan.read_text(encoding="utf-8") == topics_region
    # No topic left: the Topics dashboard lists the tables, and follows a new one.
    shutil.rmtree(vault / "Topics")
    assert "topics" in synced_rendered()
    tools.write_text(TABLE_NOTE, "utf-8")
    assert "topics" in synced_rendered()
    assert "[[Tools]]" in plan.read_text(encoding="utf-8")
    tools.unlink()
    assert "topics" in synced_rendered()
    assert "[[Tools]]" not in plan.read_text(encoding="utf-8")


def test_a_batch_of_table_notes_looks_for_a_topic_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether any note is a topic is a scan of the notes: a batch of notes holding tables,
    added or deleted in one sync, pays it once, not once per note."""
    synced(vault, Path(os.environ["VAULTKIT_CACHE_DIR"]), None)
    scans: list[bool] = []
    has_topics = vaultkit.dashboards.topics.has_topics

    def counted(*args: Any) -> bool:
        scans.append(found := has_topics(*args))
        return found

    monkeypatch.setattr(vaultkit.dashboards.topics, "has_topics", counted)
    tools = [vault / f"Tools {n}.md" for n in range(6)]
    for note in tools:
        note.write_text(TABLE_NOTE, "utf-8")
    assert run_sync(VaultPaths(vault), progress=False).rendered == ["links"]
    assert scans == [True]
    for note in tools:
        note.unlink()
    assert run_sync(VaultPaths(vault), progress=False).rendered == ["links"]
    assert scans == [True, True]


@pytest.mark.parametrize("topics_before", [True, False])
def test_the_last_topic_and_a_table_note_in_one_sync_leave_the_topics_as_a_fresh_sync(
    vault: Path, tmp_path: Path, topics_before: bool
) -> None:
    """Whether a note is a topic is looked for once per sync: in the sync where the last
    topic goes (or the first comes) beside a note holding a table, the Topics dashboard
    still ends as a sync from scratch writes it."""
    topics = vault / "Topics"
    kept = tmp_path / "kept topics"
    plan = vault / "Plan.md"  # holds the Topics region
    disable_quiet_period(vault)  # a fresh copy's ctime is now: its region would wait
    moved = [f"Topics/{note.name}" for note in topics.glob("*.md")]
    if not topics_before:
        shutil.move(topics, kept)
    cache = Path(os.environ["VAULTKIT_CACHE_DIR"])
    synced(vault, cache, None)
    if topics_before:
        shutil.move(topics, kept)
    else:
        shutil.move(kept, topics)
    (vault / "Tools.md").write_text(TABLE_NOTE, "utf-8")
    # As the hook syncs the paths it is given (a folder's, the files under it), then whole.
    for changed in (["Tools.md", *moved], None):
        synced(vault, cache, changed)
        fresh = tmp_path / "fresh"
        shutil.copytree(vault, fresh)
        synced(fresh, tmp_path / "empty cache", None)
        assert dashboards(vault) == dashboards(fresh)
        assert plan.read_bytes() == (fresh / "Plan.md").read_bytes()
        assert ("[[Tools]]" in plan.read_text("utf-8")) == topics_before
        shutil.rmtree(fresh)
        shutil.rmtree(tmp_path / "empty cache")
