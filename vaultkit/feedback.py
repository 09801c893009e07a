"""Feedback on long work: the phases a run goes through, how far each got and how long it took.

The library says what it is doing here (:func:`phase`, :func:`expect`); a program that wants
to show it sets a :class:`Listener` (the command line's is ``vaultkit.cli.logs``). With none
set, nothing is shown and a phase costs two clock readings. This module imports nothing at
its top: the no-op sync, whose start-up is benchmarked, never loads it, and the hook loads it
alone (the listener's module only when something is reported).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    import logging

LONG_WORK = 200
"""Notes to parse from which a run is long enough to say so. Parsing runs at ~90 to ~300 notes
a second (a cold sync of 3,000 notes took 34 s on a slow laptop, one of 1,000 takes 3 s on
two busy cores), so from here a run takes a second or more: shorter runs stay silent, and
none of several seconds is."""

PHASES = ("scan", "parse", "resolve", "index", "render", "write")
"""The phases a sync reports, in the order they end (``index`` encloses parse and resolve and
reports its own time, without theirs)."""


class Listener(Protocol):
    """Who is told about long work (set with :func:`listen`)."""

    def ready(self) -> None:
        """Something is about to be logged: set up logging now, if not done."""

    def announce(self, message: str) -> None:
        """The run will take long: ``message`` says what it is doing ("indexing 3,000
        notes, first run…")."""

    def begin(self, name: str, total: int, *, long: bool) -> None:
        """Phase ``name`` starts with ``total`` steps (0: not counted); ``long``: it is part of
        long work, worth a progress bar."""

    def advance(self, name: str, count: int) -> None:
        """Phase ``name`` made ``count`` more steps."""

    def end(self, name: str, seconds: float) -> None:
        """Phase ``name`` ended after ``seconds``, not counting the phases inside it."""


class _State:
    listener: ClassVar[Listener | None] = None
    make: ClassVar[Callable[[], Listener] | None] = None
    """What makes the listener, the first time it is needed (:func:`listen_later`)."""
    long_work: ClassVar[bool] = False
    """Whether the current run announced long work (its later phases get bars too)."""
    nested: ClassVar[list[float]] = []
    """Per open phase, the seconds spent in phases inside it."""


def listen(listener: Listener | None) -> None:
    """Send the feedback of the runs that follow to ``listener`` (None: to nobody)."""
    _State.listener = listener
    _State.make = None
    _State.long_work = False
    _State.nested = []


def listen_later(make: Callable[[], Listener]) -> None:
    """:func:`listen` to what ``make`` returns, made when first needed: a run that reports
    nothing (the hook with nothing to do) never imports the listener's module."""
    listen(None)
    _State.make = make


def _listener() -> Listener | None:
    if _State.make is not None:
        _State.listener, _State.make = _State.make(), None
    return _State.listener


def expect(long: bool, message: str) -> None:
    """Say whether the work starting now is long; if so, ``message`` is announced and the
    phases that follow get progress bars, until the next call (a watcher's later syncs are
    short again)."""
    _State.long_work = long
    listener = _listener()
    if long and listener is not None:
        listener.announce(message)


def logger(name: str) -> logging.Logger:
    """The logger of library module ``name``. Library code asks here, just before it logs,
    rather than at import: importing logging costs the hook's start-up milliseconds, and the
    listener (the command line) sets up logging only now, so that a warning never reaches
    stderr without the ``vaultkit:`` prefix."""
    import logging

    listener = _listener()
    if listener is not None:
        listener.ready()
    return logging.getLogger(name)


class Phase:
    """One running phase, as :func:`phase` yields it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def advance(self, count: int = 1) -> None:
        """``count`` more steps of the phase are done."""
        listener = _State.listener
        if listener is not None and count:
            listener.advance(self.name, count)


@contextmanager
def phase(name: str, total: int = 0, *, shown: bool = True) -> Iterator[Phase]:
    """Time phase ``name`` (of :data:`PHASES`) of ``total`` steps; ``shown=False`` asks for no
    progress bar (the hook, which must stay quiet)."""
    listener = _listener()
    if listener is not None:
        listener.begin(name, total, long=shown and _State.long_work)
    started = time.perf_counter()
    _State.nested.append(0.0)
    try:
        yield Phase(name)
    finally:
        inner = _State.nested.pop()
        seconds = time.perf_counter() - started
        if _State.nested:
            _State.nested[-1] += seconds
        if listener is not None:
            listener.end(name, seconds - inner)
