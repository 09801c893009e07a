"""``python -m vaultkit``."""

from vaultkit.cli.main import entry

entry()
