"""Tests for vaultkit.parse.task_line and task_status: Tasks fields and checkbox statuses."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.model import Priority, TaskFields, TaskStatus
from vaultkit.parse.task_line import TaskLine, parse_task_line
from vaultkit.parse.task_status import status_of

VS16 = "\ufe0f"


def fields_of(line: TaskLine) -> dict[str, object]:
    """The fields that differ from the defaults, for compact expectations."""
    default = TaskFields()
    return {
        name: getattr(line.fields, name)
        for name in TaskFields._fields
        if getattr(line.fields, name) != getattr(default, name)
    }


# --------------------------------------------------------------------------------------------
# Emoji fields

DATE_EMOJI = [
    ("➕", "created"),
    ("⏳", "scheduled"),
    ("⌛", "scheduled"),
    ("🛫", "start"),
    ("📅", "due"),
    ("📆", "due"),
    ("🗓", "due"),
    ("✅", "done"),
    ("❌", "cancelled"),
]


def test_emoji_table_has_no_variation_selectors() -> None:
    # Tasks' own test 'emoji does not contain Variant Selector 16': VS16 is matched separately.
    for emoji, _ in DATE_EMOJI:
        assert VS16 not in emoji
        assert len(emoji) == 1


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize(("emoji", "name"), DATE_EMOJI)
def test_date_emoji(emoji: str, name: str, vs16: str) -> None:
    line = parse_task_line(f"Do it {emoji}{vs16} 2021-06-20")
    assert fields_of(line) == {name: "2021-06-20"}
    assert line.description == "Do it"
    assert line.problems == ()


@pytest.mark.parametrize(("emoji", "name"), DATE_EMOJI)
def test_date_emoji_without_space_or_with_several(emoji: str, name: str) -> None:
    assert fields_of(parse_task_line(f"a {emoji}2021-06-20")) == {name: "2021-06-20"}
    assert fields_of(parse_task_line(f"a {emoji}   2021-06-20")) == {name: "2021-06-20"}


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize(
    ("emoji", "priority"),
    [
        ("🔺", Priority.HIGHEST),
        ("⏫", Priority.HIGH),
        ("🔼", Priority.MEDIUM),
        ("🔽", Priority.LOW),
        ("⏬", Priority.LOWEST),
    ],
)
def test_priority_emoji(emoji: str, priority: Priority, vs16: str) -> None:
    line = parse_task_line(f"Do it {emoji}{vs16}")
    assert line.fields.priority is priority
    assert line.description == "Do it"
    assert line.problems == ()


def test_priority_defaults_to_normal() -> None:
    assert parse_task_line("Do it").fields.priority is Priority.NORMAL


def test_priority_glued_to_text_is_read_as_tasks_does() -> None:
    # Tasks' priority pattern has no leading space: 'report⏫' ends in a priority.
    line = parse_task_line("Write report⏫")
    assert line.fields.priority is Priority.HIGH
    assert line.description == "Write report"


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🔁 every day", {"recurrence": "every day"}),
        ("🔁 every week on Monday", {"recurrence": "every week on Monday"}),
        (
            "🔁 every week on Monday 📅 2024-05-06",
            {"recurrence": "every week on Monday", "due": "2024-05-06"},
        ),
        (
            "🔁 every 2 weeks when done ⏫",
            {"recurrence": "every 2 weeks when done", "priority": Priority.HIGH},
        ),
        ("🔁every month!  ", {"recurrence": "every month!"}),
    ],
)
def test_recurrence(text: str, expected: dict[str, object], vs16: str) -> None:
    line = parse_task_line("Pay rent " + text.replace("🔁", "🔁" + vs16))
    assert fields_of(line) == expected
    assert line.description == "Pay rent"
    assert line.problems == ()


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize(
    ("value", "expected"), [("keep", "keep"), ("delete", "delete"), ("Delete", "delete")]
)
def test_on_completion(value: str, expected: str, vs16: str) -> None:
    line = parse_task_line(f"Take out bins 🏁{vs16} {value}")
    assert line.fields.on_completion == expected
    assert line.description == "Take out bins"
    assert line.problems == ()


def test_unknown_on_completion_action() -> None:
    line = parse_task_line("Take out bins 🏁 archive")
    assert line.fields.on_completion is None
    assert line.description == "Take out bins 🏁 archive"
    assert line.problems == ("on-completion action 'archive' is not keep or delete",)


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize("value", ["pqrd0f", "Abcd0f", "Abcd0f-", "Ab_cd0f", "1"])
def test_id(value: str, vs16: str) -> None:
    line = parse_task_line(f"do this first 🆔{vs16} {value}")
    assert line.fields.id == value
    assert line.description == "do this first"


def test_id_with_asterisk_is_left_in_description() -> None:
    # Tasks' test 'should not parse id with asterisk, so id is left in description'.
    line = parse_task_line("🆔 A*bcd0f")
    assert line.fields.id is None
    assert line.description == "🆔 A*bcd0f"
    assert line.problems == ("id 'A*bcd0f' may contain only letters, digits, '-' and '_'",)


@pytest.mark.parametrize("vs16", ["", VS16], ids=["plain", "vs16"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("F12345", ("F12345",)),
        ("123456,abC123", ("123456", "abC123")),
        ("ab , CD ,  EF  ,    GK", ("ab", "CD", "EF", "GK")),
        ("dcf64c,0h17ye", ("dcf64c", "0h17ye")),
    ],
)
def test_depends_on(value: str, expected: tuple[str, ...], vs16: str) -> None:
    line = parse_task_line(f"do this after ⛔{vs16} {value}")
    assert line.fields.depends_on == expected
    assert line.description == "do this after"
    assert line.problems == ()


def test_depends_on_with_trailing_comma_is_a_problem() -> None:
    line = parse_task_line("do this after ⛔ a,b,")
    assert line.fields.depends_on == ()
    assert line.description == "do this after ⛔ a,b,"
    assert len(line.problems) == 1
    assert line.problems[0].startswith("depends-on list 'a,b,' must be ids")


def test_all_fields_in_serializer_order() -> None:
    line = parse_task_line(
        "Do exercises #todo #health 🔼 🔁 every day when done ➕ 2023-07-01 🛫 2023-07-02 "
        "⏳ 2023-07-03 📅 2023-07-04 ✅ 2023-07-05 ❌ 2023-07-06 🏁 keep 🆔 abc ⛔ x,y ^dcf64c"
    )
    assert line.fields == TaskFields(
        due="2023-07-04",
        scheduled="2023-07-03",
        start="2023-07-02",
        created="2023-07-01",
        done="2023-07-05",
        cancelled="2023-07-06",
        priority=Priority.MEDIUM,
        recurrence="every day when done",
        on_completion="keep",
        id="abc",
        depends_on=("x", "y"),
    )
    assert line.description == "Do exercises #todo #health"
    assert line.block_id == "dcf64c"
    assert line.problems == ()


def test_fields_in_any_order() -> None:
    line = parse_task_line("Report ⏫ 📅 2024-05-01 ⛔ a 🆔 b ➕ 2024-04-01")
    assert fields_of(line) == {
        "priority": Priority.HIGH,
        "due": "2024-05-01",
        "depends_on": ("a",),
        "id": "b",
        "created": "2024-04-01",
    }
    assert line.description == "Report"


def test_empty_line() -> None:
    assert parse_task_line("") == TaskLine("", TaskFields(), None, ())


# --------------------------------------------------------------------------------------------
# Dataview fields


@pytest.mark.parametrize(("open_", "close"), [("[", "]"), ("(", ")")], ids=["square", "round"])
@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("created:: 2023-04-13", {"created": "2023-04-13"}),
        ("scheduled:: 2023-04-14", {"scheduled": "2023-04-14"}),
        ("start:: 2023-04-15", {"start": "2023-04-15"}),
        ("due:: 2023-04-16", {"due": "2023-04-16"}),
        ("completion:: 2023-04-17", {"done": "2023-04-17"}),
        ("cancelled:: 2023-04-18", {"cancelled": "2023-04-18"}),
        ("priority:: highest", {"priority": Priority.HIGHEST}),
        ("priority:: high", {"priority": Priority.HIGH}),
        ("priority:: medium", {"priority": Priority.MEDIUM}),
        ("priority:: low", {"priority": Priority.LOW}),
        ("priority:: lowest", {"priority": Priority.LOWEST}),
        ("repeat:: every day when done", {"recurrence": "every day when done"}),
        ("onCompletion:: delete", {"on_completion": "delete"}),
        ("id:: dcf64c", {"id": "dcf64c"}),
        ("dependsOn:: dcf64c,0h17ye", {"depends_on": ("dcf64c", "0h17ye")}),
        (" due::2023-04-16 ", {"due": "2023-04-16"}),
    ],
)
def test_dataview_fields(open_: str, close: str, inner: str, expected: dict[str, object]) -> None:
    line = parse_task_line(f"#task Has a field  {open_}{inner}{close}")
    assert fields_of(line) == expected
    assert line.description == "#task Has a field"
    assert line.problems == ()


def test_dataview_fields_separated_by_commas_and_spaces() -> None:
    line = parse_task_line(
        "This is a task [priority:: high], [start:: 2023-04-24],  [due:: 2023-05-01]"
    )
    assert fields_of(line) == {
        "priority": Priority.HIGH,
        "start": "2023-04-24",
        "due": "2023-05-01",
    }
    assert line.description == "This is a task"
    assert line.problems == ()


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("[Due:: 2024-05-01]", {"due": "2024-05-01"}, "[due:: 2024-05-01]"),
        ("[DEPENDSON:: a]", {"depends_on": ("a",)}, "[dependsOn:: a]"),
        ("[priority:: High]", {"priority": Priority.HIGH}, "[priority:: high]"),
    ],
)
def test_dataview_keys_in_other_case_are_read_with_a_problem(
    text: str, expected: dict[str, object], canonical: str
) -> None:
    line = parse_task_line("Task " + text)
    assert fields_of(line) == expected
    assert line.description == "Task"
    assert line.problems == (
        f"the Tasks plugin reads this field only when written as '{canonical}', "
        f"so it will not see '{text}'",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Task [note:: something]",
        "Task (mood:: good)",
        "Task [due:: 2024-05-01)",  # mismatched brackets
        "Task [due : 2024-05-01]",
        "Task [[Some note]]",
    ],
)
def test_other_brackets_stay_in_description(text: str) -> None:
    line = parse_task_line(text)
    assert line.fields == TaskFields()
    assert line.description == text
    assert line.problems == ()


def test_unknown_inline_field_stops_tasks_and_hides_its_content() -> None:
    line = parse_task_line("Task 📅 2024-05-01 [note:: see 📅 2024-06-01]")
    assert line.fields.due == "2024-05-01"
    assert line.description == "Task [note:: see 📅 2024-06-01]"
    assert line.problems == (
        "text after the due date hides it from the Tasks plugin; "
        "move '[note:: see 📅 2024-06-01]' before the fields",
    )


def test_dataview_invalid_values() -> None:
    line = parse_task_line("Task [priority:: urgent] [due:: soon]")
    assert line.fields == TaskFields()
    assert line.description == "Task [priority:: urgent] [due:: soon]"
    assert line.problems == (
        "priority 'urgent' is not one of highest, high, medium, low, lowest",
        "due date 'soon' is not a valid YYYY-MM-DD date",
    )


def test_emoji_and_dataview_mixed() -> None:
    line = parse_task_line("Task 📅 2024-05-01 [priority:: low] 🆔 x1")
    assert fields_of(line) == {"due": "2024-05-01", "priority": Priority.LOW, "id": "x1"}
    assert line.description == "Task"


# --------------------------------------------------------------------------------------------
# Tags and block ids


@pytest.mark.parametrize(
    ("text", "description", "expected"),
    [
        (
            "Do #a 📅 2024-05-01 #b ⏫ #c",
            "Do #a #b #c",
            {"due": "2024-05-01", "priority": Priority.HIGH},
        ),
        ("Do 📅 2024-05-01 #nested/tag", "Do #nested/tag", {"due": "2024-05-01"}),
        ("#only 📅 2024-05-01", "#only", {"due": "2024-05-01"}),
        ("Do 🔁 every day #habit", "Do #habit", {"recurrence": "every day"}),
        ("Do 📅 2024-05-01 #tag ^blk", "Do #tag", {"due": "2024-05-01"}),
    ],
)
def test_tags_mixed_among_fields(text: str, description: str, expected: dict[str, object]) -> None:
    line = parse_task_line(text)
    assert fields_of(line) == expected
    assert line.description == description
    assert line.problems == ()


@pytest.mark.parametrize(
    ("text", "description", "block_id"),
    [
        ("Write report ^abc", "Write report", "abc"),
        ("Write report ^abc-123  ", "Write report", "abc-123"),
        ("Write report 📅 2024-05-01 ^Ab1", "Write report", "Ab1"),
        ("^abc", "", "abc"),
        ("Write report^abc", "Write report^abc", None),  # Tasks needs a space before '^'
        ("Write report ^ab_c", "Write report ^ab_c", None),  # '_' is not allowed
        ("Write report ^", "Write report ^", None),
        ("Write ^abc report", "Write ^abc report", None),  # only at the very end
    ],
)
def test_block_id(text: str, description: str, block_id: str | None) -> None:
    line = parse_task_line(text)
    assert line.description == description
    assert line.block_id == block_id


def test_block_id_before_fields_is_description() -> None:
    line = parse_task_line("Write ^abc 📅 2024-05-01")
    assert line.block_id is None
    assert line.fields.due == "2024-05-01"
    assert line.description == "Write ^abc"


# --------------------------------------------------------------------------------------------
# Invalid dates, punctuation, text after fields


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Call 📅 2024-13-45", "due date '2024-13-45' is not a valid YYYY-MM-DD date"),
        ("Call 📅 2024-02-30", "due date '2024-02-30' is not a valid YYYY-MM-DD date"),
        ("Call 📅 0000-01-01", "due date '0000-01-01' is not a valid YYYY-MM-DD date"),
        ("Call ⏳ 2024-5-1", "scheduled date '2024-5-1' is not a valid YYYY-MM-DD date"),
        ("Call 🛫 tomorrow", "start date 'tomorrow' is not a valid YYYY-MM-DD date"),
        ("Call ✅ 2024-05-011", "done date '2024-05-011' is not a valid YYYY-MM-DD date"),
        ("Call ➕ ٢٠٢٤-٠٥-٠١", "created date '٢٠٢٤-٠٥-٠١' is not a valid YYYY-MM-DD date"),
        ("Call ❌", "cancelled date ❌ has no YYYY-MM-DD date after it"),
    ],
)
def test_invalid_dates_stay_in_description(text: str, problem: str) -> None:
    line = parse_task_line(text)
    assert line.fields == TaskFields()
    assert line.description == text
    assert line.problems == (problem,)


def test_leap_day_is_valid() -> None:
    assert parse_task_line("x 📅 2024-02-29").fields.due == "2024-02-29"


def test_invalid_date_does_not_stop_fields_before_it() -> None:
    # Tasks' date pattern matches '2024-02-30' and removes it, so it peels on past it.
    line = parse_task_line("Call ⏫ 📅 2024-02-30")
    assert line.fields.priority is Priority.HIGH
    assert line.description == "Call 📅 2024-02-30"
    assert line.problems == ("due date '2024-02-30' is not a valid YYYY-MM-DD date",)


def test_malformed_date_stops_fields_before_it() -> None:
    line = parse_task_line("Call 📅 2024-05-01 ⏳ tomorrow")
    assert line.fields.due == "2024-05-01"
    assert line.fields.scheduled is None
    assert line.description == "Call ⏳ tomorrow"
    assert line.problems == (
        "the unreadable scheduled date after the due date stops the Tasks plugin, "
        "so it does not see the due date either",
        "scheduled date 'tomorrow' is not a valid YYYY-MM-DD date",
    )


@pytest.mark.parametrize("punct", [".", ",", ")", ";", ":", "!", "?", ")."])
def test_punctuation_after_date(punct: str) -> None:
    line = parse_task_line(f"Call Bob 📅 2024-05-01{punct}")
    assert line.fields.due == "2024-05-01"
    assert line.description == "Call Bob"
    assert line.problems == (
        f"the '{punct}' right after the due date hides it from the Tasks plugin; "
        f"remove the '{punct}'",
    )


def test_date_in_parentheses() -> None:
    line = parse_task_line("Call Bob (📅 2024-05-01)")
    assert line.fields.due == "2024-05-01"
    assert line.description == "Call Bob"


def test_punctuation_mid_line() -> None:
    line = parse_task_line("Call Bob 📅 2024-05-01, then Alice ⏫")
    assert line.fields.due == "2024-05-01"
    assert line.fields.priority is Priority.HIGH
    assert line.description == "Call Bob then Alice"
    assert line.problems == (
        "the ',' right after the due date hides it from the Tasks plugin; remove the ','",
    )


@pytest.mark.parametrize(
    ("text", "description", "expected", "problems"),
    [
        (
            "Write 📅 2024-05-01 call Bob",
            "Write call Bob",
            {"due": "2024-05-01"},
            (
                "text after the due date hides it from the Tasks plugin; "
                "move 'call Bob' before the fields",
            ),
        ),
        (
            "📅 2024-05-01 call Bob",
            "call Bob",
            {"due": "2024-05-01"},
            (
                "text after the due date hides it from the Tasks plugin; "
                "move 'call Bob' before the fields",
            ),
        ),
        (
            # Tasks still sees the priority after the text.
            "Write ⏳ 2024-04-01 📅 2024-05-01 call Bob ⏫",
            "Write call Bob",
            {"scheduled": "2024-04-01", "due": "2024-05-01", "priority": Priority.HIGH},
            (
                "text after the scheduled date hides it from the Tasks plugin; "
                "move 'call Bob' before the fields",
                "text after the due date hides it from the Tasks plugin; "
                "move 'call Bob' before the fields",
            ),
        ),
        (
            # Each hidden field names the nearest text after it.
            "A ⏳ 2024-01-01 foo 📅 2024-05-01 call Bob",
            "A foo call Bob",
            {"scheduled": "2024-01-01", "due": "2024-05-01"},
            (
                "text after the scheduled date hides it from the Tasks plugin; "
                "move 'foo' before the fields",
                "text after the due date hides it from the Tasks plugin; "
                "move 'call Bob' before the fields",
            ),
        ),
        (
            "Call [due:: 2024-05-01] Bob",
            "Call Bob",
            {"due": "2024-05-01"},
            (
                "text after the due date hides it from the Tasks plugin; "
                "move 'Bob' before the fields",
            ),
        ),
        (
            "Pay 🆔 rent1 now",
            "Pay now",
            {"id": "rent1"},
            ("text after the id hides it from the Tasks plugin; move 'now' before the fields",),
        ),
    ],
)
def test_text_after_fields_is_accepted_with_a_problem(
    text: str, description: str, expected: dict[str, object], problems: tuple[str, ...]
) -> None:
    line = parse_task_line(text)
    assert fields_of(line) == expected
    assert line.description == description
    assert line.problems == problems


def test_long_text_after_field_is_shortened_in_the_problem() -> None:
    line = parse_task_line("Do 📅 2024-05-01 " + "word " * 30)
    assert len(line.problems) == 1
    assert "…'" in line.problems[0]
    assert len(line.problems[0]) < 150


@pytest.mark.parametrize("gap", ["\t", "\u00a0", " \u00a0 "])
def test_non_plain_space_between_emoji_and_value(gap: str) -> None:
    line = parse_task_line(f"Task 📅{gap}2024-05-01")
    assert line.fields.due == "2024-05-01"
    assert line.description == "Task"
    assert line.problems == (
        "the gap between 📅 and the due date is not a plain space (a tab or non-breaking "
        "space?), which hides it from the Tasks plugin",
    )


def test_repeated_field_uses_the_leftmost_as_tasks_does() -> None:
    line = parse_task_line("Task 📅 2024-05-01 📅 2024-06-01")
    assert line.fields.due == "2024-05-01"
    assert line.description == "Task"
    assert line.problems == ("due date is given more than once; using '2024-05-01'",)


def test_repeated_field_prefers_the_one_tasks_sees() -> None:
    line = parse_task_line("Task 📅 2024-05-01 later 📅 2024-06-01")
    assert line.fields.due == "2024-06-01"
    assert line.description == "Task later"
    assert line.problems == (
        "text after the due date hides it from the Tasks plugin; move 'later' before the fields",
        "due date is given more than once; using '2024-06-01'",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Task 🔁", "recurrence 🔁 has no value after it"),
        ("Task 🏁", "on-completion action 🏁 has no value after it"),
        ("Task 🆔", "id 🆔 has no value after it"),
        ("Task ⛔", "depends-on list ⛔ has no value after it"),
        ("Task 🔁 ,", "recurrence ',' is not a rule such as 'every week'"),
    ],
)
def test_fields_without_values(text: str, problem: str) -> None:
    line = parse_task_line(text)
    assert line.fields == TaskFields()
    assert line.description == text
    assert line.problems == (problem,)


def test_description_keeps_inner_text() -> None:
    text = "Read  **[[Some Note|alias]]**  and `code` 🙂 "
    line = parse_task_line(text + "📅 2024-05-01")
    assert line.description == text.rstrip()
    assert line.fields.due == "2024-05-01"


# --------------------------------------------------------------------------------------------
# Status


@pytest.mark.parametrize(
    ("char", "status"),
    [
        (" ", TaskStatus.TODO),
        ("x", TaskStatus.DONE),
        ("X", TaskStatus.DONE),
        ("/", TaskStatus.IN_PROGRESS),
        ("-", TaskStatus.CANCELLED),
        (">", TaskStatus.OTHER),
        ("?", TaskStatus.OTHER),
        ("!", TaskStatus.OTHER),
        ("", TaskStatus.OTHER),
    ],
)
def test_status_of(char: str, status: TaskStatus) -> None:
    assert status_of(char) is status


# --------------------------------------------------------------------------------------------
# Properties

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ID = re.compile(r"[a-zA-Z0-9_-]+")
DATE_NAMES = ("due", "scheduled", "start", "created", "done", "cancelled")

# Whole tokens as well as single characters, so that near-fields are common.
SOUP = st.lists(
    st.sampled_from(
        [
            *"➕⏳⌛🛫📅📆🗓✅❌🔁🏁🆔⛔🔺⏫🔼🔽⏬",
            *"0123456789-,.;:)([]#^!?_aZx",
            *(VS16, " ", "\t", "\u00a0", "\n", "2024-05-01", "2024-02-30", "every day", "keep"),
            *("due::", "priority::", "dependsOn::", "[due:: 2024-05-01]", "#tag", " ^id"),
        ]
    ),
    max_size=40,
).map("".join)


def check_invariants(text: str) -> None:
    line = parse_task_line(text)
    for name in DATE_NAMES:
        value = getattr(line.fields, name)
        if value is not None:
            assert ISO_DATE.fullmatch(value)
            datetime.date.fromisoformat(value)
    if line.fields.id is not None:
        assert ID.fullmatch(line.fields.id)
    assert all(ID.fullmatch(dep) for dep in line.fields.depends_on)
    assert line.fields.on_completion in (None, "keep", "delete")
    assert isinstance(line.fields.priority, Priority)
    assert line.description == line.description.rstrip()
    assert all(isinstance(p, str) and p for p in line.problems)
    if line.block_id is not None:
        assert re.fullmatch(r"[A-Za-z0-9-]+", line.block_id)


@given(st.text())
@settings(max_examples=300)
def test_arbitrary_text_never_raises(text: str) -> None:
    check_invariants(text)


@given(SOUP)
@settings(max_examples=500)
def test_emoji_soup_never_raises(text: str) -> None:
    check_invariants(text)


EMOJI_FORMS: dict[str, list[str]] = {
    "created": ["➕"],
    "scheduled": ["⏳", "⌛"],
    "start": ["🛫"],
    "due": ["📅", "📆", "🗓"],
    "done": ["✅"],
    "cancelled": ["❌"],
}


@st.composite
def clean_task_lines(draw: st.DrawFn) -> tuple[str, str, dict[str, object]]:
    """A description followed only by well-formed fields, as the Tasks plugin writes them."""
    words = draw(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=1))
    description = " ".join(words)
    parts: list[str] = []
    expected: dict[str, object] = {}
    dates = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31))
    for name, forms in EMOJI_FORMS.items():
        if draw(st.booleans()):
            day = draw(dates).isoformat()
            emoji = draw(st.sampled_from(forms)) + draw(st.sampled_from(["", VS16]))
            parts.append(f"{emoji} {day}")
            expected[name] = day
    if draw(st.booleans()):
        emoji, priority = draw(
            st.sampled_from([("🔺", Priority.HIGHEST), ("⏫", Priority.HIGH), ("🔽", Priority.LOW)])
        )
        parts.append(emoji)
        expected["priority"] = priority
    if draw(st.booleans()):
        task_id = draw(st.from_regex(r"[a-zA-Z0-9_-]{1,6}", fullmatch=True))
        parts.append(f"🆔 {task_id}")
        expected["id"] = task_id
    if draw(st.booleans()):
        parts.append("[repeat:: every week]")
        expected["recurrence"] = "every week"
    parts = draw(st.permutations(parts))
    return " ".join([description, *parts]), description, expected


@given(clean_task_lines())
@settings(max_examples=300)
def test_clean_lines_round_trip(case: tuple[str, str, dict[str, object]]) -> None:
    text, description, expected = case
    line = parse_task_line(text)
    assert line.problems == ()
    assert line.description == description
    assert fields_of(line) == expected


@pytest.mark.parametrize(
    "unit",
    [
        "📅 2024-05-01 ",
        "⏫",
        "⏫\ufe0f",
        "📅",
        "📅 ",
        "🔁 every day ",
        "x 📅 2024-05-01 y ",
        "[due:: 2024-05-01] ",
        "[due::",
        "(",
        "#a ",
        "⛔ a,",
        "🆔 a*",
        "2024-05-01.",
    ],
)
def test_200_kb_line_parses(unit: str) -> None:
    # A performance sanity check, not a timing assertion: quadratic peeling would not finish.
    text = unit * (200_000 // len(unit))
    check_invariants(text)
