"""Unticking a checklist (``vaultkit.writeback.untick``): the ``x`` or ``X`` of the chosen
tasks becomes a space, and every other byte of the note stays."""

from __future__ import annotations

from vaultkit.writeback.untick import unticked

NOTE = (
    b"\xef\xbb\xbf---\r\n"
    b"tags: [status]\r\n"
    b"---\r\n"
    b"## Daily\r\n"
    b"- [x] Gym \xe2\x9c\x85 2026-11-22\r\n"
    b"* [X] Read\r\n"
    b"1. [x] Stretch\r\n"
    b"- [/] Write\r\n"
    b"- [-] Swim\r\n"
    b"> [!todo] Later\r\n"
    b"> - [x] Call mum\r\n"
    b"\r\n"
    b"```\r\n"
    b"- [x] Gym in a code block\r\n"
    b"```\r\n"
    b"%% - [x] Gym in a comment %%\r\n"
    b"## Other\r\n"
    b"- [x] Gym"
)


def test_only_the_x_of_the_chosen_tasks_changes() -> None:
    new, texts = unticked(NOTE, "Status.md", lambda section, text: "Daily" in section)
    assert texts == ["Gym", "Read", "Stretch", "Call mum"]
    assert new == (
        NOTE.replace(b"- [x] Gym \xe2\x9c\x85", b"- [ ] Gym \xe2\x9c\x85")
        .replace(b"* [X] Read", b"* [ ] Read")
        .replace(b"1. [x] Stretch", b"1. [ ] Stretch")
        .replace(b"> - [x] Call mum", b"> - [ ] Call mum")
    )
    assert len(new) == len(NOTE)
    # In progress, cancelled, in a code block, in a comment, under another heading: left.
    assert new.count(b"[x] Gym") == 3
    only_gym, texts = unticked(NOTE, "Status.md", lambda section, text: text == "Read")
    assert texts == ["Read"] and only_gym == NOTE.replace(b"* [X] Read", b"* [ ] Read")
    assert unticked(NOTE, "Status.md", lambda section, text: False) == (NOTE, [])
