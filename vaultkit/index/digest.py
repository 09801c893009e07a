"""The content hash the index keeps for every note (``files.hash``), one home.

The indexer stores it, the hook's fast path compares a saved note with it, and a sync records
it for every file it wrote. This module imports nothing heavy: the hook hashes the saved note
before it knows whether a sync is needed at all.
"""

from __future__ import annotations

from vaultkit.speedups import blake2b


def content_digest(data: bytes) -> str:
    """The content hash the index keeps for every note (``files.hash``)."""
    return blake2b(data, digest_size=16).hexdigest()
