"""The dashboards' Jinja environment answers ``obj.name`` exactly as Jinja's immutable sandbox
does, though it skips the sandbox's checks for the records dashboards read most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from vaultkit.dashboards.render import make_environment
from vaultkit.task_progress import Progress


def _same(ours: Any, theirs: Any) -> bool:
    if type(theirs).__name__.endswith("Undefined"):
        return type(ours) is type(theirs) and ours._undefined_hint == theirs._undefined_hint
    if callable(theirs):
        return type(ours) is type(theirs)
    return bool(ours == theirs)


@pytest.mark.parametrize(
    ("obj", "attribute"),
    [
        ({"text": "a task", "due": None}, "text"),
        ({"text": "a task", "due": None}, "due"),
        ({"text": "a task"}, "missing"),
        ({"items": "a key named like a method"}, "items"),
        ({"get": 1}, "get"),
        ({"pop": 1}, "pop"),
        ({"__class__": 1}, "__class__"),
        (Progress(3, 4), "done"),
        (Progress(3, 4), "total"),
        (Progress(3, 4), "pct"),
        (Progress(3, 4), "missing"),
        (Progress(3, 4), "__class__"),
    ],
)
def test_attribute_lookup_matches_the_sandbox(tmp_path: Path, obj: Any, attribute: str) -> None:
    ours = make_environment(tmp_path, [])
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    assert _same(ours.getattr(obj, attribute), sandbox.getattr(obj, attribute))
