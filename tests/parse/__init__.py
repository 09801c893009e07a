"""vaultkit.parse: the fixtures of each syntax element, the registry, properties and hostile
notes, task lines."""
