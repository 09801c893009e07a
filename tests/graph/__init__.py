"""vaultkit.graph: links resolved into rows, task dependencies, the export formats."""
