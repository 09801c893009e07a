"""How a section heading is matched against ``[status.cadences]``: forgivingly."""

from __future__ import annotations

import pickle

import pytest

from vaultkit.cadences import Cadences


@pytest.mark.parametrize(
    ("section", "cadence"),
    [
        ("Status > Daily", "daily"),
        ("DAILY", "daily"),
        ("Bi Weekly", "bi-weekly"),
        ("bi-weekly", "bi-weekly"),
        ("Biweekly", "bi-weekly"),
        ("Fortnightly", "bi-weekly"),
        ("Weekend", "weekend"),
        ("Weekly review", "weekly"),  # starts with a name
        ("Daily > Notes", None),  # only the innermost heading counts
        ("Weekday", None),
        ("", None),
    ],
)
def test_the_default_table_matches_the_usual_spellings(section: str, cadence: str | None) -> None:
    assert Cadences().of(section) == cadence


def test_the_longest_name_wins_and_cadences_are_lower_case() -> None:
    cadences = Cadences({"Week": "Weekly", "Weekend": "  Week  End ", "Täglich": "daily"})
    assert cadences.of("Weekends") == "week end"
    assert cadences.of("Week 12") == "weekly"
    assert cadences.of("TÄGLICH") == "daily"
    assert cadences.order == ("weekly", "week end", "daily")


def test_a_table_survives_the_trip_to_a_worker_process() -> None:
    cadences = Cadences({"Sprint": "sprint"})
    copy = pickle.loads(pickle.dumps(cadences))
    assert copy.of("Sprint 3") == "sprint" and copy.fingerprint == cadences.fingerprint
