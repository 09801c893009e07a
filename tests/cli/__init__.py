"""vaultkit.cli: the argument forms, and each command through the installed console script."""
