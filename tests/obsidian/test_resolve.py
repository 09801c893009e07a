"""Tests for vaultkit.obsidian.resolve: Obsidian's link resolution, anchors, alias hints.

Each rule of design section 5 has a fixture here. Rules that are observed rather than
documented (the tie-break, the loose heading match) name their source next to the test.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.obsidian.resolve import (
    HEADING_STRIPPED,
    AliasIndex,
    AnchorStatus,
    LinkResolver,
    alias_hint,
    anchor_status,
    check_anchor,
    file_keys_deciding,
    file_name_key,
    find_heading,
    heading_key,
    link_name_keys,
    link_target_key,
    normalize_heading,
    strip_heading,
)
from vaultkit.parse.note import parse_note


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# -- same name in several folders: the tie-break ------------------------------------------
# Observed on Obsidian 1.13.7 via metadataCache.getFirstLinkpathDest, not documented:
# pvliesdonk/markdown-vault-mcp PR #1380 / issue #1358.

TIE_VAULT = [
    "Note.md",
    "a/Note.md",
    "x/a/Note.md",
    "b/Note.md",
    "zzzz/deep/src.md",
    "zzzz/Other.md",
    "a/b/Other.md",
    "zzzz/deep/Local.md",
    "a/Local.md",
    "c/Twin.md",
    "b/Twin.md",
]


@pytest.fixture(params=[False, True], ids=["listed", "reversed"])
def tie(request: pytest.FixtureRequest) -> LinkResolver:
    # The answer must not depend on the order the scan listed the files in.
    paths = list(reversed(TIE_VAULT)) if request.param else TIE_VAULT
    return LinkResolver(paths)


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        # 1) An exact vault path wins, even over a match beside the linking note.
        ("Note", "zzzz/deep/src.md", "Note.md"),
        ("Note", "b/src.md", "Note.md"),
        ("a/Note", "x/src.md", "a/Note.md"),
        ("a/Note", "x/a/src.md", "a/Note.md"),
        # 2) Else the linking note's own folder ...
        ("Local", "zzzz/deep/src.md", "zzzz/deep/Local.md"),
        # ... but not its parent folders: zzzz/Other.md is beside the parent, and loses.
        ("Other", "zzzz/deep/src.md", "a/b/Other.md"),
        # 3) Else the shortest path string, not the fewest segments:
        # a/b/Other.md (12 chars, 3 segments) beats zzzz/Other.md (13 chars, 2 segments).
        ("Other", "src.md", "a/b/Other.md"),
        ("Local", "src.md", "a/Local.md"),
        # Equal length: plain string order, for determinism.
        ("Twin", "src.md", "b/Twin.md"),
        ("Twin", "c/src.md", "c/Twin.md"),
    ],
)
def test_tie_break(tie: LinkResolver, target: str, source: str, expected: str) -> None:
    assert tie.resolve(target, source) == expected


def test_unique_name_resolves_from_anywhere() -> None:
    r = LinkResolver(["deep/down/Only.md", "elsewhere/src.md"])
    assert r.resolve("Only", "elsewhere/src.md") == "deep/down/Only.md"
    assert r.resolve("Only", "src.md") == "deep/down/Only.md"


# -- case and the .md extension ------------------------------------------------------------

CASE_VAULT = ["Log.md", "Ext.md", "notes/Upper.MD", "Projects/Plan.md"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("log", "Log.md"),
        ("LOG", "Log.md"),
        ("Log.md", "Log.md"),
        ("Ext.MD", "Ext.md"),
        ("ext.Md", "Ext.md"),
        ("Upper", "notes/Upper.MD"),
        ("upper.md", "notes/Upper.MD"),
        ("projects/plan", "Projects/Plan.md"),
        ("PROJECTS/Plan.md", "Projects/Plan.md"),
    ],
)
def test_case_and_md_extension(target: str, expected: str) -> None:
    assert LinkResolver(CASE_VAULT).resolve(target, "src.md") == expected


def test_name_md_is_the_same_as_name_also_in_the_tie_break() -> None:
    r = LinkResolver(TIE_VAULT)
    for source in ("src.md", "zzzz/deep/src.md", "c/src.md"):
        for name in ("Note", "Other", "Local", "Twin", "a/Note"):
            assert r.resolve(name + ".md", source) == r.resolve(name, source)


def test_case_only_duplicates_prefer_the_spelling_used() -> None:
    # Possible only on case-sensitive file systems; Obsidian can't hold both.
    r = LinkResolver(["Dup.md", "dup.md"])
    assert r.resolve("Dup", "src.md") == "Dup.md"
    assert r.resolve("dup", "src.md") == "dup.md"
    assert r.resolve("DUP", "src.md") in {"Dup.md", "dup.md"}


# -- attachments and other extensions ------------------------------------------------------

PASTED = "Attachments/Pasted image 20241111143542.png"
ATTACH_VAULT = [
    PASTED,
    "docs/Doc.pdf",
    "Board.canvas",
    "wiki/meta/dashboard.md",
    "wiki/meta/dashboard.base",
    "v1.2 notes.md",
    "People/Mr. Smith.md",
    "scans/report.PDF",
    "LICENSE",
]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Pasted image 20241111143542.png", PASTED),
        ("pasted IMAGE 20241111143542.PNG", PASTED),
        (
            "Attachments/Pasted image 20241111143542.png",
            "Attachments/Pasted image 20241111143542.png",
        ),
        ("Doc.pdf", "docs/Doc.pdf"),
        ("report.pdf", "scans/report.PDF"),
        ("Board.canvas", "Board.canvas"),
        # .canvas and .base are not addressable by stem; a same-named note takes the bare
        # name (claude-obsidian#163).
        ("Board", None),
        ("dashboard", "wiki/meta/dashboard.md"),
        ("dashboard.base", "wiki/meta/dashboard.base"),
        # A dot that is no extension: still the note.
        ("v1.2 notes", "v1.2 notes.md"),
        ("Mr. Smith", "People/Mr. Smith.md"),
        ("Mr. Smith.md", "People/Mr. Smith.md"),
        # A file without any extension is reached by its full name.
        ("LICENSE", "LICENSE"),
        # The attachment's name without its extension is not a link to it.
        ("Pasted image 20241111143542", None),
        ("Doc", None),
    ],
)
def test_attachments_and_extensions(target: str, expected: str | None) -> None:
    assert LinkResolver(ATTACH_VAULT).resolve(target, "src.md") == expected


def test_attachment_tie_break_follows_the_same_rules() -> None:
    r = LinkResolver(["img/a.png", "x/img/a.png", "notes/a.png", "a.png.md"])
    # An exact vault path wins across readings: a.png.md is the exact path of "a.png"+".md".
    assert r.resolve("a.png", "notes/src.md") == "a.png.md"
    r = LinkResolver(["img/a.png", "x/img/a.png", "notes/a.png"])
    assert r.resolve("a.png", "notes/src.md") == "notes/a.png"
    assert r.resolve("a.png", "src.md") == "img/a.png"
    assert r.resolve("x/img/a.png", "src.md") == "x/img/a.png"


# -- path forms ----------------------------------------------------------------------------

PATH_VAULT = ["a/b/Name.md", "ab/Name2.md", "zz/ab/Name2.md", "deep/er/Name3.md", "Root.md"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("b/Name", "a/b/Name.md"),  # a partial path
        ("a/b/Name", "a/b/Name.md"),
        ("A/B/name.MD", "a/b/Name.md"),
        ("b/Name.md", "a/b/Name.md"),
        ("Name", "a/b/Name.md"),
        # Partial paths match whole segments only: "b/Name2" is not the tail of "ab/Name2".
        ("b/Name2", None),
        ("ab/Name2", "ab/Name2.md"),
        ("er/Name3", "deep/er/Name3.md"),
        ("r/Name3", None),
        ("x/b/Name", None),
        # A leading slash anchors the path at the vault root.
        ("/Root", "Root.md"),
        ("/Root.md", "Root.md"),
        ("/a/b/Name", "a/b/Name.md"),
        ("/b/Name", None),
        ("/Name", None),
        # Doubled and trailing slashes collapse, as in Obsidian's path normalisation.
        ("a//b/Name", "a/b/Name.md"),
        ("/", None),
        ("//", None),
    ],
)
def test_path_forms(target: str, expected: str | None) -> None:
    assert LinkResolver(PATH_VAULT).resolve(target, "src.md") == expected


# -- markdown links and relative paths -----------------------------------------------------

REL_VAULT = [
    "Other Note.md",
    "a/Other Note.md",
    "a/sub/Deep.md",
    "b/Sibling.md",
    "z/My Note.md",
    "x/outside.md",
    "Note.md",
]


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        # Relative to the linking note's folder first ...
        ("Other Note.md", "a/src.md", "a/Other Note.md"),
        ("sub/Deep.md", "a/src.md", "a/sub/Deep.md"),
        ("./sub/Deep.md", "a/src.md", "a/sub/Deep.md"),
        ("../Other Note.md", "a/src.md", "Other Note.md"),
        ("../../b/Sibling.md", "a/sub/src.md", "b/Sibling.md"),
        # a/b/Sibling.md doesn't exist: vault-wide, "b/Sibling.md" still names b/Sibling.md.
        ("../b/Sibling.md", "a/sub/src.md", "b/Sibling.md"),
        ("sub/../Other Note.md", "a/src.md", "a/Other Note.md"),
        # ... markdown links may leave out ".md" ...
        ("sub/Deep", "a/src.md", "a/sub/Deep.md"),
        # ... then the wikilink rules vault-wide (a decoded [y](My%20Note.md)).
        ("My Note.md", "a/src.md", "z/My Note.md"),
        ("Sibling.md", "a/sub/src.md", "b/Sibling.md"),
        ("/Other Note.md", "a/src.md", "Other Note.md"),
        ("", "a/src.md", "a/src.md"),
    ],
)
def test_markdown_links(target: str, source: str, expected: str | None) -> None:
    assert LinkResolver(REL_VAULT).resolve(target, source, markdown=True) == expected


def test_relative_first_only_for_markdown_links() -> None:
    r = LinkResolver(REL_VAULT)
    # A wikilink's exact vault path wins; a markdown link's relative path wins.
    assert r.resolve("Other Note", "a/src.md") == "Other Note.md"
    assert r.resolve("Other Note.md", "a/src.md", markdown=True) == "a/Other Note.md"


def test_wikilinks_written_relative() -> None:
    # With "New link format: relative", Obsidian writes wikilinks such as [[../b/Sibling]].
    r = LinkResolver(REL_VAULT)
    assert r.resolve("../b/Sibling", "a/src.md") == "b/Sibling.md"
    assert r.resolve("./Other Note", "a/src.md") == "a/Other Note.md"


@pytest.mark.parametrize("markdown", [False, True])
def test_vault_escape_falls_back_to_name_lookup(markdown: bool) -> None:
    r = LinkResolver(REL_VAULT)
    # Climbing above the vault root is never a path outside the vault; the name is looked
    # up vault-wide instead.
    assert r.resolve("../../outside.md", "a/src.md", markdown=markdown) == "x/outside.md"
    assert r.resolve("../../../../outside.md", "src.md", markdown=markdown) == "x/outside.md"
    assert r.resolve("../../missing.md", "a/src.md", markdown=markdown) is None
    assert r.resolve("../../../etc/passwd", "a/src.md", markdown=markdown) is None
    # The root itself is not a file.
    assert r.resolve("..", "a/src.md", markdown=markdown) is None


def test_empty_target_is_the_source_note() -> None:
    r = LinkResolver(REL_VAULT)
    assert r.resolve("", "a/Other Note.md") == "a/Other Note.md"
    # A source the resolver does not list (e.g. one being parsed) is still itself.
    assert r.resolve("", "new/Note.md") == "new/Note.md"
    assert r.resolve("", nfd("Café.md")) == "Café.md"


# -- aliases --------------------------------------------------------------------------------

ALIASES = {
    "People/Ada Lovelace.md": ["Ada", "Countess of Lovelace"],
    "Projects/Engine.md": ["Analytical Engine", "AE"],
    "Archive/Old Engine.md": ["AE"],
    "Empty.md": [],
}


def test_aliases_do_not_resolve_links() -> None:
    # Obsidian leaves a hand-typed [[Alias]] unresolved (obsidian-facts section 2).
    r = LinkResolver(ALIASES)
    assert r.resolve("Ada", "src.md") is None
    assert r.resolve("Analytical Engine", "src.md") is None
    assert r.resolve("Ada Lovelace", "src.md") == "People/Ada Lovelace.md"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Ada", "People/Ada Lovelace.md"),
        ("ada", "People/Ada Lovelace.md"),
        ("COUNTESS OF LOVELACE", "People/Ada Lovelace.md"),
        ("Analytical Engine", "Projects/Engine.md"),
        # Two notes claim "AE": the shorter path, as in the resolver's last tie-break.
        ("ae", "Projects/Engine.md"),
        ("Babbage", None),
        ("", None),
    ],
)
def test_alias_hint(target: str, expected: str | None) -> None:
    assert alias_hint(target, ALIASES) == expected
    assert AliasIndex(ALIASES).hint(target) == expected


def test_alias_index_unicode_and_reuse() -> None:
    index = AliasIndex({nfd("Café.md"): [nfd("Le Café")], "b.md": ["Straße"]})
    assert index.hint("le café") == "Café.md"
    assert index.hint(nfd("LE CAFÉ")) == "Café.md"
    assert index.hint("STRASSE") == "b.md"  # casefold: ß ~ ss
    assert index.hint("Le Café") == index.hint("le café")


# -- awkward names --------------------------------------------------------------------------


def test_hash_in_file_name_cannot_be_linked() -> None:
    # [[C# notes]] is target "C", fragment "notes": '#' starts the fragment.
    note = parse_note(b"See [[C# notes]].\n", "src.md")
    (link,) = note.links
    assert (link.target, link.fragment) == ("C", "notes")
    r = LinkResolver(["C# notes.md", "src.md"])
    assert r.resolve(link.target, "src.md") is None
    # The whole name, as a string, does still find the file.
    assert r.resolve("C# notes", "src.md") == "C# notes.md"


@pytest.mark.parametrize(
    "name",
    ["Sq]uare", "[Bracketed]", "Caret ^ name", "50% done", "a | b", "Émoji 🚀", " padded "],
)
def test_odd_characters_in_names(name: str) -> None:
    r = LinkResolver([f"dir/{name}.md"])
    assert r.resolve(name, "src.md") == f"dir/{name}.md"


def test_url_target_is_an_unresolved_note() -> None:
    r = LinkResolver(["x.md", "https.md", "src.md"])
    assert r.resolve("https://x", "src.md") is None
    assert r.resolve("https://x", "src.md", markdown=True) is None


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Café.md", nfd("Café")),  # NFC file, NFD link
        (nfd("Crème brûlée.md"), "Crème brûlée"),  # NFD file (as from macOS), NFC link
        ("Ärger/Über.md", nfd("ärger/ÜBER")),
        ("école.md", "ÉCOLE"),
    ],
)
def test_unicode_normalisation(stored: str, typed: str) -> None:
    r = LinkResolver([stored])
    # Paths come back NFC, as the rest of vaultkit stores them.
    expected = unicodedata.normalize("NFC", stored)
    assert r.resolve(typed, "src.md") == expected
    assert r.resolve(typed + ".md", "src.md", markdown=True) == expected
    assert expected in r
    assert stored in r


def test_resolver_counts_distinct_paths() -> None:
    r = LinkResolver(["a.md", "a.md", nfd("é.md"), "é.md"])
    assert len(r) == 2
    assert "a.md" in r
    assert "b.md" not in r
    assert 3 not in r


# -- headings -------------------------------------------------------------------------------
# Observed, not documented: obsidian-html/obsidian-html#303,
# KosmosisDire/obsidian-webpage-export#609.


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("wifi 2.4 vs 5.0", "wifi 2 4 vs 5 0"),
        ("TCP/IP Model", "tcp ip model"),
        ("CI/CD && DevOps", "ci cd devops"),
        ("Minecraft: The Video Game", "minecraft the video game"),
        ("  Spaced\tout  ", "spaced out"),
        ("Q&A | notes ^ [[x]] %% c", "q a notes x c"),
        ("Ünïcödé Straße", "ünïcödé strasse"),
        (nfd("Ünïcödé"), "ünïcödé"),
        ("हिन्दी शीर्षक", "हिन्दी शीर्षक"),  # combining vowel signs stay inside words
        ("snake_case", "snake case"),
        ("🚀 Launch", "launch"),
        ("???", ""),
        ("", ""),
    ],
)
def test_normalize_heading(heading: str, key: str) -> None:
    assert normalize_heading(heading) == key


HEADINGS: list[tuple[str, int]] = [
    ("Minecraft: The Video Game", 1),  # 0
    ("wifi 2.4 vs 5.0", 2),  # 1
    ("Setup", 2),  # 2
    ("Details", 3),  # 3
    ("Other", 1),  # 4
    ("Setup", 2),  # 5
    ("Details", 3),  # 6
    ("Deeper", 4),  # 7
    ("???", 2),  # 8
]


@pytest.mark.parametrize(
    ("fragment", "index"),
    [
        ("Minecraft: The Video Game", 0),
        ("Minecraft The Video Game", 0),
        ("minecraft the video game", 0),
        ("MINECRAFT   the: video: game", 0),
        ("wifi 2 4 vs 5 0", 1),
        ("wifi 2.4 vs 5.0", 1),
        # The first heading of that name in the document ...
        ("Setup", 2),
        ("Details", 3),
        # ... unless a heading path picks another.
        ("Other#Setup", 5),
        ("Other#Details", 6),
        ("Other#Setup#Details", 6),
        ("Minecraft The Video Game#Setup#Details", 3),
        ("Setup#Details", 3),
        # Ancestors may be skipped, but must be in order.
        ("Other#Deeper", 7),
        ("Other#Details#Deeper", 7),
        ("Details#Other#Deeper", None),
        # A heading path whose ancestors don't exist, or that names a sibling, is broken.
        ("Nope#Setup", None),
        ("Setup#Other", None),
        ("wifi 2 4 vs 5 0#Setup", None),
        ("Other#wifi 2 4 vs 5 0", None),
        # Empty components are ignored; a punctuation-only heading still matches itself.
        ("Other##Setup", 5),
        ("???", 8),
        ("Missing", None),
        ("", None),
        ("#", None),
    ],
)
def test_find_heading(fragment: str, index: int | None) -> None:
    assert find_heading(fragment, HEADINGS) == index


def test_find_heading_ancestor_is_the_nearest_lower_level() -> None:
    # "B" (level 1) closes "A": "A#C" must not find the C under B.
    headings = [("A", 1), ("B", 1), ("C", 2)]
    assert find_heading("A#C", headings) is None
    assert find_heading("B#C", headings) == 2
    # Skipped levels: the H3 under an H1 has that H1 as its parent.
    assert find_heading("A#C", [("A", 1), ("C", 3)]) == 1


def test_parser_anchors_find_their_headings() -> None:
    text = (
        "# Minecraft: The Video Game\n## TCP/IP Model\n### CI/CD && DevOps\n"
        "## wifi 2.4 vs 5.0\n## [[Linked]] heading\n"
    )
    note = parse_note(text.encode(), "n.md")
    headings = [(h.text, h.level) for h in note.headings]
    assert len(headings) == 5
    for index, heading in enumerate(note.headings):
        assert find_heading(heading.anchor, headings) == index
        assert find_heading("#".join(heading.section), headings) == index


def test_anchor_status() -> None:
    headings = [("Plan", 1), ("Next steps", 2)]
    blocks = ["abc123", "Mixed-Case"]
    assert anchor_status(None, headings, blocks) is AnchorStatus.NONE
    assert anchor_status("", headings, blocks) is AnchorStatus.NONE
    assert anchor_status("Plan", headings, blocks) is AnchorStatus.OK
    assert anchor_status("plan#next STEPS", headings, blocks) is AnchorStatus.OK
    assert anchor_status("Missing", headings, blocks) is AnchorStatus.BROKEN_HEADING
    assert anchor_status("Next steps#Plan", headings, blocks) is AnchorStatus.BROKEN_HEADING
    assert anchor_status("Plan", [], []) is AnchorStatus.BROKEN_HEADING
    assert anchor_status("^abc123", headings, blocks) is AnchorStatus.OK
    assert anchor_status("^ABC123", headings, blocks) is AnchorStatus.OK
    assert anchor_status("^mixed-case", headings, iter(blocks)) is AnchorStatus.OK
    assert anchor_status("^nope", headings, blocks) is AnchorStatus.BROKEN_BLOCK
    assert anchor_status("^", headings, blocks) is AnchorStatus.BROKEN_BLOCK
    # A block fragment is never read as a heading, even if a heading has that text.
    assert anchor_status("^Plan", headings, []) is AnchorStatus.BROKEN_BLOCK
    assert AnchorStatus.BROKEN_HEADING.value == "broken-heading"


# -- properties -----------------------------------------------------------------------------

# Pieces rather than characters so that NFD sequences ("e" + combining acute) appear too.
SEGMENT = (
    st.lists(st.sampled_from([*"aAbBzZ09 .-_#^[]%éÉßẞİ", "e\u0301"]), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda s: s.strip(".") != "")
)
FOLDER = st.lists(SEGMENT, max_size=3).map(lambda parts: "".join(p + "/" for p in parts))
NOTE_PATH = st.tuples(FOLDER, SEGMENT, st.sampled_from([".md", ".MD"])).map("".join)
FILE_PATH = st.tuples(FOLDER, SEGMENT, st.sampled_from([".png", ".pdf", ".canvas", ""])).map(
    "".join
)
VAULT = st.tuples(st.lists(NOTE_PATH, max_size=12), st.lists(FILE_PATH, max_size=6)).map(
    lambda lists: sorted({unicodedata.normalize("NFC", p) for p in lists[0] + lists[1]})
)


def stem_path(path: str) -> str:
    return path[:-3]


@given(VAULT, st.sampled_from(["src.md", "a/src.md", "zz/yy/src.md"]))
def test_each_note_resolves_by_its_exact_path(paths: list[str], source: str) -> None:
    r = LinkResolver(paths)
    folded = [unicodedata.normalize("NFC", p.casefold()) for p in paths]
    for path in paths:
        if not path.lower().endswith(".md"):
            continue
        written = stem_path(path)
        key = unicodedata.normalize("NFC", path.casefold())
        rivals = [
            p
            for p, k in zip(paths, folded, strict=True)
            # The same stem with another extension case ("X.md" and "X.MD", possible only on
            # a case-sensitive file system), or an attachment that *is* the written path
            # ("a.png" next to "a.png.md"): the link names both equally, so skip the note.
            # Other case or casefold variants ("ß.md" and "ss.md") must still come out right.
            if p != path and (k == key[:-3] or p[:-3] == written)
        ]
        if rivals:
            continue
        assert r.resolve(written, source) == path
        assert r.resolve("/" + written, source) == path
        assert r.resolve(path, "src.md", markdown=True) == path


@given(
    VAULT,
    st.text(max_size=30) | st.tuples(FOLDER, SEGMENT).map("".join),
    st.text(max_size=20) | NOTE_PATH,
    st.booleans(),
)
def test_resolve_never_raises_and_stays_in_the_vault(
    paths: list[str], target: str, source: str, markdown: bool
) -> None:
    result = LinkResolver(paths).resolve(target, source, markdown=markdown)
    assert result is None or result in paths or (target == "" and result is not None)


LINK_TARGET = (
    st.lists(SEGMENT | st.sampled_from([".", "..", ""]), min_size=1, max_size=4).map("/".join)
    | st.text(max_size=20)
    | NOTE_PATH.map(stem_path)
)


@given(
    VAULT,
    NOTE_PATH | FILE_PATH,
    LINK_TARGET,
    st.sampled_from(["src.md", "a/src.md", "zz/yy/src.md", "é/src.md"]),
    st.booleans(),
)
def test_a_file_moves_only_the_links_its_name_can_decide(
    paths: list[str], moved: str, target: str, source: str, markdown: bool
) -> None:
    """What vaultkit.graph.links relies on when a file comes or goes: a link whose
    ``target_key`` the file's name does not match (or, for a target with ``.``/``..``
    segments, whose ``link_name_keys`` do not hold the file's name) points where it pointed."""
    moved = unicodedata.normalize("NFC", moved)
    without = [p for p in paths if p != moved]
    before = LinkResolver(without).resolve(target, source, markdown=markdown)
    after = LinkResolver([*without, moved]).resolve(target, source, markdown=markdown)
    key = link_target_key(target)
    if key is None:
        decides = file_name_key(moved) in link_name_keys(target, source)
    else:
        decides = key in file_keys_deciding(moved)
    if not decides:
        assert before == after
    if after == moved:
        # The links pointing at a removed file are among those it decides.
        assert decides


@given(VAULT, LINK_TARGET, NOTE_PATH | st.sampled_from(["src.md", "a/src.md", "é/src.md"]))
def test_the_files_named_like_a_link_resolve_it_as_the_whole_vault_does(
    paths: list[str], target: str, source: str
) -> None:
    """What vaultkit.graph.links builds its resolver from when it resolves a few links
    again: only the files whose names :func:`link_name_keys` holds."""
    keys = link_name_keys(target, source)
    named = [p for p in paths if file_name_key(unicodedata.normalize("NFC", p)) in keys]
    for markdown in (False, True):
        whole = LinkResolver(paths).resolve(target, source, markdown=markdown)
        assert LinkResolver(named).resolve(target, source, markdown=markdown) == whole


@given(VAULT, st.data(), st.booleans())
def test_an_answer_said_to_hold_from_any_note_does(
    paths: list[str], data: st.DataObject, markdown: bool
) -> None:
    """What the memo of vaultkit.graph.links keeps by target alone: a resolution that says it
    holds from any note is the resolution from every other note (and ``resolve`` agrees).
    Names shared by several files, and notes linking from the folders of those files, are
    drawn on purpose: there the linking folder can decide."""
    names = [p[p.rfind("/") + 1 :] for p in paths]
    paths = sorted({*paths, *(f"z/{name}" for name in names[:3])})
    stems = [n[:-3] if n.lower().endswith(".md") else n for n in names]
    target = data.draw(LINK_TARGET | st.sampled_from(stems) if stems else LINK_TARGET)
    folders = sorted({"", *(p.rpartition("/")[0] for p in paths)})
    in_folder = st.sampled_from(folders).map(lambda f: f"{f}/src.md" if f else "src.md")
    sources = data.draw(st.lists(in_folder | NOTE_PATH, min_size=2, max_size=6))
    resolver = LinkResolver([*paths, *sources])
    first = resolver.resolve_scoped(target, sources[0], markdown=markdown)
    assert first.path == resolver.resolve(target, sources[0], markdown=markdown)
    if first.any_source:
        for source in sources[1:]:
            assert resolver.resolve(target, source, markdown=markdown) == first.path


def test_which_answers_depend_on_the_linking_note() -> None:
    r = LinkResolver(["Plan.md", "a/Plan.md", "b/Plan.md", "b/Only.md", "Doc.pdf"])
    assert r.resolve_scoped("Only", "x/src.md") == ("b/Only.md", True)
    assert r.resolve_scoped("Doc.pdf", "x/src.md") == ("Doc.pdf", True)
    assert r.resolve_scoped("Missing", "x/src.md") == (None, True)
    # An exact path wins from anywhere; a name several files share is the folder's choice.
    assert r.resolve_scoped("Plan", "b/src.md") == ("Plan.md", True)
    assert r.resolve_scoped("/b/Plan", "a/src.md") == ("b/Plan.md", True)
    r = LinkResolver(["a/Plan.md", "b/Plan.md"])
    assert r.resolve_scoped("Plan", "b/src.md") == ("b/Plan.md", False)
    assert r.resolve_scoped("Plan", "x/src.md") == ("a/Plan.md", False)
    # Tried relative to the note's folder first: the folder decides, found or not.
    assert r.resolve_scoped("Plan.md", "b/src.md", markdown=True) == ("b/Plan.md", False)
    assert r.resolve_scoped("../a/Plan", "b/src.md") == ("a/Plan.md", False)
    assert r.resolve_scoped("./Nothing", "b/src.md") == (None, False)
    assert r.resolve_scoped("", "b/src.md") == ("b/src.md", False)


def test_link_target_keys() -> None:
    assert link_target_key("a/Note") == "note"
    assert link_target_key("/a/STRASSE.md") == "strasse.md"
    assert link_target_key("Doc.pdf") == "doc.pdf"
    assert link_target_key("") == ""
    assert link_target_key("/") == ""
    assert link_target_key("../Note") is None
    assert link_target_key("./Note") is None
    assert file_keys_deciding("x/Note.MD") == ("note.md", "note")
    assert file_keys_deciding("x/Doc.pdf") == ("doc.pdf",)
    assert file_keys_deciding(".md") == (".md",)


@given(st.text(max_size=40), st.lists(st.tuples(st.text(max_size=15), st.integers(1, 6))))
def test_heading_functions_never_raise(fragment: str, headings: list[tuple[str, int]]) -> None:
    index = find_heading(fragment, headings)
    assert index is None or 0 <= index < len(headings)
    status = anchor_status(fragment, headings, [fragment.lstrip("^")])
    assert status in set(AnchorStatus)
    for text, _ in headings:
        assert normalize_heading(text) == normalize_heading(normalize_heading(text))
        key = heading_key(text)
        assert key == heading_key(key)  # idempotent
        if key.strip():
            # The key is a valid link to its heading ("#" in the text would be a path).
            assert find_heading(key, headings) is not None


# -- heading anchors as Obsidian compares them (docs/heading-anchors.md) ----------------------


def test_the_documented_table_states_the_stripped_characters() -> None:
    """One rule, one table: the characters of step 1 in docs/heading-anchors.md are exactly
    the ones the code strips."""
    doc = (Path(__file__).parents[2] / "docs" / "heading-anchors.md").read_text("utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| 1 |"))
    listed = row.split("``")[1].replace("\\|", "|").split()
    assert sorted(listed) == sorted(HEADING_STRIPPED)


@pytest.mark.parametrize(
    ("fragment", "heading", "status", "differs_from"),
    [
        # Stripped characters and spaces, and case, do not matter ...
        ("wifi 2 4 vs 5 0", "wifi 2.4 vs 5.0", AnchorStatus.OK, None),
        ("TCP IP Model", "TCP/IP Model", AnchorStatus.OK, None),
        ("i am a heading", "I Am A Heading", AnchorStatus.OK, None),
        ("Q A  notes", "Q&A | notes", AnchorStatus.OK, None),
        ("?", "?", AnchorStatus.OK, None),
        # ... every other character does: Obsidian does not jump, vaultkit says what differs.
        ("tab-stacks", "Tab stacks", AnchorStatus.BROKEN_HEADING, "Tab stacks"),
        ("snake case", "snake_case", AnchorStatus.BROKEN_HEADING, "snake_case"),
        ("Launch", "🚀 Launch", AnchorStatus.BROKEN_HEADING, "🚀 Launch"),
        ("می خواهم", "می\u200cخواهم", AnchorStatus.BROKEN_HEADING, "می\u200cخواهم"),
        ("Why？", "Why", AnchorStatus.BROKEN_HEADING, "Why"),
        ("Nothing like it", "Tab stacks", AnchorStatus.BROKEN_HEADING, None),
    ],
)
def test_heading_anchors_match_as_obsidian_compares_headings(
    fragment: str, heading: str, status: AnchorStatus, differs_from: str | None
) -> None:
    assert check_anchor(fragment, [(heading, 2)], []) == (status, differs_from)


def test_strip_heading_is_obsidians() -> None:
    assert strip_heading("  a.b\u00a0\u3000c\u200c  ") == "a b c\u200c"
    assert strip_heading("[[x]] %% y ^z") == "x y z"
