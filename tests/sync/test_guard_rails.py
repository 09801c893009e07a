"""The growth guard (issue 13, design section 8 item 9): new files and small notes included.

A file may always reach ``growth_allowance`` bytes and grow past it by ``max_growth`` times; a
new file may be as large as a render may be (``max_output``). A 99-byte note's region cannot
become 50 MB and no dashboard can become gigabytes, while the built-in dashboards of a large
vault (the topic table has no row limit) never trip it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.region_vault import snapshot
from tests.support.vault_edits import set_vault_keys, write_template
from vaultkit.config.schema import Config, VaultSettings
from vaultkit.sync.guard_rails import GuardRailError, check_guard_rails
from vaultkit.writeback.plan import Planned
from vaultkit.writeback.regions import WriteStatus


def test_a_small_notes_region_cannot_grow_past_the_allowance(vault: Path) -> None:
    note = vault / "Tiny.md"
    note.write_text("# Tiny\n\n%% vaultkit:begin big %%\n%% vaultkit:end big %%\n\nThe end.\n")
    assert len(note.read_bytes()) < 100
    config = vault / ".vaultkit/config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[dashboards.big]\ntarget = "Tiny.md#big"\ntemplate = "big.md.j2"\n'
    )
    # 2 MB: within max_output, past the 1 MiB any small note may grow to.
    write_template(vault, "big.md.j2", "{% for i in range(20000) %}{{ 'x' * 99 }}\n{% endfor %}")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2, output
    assert output.startswith("vaultkit: Tiny.md: this run would grow the file from 66 to 2,000,"), (
        output
    )
    assert "growth_allowance = 1,048,576 bytes" in output
    assert snapshot(vault) == before
    # No quiet period: the note was created a moment ago, and is not being typed in.
    set_vault_keys(vault, "growth_allowance = 4_000_000", "quiet_seconds = 0")
    code, output = cli("sync", str(vault))
    assert code == 0, output
    assert len(note.read_bytes()) > 2_000_000


def _planned(vault: Path, old: bytes | None, new: bytes) -> Planned:
    status = WriteStatus.CREATED if old is None else WriteStatus.WRITTEN
    return Planned(vault / "Dashboards/New.md", old, new, status)


def test_the_growth_rule_for_new_and_existing_files(tmp_path: Path) -> None:
    config = Config(vault=VaultSettings(max_output=100_000, growth_allowance=10_000))
    ok = [
        _planned(tmp_path, None, b"x" * 100_000),  # a new file as large as a render may be
        _planned(tmp_path, b"x" * 99, b"x" * 10_000),  # a small file up to the allowance
        _planned(tmp_path, b"x" * 5_000, b"x" * 25_000),  # past it by the factor
    ]
    check_guard_rails(tmp_path, config, ok)
    for old, new in [(None, 104_097), (b"x" * 99, 10_001), (b"x" * 5_000, 25_001)]:
        with pytest.raises(GuardRailError):
            check_guard_rails(tmp_path, config, [_planned(tmp_path, old, b"x" * new)])


def test_a_large_built_in_topic_table_never_trips_the_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    # 600 topics with long Details lists: a 1.3 MB table, past the growth allowance.
    vault = tmp_path / "big"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Topics").mkdir()
    bullets = "".join(f"- detail {n} " + "d" * 90 + "\n" for n in range(20))
    for n in range(600):
        (vault / "Topics" / f"Topic {n:03d}.md").write_text(
            f"# Topic {n}\n#topic\n\n## Details\n{bullets}", encoding="utf-8"
        )
    code, output = cli("sync", str(vault))
    assert code == 0, output
    table = vault / "Dashboards/Topics.md"
    assert len(table.read_bytes()) > 1_200_000
    (vault / "Topics" / "Topic 600.md").write_text(
        f"# Topic 600\n#topic\n\n## Details\n{bullets}", encoding="utf-8"
    )
    code, output = cli("sync", str(vault))
    assert code == 0, output
    assert "Topic 600" in table.read_text(encoding="utf-8")
