"""Typed reading of TOML values with every problem collected, each with its key and line.

A getter that meets a wrong type or a value out of bounds records the problem and falls back
to the default, so that one run finds every problem in the file; :meth:`Reader.raise_if_any`
then raises them all in one :class:`~vaultkit.errors.ConfigError`, sorted by line.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from vaultkit.config.toml_lines import Key, KeyLines, key_name
from vaultkit.errors import ConfigError
from vaultkit.vaultpaths import CONFIG_PATH

SHOWN = CONFIG_PATH.as_posix()
"""The config file as messages name it."""

MAX_TEXT = 4096
"""Longest string value (the longest path most systems accept)."""
MAX_ENTRIES = 1000
"""Most entries in one array or table (excludes, columns, habit targets, dashboards)."""


class Reader:
    """Typed getters that record a problem and fall back to the default, so all are found."""

    def __init__(self, lines: KeyLines) -> None:
        self.lines = lines
        self.problems: list[tuple[int, int, ConfigError]] = []

    def add(self, key: Key, message: str) -> None:
        line = self.lines.find(key)
        entry = ConfigError(f"key '{key_name(key)}': {message}", path=SHOWN, line=line)
        # Sorted by line when raised; problems without a line go last, in the order found.
        self.problems.append((line if line is not None else 1 << 30, len(self.problems), entry))

    def raise_if_any(self) -> None:
        if self.problems:
            found = tuple(problem for _, _, problem in sorted(self.problems))
            raise ConfigError("\n".join(map(str, found)), problems=found)

    def known(self, table: Mapping[str, object], key: Key, names: Sequence[str]) -> None:
        for name in table:
            if name in names:
                continue
            import difflib

            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(names)}"
            self.add((*key, name), f"unknown key ({hint})")

    def _get(self, table: Mapping[str, object], key: Key) -> object:
        name = key[-1]
        assert isinstance(name, str)
        return table.get(name)

    def table(self, parent: Mapping[str, object], key: Key) -> dict[str, object]:
        value = self._get(parent, key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(key, f"expected a table, got {show(value)}")
            return {}
        if len(value) > MAX_ENTRIES:
            self.add(key, f"has {len(value)} entries, more than the {MAX_ENTRIES} allowed")
            return {}
        return value

    def text(self, table: Mapping[str, object], key: Key, default: str) -> str:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.add(key, f"expected a string, got {show(value)}")
            return default
        if len(value) > MAX_TEXT:
            self.add(key, too_long(value))
            return default
        return value

    def flag(self, table: Mapping[str, object], key: Key, default: bool) -> bool:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(key, f"expected true or false, got {show(value)}")
            return default
        return value

    def integer(
        self,
        table: Mapping[str, object],
        key: Key,
        default: int,
        *,
        minimum: int,
        at_most: int,
    ) -> int:
        value = self._get(table, key)
        if value is None:
            return default
        # bool is an int subclass in Python, but `true` is no number in TOML.
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(key, f"expected an integer, got {show(value)}")
            return default
        if value < minimum:
            self.add(key, f"expected an integer of at least {minimum}, got {show(value)}")
            return default
        if value > at_most:
            self.add(key, f"expected an integer of at most {at_most}, got {show(value)}")
            return default
        return value

    def number(
        self,
        table: Mapping[str, object],
        key: Key,
        default: float,
        *,
        minimum: float,
        maximum: float = math.inf,
        at_most: float = math.inf,
    ) -> float:
        """A number within ``minimum``..``maximum`` (said so), and not above ``at_most``.

        ``at_most`` is a sanity ceiling for settings with no natural maximum: it keeps
        ``inf`` (``1e400`` in TOML) and absurd values from reaching timers and arithmetic.
        """
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(key, f"expected a number, got {show(value)}")
            return default
        if not minimum <= value <= maximum:  # also rejects nan
            bounds = f"from {minimum:g} to {maximum:g}"
            if maximum == math.inf:
                bounds = f"of at least {minimum:g}"
            self.add(key, f"expected a number {bounds}, got {show(value)}")
            return default
        if value > at_most:
            self.add(key, f"expected a number of at most {_num(at_most)}, got {show(value)}")
            return default
        return float(value)

    def texts(
        self, table: Mapping[str, object], key: Key, default: tuple[str, ...]
    ) -> tuple[str, ...]:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, list):
            self.add(key, f"expected an array of strings, got {show(value)}")
            return default
        if len(value) > MAX_ENTRIES:
            self.add(key, f"has {len(value)} entries, more than the {MAX_ENTRIES} allowed")
            return default
        items: list[str] = []
        for number, item in enumerate(value):
            if not isinstance(item, str):
                self.add((*key, number), f"expected a string, got {show(item)}")
            elif len(item) > MAX_TEXT:
                self.add((*key, number), too_long(item))
            else:
                items.append(item)
        return tuple(items)

    def numbers(
        self,
        table: Mapping[str, object],
        key: Key,
        *,
        minimum: float,
        maximum: float,
        same: str,
    ) -> Mapping[str, float]:
        """A table of name → number (read-only); two names that differ only in case are
        reported as "the same ``same`` as" the first."""
        entries = self.table(table, key)
        numbers: dict[str, float] = {}
        first_spelling: dict[str, str] = {}
        for name in entries:
            entry = (*key, name)
            if name.casefold() in first_spelling:
                self.add(entry, f"the same {same} as {show(first_spelling[name.casefold()])}")
            first_spelling.setdefault(name.casefold(), name)
            found = len(self.problems)
            value = self.number(entries, entry, minimum, minimum=minimum, maximum=maximum)
            if len(self.problems) == found:
                numbers[name] = value
        return MappingProxyType(numbers)

    def text_table(
        self, table: Mapping[str, object], key: Key, default: Mapping[str, str]
    ) -> Mapping[str, str]:
        """A table of name → string (read-only), replacing ``default`` when the file sets it."""
        if self._get(table, key) is None:
            return default
        entries = self.table(table, key)
        found: dict[str, str] = {}
        for name in entries:
            entry = (*key, name)
            problems = len(self.problems)
            value = self.text(entries, entry, "")
            if len(self.problems) == problems:
                found[name] = value
        return MappingProxyType(found)


def strings(value: object) -> list[tuple[int, str]]:
    """The strings of a TOML array with their positions (others are reported by texts())."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        return []
    return [
        (number, item)
        for number, item in enumerate(value)
        if isinstance(item, str) and len(item) <= MAX_TEXT
    ]


def too_long(text: str) -> str:
    return f"is {len(text)} characters long, more than the {MAX_TEXT} a setting may hold"


def show(value: object) -> str:
    """A value as the user wrote it in TOML (scalars) or its kind (arrays, tables, dates)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return type(value).__name__


def _num(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int) and abs(value) >= 10**20:
        digits = len(str(abs(value)))  # tomllib reads at most 4300 digits: str() can too
        return f"a {digits}-digit integer"
    return repr(value)
