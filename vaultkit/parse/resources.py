"""Resources: every external ``http(s)`` URL of a note, with each place it is mentioned.

Not a syntax of its own: the links the walk found (:mod:`vaultkit.parse.links`,
:mod:`vaultkit.parse.urls`) are grouped by URL, and a mention in a task carries the task's
status.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from vaultkit.model import Link, LinkKind, Mention, Resource, Task


def collect_resources(links: list[Link], tasks: list[Task]) -> list[Resource]:
    """One resource per external URL, in order of first mention."""
    status_by_line = {task.line: task.status for task in tasks}
    grouped: dict[str, list[tuple[Link, Mention]]] = {}
    for link in links:
        if link.embed or link.kind not in (LinkKind.EXTERNAL, LinkKind.URL):
            continue
        parts = urlsplit(link.target)
        if parts.scheme.lower() not in ("http", "https"):
            continue
        mention = Mention(
            line=link.line,
            section=link.section,
            text=link.display or "",
            task_status=status_by_line.get(link.task_line) if link.task_line else None,
            task_line=link.task_line,
        )
        grouped.setdefault(link.target, []).append((link, mention))
    resources = []
    for url, entries in grouped.items():
        text = next((m.text for _, m in entries if m.text), url)
        domain = (urlsplit(url).hostname or "").removeprefix("www.")
        resources.append(Resource(url, domain, text, tuple(m for _, m in entries)))
    return resources
