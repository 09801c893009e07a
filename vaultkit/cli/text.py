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
    return out


def _daily_notes(read: dict[str, Any]) -> list[str]:
    """Doctor's section on the daily-note settings in force."""
    daily = read.get("daily_notes")
    if daily is None:
        return []
    where = daily["source"] or "Obsidian's defaults"
    folder = daily["folder"] or "the vault root"
    out = [f"Daily notes: {daily['format']!r} in {folder} (from {where})"]
    if daily.get("config_unread"):
        out.append("  the config is invalid: once fixed, its [daily_notes] may set another format")
    if daily["note"]:
        out.append(f"  {daily['note']}")
    return out


def _doctor_config(config: dict[str, Any]) -> list[str]:
    if config["valid"]:
        if not config["exists"]:
            return [f"Config: ok (no {config['file']}: the defaults apply)"]
        return [f"Config: ok ({config['file']})"]
    count = len(config["errors"])
    out = [
        f"Config: {count} error{'s' if count != 1 else ''} in {config['file']}; sync refuses to "
        "run until they are fixed"
    ]
    out += [f"  {error['text']}" for error in config["errors"]]
    if not config["complete"]:
        out.append("  (reading stopped at this error: fix it and run vaultkit doctor again)")
    return out


def _doctor_templates(templates: list[dict[str, Any]]) -> list[str]:
    errors = [error for template in templates for error in template["errors"]]
    own = [f"{t['dashboard']}: {t['source']}" for t in templates if t["source"] != "built-in"]
    which = f"; the vault's own: {', '.join(own)}" if own else ""
    if not errors:
        return [f"Templates: ok, {len(templates)} compiled{which}"]
    count = len(errors)
    out = [f"Templates: {count} error{'s' if count != 1 else ''}{which}"]
    out += [f"  {error['text']}" for error in errors]
    return out


def _doctor_dashboards(dashboards: dict[str, Any]) -> list[str]:
    if not dashboards["checked"]:
        out = [f"Dashboards: not checked: {dashboards['reason']}"]
        if dashboards["error"] is not None:
            out.append(f"  {dashboards['error']['text']}")
        return out
    files = dashboards["files"]
    counts = Counter(item["state"] for item in files)
    total = f"{len(files)} file{'s' if len(files) != 1 else ''}"
    if set(counts) <= {"current"}:
        return [f"Dashboards: ok, {total} current" if files else "Dashboards: none enabled"]
    order = ("conflict", "error", "deferred", "stale", "current")
    summary = ", ".join(
        f"{counts[state]} {state}"
        for state in sorted(counts, key=lambda s: order.index(s) if s in order else 0)
    )
    fix = "; vaultkit sync writes the stale ones" if "stale" in counts else ""
    out = [f"Dashboards: {total}: {summary}{fix}"]
    for item in files:
        if item["state"] == "current":
            continue
        where = f"{item['path']}:{item['line']}" if item["line"] else item["path"]
        names = f" ({', '.join(item['dashboards'])})" if item["dashboards"] else ""
        message = f": {_shorten(item['message'], 200)}" if item["message"] else ""
        out.append(f"  {item['state']:<9} {where}{names}{message}")
    return out


def _doctor_watcher(watcher: dict[str, Any], holder: dict[str, Any] | None) -> list[str]:
    if watcher["running"]:
        return [f"Watcher: running, pid {watcher['pid']}"]
    if holder is not None:
        return [
            f"Watcher: none running; a {holder['purpose']} (pid {holder['pid']}) is updating "
            "the vault now"
        ]
    return ["Watcher: none running"]


def describe_doctor(found: dict[str, Any]) -> str:
    """``vaultkit doctor``'s report: one section per check, each led by its verdict, then the
    overall verdict."""
    index = found["index"]
    links = found["links"]
    sections = [
        [f"vaultkit {found['version']}, vault {found['vault']}"],
        _doctor_config(found["config"]),
        _daily_notes(found["settings_read"]),
        _doctor_templates(found["templates"]),
        _doctor_dashboards(found["dashboards"]),
        _doctor_watcher(found["watcher"], found["lock_holder"]),
    ]
    warnings = found["settings_warnings"]
    settings = [
        f"Settings: {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        if warnings
        else "Settings: ok"
    ]
    settings += [f"  settings: {warning}" for warning in warnings]
    settings += _settings_read(found["settings_read"])
    sections.append(settings)
    rebuilt = " (rebuilt now)" if index["rebuilt"] else ""
    verdict = "ok" if index["integrity"] == "ok" else "damaged"
    sections.append(
        [
            f"Index: {verdict}, {index['path']}{rebuilt}",
            f"  schema {index['schema_version']}, {index['notes']} notes, {index['files']} files, "
            f"{index['size_bytes'] // 1024} KB, integrity {index['integrity']}",
        ]
    )
    sections.append(
        [
            f"Links: {links['resolved']} resolve, {links['unresolved_count']} unresolved, "
            f"{links['broken_anchor_count']} broken anchors, {links['orphan_count']} orphans "
            "(details: vaultkit links)"
        ]
    )
    diagnostics = found["diagnostics"]
    by_note = Counter(d["note"] for d in diagnostics)
    notes = [f"Notes with diagnostics: {len(by_note)}"]
    for diagnostic in diagnostics:
        notes.append(
            f"  {diagnostic['note']}:{diagnostic['line']}  {diagnostic['severity']}: "
            f"{diagnostic['message']}"
        )
    notes.extend(_hidden_task_comments(found["hidden_tasks"]))
    if found["skipped"]:
        notes.append(f"Skipped files: {len(found['skipped'])}")
        notes.extend(f"  {s['path']}: {s['message']}" for s in found["skipped"])
    sections.append(notes)
    if found["comparison_tables"]:
        tables = [
            "No topic notes; comparison tables kept by hand that vaultkit adopt turns into "
            "topic notes (add --dry-run to see what it would write):"
        ]
        for table in found["comparison_tables"]:
            heading = f" under '{table['heading']}'" if table["heading"] else ""
            tables.append(
                f"  {table['note']}:{table['line']}{heading}: {table['rows']} rows, columns "
                f"{', '.join(table['columns'])}\n    {table['command']}"
            )
        sections.append(tables)
    sections.append(_doctor_verdict(found["problems"], found["warnings"]))
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _doctor_verdict(problems: list[str], warnings: list[str]) -> list[str]:
    """The last line: the problems (which make doctor exit 1), then the warnings."""
    parts = []
    for found, word in ((problems, "problem"), (warnings, "warning")):
        if found:
            plural = "s" if len(found) != 1 else ""
            parts.append(f"{len(found)} {word}{plural} ({'; '.join(found)})")
    if not problems:
        parts.insert(0, "no problems")
    return [f"Verdict: {'; '.join(parts)}"]


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
