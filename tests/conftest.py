"""Shared test set-up: hypothesis profiles.

``VAULTKIT_HYPOTHESIS=thorough python -m pytest`` runs the property tests with a much
larger, randomised example budget; the default "ci" profile is derandomised so that a
CI run is repeatable.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
