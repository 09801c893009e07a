"""vaultkit's exceptions and exit statuses: one root exception, so that every surface (the
command line, the hook, the watcher) can turn any of them into one clear message, and one table
of what each exit status means (design section 2)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What a ``vaultkit`` process tells its caller (design section 2)."""

    OK = 0
    PROBLEMS = 1
    """``--check`` found stale or conflicting output, or a command found problems (a conflict
    or an error for some file, broken links under ``links --broken``, an unhealthy index)."""
    ERROR = 2
    """A usage or configuration error, or any other the message tells the user how to fix:
    every :class:`VaultkitError`."""
    ALREADY_WATCHED = 3
    """``vaultkit watch`` refused because another watcher already keeps the vault current: not
    a failure to retry, so the service files do not restart on it (systemd
    ``RestartPreventExitStatus=3``; launchd gets 0 through ``--ok-if-watched``)."""
    BUG = 70
    """A bug of vaultkit's: sysexits' ``EX_SOFTWARE`` (the hook reports one in a line)."""
    OUTPUT_FAILED = 120
    """stdout could not be written (a full disk behind a redirect): the status Python's own
    exit gives a failed flush. A command that failed already keeps its own status, and a
    reader that went away (``| head``) is no failure: the status stays as the command
    decided."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


class VaultkitError(Exception):
    """A problem the user can fix; the message says which file (and line) and what to do."""

    exit_code = ExitStatus.ERROR

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return where + self.message


class VaultNotFoundError(VaultkitError):
    """No vault given and none found above the current folder."""


class NoteNotFoundError(VaultkitError):
    """The note named on the command line does not exist in the vault."""


class ConfigError(VaultkitError):
    """The vault's ``.vaultkit/config.toml`` is invalid; the message lists every problem."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        problems: tuple[VaultkitError, ...] = (),
    ):
        super().__init__(message, path=path, line=line)
        self._problems = problems

    @property
    def problems(self) -> tuple[VaultkitError, ...]:
        """Each problem on its own, with its file and line (``vaultkit doctor`` lists them);
        an error found alone (a TOML syntax error, which stops the reading) is its only one."""
        return self._problems or (self,)
