"""vaultkit.scan: walking the vault with Obsidian's settings and filters."""
