"""Block ids: a trailing `` ^id`` that makes a paragraph or list item linkable as
``[[Note#^id]]``.

A task's block id is read with its fields (:mod:`vaultkit.parse.tasks`); this collector takes
the id at the end of any other paragraph's last line.
"""

from __future__ import annotations

import re

from vaultkit.model import BlockId
from vaultkit.parse.state import InlineBlock, Syntax, Walk

_TRAILING_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)\s*$")


def _collect_paragraph(walk: Walk, block: InlineBlock) -> None:
    lines = block.lines
    if not lines or "^" not in lines[-1]:
        return
    match = _TRAILING_BLOCK_ID.search(lines[-1])
    if match is None:
        return
    if walk.out.tasks and walk.out.tasks[-1].line == block.last_line:
        return  # the task already recorded it
    walk.out.block_ids.append(BlockId(block.last_line, match.group(1), walk.section()))


SYNTAX = Syntax("block_ids", text={"paragraph_open": _collect_paragraph})
