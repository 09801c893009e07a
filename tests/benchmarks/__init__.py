"""The benchmark harness (``benchmarks/``): it runs end to end, and its synthetic vaults are
what they say they are."""
