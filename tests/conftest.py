"""Shared test set-up: hypothesis profiles and the one ``vault`` fixture.

``VAULTKIT_HYPOTHESIS=thorough python -m pytest`` runs the property tests with a much
larger, randomised example budget; the default "ci" profile is derandomised so that a
CI run is repeatable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.cli import copy_example_vault
from tests.support.file_modes import as_a_user  # noqa: F401  (a fixture: read-only files, even as root)

settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("VAULTKIT_HYPOTHESIS", "ci"))


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of example_vault, with its own index folder and a fixed today.

    The one vault fixture: a module that needs the vault in another state (synced once, a
    setting changed, a note added) says so with an autouse fixture of its own that takes this
    one. Its folder name has a space in it, as many real vaults' names do.
    """
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VAULTKIT_TODAY", "2026-11-22")
    target = tmp_path / "My Vault"
    copy_example_vault(target)
    return target.resolve()
