"""Bounds on a template's render: time, output, and the size of what it builds (issue 13).

A template from a shared vault must not hang a sync while it holds the vault lock, nor
exhaust memory (a 1 GB dashboard once took 5.9 GB). Three defences, each in its own module:

* **Size checks in the sandbox** (:mod:`vaultkit.dashboards.sandbox`), for the operations
  that turn a small template into a huge value in one step, inside C code that nothing can
  interrupt: ``'x' * 10**9``, ``[1] * 10**9``, ``10 ** 10**9``, ``'%999999999d' % 1``,
  ``'{:999999999}'.format(1)``, ``'x'.center(10**9)``, ``big | join`` over many items,
  ``|replace``, ``|indent``, ``|wordwrap``, ``|batch``/``|slice`` with fill values,
  ``lipsum(10**6)``, and the joining behind ``~``, macros and ``{% set %}`` blocks. No string
  may exceed ``max_output`` characters, no list an eighth of that in items, no integer
  :data:`MAX_INT_BITS` bits.
* **Streamed output** (:func:`render_bounded`, in this module): the render is read piece by
  piece (``Template.generate``) and stopped as soon as it passes ``max_output``; the whole
  text is never built past the limit.
* **A watchdog thread** (:mod:`vaultkit.dashboards.watchdog`) for what grows step by step in
  Python code (a loop that never ends, a loop that piles up strings each under the limit): it
  raises an exception asynchronously in the rendering thread (``PyThreadState_SetAsyncExc``)
  when the time runs out or the process's peak memory grew by more than
  :attr:`RenderLimits.memory`. The render runs in the calling thread, because the context
  reads the index through that thread's sqlite3 connection; a signal (SIGALRM) would work on
  neither Windows nor a watcher's threads.

What is left unguarded is a value a template builds by nesting containers into each other
(``[x, x]`` thirty times over) and then prints: that is one C call, which no check sees
before it and no watchdog can interrupt.

This module also holds what the three share: the limits of one render, and the exceptions a
breach raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import jinja2

from vaultkit.config.schema import DEFAULT_MAX_OUTPUT, DEFAULT_TEMPLATE_TIMEOUT, MIB

MAX_INT_BITS = 14_000
"""Largest integer a template may compute: about 4,200 digits (Python prints up to 4,300)."""
MAX_TEMPLATE_BYTES = 1 * MIB
"""Largest template file read from the vault (a built-in one is about 3 KB)."""


class RenderLimits(NamedTuple):
    """The bounds of one render, from ``[vault]`` in the config."""

    timeout: float = DEFAULT_TEMPLATE_TIMEOUT
    """Seconds one template may take, loading and compiling included."""
    max_output: int = DEFAULT_MAX_OUTPUT
    """Bytes of output; also the most characters in one string a template builds."""

    @property
    def max_items(self) -> int:
        """The most items in one list or tuple a template builds (8 bytes each, at least)."""
        return max(1, self.max_output // 8)

    @property
    def memory(self) -> int:
        """Bytes a render may add to the process's peak memory: 16 × max_output, ≥ 256 MiB."""
        return max(256 * MIB, 16 * self.max_output)


class LimitError(Exception):
    """A template asked for a value past the bounds; raised before the value is built."""

    def __init__(self, message: str, setting: str = "max_output") -> None:
        super().__init__(message)
        self.setting = setting


class OutputLimitError(LimitError):
    """The render's output passed ``max_output``."""


class Overrun(BaseException):
    """Raised asynchronously in a render that ran out of time or memory.

    A BaseException, so no ``except Exception`` in Jinja or in vaultkit's context code
    swallows it on its way out.
    """


class OutOfTime(Overrun):
    pass


class OutOfMemory(Overrun):
    pass


def render_bounded(template: jinja2.Template, context: Mapping[str, Any], max_output: int) -> str:
    """The template's output, read piece by piece and stopped past ``max_output`` bytes."""
    pieces: list[str] = []
    size = 0
    stream: Iterator[str] = template.generate(**context)
    try:
        for piece in stream:
            size += len(piece)
            if size > max_output:
                raise OutputLimitError(f"its output passed max_output = {max_output:,} bytes")
            pieces.append(piece)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    text = "".join(pieces)
    if not text.isascii() and len(text.encode("utf-8", "surrogatepass")) > max_output:
        raise OutputLimitError(f"its output passed max_output = {max_output:,} bytes")
    return text
