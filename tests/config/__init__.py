"""vaultkit.config: the schema, loading and layering, the TOML line map, the default file."""
