"""Which ``[status.cadences]`` table the index's cadences were derived with, and deriving them
again when it changes.

A task's cadence (``tasks.cadence``, ``task_sections.cadence`` and the per-cadence kept sums) is
computed when its note is stored, from its section and the table. The table is config, not
vault: editing it changes no note, so no note would be parsed again. The index therefore records
the table it used (``meta`` key ``cadences``); an update given another table re-derives every
stored cadence from the sections (a few SQL statements, no parsing) and moves the ``tasks``
family, so that Status is rendered again with the new groups.
"""

from __future__ import annotations

import json
import sqlite3

from vaultkit.cadences import Cadences
from vaultkit.index import task_totals as task_totals
from vaultkit.index.meta import CADENCES_KEY


def cadences_in_force(
    connection: sqlite3.Connection, wanted: Cadences | None
) -> tuple[Cadences, bool]:
    """The table this update derives cadences with (``wanted``; without one, the table the index
    was derived with, so that a read command without the config changes nothing), and whether
    the index was derived with another."""
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (CADENCES_KEY,)).fetchone()
    stored = row[0] if row is not None else None
    if wanted is None:
        wanted = Cadences(dict(json.loads(stored))) if stored else Cadences()
    return wanted, stored != wanted.fingerprint


def record(connection: sqlite3.Connection, cadences: Cadences) -> None:
    """Remember the table the index's cadences now follow (inside the indexer's transaction)."""
    connection.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        (CADENCES_KEY, cadences.fingerprint),
    )


def rederive(connection: sqlite3.Connection, cadences: Cadences) -> None:
    """Every stored task's and section's cadence by ``cadences``, and the kept sums anew."""
    sections = [
        section for (section,) in connection.execute("SELECT DISTINCT section FROM task_sections")
    ]
    # One lookup table, so that each table is updated in one pass (no index on section alone).
    connection.execute(
        "CREATE TEMP TABLE section_cadences (section TEXT PRIMARY KEY, cadence TEXT)"
    )
    try:
        connection.executemany(
            "INSERT INTO temp.section_cadences VALUES (?, ?)",
            [(section, cadences.of(section)) for section in sections],
        )
        for table in ("task_sections", "tasks"):
            connection.execute(
                f"UPDATE {table} SET cadence = (SELECT cadence FROM temp.section_cadences c "
                f"WHERE c.section = {table}.section)"
            )
    finally:
        connection.execute("DROP TABLE temp.section_cadences")
    task_totals.rebuild(connection)
    record(connection, cadences)
