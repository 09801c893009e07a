"""The Topics dashboard rendered straight from a hand-kept table (``[topics] table``): the
table's cells as written, the computed columns from what each row names, on a real vault."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import sync

PLAN = (
    "# Plan\n\n## Topics\n\n"
    "| Topic | Why | Cost |\n"
    "| --- | --- | --- |\n"
    "| **1. Rust** | - safe <br>- [book](https://example.com/rust) | *months* |\n"
    "| 2. [[Go notes\\|Go]] | simple \\| fast |  |\n"
    "| 3. Zig | - tiny |  |\n"
    "|  |  |  |\n"
)


@pytest.fixture
def kept(vault: Path) -> Path:
    """A vault whose Topics dashboard shows Plan.md's table, with tasks under a heading named
    for one row in another note and a note another row links to."""
    root = vault.parent / "Kept"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaultkit").mkdir()
    (root / ".vaultkit" / "config.toml").write_text(
        '[vault]\nquiet_seconds = 0\n[topics]\ntable = "Plan.md#Topics"\n'
        'columns = ["progress", "resources", "Why"]\n'
    )
    (root / "Plan.md").write_text(PLAN)
    (root / "Study.md").write_text(
        "---\nupdated: 2026-11-02\n---\n# Study\n\n## Rust\n\n- [x] read chapter 1\n"
        "### Practice\n- [ ] write a CLI https://example.com/cli\n- [-] dropped\n"
        "## Other\n\n- [ ] not Rust\n"
    )
    (root / "Go notes.md").write_text("- [x] tour\n- [x] effective go https://go.dev/doc\n")
    return root


def test_the_table_is_shown_with_computed_columns(kept: Path) -> None:
    assert sync(kept)[0] == 0
    text = (kept / "Dashboards" / "Topics.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Topic | Why | Cost | progress | resources |"
    # Under "## Rust" and its subheading: 1 of 2 (the dropped one leaves the total), 1 URL.
    assert rows[2] == (
        "| **1. Rust** | - safe <br>- [book](https://example.com/rust) | *months* "
        "| 1/2 ▰▰▱▱▱ 50% | 1 |"
    )
    # The linked note counts whole; the escaped pipes stay escaped, so the row keeps its cells.
    assert rows[3] == "| 2. [[Go notes\\|Go]] | simple \\| fast |  | 2/2 ▰▰▰▰▰ 100% | 1 |"
    assert rows[4] == "| 3. Zig | - tiny |  | 0/0 ▱▱▱▱▱ – | 0 |"
    assert len(rows) == 5  # the empty row is no topic
    assert "3 topics." in text


def test_edits_of_the_table_and_of_the_tasks_show_on_the_next_sync(kept: Path) -> None:
    assert sync(kept)[0] == 0
    study = kept / "Study.md"
    study.write_text(study.read_text().replace("- [ ] write a CLI", "- [x] write a CLI"))
    plan = kept / "Plan.md"
    plan.write_text(
        plan.read_text().replace("| 3. Zig | - tiny |", "| 3. Zig | - tiny <br>- fast |")
    )
    assert sync(kept)[0] == 0
    text = (kept / "Dashboards" / "Topics.md").read_text()
    assert "| 2/2 ▰▰▰▰▰ 100% | 1 |" in text.splitlines()[5]
    assert "| 3. Zig | - tiny <br>- fast |" in text
    state = text
    code, out = sync(kept)
    assert code == 0 and "0 written" in out
    assert (kept / "Dashboards" / "Topics.md").read_text() == state


def test_a_table_that_is_not_there_is_a_clear_error(kept: Path) -> None:
    (kept / ".vaultkit" / "config.toml").write_text('[topics]\ntable = "Plan.md#Books"\n')
    code, out = sync(kept)
    assert code == 2
    assert "[topics] table = 'Plan.md#Books': Plan.md has no table under a heading 'Books'" in out
    (kept / ".vaultkit" / "config.toml").write_text('[topics]\ntable = "Plan"\n')
    code, out = sync(kept)
    assert code == 2 and ".vaultkit/config.toml:2" in out and "Note.md#Heading" in out
