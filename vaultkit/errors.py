"""vaultkit's exceptions: one root, so the CLI can turn any of them into a clear message."""

from __future__ import annotations


class VaultkitError(Exception):
    """A problem the user can fix; the message says which file (and line) and what to do."""

    exit_code = 2

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
