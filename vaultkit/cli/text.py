"""The human form of ``vaultkit inspect``: a compact, line-referenced summary for terminals."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.model import Link, Note, Task, TaskStatus

if TYPE_CHECKING:
    from vaultkit.sync.adopt import AdoptPlan
    from vaultkit.writeback.plan import Planned

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
        out.extend(_task_lines(note))
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
    if note.hidden_tasks:
        out.extend(_hidden_task_lines(note))
    if note.diagnostics:
        add(f"\nDiagnostics ({len(note.diagnostics)})")
        for diagnostic in note.diagnostics:
            add(f"  L{diagnostic.line:<5} {diagnostic.severity.value}: {diagnostic.message}")
    return "\n".join(out) + "\n"


def _task_lines(note: Note) -> list[str]:
    """The tasks section: counts by status, then one line per task."""
    counts = Counter(task.status for task in note.tasks)
    summary = ", ".join(
        f"{counts[status]} {status.value.replace('_', ' ')}"
        for status in _STATUS_ORDER
        if counts[status]
    )
    return [f"\nTasks ({len(note.tasks)}: {summary})"] + [_task_line(t) for t in note.tasks]


def _hidden_task_lines(note: Note) -> list[str]:
    """The checkbox items inside comments, under the comment holding them."""
    count = len(note.hidden_tasks)
    out = [
        f"\nHidden tasks ({count}, inside %% comments: not counted; remove the %% around "
        f"{'them' if count > 1 else 'it'} to count {'them' if count > 1 else 'it'})"
    ]
    comment = None
    for task in note.hidden_tasks:
        if task.comment_line != comment:
            comment = task.comment_line
            out.append(f"  comment, lines {task.comment_line}–{task.comment_end_line}")
        out.append(f"    L{task.line:<5} [{task.status_char}] {_shorten(task.text, 60)}")
    return out


def _task_line(task: Task) -> str:
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
    return f"  L{task.line:<5} {indent}[{task.status_char}] {_shorten(task.text, 60)}{tail}"


_BOX = {"todo": " ", "done": "x", "in_progress": "/", "cancelled": "-"}


def describe_tasks(tasks: list[dict[str, Any]]) -> str:
    """Tasks grouped by note, each with its line, box, text and dates."""
    if not tasks:
        return "No tasks match.\n"
    out: list[str] = []
    current = None
    for task in tasks:
        if task["note"] != current:
            current = task["note"]
            out.append(("\n" if out else "") + str(current))
        extras = []
        for label in ("due", "scheduled", "done"):
            if task[label]:
                extras.append(f"{label} {task[label]}")
        if task["priority"] != "normal":
            extras.append(task["priority"])
        if task["blocked"]:
            extras.append("blocked")
        tail = f"  [{'; '.join(extras)}]" if extras else ""
        section = f"  ({task['section']})" if task["section"] else ""
        indent = "  " * task["depth"]
        out.append(
            f"  L{task['line']:<5} {indent}[{task['status_char']}] "
            f"{_shorten(task['text'], 64)}{tail}{section}"
        )
    counts = Counter(task["status"] for task in tasks)
    summary = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
    out.append(f"\n{len(tasks)} tasks ({summary})")
    return "\n".join(out) + "\n"


def _in_property(link: dict[str, Any]) -> str:
    """Where a link in a property sits: its key (a body link needs nothing more than its line)."""
    return f"  (in property '{link['key']}')" if link.get("key") else ""


def describe_links(health: dict[str, Any], *, unresolved: bool, broken: bool, orphans: bool) -> str:
    excluded = health.get("excluded_notes", 0)
    hidden = f" (and {excluded} hidden by Obsidian's Excluded files)" if excluded else ""
    out = [
        f"{health['notes']} notes{hidden}; {health['resolved']} links resolve, "
        f"{health['unresolved_count']} unresolved, {health['broken_anchor_count']} with a "
        f"broken anchor, {health['orphan_count']} orphan notes"
    ]
    if unresolved and health["unresolved"]:
        out.append("\nUnresolved links")
        for link in health["unresolved"]:
            hint = f"  (unresolved, but an alias of {link['alias_of']})" if link["alias_of"] else ""
            out.append(f"  {link['note']}:{link['line']}  {link['raw']}{_in_property(link)}{hint}")
    if broken and health["broken_anchors"]:
        out.append("\nBroken anchors (the note exists, the heading or block does not)")
        for link in health["broken_anchors"]:
            differs = link.get("differs_from")
            hint = f"  (anchor differs from heading '{differs}')" if differs else ""
            out.append(f"  {link['note']}:{link['line']}  {link['raw']}{_in_property(link)}{hint}")
    if orphans and health["orphans"]:
        out.append("\nOrphan notes (no links in or out)")
        out.extend(f"  {path}" for path in health["orphans"])
    return "\n".join(out) + "\n"


def describe_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A plain aligned table for query results."""
    if not columns:
        return "(no result)\n"
    cells = [[("" if v is None else str(v)).replace("\n", " ") for v in row] for row in rows]
    widths = [min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(_shorten(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        )
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def _hidden_task_comments(comments: list[dict[str, Any]]) -> list[str]:
    """Doctor's report of the comments holding checkbox items, one line each, and the hint."""
    if not comments:
        return []
    tasks = sum(comment["tasks"] for comment in comments)
    notes = len({comment["note"] for comment in comments})
    out = [
        f"Tasks hidden in comments: {tasks} in {notes} note{'s' if notes != 1 else ''} "
        "(not counted, as Obsidian does not show them; remove the %% around them to count "
        "them, or leave them if they are set aside on purpose)"
    ]
    for comment in comments:
        count = comment["tasks"]
        out.append(
            f"  {comment['note']}:{comment['line']}  {count} task{'s' if count != 1 else ''} "
            f"in the %% comment of {_lines(comment['line'], comment['end_line'])}"
        )
    return out


def _settings_read(read: dict[str, Any]) -> list[str]:
    """The plugin settings doctor read, one line each."""
    tasks = read["tasks_plugin"]
    if not tasks["enabled"]:
        out = ["Tasks plugin: not enabled; every checkbox is a task, read by its default statuses"]
    else:
        shown = repr(tasks["global_filter"]) if tasks["global_filter"] else "none"
        out = [f"Tasks plugin ({tasks['file']}): global filter {shown}"]
        statuses = tasks["statuses"] or []
        if statuses:
            out.append(
                "  statuses: "
                + ", ".join(
                    f"[{s['symbol']}] {s['name'] or '?'} {s['type']} (counts as {s['counts_as']})"
                    for s in statuses
                )
            )
        else:
            out.append("  statuses: the plugin's defaults")
    daily = read.get("daily_notes")
    if daily is not None:
        where = daily["source"] or "Obsidian's defaults"
        folder = daily["folder"] or "the vault root"
        out.append(f"Daily notes: {daily['format']!r} in {folder} (from {where})")
        if daily["note"]:
            out.append(f"  {daily['note']}")
    return out


def describe_doctor(found: dict[str, Any]) -> str:
    index = found["index"]
    links = found["links"]
    out = [f"Vault: {found['vault']}"]
    for warning in found["settings_warnings"]:
        out.append(f"  settings: {warning}")
    out.extend(_settings_read(found["settings_read"]))
    rebuilt = " (rebuilt now)" if index["rebuilt"] else ""
    out.append(
        f"Index: {index['path']}{rebuilt}\n  schema {index['schema_version']}, "
        f"{index['notes']} notes, {index['files']} files, {index['size_bytes'] // 1024} KB, "
        f"integrity {index['integrity']}"
    )
    out.append(
        f"Links: {links['resolved']} resolve, {links['unresolved_count']} unresolved, "
        f"{links['broken_anchor_count']} broken anchors, {links['orphan_count']} orphans "
        "(details: vaultkit links)"
    )
    diagnostics = found["diagnostics"]
    by_note = Counter(d["note"] for d in diagnostics)
    out.append(f"Notes with diagnostics: {len(by_note)}")
    for diagnostic in diagnostics:
        out.append(
            f"  {diagnostic['note']}:{diagnostic['line']}  {diagnostic['severity']}: "
            f"{diagnostic['message']}"
        )
    out.extend(_hidden_task_comments(found["hidden_tasks"]))
    if found["skipped"]:
        out.append(f"Skipped files: {len(found['skipped'])}")
        out.extend(f"  {s['path']}: {s['message']}" for s in found["skipped"])
    if found["comparison_tables"]:
        out.append(
            "No topic notes; comparison tables kept by hand that vaultkit adopt turns into "
            "topic notes (add --dry-run to see what it would write):"
        )
        for table in found["comparison_tables"]:
            heading = f" under '{table['heading']}'" if table["heading"] else ""
            out.append(
                f"  {table['note']}:{table['line']}{heading}: {table['rows']} rows, columns "
                f"{', '.join(table['columns'])}\n    {table['command']}"
            )
    return "\n".join(out) + "\n"


def describe_adopt(
    plan: AdoptPlan, vault: Path, results: list[Planned] | None, *, diff: bool = False
) -> str:
    """``vaultkit adopt``'s listing: the table, one line per file, what was left alone."""
    from vaultkit.sync.outcome import unified_diff

    table = plan.table
    heading = f" under '{table.heading}'" if table.heading else ""
    out = [
        f"{plan.note}: table {plan.number} at lines {table.line}-{table.end_line}{heading}, "
        f"{len(table.rows)} topics ({', '.join(table.columns)})"
    ]
    done = {item.path: item for item in results or ()}
    for planned in plan.writes:
        shown = planned.path.relative_to(vault).as_posix()
        item = done.get(planned.path)
        if results is None:
            word = "would create" if planned.old is None else "would change"
        elif item is None:
            word = "not written"
        else:
            word = {"created": "created", "written": "changed"}.get(item.status, item.status)
        line = f"  {word:<13}{shown}"
        if item is not None and item.message:
            line += f": {item.message}"
        out.append(line)
        if diff and planned.new is not None:
            out.append(unified_diff(planned.old, planned.new, shown))
    if plan.retired is not None:
        shown = plan.retired.path.relative_to(vault).as_posix()
        item = done.get(plan.retired.path)
        if results is None:
            out.append(f"  {'would remove':<13}{shown} (the Topics dashboard moves to the note)")
        elif item is not None:
            word = "removed" if item.message == "removed" else f"kept: {item.message}"
            out.append(f"  {word:<13}{shown}" if word == "removed" else f"  {shown} {word}")
    out += [f"  note: {report}" for report in plan.reports]
    if results is None:
        out.append("Nothing written (preview). Run without --dry-run/--diff to adopt the table.")
    return "\n".join(out) + "\n"
