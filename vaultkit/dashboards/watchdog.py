"""The watchdog: a render that runs out of time or memory is stopped between two steps.

What grows step by step in Python code (a loop that never ends, a loop that piles up strings
each under the limit) is no single operation the sandbox could refuse. A watchdog thread
raises an exception asynchronously in the rendering thread (``PyThreadState_SetAsyncExc``)
when the time runs out or the process's peak memory grew by more than
:attr:`~vaultkit.dashboards.bounds.RenderLimits.memory`. The render runs in the calling
thread, because the context reads the index through that thread's sqlite3 connection; a
signal (SIGALRM) would work on neither Windows nor a watcher's threads.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import jinja2

from vaultkit.dashboards.bounds import OutOfMemory, OutOfTime, Overrun, RenderLimits
from vaultkit.speedups import allocate_lock, get_ident, start_new_thread

_POLL_SECONDS = 0.05
"""How often the watchdog looks at the memory while a render runs."""

_REFIRE_SECONDS = 0.25
"""How long a fired watchdog waits for the render to end before it fires again.

Python drops an exception raised where nothing can take it (a garbage-collector callback,
a finalizer such as a generator's closing, run in the middle of the render): it prints it
and goes on. A watchdog that fired once would then let a template that never ends run on.
"""


def _peak_memory() -> int | None:
    """The process's peak resident size in bytes (None where it cannot be read)."""
    try:
        import resource
    except ImportError:  # Windows: the size checks still hold, the watchdog times only
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class _Watchdog:
    """Raises :class:`OutOfTime` or :class:`OutOfMemory` in the thread that started it.

    Once the limit is passed it fires every :data:`_REFIRE_SECONDS` until the render has
    ended, and never after: :func:`watched` marks the end (:attr:`ended`) before anything
    else, so at most one exception fired as the render ended is on its way, and
    :meth:`stop`, which takes the same lock as firing, withdraws it if it is not yet
    delivered; :func:`watched` catches it if it lands while stopping.
    """

    def __init__(self, limits: RenderLimits) -> None:
        self._target = get_ident()
        self._state = allocate_lock()
        self._done = allocate_lock()
        self._done.acquire()
        self._active = True
        self.ended = False
        self._fired: type[Overrun] | None = None
        self._set_async_exc: Callable[..., int] | None = None
        try:
            start_new_thread(self._watch, (limits.timeout, limits.memory))
        except RuntimeError:  # no thread to be had: render without the watchdog
            self._active = False

    def _watch(self, seconds: float, memory: int) -> None:
        try:
            deadline = time.monotonic() + seconds
            start = _peak_memory()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    kind: type[Overrun] = OutOfTime
                    break
                if self._done.acquire(True, min(remaining, _POLL_SECONDS)):
                    return
                if start is not None and (_peak_memory() or 0) - start > memory:
                    kind = OutOfMemory
                    break
            while self._fire(kind) and not self._done.acquire(True, _REFIRE_SECONDS):
                pass
        except Exception:
            return  # a watchdog that cannot watch must not crash the sync

    def _fire(self, kind: type[Overrun]) -> bool:
        """Raise ``kind`` in the rendering thread; False once the render has ended."""
        with self._state:
            if not self._active or self.ended:
                return False
            # Imported here, when it fires: ctypes costs the hook's start-up ~5 ms.
            import ctypes

            set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
            set_async_exc(ctypes.c_ulong(self._target), ctypes.py_object(kind))
            self._fired, self._set_async_exc = kind, set_async_exc
            return True

    def stop(self) -> type[Overrun] | None:
        """End the watch; returns what it fired, if it did (its exception is withdrawn)."""
        with self._state:
            was_active, self._active = self._active, False
            fired = self._fired
            if fired is not None and self._set_async_exc is not None:
                import ctypes

                self._set_async_exc(ctypes.c_ulong(self._target), None)
        if was_active:
            self._done.release()
        return fired


def watched(limits: RenderLimits, work: Callable[[], str]) -> str:
    """Run ``work`` in this thread under the watchdog; raises :class:`Overrun` past a bound."""
    watchdog = _Watchdog(limits)
    try:
        text = work()
    finally:
        # First, and with nothing in between at which Python delivers a pending exception:
        # from here the watchdog fires no more.
        watchdog.ended = True
        while True:
            try:
                fired = watchdog.stop()
                break
            except Overrun:  # the one fired as the render ended landed here: it is recorded
                pass
    if fired is not None:
        raise fired()
    return text


def overrun_place(exc: BaseException) -> tuple[str | None, int | None]:
    """The template and line a render was running when it was stopped, if any."""
    name = line = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if isinstance(template, jinja2.Template):
            name = template.name
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return name, line
