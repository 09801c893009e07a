"""A synthetic vault with many generated regions, for the crash and concurrency tests.

Every note under ``Notes/`` holds a few tasks and one ``tasks`` region that a custom dashboard
fills with that note's own tasks, so ticking a task changes exactly the region of its note
(and the whole-file Status dashboard). The notes vary in the ways that break naive writers:
CRLF endings, a BOM, no final newline, a region inside a callout, unusual permissions.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from vaultkit.writeback.temps import TEMP_SUFFIX

REGION_TEMPLATE = """\
{% for t in tasks if t.note == dashboard.target %}
- {{ t.text }} ({{ t.status }})
{% endfor %}
"""

Snapshot = dict[str, bytes]


def note_path(number: int) -> str:
    return f"Notes/N{number:03d}.md"


def _note_bytes(number: int, tasks: int, region_first: bool) -> bytes:
    callout = number % 6 == 5
    prefix = "> " if callout else ""
    region = ["> [!summary] Generated"] if callout else []
    region += [f"{prefix}%% vaultkit:begin tasks %%", f"{prefix}%% vaultkit:end tasks %%", ""]
    lines = [f"# Note {number}", ""]
    if region_first:
        lines += region
    lines += ["Some prose the user wrote, which vaultkit must keep."]
    lines += [f"- [ ] task {number}.{j} [[N{(number + j) % 7:03d}]]" for j in range(tasks)]
    lines += [""]
    if not region_first:
        lines += region
    lines += [f"Trailing words of note {number}."]
    eol = "\r\n" if number % 5 == 1 else "\n"
    text = eol.join(lines) + ("" if number % 4 == 3 else eol)
    bom = b"\xef\xbb\xbf" if number % 7 == 2 else b""
    return bom + text.encode("utf-8")


def disable_quiet_period(vault: Path) -> None:
    """Set ``quiet_seconds = 0`` in the vault's config, for tests that write into notes they
    have just created (a fresh file's ctime is now, so the quiet period would defer it)."""
    config = vault / ".vaultkit" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    if "[vault]" in text:
        text = text.replace("[vault]", "[vault]\nquiet_seconds = 0", 1)
    else:
        text = "[vault]\nquiet_seconds = 0\n" + text
    config.write_text(text, encoding="utf-8")


def make_region_vault(
    vault: Path, *, notes: int = 30, tasks: int = 4, quiet_seconds: float = 0.0
) -> list[str]:
    """Write the vault (regions still empty); returns the region notes' relative paths.

    Every other note has its region right under its title, the rest near the end: a save
    caught half-way then holds the whole region, or none of it."""
    (vault / ".obsidian").mkdir(parents=True)
    templates = vault / ".vaultkit" / "templates"
    templates.mkdir(parents=True)
    (templates / "region.md.j2").write_text(REGION_TEMPLATE, encoding="utf-8")
    config = [
        "[vault]",
        'today = "2026-11-22"',
        f"max_files_written = {notes + 10}",
        "max_growth = 100.0",
        "debounce_ms = 100",
        f"quiet_seconds = {quiet_seconds}",
        "[dashboards.topics]\nenabled = false",
        "[dashboards.resources]\nenabled = false",
        "[dashboards.habits]\nenabled = false",
    ]
    paths = []
    for number in range(notes):
        rel = note_path(number)
        path = vault / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_note_bytes(number, tasks, region_first=number % 2 == 0))
        if number % 9 == 4:
            path.chmod(0o640)
        config += [f"[dashboards.n{number:03d}]", f'target = "{rel}#tasks"']
        config += ['template = "region.md.j2"']
        paths.append(rel)
    (vault / ".vaultkit" / "config.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return paths


def tick_first_open_task(vault: Path, rel: str) -> None:
    """The user ticks a task: one byte outside the region changes (an edit in place)."""
    path = vault / rel
    data = path.read_bytes()
    assert b"- [ ] task" in data
    path.write_bytes(data.replace(b"- [ ] task", b"- [x] task", 1))


LOCK = ".vaultkit/lock"
"""The vault's writer lock: created empty by the first writer and never written again."""


def snapshot(vault: Path) -> Snapshot:
    """Every file of the vault (vaultkit's own temp files included) by relative path, but the
    vault lock."""
    return {
        rel: p.read_bytes()
        for p in sorted(vault.rglob("*"))
        if p.is_file() and not p.is_symlink() and (rel := p.relative_to(vault).as_posix()) != LOCK
    }


def is_temp_file(rel: str) -> bool:
    """vaultkit's temp file: a dot file Obsidian never lists as a note."""
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def restore(vault: Path, source: Path) -> None:
    """Make ``vault`` a copy of ``source`` again, modification times included."""
    if vault.exists():
        shutil.rmtree(vault)
    shutil.copytree(source, vault)


def copy_index(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy2(source, target)
    os.utime(target)
