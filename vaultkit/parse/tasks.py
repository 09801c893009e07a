"""Tasks and plain list items: a core rule for the checkbox, collectors for the list items.

A task is a list item whose first paragraph starts with ``[c]`` and a space, for *any* single
character ``c`` (mdit-py-plugins' tasklists accepts only space, x and X). The rule runs after
block parsing and before inline parsing, so inline rules never see a checkbox as a link label:
it removes the checkbox from the inline content and keeps its character on the
``list_item_open`` token.

The collectors keep a stack of open list items, so that a task learns its parent task and
depth; the item's first paragraph gives a plain list item its text and a task its text,
fields (:mod:`vaultkit.parse.task_line`) and block id.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from vaultkit.model import BlockId, Diagnostic, ListItem, Task, TaskRules
from vaultkit.parse.state import InlineBlock, ListFrame, Syntax, Walk
from vaultkit.parse.task_line import parse_task_line
from vaultkit.parse.task_status import is_task_text, status_of, struck_status


def _checkbox(content: str) -> tuple[str, int] | None:
    """Return (status character, length of the checkbox prefix) or None."""
    if len(content) < 3 or content[0] != "[" or content[2] != "]":
        return None
    if len(content) > 3 and content[3] not in " \t\n":
        return None
    status = content[1]
    if status == "\n":
        return None
    prefix = 3
    while prefix < len(content) and content[prefix] in " \t":
        prefix += 1
    return status, prefix


RULES_ENV = "vk_task_rules"
"""The ``env`` key of the note's :class:`~vaultkit.model.TaskRules` (the Tasks plugin's
settings); without it, the plugin's defaults."""


def _tasks_rule(state: StateCore) -> None:
    rules: TaskRules | None = state.env.get(RULES_ENV) if isinstance(state.env, dict) else None
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "list_item_open":
            continue
        if index + 2 >= len(tokens):
            continue
        paragraph, inline = tokens[index + 1], tokens[index + 2]
        if paragraph.type != "paragraph_open" or inline.type != "inline":
            continue
        found = _checkbox(inline.content)
        if found is None:
            continue
        status, prefix = found
        if not is_task_text(inline.content[prefix:].split("\n", 1)[0], rules):
            # Under the Tasks plugin's global filter, a checkbox without it is no task: a
            # plain list item, checkbox and all, as the plugin leaves it.
            continue
        token.meta = {**(token.meta or {}), "task": status, "task_status": status_of(status, rules)}
        inline.meta = {**(inline.meta or {}), "task_prefix": prefix}
        inline.content = inline.content[prefix:]


def tasks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "vk_tasks", _tasks_rule)


def _collect_item_open(walk: Walk, token: Token) -> None:
    line = walk.line_of(token.map[0]) if token.map else 0
    status_char = (token.meta or {}).get("task")
    hidden = walk.hidden_line(line)
    task_index: int | None = None
    item_index: int | None = None
    if status_char is not None and not hidden:
        parent = walk.current_task()
        task_index = len(walk.out.tasks)
        callout = walk.current_callout()
        walk.out.tasks.append(
            Task(
                line=line,
                section=walk.section(),
                status_char=status_char,
                status=(token.meta or {}).get("task_status") or status_of(status_char),
                checked=status_char != " ",
                text="",
                raw="",
                parent_line=walk.out.tasks[parent].line if parent is not None else None,
                depth=len(walk.lists),
                callout_line=callout.line if callout else None,
            )
        )
    if status_char is None and not hidden:
        item_index = len(walk.out.list_items)
        walk.out.list_items.append(ListItem(line, walk.section(), "", len(walk.lists)))
    walk.lists.append(ListFrame(line, task_index, item_index))


def _collect_item_close(walk: Walk, token: Token) -> None:
    if walk.lists:
        walk.lists.pop()


def _collect_paragraph(walk: Walk, block: InlineBlock) -> None:
    frame = walk.lists[-1] if walk.lists else None
    if frame is not None and frame.item_index is not None:
        # The first paragraph of a plain list item is its text.
        index = frame.item_index
        item = walk.out.list_items[index]
        text = " ".join(part.strip() for part in block.lines).strip()
        source = " ".join(part.strip() for part in block.token.content.split("\n")).strip()
        walk.out.list_items[index] = ListItem(item.line, item.section, text, item.depth, source)
        frame.item_index = None
    task_index = block.task_index
    if (
        "task_prefix" in (block.token.meta or {})
        and task_index is not None
        and not walk.out.tasks[task_index].raw
    ):
        _fill_task(walk, task_index, block)


def _fill_task(walk: Walk, task_index: int, block: InlineBlock) -> None:
    """Complete a task from its first paragraph: text, fields, tags, block id."""
    task = walk.out.tasks[task_index]
    raw = block.token.content.split("\n", 1)[0]
    # The line as written, as shown (markup resolved) and with strike-through kept: for most
    # tasks two or all three are the same text, and parse_task_line is a pure function of it
    # (a third of a worker's task extraction went to reading the same line again).
    parsed = parse_task_line(raw)
    shown = block.lines[0] if block.lines else ""
    plain = parsed if shown == raw else parse_task_line(shown)
    with_strikes = block.struck_lines[0] if block.struck_lines else ""
    struck_text = (
        plain
        if with_strikes == shown
        else parsed
        if with_strikes == raw
        else parse_task_line(with_strikes)
    ).description.strip()
    struck = len(struck_text) > 4 and struck_text.startswith("~~") and struck_text.endswith("~~")
    status = struck_status(task.status, struck)
    for problem in parsed.problems:
        walk.out.diagnostics.append(Diagnostic(task.line, "task-field", problem))
    walk.out.tasks[task_index] = Task(
        line=task.line,
        section=task.section,
        status_char=task.status_char,
        status=status,
        checked=task.checked,
        text=plain.description.strip(),
        raw=raw,
        parent_line=task.parent_line,
        depth=task.depth,
        fields=parsed.fields,
        tags=tuple(dict.fromkeys(block.tags)),
        block_id=parsed.block_id,
        struck=struck,
        callout_line=task.callout_line,
    )
    if parsed.block_id:
        walk.out.block_ids.append(BlockId(task.line, parsed.block_id, task.section))


SYNTAX = Syntax(
    "tasks",
    plugin=tasks_plugin,
    block={"list_item_open": _collect_item_open, "list_item_close": _collect_item_close},
    text={"paragraph_open": _collect_paragraph},
)
