"""The Resources dashboard's context: the reading list.

Every external link once, with its status and where it is kept; the rows come from the
index's ``resource_urls`` (see :mod:`vaultkit.index.resource_urls`), and the lists are read
only as far as a template looks.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from vaultkit.dashboards.common import Inputs
from vaultkit.dashboards.rows import Convert, Rows
from vaultkit.index import resource_urls as resource_urls
from vaultkit.index.queries import VISIBLE_ROWS

_COLUMNS = "url, domain, text, note, section, status, mentions"


def make_resources(inputs: Inputs) -> dict[str, Any]:
    """``resources``: ``{all, by_domain, by_section, counts}``."""
    connection = inputs.connection

    def resource(row: tuple[Any, ...]) -> dict[str, Any]:
        return _resource(connection, row)

    # Kept by the indexer: counting 29,000 URLs per render cost a 10,000-note vault ~17 ms.
    counts = resource_urls.totals(connection)
    return {
        "all": Rows(
            connection,
            _COLUMNS,
            "FROM resource_urls",
            order="domain, url",
            convert=resource,
            count=sum(counts[status] for status in resource_urls.STATUSES),
        ),
        "by_domain": Rows(
            connection,
            "DISTINCT domain",
            "FROM resource_urls",
            order="domain",
            convert=lambda row: {
                "domain": row[0],
                "resources": _group(connection, "domain = ?", (row[0],), "url", resource),
            },
        ),
        "by_section": Rows(
            connection,
            "DISTINCT note, section",
            "FROM resource_urls",
            order="note, section",
            count=counts["places"],
            convert=lambda row: {
                "note": row[0],
                "section": row[1],
                "resources": _group(
                    connection, "note = ? AND section = ?", row, "domain, url", resource
                ),
            },
        ),
        "counts": {status: counts[status] for status in resource_urls.STATUSES},
    }


def _group(
    connection: sqlite3.Connection,
    where: str,
    params: tuple[Any, ...],
    order: str,
    convert: Convert,
) -> Rows:
    """The resources of one group (a domain, or a note's section)."""
    return Rows(
        connection,
        _COLUMNS,
        f"FROM resource_urls WHERE {where}",
        params,
        order=order,
        convert=convert,
    )


def _resource(connection: sqlite3.Connection, row: tuple[Any, ...]) -> dict[str, Any]:
    url, domain, text, _, _, status, mentions = row
    return {
        "url": url,
        "domain": domain,
        "text": text,
        "status": status,
        # Read only if a template looks at them; their number is known already.
        "mentions": Rows(
            connection,
            "note, line, section, task_status",
            f"FROM resources WHERE url = ? AND {VISIBLE_ROWS}",
            (url,),
            order="note, line",
            convert=_mention,
            count=mentions,
        ),
    }


def _mention(row: tuple[Any, ...]) -> dict[str, Any]:
    note, line, section, task_status = row
    return {"note": note, "line": line, "section": section, "task_status": task_status}
