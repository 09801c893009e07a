"""A dashboard never holds a live checkbox: the Tasks plugin, and vaultkit's own index, would
count its lines as tasks. Rendering turns every one into a symbol."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.dashboards.render import make_environment, render_template
from vaultkit.parse.note import parse_note

LINE_PIECES = st.lists(
    st.sampled_from(
        [
            "- ",
            "* ",
            "+ ",
            "1. ",
            "2) ",
            "> ",
            "  ",
            "\t",
            "[ ] ",
            "[x] ",
            "[/] ",
            "[-] ",
            "[?] ",
            "text ",
            "[[link]] ",
            "| a | b |",
            "\n",
            "\n\n",
        ]
    ),
    max_size=14,
).map("".join)


def rendered(tmp_path: Path, text: str) -> str:
    (tmp_path / "t.md.j2").write_text("{{ text }}", encoding="utf-8")
    env = make_environment(tmp_path, [], templates=tmp_path)
    return render_template(env, "t.md.j2", {"text": text})


def test_each_checkbox_becomes_the_symbol_of_its_status(tmp_path: Path) -> None:
    text = "- [ ] open\n  - [x] done\n> 1. [-] dropped\n\n* [/] started\n+ [?] other\nnot [ ] one\n"
    assert rendered(tmp_path, text) == (
        "- ☐ open\n  - ☑ done\n> 1. ⊟ dropped\n\n* ◐ started\n+ ▣ other\nnot [ ] one\n"
    )


@given(text=LINE_PIECES)
def test_no_rendered_text_holds_a_task(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    out = rendered(tmp_path_factory.mktemp("t"), text)
    assert parse_note(out.encode("utf-8"), "Dashboard.md").tasks == ()
