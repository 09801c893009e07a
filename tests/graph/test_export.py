"""Tests for vaultkit.graph.export: the JSON and GraphML forms load into networkx with every
attribute intact, the DOT and Mermaid forms match golden text and escape whatever a note
name can hold, every format handles the empty graph, and malformed graphs are refused."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.graph.export import (
    EDGE_KINDS,
    NODE_KINDS,
    GraphEdge,
    GraphNode,
    to_dot,
    to_graphml,
    to_mermaid,
    to_node_link,
)

Graph = tuple[list[GraphNode], list[GraphEdge]]

RUST = "Topics/Rust.md"
DIAGRAM = "Assets/diagram.png"
SOMEDAY = "ghost:Someday Ideas"
ODD = 'Odd/Tom & Jerry <draft> "v2" naïve 🦀.md'

NODES = [
    GraphNode(RUST, "Rust", "note", ("lang", "rust/async"), 5, 3),
    GraphNode(DIAGRAM, "diagram.png", "attachment"),
    GraphNode(SOMEDAY, "Someday Ideas", "ghost"),
    GraphNode(ODD, 'Tom & Jerry <draft> "v2" naïve 🦀', "note", ("😀",), 1, 1),
]
EDGES = [
    GraphEdge(RUST, DIAGRAM, "embed"),
    GraphEdge(RUST, SOMEDAY, "link", 2),
    GraphEdge(ODD, RUST, "link"),
]

# A label with everything the text formats must escape: quotes, backslashes (one at the
# very end, where a careless DOT writer would escape its own closing quote), brackets of
# every kind, a pipe, angle brackets, a hash, a backtick and two kinds of line break.
NASTY = 'say "hi" C:\\dir [x] (y) {z} a|b <i> #1 `code`\nline two\r\nend\\'
NASTY_NODES = [GraphNode("nasty", NASTY, "note"), GraphNode("plain", "plain", "note")]
NASTY_EDGES = [GraphEdge("nasty", "plain", "link")]


def load_graphml(text: str) -> Any:
    return nx.read_graphml(io.BytesIO(text.encode("utf-8")))


def graphml_nodes_by_vault_id(graph: Any) -> dict[str, dict[str, Any]]:
    return {data["vault_id"]: data for _, data in graph.nodes(data=True)}


# --- JSON (node-link) ----------------------------------------------------------------


def test_node_link_loads_with_the_default_call() -> None:
    data = json.loads(json.dumps(to_node_link(NODES, EDGES)))
    with warnings.catch_warnings():
        # 3.4 and 3.5 warn about the key change; the data must still load there.
        warnings.simplefilter("ignore", FutureWarning)
        graph = nx.node_link_graph(data)
    assert graph.is_directed()
    assert not graph.is_multigraph()
    assert list(graph.nodes) == [node.id for node in NODES]
    assert graph.number_of_edges() == len(EDGES)
    assert graph.nodes[RUST] == {
        "label": "Rust",
        "kind": "note",
        "tags": ["lang", "rust/async"],
        "tasks_total": 5,
        "tasks_done": 3,
    }
    assert graph.nodes[ODD]["label"] == 'Tom & Jerry <draft> "v2" naïve 🦀'
    assert graph.nodes[ODD]["tags"] == ["😀"]
    assert graph.edges[RUST, SOMEDAY] == {"kind": "link", "count": 2, "weight": 2}
    assert graph.edges[RUST, DIAGRAM] == {"kind": "embed", "count": 1, "weight": 1}
    assert graph.graph == {"generator": "vaultkit"}


def test_node_link_has_both_edge_keys_as_separate_equal_lists() -> None:
    data = to_node_link(NODES, EDGES)
    assert data["directed"] is True
    assert data["multigraph"] is False
    assert data["edges"] == data["links"]
    assert data["edges"] is not data["links"]
    assert data["edges"][0] is not data["links"][0]
    assert [(e["source"], e["target"]) for e in data["edges"]] == [
        (e.source, e.target) for e in EDGES
    ]


def test_node_link_keeps_a_link_and_an_embed_between_the_same_notes() -> None:
    edges = [GraphEdge(RUST, DIAGRAM, "link"), GraphEdge(RUST, DIAGRAM, "embed", 4)]
    data = to_node_link(NODES, edges)
    assert data["multigraph"] is True
    graph = nx.node_link_graph(json.loads(json.dumps(data)))
    assert graph.is_multigraph()
    assert graph.number_of_edges() == 2
    assert graph.edges[RUST, DIAGRAM, "link"] == {"kind": "link", "count": 1, "weight": 1}
    assert graph.edges[RUST, DIAGRAM, "embed"] == {"kind": "embed", "count": 4, "weight": 4}


def test_node_link_is_deterministic() -> None:
    first = json.dumps(to_node_link(NODES, EDGES))
    assert json.dumps(to_node_link(list(NODES), list(EDGES))) == first
    reordered = json.loads(json.dumps(to_node_link(NODES[::-1], EDGES[::-1])))
    assert [node["id"] for node in reordered["nodes"]] == [node.id for node in NODES[::-1]]


# --- GraphML -------------------------------------------------------------------------


def test_graphml_loads_with_every_attribute() -> None:
    graph = load_graphml(to_graphml(NODES, EDGES))
    assert graph.is_directed()
    assert not graph.is_multigraph()
    assert list(graph.nodes) == ["n1", "n2", "n3", "n4"]
    assert graph.number_of_edges() == len(EDGES)
    assert graph.nodes["n1"] == {
        "vault_id": RUST,
        "label": "Rust",
        "kind": "note",
        "tags": "lang,rust/async",
        "tasks_total": 5,
        "tasks_done": 3,
    }
    # An empty tag list is left out rather than written as an empty <data>.
    assert graph.nodes["n2"] == {
        "vault_id": DIAGRAM,
        "label": "diagram.png",
        "kind": "attachment",
        "tasks_total": 0,
        "tasks_done": 0,
    }
    assert graph.nodes["n4"]["vault_id"] == ODD
    assert graph.nodes["n4"]["label"] == 'Tom & Jerry <draft> "v2" naïve 🦀'
    assert graph.nodes["n4"]["tags"] == "😀"
    assert graph.edges["n1", "n3"] == {"kind": "link", "count": 2, "weight": 2.0}
    assert graph.edges["n4", "n1"] == {"kind": "link", "count": 1, "weight": 1.0}


def test_graphml_relabels_to_vault_ids_as_documented() -> None:
    graph = load_graphml(to_graphml(NODES, EDGES))
    graph = nx.relabel_nodes(graph, dict(graph.nodes(data="vault_id")))
    assert list(graph.nodes) == [node.id for node in NODES]
    assert set(graph.edges) == {(edge.source, edge.target) for edge in EDGES}


def test_graphml_document_structure() -> None:
    text = to_graphml(NODES, EDGES)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<graphml ')
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ns}graphml"
    keys = {key.get("id"): key for key in root.findall(f"{ns}key")}
    assert all(key.get("attr.type") in {"string", "int", "double"} for key in keys.values())
    assert keys["weight"].get("for") == "edge" and keys["weight"].get("attr.type") == "double"
    assert all(key.get("for") in {"node", "edge"} and key.get("attr.name") for key in keys.values())
    graph = root.find(f"{ns}graph")
    assert graph is not None
    assert graph.get("edgedefault") == "directed"
    used = {data.get("key") for data in root.iter(f"{ns}data")}
    assert used <= set(keys)
    # GraphML's schema types node ids as XML name tokens, which vault paths are not.
    ids = [node.get("id") or "" for node in graph.findall(f"{ns}node")]
    assert all(re.fullmatch(r"n[0-9]+", node_id) for node_id in ids)


def test_graphml_escapes_xml_and_keeps_odd_text_exact() -> None:
    label = "a & b < c > d \"e\" 'f' ]]> 🦀\r\nwin\rmac\ttab"
    nodes = [GraphNode('x&<y>"z"', label, "ghost", ("a&b", "<t>"))]
    text = to_graphml(nodes, [])
    assert "&amp;" in text and "&lt;" in text and "&#13;" in text
    data = load_graphml(text).nodes["n1"]
    assert data["vault_id"] == 'x&<y>"z"'
    assert data["label"] == label
    assert data["tags"] == "a&b,<t>"


def test_graphml_replaces_characters_xml_cannot_hold() -> None:
    nodes = [GraphNode("bad\x00\x1b\ufffe\ud800id", "bell\x07", "note")]
    data = load_graphml(to_graphml(nodes, [])).nodes["n1"]
    assert data["vault_id"] == "bad\ufffd\ufffd\ufffd\ufffdid"
    assert data["label"] == "bell\ufffd"


def test_graphml_keeps_a_link_and_an_embed_between_the_same_notes() -> None:
    edges = [GraphEdge(RUST, DIAGRAM, "link"), GraphEdge(RUST, DIAGRAM, "embed", 4)]
    graph = load_graphml(to_graphml(NODES, edges))
    assert graph.is_multigraph()
    kinds = sorted((d["kind"], d["count"]) for _, _, d in graph.edges(data=True))
    assert kinds == [("embed", 4), ("link", 1)]


def test_graphml_is_deterministic() -> None:
    assert to_graphml(NODES, EDGES) == to_graphml(list(NODES), list(EDGES))


# --- DOT -----------------------------------------------------------------------------

DOT_GOLDEN = """\
digraph vault {
  "Topics/Rust.md" [label="Rust"];
  "Assets/diagram.png" [label="diagram.png", shape=box];
  "ghost:Someday Ideas" [label="Someday Ideas", style=dashed];
  "Odd/Tom & Jerry <draft> \\"v2\\" naïve 🦀.md" [label="Tom & Jerry <draft> \\"v2\\" naïve 🦀"];
  "Topics/Rust.md" -> "Assets/diagram.png" [style=dotted];
  "Topics/Rust.md" -> "ghost:Someday Ideas" [label="2", weight=2];
  "Odd/Tom & Jerry <draft> \\"v2\\" naïve 🦀.md" -> "Topics/Rust.md";
}
"""


def test_dot_golden() -> None:
    assert to_dot(NODES, EDGES) == DOT_GOLDEN


def test_dot_escapes_quotes_backslashes_and_newlines() -> None:
    text = to_dot(NASTY_NODES, NASTY_EDGES)
    expected_label = r'"say \"hi\" C:\\dir [x] (y) {z} a|b <i> #1 `code`\nline two\nend\\"'
    assert f'  "nasty" [label={expected_label}];\n' in text
    assert "\r" not in text


def test_dot_ids_never_collide() -> None:
    # Labels may merge line-break styles, but two different ids must stay two nodes.
    ids = ["a\nb", "a\\nb", "a\r\nb", "a\u2028b", 'a"b', "a\\", "a\x00b"]
    nodes = [GraphNode(node_id, "same", "note") for node_id in ids]
    lines = to_dot(nodes, []).splitlines()[1:-1]
    names = [line.split(" [label=")[0].strip() for line in lines]
    assert len(set(names)) == len(ids)
    assert names[:2] == [r'"a\nb"', r'"a\\nb"']
    assert names[5] == r'"a\\"'
    assert all("\n" not in name and "\x00" not in name for name in names)


def test_dot_parses_with_pydot_if_installed() -> None:
    pydot = pytest.importorskip("pydot")
    (graph,) = pydot.graph_from_dot_data(to_dot(NODES + NASTY_NODES, EDGES + NASTY_EDGES))
    names = [node.get_name() for node in graph.get_nodes() if node.get_name() != "node"]
    assert len(names) == len(NODES) + len(NASTY_NODES)
    assert len(graph.get_edges()) == len(EDGES) + len(NASTY_EDGES)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_dot_renders_labels_as_written_with_graphviz() -> None:
    text = to_dot(NODES + NASTY_NODES, EDGES + NASTY_EDGES)
    svg = subprocess.run(
        ["dot", "-Tsvg"], input=text.encode("utf-8"), capture_output=True, check=True
    ).stdout
    shown = {
        element.text for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    }
    assert 'say "hi" C:\\dir [x] (y) {z} a|b <i> #1 `code`' in shown
    assert {"line two", "end\\", 'Tom & Jerry <draft> "v2" naïve 🦀', "2"} <= shown


# --- Mermaid -------------------------------------------------------------------------

MERMAID_GOLDEN = """\
flowchart LR
    n1("Rust")
    n2["diagram.png"]
    n3(["Someday Ideas"]):::ghost
    n4("Tom #38; Jerry #60;draft#62; #quot;v2#quot; naïve 🦀")
    n1 -.-> n2
    n1 -->|2| n3
    n4 --> n1
    classDef ghost stroke-dasharray: 5 5
"""


def test_mermaid_golden() -> None:
    assert to_mermaid(NODES, EDGES) == MERMAID_GOLDEN


def test_mermaid_escapes_everything_mermaid_could_misread() -> None:
    text = to_mermaid(NASTY_NODES, NASTY_EDGES)
    assert text == (
        "flowchart LR\n"
        '    n1("say #quot;hi#quot; C#58;#92;dir #91;x#93; #40;y#41; #123;z#125; a#124;b'
        ' #60;i#62; #35;1 #96;code#96;<br>line two<br>end#92;")\n'
        '    n2("plain")\n'
        "    n1 --> n2\n"
    )


def test_mermaid_ids_follow_input_order_and_empty_labels_still_parse() -> None:
    nodes = [GraphNode("z.md", "", "note"), GraphNode("a.md", "A", "attachment")]
    text = to_mermaid(nodes, [GraphEdge("a.md", "z.md", "embed", 3)])
    assert text == 'flowchart LR\n    n1(" ")\n    n2["A"]\n    n2 -.->|3| n1\n'


# --- the empty graph and malformed graphs --------------------------------------------


def test_empty_graph_in_every_format() -> None:
    data = to_node_link([], [])
    assert data == {
        "directed": True,
        "multigraph": False,
        "graph": {"generator": "vaultkit"},
        "nodes": [],
        "edges": [],
        "links": [],
    }
    assert nx.node_link_graph(data).number_of_nodes() == 0
    graph = load_graphml(to_graphml([], []))
    assert graph.is_directed() and graph.number_of_nodes() == 0
    assert to_graphml([], []).endswith('  <graph edgedefault="directed">\n  </graph>\n</graphml>\n')
    assert to_dot([], []) == "digraph vault {\n}\n"
    assert to_mermaid([], []) == "flowchart LR\n"


FORMATS = [to_node_link, to_graphml, to_dot, to_mermaid]


@pytest.mark.parametrize("export", FORMATS)
@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        ([GraphNode("a", "A", "note"), GraphNode("a", "B", "note")], [], "duplicate node"),
        ([GraphNode("a", "A", "folder")], [], "unknown kind"),
        ([GraphNode("a", "A", "note")], [GraphEdge("a", "b", "link")], "no node 'b'"),
        ([GraphNode("a", "A", "note")], [GraphEdge("a", "a", "mention")], "unknown kind"),
        ([GraphNode("a", "A", "note")], [GraphEdge("a", "a", "link", 0)], "count 0"),
        (
            [GraphNode("a", "A", "note")],
            [GraphEdge("a", "a", "link"), GraphEdge("a", "a", "link", 2)],
            "duplicate link edge",
        ),
    ],
)
def test_malformed_graphs_are_refused(
    export: Any, nodes: list[GraphNode], edges: list[GraphEdge], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        export(nodes, edges)


# --- properties ----------------------------------------------------------------------

# Plain text plus the characters that break serialisers: XML specials, quotes,
# backslashes, line breaks, control characters, non-characters and lone surrogates.
CHARS = st.one_of(
    st.characters(),
    st.sampled_from([*"&<>\"'\\[](){}|#;`:%\r\n\t\x00\x1b\x85", "\u2028", "\ufffe", "\ud800"]),
    st.sampled_from(["🦀", "😀", "é", "株"]),
)
TEXT = st.text(CHARS, max_size=12)


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    ids = draw(st.lists(TEXT, unique=True, max_size=6))
    nodes = [
        GraphNode(
            node_id,
            draw(TEXT),
            draw(st.sampled_from(NODE_KINDS)),
            tuple(draw(st.lists(TEXT, max_size=3))),
            draw(st.integers(0, 10_000)),
            draw(st.integers(0, 10_000)),
        )
        for node_id in ids
    ]
    edges: list[GraphEdge] = []
    if ids:
        triples = st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(EDGE_KINDS))
        for source, target, kind in draw(st.lists(triples, unique=True, max_size=8)):
            edges.append(GraphEdge(source, target, kind, draw(st.integers(1, 99))))
    return nodes, edges


def xml_storable(text: str) -> str:
    """What GraphML can carry: XML 1.0's characters, anything else as U+FFFD."""

    def legal(char: str) -> bool:
        code = ord(char)
        return (
            char in "\t\n\r"
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or code >= 0x10000
        )

    return "".join(char if legal(char) else "\ufffd" for char in text)


@given(graphs())
def test_json_round_trips_exactly(graph: Graph) -> None:
    nodes, edges = graph
    data = to_node_link(nodes, edges)
    text = json.dumps(data)
    assert json.loads(text) == data
    loaded = nx.node_link_graph(json.loads(text))
    assert list(loaded.nodes) == [node.id for node in nodes]
    for node in nodes:
        assert loaded.nodes[node.id] == {
            "label": node.label,
            "kind": node.kind,
            "tags": list(node.tags),
            "tasks_total": node.tasks_total,
            "tasks_done": node.tasks_done,
        }
    assert loaded.number_of_edges() == len(edges)
    for edge in edges:
        pair = (edge.source, edge.target)
        key = (*pair, edge.kind) if data["multigraph"] else pair
        assert loaded.edges[key] == {"kind": edge.kind, "count": edge.count, "weight": edge.count}


@given(graphs())
def test_graphml_always_parses_and_keeps_what_xml_can_hold(graph: Graph) -> None:
    nodes, edges = graph
    text = to_graphml(nodes, edges)
    assert to_graphml(nodes, edges) == text
    loaded = load_graphml(text)
    assert loaded.number_of_nodes() == len(nodes)
    assert loaded.number_of_edges() == len(edges)
    for number, node in enumerate(nodes, start=1):
        data = loaded.nodes[f"n{number}"]
        assert data.get("vault_id", "") == xml_storable(node.id)
        assert data.get("label", "") == xml_storable(node.label)
        assert data.get("tags", "") == xml_storable(",".join(node.tags))
        assert (data["kind"], data["tasks_total"], data["tasks_done"]) == (
            node.kind,
            node.tasks_total,
            node.tasks_done,
        )


DOT_STRING = r'"(?:[^"\\\n\r]|\\.)*"'
DOT_NODE_LINE = re.compile(rf"  {DOT_STRING} \[label={DOT_STRING}(, shape=box|, style=dashed)?\];")
DOT_EDGE_LINE = re.compile(rf"  {DOT_STRING} -> {DOT_STRING}( \[.*\])?;")
MERMAID_NODE_LINE = re.compile(
    r'    n[0-9]+(\("|\["|\(\[")(?P<label>[^"]*)("\)|"\]|"\]\))(:::ghost)?'
)
MERMAID_ENTITY = re.compile(r"#quot;|#([0-9]+);")


def display_text(text: str) -> str:
    """What a DOT or Mermaid label shows: any line break as one, unprintables as U+FFFD."""
    text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    lines = [re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", "\ufffd", line) for line in text.splitlines()]
    return "\n".join(lines)


@given(graphs())
def test_dot_and_mermaid_stay_well_formed_for_any_names(graph: Graph) -> None:
    nodes, edges = graph
    dot_lines = to_dot(nodes, edges).splitlines()
    assert dot_lines[0] == "digraph vault {" and dot_lines[-1] == "}"
    assert len(dot_lines) == len(nodes) + len(edges) + 2
    for line in dot_lines[1 : 1 + len(nodes)]:
        assert DOT_NODE_LINE.fullmatch(line), line
    for line in dot_lines[1 + len(nodes) : -1]:
        assert DOT_EDGE_LINE.fullmatch(line), line

    mermaid_lines = to_mermaid(nodes, edges).splitlines()
    assert mermaid_lines[0] == "flowchart LR"
    for node, line in zip(nodes, mermaid_lines[1:], strict=False):
        match = MERMAID_NODE_LINE.fullmatch(line)
        assert match, line
        label = match["label"]
        # Outside entity codes and <br>, only letters, digits, harmless punctuation and
        # non-ASCII text may appear; decoding gives back exactly what should be shown.
        bare = MERMAID_ENTITY.sub("", label.replace("<br>", ""))
        assert re.fullmatch(r"[A-Za-z0-9 .,\-_/'!?+=~\x80-\U0010ffff]*", bare), label
        decoded = MERMAID_ENTITY.sub(
            lambda m: '"' if m[1] is None else chr(int(m[1])), label.replace("<br>", "\n")
        )
        assert decoded == (display_text(node.label) or " ")
