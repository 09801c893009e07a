"""Which notes the views show: the SQL every reader of the index filters rows with."""

EXCLUDED_NOTES = "SELECT path FROM files WHERE excluded = 1"
HIDDEN_NOTES = EXCLUDED_NOTES + " UNION SELECT path FROM notes WHERE generated = 1"
"""Notes left out of every view but still link targets: those under Obsidian's "Excluded
files", and vaultkit's own generated dashboards (which must never count themselves)."""
VISIBLE_ROWS = f"note NOT IN ({HIDDEN_NOTES})"
"""The WHERE test that keeps a table's rows of visible notes (tables with a ``note`` column)."""
