"""Hypothesis strategies for the cells of a hand-kept comparison table: items of words and
markup (emphasis, code, links, escaped pipes, starts that would open a block in a list item),
joined by ``<br>``, with or without ``- `` bullets."""

from __future__ import annotations

from hypothesis import strategies as st

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
PIECE = st.one_of(
    WORD,
    WORD.map(lambda w: f"**{w}**"),
    WORD.map(lambda w: f"*{w}*"),
    WORD.map(lambda w: f"`{w}`"),
    WORD.map(lambda w: f"[[{w.title()}]]"),
    WORD.map(lambda w: f"[{w}](https://example.com/{w})"),
    st.sampled_from(["1.", "2)", "#", ">", "-", "+", "[ ]", "[x]", "==", "a \\| b", "x\\y"]),
)
ITEM = st.lists(PIECE, min_size=1, max_size=4).map(" ".join)
CELL = st.tuples(st.lists(ITEM, max_size=4), st.booleans()).map(
    lambda pair: " <br>".join(("- " if pair[1] else "") + item for item in pair[0])
)
"""A cell: up to four items, each bulleted or not."""
