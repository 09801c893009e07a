"""Files added, deleted and renamed re-resolve only the links they can decide, and the index
then says what a fresh full index of the same files says.

A stateful property: random sequences of adds, deletes, renames (same folder, another folder,
case only, a whole folder) and edits of a small vault whose notes link in every way vaultkit
resolves (by name, by path, relative, rooted, with heading and block anchors, embeds, markdown
links, attachments, aliases typed by hand, task dependencies). After each step the index is
updated incrementally (a full scan, or the hook's scan of the touched paths), and its links,
blocked states and link health (the kept counts and orphans too), and every other row of
every note, are compared with those of a new index built from scratch. Notes moved as they
were keep their rows (``vaultkit.index.moves``), so the rows compared are theirs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from vaultkit.index import link_health as kept_links
from vaultkit.index.queries import link_health
from vaultkit.index.store import NOTE_TABLES
from vaultkit.index.update import update_index
from vaultkit.scan.paths import scan_paths
from vaultkit.vaultpaths import VaultPaths

FOLDERS = ["", "a", "b", "a/sub"]
NAMES = ["Note", "note", "Other", "Straße", "Ünï", "v1.2 plan"]
ATTACHMENTS = ["pic.png", "doc.pdf", "Note.png"]

LINK_LINES = [
    "[[Note]]",
    "[[NOTE]]",
    "[[a/Note]]",
    "[[sub/Note|shown]]",
    "[[/a/Note]]",
    "[[Note#Heading One]]",
    "[[Note#heading-one]]",
    "[[Other#Part#Deeper]]",
    "[[Note#^blk]]",
    "[[Other#^nope]]",
    "![[Note]]",
    "![[pic.png]]",
    "![[Note.png]]",
    "[[doc.pdf#page=2]]",
    "[[Note.md]]",
    "[[strasse]]",
    "[[Ünï]]",
    "[[v1.2 plan]]",
    "[t](Note.md)",
    "[t](../Note.md)",
    "[t](sub/Other.md#Part)",
    "[t](pic.png)",
    "[[./Other]]",
    "[[../Note]]",
    "[[a/..]]",
    "[t](.)",
    "[[#Heading One]]",
    "[[First Alias]]",
    "[[second alias]]",
    "[[Nowhere]]",
    "- [ ] blocker 🆔 t1",
    "- [ ] waits ⛔ t1",
    "- [x] done blocker 🆔 t2",
    "- [ ] waits for two ⛔ t2,t3",
    "- [-] cancelled, never blocked ⛔ t1",
    "# Heading One",
    "## Part",
    "### Deeper",
    "A paragraph. ^blk",
]
ALIASES = [None, ["First Alias"], ["Second Alias", "Note"]]


def _path(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


NOTE_PATHS = [_path(f, n) + ".md" for f in FOLDERS for n in NAMES]
ATTACHMENT_PATHS = [_path(f, n) for f in FOLDERS[:3] for n in ATTACHMENTS]

contents = st.builds(
    lambda aliases, lines: (
        (f"---\naliases: {aliases}\n---\n" if aliases else "") + "\n".join(lines) + "\n"
    ),
    st.sampled_from(ALIASES),
    st.lists(st.sampled_from(LINK_LINES), max_size=6),
)


def _snapshot(connection: sqlite3.Connection) -> tuple[Any, ...]:
    links = sorted(
        connection.execute(
            "SELECT note, line, kind, target, coalesce(fragment, ''), raw, coalesce(resolved, ''),"
            " coalesce(anchor, ''), coalesce(alias_of, ''), coalesce(anchor_hint, ''),"
            " coalesce(target_key, '~') FROM links"
        ).fetchall()
    )
    tasks = connection.execute("SELECT note, line, blocked FROM tasks ORDER BY note, line")
    kept = (
        connection.execute("SELECT * FROM link_notes ORDER BY note").fetchall(),
        connection.execute("SELECT * FROM link_totals ORDER BY key").fetchall(),
    )
    # The kept Link health rows are what their definition says of each note.
    defined = [
        (path, *row)
        for (path,) in connection.execute("SELECT path FROM notes ORDER BY path")
        if (row := kept_links.note_row(connection, path)) is not None
    ]
    assert kept[0] == defined
    assert kept_links.totals(connection)["notes"] == len(defined)
    # Every other row of every note (a note moved keeps its rows, with the new path), the
    # notes' own rows with their family digests, and the kept sums.
    rows = {
        table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        for table in (*NOTE_TABLES, "notes", "resource_urls", "task_totals", "task_due_open")
        if table != "links"
    }
    files = connection.execute(
        "SELECT path, size, mtime_ns, hash, is_note, excluded, name_key FROM files ORDER BY path"
    ).fetchall()
    return links, tasks.fetchall(), link_health(connection), kept, rows, files


@settings(
    # Each step builds a second index from scratch: a few dozen runs by default, many more
    # (randomised) under VAULTKIT_HYPOTHESIS=thorough.
    max_examples=400 if os.environ.get("VAULTKIT_HYPOTHESIS") == "thorough" else 25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
class FileMoves(RuleBasedStateMachine):
    """The vault on disk, its incrementally updated index, and the files present."""

    @initialize(notes=st.lists(st.tuples(st.sampled_from(NOTE_PATHS), contents), max_size=8))
    def start(self, notes: list[tuple[str, str]]) -> None:
        self.base = Path(os.environ.get("TMPDIR", "/tmp")) / f"vk-moves-{os.getpid()}-{id(self)}"
        shutil.rmtree(self.base, ignore_errors=True)
        self.root = self.base / "vault"
        (self.root / ".obsidian").mkdir(parents=True)
        self.paths = VaultPaths(self.root, index=str(self.base / "incremental.sqlite3"))
        self.clock = 1_600_000_000 * 10**9
        self.touched: set[str] = set()
        for path, text in notes:
            self._write(path, text)
        self._update(partial=False)

    def teardown(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)

    # -- the vault ------------------------------------------------------------------------

    def _files(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and ".obsidian" not in p.parts
        )

    def _write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self._stamp(target)
        self.touched.add(path)

    def _stamp(self, target: Path) -> None:
        # Every write gets its own mtime, well before the scan: a change is always seen.
        self.clock += 10**9
        os.utime(target, ns=(self.clock, self.clock))

    def _update(self, partial: bool) -> None:
        scan = scan_paths(self.root, sorted(self.touched)) if partial else None
        if scan is None:
            connection, _ = update_index(self.paths, progress=False)
        else:
            connection, _ = update_index(
                self.paths, progress=False, scan=scan, only=sorted(self.touched)
            )
        self.touched.clear()
        try:
            self.incremental = _snapshot(connection)
        finally:
            connection.close()

    # -- the steps ------------------------------------------------------------------------

    @rule(path=st.sampled_from(NOTE_PATHS), text=contents, partial=st.booleans())
    def write_note(self, path: str, text: str, partial: bool) -> None:
        """A note added, or edited when it exists."""
        self._write(path, text)
        self._update(partial)

    @rule(path=st.sampled_from(ATTACHMENT_PATHS), partial=st.booleans())
    def write_attachment(self, path: str, partial: bool) -> None:
        self._write(path, "binary")
        self._update(partial)

    @precondition(lambda self: bool(self._files()))
    @rule(data=st.data(), partial=st.booleans())
    def delete(self, data: st.DataObject, partial: bool) -> None:
        path = data.draw(st.sampled_from(self._files()))
        (self.root / path).unlink()
        self.touched.add(path)
        self._update(partial)

    @precondition(lambda self: bool(self._files()))
    @rule(data=st.data(), partial=st.booleans())
    def rename(self, data: st.DataObject, partial: bool) -> None:
        """A file renamed: in its folder, to another folder, its name's case only."""
        old = data.draw(st.sampled_from(self._files()))
        pool = NOTE_PATHS if old.endswith(".md") else ATTACHMENT_PATHS
        free = [p for p in pool if not (self.root / p).exists()]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(self.root / new)
        self.touched |= {old, new}
        self._update(partial)

    @rule(data=st.data(), partial=st.booleans())
    def rename_folder(self, data: st.DataObject, partial: bool) -> None:
        """A folder of notes renamed, or moved into another one."""
        folders = [f for f in ("a", "b", "a/sub") if (self.root / f).is_dir()]
        if not folders:
            return
        old = data.draw(st.sampled_from(folders))
        free = [f for f in ("a", "b", "c", "b/sub") if not (self.root / f).exists()]
        free = [f for f in free if not f.startswith(old + "/")]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        moved = [p for p in self._files() if p.startswith(old + "/")]
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(self.root / new)
        self.touched |= set(moved) | {new + p[len(old) :] for p in moved}
        self._update(partial)

    # -- the property ---------------------------------------------------------------------

    @invariant()
    def agrees_with_a_fresh_index(self) -> None:
        if not hasattr(self, "incremental"):
            return
        fresh = self.base / "fresh.sqlite3"
        for leftover in self.base.glob("fresh.sqlite3*"):
            leftover.unlink()
        connection, _ = update_index(VaultPaths(self.root, index=str(fresh)), progress=False)
        try:
            expected = _snapshot(connection)
        finally:
            connection.close()
        assert self.incremental == expected


TestFileMoves = FileMoves.TestCase
