"""Tests for vaultkit.config.default_file: the commented default file ``init`` writes."""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.config_files import write_config, write_daily_settings
from vaultkit.config.dashboards import default_dashboards
from vaultkit.config.default_file import default_config_text, init_config
from vaultkit.config.load import load_config
from vaultkit.config.schema import (
    Config,
    DailyNotes,
    HabitSettings,
    StatusSettings,
    TopicSettings,
    VaultSettings,
    sections,
)
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import VaultkitError
from vaultkit.vaultpaths import CONFIG_PATH

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "config.md"
_ASSIGNMENT = re.compile(r"(?:# )?([a-z_]+) = (.*)")


def _plain(value: object) -> object:
    """A default as tomllib returns it."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _documented(text: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, key) → (the comment lines right above the key joined, the value as written)."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    table = ""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip("[]")
            parent, _, key = table.partition(".")
            if key and parent != "dashboards":
                # A table setting ([status.cadences]): its doc below the header, then its
                # entries, one a line, up to the blank line.
                found[parent, key] = _table_setting(lines[number + 1 :])
            continue
        assignment = _ASSIGNMENT.fullmatch(line)
        if assignment is None:
            continue
        above = number
        while lines[above - 1].startswith("# ") and not _ASSIGNMENT.fullmatch(lines[above - 1]):
            above -= 1
        comment = " ".join(line.removeprefix("# ") for line in lines[above:number])
        found.setdefault((table, assignment[1]), (comment, assignment[2]))
    return found


def _table_setting(lines: list[str]) -> tuple[str, str]:
    """(its doc, its entries as an inline table) of a table setting's lines after its header."""
    doc = [line.removeprefix("# ") for line in itertools.takewhile(_is_comment, lines)]
    entries = itertools.takewhile(bool, lines[len(doc) :])
    return " ".join(doc), "{ " + ", ".join(entries) + " }"


def _is_comment(line: str) -> bool:
    return line.startswith("# ")


def test_the_default_file_holds_every_setting_with_its_default_and_doc() -> None:
    documented = _documented(default_config_text(BUILTINS))
    for part in sections():
        for number, (name, setting) in enumerate(part.settings):
            assert (part.name, name) in documented, f"{part.name}.{name} is missing"
            comment, value = documented[part.name, name]
            doc = f"{part.doc} {setting.doc}" if number == 0 and part.doc else setting.doc
            assert comment == doc, f"{part.name}.{name}"
            assert tomllib.loads(f"v = {value}")["v"] == _plain(getattr(part.defaults, name))
    # Nothing else: every key in the file is a setting (or a dashboard's).
    settings = {(part.name, name) for part in sections() for name, _ in part.settings}
    assert {key for key in documented if not key[0].startswith("dashboards")} == settings


def test_commented_sections_are_written_commented_out() -> None:
    data = tomllib.loads(default_config_text(BUILTINS))
    for part in sections():
        if part.commented:
            assert data.get(part.name) == {}  # the header only: Obsidian's settings rule
        else:
            expected = {name: _plain(getattr(part.defaults, name)) for name, _ in part.settings}
            assert data[part.name] == expected


def test_the_default_text_loads_as_the_defaults(tmp_path: Path) -> None:
    write_config(tmp_path, default_config_text(BUILTINS))
    assert load_config(tmp_path, BUILTINS) == Config(dashboards=default_dashboards(BUILTINS))


def test_the_default_text_does_not_override_obsidian_daily_settings(tmp_path: Path) -> None:
    write_daily_settings(tmp_path, {"folder": "Journal", "format": "DD.MM.YYYY"})
    write_config(tmp_path, default_config_text(BUILTINS))
    assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes("Journal", "DD.MM.YYYY")


def test_the_default_text_names_every_key_with_a_comment() -> None:
    text = default_config_text(BUILTINS)
    lines = text.splitlines()
    schema = {
        "vault": VaultSettings.__match_args__,
        "status.cadences": tuple(StatusSettings().cadences),
        "topics": TopicSettings.__match_args__,
        "habits": HabitSettings.__match_args__,
        "daily_notes": DailyNotes.__match_args__,
        **{f"dashboards.{d.name}": ("enabled", "target", "template") for d in BUILTINS},
    }
    for table, keys in schema.items():
        start = lines.index(f"[{table}]")
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines)
        )
        section = lines[start:end]
        for key in keys:
            # The daily-notes keys are commented out, so Obsidian's own settings stay in force.
            found = [
                i for i, line in enumerate(section) if re.match(rf'(# )?{key} = |"{key}" = ', line)
            ]
            assert found, f"{table}.{key} missing"
            line = section[found[0]]
            commented = section[found[0] - 1].startswith("#") or "  # " in line
            # A table setting's entries share the comment below its header.
            commented = commented or (table == "status.cadences" and section[1].startswith("#"))
            assert commented, f"{table}.{key} has no comment"
    data = tomllib.loads(text)
    assert set(data["dashboards"]) == {d.name for d in BUILTINS}
    assert all(len(line) <= 100 for line in lines)


def test_init_writes_the_default_text(tmp_path: Path) -> None:
    path = init_config(tmp_path, BUILTINS)
    assert path == tmp_path / CONFIG_PATH
    assert path.read_text(encoding="utf-8") == default_config_text(BUILTINS)
    assert load_config(tmp_path, BUILTINS) == Config(dashboards=default_dashboards(BUILTINS))


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[habits]\nwindow_days = 7\n")
    with pytest.raises(VaultkitError) as caught:
        init_config(tmp_path, BUILTINS)
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(".vaultkit/config.toml: already exists")
    assert path.read_text(encoding="utf-8") == "[habits]\nwindow_days = 7\n"


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_init_reports_a_folder_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / ".vaultkit").write_text("a file where the folder should be")
    with pytest.raises(VaultkitError, match="could not be created"):
        init_config(tmp_path, BUILTINS)


def test_docs_show_the_default_file() -> None:
    # docs/config.md lists every setting; it is the default file itself, so it cannot drift.
    text = DOCS.read_text(encoding="utf-8")
    [listing] = re.findall(r"\n```toml\n(.*?)```\n", text, re.DOTALL)
    assert listing == default_config_text(BUILTINS), (
        "docs/config.md is not the default file; paste `vaultkit init`'s config.toml into it"
    )
