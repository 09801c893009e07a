"""Emptying every region of a note (``vaultkit remove-dashboards``), at the byte level."""

from __future__ import annotations

from vaultkit.markers import region_hash
from vaultkit.writeback.regions import BOM, WriteStatus, emptied_regions


def _end(name: str, text: str) -> str:
    return f"%% vaultkit:end {name} {region_hash(text)} %%"


def test_content_and_hash_go_markers_and_every_other_byte_stay() -> None:
    inside = "| a | b |\n| --- | --- |\n"
    note = (
        BOM
        + (
            "# Plan\r\nMine.\r\n%% vaultkit:begin topics %%\r\n"
            + inside.replace("\n", "\r\n")
            + _end("topics", inside)
            + "\r\nAfter.\r\n> [!note]\r\n> %% vaultkit:begin quote %%\r\n> - x\r\n> "
            + _end("quote", "- x\n")
            + "\r\nTail"
        ).encode()
    )
    new, outcomes = emptied_regions(note)
    assert new == BOM + (
        b"# Plan\r\nMine.\r\n%% vaultkit:begin topics %%\r\n%% vaultkit:end topics %%\r\n"
        b"After.\r\n> [!note]\r\n> %% vaultkit:begin quote %%\r\n> %% vaultkit:end quote %%\r\n"
        b"Tail"
    )
    assert [(name, status) for name, status, _, _ in outcomes] == [
        ("topics", WriteStatus.WRITTEN),
        ("quote", WriteStatus.WRITTEN),
    ]
    again, outcomes = emptied_regions(new)
    assert again is None
    assert {status for _, status, _, _ in outcomes} == {WriteStatus.UNCHANGED}


def test_a_region_edited_by_hand_is_kept() -> None:
    note = (
        "%% vaultkit:begin a %%\nvaultkit's\nmy edit\n" + _end("a", "vaultkit's\n") + "\n"
        "%% vaultkit:begin b %%\nvaultkit's\n" + _end("b", "vaultkit's\n") + "\n"
        "%% vaultkit:begin c %%\ntyped before any fill\n%% vaultkit:end c %%\n"
    ).encode()
    new, outcomes = emptied_regions(note)
    assert [(name, status) for name, status, _, _ in outcomes] == [
        ("a", WriteStatus.CONFLICT),
        ("b", WriteStatus.WRITTEN),
        ("c", WriteStatus.CONFLICT),
    ]
    assert new is not None
    assert new == note.replace(
        b"%% vaultkit:begin b %%\nvaultkit's\n" + _end("b", "vaultkit's\n").encode(),
        b"%% vaultkit:begin b %%\n%% vaultkit:end b %%",
    )


def test_broken_markers_leave_the_note_alone() -> None:
    note = b"%% vaultkit:begin a %%\ntext\n"
    new, outcomes = emptied_regions(note)
    assert new is None
    assert [status for _, status, _, _ in outcomes] == [WriteStatus.ERROR]
