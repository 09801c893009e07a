"""The helpers dashboard templates call: filters and globals of the Jinja environment.

Each is a pure function of its arguments and the run's ``today`` (never the clock), so the
output stays a function of the vault. They are documented in ``docs/templates.md``; the
environment itself is :func:`vaultkit.dashboards.render.make_environment`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from vaultkit.dashboards.common import CellMarkdown
from vaultkit.dashboards.topics import topic_value
from vaultkit.obsidian.resolve import file_name_key


def template_filters(notes: Iterable[str] | Callable[[str], int], today: dt.date) -> dict[str, Any]:
    """The filters (``value | cell``); ``notes`` decide the shortest form of each wikilink
    (see :class:`Linker`)."""
    return {
        "progress_bar": progress_bar,
        "pct": pct,
        "cell": cell,
        "wikilink": Linker(notes),
        "code": code,
        **date_helpers(today),
    }


def template_globals() -> dict[str, Any]:
    """The functions a template calls by name (``progress_bar(done, total)``)."""
    return {"progress_bar": progress_bar, "pct": pct, "topic_value": topic_value}


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """``▰▰▰▱▱ 60%``: a text bar, because Obsidian renders no markdown inside HTML."""
    if total <= 0:
        return "▱" * width + " –"
    filled = round(width * done / total)
    return "▰" * filled + "▱" * (width - filled) + f" {round(100 * done / total)}%"


def pct(done: int, total: int) -> int:
    """``60``: the whole percentage ``done`` is of ``total`` (0 when there is nothing)."""
    return round(100 * done / total) if total else 0


def cell(value: Any) -> str:
    """A value made safe for one markdown table cell: pipes escaped, lists joined by <br>."""
    if value is None:
        return ""
    if isinstance(value, CellMarkdown):
        return " ".join(str(value).replace("|", "\\|").split("\n"))
    if isinstance(value, list | tuple):
        return "<br>".join(cell(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part.strip() for part in text.splitlines()) if "\n" in text else text


_NOT_IN_WIKILINKS = re.compile(r"[|#^\[\]\r\n]|%%")
"""What a wikilink target cannot hold (Obsidian's help: ``# | ^ : %% [[ ]]`` "may not work";
the colon is left out: it is common in file names and not a delimiter of the link)."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|^%~=$-])")


def _markdown_link(posix: PurePosixPath, section: str, alias: str | None) -> str:
    """``[Name](Name.md)`` with the path URL-encoded: reaches a note whose name no wikilink can.

    Without this, a note named ``A | B.md`` became ``[[A | B]]``: a link to "A " and, in a
    table, an extra column; a name with a line break split a table row in two.
    """
    url = quote(posix.as_posix(), safe="/")
    if section:
        url += "#" + quote(section.split(" > ")[-1], safe="")
    shown = " ".join((alias if alias is not None else posix.stem).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", shown)
    return f"[{escaped}]({url})"


def _none(_: str) -> int:
    return 0


class Linker:
    """Writes wikilinks the way Obsidian's "shortest path" setting does.

    ``notes`` is every visible note's path, or a function giving how many visible notes have
    a given file-name key (:func:`vaultkit.obsidian.resolve.file_name_key`): the sync asks the index
    for just the names its dashboards link to instead of listing the whole vault.
    """

    def __init__(self, notes: Iterable[str] | Callable[[str], int]) -> None:
        self._counts: dict[str, int] = {}
        if callable(notes):
            self._lookup = notes
        else:
            for path in notes:
                key = file_name_key(path)
                self._counts[key] = self._counts.get(key, 0) + 1
            self._lookup = _none

    def _count(self, key: str) -> int:
        if key not in self._counts:
            self._counts[key] = self._lookup(key)
        return self._counts[key]

    def __call__(self, path: str, section: str = "", alias: str | None = None) -> str:
        if _NOT_IN_WIKILINKS.search(path):
            return _markdown_link(PurePosixPath(path), section, alias)
        # String slicing, as PurePosixPath's name/stem/with_suffix would (index paths are
        # already normalised): a dashboard links hundreds of notes.
        folder_end = path.rfind("/") + 1
        name = path[folder_end:]
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name
        unique = self._count(file_name_key(name)) <= 1
        target = stem if unique else path[:folder_end] + stem
        if section:
            # Obsidian's heading links use the innermost heading of the path.
            target += "#" + section.split(" > ")[-1].replace("|", " ").replace("#", " ")
        if alias is None and not unique:
            alias = stem
        shown = f"|{alias.replace('|', ' ')}" if alias else ""
        return f"[[{target}{shown}]]"


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def date_helpers(today: dt.date) -> dict[str, Any]:
    """Date filters relative to the run's ``today`` (never the clock), so output stays pure."""

    def days_until(value: Any) -> int:
        return (_as_date(value) - today).days

    def days_since(value: Any) -> int:
        return (today - _as_date(value)).days

    def weekday(value: Any) -> str:
        return _as_date(value).strftime("%A")

    def date_format(value: Any, fmt: str = "%d %b %Y") -> str:
        return _as_date(value).strftime(fmt)

    return {
        "days_until": days_until,
        "days_since": days_since,
        "weekday": weekday,
        "date_format": date_format,
    }


def code(text: str) -> str:
    """Text as inline code, backticks made quotes: shows a broken link without linking it."""
    return "`" + str(text).replace("`", "'") + "`"
