"""Lazy query results for the template context.

A dashboard of a 10,000-note vault shows the first fifty overdue tasks, not all twenty
thousand; yet a template may still ask for every one, count them, or test whether there
are any. :class:`Rows` is a read-only sequence backed by one SQL query that runs only as
far as the template looks: ``rows | length`` counts in SQLite, ``rows[:50]`` fetches fifty
rows, ``for row in rows`` fetches them all. That keeps a sync's cost proportional to what
the dashboards show rather than to the size of the vault (design section 11).

The query must have a deterministic ORDER BY, so that slices and full reads agree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

Convert = Callable[[tuple[Any, ...]], Any]


class Rows(Sequence[Any]):
    """The rows of ``SELECT {columns} {body} ORDER BY {order}``, each passed to ``convert``.

    ``body`` is the FROM/WHERE (and GROUP BY) part. Results are cached: a template that
    counts, then slices, then loops pays for each query once. ``count``, when the caller
    already knows it (from an aggregate it ran anyway), spares the count query.
    """

    __slots__ = (
        "_all",
        "_body",
        "_columns",
        "_connection",
        "_convert",
        "_count",
        "_order",
        "_params",
        "_slices",
    )

    def __init__(
        self,
        connection: sqlite3.Connection,
        columns: str,
        body: str,
        params: Sequence[Any] = (),
        *,
        order: str,
        convert: Convert = tuple,
        count: int | None = None,
    ) -> None:
        self._connection = connection
        self._columns = columns
        self._body = body
        self._params = tuple(params)
        self._order = order
        self._convert = convert
        self._count = count
        self._all: list[Any] | None = None
        self._slices: dict[tuple[int, int], list[Any]] = {}

    def _select(self, suffix: str = "", extra: Sequence[Any] = ()) -> list[Any]:
        sql = f"SELECT {self._columns} {self._body} ORDER BY {self._order}{suffix}"
        rows = self._connection.execute(sql, self._params + tuple(extra)).fetchall()
        return [self._convert(row) for row in rows]

    def __len__(self) -> int:
        if self._all is not None:
            return len(self._all)
        if self._count is None:
            grouped = " GROUP BY " in self._body or "DISTINCT" in self._columns
            # A plain FROM/WHERE is counted as it stands: SQLite can then count from an
            # index alone instead of producing every row's columns for the outer count.
            sql = (
                f"SELECT count(*) FROM (SELECT {self._columns} {self._body})"
                if grouped
                else f"SELECT count(*) {self._body}"
            )
            self._count = int(self._connection.execute(sql, self._params).fetchone()[0])
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self._everything())

    def _everything(self) -> list[Any]:
        if self._all is None:
            self._all = self._select()
        return self._all

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if self._all is not None:
            return self._all[index]
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            simple = (step in (None, 1)) and (start is None or start >= 0)
            if not simple or stop is None or stop < 0:
                return self._everything()[index]
            first = start or 0
            key = (first, stop)
            if key not in self._slices:
                count = max(0, stop - first)
                self._slices[key] = (
                    self._select(" LIMIT ? OFFSET ?", (count, first)) if count else []
                )
            return list(self._slices[key])
        if index < 0:
            return self._everything()[index]
        found = self[index : index + 1]
        if not found:
            raise IndexError("Rows index out of range")
        return found[0]

    def __repr__(self) -> str:
        return f"<Rows of {len(self)}>"
