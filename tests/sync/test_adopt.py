"""``vaultkit adopt`` on a real vault: the topic notes it makes, the region it leaves in the
table's place, every other byte of the note, and the runs that must write nothing."""

from __future__ import annotations

import json
import re
import shlex
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.cli import cli, sync
from tests.support.kept_cells import CELL
from vaultkit.parse.note import parse_note

PLAN = (
    "---\nstatus: planning\n---\n"
    "# Career\n\nSome text *before*.\n\n"
    "## Topics to explore\n"
    "| Topic | Details | Pros | Cons |\n"
    "| --- | --- | --- | --- |\n"
    "| **1. GPU kernels** | - timeline: 2-3 months <br>- read *the* book <br>- "
    "[videos](https://example.com/v) | - rare skill <br> - `nvcc` daily | none |\n"
    "| **2. Search engines** | ranking <br>indexing | - fast [[Inverted index]] "
    "| - big \\| costly |\n"
    "|  |  |  |  |\n"
    "| 3. [[Compilers]] | - `a<br>b` in code <br>- more |  | - slow |\n"
    "<br>\n\n"
    "# Next steps\n\n- [ ] pick one\n"
)


@pytest.fixture
def plans(vault: Path) -> Path:
    """A vault of hand-kept notes (no topic notes, no vaultkit config but a zero quiet
    period, so that adopt writes at once), beside the example vault the fixture made."""
    root = vault.parent / "Plans"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaultkit").mkdir()
    (root / ".vaultkit" / "config.toml").write_text(
        "# my settings\n[vault]\nquiet_seconds = 0  # write at once\n"
    )
    (root / "Plan.md").write_text(PLAN)
    (root / "Notes").mkdir()
    (root / "Notes" / "Compilers.md").write_text("# Compilers\n\n## Pros\n\n- mine\n")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultkit/backups" not in p.as_posix() and p.name != "lock"
    }


def test_adopt_makes_topic_notes_and_a_region_and_keeps_every_other_byte(plans: Path) -> None:
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0, out
    gpu = (plans / "Topics" / "GPU kernels.md").read_text()
    assert gpu == (
        "---\ntags:\n- topic\nrank: 1\ntimeline: 2-3 months\n---\n"
        "\n## Details\n\n- read *the* book\n- [videos](https://example.com/v)\n"
        "\n## Pros\n\n- rare skill\n- `nvcc` daily\n"
        "\n## Cons\n\n- none\n"
    )
    search = (plans / "Topics" / "Search engines.md").read_text()
    assert "- ranking\n- indexing\n" in search and "- big | costly\n" in search
    # The wikilinked name adopts the note it links to: only the sections it lacks are added.
    compilers = (plans / "Notes" / "Compilers.md").read_text()
    assert compilers.startswith(
        "---\ntags:\n- topic\nrank: 3\n---\n# Compilers\n\n## Pros\n\n- mine\n"
    )
    assert "## Details\n\n- \\- `a<br>b` in code <br>- more\n" in compilers
    assert "## Cons\n\n- slow\n" in compilers
    assert not (plans / "Topics" / "Compilers.md").exists()
    assert "Notes/Compilers.md: has its own 'Pros' section(s); left alone" in out
    assert "'Details' cell of 'Compilers' is kept whole" in out
    assert "skipped empty row(s) at line(s) 13, 15" in out
    # The note: the table's lines are the filled region, every other byte as it was.
    plan = (plans / "Plan.md").read_text()
    before, _, rest = plan.partition("%% vaultkit:begin topics %%\n")
    region, _, after = rest.partition("%% vaultkit:end topics ")
    assert before == PLAN[: PLAN.index("| Topic |")]
    assert after.split("\n", 1)[1] == "\n# Next steps\n\n- [ ] pick one\n"
    # The regenerated cells keep the items' markdown: emphasis, links, code.
    assert (
        "| [[GPU kernels]] | read *the* book<br>[videos](https://example.com/v) "
        "| rare skill<br>`nvcc` daily | none | 2-3 months |"
    ) in region
    backups = list((plans / ".vaultkit" / "backups").iterdir())
    assert [b.read_text() for b in backups] == [PLAN]
    config = (plans / ".vaultkit" / "config.toml").read_text()
    assert config.startswith("# my settings\n[vault]\nquiet_seconds = 0  # write at once\n")
    settings = tomllib.loads(config)
    assert settings["dashboards"]["topics"]["target"] == "Plan.md#topics"
    assert settings["topics"]["columns"] == [
        *("Details", "Pros", "Cons", "timeline", "progress", "resources", "modified", "rank")
    ]
    assert settings["topics"]["sort"] == "rank"
    # Done: a sync writes nothing, and adopting again is harmless.
    state = _files(plans)
    assert sync(plans)[0] == 0
    assert _files(plans) == state
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0 and "nothing to adopt" in out
    assert _files(plans) == state


def test_preview_writes_nothing_and_shows_every_file(plans: Path) -> None:
    state = _files(plans)
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--diff")
    assert code == 0, out
    assert _files(plans) == state and not (plans / ".vaultkit" / "backups").exists()
    assert "would create Topics/GPU kernels.md" in out
    assert "+++ b/Topics/GPU kernels.md" in out and "+- rare skill" in out
    assert "would change Plan.md" in out and "+%% vaultkit:begin topics %%" in out
    assert "would change Notes/Compilers.md" in out
    assert "would change .vaultkit/config.toml" in out
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--dry-run")
    assert code == 0 and "+++" not in out and _files(plans) == state


def test_crlf_note_with_bom_keeps_its_line_endings(plans: Path) -> None:
    crlf = b"\xef\xbb\xbf" + PLAN.replace("\n", "\r\n").encode()
    (plans / "Plan.md").write_bytes(crlf)
    assert cli("adopt", "Plan.md", "--vault", str(plans))[0] == 0
    data = (plans / "Plan.md").read_bytes()
    assert data.startswith(crlf[: crlf.index(b"| Topic |")])
    assert b"%% vaultkit:begin topics %%\r\n" in data
    assert data.endswith(b"\r\n# Next steps\r\n\r\n- [ ] pick one\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_an_existing_note_of_that_name_is_merged_not_overwritten(plans: Path) -> None:
    (plans / "Topics").mkdir()
    mine = "---\ntags: [topic]\nrank: 9\n---\n## Pros\n\n- my own\n"
    (plans / "Topics" / "GPU kernels.md").write_text(mine)
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0, out
    text = (plans / "Topics" / "GPU kernels.md").read_text()
    # Its own rank and Pros stay; the missing property and sections are added after them.
    assert text.startswith(
        "---\ntags: [topic]\nrank: 9\ntimeline: 2-3 months\n---\n## Pros\n\n- my own\n"
    )
    assert "\n## Details\n\n- read *the* book\n" in text and "rare skill" not in text


def test_several_comparison_tables_ask_which(plans: Path) -> None:
    second = "\n## Books\n| Book | Why |\n| --- | --- |\n| A | x |\n| B | y |\n"
    (plans / "Plan.md").write_text(PLAN + second)
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--dry-run")
    assert code == 2
    assert "2 comparison tables; pick one with --table N or --heading H" in out
    assert "table 1 at line 9 under 'Topics to explore'" in out and "table 2 at line" in out
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--dry-run", "--heading", "books")
    assert code == 0 and "table 2" in out and "2 topics" in out
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--table", "3")
    assert code == 2 and "--table must be 1 to 2" in out


def test_a_note_without_a_comparison_table_is_refused(plans: Path) -> None:
    (plans / "Plan.md").write_text("| | a |\n|---|---|\n| | x |\n")
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 2 and "Plan.md: holds no comparison table" in out and "table 1 at line 1" in out


def test_a_topics_target_set_elsewhere_is_not_moved(plans: Path) -> None:
    config = plans / ".vaultkit" / "config.toml"
    config.write_text('[dashboards.topics]\ntarget = "Board.md#topics"\n')
    state = _files(plans)
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 2 and "target to 'Board.md#topics'" in out
    assert _files(plans) == state


def test_topics_dashboard_and_doctor_point_at_the_table(plans: Path) -> None:
    assert sync(plans)[0] == 0
    topics = (plans / "Dashboards" / "Topics.md").read_text()
    assert "No topic notes found." in topics
    assert (
        "| [[Plan]] | Topics to explore | 9 | Topic, Details, Pros, Cons | 3 | "
        "`vaultkit adopt Plan.md --table 1` |"
    ) in topics
    _, out = cli("doctor", "--vault", str(plans))
    assert "Plan.md:9 under 'Topics to explore': 3 rows, columns Topic, Details, Pros, Cons" in out
    assert f"vaultkit adopt Plan.md --table 1 --vault {shlex.quote(str(plans))}" in out
    # Once a note is a topic, the dashboard shows the topics, not the tables.
    (plans / "Own topic.md").write_text("---\ntags: [topic]\n---\n## Pros\n\n- mine\n")
    assert sync(plans)[0] == 0
    topics = (plans / "Dashboards" / "Topics.md").read_text()
    assert "[[Own topic]]" in topics and "Comparison tables kept by hand" not in topics


def test_the_old_topics_file_goes_unless_edited_by_hand(plans: Path) -> None:
    assert sync(plans)[0] == 0
    old = plans / "Dashboards" / "Topics.md"
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--dry-run")
    assert "would remove Dashboards/Topics.md" in out and old.exists()
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0 and "removed      Dashboards/Topics.md" in out
    assert not old.exists()


def test_a_hand_edited_topics_file_is_kept(plans: Path) -> None:
    assert sync(plans)[0] == 0
    old = plans / "Dashboards" / "Topics.md"
    old.write_text(old.read_text() + "\nmy own line\n")
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0
    assert "Dashboards/Topics.md was edited since vaultkit wrote it" in out
    assert old.read_text().endswith("my own line\n")


@settings(max_examples=25)
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=3))
def test_adopt_then_sync_recreates_every_cells_items(rows: list[tuple[str, str]]) -> None:
    """Property: after adopt and the sync it runs, the regenerated table's cells, read back by
    vaultkit's own parser, hold the items of the hand-kept cells, in order."""
    table = ["| Topic | Pros | Cons |", "| --- | --- | --- |"]
    table += [f"| **{n}. Name {n}** | {a} | {b} |" for n, (a, b) in enumerate(rows, start=1)]
    source = "# Plan\n\n" + "\n".join(table) + "\n\nafter\n"
    expected = parse_note(source.encode(), "Plan.md").tables[0]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "Vault"
        (root / ".obsidian").mkdir(parents=True)
        (root / ".vaultkit").mkdir()
        (root / ".vaultkit" / "config.toml").write_text("[vault]\nquiet_seconds = 0\n")
        (root / "Plan.md").write_text(source)
        code, out = cli("adopt", "Plan.md", "--vault", str(root), "--table", "1")
        assert code == 0, out
        text = (root / "Plan.md").read_text()
    region = text.split("%% vaultkit:begin topics %%\n")[1].split("%% vaultkit:end topics")[0]
    [regenerated] = parse_note(region.encode(), "Region.md").tables
    assert len(regenerated.rows) == len(rows)
    for old, new in zip(expected.rows, regenerated.rows, strict=True):
        # Columns: Topic, Pros, Cons, progress, resources, modified, rank.
        assert [c.text for c in regenerated.header][1:3] == ["Pros", "Cons"]
        for before, after in zip(old.cells[1:], new.cells[1:3], strict=True):
            items = [re.sub(r"^- ", "", part.strip()) for part in before.text.split("\n")]
            assert after.text.split("\n") == [i for i in items if i] or (
                not after.text and not any(items)
            ), (before.source, after.text)


def test_notes_the_config_would_not_take_for_topics_are_not_made(plans: Path) -> None:
    config = plans / ".vaultkit" / "config.toml"
    config.write_text('[vault]\nquiet_seconds = 0\n[topics]\ntag = ""\nfolder = "Areas"\n')
    state = _files(plans)
    code, out = cli("adopt", "Plan.md", "--vault", str(plans), "--folder", "Topics")
    assert code == 2 and "--folder 'Topics' is not in it" in out
    assert _files(plans) == state
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0, out
    assert (plans / "Areas" / "GPU kernels.md").read_text().startswith("---\nrank: 1\n")


def test_a_table_in_a_callout_stays_in_the_callout(plans: Path) -> None:
    table = PLAN[PLAN.index("| Topic |") : PLAN.index("|  |  |  |  |\n")]
    quoted = "> [!info] Ideas\n" + "".join(f"> {line}\n" for line in table.splitlines())
    (plans / "Plan.md").write_text("# Plan\n\n" + quoted + "\nafter\n")
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0, out
    text = (plans / "Plan.md").read_text()
    assert text.startswith(
        "# Plan\n\n> [!info] Ideas\n> %% vaultkit:begin topics %%\n>\n> | Topic |"
    )
    assert "\n> %% vaultkit:end topics " in text and text.endswith("%%\n\nafter\n")


def test_a_note_saved_just_now_is_adopted_once_it_is_left_alone(
    plans: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The quiet period: the table's note may be being typed in, so adopt waits for it (and
    says so) instead of writing into it or giving up half-way."""
    config = plans / ".vaultkit" / "config.toml"
    config.write_text(config.read_text().replace("quiet_seconds = 0", "quiet_seconds = 1"))
    (plans / "Plan.md").write_text(PLAN)  # saved this instant
    code, out = cli("adopt", "Plan.md", "--vault", str(plans))
    assert code == 0, out
    assert "Plan.md changed just now; waiting" in capsys.readouterr().err
    assert "%% vaultkit:begin topics %%" in (plans / "Plan.md").read_text()


def test_the_sync_after_adopt_finds_every_dashboard_current(plans: Path) -> None:
    """adopt syncs with no quiet period (it wrote the note itself, nobody is typing in it);
    the vault's own quiet period only decides when to write, so the next sync, which uses
    it, has nothing to render."""
    config = plans / ".vaultkit" / "config.toml"
    config.write_text(config.read_text().replace("quiet_seconds = 0", "quiet_seconds = 1"))
    code, out = cli("adopt", "Plan.md", "--table", "1", "--vault", str(plans))
    assert code == 0, out
    code, out = sync(plans, "--json")
    assert code == 0, out
    report = json.loads(out)
    assert (report["parsed"], report["rendered"]) == ([], [])
