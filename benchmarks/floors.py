"""The floors: what any tool must pay on a vault, measured the same way as vaultkit.

This module owns the floor workloads and nothing else:

* :func:`walk_stat`: walk the vault with ``os.scandir`` and ``stat`` every file (skipping
  dot-folders and dot-files, as Obsidian does): the least a warm sync can do to notice that
  nothing changed. :data:`WALK_SCRIPT` is the same walk as a ``python -c`` program, the floor
  for the ``vaultkit sync`` command with its process start;
* :func:`read_all`: read every byte of every file;
* :func:`parse_all`: read, decode and parse every note with bare markdown-it-py
  (``MarkdownIt("commonmark")`` plus the core ``table`` and ``strikethrough`` rules vaultkit
  enables; parse only, no render, one process): the floor of a cold sync.

Each function returns what it counted, so a caller can check the work was really done.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

__all__ = ["WALK_SCRIPT", "markdown_files", "parse_all", "read_all", "walk_stat"]


def walk_stat(root: str) -> int:
    """Stat every visible file under ``root``; the number of files."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat(follow_symlinks=False)
                    count += 1
    return count


WALK_SCRIPT = """\
import os, sys
count = 0
stack = [sys.argv[1]]
while stack:
    with os.scandir(stack.pop()) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                entry.stat(follow_symlinks=False)
                count += 1
print(count)
"""
""":func:`walk_stat` as a stand-alone program: ``python -c WALK_SCRIPT VAULT``."""


def _files(root: str) -> Iterator[str]:
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    yield entry.path


def markdown_files(root: str) -> list[str]:
    """Every visible ``.md`` file under ``root``, sorted."""
    return sorted(path for path in _files(root) if path.lower().endswith(".md"))


def read_all(root: str) -> int:
    """Read every visible file under ``root``; the number of bytes read."""
    total = 0
    for path in _files(root):
        with open(path, "rb") as handle:
            total += len(handle.read())
    return total


def parse_all(paths: list[str]) -> int:
    """Read, decode and parse each note with bare markdown-it-py; the number of tokens."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    md.enable(["table", "strikethrough"])
    tokens = 0
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
        tokens += len(md.parse(text))
    return tokens
