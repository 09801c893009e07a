"""Hostile input (design sections 4 and 8): nothing in a vault can crash vaultkit, make it write
outside the vault, or let a template out of its sandbox.

The two fuzz properties run with a larger budget than the other property tests (see
``FUZZ_EXAMPLES``); the atheris harnesses in ``tests/fuzz/`` drive the same code for longer.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.support.cli import cli
from tests.support.region_vault import disable_quiet_period, snapshot
from vaultkit.obsidian.resolve import LinkResolver
from vaultkit.parse.note import parse_note
from vaultkit.writeback.regions import RegionContent, WriteStatus, splice_regions

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "example_vault"
PROFILE = os.environ.get("VAULTKIT_HYPOTHESIS", "ci")
FUZZ_EXAMPLES = {"ci": 2000, "thorough": 25_000}.get(PROFILE, 2000)
"""Examples per fuzz property: derandomised in CI, random and many more when thorough."""


# -- fuzz: the parser and the write-back on Obsidian-flavoured garbage -------------------------

PIECES = [
    "---",
    "tags: [a, b]",
    "a: &x [1, 2]",
    "b: *x",
    "- [ ] task 📅 2026-11-30",
    "- [x] done ✅ 2026-11-01",
    "  - [/] nested",
    "> [!note]+ Title",
    "> - [ ] in a callout",
    "```",
    "~~~",
    "$$",
    "%%",
    "%% comment %%",
    "[[Note#Heading^block|alias]]",
    "![[img.png|100]]",
    "[text](Other%20Note.md)",
    "| a | b |",
    "|---|---|",
    "| [[x\\|y]] | <br> |",
    "#tag #123 #nested/tag",
    "key:: value",
    "<div>",
    "^block-id",
    "# Heading",
    "%% vaultkit:begin r %%",
    "%% vaultkit:end r %%",
    "%% vaultkit:end r 0badc0de %%",
    "> %% vaultkit:begin r %%",
    "> %% vaultkit:end r %%",
    "%% vaultkit:begin other %%",
    "%% vaultkit:end other %%",
    "%% vaultkit:beginr %%",
    "\ufeff",
    "\u2028",
    "\x00",
]
MARKERISH = [p for p in PIECES if "vaultkit" in p or p in ("```", "~~~", "$$", "%%")]
# Pieces that can break or hide the markers are drawn rarely, so most notes keep a region.
WEIGHTED = [p for p in PIECES if p not in MARKERISH] * 12 + MARKERISH
LINE = st.one_of(
    st.sampled_from(WEIGHTED),
    st.text(max_size=20),
    st.lists(st.sampled_from(WEIGHTED), min_size=2, max_size=3).map(" ".join),
)
EOLS = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def docs(draw: st.DrawFn, *, with_region: bool) -> bytes:
    """Garbage lines, usually around one well-formed region ``r`` (which may hold garbage)."""

    def lines(count: int) -> bytes:
        found = draw(st.lists(LINE, max_size=count))
        return b"".join(x.encode("utf-8", "surrogatepass") + draw(EOLS) for x in found)

    body = lines(12)
    if with_region:
        prefix = draw(st.sampled_from(["", "> ", "  ", "> > "]))
        stored = draw(st.sampled_from(["", " 0badc0de", " e3b0c442"]))
        # A lone CR does not end a line for Obsidian or vaultkit, so not after a marker.
        marker_eol = st.sampled_from([b"\n", b"\r\n"])
        body += f"{prefix}%% vaultkit:begin r %%".encode() + draw(marker_eol)
        body += lines(3)
        body += f"{prefix}%% vaultkit:end r{stored} %%".encode() + draw(marker_eol)
        body += lines(12)
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + body + draw(st.sampled_from([b"", b"\xff\xfe", b"caf\xe9", b"no newline"]))


DOC = st.one_of(docs(with_region=False), docs(with_region=True), docs(with_region=True))
REGION_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=15)), max_size=6).map(
    "\n".join
)


@pytest.mark.slow
@settings(max_examples=FUZZ_EXAMPLES)
@given(DOC)
def test_fuzz_parser_never_raises_and_stays_inside_the_file(data: bytes) -> None:
    note = parse_note(data, "fuzz.md")
    lines = max(note.line_count, 1)
    found = [
        *(task.line for task in note.tasks),
        *(heading.line for heading in note.headings),
        *(link.line for link in note.links),
        *(callout.line for callout in note.callouts),
        *(diagnostic.line for diagnostic in note.diagnostics),
    ]
    assert all(1 <= line <= lines for line in found), (found, lines)


@pytest.mark.slow
@settings(max_examples=FUZZ_EXAMPLES)
@given(DOC, REGION_TEXT)
def test_fuzz_write_back_is_safe_and_idempotent(data: bytes, text: str) -> None:
    regions = [RegionContent("r", "\n" + text + "\n\n")]
    try:
        new, outcomes = splice_regions(data, regions)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot be generated text: render() never produces one
    if new is None:
        event("markers broken or missing: note left alone")
        # Broken or missing markers: nothing written, and the message says where.
        assert outcomes and all(o[0] is WriteStatus.ERROR and o[1] for o in outcomes)
        return
    if new == data:
        event("region already current or hand-edited")
        return
    event("region written")
    # What vaultkit wrote reads back as current: a second run writes nothing.
    again, second = splice_regions(new, regions)
    assert again == new and [o[0] for o in second] == [WriteStatus.UNCHANGED]
    # The file still has one region r, whose text can be replaced again.
    replaced, third = splice_regions(new, [RegionContent("r", "other\n")])
    assert replaced is not None, third
    # Emptying the region of the old and of the new note gives the same bytes: every byte
    # outside the region is the user's, unchanged.
    empty = [RegionContent("r", "")]
    assert splice_regions(new, empty, force=True)[0] == splice_regions(data, empty, force=True)[0]


# -- YAML: alias bombs and huge front matter --------------------------------------------------


def _laughs(levels: int) -> str:
    """The "billion laughs": each level lists the previous one nine times (9**9 leaves)."""
    lines = ['l0: &l0 ["lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]")
    return "---\n" + "\n".join(lines) + "\n---\n- [ ] the task after the bomb\n"


def _merge_bomb(levels: int) -> str:
    """Merge keys (``<<``) that copy each previous mapping eight times over."""
    lines = ["m0: &m0 {k: v}"]
    for n in range(1, levels):
        keys = ", ".join(f"k{i}: *m{n - 1}" for i in range(8))
        lines.append(f"m{n}: &m{n} {{<<: *m{n - 1}, {keys}}}")
    return "---\n" + "\n".join(lines) + "\n---\n- [ ] the task after the merge bomb\n"


HOSTILE_NOTES = {
    "Bomb.md": _laughs(10),
    "Merge bomb.md": _merge_bomb(9),
    "Self reference.md": "---\na: &a [*a, *a]\n---\n- [ ] the task after a loop\n",
    "Huge properties.md": "---\n"
    + "".join(f"key{n}: value {n}\n" for n in range(120_000))
    + "---\n- [ ] the task after two megabytes of properties\n",
    "Deep.md": "---\ndeep: "
    + "[" * 20_000
    + "]" * 20_000
    + "\n---\n- [ ] the task after nesting\n",
    "Python tag.md": "---\nx: !!python/object/apply:os.system ['touch pwned']\n---\n"
    "- [ ] the task after a python tag\n",
}


def test_yaml_bombs_and_huge_front_matter_are_diagnostics(vault: Path) -> None:
    for name, text in HOSTILE_NOTES.items():
        (vault / name).write_text(text, encoding="utf-8")
    code, output = cli("sync", str(vault))
    assert code == 0, output
    status = (vault / "Dashboards/Status.md").read_text(encoding="utf-8")
    for name in HOSTILE_NOTES:
        assert f"[[{name[:-3]}]]" in status, f"{name}'s task is missing from the dashboard"
    code, doctor = cli("doctor", "--vault", str(vault))
    for name in ("Bomb.md", "Merge bomb.md", "Self reference.md", "Python tag.md"):
        assert f"{name}" in doctor and "properties" in doctor, name
    assert not (vault / "pwned").exists() and not Path("pwned").exists()


# -- templates from the vault --------------------------------------------------------------

SECRET = "do-not-copy-me-7d1f"


@pytest.mark.parametrize(
    ("attack", "says"),
    [
        ("{{ lipsum.__globals__['os'].system('touch pwned') }}", "sandbox forbids"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "sandbox forbids"),
        ("{{ self._TemplateReference__context }}", "sandbox forbids"),
        ("{{ namespace.__init__.__globals__ }}", "sandbox forbids"),
        ("{{ dashboard.__class__.__mro__[1].__subclasses__() }}", "sandbox forbids"),
        ("{{ '{0.__class__.__base__}'.format(1) }}", "sandbox forbids"),
        ("{{ topic_columns.append(1) }}", "sandbox forbids"),
        ("{{ status.update({}) }}", "sandbox forbids"),
        ("{{ status.overall.__class__ }}", "sandbox forbids"),
        ("{{ (1).__class__ }}", "sandbox forbids"),
        ("{% include '/etc/passwd' %}", "includes or imports"),
        ("{% include '../config.toml' %}", "includes or imports"),
        ("{% include '../../../secret.txt' %}", "includes or imports"),
        ("{% import 'links.md.j2' as x %}{{ x.__init__ }}", "template"),
        ("{{ range(10**9) | list }}", "Range too big"),
        ("{{ 1 / 0 }}", "division by zero"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "recursion"),
        ("{{ tasks[10**6] }}", "no element"),
    ],
)
def test_a_template_cannot_escape_and_fails_with_one_line(
    vault: Path, attack: str, says: str
) -> None:
    (vault.parent / "secret.txt").write_text(SECRET)
    templates = vault / ".vaultkit/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "links.md.j2").write_text("# Links\n" + attack + "\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2, output
    assert "links.md.j2" in output and says in output
    assert len(output.strip().splitlines()) == 1
    assert SECRET not in output and "uid=" not in output
    assert snapshot(vault) == before
    assert not Path("pwned").exists() and not (vault / "pwned").exists()


def test_a_template_linked_to_a_file_outside_the_vault_is_refused(vault: Path) -> None:
    secret = vault.parent / "id_rsa"
    secret.write_text(SECRET)
    templates = vault / ".vaultkit/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "links.md.j2").symlink_to(secret)
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2
    assert output.startswith("vaultkit: .vaultkit/templates/links.md.j2: template 'links.md.j2' ")
    assert "links to a file outside the vault" in output
    assert SECRET not in output and snapshot(vault) == before
    # The same through an include, and through a templates folder that is itself a link.
    (templates / "links.md.j2").unlink()
    (templates / "links.md.j2").write_text("{% include 'key.j2' %}\n")
    (templates / "key.j2").symlink_to(secret)
    assert cli("sync", str(vault))[0] == 2
    shutil.rmtree(templates)
    (vault.parent / "elsewhere").mkdir()
    (vault.parent / "elsewhere" / "links.md.j2").write_text(SECRET)
    templates.symlink_to(vault.parent / "elsewhere", target_is_directory=True)
    code, output = cli("sync", str(vault))
    assert code == 2 and "outside the vault" in output
    assert SECRET not in (vault / "Dashboards/Link health.md").read_text(encoding="utf-8")


def test_a_template_linked_inside_the_vault_is_fine(vault: Path) -> None:
    templates = vault / ".vaultkit/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (vault / "My links template.md").write_text("# Links of mine\n")
    (templates / "links.md.j2").symlink_to(vault / "My links template.md")
    assert cli("sync", str(vault))[0] == 0
    assert "# Links of mine" in (vault / "Dashboards/Link health.md").read_text(encoding="utf-8")


# -- dashboard targets that would leave the vault ---------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["../escaped.md", "/tmp/escaped.md", "Out/escaped.md", "Linked.md", "Linked.md#r"],
)
def test_targets_leaving_the_vault_write_nothing_anywhere(vault: Path, target: str) -> None:
    outside = vault.parent / "outside"
    outside.mkdir()
    (outside / "note.md").write_text("%% vaultkit:begin r %%\n%% vaultkit:end r %%\n")
    (vault / "Out").symlink_to(outside, target_is_directory=True)
    (vault / "Linked.md").symlink_to(outside / "note.md")
    config = vault / ".vaultkit/config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[dashboards.links]\ntarget = "{target}"\n'
    )
    before, before_outside = snapshot(vault), snapshot(outside)
    code, output = cli("sync", str(vault))
    assert code == 2
    assert ".vaultkit/config.toml:" in output and "dashboards.links.target" in output
    assert snapshot(vault) == before and snapshot(outside) == before_outside
    assert not Path("/tmp/escaped.md").exists() and not (vault.parent / "escaped.md").exists()


# -- file names Obsidian's links cannot hold ----------------------------------------------------

NAMES = [
    "Pipe | name.md",
    "Hash #tag.md",
    "Caret ^block.md",
    "Brackets [x].md",
    "Line\nbreak.md",
    "Percent %% comment.md",
    "Cafe\u0301 NFD.md",
    "Café NFC.md",
    "Back\\slash.md",
]


def test_hostile_file_names_give_working_links_and_intact_tables(vault: Path) -> None:
    for name in NAMES:
        (vault / "Odd").mkdir(exist_ok=True)
        (vault / "Odd" / name).write_text("- [ ] a task in an oddly named note\n")
    code, output = cli("sync", str(vault))
    assert code == 0, output
    paths = [p.relative_to(vault).as_posix() for p in vault.rglob("*.md")]
    resolver = LinkResolver(paths)
    status = vault / "Dashboards/Status.md"
    note = parse_note(status.read_bytes().split(b"\n", 1)[1], "Dashboards/Status.md")
    for table in note.tables:
        assert all(len(row.cells) == len(table.header) for row in table.rows), table.line
    reached = set()
    for link in note.links:
        if link.kind in ("wikilink", "markdown"):
            found = resolver.resolve(link.target, note.path, markdown=link.kind == "markdown")
            assert found is not None, link.raw
            reached.add(found)
    # vaultkit knows every path in NFC, whatever form the file system holds.
    assert {unicodedata.normalize("NFC", f"Odd/{name}") for name in NAMES} <= reached
    assert not note.tasks and not note.tags


def test_targets_find_notes_whose_names_are_in_another_unicode_form(vault: Path) -> None:
    config = vault / ".vaultkit/config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[dashboards.links]\ntarget = "Übersicht.md#links"\n'
        + '[dashboards.habits]\ntarget = "Größe/Gewohnheiten.md"\n'
    )
    disable_quiet_period(vault)  # the note below is created just before the sync
    # As a vault synced from a Mac holds them: the names decomposed (NFD).
    nfd = unicodedata.normalize("NFD", "Übersicht.md")
    (vault / nfd).write_text("# Overview\n%% vaultkit:begin links %%\n%% vaultkit:end links %%\n")
    assert cli("sync", str(vault))[0] == 0
    assert "Orphan" in (vault / nfd).read_text(encoding="utf-8")
    folder = unicodedata.normalize("NFD", "Größe")
    (vault / "Größe").rename(vault / folder)
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 0, output
    assert snapshot(vault) == before, "a second, identical-looking note was written"
    assert [p.name for p in vault.iterdir() if p.name.startswith("Gr")] == [folder]
