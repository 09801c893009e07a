"""vaultkit.graph.select: the tag, local-graph and heaviest-edges filters of ``vaultkit graph``,
and the Mermaid limits it warns about (issue 16, item 3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vaultkit.graph.export import (
    MERMAID_EDGE_LIMIT,
    MERMAID_TEXT_LIMIT,
    GraphEdge,
    GraphNode,
    to_mermaid,
)
from vaultkit.graph.select import GraphFilter, mermaid_limits, select

# a -> b -> c -> d, e tagged alone, f a ghost a links to twice.
NODES = [
    GraphNode("a.md", "a", "note", ("project",)),
    GraphNode("b.md", "b", "note", ("project/sub",)),
    GraphNode("c.md", "c", "note", ("Project",)),
    GraphNode("d.md", "d", "note"),
    GraphNode("e.md", "e", "note", ("projects",)),
    GraphNode("ghost:f", "f", "ghost"),
]
EDGES = [
    GraphEdge("a.md", "b.md", "link"),
    GraphEdge("b.md", "c.md", "link", 3),
    GraphEdge("c.md", "d.md", "link"),
    GraphEdge("a.md", "ghost:f", "link", 2),
]


def ids(nodes: list[GraphNode]) -> list[str]:
    return [node.id for node in nodes]


def test_no_filter_keeps_the_whole_graph() -> None:
    picked = select(NODES, EDGES, GraphFilter())
    assert picked.nodes == NODES and picked.edges == EDGES


def test_a_tag_keeps_its_notes_and_nested_tags_case_insensitively() -> None:
    picked = select(NODES, EDGES, GraphFilter(tags=("#project",)))
    assert ids(picked.nodes) == ["a.md", "b.md", "c.md"]  # not "projects", not the ghost
    assert picked.edges == EDGES[:2]


def test_a_local_graph_follows_links_both_ways_to_its_depth() -> None:
    assert ids(select(NODES, EDGES, GraphFilter(notes=("c.md",))).nodes) == [
        "b.md",
        "c.md",
        "d.md",
    ]
    two = select(NODES, EDGES, GraphFilter(notes=("c.md",), depth=2))
    assert ids(two.nodes) == ["a.md", "b.md", "c.md", "d.md"]
    assert ids(select(NODES, EDGES, GraphFilter(notes=("e.md",))).nodes) == ["e.md"]
    assert ids(select(NODES, EDGES, GraphFilter(notes=("c.md",), depth=0)).nodes) == ["c.md"]


def test_max_edges_keeps_the_heaviest_edges_and_their_nodes() -> None:
    picked = select(NODES, EDGES, GraphFilter(max_edges=2))
    assert picked.edges == [EDGES[1], EDGES[3]]
    assert ids(picked.nodes) == ["a.md", "b.md", "c.md", "ghost:f"]
    assert picked.edges_before_limit == 4


@given(
    edges=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 5)), max_size=40),
    limit=st.integers(0, 45),
    depth=st.integers(0, 3),
)
def test_a_selection_is_always_a_well_formed_part_of_the_graph(
    edges: list[tuple[int, int, int]], limit: int, depth: int
) -> None:
    nodes = [GraphNode(f"{n}.md", str(n), "note", ("t",) if n % 2 else ()) for n in range(10)]
    unique = {(s, t): w for s, t, w in edges if s != t}
    graph_edges = [GraphEdge(f"{s}.md", f"{t}.md", "link", w) for (s, t), w in unique.items()]
    chosen = GraphFilter(tags=("t",), notes=("1.md",), depth=depth, max_edges=limit)
    picked = select(nodes, graph_edges, chosen)
    kept = set(ids(picked.nodes))
    assert len(picked.edges) <= limit
    assert all(e.source in kept and e.target in kept for e in picked.edges)
    assert all(int(node[0]) % 2 for node in kept)
    to_mermaid(picked.nodes, picked.edges)  # the export's own checks pass


def test_mermaid_limits_name_the_edges_and_the_size() -> None:
    assert mermaid_limits(MERMAID_EDGE_LIMIT, "x" * MERMAID_TEXT_LIMIT) is None
    edges = mermaid_limits(MERMAID_EDGE_LIMIT + 1, "flowchart LR\n")
    assert edges is not None and "501 edges (Mermaid draws at most 500)" in edges
    assert "--max-edges 500" in edges and "--note" in edges and "--tag" in edges
    size = mermaid_limits(10, "x" * (MERMAID_TEXT_LIMIT + 1))
    assert size is not None and "50,001 characters" in size
