"""Changing keys of ``.vaultkit/config.toml`` in place, comments and layout kept.

tomlkit reads and writes the file as the user wrote it (comments, order, blank lines), which
a hand-written TOML writer would not; only the keys set here change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tomlkit


def setting(text: str, key: Sequence[str]) -> Any:
    """The value the file sets for ``key`` (``("dashboards", "topics", "target")``), or None
    when it leaves the key at its default."""
    found: Any = tomlkit.parse(text).unwrap()
    for part in key:
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


def with_settings(text: str, values: Sequence[tuple[Sequence[str], Any]]) -> str:
    """``text`` with each ``key`` set to its value; tables are added where missing."""
    document = tomlkit.parse(text)
    for key, value in values:
        table: Any = document
        for depth, part in enumerate(key[:-1]):
            if part not in table:
                # [dashboards.topics] rather than an empty [dashboards] above it.
                table[part] = tomlkit.table(is_super_table=depth < len(key) - 2)
            table = table[part]
        if isinstance(value, list):
            array = tomlkit.array()
            array.extend(value)
            table[key[-1]] = array
        else:
            table[key[-1]] = value
    written = tomlkit.dumps(document)
    return written if written.endswith("\n") else written + "\n"
