"""The stable JSON form of a note, as printed by ``vaultkit inspect --json``, and how every
command's ``--json`` output is written (:func:`write_json`).

The shape is documented in ``docs/inspect-json.md``; ``SCHEMA_VERSION`` changes whenever
a key is renamed or removed (adding keys does not change it).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from vaultkit.model import Callout, Cell, Link, Note, Resource, Table, Task

SCHEMA_VERSION = 1

_JSON_WRITE = 1 << 16
"""Characters of JSON gathered per write to stdout."""


def write_json(data: object, out: TextIO) -> None:
    """``data`` as indented JSON and a newline, written in pieces of ~64 KB: ``json.dump``
    writes every token on its own (60 million writes for the graph of a 100,000-note vault),
    each a system call when Python runs unbuffered (``PYTHONUNBUFFERED``, common in
    containers and IDEs): 55 s there, ~16 s buffered, ~11 s in pieces."""
    pieces: list[str] = []
    size = 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data):
        pieces.append(piece)
        size += len(piece)
        if size >= _JSON_WRITE:
            out.write("".join(pieces))
            pieces.clear()
            size = 0
    pieces.append("\n")
    out.write("".join(pieces))


def _section(section: tuple[str, ...]) -> str:
    return " > ".join(section)


def link_json(link: Link) -> dict[str, Any]:
    return {
        "kind": link.kind.value,
        "target": link.target,
        "fragment": link.fragment,
        "display": link.display,
        "line": link.line,
        "section": _section(link.section),
        "embed": link.embed,
        "raw": link.raw,
        "task_line": link.task_line,
        "table_line": link.table_line,
        "callout_line": link.callout_line,
        "context": link.context,
        "key": link.key,
    }


def task_json(task: Task) -> dict[str, Any]:
    fields = task.fields
    return {
        "line": task.line,
        "section": _section(task.section),
        "status": task.status.value,
        "status_char": task.status_char,
        "checked": task.checked,
        "text": task.text,
        "raw": task.raw,
        "parent_line": task.parent_line,
        "depth": task.depth,
        "due": fields.due,
        "scheduled": fields.scheduled,
        "start": fields.start,
        "created": fields.created,
        "done": fields.done,
        "cancelled": fields.cancelled,
        "priority": fields.priority.value,
        "recurrence": fields.recurrence,
        "on_completion": fields.on_completion,
        "id": fields.id,
        "depends_on": list(fields.depends_on),
        "tags": list(task.tags),
        "block_id": task.block_id,
        "struck": task.struck,
        "callout_line": task.callout_line,
    }


def callout_json(callout: Callout) -> dict[str, Any]:
    return {
        "line": callout.line,
        "end_line": callout.end_line,
        "section": _section(callout.section),
        "type": callout.type,
        "raw_type": callout.raw_type,
        "fold": callout.fold,
        "title": callout.title,
        "body": callout.body,
        "depth": callout.depth,
        "parent_line": callout.parent_line,
        "in_list": callout.in_list,
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"text": cell.text, "links": [link_json(link) for link in cell.links]}


def table_json(table: Table) -> dict[str, Any]:
    return {
        "line": table.line,
        "end_line": table.end_line,
        "section": _section(table.section),
        "header": [_cell_json(cell) for cell in table.header],
        "rows": [
            {"line": row.line, "cells": [_cell_json(cell) for cell in row.cells]}
            for row in table.rows
        ],
        "callout_line": table.callout_line,
    }


def resource_json(resource: Resource) -> dict[str, Any]:
    return {
        "url": resource.url,
        "domain": resource.domain,
        "text": resource.text,
        "mentions": [
            {
                "line": mention.line,
                "section": _section(mention.section),
                "text": mention.text,
                "task_status": mention.task_status.value if mention.task_status else None,
                "task_line": mention.task_line,
            }
            for mention in resource.mentions
        ],
    }


def note_json(note: Note) -> dict[str, Any]:
    """The documented JSON object for one note."""
    return {
        "schema": SCHEMA_VERSION,
        "path": note.path,
        "title": note.title,
        "properties": note.properties,
        "tags": list(note.tags),
        "aliases": list(note.aliases),
        "headings": [
            {
                "line": h.line,
                "level": h.level,
                "text": h.text,
                "anchor": h.anchor,
                "section": _section(h.section),
            }
            for h in note.headings
        ],
        "tasks": [task_json(task) for task in note.tasks],
        "callouts": [callout_json(callout) for callout in note.callouts],
        "links": [link_json(link) for link in note.links],
        "resources": [resource_json(resource) for resource in note.resources],
        "tables": [table_json(table) for table in note.tables],
        "list_items": [
            {"line": i.line, "section": _section(i.section), "text": i.text, "depth": i.depth}
            for i in note.list_items
        ],
        "tag_mentions": [
            {"name": t.name, "line": t.line, "source": t.source, "section": _section(t.section)}
            for t in note.tag_mentions
        ],
        "highlights": [
            {"line": h.line, "text": h.text, "section": _section(h.section)}
            for h in note.highlights
        ],
        "inline_fields": [
            {
                "line": f.line,
                "key": f.key,
                "value": f.value,
                "bracketed": f.bracketed,
                "section": _section(f.section),
            }
            for f in note.inline_fields
        ],
        "block_ids": [
            {"line": b.line, "id": b.id, "section": _section(b.section)} for b in note.block_ids
        ],
        "hidden": [
            {"line": s.line, "end_line": s.end_line, "kind": s.kind, "name": s.name}
            for s in note.hidden
        ],
        "hidden_tasks": [
            {
                "line": t.line,
                "status_char": t.status_char,
                "text": t.text,
                "comment_line": t.comment_line,
                "comment_end_line": t.comment_end_line,
            }
            for t in note.hidden_tasks
        ],
        "word_count": note.word_count,
        "line_count": note.line_count,
        "line_ending": note.line_ending,
        "has_bom": note.has_bom,
        "diagnostics": [
            {"line": d.line, "code": d.code, "severity": d.severity.value, "message": d.message}
            for d in note.diagnostics
        ],
    }
