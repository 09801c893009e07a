"""The command line's messages on stderr: stdlib ``logging`` set up once, every line prefixed
``vaultkit:``, at the level ``-q``/``-v`` ask for; and the feedback on long work
(:mod:`vaultkit.feedback`): the line announcing it, a progress bar per phase on a terminal, each
phase's time with ``-v``, and the closing line with the time.

Nothing here imports ``logging`` or ``tqdm`` before something is to be shown. A command line
that went through the parser sets logging up at once; the fast path of ``sync`` and ``hook``
(no options, start-up benchmarked) only when something is about to be logged, or when a phase
begins after something else imported logging (then it is free). Library code gets its logger
from :func:`vaultkit.feedback.logger`, which has :class:`Feedback` set logging up first, so its
warnings arrive prefixed; third-party libraries' warnings do once logging is set up.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import logging

NOTICE = 25
"""Between INFO and WARNING: what is shown unless ``-q`` (long work and its time)."""
QUIET, NORMAL, VERBOSE, DEBUG = 40, NOTICE, 20, 10
"""The level of the ``vaultkit`` logger for ``-q``, neither, ``-v`` and ``-vv``."""

_RED, _YELLOW, _DIM = "31", "33", "2"


def level_for(quiet: bool, verbose: int) -> int:
    """The logging level ``-q`` and ``-v`` (counted: ``-vv`` adds debug lines) ask for."""
    if quiet:
        return QUIET
    return {0: NORMAL, 1: VERBOSE}.get(verbose, DEBUG)


class _Setup:
    handler: Any = None
    """The one handler on the root logger, once made."""


def configure(stream: TextIO, level: int, *, colour: bool) -> None:
    """Set up logging for this command: one handler on the root logger writing to ``stream``
    ("vaultkit: warning: …"), ``vaultkit``'s loggers at ``level``, everyone else's at WARNING
    (ERROR with ``-q``), and Python warnings routed through it. Called again (in-process runs, as
    the tests make), it only points the handler at the new stream and level."""
    import logging

    if _Setup.handler is None:
        _Setup.handler = _handler_class()(stream)
        logging.getLogger().addHandler(_Setup.handler)
        logging.captureWarnings(True)
        logging.addLevelName(NOTICE, "NOTICE")
    _Setup.handler.setStream(stream)
    _Setup.handler.colour = colour
    logging.getLogger().setLevel(max(level, logging.WARNING))
    logging.getLogger("vaultkit").setLevel(level)


def _handler_class() -> type[logging.StreamHandler[TextIO]]:
    import logging

    class Handler(logging.StreamHandler[TextIO]):
        colour = False

        def format(self, record: logging.LogRecord) -> str:
            message = record.getMessage().strip()
            if record.levelno >= logging.ERROR:
                kind, paint = "error: ", _RED
            elif record.levelno >= logging.WARNING:
                kind, paint = "warning: ", _YELLOW
            else:
                kind, paint = "", _DIM if record.levelno < NOTICE else ""
            line = f"vaultkit: {kind}{message}"
            return f"\033[{paint}m{line}\033[0m" if self.colour and paint else line

        def emit(self, record: logging.LogRecord) -> None:
            if _Bars.open:
                # A line written under a progress bar would be drawn over: tqdm moves it.
                from tqdm import tqdm

                tqdm.write(self.format(record), file=self.stream)
                return
            super().emit(record)

    return Handler


class _Bars:
    open: int = 0
    """How many progress bars are on the terminal now."""


def logger() -> logging.Logger:
    """The command line's logger (``vaultkit``), set up or not."""
    import logging

    return logging.getLogger("vaultkit")


_NAMES = {
    "scan": "scanning",
    "parse": "parsing",
    "resolve": "resolving links",
    "index": "indexing",
    "render": "rendering",
    "write": "writing",
}


class Feedback:
    """The :class:`vaultkit.feedback.Listener` of one command: logs through :func:`logger`
    (setting logging up on first use) and draws a progress bar on ``stream`` for each counted
    phase of long work, when ``stream`` is a terminal and ``-q`` was not given."""

    def __init__(self, stream: TextIO, level: int, *, choice: str, started: float) -> None:
        self.stream = stream
        self.level = level
        self.choice = choice
        """``--color``."""
        self.started = started
        """When the command started (``time.perf_counter``)."""
        self.announced = False
        self._configured = False
        self._bars: dict[str, Any] = {}

    def ready(self) -> None:
        """Set up logging for this command (once)."""
        if not self._configured:
            from vaultkit.cli.colour import wanted

            configure(self.stream, self.level, colour=wanted(self.stream, self.choice))
            self._configured = True

    def announce(self, message: str) -> None:
        self.ready()
        self.announced = True
        logger().log(NOTICE, message)

    def begin(self, name: str, total: int, *, long: bool) -> None:
        if "logging" in sys.modules:
            # Imported by now (a third-party library, the pool): setting it up is free, and
            # whatever it logs from here on is prefixed.
            self.ready()
        if long and total and self.level <= NORMAL and _is_terminal(self.stream):
            from tqdm import tqdm

            self._bars[name] = tqdm(
                total=total,
                desc=_NAMES.get(name, name),
                unit="note" if name == "parse" else "step",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )
            _Bars.open += 1

    def advance(self, name: str, count: int) -> None:
        bar = self._bars.get(name)
        if bar is not None:
            bar.update(count)

    def end(self, name: str, seconds: float) -> None:
        bar = self._bars.pop(name, None)
        if bar is not None:
            bar.close()
            _Bars.open -= 1
        if self.level <= VERBOSE:
            self.ready()
            logger().info("%s: %.2f s", name, seconds)

    def finish(self, command: str) -> None:
        """After the command: the time it took, when it announced long work."""
        if self.announced:
            self.ready()
            logger().log(NOTICE, "%s done in %.1f s", command, time.perf_counter() - self.started)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
