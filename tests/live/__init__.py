"""vaultkit.live: the hook and the watcher."""
