"""Where vaultkit keeps a vault's own files is decided once per command (issue 14, defect 2).

Every entry point (each CLI command, the hook, the watcher) resolves the vault's paths (root,
config, index, lock, backups, templates) into one ``VaultPaths`` record and passes it down to
the sync, the indexer, the lock and the stamp. Counting the calls of ``resolve_index`` (the one
function that decides where the index lives) is how these tests see that the record is built
once: a second call would be a second decision, made from a second reading of the config, which
the user may have saved in between (the hook resolved the index three times per save), and on
the hook's path every reading costs time.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import cli
from tests.support.region_vault import disable_quiet_period
from tests.support.vault_edits import age, set_vault_keys
from tests.support.watching import wait_until

CONFIGURED = "mine.sqlite3"
"""The index the config names, relative to ``.vaultkit/``."""


@pytest.fixture(autouse=True)
def configured_index(vault: Path) -> None:
    disable_quiet_period(vault)
    set_vault_keys(vault, f'index = "{CONFIGURED}"')


@pytest.fixture
def resolutions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every index location decided, in order, wherever ``resolve_index`` was imported."""
    import vaultkit.index.update
    import vaultkit.live.hook
    import vaultkit.sync.run
    import vaultkit.vaultpaths

    original = vaultkit.vaultpaths.resolve_index
    made: list[Path] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        location = original(*args, **kwargs)
        made.append(location.path)
        return location

    for name, module in list(sys.modules.items()):
        if name.startswith("vaultkit") and getattr(module, "resolve_index", None) is original:
            monkeypatch.setattr(module, "resolve_index", counted)
    yield made


def _stamped(index: Path) -> bool:
    with closing(sqlite3.connect(index)) as connection:
        return (
            connection.execute("SELECT 1 FROM meta WHERE key = 'sync_stamp'").fetchone() is not None
        )


def _edit(vault: Path) -> None:
    note = vault / "Topics" / "Rust.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n- [ ] one more task\n", "utf-8")


def test_every_command_decides_the_index_once_and_uses_the_configured_one(
    vault: Path, resolutions: list[Path]
) -> None:
    from vaultkit.vaultpaths import default_index_path

    index = vault / ".vaultkit" / CONFIGURED

    def once(*argv: str, code: int = 0) -> str:
        resolutions.clear()
        found, output = cli(*argv)
        assert found == code, output
        assert resolutions == [index], argv
        return output

    once("sync", str(vault))
    age(vault)  # old enough for the stamp to vouch for every file
    once("sync", str(vault))
    assert _stamped(index)
    # The stamp's shortcut reads the same index as the full sync that left the stamp.
    started = time.perf_counter()
    assert "(0 rendered)" in once("sync", str(vault))
    assert time.perf_counter() - started < 5
    once("sync", "--check", str(vault))
    for command in (["tasks"], ["links"], ["graph"], ["query", "SELECT 1"], ["doctor"]):
        once(*command, "--vault", str(vault))
    once("render", "status", "--vault", str(vault))

    _edit(vault)
    once("hook", str(vault), "--file", "Topics/Rust.md")
    _edit(vault)
    once("hook", str(vault))
    assert not default_index_path(vault).exists()


def test_the_watcher_decides_the_index_once(vault: Path, resolutions: list[Path]) -> None:
    from vaultkit.live.watch import run_watch
    from vaultkit.sync.result import SyncResult

    reports: list[SyncResult] = []
    stop = threading.Event()
    on_sync: Callable[[SyncResult], None] = reports.append
    thread = threading.Thread(
        target=lambda: run_watch(vault, debounce_ms=100, stop=stop, on_sync=on_sync), daemon=True
    )
    thread.start()
    try:
        wait_until(lambda: len(reports) >= 1, timeout=30)
        _edit(vault)
        wait_until(lambda: len(reports) >= 2, timeout=30)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert [r.index.index_path for r in reports] == [vault / ".vaultkit" / CONFIGURED] * 2
    assert resolutions == [vault / ".vaultkit" / CONFIGURED]


def test_the_hook_for_an_unchanged_note_decides_once(vault: Path, resolutions: list[Path]) -> None:
    from vaultkit.live.hook import run_hook

    assert cli("sync", str(vault))[0] == 0
    resolutions.clear()
    err = io.StringIO()
    assert run_hook(str(vault), "Topics/Rust.md", io.StringIO(), err) == 0
    assert (err.getvalue(), resolutions) == ("", [vault / ".vaultkit" / CONFIGURED])


def test_the_record_names_every_place_and_decides_the_index_once(
    vault: Path, resolutions: list[Path]
) -> None:
    from vaultkit.vaultpaths import VaultPaths, default_index_path

    paths = VaultPaths(vault)
    own = vault / ".vaultkit"
    cache = default_index_path(vault).parent
    assert (paths.root, paths.config_file, paths.templates, paths.backups, paths.lock_file) == (
        vault,
        own / "config.toml",
        own / "templates",
        own / "backups",
        own / "lock",
    )
    assert paths.holder_file.parent == paths.templates_cache.parent == cache
    assert resolutions == []  # nothing is decided about the index until it is asked for
    assert paths.index.path == paths.index.path == own / CONFIGURED
    assert resolutions == [own / CONFIGURED]
    with pytest.raises(AttributeError):
        paths.root = vault.parent
    # The watcher's config still names the same index: the same record, nothing decided again.
    assert paths.with_index_setting(CONFIGURED) is not paths  # built without the setting
    configured = VaultPaths(vault, configured=CONFIGURED)
    assert configured.with_index_setting(CONFIGURED) is configured
    moved = configured.with_index_setting("elsewhere.sqlite3")
    assert moved.index.path == own / "elsewhere.sqlite3"
    assert VaultPaths(vault, index=own / "given.sqlite3").index.path == own / "given.sqlite3"
