"""One home for every rule (issue 14, defect 3): exit statuses and index ``meta`` keys are each
defined once, in the module the design gives them, and every other module imports them.

These read the source with ``ast`` rather than importing it: what is checked is where a name is
*defined*, which an import cannot tell from where it is re-exported.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vaultkit"
SURFACES = ("cli.py", "cli_args.py", "hook.py", "watch.py")
"""The modules that turn a run into an exit status."""
STATUS_NUMBERS = frozenset({0, 1, 2, 70, 130})


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
        ("BUG", 70),
        ("INTERRUPTED", 130),
    ]
    assert VaultkitError("x").exit_code is ExitStatus.ERROR


def test_the_argument_parser_does_not_import_the_cli() -> None:
    """``cli`` imports ``cli_args``; the other way round was a cycle."""
    tree = _modules()["cli_args.py"]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "vaultkit.cli" not in imported
