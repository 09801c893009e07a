"""What the indexer keeps summed for the dashboards always equals what its definition gives
for the rows the index holds: the reading list's per-URL table and its headline counts
(``vaultkit.index.resource_urls.DEFINITION``), and the Status sums
(``vaultkit.index.task_totals.sums``).
That holds after a cold start, and after every kind of edit the indexer applies incrementally
(reading-list entries and tasks added, ticked, dropped, moved, given due dates or put under
a cadence; checkbox items put in comments; notes added, deleted, renamed, turned into a
dashboard and back; folders renamed, into and out of excluded ones; Obsidian's "Excluded
files" changed)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from benchmarks.generate import generate_vault
from tests.support.vault_edits import rename_folder, rename_note, set_excluded
from vaultkit.index import task_totals as task_totals
from vaultkit.index.resource_urls import DEFINITION, REBUILD_ABOVE, refresh, totals
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths


def _table(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
    return sorted(connection.execute("SELECT * FROM resource_urls").fetchall())


def _defined(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
    return sorted(connection.execute(DEFINITION).fetchall())


def _counted(rows: list[tuple[object, ...]]) -> dict[str, int]:
    """The totals the dashboard headline shows, counted from defined rows."""
    counted = {status: 0 for status in ("open", "done", "cancelled", "link")}
    for row in rows:
        counted[str(row[5])] += 1
    counted["places"] = len({(row[3], row[4]) for row in rows})
    return counted


@pytest.mark.parametrize("source", ["example", "generated"])
def test_a_cold_index_holds_the_defined_rows(vault: Path, tmp_path: Path, source: str) -> None:
    if source == "generated":
        vault = tmp_path / "generated"
        generate_vault(vault, 300, seed=3)
    connection, _ = update_index(
        VaultPaths(vault, index=tmp_path / "index.sqlite3"), progress=False
    )
    try:
        expected = _defined(connection)
        assert expected, "the vault should mention some URLs"
        assert _table(connection) == expected
        assert totals(connection) == _counted(expected)
        kept = task_totals.kept(connection)
        assert kept["total"] > 0 and kept == task_totals.sums(connection, task_totals.VISIBLE)
        statuses = {row[5] for row in expected}
        if source == "generated":
            assert {"open", "done", "link"} <= statuses
    finally:
        connection.close()


def test_refreshing_many_urls_regroups_the_whole_table(vault: Path, tmp_path: Path) -> None:
    connection, _ = update_index(VaultPaths(vault, index=tmp_path / "i.sqlite3"), progress=False)
    try:
        expected = _table(connection)
        connection.execute("DELETE FROM resource_urls")
        connection.execute("DELETE FROM meta WHERE key = 'resource_totals'")
        refresh(connection, {f"https://example.org/{n}" for n in range(REBUILD_ABOVE + 1)})
        assert _table(connection) == expected
        assert totals(connection) == _counted(expected)
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("moved", "renamed", "first"),
    [
        ("Trips", "Walks", "Beach.md"),  # moves after the note that mentions it first
        ("Trips", "Abroad", "Abroad/Hike.md"),  # moves before it: its mention comes first
        ("Beach.md", "Zoo.md", "Trips/Hike.md"),  # the first mention moves after another
    ],
)
def test_moved_notes_move_the_url_rows_they_come_first_in(
    tmp_path: Path, moved: str, renamed: str, first: str
) -> None:
    """A folder or note renamed moves a URL's row only where it is first mentioned, and every
    row keeps its place in the table, updated in place or not at all: a folder of a big
    vault mentions thousands of URLs, and rewriting rows as they were costs pages."""
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Trips").mkdir()
    (vault / "Beach.md").write_text("# Sea\n\n- [Tides](https://tides.example/a)\n", "utf-8")
    (vault / "Trips" / "Hike.md").write_text(
        "# Gear\n\n- [ ] Read [Tide tables](https://tides.example/a)\n"
        "- [ ] Read [Maps](https://maps.example/b)\n",
        encoding="utf-8",
    )
    paths = VaultPaths(vault, index=tmp_path / "index.sqlite3")
    rows = "SELECT rowid, url, note, text, section, status, mentions FROM resource_urls"
    connection, _ = update_index(paths, progress=False)
    try:
        before = {row[1]: row for row in connection.execute(rows)}
    finally:
        connection.close()
    (vault / moved).rename(vault / renamed)
    connection, _ = update_index(paths, progress=False)
    try:
        after = {row[1]: row for row in connection.execute(rows)}
        assert _table(connection) == _defined(connection)
        assert totals(connection) == _counted(_defined(connection))
    finally:
        connection.close()
    tides = after["https://tides.example/a"]
    assert tides[2] == first
    assert tides[5:] == before["https://tides.example/a"][5:] == ("open", 2)
    assert {url: row[0] for url, row in after.items()} == {
        url: row[0] for url, row in before.items()
    }


_URLS = [f"https://{host}/{page}" for host in ("a.example", "b.example") for page in "xyz"]
_MARKS = [" ", "x", "-", "/", None]  # None: a plain link in a bullet, not a task
_NAMES = ["Reading.md", "Inbox.md", "Projects/Plan.md", "Archive/Old.md"]
_DUES = [None, "2026-11-01", "2026-11-22", "2026-11-25"]
_HEADINGS = ["Reading", "Daily", "Weekly"]
# Tasks-plugin ids and dependencies, across notes: ticking a task in one note moves the
# blocked state of a task in another that did not change (the kept ready and blocked counts).
_GRAPH = [
    None,
    None,
    "\N{SQUARED ID} a1",
    "\N{SQUARED ID} b2",
    "\N{NO ENTRY} a1",
    "\N{NO ENTRY} a1,b2",
]
Line = tuple[str | None, str, str, str | None, str | None]
_lines = st.lists(
    st.tuples(
        st.sampled_from(_MARKS),
        st.sampled_from(_URLS),
        st.sampled_from(["", "Guide"]),
        st.sampled_from(_DUES),
        st.sampled_from(_GRAPH),
    ),
    max_size=4,
)


def _body(lines: list[Line], heading: str, hidden: int = 0) -> str:
    out = [f"# {heading}", ""]
    for mark, url, text, due, graph in lines:
        link = f"[{text or 'link'}]({url})"
        if mark is None:
            out.append(f"- {link}")
        else:
            fields = (f" {graph}" if graph else "") + (f" \N{CALENDAR} {due}" if due else "")
            out.append(f"- [{mark}] Read {link}{fields}")
    # Checkbox items inside comments: no task, but Status counts them apart.
    out += ["", "%%", *(["- [ ] someday"] * hidden), "%%"] if hidden else []
    return "\n".join(out) + "\n"


class VaultEdits(RuleBasedStateMachine):
    """Random edits to a small vault, each followed by an incremental index update."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="vk-sums-"))
        self.vault = self.root / "vault"
        (self.vault / ".obsidian").mkdir(parents=True)
        (self.vault / "Reading.md").write_text(
            _body([(" ", _URLS[0], "First", "2026-11-01", None)], "Daily"), encoding="utf-8"
        )
        self.index = self.root / "index.sqlite3"
        self.connection: sqlite3.Connection | None = None
        self._update()

    def _update(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection, _ = update_index(VaultPaths(self.vault, index=self.index), progress=False)

    @rule(
        name=st.sampled_from(_NAMES),
        lines=_lines,
        heading=st.sampled_from(_HEADINGS),
        hidden=st.sampled_from([0, 0, 1, 2]),
    )
    def write_note(self, name: str, lines: list[Line], heading: str, hidden: int) -> None:
        path = self.vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_body(lines, heading, hidden), encoding="utf-8")
        self._update()

    @rule(name=st.sampled_from(_NAMES))
    def delete_note(self, name: str) -> None:
        (self.vault / name).unlink(missing_ok=True)
        self._update()

    @rule(source=st.sampled_from(_NAMES), renamed=st.sampled_from(_NAMES))
    def rename_note(self, source: str, renamed: str) -> None:
        if rename_note(self.vault, source, renamed):
            self._update()

    @rule(
        source=st.sampled_from(["Projects", "Archive", "Later"]),
        renamed=st.sampled_from(["Projects", "Archive", "Later"]),
    )
    def rename_folder(self, source: str, renamed: str) -> None:
        # Each note of the folder moves as it was, into a folder that may be excluded or not.
        if rename_folder(self.vault, source, renamed):
            self._update()

    @rule(name=st.sampled_from(_NAMES), lines=_lines, hidden=st.sampled_from([0, 1]))
    def make_dashboard(self, name: str, lines: list[Line], hidden: int) -> None:
        # A file vaultkit generated is hidden from every view, links and all.
        path = self.vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "%% vaultkit:file Resources 0badc0de %%\n" + _body(lines, "Dashboard", hidden),
            encoding="utf-8",
        )
        self._update()

    @rule(folders=st.lists(st.sampled_from(["Archive/", "Projects/", *_NAMES[:2]]), max_size=2))
    def exclude(self, folders: list[str]) -> None:
        set_excluded(self.vault, folders)
        self._update()

    @invariant()
    def table_matches_its_definition(self) -> None:
        assert self.connection is not None
        defined = _defined(self.connection)
        assert _table(self.connection) == defined
        assert totals(self.connection) == _counted(defined)

    @invariant()
    def task_sums_match_their_definition(self) -> None:
        assert self.connection is not None
        kept = task_totals.kept(self.connection)
        assert kept == task_totals.sums(self.connection, task_totals.VISIBLE)
        assert all(count > 0 for count in kept.values())

    def teardown(self) -> None:
        if self.connection is not None:
            self.connection.close()
        shutil.rmtree(self.root, ignore_errors=True)


VaultEdits.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_edits_keep_every_kept_sum_defined = VaultEdits.TestCase
