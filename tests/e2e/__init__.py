"""Whole-product tests that cross the stages, mostly through the real commands: crashes,
concurrent editors, failing I/O, hostile input, confinement, and what vaultkit finds where it
writes."""
