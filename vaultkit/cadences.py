"""Which section headings name a cadence (``[status.cadences]``), and the one way a heading is
matched against them (shared by the config's checks, the index and the Status context).

A leaf with nothing heavy to import: the config, which the hook loads on every save, reads the
defaults and the matching rule from here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_CADENCES: Mapping[str, str] = MappingProxyType(
    {
        "Daily": "daily",
        "Weekly": "weekly",
        "Bi-weekly": "bi-weekly",
        "Fortnightly": "bi-weekly",
        "Weekend": "weekend",
        "Monthly": "monthly",
        "Quarterly": "quarterly",
        "Yearly": "yearly",
    }
)
"""Heading name -> cadence, as Obsidian users usually spell them (``Bi Weekly``, ``biweekly``
and ``BI-WEEKLY`` are ``Bi-weekly`` by :func:`heading_key`)."""


def heading_key(name: str) -> str:
    """What a heading name is matched by: its letters and digits, case-folded (so case,
    spaces, hyphens and punctuation do not matter: ``Bi Weekly`` is ``bi-weekly``)."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def cadence_name(value: str) -> str:
    """A cadence as the index keeps it and the dashboard groups it: lower-case, single spaces."""
    return " ".join(value.split()).lower()


class Cadences:
    """Which section headings name a cadence: heading name -> cadence, matched forgivingly.

    The innermost heading of a task's section names a cadence when its :func:`heading_key` is
    that of a listed name, or else starts with one (``Daily tasks`` is daily; the longest name
    wins, so ``Weekend`` is not ``Week``). Picklable, for the parser's worker processes.
    """

    __slots__ = ("_exact", "_found", "_prefixes", "names", "order")

    def __init__(self, names: Mapping[str, str] = DEFAULT_CADENCES) -> None:
        self.names: tuple[tuple[str, str], ...] = tuple(
            (name, cadence_name(value)) for name, value in names.items()
        )
        self._exact = {heading_key(name): value for name, value in self.names if heading_key(name)}
        self._prefixes = sorted(self._exact, key=len, reverse=True)
        self.order: tuple[str, ...] = tuple(dict.fromkeys(value for _, value in self.names))
        """The cadences in the order the table first names them: the dashboard's order."""
        self._found: dict[str, str | None] = {}

    def __reduce__(self) -> tuple[type[Cadences], tuple[dict[str, str]]]:
        return (Cadences, (dict(self.names),))

    def of(self, section: str) -> str | None:
        """The cadence named by the innermost heading of a section path (``A > B``), if any."""
        if section in self._found:
            return self._found[section]
        found = None
        if section:
            key = heading_key(section.split(" > ")[-1])
            found = self._exact.get(key)
            if found is None and key:
                prefix = next((p for p in self._prefixes if key.startswith(p)), None)
                found = self._exact[prefix] if prefix is not None else None
        if len(self._found) < 65_536:
            self._found[section] = found
        return found

    @property
    def fingerprint(self) -> str:
        """What the index records to know which table its cadences were derived with."""
        return json.dumps(sorted(self._exact.items()), ensure_ascii=False)
