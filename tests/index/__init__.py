"""vaultkit.index: the incremental update, ownership of the index file, the sums it keeps,
and its queries."""
