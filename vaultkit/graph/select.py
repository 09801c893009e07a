"""Choosing the part of the link graph ``vaultkit graph`` prints: ``--tag``, ``--note`` with
``--depth`` and ``--max-edges``, the same for every format, and Mermaid's drawing limits.

A vault of a few thousand notes has tens of thousands of edges; Mermaid draws none of them
past its limits (:data:`MERMAID_EDGE_LIMIT`, :data:`MERMAID_TEXT_LIMIT`), and a picture of
them all says little anyway. The filters cut the graph the way Obsidian's own graph views
do: a tag filter, and a local graph around notes to a depth. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from vaultkit.graph.export import MERMAID_EDGE_LIMIT, MERMAID_TEXT_LIMIT, GraphEdge, GraphNode


@dataclass(frozen=True)
class GraphFilter:
    """What ``vaultkit graph`` keeps. The defaults keep everything."""

    tags: tuple[str, ...] = ()
    """Keep the notes carrying one of these tags (a nested ``#a/b`` counts for ``a``)."""
    notes: tuple[str, ...] = ()
    """Keep these notes and those within ``depth`` links of them, either way."""
    depth: int = 1
    max_edges: int | None = None
    """Keep the heaviest edges (most links; ties in the graph's order) and their nodes."""


@dataclass(frozen=True)
class Selection:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    edges_before_limit: int
    """How many edges the tag and note filters left, before ``max_edges`` cut them."""


def _tag_key(tag: str) -> str:
    return tag.lstrip("#").casefold()


def _has_tag(node: GraphNode, wanted: Collection[str]) -> bool:
    for tag in node.tags:
        key = _tag_key(tag)
        if any(key == w or key.startswith(w + "/") for w in wanted):
            return True
    return False


def _neighbourhood(starts: Sequence[str], edges: Sequence[GraphEdge], depth: int) -> set[str]:
    """The nodes within ``depth`` edges of ``starts``, following links out and back in, as
    Obsidian's local graph does."""
    around: dict[str, list[str]] = {}
    for edge in edges:
        around.setdefault(edge.source, []).append(edge.target)
        around.setdefault(edge.target, []).append(edge.source)
    reached = set(starts)
    frontier = list(starts)
    for _ in range(depth):
        frontier = [n for node in frontier for n in around.get(node, ()) if n not in reached]
        reached.update(frontier)
        if not frontier:
            break
    return reached


def select(
    nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], chosen: GraphFilter
) -> Selection:
    """The nodes and edges ``chosen`` keeps, in the graph's order."""
    keep = {node.id for node in nodes}
    if chosen.tags:
        wanted = {_tag_key(tag) for tag in chosen.tags}
        keep = {node.id for node in nodes if _has_tag(node, wanted)}
    kept_edges = [e for e in edges if e.source in keep and e.target in keep]
    if chosen.notes:
        keep = _neighbourhood(chosen.notes, kept_edges, chosen.depth) & (keep | set(chosen.notes))
        kept_edges = [e for e in kept_edges if e.source in keep and e.target in keep]
    before = len(kept_edges)
    if chosen.max_edges is not None and before > chosen.max_edges:
        order = {id(edge): number for number, edge in enumerate(kept_edges)}
        heaviest = sorted(kept_edges, key=lambda e: (-e.count, order[id(e)]))[: chosen.max_edges]
        chosen_ids = {id(edge) for edge in heaviest}
        kept_edges = [e for e in kept_edges if id(e) in chosen_ids]
        keep = {end for e in kept_edges for end in (e.source, e.target)} | (
            keep & set(chosen.notes)
        )
    return Selection([n for n in nodes if n.id in keep], kept_edges, before)


def mermaid_limits(edges: int, text: str) -> str | None:
    """Why Mermaid (and so Obsidian) will not draw ``text``, or None when it will."""
    problems = []
    if edges > MERMAID_EDGE_LIMIT:
        problems.append(f"{edges} edges (Mermaid draws at most {MERMAID_EDGE_LIMIT})")
    if len(text) > MERMAID_TEXT_LIMIT:
        problems.append(f"{len(text):,} characters (Mermaid reads at most {MERMAID_TEXT_LIMIT:,})")
    if not problems:
        return None
    return (
        "the Mermaid graph has "
        + " and ".join(problems)
        + ", so Obsidian will not draw it; narrow it with --note NOTE --depth N, --tag T or "
        f"--max-edges {MERMAID_EDGE_LIMIT}"
    )
