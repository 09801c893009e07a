"""Version numbers that key vaultkit's caches, kept apart from the code they describe.

Importing the parser pulls in markdown-it-py and YAML; the index only needs to know which
parser version filled it, and the hook and a sync with nothing to parse should not pay for
the rest.
"""

PARSER_VERSION = 5
"""Bump whenever ``parse_note`` gives a different model for the same bytes: the index
re-parses every note when it changes."""
