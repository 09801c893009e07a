"""The habits log's format (``vaultkit.writeback.habit_log``): every item comes back as it was
written, and only today's line ever changes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from vaultkit.writeback.habit_log import log_history, split_items, with_today

TODAY = dt.date(2026, 11, 22)

# An item is a task's text: one line, no surrounding blanks, never empty.
item_texts = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    st.lists(item_texts, min_size=0, max_size=6, unique=True),
    st.lists(item_texts, min_size=0, max_size=4, unique=True),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
)
def test_every_item_comes_back_as_it_was(first: list[str], later: list[str], day: dt.date) -> None:
    log = with_today(None, day, first)
    assert log_history(log) == {day: tuple(first)}
    # Appended to the day's line by a later run the same day: the union, in order.
    again = with_today(log, day, later)
    expected = tuple(dict.fromkeys([*first, *later]))
    assert log_history(again) == {day: expected}
    assert with_today(again, day, [*later, *first]) == again


def test_separators_and_escapes_in_items() -> None:
    items = ["Gym, weights", "C:\\Users", "50% done", "a\\,b", "back\\"]
    log = with_today(None, TODAY, items)
    assert b"- 2026-11-22: Gym\\, weights, C:\\\\Users, 50\\% done, a\\\\\\,b, back\\\\\n" in log
    assert log_history(log) == {TODAY: tuple(items)}
    # A backslash before anything but punctuation is kept, as markdown keeps it.
    assert split_items(r" a\b, \*c\*, d\\ ,, ") == ("a\\b", "*c*", "d\\")


USER_LOG = (
    b"\xef\xbb\xbf---\r\n"
    b"tags: [log]\r\n"
    b"---\r\n"
    b"# My habits\r\n"
    b"\r\n"
    b"Some words of mine.\r\n"
    b"\r\n"
    b"* 2026-11-20: Gym,  Read  \r\n"
    b"- 2026-11-21: Read\r\n"
    b"\r\n"
    b"```\r\n"
    b"- 2026-11-22: In a code block\r\n"
    b"```\r\n"
    b"%% - 2026-11-22: In a comment %%\r\n"
    b"Closing words, no newline"
)


def test_only_todays_line_changes_and_every_other_byte_stays() -> None:
    history = log_history(USER_LOG)
    assert history == {
        dt.date(2026, 11, 20): ("Gym", "Read"),
        dt.date(2026, 11, 21): ("Read",),
    }
    added = with_today(USER_LOG, TODAY, ["Gym"])
    # Today's line goes after the last dated line, in the note's own line endings.
    assert added == USER_LOG.replace(
        b"- 2026-11-21: Read\r\n", b"- 2026-11-21: Read\r\n- 2026-11-22: Gym\r\n"
    )
    more = with_today(added, TODAY, ["Gym", "Read, slowly"])
    assert more == added.replace(b"- 2026-11-22: Gym\r\n", b"- 2026-11-22: Gym, Read\\, slowly\r\n")
    assert with_today(more, TODAY, ["Read, slowly"]) == more


def test_the_users_corrections_win() -> None:
    log = with_today(None, dt.date(2026, 11, 21), ["Gym", "Read"])
    log = with_today(log, TODAY, ["Gym"])
    # The user says Gym was not done on the 21st after all, and Read was done today.
    corrected = log.replace(b"- 2026-11-21: Gym, Read", b"- 2026-11-21: Read").replace(
        b"- 2026-11-22: Gym", b"- 2026-11-22: Gym, Read"
    )
    # Later runs today: a past line is never touched, today's only ever gains ticked items.
    assert with_today(corrected, TODAY, ["Gym"]) == corrected
    assert log_history(corrected)[dt.date(2026, 11, 21)] == ("Read",)
    # Today's line lists Gym although the user removed it: it is still ticked.
    removed = corrected.replace(b"- 2026-11-22: Gym, Read", b"- 2026-11-22: Read")
    assert log_history(with_today(removed, TODAY, ["Gym"]))[TODAY] == ("Read", "Gym")


def test_a_day_with_nothing_ticked_gets_an_empty_line() -> None:
    log = with_today(b"# Log\n\nText", TODAY, [])
    assert log == b"# Log\n\nText\n\n- 2026-11-22:\n"
    assert log_history(log) == {TODAY: ()}
    assert log_history(with_today(log, TODAY, ["Gym"])) == {TODAY: ("Gym",)}
