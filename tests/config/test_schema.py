"""Tests for vaultkit.config.schema: each setting written once, with bounds that are kept."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.support.config_files import write_config
from vaultkit.config.load import load_config
from vaultkit.config.schema import MIB, Config, Kind, Setting, sections
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import ConfigError

SETTINGS = [(part.name, name, setting) for part in sections() for name, setting in part.settings]


def test_every_field_is_a_setting_and_its_default_is_the_settings() -> None:
    for part in sections():
        assert part.defaults == getattr(Config(), part.name) == type(part.defaults)()
        assert list(type(part.defaults)._fields) == [name for name, _ in part.settings]
        for name, setting in part.settings:
            assert isinstance(setting, Setting), f"{part.name}.{name} is not annotated with one"
            assert setting.doc.strip(), f"{part.name}.{name} has no doc"


def test_the_sections_are_the_config_files_tables_in_order() -> None:
    assert [part.name for part in sections()] == [
        "vault",
        "status",
        "topics",
        "habits",
        "daily_notes",
    ]
    assert Config._fields[-1] == "dashboards"


# The bounds each number must keep (issue 13: no tracebacks, nothing absurd reaches a timer).
BOUNDS = {
    ("vault", "max_files_written"): (1, math.inf, 1_000_000),
    ("vault", "max_growth"): (1.0, math.inf, 1_000_000),
    ("vault", "growth_allowance"): (0, math.inf, 1024 * MIB),
    ("vault", "template_timeout"): (0.1, math.inf, 3600),
    ("vault", "max_output"): (1024, math.inf, 1024 * MIB),
    ("vault", "quiet_seconds"): (0.0, math.inf, 86_400),
    ("vault", "debounce_ms"): (0, math.inf, 3_600_000),
    ("habits", "window_days"): (1, math.inf, 36_525),
    ("habits", "targets"): (0, 100, math.inf),
    ("habits", "default_target"): (0.0, 100.0, math.inf),
}


def test_every_number_keeps_its_bounds() -> None:
    numeric = {
        (table, name): (setting.minimum, setting.maximum, setting.at_most)
        for table, name, setting in SETTINGS
        if setting.kind in (Kind.INTEGER, Kind.NUMBER, Kind.NUMBERS)
    }
    assert numeric == BOUNDS


def _out_of_bounds() -> list[tuple[str, str, str]]:
    """(table, TOML assignment, key named) for a value just past each finite bound."""
    cases = []
    for table, name, setting in SETTINGS:
        if setting.kind not in (Kind.INTEGER, Kind.NUMBER, Kind.NUMBERS):
            continue
        ceiling = min(setting.maximum, setting.at_most)
        for value in (setting.minimum - 1, ceiling + 1):
            if not math.isfinite(value):
                continue
            shown = repr(int(value)) if setting.kind is Kind.INTEGER else repr(float(value))
            if setting.kind is Kind.NUMBERS:
                cases.append((table, f"{name} = {{ x = {shown} }}", f"{table}.{name}.x"))
            else:
                cases.append((table, f"{name} = {shown}", f"{table}.{name}"))
    return cases


@pytest.mark.parametrize(("table", "assignment", "key"), _out_of_bounds())
def test_every_bound_is_enforced(tmp_path: Path, table: str, assignment: str, key: str) -> None:
    write_config(tmp_path, f"[{table}]\n{assignment}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, BUILTINS)
    [message] = str(caught.value).splitlines()
    assert message.startswith(f".vaultkit/config.toml:2: key '{key}': expected ")
