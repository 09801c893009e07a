"""The helpers dashboard templates call: filters and globals of the Jinja environment.

Each is a pure function of its arguments and the run's ``today`` (never the clock), so the
output stays a function of the vault. They are documented in ``docs/templates.md``; the
environment itself is :func:`vaultkit.dashboards.render.make_environment`.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from vaultkit.dashboards.common import Markdown, NameCounts
from vaultkit.dashboards.topics import Topic, topic_value
from vaultkit.obsidian.resolve import file_name_key


def template_filters(notes: Iterable[str] | Callable[[str], int], today: dt.date) -> dict[str, Any]:
    """The filters (``value | cell``); ``notes`` decide the shortest form of each wikilink
    (see :class:`Linker`)."""
    wikilink = Linker(notes)
    return {
        "progress_bar": progress_bar,
        "pct": pct,
        "cell": cell,
        "wikilink": wikilink,
        "topic_key": partial(topic_key, wikilink),
        "topic_keys": partial(topic_keys, wikilink),
        "blocks": blocks,
        "link": link,
        "code": code,
        "counted": counted,
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


def counted(count: int, word: str, plural: str | None = None) -> str:
    """``1 note``, ``2 notes``: a count with its noun, in the plural unless it is one (``plural``
    for a noun that does not just take an ``s``: ``counted(n, "entry", "entries")``)."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def pct(done: int, total: int) -> int:
    """``60``: the whole percentage ``done`` is of ``total`` (0 when there is nothing)."""
    return round(100 * done / total) if total else 0


def cell(value: Any) -> str:
    """A value made safe for one markdown table cell: pipes escaped, lists joined by <br>.

    The one escaping path of table cells: every value a template writes into a cell, the
    links of ``wikilink`` and ``link`` included, goes through it. Plain text is made literal
    (backslashes doubled); :class:`~vaultkit.dashboards.common.Markdown` keeps its markup and
    only has its pipes escaped, which is what Obsidian needs for the alias of a wikilink in a
    table (``[[Note\\|alias]]``, its help says so).
    """
    if value is None:
        return ""
    if isinstance(value, Markdown):
        return " ".join(_escape_pipes(str(value)).split("\n"))
    if isinstance(value, list | tuple):
        return "<br>".join(cell(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part.strip() for part in text.splitlines()) if "\n" in text else text


_UNESCAPED_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\|")
"""A ``|`` after an even number of backslashes (none included): one that would end a cell."""


def _escape_pipes(markdown: str) -> str:
    """Every pipe of ``markdown`` escaped for a table cell, the ones escaped already kept.

    GFM table parsers disagree on ``\\\\|``: markdown-it sees an escaped pipe (it looks at
    one character back), cmark-gfm and marked a backslash and a cell boundary (they count
    the backslashes). A pipe after an odd number of backslashes is escaped for all of them,
    and each removes exactly one backslash before it reads the cell's inline markdown, so
    the cell shows what the markdown showed outside a table (``\\|`` and ``|`` show alike
    but in code, where a cell cannot hold ``\\|`` at all).
    """
    return _UNESCAPED_PIPE.sub(r"\1\\|", markdown)


def link(url: str, text: str | None = None) -> Markdown:
    """``[text](url)``: a markdown link to an external resource, its text made plain.

    Brackets in the text become parentheses (they would end it), backslashes are doubled,
    line breaks become spaces; spaces and ``)`` in the URL are percent-encoded.
    """
    shown = (text or url).replace("\\", "\\\\").replace("[", "(").replace("]", ")")
    shown = " ".join(shown.splitlines())
    target = url.replace(" ", "%20").replace(")", "%29")
    return Markdown(f"[{shown}]({target})")


_NOT_IN_WIKILINKS = re.compile(r"[|#^\[\]\r\n]|%%")
"""What a wikilink target cannot hold (Obsidian's help: ``# | ^ : %% [[ ]]`` "may not work";
the colon is left out: it is common in file names and not a delimiter of the link)."""
_BRACKETS = re.compile(r"[\[\]]")
"""What an alias cannot hold: ``]]`` would end the link, ``[[`` start another."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|^%~=$-])")


def _markdown_link(posix: PurePosixPath, section: str, alias: str | None) -> Markdown:
    """``[Name](Name.md)`` with the path URL-encoded: reaches a note whose name no wikilink can.

    Without this, a note named ``A | B.md`` became ``[[A | B]]``: a link to "A " and, in a
    table, an extra column; a name with a line break split a table row in two.
    """
    url = quote(posix.as_posix(), safe="/")
    if section:
        url += "#" + quote(section.split(" > ")[-1], safe="")
    shown = " ".join((alias if alias is not None else posix.stem).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", shown)
    return Markdown(f"[{escaped}]({url})")


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
        # The name counts know the keys of the notes they were primed with.
        self._key_of = notes.key_of if isinstance(notes, NameCounts) else file_name_key
        if callable(notes):
            self._lookup = notes
        else:
            for path in notes:
                key = file_name_key(path)
                self._counts[key] = self._counts.get(key, 0) + 1
            self._lookup = _none

    def unique(self, path: str) -> bool:
        """Whether the link to ``path`` can be its name alone (no other note has the name):
        with the path, all that decides how :meth:`__call__` writes it."""
        # :meth:`_count` inlined: the Topics table keys thousands of rows with this.
        key = self._key_of(path)
        count = self._counts.get(key)
        if count is None:
            count = self._counts[key] = self._lookup(key)
        return count <= 1

    def __call__(self, path: str, section: str = "", alias: str | None = None) -> Markdown:
        if _NOT_IN_WIKILINKS.search(path) or (alias is not None and _BRACKETS.search(alias)):
            return _markdown_link(PurePosixPath(path), section, alias)
        # String slicing, as PurePosixPath's name/stem/with_suffix would (index paths are
        # already normalised): a dashboard links hundreds of notes.
        folder_end = path.rfind("/") + 1
        name = path[folder_end:]
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name
        unique = self.unique(path)
        target = stem if unique else path[:folder_end] + stem
        if section:
            # Obsidian's heading links use the innermost heading of the path.
            # Obsidian writes what a link cannot hold as spaces; the heading still matches.
            target += "#" + " ".join(_NOT_IN_WIKILINKS.sub(" ", section.split(" > ")[-1]).split())
        if alias is None and not unique:
            alias = stem
        elif alias == target:
            alias = None  # [[2026-11-09|2026-11-09]] shows what [[2026-11-09]] shows
        shown = f"|{alias.replace('|', ' ')}" if alias else ""
        return Markdown(f"[[{target}{shown}]]")


def topic_key(wikilink: Linker, topic: Mapping[str, Any]) -> tuple[Any, Any]:
    """``topic | topic_key``: everything a row of the built-in Topics table shows, as a
    ``{% cache %}`` key. A topic note's row: what its values are computed from
    (:attr:`Topic.values_digest`) and what its link (``wikilink``) is made of: its title
    when that is the link (its name is its alone, and its path holds nothing a wikilink
    cannot), else its path. So a topic moved to another folder keeps its key, and its row
    its text. Another row with a ``digest``: that digest (which holds the path) and whether
    the link is the name alone; a kept table's row, which has none, is its own key."""
    if isinstance(topic, Topic):
        return _row_key(wikilink.unique, topic)
    if "digest" in topic:
        return topic["digest"], wikilink.unique(topic["path"])
    return dict(topic), None


def _row_key(unique: Callable[[str], bool], topic: Topic) -> tuple[str, str]:
    path = topic.path
    shown = topic.title if unique(path) and not _NOT_IN_WIKILINKS.search(path) else path
    return topic.values_digest, shown


def topic_keys(wikilink: Linker, topics: Iterable[Mapping[str, Any]]) -> list[tuple[Any, Any]]:
    """``block | topic_keys``: the :func:`topic_key` of each topic, for a block's key (one
    filter call for the block, not one per row)."""
    unique = wikilink.unique
    # A Topic's key made here, not through topic_key: every render keys every row.
    return [
        _row_key(unique, topic) if type(topic) is Topic else topic_key(wikilink, topic)
        for topic in topics
    ]


BLOCK_ROWS = 64
"""The mean number of rows per block of :func:`blocks`."""


def blocks(rows: Iterable[Any], size: int = BLOCK_ROWS) -> list[list[Any]]:
    """``rows | blocks``: the rows in consecutive blocks of about ``size``, for a
    ``{% cache %}`` around each block, so that a big table whose one row changed copies
    all other blocks whole instead of keying each of their rows.

    A block ends after a row whose ``path`` (a topic note's: its ``title``, which a move to
    another folder keeps; a row without a path: its ``title``; a row that is no mapping: its
    text) hashes to a multiple of ``size``, or after ``4 * size`` rows: the boundaries go
    with the rows, not with their positions, so a row that comes, goes or moves changes only
    the blocks it leaves and joins, not every block after it.
    """
    if size < 1:
        raise ValueError(f"blocks: size must be 1 or more, not {size}")
    found: list[list[Any]] = []
    block: list[Any] = []
    longest = 4 * size
    for row in rows:
        block.append(row)
        if isinstance(row, Topic):
            name = row.title
        elif isinstance(row, Mapping):
            name = row.get("path") or row.get("title") or ""
        else:
            name = row
        if (
            len(block) >= longest
            or zlib.crc32(str(name).encode("utf-8", "surrogatepass")) % size == 0
        ):
            found.append(block)
            block = []
    if block:
        found.append(block)
    return found


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


def code(text: str) -> Markdown:
    """Text as inline code, backticks made quotes: shows a broken link without linking it."""
    return Markdown("`" + " ".join(str(text).replace("`", "'").split("\n")) + "`")
