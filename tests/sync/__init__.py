"""vaultkit.sync: the lock, the stamp, freshness, the guard rails, the worded outcome."""
