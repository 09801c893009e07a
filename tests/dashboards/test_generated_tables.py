"""The invariant of every table vaultkit generates (issue 16, item 1): read back by vaultkit's
own parser, every row has as many cells as its header, and every link in it resolves to the
target the dashboard meant, on the example vault and on note names full of ``| # ^ [ ]``.

A bare ``|`` in a cell (the alias of ``[[Note#Section|alias]]``) splits the row; GFM parsers
then drop the extra cells, so the parsed row has the header's count while its cells are
wrong. The count is therefore taken from each row's source line, split as the two families
of GFM parsers split it (markdown-it looks one character back for an escaping backslash,
cmark-gfm and marked count the backslashes), and the links are checked cell by cell.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.rules_block.table import escapedSplit

from tests.support.cli import EXAMPLE_VAULT, sync
from tests.support.generated import generated_markdown
from vaultkit.config.dashboards import Dashboard
from vaultkit.config.load import load_config
from vaultkit.dashboards.context import build_context
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.index.update import update_index
from vaultkit.model import Link, LinkKind, Table
from vaultkit.obsidian.resolve import LinkResolver, find_heading
from vaultkit.parse.note import parse_note
from vaultkit.vaultpaths import VaultPaths

TODAY = dt.date(2026, 11, 22)

Target = tuple[str, str | None] | None
"""What a row's first cell links to: (vault path or URL, heading or None), or no link."""


def _trimmed(cells: list[str]) -> list[str]:
    # A row's leading and trailing pipes make an empty first and last piece, not cells.
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def cells_markdown_it(line: str) -> int:
    return len(_trimmed(escapedSplit(line.strip())))


def cells_counting_backslashes(line: str) -> int:
    """cmark-gfm's and marked's split: a pipe after an even number of backslashes ends a cell."""
    pieces, current, backslashes = [], "", 0
    for char in line.strip():
        if char == "|" and backslashes % 2 == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
        backslashes = backslashes + 1 if char == "\\" else 0
    pieces.append(current)
    return len(_trimmed(pieces))


class VaultNotes:
    """The vault's files for resolving links, and each note's headings for their anchors."""

    def __init__(self, vault: Path) -> None:
        paths = [p.relative_to(vault).as_posix() for p in vault.rglob("*") if p.is_file()]
        self.resolver = LinkResolver(p for p in paths if not p.startswith("."))
        self.headings: dict[str, list[tuple[str, int]]] = {}
        for path in paths:
            if path.endswith(".md") and not path.startswith("."):
                note = parse_note((vault / path).read_bytes(), path)
                self.headings[path] = [(h.text, h.level) for h in note.headings]

    def target(self, link: Link, source: str) -> Target:
        """Where ``link`` leads: a vault note and the heading its fragment finds, or a URL."""
        if link.kind in (LinkKind.EXTERNAL, LinkKind.URL):
            return (link.target, None)
        markdown = link.kind == LinkKind.MARKDOWN
        resolved = self.resolver.resolve(link.target, source, markdown=markdown)
        assert resolved is not None, f"{link.raw} in {source} resolves to nothing"
        if not link.fragment:
            return (resolved, None)
        headings = self.headings[resolved]
        found = find_heading(link.fragment, headings)
        assert found is not None, f"{link.raw} in {source}: no such heading in {resolved}"
        return (resolved, headings[found][0])


def check_tables(source: str, text: str, notes: VaultNotes) -> dict[str, list[list[Target]]]:
    """Assert the invariant over every table of generated ``text`` (from the note ``source``);
    return, per header of a first column, each table's first-cell targets row by row."""
    note = parse_note(text.encode("utf-8"), source)
    lines = text.split("\n")
    targets: dict[str, list[list[Target]]] = {}
    for table in note.tables:
        _check_cell_counts(table, lines, source)
        column: list[Target] = []
        for row in table.rows:
            for cell in row.cells:
                for link in cell.links:
                    notes.target(link, source)
            first = [notes.target(link, source) for link in row.cells[0].links]
            assert len(first) <= 1, f"{source} line {row.line}: {row.cells[0].source}"
            column.append(first[0] if first else None)
        targets.setdefault(table.header[0].text, []).append(column)
    in_tables = {link.table_line for link in note.links if link.table_line is not None}
    assert in_tables <= {t.line for t in note.tables}
    return targets


def _check_cell_counts(table: Table, lines: list[str], source: str) -> None:
    width = len(table.header)
    for number in [table.line, table.line + 1, *(row.line for row in table.rows)]:
        line = lines[number - 1]
        counts = (cells_markdown_it(line), cells_counting_backslashes(line))
        assert counts == (width, width), f"{source} line {number}: {counts} cells, not {width}"
    assert all(len(row.cells) == width for row in table.rows)


def _last_heading(section: str) -> str | None:
    return section.split(" > ")[-1] if section else None


def intended(vault: Path) -> dict[str, dict[str, list[list[Target]]]]:
    """What the first column of each generated table should link to, from the context the
    templates read (their row limits included), per dashboard target."""
    config = load_config(vault, BUILTINS)
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index.sqlite3"
        connection, _ = update_index(VaultPaths(vault, index=index), progress=False)
        try:
            context = build_context(connection, config, TODAY, vault.name)
            return _intended_from(context, {d.name: _target(d) for d in config.dashboards})
        finally:
            connection.close()


def _target(dashboard: Dashboard) -> str:
    if dashboard.region is None:
        return dashboard.target_path
    return f"{dashboard.target_path}#{dashboard.region}"


def _intended_from(context: dict[str, Any], targets: dict[str, str]) -> dict[str, Any]:
    status, habits = context["status"], context["habits"]
    by_note: list[Target] = [(row["note"], None) for row in status["notes"][:60]]
    by_section: list[Target] = [
        (row["note"], _last_heading(row["section"])) for row in status["sections"][:120]
    ]
    days: list[Target] = [(day["note"], None) if day["note"] else None for day in habits["days"]]
    topic_rows: list[Target] = [(topic["path"], None) for topic in context["topics"]]
    return {
        targets["status"]: {"Note": [by_note], "Section": [by_section]},
        targets["habits"]: {"Day": [days]} if habits["habits"] else {},
        targets["topics"]: {"Topic": [topic_rows]} if topic_rows else {},
        targets["resources"]: {},
        targets["links"]: {},
    }


def check_vault(vault: Path) -> None:
    notes = VaultNotes(vault)
    wanted = intended(vault)
    generated = generated_markdown(vault)
    for target, first_columns in wanted.items():
        assert target in generated, f"{target} was not generated: {sorted(generated)}"
        found = check_tables(target.split("#", 1)[0], generated[target], notes)
        for header, columns in first_columns.items():
            assert found.get(header) == columns, (target, header)


def test_every_table_of_the_example_vault_holds_its_cells_and_links(vault: Path) -> None:
    assert sync(vault)[0] == 0
    check_vault(vault)


def test_the_committed_example_dashboards_hold_the_invariant() -> None:
    """What a user sees in the repository, not only what a sync writes."""
    notes = VaultNotes(EXAMPLE_VAULT)
    for key, text in generated_markdown(EXAMPLE_VAULT).items():
        check_tables(key.split("#", 1)[0], text, notes)


def test_the_aliased_links_of_a_table_escape_their_pipe(vault: Path) -> None:
    """The shape that broke: ``[[Note#Section|alias]]`` in a cell, as Obsidian wants it."""
    assert sync(vault)[0] == 0
    status = (vault / "Dashboards" / "Status.md").read_text(encoding="utf-8")
    assert "| [[Status#Daily\\|Status > Daily]] |" in status
    assert "[[Status#Daily|" not in status


# --- note names full of what breaks a link or a cell -------------------------------------

NAME_CHARS = "ab |#^[]"
NAMES = st.text(alphabet=NAME_CHARS, min_size=1, max_size=8).filter(
    lambda name: name.strip() and name.strip() == name and not name.startswith(".")
)
URL_TEXT = st.text(alphabet="ab |[]\\", min_size=1, max_size=6).filter(lambda t: t.strip() != "")

CONFIG = """\
[vault]
quiet_seconds = 0

[topics]
tag = "topic"

[daily_notes]
folder = "Daily"
format = "YYYY-MM-DD"

[habits]
window_days = 3
section = "Habits"
"""


def _topic(name: str, number: int, url_text: str, done: bool) -> str:
    box = "x" if done else " "
    return (
        f"---\ntags: [topic]\nstatus: s{number}\n---\n# {name}\n\n## Plan\n\n"
        f"- [{box}] step {number}\n- [ ] read [{url_text}](https://example.com/{number}|x)\n"
        "\n## Pros\n\n- quick\n"
    )


def write_vault(root: Path, names: list[str], url_text: str, duplicate: bool) -> None:
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaultkit").mkdir()
    (root / ".vaultkit" / "config.toml").write_text(CONFIG, encoding="utf-8")
    (root / "Topics").mkdir()
    for number, name in enumerate(names):
        text = _topic(name, number, url_text, number % 2 == 0)
        (root / "Topics" / f"{name}.md").write_text(text, encoding="utf-8")
    if duplicate:
        # The same name in two folders: the links need the folder, and so an alias.
        (root / "Archive").mkdir()
        (root / "Archive" / f"{names[0]}.md").write_text(_topic(names[0], 99, "old", False))
    (root / "Daily").mkdir()
    for day in ("2026-11-20", "2026-11-21"):
        (root / "Daily" / f"{day}.md").write_text(
            f"# {day}\n\n## Habits\n\n- [x] Run\n- [ ] Read | write\n", encoding="utf-8"
        )


@settings(max_examples=20)
@given(
    names=st.lists(NAMES, min_size=1, max_size=4, unique_by=str.casefold),
    url_text=URL_TEXT,
    duplicate=st.booleans(),
)
def test_names_with_pipes_hashes_carets_and_brackets_keep_every_table_whole(
    names: list[str], url_text: str, duplicate: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "Vault"
        write_vault(root, names, url_text, duplicate)
        environment = {"VAULTKIT_TODAY": TODAY.isoformat(), "VAULTKIT_CACHE_DIR": folder}
        with mock.patch.dict(os.environ, environment):
            code, out = sync(root)
        assert code == 0, out
        check_vault(root)


def test_the_habit_chart_has_its_numbers_in_the_day_grid(vault: Path) -> None:
    """xychart-beta needs Mermaid 10.3+, which older Obsidian lacks: the grid's Done column
    carries the bars' numbers, so no Obsidian loses them."""
    assert sync(vault)[0] == 0
    text = generated_markdown(vault)["Dashboards/Habits.md"]
    bars = text.split("    bar [", 1)[1].split("]", 1)[0].split(", ")
    grid = next(t for t in parse_note(text.encode(), "H.md").tables if t.header[0].text == "Day")
    assert [c.text for c in grid.header][-1] == "Done"
    assert [row.cells[-1].text.split(" ")[0] for row in grid.rows] == bars
