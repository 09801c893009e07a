"""What tests do to a vault between syncs: edits of the example vault's notes, keys added to the
config's [vault] table, a template written, an hour of stillness, notes and folders renamed,
Obsidian's "Excluded files" set, notes replaced by copies of themselves; and the totals of
the Status dashboard read back."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

STATUS_TOTALS = re.compile(r"\*\*(\d+) of (\d+) tasks done\*\*")


def totals(vault: Path) -> tuple[int, int]:
    match = STATUS_TOTALS.search((vault / "Dashboards/Status.md").read_text(encoding="utf-8"))
    assert match is not None
    return int(match[1]), int(match[2])


def tick_leetcode(vault: Path) -> None:
    note = vault / "Status.md"
    text = note.read_text(encoding="utf-8")
    old = "- [ ] One Leetcode medium"
    assert old in text
    note.write_text(text.replace(old, "- [x] One Leetcode medium"), encoding="utf-8")


def edit_topic(vault: Path) -> None:
    """A change that makes Plan.md's topics region stale."""
    path = vault / "Topics/Rust.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n- [ ] One more Rust task\n")


AN_HOUR_NS = 3600 * 1_000_000_000


def age(vault: Path) -> None:
    """Move every timestamp in the vault an hour back, as if it had sat still since."""
    then = time.time_ns() - AN_HOUR_NS
    for folder, _, files in os.walk(vault):
        for name in files:
            os.utime(os.path.join(folder, name), ns=(then, then))


def set_vault_keys(vault: Path, *lines: str) -> None:
    config = vault / ".vaultkit/config.toml"
    text = config.read_text(encoding="utf-8")
    assert "[vault]\n" in text
    config.write_text(text.replace("[vault]\n", "[vault]\n" + "".join(f"{x}\n" for x in lines)))


def write_template(vault: Path, name: str, text: str | bytes) -> None:
    path = vault / ".vaultkit/templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def rename_note(vault: Path, source: str, renamed: str) -> bool:
    """Rename or move a note (over any note at ``renamed``); whether there was one to move."""
    if source == renamed or not (vault / source).exists():
        return False
    (vault / renamed).parent.mkdir(parents=True, exist_ok=True)
    (vault / source).replace(vault / renamed)
    return True


def rename_folder(vault: Path, source: str, renamed: str) -> bool:
    """Rename a folder, every note in it moving as it was, unless ``renamed`` exists; whether
    it moved."""
    old, new = vault / source, vault / renamed
    if source == renamed or not old.is_dir() or new.exists():
        return False
    old.rename(new)
    return True


def set_excluded(vault: Path, filters: list[str]) -> None:
    """Obsidian's "Excluded files" (``userIgnoreFilters`` of ``.obsidian/app.json``)."""
    (vault / ".obsidian" / "app.json").write_text(
        json.dumps({"userIgnoreFilters": filters}), encoding="utf-8"
    )


def replace_by_copies(vault: Path) -> int:
    """Replace every note of the vault by a copy of itself, as a backup restored or a sync
    service's temp file and rename does: the same bytes and mtime, another inode; how many."""
    notes = [p for p in vault.rglob("*.md") if ".obsidian" not in p.parts]
    for note in notes:
        copy = note.with_name(note.name + ".copy")
        shutil.copy2(note, copy)
        os.replace(copy, note)
    return len(notes)
