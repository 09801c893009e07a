"""One home for every rule (issue 14, defect 3): exit statuses and index ``meta`` keys are each
defined once, in the module the design gives them, and every other module imports them.

These read the source with ``ast`` rather than importing it: what is checked is where a name is
*defined*, which an import cannot tell from where it is re-exported.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vaultkit"
SURFACES = ("cli/main.py", "cli/args.py", "live/hook.py", "live/watch.py")
"""The modules that turn a run into an exit status."""
STATUS_NUMBERS = frozenset({0, 1, 2, 70, 120, 130})


@cache
def _modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text("utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _definitions() -> dict[str, list[str]]:
    """Module-level (and class-level) names assigned anywhere in the package -> the modules."""
    found: dict[str, list[str]] = defaultdict(list)
    for name, tree in _modules().items():
        bodies = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef)]
        for body in bodies:
            for node in body:
                targets: list[ast.expr] = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets = [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id].append(name)
    return found


def test_no_module_defines_its_own_exit_codes() -> None:
    homes = {name: modules for name, modules in _definitions().items() if name.startswith("EXIT")}
    assert homes == {}, "exit statuses belong to vaultkit.errors.ExitStatus"


@pytest.mark.parametrize("module", SURFACES)
def test_exit_statuses_are_never_spelt_as_numbers(module: str) -> None:
    """``return 2`` or ``SystemExit(2)`` would be a second definition of what 2 means (other
    numbers, such as a terminal's 80 columns, are not exit statuses)."""
    tree = _modules()[module]
    numbers = []
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if isinstance(node, ast.Return):
            value = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "SystemExit"
            and node.args
        ):
            value = node.args[0]
        if (
            isinstance(value, ast.Constant)
            and type(value.value) is int
            and value.value in STATUS_NUMBERS
        ):
            numbers.append(f"{module}:{value.lineno}")
    assert numbers == []


def test_the_exit_statuses_are_the_designs() -> None:
    from vaultkit.errors import ExitStatus, VaultkitError

    assert [(s.name, int(s)) for s in ExitStatus] == [
        ("OK", 0),
        ("PROBLEMS", 1),
        ("ERROR", 2),
        # A second watcher refused (issue 17 item 15): the status the service files do not
        # restart on, so a refused watcher is not started again every 10 s.
        ("ALREADY_WATCHED", 3),
        ("BUG", 70),
        # stdout could not be written (a full disk behind a redirect): the status Python's own
        # exit gives a failed flush, which vaultkit's faster exit keeps.
        ("OUTPUT_FAILED", 120),
        ("INTERRUPTED", 130),
    ]
    assert VaultkitError("x").exit_code is ExitStatus.ERROR


def test_the_argument_parser_does_not_import_the_cli() -> None:
    """``cli`` imports ``cli_args``; the other way round was a cycle."""
    tree = _modules()["cli/args.py"]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "vaultkit.cli.main" not in imported


def _meta_keys() -> dict[str, str]:
    """Name -> value of every key in ``vaultkit.index.meta``."""
    tree = _modules()["index/meta.py"]
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.endswith("_KEY")
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def test_index_meta_holds_the_keys_the_pipeline_shares() -> None:
    keys = _meta_keys()
    for name in ("SYNCED_AT_KEY", "STAMP_KEY", "RENDER_KEY", "TARGET_KEY", "WROTE_KEY"):
        assert name in keys


@pytest.mark.parametrize("name", ["RACY_SLACK_NS", "SYNCED_AT_KEY", "STAMP_KEY", "WROTE_KEY"])
def test_a_meta_name_is_defined_once(name: str) -> None:
    assert _definitions()[name] == ["index/meta.py"]


def test_every_meta_key_is_defined_only_in_index_meta() -> None:
    definitions = _definitions()
    elsewhere = {
        name: modules
        for name, modules in definitions.items()
        if name in _meta_keys() and modules != ["index/meta.py"]
    }
    assert elsewhere == {}


def test_no_meta_key_is_spelt_out_elsewhere() -> None:
    """Not in SQL (``WHERE key = 'vault'``, ``LIKE 'rendered:%'``), nor a prefix key as a bare
    string (``f"generation:{family}"``). A whole key as a bare string may be something else:
    ``"vault"`` is the config's table, ``"schema_version"`` a field of ``vaultkit doctor``."""
    keys = set(_meta_keys().values())
    spelt = []
    for module, tree in _modules().items():
        if module == "index/meta.py":
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            for key in keys:
                quoted = f"'{key}'" in node.value or f"'{key}%'" in node.value
                if quoted or (key.endswith(":") and node.value == key):
                    spelt.append(f"{module}:{node.lineno}: {key}")
    assert spelt == []
