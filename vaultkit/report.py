"""The human form of ``vaultkit inspect``: a compact, line-referenced summary for terminals."""

from __future__ import annotations

from collections import Counter

from vaultkit.model import Link, Note, TaskStatus

_STATUS_ORDER = (
    TaskStatus.DONE,
    TaskStatus.TODO,
    TaskStatus.IN_PROGRESS,
    TaskStatus.CANCELLED,
    TaskStatus.OTHER,
)


def _shorten(text: str, width: int = 72) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _link_target(link: Link) -> str:
    target = link.target or "(this note)"
    if link.fragment:
        target += "#" + link.fragment
    return target


def describe_note(note: Note) -> str:
    """Multi-line description of a note, every item prefixed with its line."""
    out: list[str] = []
    add = out.append
    bom = ", BOM" if note.has_bom else ""
    add(
        f"{note.path}  ({note.line_count} lines, {note.word_count} words, "
        f"{note.line_ending.upper()} line endings{bom})"
    )
    if note.properties:
        add("\nProperties")
        for key, value in note.properties.items():
            add(f"  {key}: {_shorten(str(value), 60)}")
    if note.tags:
        add("\nTags: " + ", ".join("#" + tag for tag in note.tags))
    if note.aliases:
        add("Aliases: " + ", ".join(note.aliases))
    if note.headings:
        add("\nHeadings")
        for heading in note.headings:
            indent = "  " * (heading.level - 1)
            add(f"  L{heading.line:<5} {indent}{'#' * heading.level} {heading.text}")
    if note.tasks:
        counts = Counter(task.status for task in note.tasks)
        summary = ", ".join(
            f"{counts[status]} {status.value.replace('_', ' ')}"
            for status in _STATUS_ORDER
            if counts[status]
        )
        add(f"\nTasks ({len(note.tasks)}: {summary})")
        for task in note.tasks:
            extras = []
            fields = task.fields
            for label, value in (
                ("due", fields.due),
                ("scheduled", fields.scheduled),
                ("start", fields.start),
                ("done", fields.done),
                ("repeats", fields.recurrence),
            ):
                if value:
                    extras.append(f"{label} {value}")
            if fields.priority.value != "normal":
                extras.append(f"priority {fields.priority.value}")
            tail = f"  [{'; '.join(extras)}]" if extras else ""
            indent = "  " * task.depth
            add(f"  L{task.line:<5} {indent}[{task.status_char}] {_shorten(task.text, 60)}{tail}")
    if note.callouts:
        add("\nCallouts")
        for callout in note.callouts:
            fold = callout.fold
            title = f" {callout.title}" if callout.title else ""
            add(f"  L{callout.line:<5} {'  ' * callout.depth}[!{callout.type}]{fold}{title}")
    if note.links:
        kinds = Counter(link.kind.value for link in note.links)
        add(f"\nLinks ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
        for link in note.links:
            add(f"  L{link.line:<5} {link.kind.value:<9} {_shorten(_link_target(link), 60)}")
    if note.resources:
        add(f"\nResources ({len(note.resources)})")
        for resource in note.resources:
            statuses = {m.task_status.value for m in resource.mentions if m.task_status}
            status = f"  [{', '.join(sorted(statuses))}]" if statuses else ""
            add(f"  {resource.domain:<24} {_shorten(resource.text, 44)}{status}")
    if note.tables:
        add("\nTables")
        for table in note.tables:
            header = " | ".join(cell.text for cell in table.header)
            add(f"  L{table.line:<5} {len(table.rows)} rows: {_shorten(header, 60)}")
    if note.hidden:
        kinds = Counter(span.kind for span in note.hidden)
        add("\nHidden: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    if note.diagnostics:
        add(f"\nDiagnostics ({len(note.diagnostics)})")
        for diagnostic in note.diagnostics:
            add(f"  L{diagnostic.line:<5} {diagnostic.severity.value}: {diagnostic.message}")
    return "\n".join(out) + "\n"
