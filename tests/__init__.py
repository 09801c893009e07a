"""vaultkit test suite."""
