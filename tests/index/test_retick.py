"""A note whose only change is the status of checkboxes is read again without the parser
(``vaultkit.index.retick``): its rows are exactly the rows the parser makes of the new content,
or the note is left to the parser. Side by side with the parser on every fixture note, the
example vault, a note of every place a task can be, and generated notes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file

from tests.support.cli import cli
from tests.support.config_files import tasks_status, write_plugin_settings
from tests.support.parse_fixtures import FIXTURES, note_bytes
from vaultkit.cadences import Cadences
from vaultkit.index.digest import content_digest
from vaultkit.index.note_rows import note_rows
from vaultkit.index.retick import retick_rows
from vaultkit.index.update import update_index
from vaultkit.model import TaskRules
from vaultkit.obsidian.tasks_plugin import read_tasks_plugin
from vaultkit.parse.note import parse_note
from vaultkit.scan.found import SourceFile
from vaultkit.vaultpaths import VaultPaths

SWAPS = (" ", "x", "X", "-", "/", "?", ">", "<", "!", "*", '"', "h", "7")
"""Status characters a tick may swap without the parser."""
KEPT_FOR_THE_PARSER = ("|", "[", "]", "\\", "^", "`", "$", "%", "=", "é")
"""Status characters left to the parser."""
ROOT = Path(__file__).resolve().parents[2]


def _index(tmp_path: Path, notes: dict[str, bytes]) -> tuple[sqlite3.Connection, VaultPaths]:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True, exist_ok=True)
    for name, data in notes.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_bytes(data)
    paths = VaultPaths(vault, index=tmp_path / "index.sqlite3")
    connection, _ = update_index(paths, progress=False)
    return connection, paths


def _checkboxes(data: bytes, path: str, rules: TaskRules | None = None) -> list[int]:
    """Where each task's and hidden checkbox item's status character is in ``data``."""
    note = parse_note(data, path, rules=rules)
    lines = data.split(b"\n")
    offsets = []
    for number in sorted({t.line for t in note.tasks} | {t.line for t in note.hidden_tasks}):
        start = sum(len(line) + 1 for line in lines[: number - 1])
        offsets.append(start + lines[number - 1].index(b"[") + 1)
    return offsets


def _with(data: bytes, changes: dict[int, str]) -> bytes:
    changed = bytearray(data)
    for offset, char in changes.items():
        changed[offset : offset + 1] = char.encode("utf-8")
    return bytes(changed)


def _reticked(
    connection: sqlite3.Connection,
    path: str,
    old: bytes,
    new: bytes,
    rules: TaskRules | None = None,
    cadences: Cadences | None = None,
) -> bool:
    """Whether the note's change from ``old`` to ``new`` was read without the parser; when it
    was, its rows are asserted to be the parser's."""
    rules = rules or TaskRules()
    cadences = cadences or Cadences()
    source = SourceFile(path, f"/nowhere/{path}", len(new), 123_456_789, True)
    got = retick_rows(connection, source, new, content_digest(old), cadences=cadences, rules=rules)
    if got is None:
        return False
    assert got == note_rows(parse_note(new, path, rules=rules), source.mtime_ns, cadences)
    return True


def _every_tick(
    connection: sqlite3.Connection, notes: dict[str, bytes], rules: TaskRules | None = None
) -> Iterator[tuple[str, int, str, bool]]:
    """Each checkbox of each note swapped for each character: (note, offset, char, read
    without the parser)."""
    for path, data in notes.items():
        for offset in _checkboxes(data, path, rules):
            was = chr(data[offset])
            for char in SWAPS + KEPT_FOR_THE_PARSER:
                if char != was:
                    new = _with(data, {offset: char})
                    yield path, offset, char, _reticked(connection, path, data, new, rules)


def _fixture_notes() -> dict[str, bytes]:
    notes = {}
    for number, path in enumerate(sorted(FIXTURES.glob("*.md"))):
        for case, (_, _, text, _) in enumerate(read_fixture_file(path)):
            notes[f"F{number:02}-{case:03}.md"] = note_bytes(path.stem, text)
    return notes


def test_every_fixture_note_ticked_reads_as_the_parser_reads_it(tmp_path: Path) -> None:
    notes = _fixture_notes()
    connection, _ = _index(tmp_path, notes)
    with closing(connection):
        ticks = list(_every_tick(connection, notes))
    swapped = [tick for tick in ticks if tick[2] in SWAPS]
    assert len(swapped) > 300
    # Most are read without the parser (not all: a task's status char may be "|"), and
    # never one swapped for a character a block rule could read.
    assert sum(tick[3] for tick in swapped) > 0.8 * len(swapped)
    assert not [tick for tick in ticks if tick[3] and tick[2] in KEPT_FOR_THE_PARSER]


def test_the_example_vault_ticked_reads_as_the_parser_reads_it(tmp_path: Path) -> None:
    vault = ROOT / "example_vault"
    notes = {
        path.relative_to(vault).as_posix(): path.read_bytes()
        for path in sorted(vault.rglob("*.md"))
        if not path.relative_to(vault).as_posix().startswith(".")
    }
    connection, _ = _index(tmp_path, notes)
    with closing(connection):
        ticks = [tick for tick in _every_tick(connection, notes) if tick[2] in SWAPS]
    assert len(ticks) > 100
    assert all(tick[3] for tick in ticks)


EVERYWHERE = """---
tags: [plan]
---
# Plan

Intro with a [[Link]] and https://example.com/intro.

## Daily

- [ ] water the plants https://example.com/water
    - [x] nested under it 📅 2026-12-01 ^nested
        - [/] deeper, with [a link](https://example.com/deep)
- [ ] ~~struck off~~
- [x] ~~struck and done~~
1. [ ] ordered 🔁 every day
2) [?] ordered with a paren #tag/sub
\t- [ ] after a tab [due:: 2026-12-02]
- [>] [[Target#Heading|alias]] and [[Other]]
- [ ]
- [x] two line
  task, second line https://example.com/second

> - [ ] in a quote
> > - [x] in a quote in a quote

> [!todo] A callout
> - [ ] in the callout https://example.com/callout
> - [-] dropped in the callout

- plain item
  - [ ] task under a plain item

%%
- [ ] hidden in a comment
- [x] hidden and done
%%

| a | b |
| --- | --- |
| - [ ] not a task | x |

```
- [ ] not a task either
```

- [ ] last, without a newline"""


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_task_anywhere_ticked_reads_as_the_parser_reads_it(
    tmp_path: Path, line_ending: str, bom: bytes
) -> None:
    data = bom + EVERYWHERE.replace("\n", line_ending).encode("utf-8")
    notes = {"Plan.md": data}
    connection, _ = _index(tmp_path, notes)
    with closing(connection):
        ticks = list(_every_tick(connection, notes))
        # Every checkbox at once, too.
        offsets = _checkboxes(data, "Plan.md")
        everything = _with(data, dict.fromkeys(offsets, "x"))
        assert _reticked(connection, "Plan.md", data, everything)
    assert len(offsets) == 19  # 17 tasks and the 2 hidden items
    assert all(tick[3] for tick in ticks if tick[2] in SWAPS)
    assert not any(tick[3] for tick in ticks if tick[2] in KEPT_FOR_THE_PARSER)


def test_the_tasks_plugin_statuses_and_filter_are_the_parsers(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    custom = [tasks_status("h", "On hold", "ON_HOLD"), tasks_status("d", "Drop", "CANCELLED")]
    settings = {"globalFilter": "#task", "statusSettings": {"customStatuses": custom}}
    write_plugin_settings(vault, "obsidian-tasks-plugin", settings)
    notes = {"N.md": b"- [ ] a #task\n- [ ] not one\n- [x] ~~b~~ #task\n- [h] c #task\n"}
    connection, _ = _index(tmp_path, notes)
    rules = read_tasks_plugin(vault).rules
    with closing(connection):
        ticks = [tick for tick in _every_tick(connection, notes, rules) if tick[2] in SWAPS]
        assert len(ticks) == 3 * len(SWAPS) - 3 and all(tick[3] for tick in ticks)
        # The checkbox without the filter is no task: the parser reads its change.
        data = notes["N.md"]
        assert not _reticked(connection, "N.md", data, data.replace(b"[ ] not", b"[x] not"), rules)
        # The plugin's own tick, with its done date: its rules still apply.
        toggles = [
            _reticked(connection, "N.md", data, new, rules)
            for *_, new in _toggled(data, "N.md", rules)
        ]
        assert toggles == [True, True, True]


def test_a_tick_with_anything_else_changed_is_left_to_the_parser(tmp_path: Path) -> None:
    data = b"# T\n\n- [ ] one\n- [ ] two\n\n[ ] no list item\n"
    connection, _ = _index(tmp_path, {"T.md": data})
    with closing(connection):
        assert _reticked(connection, "T.md", data, data.replace(b"[ ] one", b"[x] one"))
        for new in (
            data.replace(b"[ ] one", b"[x] one!"),  # a character typed with the tick
            data.replace(b"[ ] one", b"[x] one \xe2\x9c\x85 2026-12-5"),  # no date
            data.replace(b"[ ] one", b"[x] \xe2\x9c\x85 2026-12-05 one"),  # not last
            data.replace(b"[ ] no list", b"[x] no list"),  # a bracket that is no checkbox
            data.replace(b"- [ ] two\n", b"- [ ] two\n- [ ] three\n"),  # a task added
            data.replace(b"\n", b"\r"),  # old Mac line endings
            data.replace(b"[ ] one", b"[x] one") + b"\x00",  # binary
            data,  # nothing changed: only the mtime moved, no rows to make
        ):
            assert not _reticked(connection, "T.md", data, new)
        # A note the index holds no checkbox of, or holds another content of.
        assert not _reticked(connection, "T.md", b"other", data.replace(b"[ ] one", b"[x] one"))
        assert not _reticked(connection, "Unknown.md", data, data.replace(b"[ ]", b"[x]"))


DONE = " ✅ 2026-12-05"
"""The done date the Tasks plugin writes as it ticks a task (its default settings)."""


def _toggled(
    data: bytes, path: str, rules: TaskRules | None = None
) -> Iterator[tuple[int, bytes, bytes]]:
    """Each task of ``data`` toggled as the Tasks plugin toggles it, setting done dates: an
    open task ticked and dated, a done one unticked and its date taken off, the line's end
    trimmed. (line, the line now, the note's content now)."""
    note = parse_note(data, path, rules=rules)
    lines = data.split(b"\n")
    for task in note.tasks:
        line = lines[task.line - 1]
        body, end = (line[:-1], b"\r") if line.endswith(b"\r") else (line, b"")
        try:
            # The plugin writes the task back from its trimmed text.
            text = body.decode("utf-8").rstrip()
        except UnicodeDecodeError:
            continue  # the plugin would write the line back otherwise
        tail = f" ^{task.block_id}" if task.block_id else ""
        if not (task.raw and text.endswith(task.raw) and text.endswith(tail)):
            continue  # a paragraph that goes on: the plugin reads the first line only
        head, at = text[: len(text) - len(tail)], text.index("[")
        done = f" ✅ {task.fields.done}"
        if task.fields.done is None:
            now = f"{head[: at + 1]}x{head[at + 2 :]}{DONE}{tail}"
        elif head.endswith(done):
            now = f"{head[: at + 1]} {head[at + 2 : -len(done)]}{tail}"
        else:
            continue
        changed = list(lines)
        changed[task.line - 1] = now.encode("utf-8") + end
        yield task.line, changed[task.line - 1], b"\n".join(changed)


def _every_toggle(
    tmp_path: Path, notes: dict[str, bytes], rules: TaskRules | None = None
) -> list[tuple[str, bytes, bool]]:
    """Each task of each note toggled by the Tasks plugin: (note, its line now, read without
    the parser)."""
    connection, _ = _index(tmp_path, notes)
    with closing(connection):
        return [
            (path, line, _reticked(connection, path, data, new, rules))
            for path, data in notes.items()
            for _, line, new in _toggled(data, path, rules)
        ]


def test_every_fixture_note_toggled_by_the_tasks_plugin_reads_as_the_parser_reads_it(
    tmp_path: Path,
) -> None:
    toggles = _every_toggle(tmp_path, _fixture_notes())
    assert len(toggles) > 40
    # Not all: a paragraph that goes on, a callout, a comment or an inline field on the line.
    assert sum(read for _, _, read in toggles) > 0.8 * len(toggles)


def test_the_example_vault_toggled_by_the_tasks_plugin_reads_as_the_parser_reads_it(
    tmp_path: Path,
) -> None:
    vault = ROOT / "example_vault"
    notes = {
        path.relative_to(vault).as_posix(): path.read_bytes()
        for path in sorted(vault.rglob("*.md"))
        if not path.relative_to(vault).as_posix().startswith(".")
    }
    toggles = _every_toggle(tmp_path, notes)
    assert len(toggles) > 50
    assert sum(read for _, _, read in toggles) > 0.8 * len(toggles)


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_a_task_anywhere_toggled_by_the_tasks_plugin_reads_as_the_parser_reads_it(
    tmp_path: Path, line_ending: str
) -> None:
    data = EVERYWHERE.replace("\n", line_ending).encode("utf-8")
    toggles = _every_toggle(tmp_path, {"Plan.md": data})
    left = sorted(line.decode("utf-8").strip() for _, line, read in toggles if not read)
    assert len(toggles) == 16
    # Left to the parser: a paragraph the next line goes on with, tasks in a callout (its
    # body holds their lines), a line with an inline field.
    assert left == [
        "- [x] after a tab [due:: 2026-12-02] ✅ 2026-12-05",
        "- [x] two line ✅ 2026-12-05",
        "> - [x] dropped in the callout ✅ 2026-12-05",
        "> - [x] in the callout https://example.com/callout ✅ 2026-12-05",
    ], left


DATED = """# Dated

- [x] done with a date ✅ 2026-12-01
- [x] done, dated, with an id 📅 2026-11-30 ✅ 2026-12-01 ^with-id
    - [ ] open under it, with an id ^open-id
- [ ] open, then a blank line https://example.com/read

1. [/] in progress, ordered **bold** *and* [[Link|shown]]
2. [ ] ends in a backslash\\
3. [ ] ends in code `x`

## Next

- [ ] ~~struck~~ #tag
- [ ] a wiki link [[Note]] and a tag #t, last"""


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_done_dates_come_and_go_without_the_parser(tmp_path: Path, line_ending: str) -> None:
    data = DATED.replace("\n", line_ending).encode("utf-8")
    toggles = _every_toggle(tmp_path, {"Dated.md": data})
    assert len(toggles) == 9 and all(read for _, _, read in toggles)
    # Every task of the note toggled at once, too.
    connection, _ = _index(tmp_path / "all", {"Dated.md": data})
    with closing(connection):
        now = data
        for line, _, _ in _toggled(data, "Dated.md"):
            now = {at: new for at, _, new in _toggled(now, "Dated.md")}[line]
        assert now.count("✅".encode()) == 7  # two taken off, seven added
        assert _reticked(connection, "Dated.md", data, now)


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_whitespace_the_tasks_plugin_trims_as_it_toggles_is_put_back(
    tmp_path: Path, line_ending: str
) -> None:
    data = "- [ ] spaces after it   \n- [x] a tab after it ✅ 2026-12-01\t\n- [ ] none\n".replace(
        "\n", line_ending
    ).encode("utf-8")
    toggles = _every_toggle(tmp_path, {"T.md": data})
    assert [read for *_, read in toggles] == [True, True, True]
    assert [line.rstrip(b"\r") for _, line, _ in toggles][:2] == [
        "- [x] spaces after it ✅ 2026-12-05".encode(),
        b"- [ ] a tab after it",
    ]
    # Two lines trimmed at once: how much each lost, the file size cannot say.
    connection, _ = _index(tmp_path / "both", {"T.md": data})
    with closing(connection):
        both = data
        for line in (1, 2):
            both = {at: new for at, _, new in _toggled(both, "T.md")}[line]
        assert not _reticked(connection, "T.md", data, both)


def test_a_done_date_not_as_the_tasks_plugin_writes_it_is_left_to_the_parser(
    tmp_path: Path,
) -> None:
    data = (
        b"- [ ] open\n- [x] dated \xe2\x9c\x85 2026-12-01\n- [ ] with an id ^id\n"
        b"- [ ] has \xe2\x9c\x85 in it\n- [ ] key:: value\n- [ ] on %% comment\n"
        b"- [ ] goes on\non the next line\n"
        b"- [x] after a no-break space\xc2\xa0 \xe2\x9c\x85 2026-11-30\n"
    )
    connection, _ = _index(tmp_path, {"N.md": data})
    with closing(connection):
        for old, new in (
            (b"[ ] open", b"[x] open \xe2\x9c\x85 2026-12-05 "),  # a space after it
            (b"[ ] open", b"[x] open \xe2\x9c\x85  2026-12-05"),  # two spaces
            (b"[ ] open", b"[x] open\xe2\x9c\x85 2026-12-05"),  # none before it
            (b"[ ] open", b"[x] open \xe2\x9c\x85 2026-12-05 \xe2\x9c\x85 2026-12-06"),
            (b"2026-12-01", b"2026-12-05"),  # another date
            (b"[x] dated \xe2\x9c\x85 2026-12-01", b"[ ] dated \xe2\x9c\x85"),  # half
            (b"[ ] with an id ^id", b"[x] with an id ^id \xe2\x9c\x85 2026-12-05"),  # after it
            (b"[ ] has \xe2\x9c\x85 in it", b"[x] has \xe2\x9c\x85 in it \xe2\x9c\x85 2026-12-05"),
            (b"[ ] key:: value", b"[x] key:: value \xe2\x9c\x85 2026-12-05"),  # the field's
            (b"[ ] on %% comment", b"[x] on %% comment \xe2\x9c\x85 2026-12-05"),
            (b"[ ] goes on", b"[x] goes on \xe2\x9c\x85 2026-12-05"),  # the paragraph's
            # Its text would end in a space the parser strips (Unicode's, not ASCII's).
            (
                b"[x] after a no-break space\xc2\xa0 \xe2\x9c\x85 2026-11-30",
                b"[ ] after a no-break space\xc2\xa0",
            ),
        ):
            assert data.count(old) == 1
            assert not _reticked(connection, "N.md", data, data.replace(old, new)), new
        # As the plugin writes them, each is read without the parser.
        for old, new in (
            (b"[ ] open", b"[x] open \xe2\x9c\x85 2026-12-05"),
            (b"[x] dated \xe2\x9c\x85 2026-12-01", b"[ ] dated"),
            (b"[ ] with an id ^id", b"[x] with an id \xe2\x9c\x85 2026-12-05 ^id"),
        ):
            assert _reticked(connection, "N.md", data, data.replace(old, new)), new


_LINES = st.sampled_from(
    [
        "- [{c}] a task",
        "  - [{c}] nested",
        "\t- [{c}] under a tab",
        "1. [{c}] ordered",
        "> - [{c}] quoted",
        "> [!note] callout\n> - [{c}] in it",
        "> [{c}] a quote",
        "> [{c}note] a quote",
        "- > [{c}] a quote in an item",
        "- [{c}] ~~struck~~",
        "- [{c}] read https://example.com/a",
        "- [{c}] 📅 2026-12-01 #tag [[Link]]",
        "%%\n- [{c}] hidden\n%%",
        "```\n- [{c}] fenced\n```",
        "| - [{c}] cell | b |\n| --- | --- |",
        "[{c}] no item",
        "- [{c}]",
        "- [{c}] café ✓ [[Ünïcode]]",
        "## Heading",
        "plain text",
        "",
    ]
)
_CHARS = st.sampled_from(SWAPS + KEPT_FOR_THE_PARSER)


@st.composite
def _ticked_notes(draw: st.DrawFn) -> tuple[bytes, dict[int, str]]:
    lines = draw(st.lists(st.tuples(_LINES, _CHARS), min_size=1, max_size=12))
    data = "\n".join(line.replace("{c}", char) for line, char in lines).encode("utf-8")
    brackets = [i + 1 for i in range(len(data) - 2) if data[i] == 0x5B and data[i + 2] == 0x5D]
    chosen = draw(st.lists(st.sampled_from(brackets), unique=True) if brackets else st.just([]))
    return data, {offset: draw(_CHARS) for offset in chosen}


@settings(max_examples=150, deadline=None)
@given(_ticked_notes())
def test_generated_notes_ticked_read_as_the_parser_reads_them(
    tmp_path_factory: pytest.TempPathFactory, note: tuple[bytes, dict[int, str]]
) -> None:
    data, changes = note
    connection, _ = _index(tmp_path_factory.mktemp("vault"), {"G.md": data})
    with closing(connection):
        new = _with(data, changes)
        reticked = _reticked(connection, "G.md", data, new)
    checkboxes = set(_checkboxes(data, "G.md"))
    moved = {offset: char for offset, char in changes.items() if chr(data[offset]) != char}
    # Read without the parser exactly when only checkboxes moved, each between two
    # characters that swap freely.
    assert reticked == bool(
        moved
        and set(moved) <= checkboxes
        and all(c in SWAPS and chr(data[o]) in SWAPS for o, c in moved.items())
    )


_DATED_LINES = st.sampled_from(
    [
        "- [{c}] a task",
        "- [{c}] dated ✅ 2026-12-01",
        "- [{c}] dated with an id ✅ 2026-12-01 ^an-id",
        "- [{c}] spaces after it   ",
        "- [{c}] dated, a tab after it ✅ 2026-12-01\t",
        "- [{c}] an id, a space after it ^id-2 ",
        "- [{c}] with an id ^other-id",
        "  - [{c}] nested 📅 2026-12-01 ⏫",
        "> - [{c}] quoted *emphasis*",
        "> [!todo] callout\n> - [{c}] in it",
        "- [{c}] goes on\n  on the next line",
        "- [{c}] goes on\nlazily",
        "- [{c}] ends in a backslash\\",
        "- [{c}] ends in **bold**",
        "- [{c}] ends in `code`",
        "- [{c}] opens `code",
        "- [{c}] opens *emphasis",
        "- [{c}] opens $math",
        "- [{c}] ends in $x$",
        "- [{c}] ends in ==highlight==",
        "- [{c}] opens ==highlight",
        "- [{c}] ends in <b>html</b>",
        "- [{c}] opens <!-- html",
        "- [{c}] an &amp",
        "- [{c}] a [[Link]] and https://example.com/a",
        "- [{c}] [[Link|alias]]",
        "- [{c}] ~~struck~~",
        "- [{c}] key:: value",
        "- [{c}] [due:: 2026-12-01]",
        "- [{c}] %% comment",
        "- [{c}] ^[inline footnote",
        "- [{c}] #tag",
        "- [{c}] ✅ in the text",
        "- [{c}]",
        "%%\n- [{c}] hidden\n%%",
        "| a | b |\n| --- | --- |",
        "## Heading",
        "plain text",
        "",
    ]
)


@st.composite
def _dated_notes(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    lines = draw(st.lists(st.tuples(_DATED_LINES, _CHARS), min_size=1, max_size=10))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = "\n".join(line.replace("{c}", char) for line, char in lines)
    data = text.replace("\n", ending).encode("utf-8")
    tasks = [line for line, _, _ in _toggled(data, "G.md")]
    return data, draw(st.lists(st.sampled_from(tasks), unique=True) if tasks else st.just([]))


@settings(max_examples=150, deadline=None)
@given(_dated_notes())
def test_generated_notes_toggled_by_the_tasks_plugin_read_as_the_parser_reads_them(
    tmp_path_factory: pytest.TempPathFactory, note: tuple[bytes, list[int]]
) -> None:
    data, chosen = note
    connection, _ = _index(tmp_path_factory.mktemp("vault"), {"G.md": data})
    new = data
    for line in chosen:
        new = {at: now for at, _, now in _toggled(new, "G.md")}.get(line, new)
    with closing(connection):
        # Rows equal to the parser's whenever it is read without the parser (_reticked).
        _reticked(connection, "G.md", data, new)


def test_a_tick_through_the_hook_loads_no_parser(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    note = vault / "Plan.md"
    note.write_text("# Plan\n\n- [ ] first\n- [ ] second ^two\n", encoding="utf-8")
    assert cli("sync", str(vault))[0] == 0
    status = vault / "Dashboards" / "Status.md"
    assert "0/2" in status.read_text(encoding="utf-8")
    # The hook as Obsidian's Shell commands plugin runs it, in a process of its own that
    # then says which of the parser's libraries it loaded.
    code = (
        "import sys\n"
        "from vaultkit.cli.main import main\n"
        "try:\n"
        f"    main(['hook', {str(vault)!r}, '--file', 'Plan.md'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('markdown_it', 'yaml', 'frontmatter') if m in sys.modules))\n"
    )
    for content, shown in (
        ("- [x] first\n- [ ] second ^two\n", "1/2"),  # Obsidian's tick
        ("- [x] first\n- [x] second ✅ 2026-12-05 ^two\n", "2/2"),  # the Tasks plugin's
        ("- [x] first\n- [ ] second ^two\n", "1/2"),  # and its untick
    ):
        note.write_text("# Plan\n\n" + content, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
        )
        assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
        assert shown in status.read_text(encoding="utf-8")
