"""One marker grammar (issue 14): the parser and the write-back find the same regions in any note.

The parser hides a region's content from the dashboards; the write-back splices into it. If
they disagreed, vaultkit would write into text it reads as the user's (a marker pair inside an
indented code block or an HTML block was a region to the write-back only), or count its own
output as the user's tasks.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit import markers
from vaultkit.parse.note import parse_note
from vaultkit.writeback import regions as writeback
from vaultkit.writeback.regions import RegionContent, WriteStatus, splice_regions

LINES = [
    "%% vaultkit:begin a %%",
    "%% vaultkit:end a %%",
    "%% vaultkit:end a 0badc0de %%",
    "%% vaultkit:begin b %%",
    "%% vaultkit:end b %%",
    "%%vaultkit:begin a%%",
    "> %% vaultkit:begin a %%",
    "> %% vaultkit:end a %%",
    "> > %% vaultkit:end b %%",
    "  %% vaultkit:begin b %%",
    "    %% vaultkit:begin a %%",  # indented code
    "\t%% vaultkit:end a %%",
    "%% vaultkit:begin a 12345678 %%",  # a begin carries no hash: malformed
    "%% vaultkit:end a nothash %%",
    "%% vaultkit:begin %%",
    "text %% vaultkit:begin a %%",  # an inline comment: text
    "%% vaultkit:begin a %% text",
    "%%",
    "%% a comment %%",
    "%%\nvaultkit:begin a\n%%",
    "```",
    "~~~",
    "> ```",
    "    code",
    "<div>",
    "</div>",
    "<!-- html comment",
    "-->",
    "- a list item",
    "  - nested",
    "1. numbered",
    "> [!note] A callout",
    "> quoted",
    "# Heading",
    "---",
    "title: x",
    "| a | b |",
    "|---|---|",
    "plain words",
    "",
    "%% vaultkit:file Status 0badc0de %%",
]


@st.composite
def notes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.sampled_from(LINES), max_size=24))
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends, strict=False))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


def parser_regions(data: bytes) -> tuple[set[tuple[str, int, int]], list[int]]:
    note = parse_note(data, "Note.md")
    regions = {(s.name, s.line, s.end_line) for s in note.hidden if s.kind == "region"}
    problems = sorted(d.line for d in note.diagnostics if d.code.startswith("region-"))
    return regions, problems


def writeback_regions(data: bytes) -> tuple[set[tuple[str, int, int]], list[int]]:
    found, problems = writeback.locate_regions(data)
    regions = {(r.name.decode(), r.begin + 1, r.end + 1) for r in found}
    return regions, sorted(line for _, line in problems)


@given(notes())
def test_the_parser_and_the_write_back_find_the_same_regions(data: bytes) -> None:
    assert parser_regions(data) == writeback_regions(data)


@pytest.mark.parametrize(
    "lines",
    [
        ["Some code:", "", "    %% vaultkit:begin a %%", "    %% vaultkit:end a %%"],
        ["<div>", "%% vaultkit:begin a %%", "%% vaultkit:end a %%", "</div>"],
        ["```", "%% vaultkit:begin a %%", "%% vaultkit:end a %%", "```"],
        ["A paragraph %% vaultkit:begin a %%", "%% vaultkit:end a %% and more"],
    ],
    ids=["indented code", "html block", "fenced code", "inline comments"],
)
def test_a_marker_pair_that_markdown_reads_as_text_is_no_region(lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode()
    assert parser_regions(data)[0] == writeback_regions(data)[0] == set()
    out, outcomes = splice_regions(data, [RegionContent("a", "generated\n")])
    assert out is None  # never spliced into the user's code or HTML
    [(status, message, _)] = outcomes
    assert status is WriteStatus.ERROR and message.startswith("no region a in this note")


def test_the_grammar_and_the_hash_have_one_home() -> None:
    assert writeback.region_hash is markers.region_hash
    assert markers.MARKER_LINE.fullmatch("> %% vaultkit:end a 0badc0de %%")
    assert markers.FILE_HEADER_BYTES.fullmatch(b"%% vaultkit:file Status 0badc0de %%")
