"""``vaultkit hook``, the Shell commands plugin's fast path (``vaultkit.live.hook``).

Called directly on a copy of the example vault: silent and writing nothing when there is
nothing to do, one line when it wrote, and out of the way of a running watcher.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

import vaultkit.index.update
import vaultkit.sync.run
from tests.support.lock_holder import Holder
from tests.support.vault_edits import age
from vaultkit.index.meta import VAULT_KEY
from vaultkit.live.hook import run_hook
from vaultkit.sync.lock import VaultBusyError
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths


@pytest.fixture(autouse=True)
def first_sync(vault: Path) -> None:
    run_sync(VaultPaths(vault))  # the index and dashboards as a first sync leaves them


@pytest.fixture
def no_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the hook gets past its fast path."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the hook ran a sync where it had nothing to do")

    monkeypatch.setattr(vaultkit.sync.run, "run_sync", refuse)


def hook(vault: str | None, file: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_hook(vault, file, out, err)
    return code, out.getvalue(), err.getvalue()


def snapshot(vault: Path) -> dict[str, int]:
    return {
        p.relative_to(vault).as_posix(): p.stat().st_mtime_ns
        for p in vault.rglob("*")
        if p.is_file()
    }


def edit(vault: Path, rel: str = "Status.md") -> None:
    path = vault / rel
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n- [ ] Call the plumber 📅 2026-11-25\n")


@pytest.mark.usefixtures("no_sync")
@pytest.mark.parametrize(
    "rel",
    [
        "Status.md",  # unchanged since the last sync
        "Dashboards/Status.md",  # a generated dashboard
        "Archive/Old plan.md",  # Obsidian's "Excluded files"
        ".obsidian/app.json",
        ".vaultkit/config.toml",
        "attachments/weekly-chart.png",
    ],
)
def test_nothing_to_do_is_silent_and_writes_nothing(vault: Path, rel: str) -> None:
    before = snapshot(vault)
    assert hook(str(vault), rel) == (0, "", "")
    assert snapshot(vault) == before


@pytest.mark.usefixtures("no_sync")
def test_changed_files_the_hook_must_ignore_stay_silent(vault: Path) -> None:
    # vaultkit's own writes fire the plugin's "File content modified" too: never loop.
    edit(vault, "Dashboards/Status.md")
    assert hook(str(vault), "Dashboards/Status.md") == (0, "", "")
    generated = vault / "Old dashboard.md"
    generated.write_text("%% vaultkit:file Old dashboard 0123abcd %%\n# Old\n", encoding="utf-8")
    assert hook(str(vault), str(generated)) == (0, "", "")
    edit(vault, "Archive/Old plan.md")
    assert hook(str(vault), "Archive/Old plan.md") == (0, "", "")
    trashed = vault / ".trash" / "Gone.md"
    trashed.parent.mkdir()
    trashed.write_text("- [ ] old\n", encoding="utf-8")
    assert hook(str(vault), str(trashed)) == (0, "", "")


def test_an_edited_note_updates_its_dashboards_once(vault: Path) -> None:
    dashboard = vault / "Dashboards" / "Status.md"
    before = dashboard.read_bytes()
    edit(vault)
    code, out, err = hook(str(vault), str(vault / "Status.md"))
    assert code == 0
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("vaultkit: Status.md changed → wrote Dashboards/Status.md")
    assert "Call the plumber" in dashboard.read_text(encoding="utf-8")
    assert dashboard.read_bytes() != before
    # The plugin fires again for the dashboard just written, and for the next autosave.
    settled = snapshot(vault)
    assert hook(str(vault), "Dashboards/Status.md") == (0, "", "")
    assert hook(str(vault), "Status.md") == (0, "", "")
    assert snapshot(vault) == settled


def test_ticking_a_task_repeating_every_day_updates_the_habits(vault: Path) -> None:
    """A habit kept as a recurring task, in a note that is no daily note (#15)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[habits]\n", '[habits]\nsources = ["daily_notes", "recurring_tasks"]\n')
    )
    routine = vault / "Routine.md"
    routine.write_text("- [x] Stretch 🔁 every day ➕ 2026-11-19 ✅ 2026-11-20\n", "utf-8")
    run_sync(VaultPaths(vault))
    habits = vault / "Dashboards" / "Habits.md"
    assert "| Stretch | 1/3 |" in habits.read_text(encoding="utf-8")  # the 19th to the 21st
    routine.write_text(
        "- [x] Stretch 🔁 every day ➕ 2026-11-19 ✅ 2026-11-20\n"
        "- [x] Stretch 🔁 every day ✅ 2026-11-21\n",
        "utf-8",
    )
    code, _, err = hook(str(vault), str(routine))
    assert code == 0 and "Dashboards/Habits.md" in err
    assert "| Stretch | 2/3 |" in habits.read_text(encoding="utf-8")


def test_ticking_a_daily_checklist_item_updates_the_habits_log(vault: Path) -> None:
    """Habits kept as the Daily checklist of a status note: the hook records a tick (#15)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8").replace("[vault]\n", "[vault]\nquiet_seconds = 0\n")
    config.write_text(text.replace("[habits]\n", '[habits]\nsources = ["checklists"]\n'))
    run_sync(VaultPaths(vault))
    log = vault / "Habits log.md"
    assert log.read_text(encoding="utf-8").endswith(
        "- 2026-11-22: 45 min of learning Rust (the book\\, then Rustlings), "
        "Anki review (systems deck)\n"
    )
    status = vault / "Status.md"
    status.write_text(
        status.read_text(encoding="utf-8").replace("- [ ] One Leetcode", "- [x] One Leetcode"),
        "utf-8",
    )
    code, _, err = hook(str(vault), str(status))
    assert code == 0 and "Habits log.md" in err and "Dashboards/Habits.md" in err
    assert log.read_text(encoding="utf-8").endswith(
        ", One Leetcode medium\\, written up in the daily note\n"
    )
    assert "| One Leetcode medium, written up in the daily note | 1/1 |" in (
        vault / "Dashboards" / "Habits.md"
    ).read_text(encoding="utf-8")
    # The plugin fires again for the log just written: nothing more to do.
    settled = snapshot(vault)
    assert hook(str(vault), str(log)) == (0, "", "")
    assert hook(str(vault), str(status)) == (0, "", "")
    assert snapshot(vault) == settled


def test_the_first_hook_of_a_new_day_resets_the_daily_checklist(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[habits] reset_checklists through the hook: the first save of a new day unticks what a
    run saw ticked the day before, and leaves the tick that save made (#15)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8").replace("[vault]\n", "[vault]\nquiet_seconds = 0\n")
    config.write_text(
        text.replace("[habits]\n", '[habits]\nsources = ["checklists"]\nreset_checklists = true\n')
    )
    run_sync(VaultPaths(vault))  # the 22nd: Rust and Anki are ticked, and seen so
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-23")
    status = vault / "Status.md"
    before = status.read_text(encoding="utf-8")
    status.write_text(before.replace("- [ ] One Leetcode", "- [x] One Leetcode"), "utf-8")
    code, _, err = hook(str(vault), str(status))
    assert code == 0 and "Status.md" in err and "Habits log.md" in err
    after = status.read_text(encoding="utf-8")
    assert "- [x] One Leetcode" in after  # the save's own tick
    assert "- [ ] 45 min of [[Rust" in after and "- [ ] Anki review" in after
    # Each line as it was, or with its x (a checklist's, done before today) made a space.
    ticked = before.replace("- [ ] One Leetcode", "- [x] One Leetcode").splitlines()
    for old, new in zip(ticked, after.splitlines(), strict=True):
        assert new == old or new == old.replace("[x]", "[ ]", 1), new
    log = (vault / "Habits log.md").read_text(encoding="utf-8")
    assert "- 2026-11-23 reset daily: 45 min of learning Rust" in log
    assert log.endswith("- 2026-11-23: One Leetcode medium\\, written up in the daily note\n")
    settled = snapshot(vault)
    assert hook(str(vault), str(status)) == (0, "", "")
    assert snapshot(vault) == settled


@pytest.mark.parametrize(
    "form",
    ["absolute", "relative", "single-quoted", "double-quoted", "quoted-vault", "no-vault"],
)
def test_the_plugins_path_forms(vault: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(vault / "Daily")  # the plugin runs in the vault; any folder below works
    absolute = str(vault / "Status.md")
    vault_arg: str | None = str(vault)
    file_arg = {
        "absolute": absolute,
        "relative": "Status.md",
        "single-quoted": f"'{absolute}'",
        "double-quoted": '"Status.md"',
        "quoted-vault": absolute,
        "no-vault": absolute,
    }[form]
    if form == "quoted-vault":
        vault_arg = f"'{vault}'"
    elif form == "no-vault":
        vault_arg = None
    edit(vault)
    code, _, err = hook(vault_arg, file_arg)
    assert (code, err.split(" →")[0]) == (0, "vaultkit: Status.md changed")
    assert hook(vault_arg, file_arg) == (0, "", "")


def test_a_name_with_spaces_escaped_and_quoted(vault: Path) -> None:
    # The plugin escaped it ("Machine\ Learning.md") and the user quoted the variable too.
    edit(vault, "Topics/Machine Learning.md")
    code, _, err = hook(str(vault), f'"{vault}/Topics/Machine\\ Learning.md"')
    assert code == 0, err
    assert hook(str(vault), str(vault / "Topics" / "Machine Learning.md")) == (0, "", "")


def test_without_a_file_it_syncs_and_is_silent_when_nothing_changed(vault: Path) -> None:
    assert hook(str(vault), None) == (0, "", "")
    edit(vault)
    code, _, err = hook(str(vault), None)
    assert code == 0
    assert err.startswith("vaultkit: wrote Dashboards/Status.md")


def test_without_a_file_a_still_vault_is_answered_by_the_stamp(vault: Path) -> None:
    """`vaultkit hook VAULT` with no file (the plugin's "Obsidian starts" or a schedule): once a
    sync found everything current, the stamp answers as for `vaultkit sync`, without a scan
    of the vault (which the hook's own hold of the vault lock used to turn off: a second at
    100,000 notes); a change made since is still synced. The installed script, verbose: its
    phases show whether it scanned."""
    from tests.support.cli import vaultkit_executable

    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [vaultkit_executable(), *args, str(vault)],
            env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def hook_verbose() -> subprocess.CompletedProcess[str]:
        return script("-v", "hook")

    age(vault)
    # Finds everything current: records the stamp. Through the same script as the hook: the
    # stamp covers vaultkit's own code, which a test run may import from elsewhere.
    assert script("sync").returncode == 0
    still = hook_verbose()
    assert (still.returncode, still.stdout) == (0, "")
    assert "scan:" not in still.stderr and "wrote" not in still.stderr, still.stderr
    edit(vault)
    changed = hook_verbose()
    assert changed.returncode == 0
    assert "scan:" in changed.stderr and "wrote Dashboards/Status.md" in changed.stderr


def test_a_read_command_refreshing_the_index_does_not_hide_a_change(vault: Path) -> None:
    from vaultkit.index.update import update_index

    edit(vault)
    connection, _ = update_index(
        VaultPaths(vault)
    )  # what `vaultkit tasks` does: index only, no render
    connection.close()
    code, _, err = hook(str(vault), "Status.md")
    assert (code, err.startswith("vaultkit: Status.md changed")) == (0, True)


def test_errors_are_one_line_with_exit_2(vault: Path) -> None:
    (vault / ".vaultkit" / "config.toml").write_text("[vault\n", encoding="utf-8")
    edit(vault)
    code, out, err = hook(str(vault), "Status.md")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("vaultkit: .vaultkit/config.toml")
    code, _, err = hook(str(vault), "/elsewhere/Note.md")
    assert code == 2
    assert "outside the vault" in err


def test_a_relative_file_is_taken_from_the_current_folder(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hook v --file v/note.md`` from v's parent: the path is the current folder's, as in
    every command line (it used to be read from the vault, found nothing and exited 0)."""
    monkeypatch.chdir(vault.parent)
    edit(vault)
    code, _, err = hook(vault.name, f"{vault.name}/Status.md")
    assert code == 0 and err.startswith("vaultkit: Status.md changed → wrote")
    # From inside the vault, and as the plugin's vault-relative form from elsewhere, too.
    edit(vault)
    monkeypatch.chdir(vault / "Daily")
    code, _, err = hook(str(vault), "../Status.md")
    assert code == 0 and err.startswith("vaultkit: Status.md changed → wrote")
    edit(vault)
    code, _, err = hook(str(vault), "Status.md")
    assert code == 0 and err.startswith("vaultkit: Status.md changed → wrote")
    # A relative path to a file outside the vault is an error naming the plugin's variable.
    (vault.parent / "Elsewhere.md").write_text("- [ ] not in the vault\n", encoding="utf-8")
    monkeypatch.chdir(vault.parent)
    code, _, err = hook(str(vault), "Elsewhere.md")
    assert code == 2 and "outside the vault" in err
    assert "{{event_file_path:absolute}}" in err


@pytest.fixture
def watcher(vault: Path, tmp_path: Path) -> Iterator[Callable[[str], Holder]]:
    holders: list[Holder] = []

    def start(purpose: str) -> Holder:
        holders.append(Holder(vault, purpose, tmp_path / f"ready-{len(holders)}"))
        return holders[-1]

    yield start
    for holder in holders:
        holder.stop()


def test_a_running_watcher_keeps_the_hook_out(
    vault: Path, watcher: Callable[[str], Holder]
) -> None:
    holder = watcher("watch")
    edit(vault)
    before = snapshot(vault)
    assert hook(str(vault), "Status.md") == (0, "", "")
    assert snapshot(vault) == before
    with pytest.raises(VaultBusyError, match=f"watch, pid {holder.pid}"):
        run_sync(VaultPaths(vault), lock_timeout=0.2)
    holder.stop()
    code, _, err = hook(str(vault), "Status.md")
    assert (code, err.startswith("vaultkit: Status.md changed")) == (0, True)


def test_the_hook_module_imports_no_parser_or_templates() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import vaultkit.live.hook"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "vaultkit.live.hook" in imported
    # hashlib loads OpenSSL (~5 ms): the hook hashes through vaultkit.speedups.
    heavy_modules = ("markdown_it", "jinja2", "vaultkit.parse", "vaultkit.sync.run", "logging")
    for heavy in (*heavy_modules, "hashlib"):
        assert heavy not in imported, f"{heavy} is imported on the hook's fast path"


def _hook_loading(vault: Path, given: str, modules: tuple[str, ...]) -> tuple[str, str]:
    """``run_hook`` for ``given`` in a fresh interpreter: (its exit code and which of
    ``modules`` it loaded, as printed; its stderr)."""
    code = (
        "import sys; from vaultkit.live.hook import run_hook; "
        f"rc = run_hook({str(vault)!r}, {given!r}, sys.stdout, sys.stderr); "
        f"print(rc, [m for m in {modules!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    return result.stdout, result.stderr


def test_the_fast_path_for_an_unchanged_note_stays_lean(vault: Path) -> None:
    heavy = ("markdown_it", "jinja2", "vaultkit.parse", "vaultkit.sync.run", "hashlib")
    assert _hook_loading(vault, "Status.md", heavy) == ("0 []\n", "")


@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_note_that_goes_or_moves_loads_no_markdown_parser(vault: Path, change: str) -> None:
    """A deleted or renamed note is not parsed, nor are the dashboards the hook writes
    (generated files, whose body is not read and which have no properties): markdown-it, the
    syntax rules and PyYAML stay unloaded."""
    note = vault / "Inbox.md"
    if change == "deleted":
        note.unlink()
        given = note
    else:
        given = note.with_name("Inbox (moved).md")
        note.rename(given)
    heavy = ("markdown_it", "vaultkit.parse.markdown", "vaultkit.parse.extract", "yaml")
    out, err = _hook_loading(vault, given.name, heavy)
    assert out == "0 []\n", err
    assert "changed" in err and "Link health" in err
    # What the hook left is what a sync would: it finds nothing to do.
    after = run_sync(VaultPaths(vault))
    assert (after.index.parsed, after.index.removed, after.rendered) == ([], [], [])


def test_hook_through_the_installed_script_with_the_plugins_argument_forms(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Shell commands plugin runs `vaultkit hook {{vault_path}} --file {{event_file_path:…}}`
    through a shell, in the vault folder, with both values shell-escaped."""
    import shlex

    from tests.support.cli import vaultkit_executable

    env = dict(os.environ)  # the fixture's own cache folder and today
    exe = shlex.quote(vaultkit_executable())

    def hook(file_arg: str) -> subprocess.CompletedProcess[str]:
        command = f"{exe} hook {shlex.quote(str(vault))} --file {file_arg}"
        return subprocess.run(
            command, shell=True, cwd=vault, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip

    note = vault / "Topics" / "Machine Learning.md"
    first = hook(shlex.quote(str(note)))  # absolute, shell-escaped (a name with a space)
    assert first.returncode == 0, first.stderr
    quiet = hook(shlex.quote(str(note)))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    relative = hook(shlex.quote("Topics/Machine Learning.md"))  # {{event_file_path:relative}}
    assert (relative.returncode, relative.stderr) == (0, "")
    generated = hook(shlex.quote(str(vault / "Dashboards" / "Status.md")))
    assert (generated.returncode, generated.stderr) == (0, "")
    note.write_text(note.read_text(encoding="utf-8") + "\n- [ ] one more exercise\n", "utf-8")
    changed = hook(shlex.quote(str(note)))
    assert changed.returncode == 0
    assert changed.stderr.startswith("vaultkit: ") and "Dashboards/Status.md" in changed.stderr
    assert changed.stderr.count("\n") == 1


def test_a_folder_renamed_or_deleted_syncs_the_whole_vault(vault: Path) -> None:
    """The plugin's folder events pass `{{event_folder_path:absolute}}`: every note under the
    folder moved, so the hook looks at the whole vault; the next sync finds nothing left."""
    import json

    from tests.support.cli import installed

    def left_over() -> tuple[list[str], list[str]]:
        """What the next sync still parses and removes: what the hook missed."""
        after = json.loads(installed("sync", str(vault), "--dry-run", "--json").stdout)
        return after["parsed"], after["removed"]

    assert installed("sync", str(vault)).returncode == 0
    (vault / "Topics").rename(vault / "Subjects")
    renamed = installed("hook", str(vault), "--file", str(vault / "Subjects"))
    assert renamed.returncode == 0, renamed.stderr
    assert left_over() == ([], [])
    paths = installed("query", "SELECT path FROM notes WHERE path LIKE 'Subjects/%'", str(vault))
    assert "Subjects/Rust.md" in paths.stdout

    for note in (vault / "Subjects").iterdir():
        note.unlink()
    (vault / "Subjects").rmdir()
    deleted = installed("hook", str(vault), "--file", str(vault / "Subjects"))
    assert deleted.returncode == 0, deleted.stderr
    assert left_over() == ([], [])
    # A deleted attachment (a name with an extension) or a dot-folder is still no news.
    assert installed("hook", str(vault), "--file", str(vault / "gone.png")).stderr == ""
    assert installed("hook", str(vault), "--file", str(vault / ".trash")).stderr == ""


def test_quiet_hook_writes_without_a_notice_but_still_reports_problems(vault: Path) -> None:
    from tests.support.cli import installed

    edit(vault, "Plan.md")
    before = (vault / "Dashboards" / "Status.md").read_bytes()
    quiet = installed("hook", "-q", "--file", str(vault / "Plan.md"), str(vault))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (vault / "Dashboards" / "Status.md").read_bytes() != before  # it did sync
    (vault / ".vaultkit" / "templates").mkdir(parents=True, exist_ok=True)
    (vault / ".vaultkit" / "templates" / "status.md.j2").write_text("{% if %}\n", "utf-8")
    edit(vault, "Plan.md")
    broken = installed("hook", "--file", str(vault / "Plan.md"), "--quiet", str(vault))
    assert broken.returncode != 0
    assert "status.md.j2" in broken.stderr


def _no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the hook walked the whole vault")

    monkeypatch.setattr(vaultkit.sync.run, "scan_vault", refuse)
    # The indexer's own walk, for an index it must build anew.
    monkeypatch.setattr(vaultkit.index.update, "scan_vault", refuse)


def _count_walks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The sync's walks of the vault, one entry each, as they happen."""
    from vaultkit.scan.walk import scan_vault as walk

    walked: list[bool] = []

    def counting(*args: object, **kwargs: object) -> object:
        walked.append(True)
        return walk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vaultkit.sync.run, "scan_vault", counting)
    return walked


def _indexed_notes(vault: Path) -> set[str]:
    with closing(sqlite3.connect(VaultPaths(vault).index.path)) as connection:
        return {row[0] for row in connection.execute("SELECT path FROM notes")}


def _as_a_fresh_sync_writes(vault: Path, tmp_path: Path) -> None:
    """Every dashboard equals what a sync of a copy with a new index writes."""
    copy = tmp_path / "fresh"
    shutil.copytree(vault, copy)
    run_sync(VaultPaths(copy, index=str(tmp_path / "fresh.sqlite3")))
    for target in sorted((vault / "Dashboards").iterdir()):
        assert target.read_bytes() == (copy / "Dashboards" / target.name).read_bytes(), target


def test_a_new_note_is_indexed_without_walking_the_vault(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_walk(monkeypatch)
    (vault / "Fresh idea.md").write_text("- [ ] try the new idea 📅 2026-11-23\n", "utf-8")
    code, _, err = hook(str(vault), "Fresh idea.md")
    assert code == 0 and "Status.md" in err
    assert "Fresh idea.md" in _indexed_notes(vault)
    assert "try the new idea" in (vault / "Dashboards" / "Status.md").read_text("utf-8")
    monkeypatch.undo()
    _as_a_fresh_sync_writes(vault, tmp_path)


@pytest.mark.parametrize("edited", [False, True], ids=["renamed", "renamed-then-edited"])
def test_a_renamed_note_leaves_no_trace_of_its_old_name_without_a_walk(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edited: bool
) -> None:
    """The plugin passes only the new name; the old one is found by the file's inode."""
    _no_walk(monkeypatch)
    old, new = vault / "Inbox.md", vault / "Projects" / "Inbox 2027.md"
    new.parent.mkdir()
    old.rename(new)
    if edited:
        with new.open("a", encoding="utf-8") as handle:
            handle.write("\n- [ ] written right after the move\n")
    code, _, err = hook(str(vault), str(new))
    assert code == 0, err
    notes = _indexed_notes(vault)
    assert "Projects/Inbox 2027.md" in notes and "Inbox.md" not in notes
    monkeypatch.undo()
    _as_a_fresh_sync_writes(vault, tmp_path)


FOLDER_EVENTS = {
    "renamed": ("Topics", "Subjects"),
    "moved into another folder": ("Topics", "Archive/Topics"),
    "a subfolder renamed": ("Daily", "Journal/Daily"),
    "deleted": ("Topics", None),
}


@pytest.mark.parametrize("event", sorted(FOLDER_EVENTS))
def test_a_folder_event_syncs_the_folder_without_walking_the_vault(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: str
) -> None:
    """The plugin's folder events name the folder (its new path when renamed or moved): the
    hook syncs the files under it and finds the names they had by inode."""
    old, new = FOLDER_EVENTS[event]
    before = {path for path in _indexed_notes(vault) if path.startswith(old + "/")}
    assert before
    if new is None:
        shutil.rmtree(vault / old)
    else:
        (vault / new).parent.mkdir(parents=True, exist_ok=True)
        (vault / old).rename(vault / new)
    with monkeypatch.context() as patch:
        _no_walk(patch)
        code, _, err = hook(str(vault), str(vault / (new or old)))
    assert code == 0, err
    notes = _indexed_notes(vault)
    assert not notes & before
    if new is not None:
        assert {new + path[len(old) :] for path in before} <= notes
    # Nothing left for a sync to read or drop. (Its writes may differ: the hook's write into
    # Plan.md's Topics region moves the lines of the links below it, which Link health shows,
    # on the next sync; the walk the hook used to make did the same.)
    left = run_sync(VaultPaths(vault), dry_run=True)
    assert (left.index.parsed, left.index.removed) == ([], [])
    run_sync(VaultPaths(vault))
    _as_a_fresh_sync_writes(vault, tmp_path)


def test_a_folder_of_many_files_walks_the_vault(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultkit.live import folders as folders_module

    monkeypatch.setattr(folders_module, "FOLDER_LIMIT", 2)
    walked = _count_walks(monkeypatch)
    (vault / "Topics").rename(vault / "Subjects")
    assert hook(str(vault), str(vault / "Subjects"))[0] == 0
    assert walked == [True]
    assert not any(path.startswith("Topics/") for path in _indexed_notes(vault))


def test_a_name_new_to_the_index_walks_the_vault_when_the_inode_cannot_tell(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultkit.scan import paths as scan_paths_module

    walked = _count_walks(monkeypatch)
    on_disk = scan_paths_module._on_disk
    monkeypatch.setattr(
        scan_paths_module,
        "_on_disk",
        lambda *args: found._replace(ino=0) if (found := on_disk(*args)) else found,
    )
    (vault / "Inbox.md").rename(vault / "Inbox moved.md")
    assert hook(str(vault), "Inbox moved.md")[0] == 0
    assert walked == [True]
    assert "Inbox.md" not in _indexed_notes(vault)


def test_a_vault_copied_with_its_index_still_finds_a_renamed_notes_old_name(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy (a backup restored, the index beside it) gives every file a new inode but keeps
    sizes and mtimes: the old name is found by those, and a full sync stores the new inodes."""
    index = VaultPaths(vault).index.path
    copy = tmp_path / "restored"
    shutil.copytree(vault, copy)  # copy2: same sizes and mtimes, new inodes
    paths = VaultPaths(copy)
    copy_index = paths.index.path
    copy_index.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(index, copy_index)
    with closing(sqlite3.connect(copy_index)) as connection, connection:
        # The index moved with its vault (else it would be built anew, from a walk).
        connection.execute("UPDATE meta SET value = ? WHERE key = ?", (str(copy), VAULT_KEY))
    _no_walk(monkeypatch)
    (copy / "Inbox.md").rename(copy / "Inbox renamed.md")
    code, _, err = hook(str(copy), str(copy / "Inbox renamed.md"))
    assert code == 0, err
    with closing(sqlite3.connect(copy_index)) as connection:
        notes = {row[0] for row in connection.execute("SELECT path FROM notes")}
    assert "Inbox renamed.md" in notes and "Inbox.md" not in notes
    monkeypatch.undo()
    run_sync(paths)
    with closing(sqlite3.connect(copy_index)) as connection:
        stored = dict(connection.execute("SELECT path, ino FROM files"))
    assert stored
    assert all(stored[path] == (copy / path).stat().st_ino for path in stored)


@pytest.mark.parametrize("event", sorted(FOLDER_EVENTS))
def test_one_note_of_a_folder_renamed_moved_or_deleted_takes_the_whole_folder(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: str
) -> None:
    """Obsidian tells each note under a folder renamed, moved or deleted as renamed, moved or
    deleted: the plugin's file events run the hook once per note (or, debounced, once for the
    last). Given any one of them the hook syncs the whole folder, without walking the vault,
    and the other calls find nothing left to do."""
    old, new = FOLDER_EVENTS[event]
    before = sorted(path for path in _indexed_notes(vault) if path.startswith(old + "/"))
    assert len(before) > 1
    if new is None:
        shutil.rmtree(vault / old)
    else:
        (vault / new).parent.mkdir(parents=True, exist_ok=True)
        (vault / old).rename(vault / new)
    told = [path if new is None else new + path[len(old) :] for path in before]
    with monkeypatch.context() as patch:
        _no_walk(patch)
        code, _, err = hook(str(vault), str(vault / told[-1]))
    assert code == 0, err
    assert err.startswith(f"vaultkit: {new or old} changed → wrote "), err
    notes = _indexed_notes(vault)
    assert not notes & set(before)
    if new is not None:
        assert set(told) <= notes
    left = run_sync(VaultPaths(vault), dry_run=True)
    assert (left.index.parsed, left.index.removed) == ([], [])
    # The other notes' calls: nothing to do, decided before any lock or sync.
    with monkeypatch.context() as patch:
        patch.setattr(vaultkit.sync.run, "run_sync", _refuse_sync)
        for path in told[:-1]:
            assert hook(str(vault), str(vault / path)) == (0, "", "")
    run_sync(VaultPaths(vault))
    _as_a_fresh_sync_writes(vault, tmp_path)


def _refuse_sync(*args: object, **kwargs: object) -> None:
    raise AssertionError("the hook ran a sync where it had nothing to do")


@pytest.mark.parametrize(
    ("change", "told"),
    [
        ("moved alone into another folder", "Archive/Rust.md"),
        ("deleted alone", "Topics/Rust.md"),
        ("renamed as its folder was", "Subjects/Rust (old notes).md"),
    ],
)
def test_a_note_that_moved_or_went_without_its_folder_is_synced_alone(
    vault: Path, monkeypatch: pytest.MonkeyPatch, change: str, told: str
) -> None:
    looked_at: list[object] = []

    def recording(*args: object, **kwargs: object) -> object:
        looked_at.append(kwargs.get("changed"))
        return run_sync(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vaultkit.sync.run, "run_sync", recording)
    if change == "deleted alone":
        (vault / told).unlink()
    elif change == "moved alone into another folder":
        (vault / "Topics/Rust.md").rename(vault / told)
    else:
        (vault / "Topics").rename(vault / "Subjects")
        (vault / "Subjects/Rust.md").rename(vault / told)
    code, _, err = hook(str(vault), str(vault / told))
    assert code == 0, err
    # (Twice when a write into Plan.md waits for the copy just made to be quiet.)
    assert looked_at and all(files == [told] for files in looked_at)


def test_a_note_moved_into_an_excluded_folder_leaves_the_dashboards(
    vault: Path, tmp_path: Path
) -> None:
    """Excluded (the example's Obsidian settings exclude ``Archive/``), the note is no note of
    the views, but the name it had is: the hook given the new name drops the old one."""
    status = vault / "Dashboards" / "Status.md"
    assert "Small grep clone" in status.read_text(encoding="utf-8")
    (vault / "Topics/Rust.md").rename(vault / "Archive/Rust.md")
    code, _, err = hook(str(vault), str(vault / "Archive/Rust.md"))
    assert code == 0, err
    assert "Small grep clone" not in status.read_text(encoding="utf-8")
    assert "Topics/Rust.md" not in _indexed_notes(vault)
    _as_a_fresh_sync_writes(vault, tmp_path)


def test_which_folder_a_note_came_or_went_with(vault: Path) -> None:
    from vaultkit.live.folders import came_or_went_with

    paths = VaultPaths(vault)

    def on_disk(rel: str) -> tuple[int, int, int]:
        found = (vault / rel).stat()
        return found.st_ino, found.st_mtime_ns, found.st_size

    ino = on_disk("Topics/Rust.md")
    assert came_or_went_with(paths, "Topics/Rust.md", ino) is None  # known: saved
    assert came_or_went_with(paths, "Topics/Gone.md", None) is None  # its folder is there
    (vault / "Archive/Deep").mkdir()
    (vault / "Topics").rename(vault / "Archive/Deep/Topics")
    assert came_or_went_with(paths, "Archive/Deep/Topics/Rust.md", ino) == "Archive/Deep/Topics"
    assert came_or_went_with(paths, "Topics/Rust.md", None) == "Topics"
    # No inode numbers: no old name to match, so the folder the index knows nothing under.
    no_inode = (0, *ino[1:])
    assert came_or_went_with(paths, "Archive/Deep/Topics/Rust.md", no_inode) == "Archive/Deep"
    (vault / "Archive/Deep/Topics/Rust.md").rename(vault / "Archive/Deep/Topics/Rusty.md")
    assert came_or_went_with(paths, "Archive/Deep/Topics/Rusty.md", ino) is None  # renamed too
    # A folder's whole path is gone: the highest folder gone is the one that went.
    assert came_or_went_with(paths, "Old/Deeper/Note.md", None) == "Old"
    # Copied in: new notes in folders the index holds nothing under, the highest of them.
    # (Copies keep their size and mtime: of notes the index holds where they are.)
    shutil.copytree(vault / "Daily", vault / "Course/Week 1")
    copied = on_disk("Course/Week 1/2026-11-20.md")
    assert came_or_went_with(paths, "Course/Week 1/2026-11-20.md", copied) == "Course"
    # Created where the index knows the folder: the note alone.
    (vault / "Daily/New thought.md").write_text("- [ ] think it through\n", "utf-8")
    new = on_disk("Daily/New thought.md")
    assert came_or_went_with(paths, "Daily/New thought.md", new) is None


@pytest.mark.parametrize("change", ["renamed", "copied in"])
def test_the_plugins_calls_for_every_note_of_a_folder_sync_it_once(
    vault: Path, change: str
) -> None:
    """Obsidian tells the notes of a folder renamed (or copied into the vault) at once:
    without the plugin's debounce, one hook process each, all started together. Whichever
    takes the vault lock first syncs the folder; the others, queued behind it or started
    after, find nothing to do: one notice, not one per note."""
    from tests.support.cli import vaultkit_executable

    if change == "renamed":
        (vault / "Topics").rename(vault / "Subjects")
    else:
        shutil.copytree(vault / "Topics", vault / "Subjects")
    env = dict(os.environ)
    calls = [
        subprocess.Popen(
            [vaultkit_executable(), "hook", str(vault), "--file", str(note)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for note in sorted((vault / "Subjects").iterdir())
    ]
    told = [(*call.communicate(timeout=120), call.returncode) for call in calls]
    assert all(code == 0 for _, _, code in told), told
    notices = [err for _, err, _ in told if err]
    assert len(notices) == 1 and notices[0].startswith("vaultkit: Subjects changed → wrote ")
    left = run_sync(VaultPaths(vault), dry_run=True)
    assert (left.index.parsed, left.index.removed) == ([], [])


def test_a_call_that_waited_for_another_writer_syncs_every_change(
    vault: Path, watcher: Callable[[str], Holder], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The calls of a burst (a sync service bringing many notes, a plugin changing many)
    queue on the vault lock. One that had to wait takes every change, not only its note's, so
    the calls behind it find their notes done: a notice or two for the burst, not one per
    note. The interleaving is made, not hoped for: the call is seen waiting before the other
    writer lets go."""
    import threading

    from vaultkit.sync import lock as lock_module

    waiting = threading.Event()
    acquire = lock_module._OsLock.acquire

    def seen_waiting(self: lock_module._OsLock, timeout: float) -> bool:
        if timeout:  # the try without waiting failed: it waits for the holder
            waiting.set()
        return acquire(self, timeout)

    monkeypatch.setattr(lock_module._OsLock, "acquire", seen_waiting)
    holder = watcher("sync")  # another vaultkit writing: a sync, or the burst's first call
    edited = ["Status.md", "Inbox.md", "Topics/Rust.md"]
    for rel in edited:
        edit(vault, rel)
    told: list[tuple[int, str, str]] = []
    call = threading.Thread(target=lambda: told.append(hook(str(vault), edited[0])))
    call.start()
    assert waiting.wait(timeout=20)
    holder.stop()
    call.join(timeout=60)
    assert not call.is_alive()
    code, _, err = told[0]
    assert code == 0, err
    # Not "Status.md changed": it synced more than its note.
    assert err.startswith("vaultkit: wrote Dashboards/Status.md"), err
    assert err.count("\n") == 1
    with monkeypatch.context() as patch:
        patch.setattr(vaultkit.sync.run, "run_sync", _refuse_sync)
        for rel in edited[1:]:
            assert hook(str(vault), rel) == (0, "", "")
    _as_a_fresh_sync_writes(vault, tmp_path)
