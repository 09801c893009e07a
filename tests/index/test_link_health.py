"""The Link health counts and orphans the indexer keeps (``vaultkit.index.link_health``) move
with every change that can move them, one deterministic case per way a note's state moves:
its only linker deleted or edited, a new linker, a rename that breaks or mends links, an
embed going missing. After each step the kept rows equal those of a fresh index and what the
definition says of each note. (``tests/graph/test_file_moves.py`` runs random sequences.)"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.generate import generate_vault
from vaultkit.index import link_health
from vaultkit.index.update import update_index
from vaultkit.scan.paths import scan_paths
from vaultkit.vaultpaths import VaultPaths


class Vault:
    def __init__(self, root: Path, index: Path) -> None:
        self.root = root
        self.paths = VaultPaths(root, index=str(index))
        self.clock = 1_600_000_000 * 10**9
        (root / ".obsidian").mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.clock += 10**9
        os.utime(path, ns=(self.clock, self.clock))

    def update(self, *only: str) -> dict[str, object]:
        """Update the index (a full scan, or the hook's scan of ``only``); the kept state."""
        if only:
            scan = scan_paths(self.root, sorted(only))
            connection, _ = update_index(self.paths, progress=False, scan=scan, only=sorted(only))
        else:
            connection, _ = update_index(self.paths, progress=False)
        try:
            return _kept(connection)
        finally:
            connection.close()

    def fresh(self, tmp: Path) -> dict[str, object]:
        connection, _ = update_index(VaultPaths(self.root, index=str(tmp)), progress=False)
        try:
            return _kept(connection)
        finally:
            connection.close()


def _kept(connection: sqlite3.Connection) -> dict[str, object]:
    rows = connection.execute("SELECT * FROM link_notes ORDER BY note").fetchall()
    defined = [
        (path, *row)
        for (path,) in connection.execute("SELECT path FROM notes ORDER BY path")
        if (row := link_health.note_row(connection, path)) is not None
    ]
    assert rows == defined
    return {
        "rows": rows,
        "totals": link_health.totals(connection),
        "orphans": link_health.orphans(connection),
    }


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    yield Vault(tmp_path / "vault", tmp_path / "index.sqlite3")


@pytest.mark.parametrize("partial", [False, True], ids=["sync", "hook"])
def test_each_way_a_note_becomes_or_stops_being_an_orphan(
    vault: Vault, tmp_path: Path, partial: bool
) -> None:
    vault.write("A.md", "[[B]] and ![[pic.png]]\n")
    vault.write("B.md", "no links\n")
    vault.write("C.md", "[[Nowhere]]\n")
    first = vault.update()
    assert first["orphans"] == []
    assert first["totals"] == {
        "notes": 3,
        "resolved": 1,
        "unresolved": 1,
        "missing": 1,
        "broken": 0,
        "orphan": 0,
    }
    steps = 0

    def step(*touched: str) -> dict[str, object]:
        nonlocal steps
        steps += 1
        kept = vault.update(*touched) if partial else vault.update()
        assert kept == vault.fresh(tmp_path / f"fresh-{steps}.sqlite3")
        return kept

    # Its only linker deleted: B links nowhere and nothing links to it.
    (vault.root / "A.md").unlink()
    assert step("A.md")["orphans"] == ["B.md"]
    # A new linker, with a broken heading anchor.
    vault.write("D.md", "[[B#Missing heading]]\n")
    kept = step("D.md")
    assert kept["orphans"] == []
    assert kept["totals"]["broken"] == 1  # type: ignore[index]
    # The linker edited: the link goes, B is an orphan again, and so is D.
    vault.write("D.md", "plain text now\n")
    assert step("D.md")["orphans"] == ["B.md", "D.md"]
    # A new note takes C's unresolved link: C and it stop being orphans... C never was one.
    vault.write("Nowhere.md", "found\n")
    kept = step("Nowhere.md")
    assert kept["totals"]["unresolved"] == 0  # type: ignore[index]
    assert "Nowhere.md" not in kept["orphans"]  # type: ignore[operator]
    # Renamed away: C's link is unresolved again, and the renamed note is an orphan.
    (vault.root / "Nowhere.md").rename(vault.root / "Elsewhere.md")
    kept = step("Nowhere.md", "Elsewhere.md")
    assert kept["totals"]["unresolved"] == 1  # type: ignore[index]
    assert "Elsewhere.md" in kept["orphans"]  # type: ignore[operator]
    # The missing picture arrives; a note that links only to itself is still an orphan.
    vault.write("pic.png", "png")
    vault.write("Self.md", "[[Self]] [[#Top]]\n# Top\n")
    kept = step("pic.png", "Self.md")
    assert kept["totals"]["missing"] == 0  # type: ignore[index]
    assert "Self.md" in kept["orphans"]  # type: ignore[operator]
    # A namesake with a shorter path takes C's link from the note it found: that one is an
    # orphan now, though nothing about it changed.
    vault.write("deep/Far.md", "no links\n")
    vault.write("C.md", "[[Nowhere]] [[Far]]\n")
    assert "deep/Far.md" not in step("deep/Far.md", "C.md")["orphans"]  # type: ignore[operator]
    vault.write("Far.md", "no links\n")
    assert "deep/Far.md" in step("Far.md")["orphans"]  # type: ignore[operator]
    # A folder of notes moved: their links keep pointing where they did, and the notes they
    # link to are no orphans; the one linking into the folder follows it.
    vault.write("box/In.md", "[[B]] [[Out]]\n")
    vault.write("box/Out.md", "[[box/In]]\n")
    vault.write("Linker.md", "[[box/Out]]\n")
    kept = step("box/In.md", "box/Out.md", "Linker.md")
    assert "B.md" not in kept["orphans"]  # type: ignore[operator]
    (vault.root / "box").rename(vault.root / "crate")
    kept = step("box/In.md", "box/Out.md", "crate/In.md", "crate/Out.md")
    assert "B.md" not in kept["orphans"]  # type: ignore[operator]
    assert kept["totals"]["unresolved"] == 3  # type: ignore[index]
    # A heading renamed breaks the anchor of a link in a note that did not change: its
    # count moves from resolved to broken, the link still pointing where it did.
    vault.write("B.md", "# Intro\nno links\n")
    vault.write("Reader.md", "[[B#Intro]]\n")
    broken = step("B.md", "Reader.md")["totals"]["broken"]  # type: ignore[index]
    vault.write("B.md", "# Overview\nno links\n")
    assert step("B.md")["totals"]["broken"] == broken + 1  # type: ignore[index]
    vault.write("B.md", "# Intro\nno links\n")
    assert step("B.md")["totals"]["broken"] == broken  # type: ignore[index]


def test_a_cold_generated_vault_keeps_what_the_definition_says(tmp_path: Path) -> None:
    root = tmp_path / "generated"
    generate_vault(root, 200, seed=5)
    connection, _ = update_index(
        VaultPaths(root, index=str(tmp_path / "index.sqlite3")), progress=False
    )
    try:
        kept = _kept(connection)
        totals = kept["totals"]
        assert isinstance(totals, dict)
        assert totals["notes"] == 200
        assert totals["resolved"] > 0 and totals["unresolved"] > 0
    finally:
        connection.close()
