"""Hostile and broken notes: each gives a model plus diagnostics with a line, never an
exception. (Speed is measured by the benchmarks, not asserted here.)"""

from __future__ import annotations

import codecs

import pytest

from vaultkit.model import Note
from vaultkit.parse.note import parse_note
from vaultkit.parse.regions import MAX_NOTE_BYTES


def codes(note: Note) -> list[str]:
    return [d.code for d in note.diagnostics]


def test_fifty_megabyte_note_keeps_properties_and_says_why_the_body_was_skipped() -> None:
    head = b"---\ntags: [huge]\n---\n"
    line = b"- [ ] a task with a [[Link]] and #tag\n"
    data = head + line * (50 * 1024 * 1024 // len(line))
    note = parse_note(data, "Huge.md")
    assert note.properties == {"tags": ["huge"]}
    assert note.tags == ("huge",)
    assert note.tasks == ()
    assert "note-too-large" in codes(note)
    assert note.line_count > 1_000_000


def test_note_just_under_the_limit_is_parsed_fully() -> None:
    line = b"- [ ] task [[Link]] #tag\n"
    count = (MAX_NOTE_BYTES // 16) // len(line)
    note = parse_note(line * count, "Big.md")
    assert len(note.tasks) == count
    assert note.tasks[-1].line == count
    assert "note-too-large" not in codes(note)


@pytest.mark.parametrize(
    "text",
    [
        ">" * 10_000 + " deep quote [[x]]\n",
        "".join("  " * depth + "- item\n" for depth in range(10_000)),
        "".join("> " * depth + "[!note] c\n" for depth in range(1, 3_000)),
        "[" * 10_000 + "x" + "]" * 10_000,
        "*" * 10_000 + "x" + "*" * 10_000,
        "==" * 10_000,
        "[a:: " * 10_000,
    ],
    ids=["quotes", "lists", "callouts", "brackets", "emphasis", "highlights", "fields"],
)
def test_ten_thousand_deep_nesting_gives_a_model(text: str) -> None:
    note = parse_note(text.encode(), "Deep.md")
    assert "parser-error" not in codes(note)
    assert all(d.line >= 1 for d in note.diagnostics)


def test_deep_block_nesting_is_reported() -> None:
    note = parse_note((">" * 10_000 + " x\n").encode(), "Deep.md")
    assert "nesting-too-deep" in codes(note)


def test_crlf_and_bom_are_reported_and_lines_still_count_from_one() -> None:
    data = codecs.BOM_UTF8 + b"# Title\r\n\r\n- [x] done\r\n"
    note = parse_note(data, "Crlf.md")
    assert note.has_bom
    assert note.line_ending == "crlf"
    assert [task.line for task in note.tasks] == [3]
    assert note.headings[0].text == "Title"


def test_mixed_and_old_mac_line_endings() -> None:
    assert parse_note(b"a\r\nb\nc", "m.md").line_ending == "mixed"
    note = parse_note(b"- [ ] one\r- [ ] two\r", "cr.md")
    assert note.line_ending == "cr"
    assert [task.line for task in note.tasks] == [1, 2]


def test_invalid_utf8_is_replaced_and_located() -> None:
    note = parse_note(b"ok\nok\nbad \xff\xfe here [[Link]]\n", "Bad.md")
    assert [(d.code, d.line) for d in note.diagnostics] == [("encoding-invalid", 3)]
    assert note.links[0].target == "Link"


def test_utf16_note_is_decoded_with_a_diagnostic() -> None:
    data = "# Titel\n- [ ] Aufgabe\n".encode("utf-16")
    note = parse_note(data, "U16.md")
    assert note.tasks[0].text == "Aufgabe"
    assert "encoding-utf16" in codes(note)


def test_binary_file_named_md_is_skipped() -> None:
    note = parse_note(bytes(range(256)) * 10, "image.md")
    assert codes(note) == ["binary"]
    assert note.tasks == () and note.links == ()


def test_empty_and_whitespace_notes() -> None:
    for data in (b"", b"\n", b"   \n\n", b"---\n---\n"):
        note = parse_note(data, "e.md")
        assert note.tasks == () and note.diagnostics == (), data


def test_unterminated_comment_fence_and_callout() -> None:
    note = parse_note(b"%%\n- [ ] hidden\n", "c.md")
    assert note.tasks == () and "comment-unterminated" in codes(note)
    note = parse_note(b"~~~\n- [ ] code\n", "f.md")
    assert note.tasks == () and "fence-unterminated" in codes(note)
    note = parse_note(b"> [!todo] open callout\n> - [ ] inside", "q.md")
    assert note.callouts[0].type == "todo" and note.tasks[0].callout_line == 1


@pytest.mark.parametrize(
    "front",
    [
        "a: !!python/object/apply:os.system ['echo pwned']\n",
        "a: " + "[" * 5_000 + "\n",
        "{{template}}: x\n",
        "- just\n- a list\n",
        "key: value\nkey: again\n",
        "x: " + "y" * 1_000_000 + "\n",
    ],
    ids=["python-tag", "deep", "templater", "list", "duplicate-key", "huge-value"],
)
def test_hostile_front_matter_never_raises(front: str) -> None:
    note = parse_note(f"---\n{front}---\n- [ ] body task\n".encode(), "y.md")
    assert [task.text for task in note.tasks] == ["body task"]
    assert all(d.line >= 1 for d in note.diagnostics)


def test_python_tags_are_not_executed() -> None:
    note = parse_note(b"---\na: !!python/object/apply:os.system ['false']\n---\n", "y.md")
    assert note.properties == {}
    assert codes(note) == ["yaml-invalid"]
    assert note.diagnostics[0].line == 2
