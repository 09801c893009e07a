"""Property tests for the parser: it never raises, every line it reports lies inside the
file, and nothing inside code, math or comments becomes a link, tag or task."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from vaultkit.cli.jsonform import note_json
from vaultkit.model import Note
from vaultkit.parse.note import parse_note

SNIPPETS = [
    *"ab #-*>[]()!|=%$`^:~\\\n\t ",
    *["[[", "]]", "![[", "%%", "- [ ] ", "- [x] ", "> [!note] ", "```", "$$", "---\n"],
    *["📅 2024-01-01", "⏫", "https://x.org/a", "<br>", "| a | b |\n|---|---|\n", "é", "\r\n"],
]
MARKDOWNISH = st.lists(st.sampled_from(SNIPPETS), max_size=200).map("".join)


def reported_lines(note: Note) -> Iterator[int]:
    for heading in note.headings:
        yield heading.line
    for task in note.tasks:
        yield task.line
        if task.parent_line is not None:
            yield task.parent_line
    for callout in note.callouts:
        yield callout.line
        yield callout.end_line
    for link in note.links:
        yield link.line
    for table in note.tables:
        yield table.line
        yield table.end_line
        for row in table.rows:
            yield row.line
    for tag in note.tag_mentions:
        yield tag.line
    for highlight in note.highlights:
        yield highlight.line
    for inline_field in note.inline_fields:
        yield inline_field.line
    for block_id in note.block_ids:
        yield block_id.line
    for span in note.hidden:
        yield span.line
        yield span.end_line
    for diagnostic in note.diagnostics:
        yield diagnostic.line
    for hidden_task in note.hidden_tasks:
        yield hidden_task.line
        yield hidden_task.comment_line
        yield hidden_task.comment_end_line
    for resource in note.resources:
        for mention in resource.mentions:
            yield mention.line


def assert_lines_within(note: Note) -> None:
    assert all(d.code != "parser-error" for d in note.diagnostics), note.diagnostics
    last = max(note.line_count, 1)
    for line in reported_lines(note):
        assert 1 <= line <= last, f"line {line} outside 1..{last}"


@given(MARKDOWNISH)
def test_markdownish_text_parses_with_lines_inside_the_file(text: str) -> None:
    note = parse_note(text.encode("utf-8"), "n.md")
    assert_lines_within(note)
    json.dumps(note_json(note))


@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    note = parse_note(data, "n.md")
    assert_lines_within(note)


@given(st.text(max_size=300))
def test_arbitrary_unicode_never_raises(text: str) -> None:
    note = parse_note(text.encode("utf-8", errors="surrogatepass"), "n.md")
    assert_lines_within(note)


# Text that cannot open or close code, math or comments, so hidden segments stay hidden.
VISIBLE = st.lists(st.sampled_from([*"abc XYZ[]#-*>!|=:\n", "[[v]]"]), max_size=60).map("".join)


def _hidden(marker: str, form: int) -> str:
    payload = f"[[{marker}]] #{marker} ![[{marker}.png]] https://{marker}.org"
    return [
        f"\n\n```\n- [ ] {marker} {payload}\n```\n\n",
        f" `{payload} - [ ] {marker}` ",
        f" ${payload}$ ".replace("$[", "$x[").replace(".org$", ".orgx$"),
        f"\n\n$$\n{payload}\n- [ ] {marker}\n$$\n\n",
        f" %% {payload} %% ",
        f"\n\n%%\n- [ ] {marker} {payload}\n\n# {marker}\n%%\n\n",
        # A heading first: after a list item, an indented line would be a nested item.
        f"\n\n#### cut\n\n    - [ ] {marker} {payload}\n\n",
    ][form]


@given(st.lists(st.tuples(VISIBLE, st.integers(min_value=0, max_value=6)), max_size=8))
def test_nothing_in_code_math_or_comments_is_reported(pieces: list[tuple[str, int]]) -> None:
    marker = "hidzq"
    text = "".join(visible + _hidden(marker, form) for visible, form in pieces)
    note = parse_note(text.encode("utf-8"), "n.md")
    for link in note.links:
        assert marker not in link.target, (link, text)
    for tag in note.tags:
        assert marker not in tag, (tag, text)
    for task in note.tasks:
        assert marker not in task.raw, (task, text)
    for heading in note.headings:
        assert heading.text != marker, (heading, text)
    assert_lines_within(note)


CHECKLIST_LINE = st.tuples(
    st.sampled_from([" ", "x", "/", "-"]), st.text(alphabet="abc XYZ", min_size=1, max_size=12)
)


@given(
    st.lists(
        st.tuples(st.booleans(), st.lists(CHECKLIST_LINE, min_size=1, max_size=4)),
        min_size=1,
        max_size=6,
    )
)
def test_a_checkbox_is_a_task_exactly_when_no_comment_holds_it(
    groups: list[tuple[bool, list[tuple[str, str]]]],
) -> None:
    """Checklists, some inside ``%%`` comments: those are hidden tasks, all others tasks."""
    lines: list[str] = []
    inside: list[int] = []
    outside: list[int] = []
    for commented, items in groups:
        lines.append("")  # a blank line: each group is a list of its own
        if commented:
            lines.append("%%")
        for char, text in items:
            lines.append(f"- [{char}] {text}")
            (inside if commented else outside).append(len(lines))
        if commented:
            lines.append("%%")
    note = parse_note("\n".join(lines).encode("utf-8"), "n.md")
    assert [task.line for task in note.tasks] == outside
    assert [task.line for task in note.hidden_tasks] == inside
    assert_lines_within(note)


LINK_NAME = st.text(alphabet="abcXYZ é-_.", min_size=1, max_size=10).filter(
    lambda name: name.strip(" .") == name and name.strip() != ""
)
PROPERTY_KEY = st.text(alphabet="abcxyz_", min_size=1, max_size=8)


@given(
    st.dictionaries(
        PROPERTY_KEY,
        st.tuples(st.booleans(), st.lists(LINK_NAME, min_size=1, max_size=3)),
        min_size=1,
        max_size=5,
    )
)
def test_every_quoted_property_link_is_a_link_with_its_key_and_line(
    properties: dict[str, tuple[bool, list[str]]],
) -> None:
    """Text and list properties, each value or item a quoted ``[[link]]`` (as Obsidian writes
    them): each is one ``context: property`` link with its key, on its value's or item's line."""
    lines = ["---"]
    expected: list[tuple[str, str, int]] = []
    for key, (as_list, names) in properties.items():
        if as_list:
            lines.append(f"{key}:")
            for name in names:
                lines.append(f"  - {json.dumps(f'[[{name}]]', ensure_ascii=False)}")
                expected.append((key, name, len(lines)))
        else:
            lines.append(f"{key}: {json.dumps(f'[[{names[0]}]]', ensure_ascii=False)}")
            expected.append((key, names[0], len(lines)))
    lines += ["---", "Body"]
    note = parse_note("\n".join(lines).encode("utf-8"), "n.md")
    found = [(link.key, link.target, link.line) for link in note.links]
    assert found == [(key, name.strip(), line) for key, name, line in expected]
    assert all(link.context == "property" for link in note.links)
    assert_lines_within(note)


FOOTNOTE_TEXT = st.lists(
    st.sampled_from([*"abc XYZ#-*", "[[v]]", "[[w#H]]", "![[p.png]]", "#tag "]), max_size=12
).map("".join)


@given(st.lists(FOOTNOTE_TEXT.map("a {}".format), min_size=1, max_size=4))
def test_an_inline_footnote_keeps_the_links_and_tags_of_its_text(lines: list[str]) -> None:
    """The same paragraph written plainly and inside ``^[…]``: the same links and tags, on
    the same lines (a footnote's text is inline markdown, as in the body). Every line starts
    with a word: a blank line or a heading would end the paragraph, and the footnote."""
    plain = parse_note(("x " + "\n".join(lines)).encode("utf-8"), "n.md")
    wrapped = parse_note(("x ^[" + "\n".join(lines) + "]").encode("utf-8"), "n.md")
    assert [(link.raw, link.line) for link in wrapped.links] == [
        (link.raw, link.line) for link in plain.links
    ]
    assert [(tag.name, tag.line) for tag in wrapped.tag_mentions] == [
        (tag.name, tag.line) for tag in plain.tag_mentions
    ]
    assert_lines_within(wrapped)
