"""The lazy inline parse against the full one: the same tokens and the same Note, everywhere.

Inline tokens without any rule's trigger skip markdown-it's inline rule chain
(:mod:`vaultkit.parse.plain_inline`); with ``markdown.LAZY_INLINE`` off, every parse runs the
chain over all of them (the body's, the comments' for hidden tasks, the property links').
Both are run side by side on every fixture note, every example_vault note, the benchmark
generator's notes and generated markdown that mixes every trigger with plain text, line breaks,
trailing spaces, indentation, lists, tables, quotes and callouts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import read_fixture_file

from benchmarks.generate import generate_vault
from tests.support.cli import EXAMPLE_VAULT, installed
from tests.support.parse_fixtures import FIXTURES, note_bytes
from tests.support.same_parse import assert_same_parse, full_inline_parse
from vaultkit.cli.jsonform import note_json
from vaultkit.obsidian.tasks_plugin import read_tasks_plugin
from vaultkit.parse import plain_inline
from vaultkit.parse.markdown import MARKDOWN_IT_TRIGGERS, build_parser
from vaultkit.parse.note import parse_note


def test_every_fixture_note_parses_the_same() -> None:
    notes = [
        (f"{title}.md", note_bytes(path.stem, text))
        for path in sorted(FIXTURES.glob("*.md"))
        for _, title, text, _ in read_fixture_file(path)
    ]
    assert len(notes) > 50
    for path, data in notes:
        assert_same_parse(data, path)


def test_every_example_vault_note_parses_the_same() -> None:
    notes = sorted(EXAMPLE_VAULT.rglob("*.md"))
    assert len(notes) > 10
    for note in notes:
        assert_same_parse(note.read_bytes(), note.relative_to(EXAMPLE_VAULT).as_posix())


def test_the_benchmark_generators_notes_parse_the_same(tmp_path: Path) -> None:
    generate_vault(tmp_path, 300, seed=7)
    notes = sorted(tmp_path.rglob("*.md"))
    assert len(notes) == 300
    for note in notes:
        assert_same_parse(note.read_bytes(), note.relative_to(tmp_path).as_posix())


PLAIN = ["word", "two words", "Ünïcödé", "1984", "a.b,c;d?", "x'y\"z", "'", "|"]
TRIGGERS = [
    *"\\`~*_<&$#[]()!^:=%-+@{}>",
    *["[[a]]", "![[a.png]]", "[a](b)", "![a](b.png)", "<https://x.org>", "<b>x</b>", "&amp;"],
    *["&#65;", "&nosuch;", "#tag", "#1984", "==hi==", "%%c%%", "%%", "~~s~~", "*e*", "_e_"],
    *["**s**", "`c`", "$x$", "$$y$$", "^[fn [[b]]]", "[^1]", "\n[^1]: note\n", "\\*"],
    *["https://x.org/a", "http://a.b", "http:", "https:", "www.x.org", "a@b.org"],
    *["[k:: v]", "(k:: v)", "k:: v", "(", "::", "(a b c d e f g h i j k l m n o p::", "^abc"],
]
LAYOUT = [
    *["\n", "\n\n", "  \n", " \n", "   \n", "\t\n", " ", "\t", "    ", "  "],
    *["- ", "* ", "1. ", "- [ ] ", "- [x] ", "  - ", "> ", "> [!note] ", "> [!tip]- T\n> "],
    *["# ", "## ", "| a | b |\n|---|---|\n| ", " | ", "```\n", "    code\n", "---\n", "\\\n"],
]
MARKDOWN = st.lists(st.sampled_from(PLAIN + TRIGGERS + LAYOUT), max_size=80).map("".join)
MOSTLY_PLAIN = st.lists(st.sampled_from(PLAIN * 4 + LAYOUT + TRIGGERS[:12]), max_size=80).map(
    "".join
)


@pytest.mark.parametrize("length", range(60, 68))
def test_a_parenthesised_field_at_the_keys_length_limit_parses_the_same(length: int) -> None:
    key = "k" * length
    assert_same_parse(f"Some ({key}:: v) text.\n".encode(), "n.md")


@given(MARKDOWN)
def test_markdown_with_triggers_parses_the_same(text: str) -> None:
    assert_same_parse(text.encode("utf-8"), "n.md")


@given(MOSTLY_PLAIN)
def test_mostly_plain_markdown_parses_the_same(text: str) -> None:
    assert_same_parse(text.encode("utf-8"), "n.md")


@given(st.text(alphabet=st.sampled_from(list("ab #[]()=%:\n\t *_~`\\<&$^!")), max_size=120))
def test_any_mix_of_trigger_characters_parses_the_same(text: str) -> None:
    assert_same_parse(text.encode("utf-8"), "n.md")


@given(st.text(alphabet=st.sampled_from(list("ab -+@{}>.,'\n\t \u00a0\u3000")), max_size=200))
def test_plain_children_are_what_the_inline_rules_give(text: str) -> None:
    """Text that no rule can match in, inline content of any shape (not only a paragraph's
    trimmed one): :func:`plain_children` gives what the inline parse gives."""
    with full_inline_parse():
        md = build_parser()
    assert plain_inline.plain_children(text) == md.inline.parse(text, md, {}, [])


def test_plain_content_skips_the_inline_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    md = build_parser()
    parsed: list[str] = []
    parse = md.inline.parse

    def counting(src: str, md: MarkdownIt, env: Any, tokens: list[Token]) -> list[Token]:
        parsed.append(src)
        return parse(src, md, env, tokens)

    monkeypatch.setattr(md.inline, "parse", counting)
    tokens = md.parse("Plain words - and (more): done.  \nNext line\n\nA [[link]] here.\n")
    assert parsed == ["A [[link]] here."]
    assert [t.type for t in tokens[1].children or []] == ["text", "hardbreak", "text"]


def test_an_inline_rule_without_triggers_stops_the_parser_being_built() -> None:
    md = MarkdownIt("commonmark")
    md.inline.ruler.before("emphasis", "vk_new", lambda state, silent: False)
    with pytest.raises(ValueError, match="'vk_new' declares no triggers"):
        plain_inline.install(md, MARKDOWN_IT_TRIGGERS)
    plain_inline.install(md, {**MARKDOWN_IT_TRIGGERS, "vk_new": ("x",)})


def test_inspect_shows_what_the_full_parse_reads(vault: Path) -> None:
    note = vault / "Lazy.md"
    note.write_text(
        "# Plain heading\n\nPlain text - no markup here.  \nA hard break above,\n"
        "  a soft one here.\n\n- [ ] a task ✅ 2026-01-02 [[Plan]]\n- plain item\n"
        "\n> [!note] Plain callout\n> plain body\n\n| a | b |\n|---|---|\n| x | [[Plan]] |\n",
        encoding="utf-8",
    )
    done = installed("inspect", "--json", "--vault", str(vault), "Lazy.md")
    assert done.returncode == 0, done.stderr
    with full_inline_parse():
        full = parse_note(note.read_bytes(), "Lazy.md", rules=read_tasks_plugin(vault).rules)
    assert json.loads(done.stdout) == json.loads(json.dumps(note_json(full)))
