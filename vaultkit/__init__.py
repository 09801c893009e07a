"""vaultkit: parse an Obsidian vault and keep its derived views current as plain markdown."""

from __future__ import annotations

__version__ = "0.1.0"
