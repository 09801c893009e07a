"""Obsidian's "Excluded files" and vaultkit's excludes: which vault paths a filter list matches.

A filter is a path prefix (``Archive/``, ``Archive``) or a JavaScript regex written ``/…/``,
as Obsidian's settings store them in ``userIgnoreFilters`` (:mod:`vaultkit.obsidian.settings`).
Obsidian only hides excluded files (in search, the graph, unlinked mentions); links to them
still resolve, so the scan lists them apart rather than dropping them. vaultkit's own
``[vault] excludes`` take the same forms, and also glob patterns as users write them in a
``.gitignore`` (``*.excalidraw.md``, ``Templates/**/*.md``): Obsidian itself reads
``*.excalidraw.md`` as a path prefix that no file starts with, so globs are never applied to
``userIgnoreFilters`` (:func:`unmatched_filters` reports such a filter instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import nfc

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Asked for when first needed: importing logging costs the hook's start-up ~10 ms.
    from vaultkit.feedback import logger

    return logger(__name__)


GLOB_CHARS = frozenset("*?")
"""A filter holding one of these is a glob pattern (where globs are accepted). ``[`` alone
does not make one: folder names such as ``Archive [old]`` are common prefixes."""


def is_glob(text: str) -> bool:
    """Whether an exclude entry is a glob pattern rather than a prefix or a ``/regex/``."""
    return not _is_regex(text.strip()) and any(c in GLOB_CHARS for c in text)


def is_excluded(path: str, filters: Sequence[str], *, globs: bool = False) -> bool:
    """Whether ``path`` is matched by Obsidian "Excluded files" style ``filters``.

    A filter is a path prefix such as ``Archive/`` (the folder and everything below it) or
    ``Archive`` (the same, plus a file of exactly that path), or a regex written ``/…/`` that
    is searched for in the vault-relative path. An invalid regex matches nothing. With
    ``globs`` (vaultkit's own excludes), a filter holding ``*`` or ``?`` is a glob pattern
    (:func:`glob_regex`).
    """
    return compile_filters(tuple(filters), globs=globs).matches(nfc(path))


class Filters(NamedTuple):
    """A compiled filter list (:func:`compile_filters`)."""

    prefixes: tuple[tuple[str, bool], ...]
    """(prefix without trailing slash, folder only) pairs."""
    regexes: tuple[re.Pattern[str], ...]
    globs: tuple[tuple[re.Pattern[str], bool], ...] = ()
    """(regex matching a whole path, folder only) pairs: the glob patterns."""

    @property
    def empty(self) -> bool:
        """Whether the list matches nothing at all."""
        return not (self.prefixes or self.regexes or self.globs)

    def matches(self, path: str) -> bool:
        """Whether a file at ``path`` is matched."""
        for prefix, folder_only in self.prefixes:
            if path.startswith(prefix) and (
                path[len(prefix) : len(prefix) + 1] == "/"
                or (not folder_only and len(path) == len(prefix))
            ):
                return True
        if any(regex.search(path) for regex in self.regexes):
            return True
        return bool(self.globs) and (
            any(regex.fullmatch(path) for regex, folder_only in self.globs if not folder_only)
            or self._glob_covers_folder_of(path)
        )

    def covers_dir(self, path: str) -> bool:
        """Whether every file below the folder ``path`` is matched, so it can be pruned.

        A regex cannot promise that (``/^Archive$/`` matches the folder, not what is in it),
        so only prefixes and globs prune: a glob that matches a folder matches what is in it,
        as in a ``.gitignore``.
        """
        if any(path == p or path.startswith(p + "/") for p, _ in self.prefixes):
            return True
        return bool(self.globs) and self._glob_covers_folder_of(path + "/")

    def _glob_covers_folder_of(self, path: str) -> bool:
        """Whether a glob matches one of the folders above the file ``path``."""
        end = path.find("/")
        while end != -1:
            folder = path[:end]
            if any(regex.fullmatch(folder) for regex, _ in self.globs):
                return True
            end = path.find("/", end + 1)
        return False


def _is_regex(text: str) -> bool:
    return len(text) >= 2 and text.startswith("/") and text.endswith("/")


@lru_cache(maxsize=32)
def compile_filters(filters: tuple[str, ...], *, globs: bool = False) -> Filters:
    """The filter list, compiled once (the hook and every scan ask for the same few lists).

    ``globs``: whether ``*``/``?`` make an entry a glob pattern (vaultkit's own excludes);
    Obsidian's ``userIgnoreFilters`` are read as Obsidian reads them, without globs.
    """
    prefixes: list[tuple[str, bool]] = []
    regexes: list[re.Pattern[str]] = []
    patterns: list[tuple[re.Pattern[str], bool]] = []
    for raw in filters:
        text = nfc(raw.strip())
        if _is_regex(text):
            regex = compile_js_regex(text[1:-1])
            if regex is not None:
                regexes.append(regex)
            continue
        if globs and is_glob(text):
            patterns.append((re.compile(glob_regex(text.rstrip("/"))), text.endswith("/")))
            continue
        folder_only = text.endswith("/")
        prefix = text.strip("/")
        # An empty prefix would hide the whole vault; Obsidian's UI never writes one.
        if prefix:
            prefixes.append((prefix, folder_only))
    return Filters(prefixes=tuple(prefixes), regexes=tuple(regexes), globs=tuple(patterns))


def glob_regex(glob: str) -> str:
    """A glob pattern as a regex matching a whole vault path, with ``.gitignore``'s rules.

    ``*`` is any run of characters but ``/``, ``?`` one such character, ``[abc]``/``[!abc]``
    a set; ``**`` crosses folders (``**/`` any folders, or none). A pattern without a ``/``
    matches a file or folder name at any depth (``*.excalidraw.md``); one with a ``/`` is a
    path from the vault root (a leading ``/`` just says so). A trailing ``/`` (stripped by
    the caller) limits it to folders.
    """
    anchored = "/" in glob
    body = glob.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and (close := _set_end(body, i)) != -1:
            inner = body[i + 1 : close]
            negate = inner[:1] in ("!", "^")
            members = re.escape(inner[1:] if negate else inner).replace("\\-", "-")
            out.append(f"[{'^/' if negate else ''}{members}]")
            i = close + 1
        else:
            out.append(re.escape(char))
            i += 1
    regex = "".join(out)
    # Unanchored: the name of a file or folder at any depth.
    return regex if anchored else f"(?:.*/)?{regex}"


def _set_end(text: str, start: int) -> int:
    """Where the ``[…]`` set opened at ``start`` closes (a ``]`` right after ``[`` or ``[!``
    is a member, as in ``fnmatch``), or -1 for a lone ``[``."""
    i = start + 1
    if text[i : i + 1] in ("!", "^"):
        i += 1
    if text[i : i + 1] == "]":
        i += 1
    close = text.find("]", i)
    return -1 if "/" in text[start:close] else close


def unmatched_filters(
    filters: Sequence[str], paths: Iterable[str], *, globs: bool = False
) -> list[str]:
    """The entries of ``filters`` that match none of ``paths`` (files and pruned folders).

    For a warning: ``*.excalidraw.md`` in Obsidian's "Excluded files", or a misspelt
    folder in the excludes, silently hides nothing.
    """
    remaining = {entry: compile_filters((entry,), globs=globs) for entry in filters}
    remaining = {entry: f for entry, f in remaining.items() if not f.empty}
    for path in paths:
        if not remaining:
            break
        for entry in [e for e, f in remaining.items() if f.matches(path) or f.covers_dir(path)]:
            del remaining[entry]
    return list(remaining)


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
