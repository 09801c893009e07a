"""vaultkit.obsidian: what Obsidian decides (link resolution, daily-note dates)."""
