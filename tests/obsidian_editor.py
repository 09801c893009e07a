"""A stand-in for a user typing in Obsidian, run as a separate process by test_concurrency.

Each edit reads the note from disk (Obsidian reloads a note changed on disk when its buffer
holds no unsaved text, and this "user" saves every edit at once), adds a new task line above
the note's region, and saves. Saves alternate between the two ways notes reach the disk:
Obsidian desktop's in-place write (open with truncation, write; there is an instant when the
file is empty) and the temp-file-and-rename of other editors and sync services.

Usage: ``python -m tests.obsidian_editor VAULT SEED EDITS NOTE...``; prints the edits made as
JSON (``[[note, line], ...]``) on stdout.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path


def save_in_place(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def save_by_rename(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.swp")
    temp.write_bytes(data)
    os.replace(temp, path)


def edit(path: Path, line: bytes) -> bytes:
    """The note with ``line`` inserted as the third line (after the title and the prose)."""
    data = path.read_bytes()
    eol = b"\r\n" if b"\r\n" in data else b"\n"
    head, sep, rest = data.partition(b"Some prose the user wrote, which vaultkit must keep.")
    assert sep, f"{path} lost its prose line"
    first_eol = rest.index(eol) + len(eol)
    return head + sep + rest[:first_eol] + line + eol + rest[first_eol:]


def main(argv: list[str]) -> int:
    vault, seed, count, notes = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3:]
    rng = random.Random(seed)
    made: list[tuple[str, str]] = []
    for number in range(count):
        rel = rng.choice(notes)
        line = f"- [ ] edit {number} by the other process"
        data = edit(vault / rel, line.encode())
        (save_in_place if number % 2 == 0 else save_by_rename)(vault / rel, data)
        made.append((rel, line))
        # Typing bursts, then pauses long enough for the watcher's debounce to expire, so
        # its syncs start at every possible point between two saves.
        time.sleep(rng.uniform(0, 0.03) if rng.random() < 0.8 else rng.uniform(0.1, 0.35))
    json.dump(made, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
