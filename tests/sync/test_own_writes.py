"""vaultkit's own writes are no change: the sync after one that wrote renders and parses nothing
(``vaultkit.index.update.record_own_writes``), while a user's edit that lands between a
sync's write and its record is still found."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import installed
from tests.support.region_vault import disable_quiet_period
from vaultkit.index import store
from vaultkit.index.meta import SYNCED_AT_KEY
from vaultkit.index.update import OwnWrites, record_own_writes
from vaultkit.sync import run
from vaultkit.sync.result import SyncResult
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths

DASHBOARD_FILES = {
    "Dashboards/Status.md",
    "Dashboards/Resources.md",
    "Dashboards/Habits.md",
    "Dashboards/Link health.md",
}


def sync_json(vault: Path) -> dict[str, Any]:
    """``vaultkit sync VAULT --json`` through the installed script."""
    result = installed("sync", str(vault), "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {item["path"]: item["status"] for item in data["files"]}


def cold(vault: Path) -> None:
    """No dashboards yet: the first sync creates every one of them."""
    shutil.rmtree(vault / "Dashboards")


def links_in_inbox(vault: Path, *, at_top: bool) -> Path:
    """The link health in a new region of ``Inbox.md``, at its top or at its end; the note."""
    config = vault / ".vaultkit" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[dashboards.links]\ntarget = "Inbox.md#links"\n',
        encoding="utf-8",
    )
    inbox = vault / "Inbox.md"
    region = "%% vaultkit:begin links %%\n%% vaultkit:end links %%\n"
    text = inbox.read_text(encoding="utf-8")
    inbox.write_text(region + "\n" + text if at_top else text + "\n" + region, encoding="utf-8")
    return inbox


def with_regions(vault: Path) -> None:
    """Dashboards in regions of the user's notes, which a cold sync rewrites.

    The topics stay in ``Plan.md#topics`` (the example's own region), and a topic's property
    changes, so the region gets a new row of the same height; the link health goes into a
    new region at the end of ``Inbox.md``."""
    disable_quiet_period(vault)
    links_in_inbox(vault, at_top=False)
    rust = vault / "Topics" / "Rust.md"
    text = rust.read_text(encoding="utf-8")
    assert "timeline: 2 months" in text
    rust.write_text(text.replace("timeline: 2 months", "timeline: 3 months"), encoding="utf-8")


@pytest.mark.parametrize(
    ("prepare", "written"),
    [
        (cold, DASHBOARD_FILES),
        (with_regions, {"Plan.md", "Inbox.md"}),
    ],
    ids=["dashboard files", "regions of notes"],
)
def test_the_sync_after_a_sync_that_wrote_renders_and_parses_nothing(
    vault: Path, prepare: Callable[[Path], None], written: set[str]
) -> None:
    prepare(vault)
    first = sync_json(vault)
    assert {p for p, s in statuses(first).items() if s in ("created", "written")} == written
    assert first["rendered"]  # a cold index: every dashboard rendered once
    second = sync_json(vault)
    # Nothing read again and nothing rendered: vaultkit's own writes were no change.
    assert second["rendered"] == []
    assert second["parsed"] == []
    assert set(statuses(second).values()) == {"unchanged"}


def test_a_dashboard_vaultkit_wrote_is_still_read_when_the_user_edits_it(vault: Path) -> None:
    """The record of a write is no blind trust: an edit of the file after it is seen."""
    cold(vault)
    sync_json(vault)
    status = vault / "Dashboards" / "Status.md"
    status.write_text(status.read_text(encoding="utf-8") + "my own line\n", encoding="utf-8")
    result = installed("sync", str(vault), "--check")
    assert result.returncode == 1
    assert "Status.md" in result.stdout


def test_an_edit_landing_between_the_write_and_its_record_is_a_change(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user saves a note vaultkit has just written (a region of it) before the sync records
    its writes: the index must not take the user's bytes for vaultkit's."""
    with_regions(vault)
    inbox = vault / "Inbox.md"

    def user_saves_first(*args: Any, **kwargs: Any) -> OwnWrites | None:
        text = inbox.read_text(encoding="utf-8")
        assert "%% vaultkit:end links" in text  # vaultkit's write is there
        inbox.write_text(text + "- [ ] a task typed just now\n", encoding="utf-8")
        return record_own_writes(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr("vaultkit.sync.run.record_own_writes", user_saves_first)
        result = run_sync(VaultPaths(vault))
    assert "Inbox.md" not in result.recorded
    assert "Plan.md" in result.recorded  # the other write, untouched, is recorded

    data = sync_json(vault)
    assert data["parsed"] == ["Inbox.md"]
    assert "status" in data["rendered"]  # the new task counts
    tasks = installed("tasks", "--vault", str(vault), "--json")
    assert "a task typed just now" in tasks.stdout


def test_a_new_dashboard_that_takes_a_link_still_moves_link_health(vault: Path) -> None:
    """A new generated file is hidden from every view but can be a link's target: when it
    takes a link that pointed nowhere, the links family moves and link health renders again,
    in the same sync (its further pass)."""
    cold(vault)
    inbox = vault / "Inbox.md"
    inbox.write_text(inbox.read_text(encoding="utf-8") + "\nSee [[Habits]].\n", encoding="utf-8")
    first = sync_json(vault)
    index = VaultPaths(vault).index.path
    with sqlite3.connect(index) as connection:
        resolved = connection.execute(
            "SELECT resolved FROM links WHERE note = 'Inbox.md' AND target = 'Habits'"
        ).fetchone()
    # Resolved against the file this very sync created: recorded, not left for later.
    assert resolved == ("Dashboards/Habits.md",)
    assert "links" in first["rendered"]
    health = (vault / "Dashboards" / "Link health.md").read_text(encoding="utf-8")
    assert "`[[Someday Ideas]]` in [[Inbox]]" in health  # the example's own unresolved link
    assert "[[Habits]]" not in health
    second = sync_json(vault)
    assert second["parsed"] == []
    assert second["rendered"] == []


def test_a_region_that_moves_links_has_them_listed_where_they_now_are(vault: Path) -> None:
    """The topics' region in Plan.md loses a row when a topic is deleted, which moves the
    links below it up a line. Link health was rendered before that write; the same sync
    renders it again, so it names the lines the links are on and nothing is left stale."""
    disable_quiet_period(vault)
    sync_json(vault)
    (vault / "Topics" / "Rust.md").unlink()
    data = sync_json(vault)
    assert statuses(data)["Plan.md"] == "written"
    plan = (vault / "Plan.md").read_text(encoding="utf-8").splitlines()
    line = 1 + next(n for n, text in enumerate(plan) if "[[Rust#^key-idea|" in text)
    health = (vault / "Dashboards" / "Link health.md").read_text(encoding="utf-8")
    assert f"`[[Rust#^key-idea|the aliasing rule]]` in [[Plan]] (line {line})" in health
    check = installed("sync", str(vault), "--check")
    assert check.returncode == 0, check.stdout


def test_link_health_in_a_region_above_the_links_it_lists_names_their_new_lines(
    vault: Path,
) -> None:
    """Link health as a region at the top of Inbox.md, above the links it lists: a new
    unresolved link grows the region, which moves every link below it. One sync leaves it
    naming the lines the links are on."""
    disable_quiet_period(vault)
    inbox = links_in_inbox(vault, at_top=True)
    sync_json(vault)
    inbox.write_text(inbox.read_text(encoding="utf-8") + "\nLater: [[Nowhere yet]].\n")
    sync_json(vault)
    lines = inbox.read_text(encoding="utf-8").splitlines()
    for link in ("[[Someday Ideas]]", "[[Nowhere yet]]"):
        line = 1 + next(
            n for n, text in enumerate(lines) if link in text and not text.startswith("- `")
        )
        assert f"- `{link}` in [[Inbox]] (line {line})" in lines
    check = installed("sync", str(vault), "--check")
    assert check.returncode == 0, check.stdout


def test_passes_are_bounded_when_own_writes_keep_moving_lines(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However the dashboards' regions feed each other, one sync makes at most MAX_PASSES,
    and the last one's writes are reported with the first's."""
    disable_quiet_period(vault)
    passes: list[SyncResult] = []
    one_pass = run._run_sync

    def always_moves(*args: Any, **kwargs: Any) -> SyncResult:
        result = one_pass(*args, **kwargs)
        result.moved = frozenset({"links"})
        passes.append(result)
        return result

    (vault / "Topics" / "Rust.md").unlink()
    monkeypatch.setattr(run, "_run_sync", always_moves)
    result = run.run_sync(VaultPaths(vault))
    assert len(passes) == run.MAX_PASSES == 3
    assert "links" in result.rendered
    assert "Plan.md" in result.recorded  # the first pass's write


def _index_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths the index is opened at for writing from now on (``store._connect``)."""
    opened: list[Path] = []
    connect = store._connect

    def counted(path: Path) -> sqlite3.Connection:
        opened.append(path)
        return connect(path)

    monkeypatch.setattr(store, "_connect", counted)
    return opened


def test_a_sync_that_writes_opens_the_index_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update, the render and the record of the sync's own writes share one connection
    (each open and close of the index costs a save through the hook a few milliseconds)."""
    run_sync(VaultPaths(vault))
    cold(vault)
    opened = _index_opens(monkeypatch)
    result = run_sync(VaultPaths(vault))
    assert len(opened) == 1
    assert set(result.recorded) == DASHBOARD_FILES
    again = run_sync(VaultPaths(vault), changed=sorted(DASHBOARD_FILES))
    assert again.index.parsed == [] and again.rendered == []


def test_a_sync_that_renders_nothing_still_records_when_it_scanned(vault: Path) -> None:
    """A change no dashboard reads renders nothing; the sync still notes when it scanned (the
    hook's fast path trusts the index only for notes modified before that)."""
    paths = VaultPaths(vault)
    run_sync(paths)
    inbox = vault / "Inbox.md"
    inbox.write_text(inbox.read_text(encoding="utf-8") + "\nA line of prose.\n", encoding="utf-8")

    def synced_at() -> int:
        with closing(sqlite3.connect(paths.index.path)) as connection:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (SYNCED_AT_KEY,)
            ).fetchone()
        return int(row[0])

    before = synced_at()
    started = time.time_ns()
    result = run_sync(paths, changed=["Inbox.md"])
    assert result.index.parsed == ["Inbox.md"]
    assert result.rendered == []
    assert before < started <= synced_at()
