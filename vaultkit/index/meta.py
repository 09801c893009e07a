"""The keys of the index's ``meta`` table, one home each.

Whoever writes a key and whoever reads it (the indexer, ``vaultkit sync``, the hook's fast
path, the sync stamp, the freshness check) import it from here, so that they agree by
construction. Prefix keys end in ``:`` and are followed by a name (a dashboard, a target path,
a family, a template source's hash).

This module imports nothing: the hook's fast path and the warm-sync shortcut read the index
with these keys before anything heavy is loaded.
"""

from __future__ import annotations

SCHEMA_VERSION_KEY = "schema_version"
"""The index's schema version (``vaultkit.index.store.INDEX_VERSION``); another means a
rebuild."""
VAULT_KEY = "vault"
"""The vault folder the index was filled from: an index given for another vault starts afresh."""
SCANNED_AT_KEY = "scanned_at_ns"
"""When the last full scan started (``time.time_ns()``): a file modified within
:data:`RACY_SLACK_NS` of it is hashed again by the next update."""
SYNCED_AT_KEY = "synced_at_ns"
"""When the last completed sync started scanning (written by ``vaultkit.sync.run``): the hook's
fast path trusts "this note is as the index holds it" only for notes modified before."""
RACY_SLACK_NS = 2_000_000_000
"""A file modified this close to a scan may change again within the same timestamp tick on
file systems with coarse timestamps ("racy", as git calls it): the indexer hashes such files
again, and the stamp does not vouch for them."""
STAMP_KEY = "sync_stamp"
"""The sync stamp as JSON (``vaultkit.sync.stamp``)."""
GENERATION_KEY = "generation:"
"""Prefix: per family of ``vaultkit.index.store.FAMILIES``, a counter that moves with its rows."""
RESOURCE_TOTALS_KEY = "resource_totals"
"""The reading list's headline counts as JSON (``vaultkit.index.resource_urls``)."""
RENDER_KEY = "rendered:"
"""Prefix: per dashboard, the render key of its last write (``vaultkit.sync.freshness``)."""
TARGET_KEY = "written:"
"""Prefix: per target file, the content hash it held after vaultkit's last write."""
ANALYSIS_KEY = "template:"
"""Prefix: per template source hash, the analysis of what it reads."""
WROTE_KEY = "wrote:"
"""Prefix: per note holding regions, its state (device, inode, size, mtime) right after
vaultkit wrote it, so that vaultkit's own write does not start the quiet period."""
TASK_RULES_KEY = "task_rules"
"""The fingerprint of the Tasks plugin's settings the notes were parsed with
(``vaultkit.model.TaskRules.fingerprint``): another means every note is parsed again."""
CADENCES_KEY = "cadences"
"""The ``[status.cadences]`` table the stored cadences were derived with, as JSON
(``vaultkit.index.cadences``)."""
