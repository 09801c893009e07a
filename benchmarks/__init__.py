"""vaultkit's benchmark suite: synthetic vaults and the measurements run against them."""
