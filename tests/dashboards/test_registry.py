"""The dashboard registry is the one list of built-in dashboards and context names: the
context, freshness, the sync's scoped families, the docs, the default config and ``vaultkit
init`` all agree with it (issue 14, "One dashboard registry")."""

from __future__ import annotations

import inspect
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vaultkit.cli.main import run
from vaultkit.config.load import load_config
from vaultkit.config.schema import Config
from vaultkit.dashboards import topics
from vaultkit.dashboards.context import CONTEXT_NAMES
from vaultkit.dashboards.registry import (
    BUILTINS,
    CONTEXT,
    CONTEXT_FAMILIES,
    CONTEXT_SETTINGS,
    SCOPES,
    SHARED,
    docs_table,
)
from vaultkit.dashboards.render import builtin_templates_dir
from vaultkit.index.store import ALL_FAMILIES, SCOPED_FAMILIES

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs" / "templates.md"


def test_every_maker_is_a_function_of_the_inputs() -> None:
    for name, context_name in CONTEXT.items():
        if context_name.make is None:
            assert name == "dashboard", f"{name} has no maker"
            continue
        maker = context_name.make.resolve()
        assert list(inspect.signature(maker).parameters) == ["inputs"], name
    assert {*CONTEXT_NAMES, "dashboard"} == set(CONTEXT)


def test_context_names_are_one_namespace() -> None:
    registered = [*SHARED] + [name for d in BUILTINS for name in d.context]
    assert len(registered) == len(set(registered)) == len(CONTEXT)


def test_each_context_name_reads_index_families() -> None:
    for name, families in CONTEXT_FAMILIES.items():
        assert families <= set(ALL_FAMILIES), name


def test_each_context_name_names_the_config_sections_its_maker_reads() -> None:
    """A render key hashes ``[vault]`` and only the sections the template's names declare: a
    maker reading a section its names do not declare would leave its dashboard stale when
    that section changes. ``template_files`` reads ``[dashboards.*]`` to copy templates, not
    to render them."""
    sections = set(Config._fields) - {"vault", "dashboards"}
    for name, declared in CONTEXT_SETTINGS.items():
        assert declared <= sections, name

    def read_by(path: Path) -> set[str]:
        return set(re.findall(r"\bconfig\.(\w+)", path.read_text("utf-8"))) & set(Config._fields)

    folder = ROOT / "vaultkit" / "dashboards"
    for dashboard in BUILTINS:
        brought = set().union(*(c.settings for c in dashboard.context.values())) | {"vault"}
        for module in {c.make.module for c in dashboard.context.values() if c.make}:
            read = read_by(folder / f"{module}.py")
            assert read <= brought, (dashboard.name, module, read - brought)
    shared = set().union(*(c.settings for c in SHARED.values())) | {"vault"}
    everyone = set().union(*CONTEXT_SETTINGS.values()) | {"vault"}
    for path in sorted(folder.glob("*.py")):
        read = read_by(path)
        if path.stem != "template_files":
            assert read <= everyone, (path.name, read - everyone)
        if path.stem == "common":
            assert read <= shared, read


def test_every_scoped_family_has_its_rule_from_the_dashboard_that_reads_it() -> None:
    assert sorted(scope.family for scope in SCOPES) == sorted(SCOPED_FAMILIES)
    for dashboard in BUILTINS:
        read = set().union(*(c.families for c in dashboard.context.values()))
        for scope in dashboard.scopes:
            assert scope.family in read, dashboard.name
            rule = scope.moves.resolve()
            assert list(inspect.signature(rule).parameters) == [
                "connection",
                "config",
                "path",
                "families",
                "kept",
            ]


def test_each_builtin_has_its_template_named_after_it() -> None:
    for dashboard in BUILTINS:
        # The config's rule for a built-in that names no template.
        assert dashboard.template == f"{dashboard.name}.md.j2"
        assert (builtin_templates_dir() / dashboard.template).is_file()
    assert sorted(p.name for p in builtin_templates_dir().glob("*.j2")) == sorted(
        d.template for d in BUILTINS
    )


def test_the_registry_imports_no_dashboard_and_no_jinja() -> None:
    """The table is read where only it is needed: a maker is imported when first used."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import vaultkit.dashboards.registry"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "vaultkit.dashboards.registry" in imported
    heavy = {"jinja2", "markdown_it", "sqlite3", "vaultkit.config.load", "vaultkit.index.store"}
    heavy |= {f"vaultkit.dashboards.{d.name}" for d in BUILTINS}
    assert heavy & imported == set()


# --- the docs -----------------------------------------------------------------------------


def test_the_docs_list_the_builtin_dashboards_from_the_registry() -> None:
    text = DOCS.read_text("utf-8")
    begin = text.index("<!-- generated from vaultkit/dashboards/registry.py")
    start = text.index("\n", begin) + 1
    end = text.index("<!-- end of the generated list -->")
    assert text[start:end] == docs_table(), (
        "docs/templates.md's list of built-in dashboards is not the registry's; replace it "
        "with the output of vaultkit.dashboards.registry.docs_table()"
    )


def _docs_context_rows() -> dict[str, str]:
    """First column -> second column of the docs' context table (``| name | what it holds |``)."""
    text = DOCS.read_text("utf-8")
    table = text[text.index("| name | what it holds |") :].split("\n\n", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        first, second = line.strip("|").split("|", 1)
        for name in re.findall(r"`([^`]+)`", first):
            rows[name] = second
    return rows


def test_the_docs_document_every_context_name_and_no_other() -> None:
    documented = {name.split(".")[0] for name in _docs_context_rows()}
    missing, stale = set(CONTEXT) - documented, documented - set(CONTEXT)
    assert not missing, f"docs/templates.md: add a row to the Context table for {sorted(missing)}"
    assert not stale, f"docs/templates.md: the Context table documents no such name {sorted(stale)}"


def test_the_docs_list_a_topics_keys_with_its_computed_columns() -> None:
    row = _docs_context_rows()["topics"]
    keys = re.search(r"`\{([^}]*)\}`", row)
    assert keys is not None
    expected = ["path", "title", "properties", "lists", *topics.COMPUTED_COLUMNS, "digest"]
    assert keys[1].split(", ") == expected, (
        "docs/templates.md: the `topics` row of the Context table lists a topic's keys; write "
        f"them as `{{{', '.join(expected)}}}`"
    )


# --- the config (config/ is below dashboards/: these hold its copy to the registry) --------


def test_the_config_defaults_to_the_registrys_dashboards(tmp_path: Path) -> None:
    """The config has no table of its own: the registry's entries are the built-ins."""
    config = load_config(tmp_path, BUILTINS)
    assert [
        (d.name, d.target_path, d.region, d.template, d.enabled) for d in config.dashboards
    ] == [(d.name, d.target, None, d.template, True) for d in BUILTINS]


@pytest.fixture
def initialised(tmp_path: Path) -> str:
    """The config file ``vaultkit init`` writes."""
    (tmp_path / ".obsidian").mkdir()
    out, err = io.StringIO(), io.StringIO()
    assert run(["init", str(tmp_path)], out, err) == 0, err.getvalue()
    return (tmp_path / ".vaultkit" / "config.toml").read_text("utf-8")


def test_init_writes_one_section_per_registered_dashboard(initialised: str) -> None:
    for dashboard in BUILTINS:
        section = (
            f"[dashboards.{dashboard.name}]\n"
            f"# {dashboard.doc}\n"
            "enabled = true  # false: not generated, and its target is left alone\n"
            f'target = "{dashboard.target}"  # a .md file, or "Note.md#region-name"\n'
            f'template = ""  # "" = the built-in {dashboard.template}\n'
        )
        assert section in initialised
    written = re.findall(r"^\[dashboards\.([^\]]+)\]", initialised, re.MULTILINE)
    assert written == [d.name for d in BUILTINS]


def test_init_names_the_computed_topic_columns(initialised: str) -> None:
    comments = " ".join(
        line.lstrip("# ") for line in initialised.splitlines() if line.startswith("#")
    )
    listed = re.search(r"the computed columns ([^.]*)\.", comments)
    assert listed is not None
    assert sorted(re.split(r", | and ", listed[1])) == sorted(topics.COMPUTED_COLUMNS), (
        "the doc of TopicSettings.columns (vaultkit/config/schema.py) names the computed columns "
        f"of vaultkit/dashboards/topics.py: {', '.join(topics.COMPUTED_COLUMNS)}; then paste "
        "vaultkit init's config.toml into docs/config.md"
    )
