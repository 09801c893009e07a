"""Which vault a command line names: the one reading of ``VAULT`` and ``--vault DIR``, which
every command takes (:func:`vaultkit.cli.args._vault_argument` defines both)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.errors import VaultkitError

if TYPE_CHECKING:
    import argparse


def chosen_vault(args: argparse.Namespace) -> str | None:
    """The vault the command line names: ``VAULT`` or ``--vault DIR`` (every command takes
    both, :func:`vaultkit.cli.args._vault_argument`); None when it names none."""
    positional: str | None = getattr(args, "vault_dir", None)
    option: str | None = getattr(args, "vault", None)
    if positional is None or option is None:
        return option if option is not None else positional
    if Path(positional).expanduser().resolve() != Path(option).expanduser().resolve():
        raise VaultkitError(
            f"two different vaults given: VAULT {positional!r} and --vault {option!r}; "
            "name the vault once"
        )
    return option
