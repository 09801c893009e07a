"""The Tasks plugin's settings as the parser applies them (``parse_note(..., rules=)``): the
global filter decides which checkboxes are tasks, the status table what each symbol means."""

from __future__ import annotations

from vaultkit.model import TaskRules, TaskStatus
from vaultkit.parse.note import parse_note

FILTERED = TaskRules(global_filter="#task")
TABLE = TaskRules(
    statuses=(
        (" ", TaskStatus.TODO),
        ("x", TaskStatus.DONE),
        ("/", TaskStatus.IN_PROGRESS),
        ("h", TaskStatus.OTHER),
        ("P", TaskStatus.CANCELLED),
    )
)


def test_global_filter_makes_only_matching_checkboxes_tasks() -> None:
    note = parse_note(
        b"- [ ] buy milk https://shop.example\n"
        b"- [ ] #task file the report\n"
        b"> - [x] in a quote #task\n"
        b"- [ ] the filter on the next line\n  #task\n"
        b"- [ ] #tasks is a longer tag, and still contains the filter\n",
        "Note.md",
        rules=FILTERED,
    )
    assert [(t.line, t.status) for t in note.tasks] == [
        (2, TaskStatus.TODO),
        (3, TaskStatus.DONE),
        (6, TaskStatus.TODO),
    ]
    # A checkbox without the filter is a plain list item, checkbox and all; its link is no
    # task's mention.
    assert [item.line for item in note.list_items] == [1, 4]
    assert note.list_items[0].text == "[ ] buy milk https://shop.example"
    [resource] = note.resources
    assert resource.mentions[0].task_status is None


def test_global_filter_applies_to_checklists_hidden_in_comments() -> None:
    note = parse_note(b"%%\n- [ ] parked #task\n- [ ] parked plain\n%%\n", "N.md", rules=FILTERED)
    assert [h.text for h in note.hidden_tasks] == ["parked #task"]


def test_status_table_reads_each_symbol() -> None:
    note = parse_note(
        b"- [ ] a\n- [x] b\n- [X] c\n- [/] d\n- [h] e\n- [P] f\n- [-] g\n- [?] h\n",
        "N.md",
        rules=TABLE,
    )
    assert [t.status for t in note.tasks] == [
        TaskStatus.TODO,
        TaskStatus.DONE,
        TaskStatus.DONE,  # X is done whatever the table says
        TaskStatus.IN_PROGRESS,
        TaskStatus.OTHER,
        TaskStatus.CANCELLED,
        # Symbols missing from the table are the plugin's "Unknown", open as todo: "-" is
        # no longer cancelled once the user's table leaves it out.
        TaskStatus.OTHER,
        TaskStatus.OTHER,
    ]


def test_without_rules_the_plugin_defaults_hold() -> None:
    note = parse_note(b"- [ ] a\n- [-] b\n- [/] c\n", "N.md")
    assert [t.status for t in note.tasks] == [
        TaskStatus.TODO,
        TaskStatus.CANCELLED,
        TaskStatus.IN_PROGRESS,
    ]
