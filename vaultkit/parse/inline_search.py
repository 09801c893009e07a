"""Amortised-linear substring search for inline rules.

Inline rules run at every candidate position of a paragraph. A rule that searched for
its closing marker from scratch each time would be quadratic on a long line full of
openers and no closer (``[[[[[[…``); remembering the last answer per marker keeps the
total work linear in the length of the paragraph.
"""

from __future__ import annotations

from markdown_it.rules_inline import StateInline

_CACHE_ATTR = "_vaultkit_find_cache"


def find_forward(state: StateInline, needle: str, start: int) -> int:
    """``state.src.find(needle, start)`` limited to ``state.posMax``, remembered per state."""
    cache: dict[str, tuple[int, int]] | None = getattr(state, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(state, _CACHE_ATTR, cache)
    key = f"{needle}\x00{state.posMax}"
    hit = cache.get(key)
    if hit is not None:
        searched_from, found = hit
        if searched_from <= start and (found == -1 or found >= start):
            return found
    found = state.src.find(needle, start, state.posMax)
    cache[key] = (start, found)
    return found
