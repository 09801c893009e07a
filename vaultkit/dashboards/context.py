"""The read-only data every dashboard template sees, computed from the index.

Each name comes from its maker in :data:`vaultkit.dashboards.registry.CONTEXT`; the makers
live in one module per dashboard (:mod:`vaultkit.dashboards.status`, ``topics``,
``resources``, ``habits``, ``links``) and in :mod:`vaultkit.dashboards.common` for the names
they share. The context names are documented in ``docs/templates.md``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection
from typing import Any

from vaultkit.config.schema import Config
from vaultkit.dashboards.common import Checklists, Inputs, NameCounts
from vaultkit.dashboards.registry import CONTEXT
from vaultkit.index.topic_memo import TopicMemo

CONTEXT_NAMES = frozenset(name for name, made in CONTEXT.items() if made.make is not None)
"""Every name :func:`build_context` can provide (``dashboard`` is added per template)."""


def build_context(
    connection: sqlite3.Connection,
    config: Config,
    today: dt.date,
    vault_name: str,
    wanted: Collection[str] = CONTEXT_NAMES,
    checklists: Checklists | None = None,
    names: NameCounts | None = None,
    topic_memo: TopicMemo | None = None,
) -> dict[str, Any]:
    """Everything the dashboard templates may use; see docs/templates.md.

    Only the ``wanted`` names are computed (the templates being rendered say which). Large
    lists are :class:`~vaultkit.dashboards.rows.Rows` read from ``connection`` while the templates
    render, so the connection must stay open (in one read transaction, for a consistent
    view) until rendering is done. ``checklists``: the Daily checklists and the habits log, for
    the habits (:class:`~vaultkit.dashboards.common.Checklists`). ``names``: the name counts
    the templates' ``wikilink`` filter reads, which a context maker may prime. ``topic_memo``:
    where the topics read the index's memo of them and leave its update
    (:class:`~vaultkit.index.topic_memo.TopicMemo`).
    """
    inputs = Inputs(connection, config, today, vault_name, checklists, names, topic_memo=topic_memo)
    return {
        name: made.make.resolve()(inputs)
        for name, made in CONTEXT.items()
        if made.make is not None and name in wanted
    }
