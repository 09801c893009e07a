"""Notes added, deleted and renamed on the real CLI (issue 18 item 1): the hook and sync
re-resolve only the links those files can decide, and ``vaultkit links --json`` then answers
exactly as it does from an index built cold over the same files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.support.cli import installed


def _links(vault: Path, cache: Path | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if cache is not None:
        env["VAULTKIT_CACHE_DIR"] = str(cache)
    done = installed("links", "--json", "--vault", str(vault), env=env)
    assert done.returncode in (0, 1), done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _agrees_with_a_cold_index(vault: Path, cold: Path) -> dict[str, Any]:
    warm = _links(vault)
    # A new cache folder each time: an index built from nothing.
    assert warm == _links(vault, cold)
    return warm


def test_added_deleted_and_renamed_notes_resolve_as_a_cold_index(
    vault: Path, tmp_path: Path
) -> None:
    assert installed("sync", str(vault)).returncode == 0
    before = _links(vault)
    assert [u["target"] for u in before["unresolved"]] == ["Someday Ideas"]

    # Added through the hook: the one unresolved link now resolves, and no other moves.
    new = vault / "Ideas" / "Someday Ideas.md"
    new.parent.mkdir()
    new.write_text("# Someday Ideas\n\nBack to [[Inbox]].\n", encoding="utf-8")
    hooked = installed("hook", str(vault), "--file", str(new))
    assert hooked.returncode == 0, hooked.stderr
    added = _agrees_with_a_cold_index(vault, tmp_path / "cold-1")
    assert added["unresolved"] == []
    assert added["resolved"] == before["resolved"] + 2

    # A note many link to, deleted: its links are unresolved now.
    (vault / "Topics" / "Databases.md").unlink()
    synced = installed("sync", str(vault))
    assert synced.returncode == 0, synced.stdout
    deleted = _agrees_with_a_cold_index(vault, tmp_path / "cold-2")
    assert "Databases" in {u["target"] for u in deleted["unresolved"]}

    # Renamed into another folder, and a folder renamed: links by path stop resolving,
    # links by name follow.
    (vault / "Topics" / "Rust.md").rename(vault / "Archive" / "Rust.md")
    (vault / "Daily").rename(vault / "Journal")
    synced = installed("sync", str(vault))
    assert synced.returncode == 0, synced.stdout
    _agrees_with_a_cold_index(vault, tmp_path / "cold-3")

    # Restored in another folder under the name the links use: they resolve again.
    (vault / "Databases.md").write_text("# Databases\n", encoding="utf-8")
    synced = installed("sync", str(vault))
    assert synced.returncode == 0, synced.stdout
    restored = _agrees_with_a_cold_index(vault, tmp_path / "cold-4")
    assert "Databases" not in {u["target"] for u in restored["unresolved"]}
