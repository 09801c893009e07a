"""A stand-in for a user typing in a note that vaultkit writes into, run as a separate process.

Each save reads the note from disk (so a save that was lost shows: the next one would not carry
its line), adds one task line at the note's end, and writes the note back in one of the
four ways notes reach the disk, chosen at random:

* ``in place``: open with truncation, write, close (Obsidian desktop, Node's ``fs.writeFile``);
* ``slow in place``: the same in three chunks with a few milliseconds between them (a large
  ``fs.writeFile``, or an editor flushing as it goes);
* ``rename``: a temp file renamed over the note (most editors, Syncthing, Dropbox);
* ``truncate``: the note truncated to nothing, then written a few milliseconds later by a
  second open (editors that empty a file before saving into it).

Usage: ``python -m tests.support.obsidian_editor VAULT SEED SAVES NOTE...``; prints the saves
made as JSON (``[[note, line, kind], ...]``) on stdout.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

KINDS = ("in place", "slow in place", "rename", "truncate")
PAUSE_INSIDE_A_SAVE = 0.03
"""The longest pause inside one save; the test's quiet period must be longer (design 8.10)."""
PAUSE_BETWEEN_BURSTS = (0.65, 0.75)
"""The pauses between bursts of typing (seconds, from, to); the test's quiet period must be
shorter, so that vaultkit writes between saves."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def save_in_place(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def save_slowly_in_place(path: Path, data: bytes, rng: random.Random) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        third = len(data) // 3 + 1
        for start in range(0, len(data), third):
            _write_all(fd, data[start : start + third])
            time.sleep(rng.uniform(0.001, PAUSE_INSIDE_A_SAVE))
    finally:
        os.close(fd)


def save_by_rename(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.swp")
    temp.write_bytes(data)
    os.replace(temp, path)


def save_after_truncating(path: Path, data: bytes, rng: random.Random) -> None:
    os.truncate(path, 0)
    time.sleep(rng.uniform(0.001, PAUSE_INSIDE_A_SAVE))
    fd = os.open(path, os.O_WRONLY)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def edit(path: Path, line: bytes) -> bytes:
    """The note with ``line`` added at its end (where a user keeps adding to a list)."""
    data = path.read_bytes()
    assert b"Some prose the user wrote, which vaultkit must keep." in data, f"{path} lost text"
    eol = b"\r\n" if b"\r\n" in data else b"\n"
    if data and not data.endswith(b"\n"):
        data += eol
    return data + line + eol


def save(path: Path, data: bytes, kind: str, rng: random.Random) -> None:
    if kind == "in place":
        save_in_place(path, data)
    elif kind == "slow in place":
        save_slowly_in_place(path, data, rng)
    elif kind == "rename":
        save_by_rename(path, data)
    else:
        save_after_truncating(path, data, rng)


def main(argv: list[str]) -> int:
    vault, seed, count, notes = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3:]
    rng = random.Random(seed)
    made: list[tuple[str, str, str]] = []
    for number in range(count):
        rel = rng.choice(notes)
        kind = KINDS[number % len(KINDS)]
        line = f"- [ ] save {seed}.{number} by the other process ({kind})"
        save(vault / rel, edit(vault / rel, line.encode()), kind, rng)
        made.append((rel, line, kind))
        # Typing bursts, then pauses longer than the quiet period, so that vaultkit's writes
        # start at every possible point between two saves.
        time.sleep(
            rng.uniform(0, 0.008) if rng.random() < 0.92 else rng.uniform(*PAUSE_BETWEEN_BURSTS)
        )
    json.dump(made, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
