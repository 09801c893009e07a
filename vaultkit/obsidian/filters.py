"""Obsidian's "Excluded files": which vault paths a filter list matches.

A filter is a path prefix (``Archive/``, ``Archive``) or a JavaScript regex written ``/…/``,
as Obsidian's settings store them in ``userIgnoreFilters`` (:mod:`vaultkit.obsidian.settings`).
Obsidian only hides excluded files (in search, the graph, unlinked mentions); links to them
still resolve, so the scan lists them apart rather than dropping them. vaultkit's own
``[vault] excludes`` use the same forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import nfc

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Imported when first needed: logging costs the hook's start-up ~10 ms.
    import logging

    return logging.getLogger(__name__)


def is_excluded(path: str, filters: Sequence[str]) -> bool:
    """Whether ``path`` is matched by Obsidian "Excluded files" style ``filters``.

    A filter is a path prefix such as ``Archive/`` (the folder and everything below it) or
    ``Archive`` (the same, plus a file of exactly that path), or a regex written ``/…/`` that
    is searched for in the vault-relative path. An invalid regex matches nothing.
    """
    return compile_filters(tuple(filters)).matches(nfc(path))


class Filters(NamedTuple):
    """A compiled filter list (:func:`compile_filters`)."""

    prefixes: tuple[tuple[str, bool], ...]
    """(prefix without trailing slash, folder only) pairs."""
    regexes: tuple[re.Pattern[str], ...]

    def matches(self, path: str) -> bool:
        """Whether a file at ``path`` is matched."""
        for prefix, folder_only in self.prefixes:
            if path.startswith(prefix) and (
                path[len(prefix) : len(prefix) + 1] == "/"
                or (not folder_only and len(path) == len(prefix))
            ):
                return True
        return any(regex.search(path) for regex in self.regexes)

    def covers_dir(self, path: str) -> bool:
        """Whether every file below the folder ``path`` is matched, so it can be pruned.

        A regex cannot promise that (``/^Archive$/`` matches the folder, not what is in it),
        so only prefixes prune.
        """
        return any(path == p or path.startswith(p + "/") for p, _ in self.prefixes)


@lru_cache(maxsize=32)
def compile_filters(filters: tuple[str, ...]) -> Filters:
    """The filter list, compiled once (the hook and every scan ask for the same few lists)."""
    prefixes: list[tuple[str, bool]] = []
    regexes: list[re.Pattern[str]] = []
    for raw in filters:
        text = nfc(raw.strip())
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            regex = compile_js_regex(text[1:-1])
            if regex is not None:
                regexes.append(regex)
            continue
        folder_only = text.endswith("/")
        prefix = text.strip("/")
        # An empty prefix would hide the whole vault; Obsidian's UI never writes one.
        if prefix:
            prefixes.append((prefix, folder_only))
    return Filters(prefixes=tuple(prefixes), regexes=tuple(regexes))


def compile_js_regex(source: str) -> re.Pattern[str] | None:
    """Compile a JavaScript regex body (as Obsidian would) with Python's ``re``, or None."""
    if not source:
        # new RegExp("") matches every path; treat it as a typo rather than hide everything.
        return None
    # JavaScript spells named groups (?<name>…) and \k<name>; Python wants (?P<name>…), (?P=name).
    source = re.sub(r"\(\?<(?![=!])", "(?P<", source)
    source = re.sub(r"\\k<([A-Za-z_]\w*)>", r"(?P=\1)", source)
    try:
        # re.ASCII: in a JavaScript regex without the u flag, \w and \d are ASCII only.
        return re.compile(source, re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:
        _logger().debug("ignoring invalid exclude regex /%s/: %s", source, exc)
        return None
