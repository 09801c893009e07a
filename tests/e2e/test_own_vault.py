"""The installed CLI on a vault kept the way people keep theirs: a hand-kept comparison table,
checklists hidden in a comment, no daily notes, odd headings. The notes are written here in
the shapes of real ones; when the workplace's seed notes are on the machine, the same journey
runs on them too."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from tests.support.cli import installed

SEED_NOTES = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seed-notes"

CAREER_TEMPLATE = """\

> [!note] aim high, keep the steps small
<br>
# PLANS

**write things down!!**

## next job

1. apply widely [[#prep|see prep]]
2. stretch roles:
\t1. open source
\t2. [[#prep|interview prep]]

## prep

- algorithms
<br>

# Things to learn
{table}
<br>

# Next month

1. start with compilers.
"""

_ROWS = (
    ("Topic", "Details", "Pros", "Cons"),
    ("-" * 30, "-" * 40, "-" * 20, "-" * 20),
    (
        "**1. Compilers & runtimes**",
        "- timeline: 3 months <br>- the dragon book <br>- [course](https://example.com/c)",
        "- rare skill <br>- fun",
        "- slow payoff <br> - hard",
    ),
    ("**2. Databases**", "- read a storage engine", "- useful everywhere", "- crowded"),
    ("**3. graphics 101**", "- shaders", "- visual", "- output?: <br>- a toy renderer"),
    ("**4. Audio DSP**", "- ?", "- different", "- niche"),
    (
        "**5. Distributed systems**",
        "- raft <br>- the paper <br>- build a KV store,",
        "- jobs <br>- depth",
        "- broad <br>- abstract",
    ),
    ("**6. Data engineering**", "- pipelines", "- jobs", "- dull?"),
    (
        "**7. something outside work.**",
        "- an app people use <br>- ship it.,",
        "- breadth",
        "- no idea yet!<br>",
    ),
    ("**8. Embedded**", "- a board and a sensor", "", "needs hardware"),
    ("", "", "", ""),
)
"""The comparison table, its columns padded as editors align them."""
CAREER = CAREER_TEMPLATE.format(
    table="\n".join("| " + " | ".join(cell.ljust(30) for cell in row) + " |" for row in _ROWS)
)

SCHEDULE = """\
# Schedule

|                  |        | Learn        | Build         |
| ---------------- | ------ | ------------ | ------------- |
| 4-5 days Daily   | 1-2hr  | theory       | katas         |
|                  |        |              |               |
| Weekend          |        | portfolio    | 1 project     |

## This week
- [x] set up the repo
- [ ] write the first kata

%%
## **Daily**
- [ ] theory 30 min
- [x] one kata

**Bi Weekly**
- [ ] a blog draft

## Weekend
- [ ] portfolio work
- [ ] review the week
%%
"""


def _vault(root: Path) -> Path:
    (root / ".obsidian").mkdir(parents=True)
    (root / "Career plans.md").write_text(CAREER)
    (root / "Schedule.md").write_text(SCHEDULE)
    return root


def _run(*args: str, env: dict[str, str]) -> str:
    done = installed(*args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _state(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*.md"))
    }


def _journey(
    root: Path, tmp_path: Path, table_note: str, topics: int, hidden: tuple[str, int]
) -> str:
    """sync, adopt the table, sync again: returns the note that held the table. ``hidden``:
    the note whose comment holds checklists, and how many tasks are in it."""
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(tmp_path / "cache")}
    _run("sync", str(root), env=env)
    status = (root / "Dashboards" / "Status.md").read_text()
    note, count = hidden
    assert f"{count} tasks are hidden in comments in [[{note}]] (lines " in status
    doctor = _run("doctor", "--vault", str(root), env=env)
    assert f"{count} tasks in the %% comment of lines" in doctor
    hint = (root / "Dashboards" / "Topics.md").read_text()
    assert "No topic notes found." in hint
    assert f"`vaultkit adopt {shlex.quote(table_note)} --table 1`" in hint
    config = root / ".vaultkit" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("[vault]\nquiet_seconds = 0\n")
    out = _run("adopt", table_note, "--vault", str(root), env=env)
    assert f"{topics} topics (Details, Pros, Cons)" in out
    text = (root / table_note).read_text()
    region = text.split("%% vaultkit:begin topics %%")[1].split("%% vaultkit:end topics")[0]
    assert f"{topics} topics." in region
    assert (
        "| Topic | Details | Pros | Cons | timeline | progress | resources | modified | rank |"
        in (region)
    )
    assert len(list((root / "Topics").glob("*.md"))) == topics
    # Nothing left to do: a second sync writes nothing.
    before = _state(root)
    out = _run("sync", str(root), env=env)
    assert "0 written" in out
    assert _state(root) == before
    return text


def test_a_hand_kept_vault_from_first_sync_to_adopted_table(tmp_path: Path) -> None:
    root = _vault(tmp_path / "Notes")
    text = _journey(root, tmp_path, "Career plans.md", 8, ("Schedule", 5))
    assert (
        "| [[Compilers & runtimes]] | the dragon book<br>[course](https://example.com/c) "
        "| rare skill<br>fun |"
    ) in text
    assert text.startswith(CAREER[: CAREER.index("| Topic")])
    assert text.endswith("\n\n# Next month\n\n1. start with compilers.\n")
    compilers = (root / "Topics" / "Compilers & runtimes.md").read_text()
    assert "timeline: 3 months" in compilers
    assert "- [course](https://example.com/c)" in compilers
    outside = (root / "Topics" / "something outside work.md").read_text()
    assert "aliases:\n- something outside work.\n" in outside


@pytest.mark.skipif(not SEED_NOTES.is_dir(), reason="the workplace's seed notes are not here")
def test_the_seed_notes_from_first_sync_to_adopted_table(tmp_path: Path) -> None:
    root = tmp_path / "Seed"
    (root / ".obsidian").mkdir(parents=True)
    for note in SEED_NOTES.glob("*.md"):
        shutil.copy(note, root / note.name)
    [table_note] = [
        n.name for n in root.glob("*.md") if "| Topic " in n.read_text(encoding="utf-8")
    ]
    _journey(root, tmp_path, table_note, 8, ("003_0c30d0fd36e1743d", 5))
