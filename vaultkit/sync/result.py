"""What one sync did: the record :func:`vaultkit.sync.run.run_sync` returns.

Every surface (``vaultkit sync``, the hook, the watcher) words it through
:mod:`vaultkit.sync.outcome`; ``--check``, the hook's quiet-period wait and the exit status read
it directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaultkit.writeback.regions import WriteStatus

if TYPE_CHECKING:
    from vaultkit.index.update import IndexUpdate
    from vaultkit.writeback.plan import Planned


class SyncResult:
    """What one sync did: the index update, every write planned and carried out, and which
    dashboards it rendered. :func:`vaultkit.sync.outcome.sync_outcome` words it for the user."""

    # A plain class, not a dataclass: the hook imports this module on every save, and a
    # dataclass costs ~1 ms to define.
    __slots__ = (
        "dashboards",
        "dry_run",
        "index",
        "moved",
        "planned",
        "recorded",
        "reindex",
        "rendered",
        "results",
        "seconds",
        "unlistable",
    )

    def __init__(
        self,
        index: IndexUpdate,
        *,
        planned: list[Planned] | None = None,
        results: list[Planned] | None = None,
        dashboards: list[str] | None = None,
        rendered: list[str] | None = None,
        seconds: float = 0.0,
        dry_run: bool = False,
        unlistable: list[tuple[str, str]] | None = None,
    ) -> None:
        self.index = index
        self.planned = planned if planned is not None else []
        self.results = results if results is not None else []
        self.dashboards = dashboards if dashboards is not None else []
        """Every enabled dashboard."""
        self.rendered = rendered if rendered is not None else []
        """The dashboards rendered this run; the others were current
        (``vaultkit.sync.freshness``)."""
        self.seconds = seconds
        self.dry_run = dry_run
        self.unlistable = unlistable if unlistable is not None else []
        """(folder, why) of the folders the walk could not list: nothing in them was read."""
        self.reindex: list[str] = []
        """Notes this sync changed that its dashboards read (the habits log when new, notes it
        unticked), vault-relative: a second pass indexes them (``vaultkit.sync.run``)."""
        self.recorded: list[str] = []
        """Files this sync wrote that the index now holds as written, vault-relative (see
        :func:`vaultkit.index.update.record_own_writes`): the next sync finds them unchanged."""
        self.moved: frozenset[str] = frozenset()
        """Families of the index this sync's own writes moved (a region that grew moves the
        lines of the links below it), which dashboards rendered before those writes may show
        as they were: a further pass renders those again (``vaultkit.sync.run``)."""

    def then(self, later: SyncResult) -> SyncResult:
        """This sync followed by a second pass (``later``), reported as one: per file, the
        later pass's write when it wrote, else this one's."""

        def merged(first: list[Planned], second: list[Planned]) -> list[Planned]:
            wrote = {p.path: p for p in second if p.status is not WriteStatus.UNCHANGED}
            return [wrote.pop(p.path, p) for p in first] + list(wrote.values())

        self.planned = merged(self.planned, later.planned)
        self.results = merged(self.results, later.results)
        self.rendered = list(dict.fromkeys([*self.rendered, *later.rendered]))
        self.recorded = list(dict.fromkeys([*self.recorded, *later.recorded]))
        self.moved = later.moved
        self.seconds += later.seconds
        return self

    def count(self, *statuses: WriteStatus) -> int:
        items = self.planned if self.dry_run else self.results
        return sum(1 for item in items if item.status in statuses)

    @property
    def stale(self) -> bool:
        """Something would be written (used by --check)."""
        return any(p.status in (WriteStatus.WRITTEN, WriteStatus.CREATED) for p in self.planned)

    @property
    def deferred(self) -> list[Planned]:
        """Notes not written yet because they were being edited (design 8.10)."""
        items = self.planned if self.dry_run else self.results
        return [p for p in items if p.status is WriteStatus.DEFERRED]

    @property
    def problems(self) -> bool:
        items = self.planned if self.dry_run else self.results
        return any(p.status in (WriteStatus.CONFLICT, WriteStatus.ERROR) for p in items)
