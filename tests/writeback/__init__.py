"""vaultkit.writeback: splicing regions, and every interleaving of a save with a write."""
