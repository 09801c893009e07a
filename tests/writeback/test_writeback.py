"""Write-back (design section 8): regions are spliced without touching a byte outside them,
hand edits and concurrent saves are conflicts, writes are atomic, confined and only on change."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vaultkit.parse.regions import scan as scan_regions
from vaultkit.writeback import checked as checked_write
from vaultkit.writeback import temps
from vaultkit.writeback.apply import CHANGED_MESSAGE, apply
from vaultkit.writeback.plan import Planned, plan_file, plan_regions
from vaultkit.writeback.regions import (
    RegionContent,
    WriteStatus,
    eol_style,
    eol_style_of,
    first_line,
    normalise_region_text,
    region_hash,
    splice_regions,
    split_lines,
)

BOM = b"\xef\xbb\xbf"
NAME = "status"
BEGIN = b"%% vaultkit:begin status %%"
END = b"%% vaultkit:end status %%"


def region(text: str, name: str = NAME) -> list[RegionContent]:
    return [RegionContent(name, text)]


def note(*lines: str, eol: str = "\n") -> bytes:
    return "".join(line + eol for line in lines).encode()


def end_marker(text: str) -> str:
    return f"%% vaultkit:end {NAME} {region_hash(text)} %%"


def line_count(data: bytes) -> int:
    """Lines as Obsidian and markdown count them: CRLF, CR and LF each end one."""
    return data.count(b"\n") - data.count(b"\r\n") + data.count(b"\r")


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".vaultkit-tmp")]


# -- hypothesis: random notes around one region ------------------------------------------------


def _is_plain(line: str) -> bool:
    """Not a fence line and not marker-like: surrounding text must not change the structure."""
    stripped = line.lstrip(" \t>")
    return not (
        stripped.startswith(("```", "~~~")) or re.match(r"%%[ \t]*vaultkit:", stripped) is not None
    )


CHARS = st.characters(exclude_characters="\n", codec="utf-8")
TEXT_LINE = (
    st.lists(
        st.one_of(
            CHARS,
            st.sampled_from(
                ["%%", "%% note %%", "`", "~", "> ", "\u2028", "\x85", "\r", "é", "😀"]
            ),
            st.just("%% vaultkit:begin status %%"),  # inline, after other text: not a marker
        ),
        max_size=12,
    )
    .map("".join)
    .filter(_is_plain)
)
LOOKALIKES = [
    "%% vaultkit:begin status %%",
    "%% vaultkit:end status 0badc0de %%",
    "> %% vaultkit:end status %%",
    "%% vaultkit:begin alpha",
]


@st.composite
def fenced(draw: st.DrawFn, *, closed: bool = True) -> list[bytes]:
    """A fenced block whose inside holds marker look-alikes (which are code, not markers)."""
    fence = draw(st.sampled_from(["```", "~~~", "````", "> ```", "```python"]))
    inner = draw(st.lists(st.one_of(TEXT_LINE, st.sampled_from(LOOKALIKES)), max_size=4))
    closer = fence.split("python")[0]
    return [line.encode() for line in [fence, *inner, *([closer] if closed else [])]]


FOREIGN = [
    b"%% vaultkit:begin alpha %%",
    b"hand-edited text in a region nobody asked for",
    b"%% vaultkit:end alpha 12345678 %%",
]
CHUNK = st.one_of(
    TEXT_LINE.map(lambda line: [line.encode()]),
    st.sampled_from(
        [[b"caf\xe9 not utf-8"], [b"\xff\xfe"], [b""], [b"%%"], [b"---"], [b"```inline``` code"]]
    ),
    fenced(),
)
EOL = st.sampled_from([b"\n", b"\r\n"])


@dataclass(frozen=True)
class Doc:
    """A note whose ``status`` region sits between ``head`` and ``tail`` (both kept verbatim)."""

    head: bytes
    """Everything up to and including the begin marker line."""
    middle: bytes
    """The region's content lines and the end marker line without its ending."""
    tail: bytes
    """The end marker's line ending and everything after it."""
    prefix: bytes

    @property
    def data(self) -> bytes:
        return self.head + self.middle + self.tail


@st.composite
def docs(draw: st.DrawFn, *, eol: st.SearchStrategy[bytes] = EOL) -> Doc:
    def join(chunks: list[list[bytes]]) -> bytes:
        return b"".join(line + draw(eol) for chunk in chunks for line in chunk)

    # Not a tab or four spaces: markdown reads such a line as code, so no marker (see
    # test_markers.py); "  " is a marker indented under a list item, or merely indented.
    prefix = draw(st.sampled_from([b"", b"> ", b">", b"  ", b"> > "]))
    before = draw(st.lists(CHUNK, max_size=6))
    if draw(st.booleans()):
        before.insert(draw(st.integers(0, len(before))), FOREIGN)
    after = draw(st.lists(CHUNK, max_size=6))
    if draw(st.booleans()):
        after.append(draw(fenced(closed=False)))  # an unclosed fence after the region is fine
    bom = BOM if draw(st.booleans()) else b""
    head = bom + join(before) + prefix + BEGIN + draw(eol)
    tail_lines = join(after)
    if tail_lines and draw(st.booleans()):  # no final newline
        tail_lines = tail_lines.removesuffix(b"\n").removesuffix(b"\r")
        if not tail_lines:
            tail_lines = b"x"
    end_eol = draw(eol) if tail_lines or draw(st.booleans()) else b""
    doc = Doc(head, prefix + END, end_eol + tail_lines, prefix)
    # Only notes where markdown reads the two lines as the region's markers (random text before
    # them can open an HTML block that swallows them, as it would in Obsidian).
    begin = line_count(head)
    found, problems = scan_regions(doc.data)
    assume(not problems and any(r.name == NAME and r.begin == begin for r in found))
    return doc


REGION_TEXT = st.one_of(
    st.lists(TEXT_LINE, max_size=8).map("\n".join),
    st.lists(TEXT_LINE, max_size=8).map(lambda lines: "".join(x + "\n" for x in lines)),
    st.tuples(TEXT_LINE, st.sampled_from(LOOKALIKES)).map(
        lambda pair: f"{pair[0]}\n```\n{pair[1]}\n```\n"
    ),
)


def check_region(out: bytes, doc: Doc, text: str) -> None:
    """Outside bytes identical; the normalised text and its hash readable between the markers."""
    assert out.startswith(doc.head)
    assert out.endswith(doc.tail)
    middle = out[len(doc.head) : len(out) - len(doc.tail)]
    content, _, end_line = middle.rpartition(b"\n")
    expected = normalise_region_text(text)
    assert end_line == doc.prefix + f"%% vaultkit:end {NAME} {region_hash(expected)} %%".encode()
    recovered = []
    for line in content.split(b"\n") if middle.count(b"\n") else []:
        line = line.removesuffix(b"\r")
        if line.startswith(doc.prefix):
            recovered.append(line[len(doc.prefix) :])
        else:
            assert line == doc.prefix.rstrip()
            recovered.append(b"")
    assert b"".join(x + b"\n" for x in recovered) == expected.encode()


def refused(doc: Doc, text: str) -> bool:
    """Whether ``text`` is refused for breaking the markers (as it must be: a line of it is a
    marker, or it opens a comment, fence or HTML block that would hide the end marker); the
    note is then left alone."""
    out, outcomes = splice_regions(doc.data, region(text))
    if out is not None:
        return False
    [(status, message, line)] = outcomes
    assert status is WriteStatus.ERROR and "cannot be written because" in message, message
    assert line == line_count(doc.head)
    return True


@given(doc=docs(), first=REGION_TEXT, second=REGION_TEXT)
def test_splice_keeps_every_byte_outside_the_region(doc: Doc, first: str, second: str) -> None:
    if refused(doc, first):
        return
    out, outcomes = splice_regions(doc.data, region(first))
    assert out is not None, outcomes
    assert outcomes == [(WriteStatus.WRITTEN, "", line_count(doc.head))]
    check_region(out, doc, first)

    again, outcomes = splice_regions(out, region(first))
    assert again == out
    assert [status for status, _, _ in outcomes] == [WriteStatus.UNCHANGED]

    if refused(doc, second):
        return
    changed, outcomes = splice_regions(out, region(second))
    assert changed is not None
    check_region(changed, doc, second)
    expected = WriteStatus.WRITTEN if changed != out else WriteStatus.UNCHANGED
    assert [status for status, _, _ in outcomes] == [expected]


@given(doc=docs(eol=st.just(b"\r\n")), text=REGION_TEXT)
def test_a_crlf_note_stays_crlf(doc: Doc, text: str) -> None:
    out, _ = splice_regions(doc.data, region(text))
    if out is None:
        assert refused(doc, text)
        return
    assert out.count(b"\n") == out.count(b"\r\n")


@given(doc=docs(eol=st.just(b"\n")), text=REGION_TEXT)
def test_an_lf_note_gets_no_cr_added(doc: Doc, text: str) -> None:
    out, _ = splice_regions(doc.data, region(text))
    if out is None:
        assert refused(doc, text)
        return
    assert out.count(b"\r\n") == doc.data.count(b"\r\n")


# -- splicing: examples ------------------------------------------------------------------------


def test_fresh_region_is_filled_and_a_second_run_returns_the_same_bytes() -> None:
    data = note("# Title", "%% vaultkit:begin status %%", "%% vaultkit:end status %%", "tail")
    out, outcomes = splice_regions(data, region("- a\n- b"))
    h = region_hash("- a\n- b\n")
    assert out == note(
        "# Title", "%% vaultkit:begin status %%", "- a", "- b", f"%% vaultkit:end status {h} %%"
    ) + note("tail")
    assert outcomes == [(WriteStatus.WRITTEN, "", 2)]
    again, outcomes = splice_regions(out, region("- a\n- b\n"))
    assert again is out
    assert outcomes == [(WriteStatus.UNCHANGED, "", 2)]


def test_region_hash_is_sha256_prefix_with_lf_endings() -> None:
    assert region_hash("") == "e3b0c442"
    assert region_hash("a\r\nb\n") == region_hash("a\nb\n")
    assert re.fullmatch(r"[0-9a-f]{8}", region_hash("é"))


def test_crlf_bom_and_missing_final_newline_are_kept() -> None:
    data = BOM + b"top\r\n%% vaultkit:begin status %%\r\n%% vaultkit:end status %%"
    out, _ = splice_regions(data, region("x\n"))
    assert out == (
        BOM
        + b"top\r\n%% vaultkit:begin status %%\r\nx\r\n%% vaultkit:end status "
        + region_hash("x\n").encode()
        + b" %%"
    )


def test_callout_prefix_is_repeated_on_every_generated_line() -> None:
    data = note("> [!info] Status", "> %% vaultkit:begin status %%", "> %% vaultkit:end status %%")
    out, _ = splice_regions(data, region("| a |\n\n| b |\n"))
    h = region_hash("| a |\n\n| b |\n")
    assert out == note(
        "> [!info] Status",
        "> %% vaultkit:begin status %%",
        "> | a |",
        ">",
        "> | b |",
        f"> %% vaultkit:end status {h} %%",
    )
    assert splice_regions(out, region("| a |\n\n| b |\n"))[0] is out


def test_removing_the_callout_prefix_from_a_line_is_a_hand_edit() -> None:
    out, _ = splice_regions(
        note("> %% vaultkit:begin status %%", "> %% vaultkit:end status %%"), region("x")
    )
    assert out is not None
    edited = out.replace(b"> x", b"x")
    again, outcomes = splice_regions(edited, region("x"))
    assert again == edited
    assert outcomes[0][0] is WriteStatus.CONFLICT


def test_hand_edit_is_a_conflict_unless_forced() -> None:
    out, _ = splice_regions(note(BEGIN.decode(), END.decode()), region("generated\n"))
    assert out is not None
    edited = out.replace(b"generated", b"my own words")
    kept, outcomes = splice_regions(edited, region("new\n"))
    assert kept == edited
    [(status, message, line)] = outcomes
    assert status is WriteStatus.CONFLICT
    assert line == 1
    assert "edited by hand" in message and "--force" in message

    forced, outcomes = splice_regions(edited, region("new\n"), force=True)
    assert forced == note(BEGIN.decode(), "new", end_marker("new\n"))
    assert outcomes[0][0] is WriteStatus.WRITTEN


def test_hand_edit_that_matches_the_new_text_is_not_a_conflict() -> None:
    data = note(BEGIN.decode(), "new", "%% vaultkit:end status 00000000 %%")
    out, outcomes = splice_regions(data, region("new\n"))
    assert out == note(BEGIN.decode(), "new", end_marker("new\n"))
    assert outcomes[0][0] is WriteStatus.WRITTEN


def test_hashless_region_with_user_text_is_not_overwritten() -> None:
    data = note(BEGIN.decode(), "a paragraph the user typed", END.decode())
    out, outcomes = splice_regions(data, region("generated"))
    assert out == data
    assert outcomes[0][0] is WriteStatus.CONFLICT
    blank = note(BEGIN.decode(), "", "  ", END.decode())
    out, outcomes = splice_regions(blank, region("generated"))
    assert out == note(BEGIN.decode(), "generated", end_marker("generated\n"))


def test_emptied_region_is_refilled_despite_its_stale_hash() -> None:
    data = note("> %% vaultkit:begin status %%", "", "> %% vaultkit:end status 0badc0de %%")
    out, outcomes = splice_regions(data, region("x"))
    assert out == note("> %% vaultkit:begin status %%", "> x", "> " + end_marker("x\n"))
    assert outcomes[0][0] is WriteStatus.WRITTEN


def test_regions_not_requested_are_left_alone_even_when_edited() -> None:
    data = note(
        "%% vaultkit:begin other %%",
        "edited",
        "%% vaultkit:end other 00000000 %%",
        BEGIN.decode(),
        END.decode(),
    )
    out, outcomes = splice_regions(data, region("x"))
    assert out is not None
    assert out.startswith(note("%% vaultkit:begin other %%", "edited"))
    assert [status for status, _, _ in outcomes] == [WriteStatus.WRITTEN]


def test_markers_inside_fenced_code_are_text() -> None:
    data = note(
        "```markdown",
        BEGIN.decode(),
        "```",
        "~~~",
        END.decode(),
        "~~~",
        BEGIN.decode(),
        END.decode(),
    )
    out, outcomes = splice_regions(data, region("x"))
    assert out is not None
    assert out.startswith(note("```markdown", BEGIN.decode(), "```", "~~~", END.decode(), "~~~"))
    assert outcomes[0][2] == 7


def test_inline_code_with_three_backticks_opens_no_fence() -> None:
    data = note("```inline``` code", BEGIN.decode(), END.decode())
    out, outcomes = splice_regions(data, region("x"))
    assert out is not None and outcomes[0][0] is WriteStatus.WRITTEN


def test_stray_carriage_returns_at_line_ends_are_dropped_so_the_text_reads_back() -> None:
    assert normalise_region_text("a\r\r\nb\r") == "a\nb\n"
    out, _ = splice_regions(note(BEGIN.decode(), END.decode()), region("\r\r"))
    assert out == note(BEGIN.decode(), "", end_marker("\n"))
    assert splice_regions(out, region("\r\r"))[0] is out


def test_generated_text_may_show_markers_inside_a_fence() -> None:
    text = f"```\n{BEGIN.decode()}\n{END.decode()}\n```\n"
    out, _ = splice_regions(note(BEGIN.decode(), END.decode()), region(text))
    assert out is not None
    assert splice_regions(out, region(text))[0] is out


@pytest.mark.parametrize(
    ("text", "reason"),
    [("a\n%% vaultkit:end status %%\n", "marker"), ("```\nunclosed\n", "code fence open")],
)
def test_generated_text_that_would_break_the_markers_is_an_error(text: str, reason: str) -> None:
    out, outcomes = splice_regions(note(BEGIN.decode(), END.decode()), region(text))
    assert out is None
    [(status, message, line)] = outcomes
    assert status is WriteStatus.ERROR and reason in message and line == 1


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["%% vaultkit:begin status %%", END.decode(), "x", BEGIN.decode(), END.decode()],
            [("appears twice (lines 1 and 4)", 4)],
        ),
        (
            [
                BEGIN.decode(),
                "%% vaultkit:begin inner %%",
                "%% vaultkit:end inner %%",
                END.decode(),
            ],
            [("begins on line 2 inside region 'status'", 2), ("on line 3 has no matching", 3)],
        ),
        (["x", BEGIN.decode(), "y"], [("begun on line 2 has no end marker", 2)]),
        ([END.decode(), BEGIN.decode(), END.decode()], [("on line 1 has no matching begin", 1)]),
        (
            [BEGIN.decode(), "%% vaultkit:end status nothash %%"],
            [
                ("line 2 looks like", 2),
                ("begun on line 1 has no end marker", 1),
            ],
        ),
        ([BEGIN.decode(), "```", END.decode()], [("has no end marker (or a code fence", 1)]),
    ],
    ids=["duplicated", "nested", "unclosed", "end-first", "malformed", "fence-hides-end"],
)
def test_broken_markers_leave_the_note_alone(
    lines: list[str], expected: list[tuple[str, int]]
) -> None:
    out, outcomes = splice_regions(note(*lines), region("x"))
    assert out is None
    assert all(status is WriteStatus.ERROR for status, _, _ in outcomes)
    assert [line for _, _, line in outcomes] == [line for _, line in expected]
    for (_, message, _), (fragment, _) in zip(outcomes, expected, strict=True):
        assert fragment in message


def test_missing_region_is_an_error_saying_what_to_add() -> None:
    data = note("just a note")
    out, outcomes = splice_regions(data, region("x"))
    assert out is None
    [(status, message, line)] = outcomes
    assert status is WriteStatus.ERROR and line is None
    assert message.startswith(
        "no region status in this note; add the two marker lines where it should go"
    )


def test_a_missing_region_stops_the_others_too() -> None:
    data = note(BEGIN.decode(), END.decode())
    out, _ = splice_regions(data, [RegionContent(NAME, "x"), RegionContent("gone", "y")])
    assert out is None


@pytest.mark.parametrize("names", [["has space"], ["a%b"], [""], ["same", "same"]])
def test_unwritable_or_repeated_names_are_a_caller_bug(names: list[str]) -> None:
    with pytest.raises(ValueError):
        splice_regions(b"", [RegionContent(name, "") for name in names])


# -- plan_regions ------------------------------------------------------------------------------


def test_plan_regions_updates_others_around_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(
        note(
            "%% vaultkit:begin a %%",
            "mine",
            "%% vaultkit:end a 00000000 %%",
            "%% vaultkit:begin b %%",
            "%% vaultkit:end b %%",
        )
    )
    planned = plan_regions(path, [RegionContent("a", "x"), RegionContent("b", "y")])
    assert planned.status is WriteStatus.CONFLICT
    assert planned.line == 1 and "region a" in planned.message
    assert planned.new is not None and b"\nmine\n" in planned.new and b"\ny\n" in planned.new
    assert apply(planned, vault=tmp_path).status is WriteStatus.CONFLICT
    assert path.read_bytes() == planned.new


def test_plan_regions_unchanged_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    first = apply(plan_regions(path, region("x")), vault=tmp_path)
    assert first.status is WriteStatus.WRITTEN
    second = plan_regions(path, region("x"))
    assert second.status is WriteStatus.UNCHANGED and second.new is None
    path.write_bytes(note(BEGIN.decode(), BEGIN.decode()))
    broken = plan_regions(path, region("x"))
    assert broken.status is WriteStatus.ERROR and broken.new is None and broken.line == 2
    missing = plan_regions(tmp_path / "Gone.md", region("x"))
    assert missing.status is WriteStatus.ERROR and "does not exist" in missing.message


# -- plan_file ---------------------------------------------------------------------------------


LINE_BYTES = st.lists(
    st.sampled_from([b"a", b"---", b" ", b"\r", b"\n", b"\r\n", b"%% vaultkit:file x 0 %%"]),
    max_size=12,
).map(b"".join)


@given(body=LINE_BYTES, fallback=st.sampled_from([b"", b"\n", b"\r\n"]))
def test_first_line_and_line_ending_style_match_the_split_lines(
    body: bytes, fallback: bytes
) -> None:
    # A generated dashboard can be a megabyte: these read it without splitting every line.
    lines = split_lines(body)
    assert first_line(body) == (lines[0] if lines else None)
    assert eol_style_of(body, fallback) == eol_style(lines, fallback)


@given(text=st.lists(st.sampled_from(["---", "a: 1", "x", "", " ---", "%%"]), max_size=6))
def test_a_generated_file_reads_back_what_was_written_with_or_without_front_matter(
    tmp_path_factory: pytest.TempPathFactory, text: list[str]
) -> None:
    path = tmp_path_factory.mktemp("gen") / "Gen.md"
    body = "\n".join(text) + "\n"
    apply(plan_file(path, body), vault=path.parent)
    assert plan_file(path, body).status is WriteStatus.UNCHANGED
    assert plan_file(path, body + "more\n").status is WriteStatus.WRITTEN


def test_new_generated_file_is_created_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "Dashboards" / "Link health.md"
    planned = plan_file(path, "# Links\n")
    assert planned.status is WriteStatus.CREATED and planned.old is None
    done = apply(planned, vault=tmp_path)
    assert done.status is WriteStatus.CREATED
    data = path.read_bytes()
    header = f"%% vaultkit:file Link health {region_hash('# Links' + chr(10))} %%"
    assert data == (header + "\n# Links\n").encode()
    assert temp_files(tmp_path) == []


def test_unchanged_generated_file_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    apply(plan_file(path, "body\n"), vault=tmp_path)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    planned = plan_file(path, "body\n")
    assert planned.status is WriteStatus.UNCHANGED and planned.new is None
    assert apply(planned, vault=tmp_path) is planned
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_generated_file_converted_to_crlf_with_bom_stays_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    apply(plan_file(path, "a\nb\n"), vault=tmp_path)
    path.write_bytes(BOM + path.read_bytes().replace(b"\n", b"\r\n"))
    assert plan_file(path, "a\nb\n").status is WriteStatus.UNCHANGED
    planned = plan_file(path, "a\nc\n")
    assert planned.status is WriteStatus.WRITTEN
    assert planned.new is not None and planned.new.startswith(BOM)
    assert planned.new.count(b"\n") == planned.new.count(b"\r\n")


def test_front_matter_stays_first_in_a_generated_file(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    text = "---\ncssclasses: wide\n---\n# Status\n"
    apply(plan_file(path, text), vault=tmp_path)
    lines = path.read_text().split("\n")
    assert lines[:3] == ["---", "cssclasses: wide", "---"]
    assert lines[3] == f"%% vaultkit:file Status {region_hash(text)} %%"
    assert plan_file(path, text).status is WriteStatus.UNCHANGED
    path.write_text(path.read_text().replace("wide", "narrow"))
    assert plan_file(path, text).status is WriteStatus.CONFLICT


def test_hand_edited_generated_file_is_a_conflict_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    apply(plan_file(path, "generated\n"), vault=tmp_path)
    edited = path.read_bytes() + b"my note\n"
    path.write_bytes(edited)
    planned = plan_file(path, "regenerated\n")
    assert planned.status is WriteStatus.CONFLICT and planned.new is None
    assert "edited by hand" in planned.message
    assert apply(planned, vault=tmp_path) is planned
    assert path.read_bytes() == edited
    forced = plan_file(path, "regenerated\n", force=True)
    assert forced.status is WriteStatus.WRITTEN
    apply(forced, vault=tmp_path)
    assert path.read_bytes().endswith(b"\nregenerated\n")


@pytest.mark.parametrize("force", [False, True])
def test_a_users_own_note_at_the_target_is_never_overwritten(tmp_path: Path, force: bool) -> None:
    path = tmp_path / "Status.md"
    path.write_bytes(b"# My status page\n")
    planned = plan_file(path, "generated\n", force=force)
    assert planned.status is WriteStatus.CONFLICT and planned.new is None
    assert "note of yours" in planned.message
    apply(planned, vault=tmp_path)
    assert path.read_bytes() == b"# My status page\n"


# -- apply -------------------------------------------------------------------------------------


def test_concurrent_save_between_plan_and_apply_wins(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    planned = plan_regions(path, region("x"))
    path.write_bytes(note("typed in Obsidian", BEGIN.decode(), END.decode()))
    done = apply(planned, vault=tmp_path)
    assert done.status is WriteStatus.CONFLICT and done.message == CHANGED_MESSAGE
    assert done.new is None
    assert path.read_bytes() == note("typed in Obsidian", BEGIN.decode(), END.decode())


def test_file_created_between_plan_and_apply_wins(tmp_path: Path) -> None:
    path = tmp_path / "Status.md"
    planned = plan_file(path, "generated\n")
    path.write_bytes(b"mine\n")
    assert apply(planned, vault=tmp_path).status is WriteStatus.CONFLICT
    assert path.read_bytes() == b"mine\n"


def test_save_during_the_write_is_caught_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    planned = plan_regions(path, region("x"))
    real_fsync = os.fsync

    def fsync_while_obsidian_saves(fd: int) -> None:
        path.write_bytes(b"saved meanwhile\n")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_while_obsidian_saves)
    done = apply(planned, vault=tmp_path)
    assert done.status is WriteStatus.CONFLICT and done.message == CHANGED_MESSAGE
    assert path.read_bytes() == b"saved meanwhile\n"
    assert temp_files(tmp_path) == []


def test_permissions_are_preserved(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    path.chmod(0o640)
    assert apply(plan_regions(path, region("x")), vault=tmp_path).status is WriteStatus.WRITTEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert b"\nx\n" in path.read_bytes()
    assert temp_files(tmp_path) == []


def test_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "New.md"
    apply(plan_file(path, "x\n"), vault=tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_read_only_note_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    planned = plan_regions(path, region("x"))
    path.chmod(0o444)
    if os.name == "posix" and os.geteuid() == 0:
        # access() grants root everything; answer as it would for the note's owner.
        monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    done = apply(planned, vault=tmp_path)
    assert done.status is WriteStatus.ERROR and "read-only" in done.message
    assert path.read_bytes() == planned.old


@pytest.mark.parametrize(
    ("module", "failing"),
    [(checked_write, "exchange"), (os, "fsync"), (os, "write"), (os, "fchmod")],
)
def test_os_failure_leaves_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, failing: str
) -> None:
    path = tmp_path / "Note.md"
    original = note(BEGIN.decode(), END.decode())
    path.write_bytes(original)
    planned = plan_regions(path, region("x"))

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(module, failing, disk_full)
    done = apply(planned, vault=tmp_path)
    monkeypatch.undo()
    assert done.status is WriteStatus.ERROR
    assert "Note.md" in done.message and os.strerror(errno.ENOSPC) in done.message
    assert path.read_bytes() == original
    assert temp_files(tmp_path) == []


def test_failure_creating_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checked_write, "rename_new", disk_full)
    done = apply(plan_file(tmp_path / "New.md", "x\n"), vault=tmp_path)
    assert done.status is WriteStatus.ERROR
    assert list(tmp_path.iterdir()) == []


def test_symlink_leaving_the_vault_is_refused(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    outside = tmp_path / "outside.md"
    vault.mkdir()
    outside.write_bytes(note(BEGIN.decode(), END.decode()))
    link = vault / "Link.md"
    link.symlink_to(outside)
    planned = plan_regions(link, region("x"))
    done = apply(planned, vault=vault)
    assert done.status is WriteStatus.ERROR and "outside the vault" in done.message
    assert outside.read_bytes() == note(BEGIN.decode(), END.decode())
    (vault / "dir").symlink_to(tmp_path)
    for planned in (plan_file(vault / "dir" / "x.md", "x"), plan_file(Path("../escape.md"), "x")):
        done = apply(planned, vault=vault)
        assert done.status is WriteStatus.ERROR and "outside the vault" in done.message
    assert not (tmp_path / "x.md").exists() and not (tmp_path / "escape.md").exists()


def test_symlink_inside_the_vault_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "Real.md"
    real.write_bytes(note(BEGIN.decode(), END.decode()))
    link = tmp_path / "Link.md"
    link.symlink_to(real)
    assert apply(plan_regions(link, region("x")), vault=tmp_path).status is WriteStatus.WRITTEN
    assert link.is_symlink()
    assert b"\nx\n" in real.read_bytes()


def test_backup_holds_the_old_bytes(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    path = vault / "Projects" / "Note.md"
    path.parent.mkdir(parents=True)
    original = note(BEGIN.decode(), "mine", "%% vaultkit:end status 00000000 %%")
    path.write_bytes(original)
    backups = tmp_path / "backups"
    planned = plan_regions(path, region("x"), force=True)
    assert apply(planned, vault=vault, backup_dir=backups).status is WriteStatus.WRITTEN
    [saved] = list(backups.rglob("*.bak"))
    assert saved.parent == backups / "Projects"
    assert re.fullmatch(r"Note\.md\.\d{8}T\d{12}Z\.bak", saved.name)
    assert saved.read_bytes() == original
    assert apply(plan_file(vault / "New.md", "x"), vault=vault, backup_dir=backups).status == (
        WriteStatus.CREATED
    )
    assert len(list(backups.rglob("*.bak"))) == 1  # nothing to back up for a new file


def test_backup_failure_means_no_write(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    path.write_bytes(note(BEGIN.decode(), END.decode()))
    blocker = tmp_path / "backups"
    blocker.write_bytes(b"a file, not a folder")
    done = apply(plan_regions(path, region("x")), vault=tmp_path, backup_dir=blocker)
    assert done.status is WriteStatus.ERROR and "backup" in done.message
    assert path.read_bytes() == note(BEGIN.decode(), END.decode())


@pytest.mark.parametrize(
    "make",
    [
        lambda p: Planned(p, None, None, WriteStatus.UNCHANGED),
        lambda p: Planned(p, b"x", b"y", WriteStatus.ERROR, "bad"),
    ],
)
def test_apply_does_nothing_without_bytes_to_write(
    tmp_path: Path, make: Callable[[Path], Planned]
) -> None:
    planned = make(tmp_path / "Note.md")
    assert apply(planned, vault=tmp_path) is planned
    assert list(tmp_path.iterdir()) == []


def test_temp_files_are_hidden_from_obsidian() -> None:
    assert temps.TEMP_SUFFIX == ".vaultkit-tmp"


def test_temp_files_left_by_a_crash_are_cleared_and_the_users_text_kept(tmp_path: Path) -> None:
    path = tmp_path / "Note.md"
    original = note("mine", BEGIN.decode(), END.decode())
    path.write_bytes(original)
    # What a vaultkit killed mid-write leaves: its own new bytes before the exchange, or the
    # note it displaced after it. Both differ from the note only inside the region.
    ours = tmp_path / ".Note.0a1b2c3d.vaultkit-tmp"
    ours.write_bytes(note("mine", BEGIN.decode(), "old output", end_marker("old output\n")))
    displaced = tmp_path / ".Note.1a1b2c3d.vaultkit-tmp"
    displaced.write_bytes(original)
    # A displaced note holding a save the note lacks is the user's text: never deleted.
    typed = note("mine", "typed just before the crash", BEGIN.decode(), END.decode())
    (tmp_path / ".Note.2a1b2c3d.vaultkit-tmp").write_bytes(typed)
    other = tmp_path / ".Note.md.0a1b2c3d.vaultkit-tmp"  # another note's: not ours to delete
    other.write_bytes(b"half")
    done = apply(plan_regions(path, region("x")), vault=tmp_path)
    assert done.status is WriteStatus.WRITTEN
    assert "vaultkit's conflicted copy" in done.message
    assert temp_files(tmp_path) == [other]
    [copy] = [p for p in tmp_path.iterdir() if "conflicted copy" in p.name]
    assert copy.read_bytes() == typed and copy.name in done.message


def test_a_save_renamed_over_the_note_before_the_check_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "Note.md"
    original = note(BEGIN.decode(), END.decode())
    path.write_bytes(original)
    planned = plan_regions(path, region("x"))
    real_fstat = os.fstat
    raced: list[bool] = []

    def editor_renames_a_save_over_the_note(fd: int) -> os.stat_result:
        # A temp-file-and-rename save lands just after vaultkit opened the note to check it:
        # the descriptor still shows the old bytes, the path holds the new note.
        if not raced and real_fstat(fd).st_size == len(original):
            raced.append(True)
            swap = tmp_path / ".Note.md.swp"
            swap.write_bytes(b"saved by rename\n")
            os.replace(swap, path)
        return real_fstat(fd)

    monkeypatch.setattr(os, "fstat", editor_renames_a_save_over_the_note)
    done = apply(planned, vault=tmp_path)
    monkeypatch.undo()
    assert raced and done.status is WriteStatus.CONFLICT
    assert path.read_bytes() == b"saved by rename\n"


def test_text_that_would_change_how_the_note_reads_is_refused() -> None:
    """A note opening front matter it never closes: a '---' line in the region's text would
    close it, swallowing the begin marker (and, in Obsidian, showing the note's start as
    properties). Found by the write-back fuzz test."""
    data = b"---\n%% vaultkit:begin r %%\n%% vaultkit:end r %%\n"
    new, outcomes = splice_regions(data, [RegionContent("r", "\n---\n\n")])
    assert new is None
    [(status, message, line)] = outcomes
    assert status is WriteStatus.ERROR and line == 2
    assert "would change how the note around it reads" in message
    # Text that leaves the note reading as it did is written as usual.
    new, outcomes = splice_regions(data, [RegionContent("r", "\nplain\n\n")])
    assert new is not None and outcomes[0][0] is WriteStatus.WRITTEN
