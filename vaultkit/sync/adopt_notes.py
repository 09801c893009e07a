"""The text ``vaultkit adopt`` writes: topic notes made from a kept table's rows, sections merged
into notes that exist, the table swapped for a region, and the config's new keys.

Pure functions over text and bytes; :mod:`vaultkit.sync.adopt` reads the vault and writes.
Every edit of an existing file is a splice: the bytes outside it are the file's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import yaml

from vaultkit.dashboards.kept_tables import KeptColumn, KeptRow, as_list_item
from vaultkit.writeback.regions import BOM, eol_style, split_lines

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f]+')
"""What a file name cannot hold on some system, or what breaks a wikilink to it."""
_PREFIX = re.compile(rb"[ \t>]*")
"""What comes before a table's first pipe in a callout or a list item (as a marker allows)."""
MAX_NAME = 120
"""Characters kept of a topic's name in its file name (file systems stop at 255 bytes)."""


class Selection(NamedTuple):
    """How the config picks topic notes, and so what a new topic note must carry."""

    tag: str
    property: str


def file_name(name: str) -> str:
    """A topic's file name (without ``.md``): its name, with what a file or a wikilink cannot
    hold replaced by a space, trailing dots and spaces removed (Windows drops them)."""
    cleaned = " ".join(_UNSAFE_IN_NAME.sub(" ", name).split())[:MAX_NAME]
    return cleaned.rstrip(". ") or "Untitled topic"


def new_topic_note(row: KeptRow, selection: Selection, name: str) -> str:
    """The whole text of a new topic note for ``row`` (saved as ``name``.md)."""
    front = front_matter(row, selection, name, {})
    body = "".join(section(column) for column in row.columns)
    return f"---\n{front}---\n{body}"


def front_matter(row: KeptRow, selection: Selection, name: str, existing: dict[str, Any]) -> str:
    """YAML lines for the properties a topic note gets that ``existing`` does not have."""
    wanted: dict[str, Any] = {}
    keys = {key.casefold() for key in existing}
    if selection.tag and "tags" not in keys:
        wanted["tags"] = [selection.tag]
    if selection.property and selection.property.casefold() not in keys:
        wanted[selection.property] = True
    if name != row.name and "aliases" not in keys:
        wanted["aliases"] = [row.name]
    if "rank" not in keys:
        wanted["rank"] = row.rank
    for key, value in row.properties:
        if key.casefold() not in keys:
            wanted[key] = value
    if not wanted:
        return ""
    dumped: str = yaml.safe_dump(
        wanted, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000
    )
    return dumped


def section(column: KeptColumn) -> str:
    """A ``## Column`` section holding the column's items as a bullet list."""
    items = "".join(f"- {as_list_item(item)}\n" for item in column.items)
    return f"\n## {column.name}\n\n{items}" if items else f"\n## {column.name}\n"


def merged_note(
    data: bytes,
    headings: Iterable[str],
    properties: dict[str, Any],
    has_front_matter: bool,
    row: KeptRow,
    selection: Selection,
) -> tuple[bytes, list[str], list[str]]:
    """An existing note with the row's sections it lacks appended and the properties it lacks
    added: ``(new bytes, columns added, columns left alone)``. A section whose heading the
    note has already is the user's and left alone."""
    have = {heading.casefold() for heading in headings}
    added = [c for c in row.columns if c.name.casefold() not in have]
    kept = [c.name for c in row.columns if c.name.casefold() in have]
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    eol = eol_style(split_lines(body), b"\n")
    name = row.name
    front = front_matter(row, selection, name, properties)
    if front:
        body = _with_properties(body, front, has_front_matter, eol)
    if added:
        text = "".join(section(column) for column in added)
        if body and not body.endswith((b"\n", b"\r")):
            body += eol
        body += text.replace("\n", eol.decode("ascii")).encode("utf-8")
    return bom + body, [c.name for c in added], kept


def _with_properties(body: bytes, front: str, has_front_matter: bool, eol: bytes) -> bytes:
    """``body`` with YAML lines added at the end of its front matter (made if it has none)."""
    lines = front.replace("\n", eol.decode("ascii")).encode("utf-8")
    if not has_front_matter:
        return b"---" + eol + lines + b"---" + eol + body
    found = split_lines(body)
    offset = len(found[0].content) + len(found[0].eol)
    for line in found[1:]:
        if line.content.rstrip() in (b"---", b"..."):
            return body[:offset] + lines + body[offset:]
        offset += len(line.content) + len(line.eol)
    return body  # unreachable for a note the parser read front matter from


def with_region(data: bytes, first_line: int, last_line: int, region: str) -> bytes:
    """``data`` with lines ``first_line``..``last_line`` (1-based, inclusive) replaced by an
    empty region's two marker lines; every other byte as it was. The markers take the first
    line's quote markers and indentation, so a table in a callout or a list item stays there."""
    bom = BOM if data.startswith(BOM) else b""
    lines = split_lines(data[len(bom) :])
    eol = eol_style(lines, b"\n")
    before = b"".join(line.content + line.eol for line in lines[: first_line - 1])
    after = b"".join(line.content + line.eol for line in lines[last_line:])
    last_eol = lines[last_line - 1].eol if last_line <= len(lines) else b""
    found = _PREFIX.match(lines[first_line - 1].content)
    prefix = found.group() if found else b""
    markers = (
        prefix
        + f"%% vaultkit:begin {region} %%".encode()
        + eol
        + prefix
        + f"%% vaultkit:end {region} %%".encode()
    )
    return bom + before + markers + (last_eol or (eol if after else b"")) + after


def topic_columns(columns: Sequence[str], properties: Sequence[str]) -> list[str]:
    """``[topics] columns`` for an adopted table: its own columns, the properties its items
    gave, the computed progress, resources and last update, then the rank (the table's
    order, which the rows are sorted by)."""
    out: list[str] = []
    for column in [*columns, *properties, "progress", "resources", "modified", "rank"]:
        if column.casefold() not in {c.casefold() for c in out}:
            out.append(column)
    return out
