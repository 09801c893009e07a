"""Serialising the vault's link graph for ``vaultkit graph --format json|graphml|dot|mermaid``.

This module owns the four output forms and their escaping rules, and nothing else: it
does no I/O and does not build the graph. The caller resolves links, sums repeated links
into ``GraphEdge.count``, creates ``ghost`` nodes for unresolved targets and writes the
returned text (as UTF-8: the GraphML declares that encoding).

Every function is pure and deterministic: nodes and edges come out in the order given,
and the same input always gives the same bytes. Every function first checks that the
graph is well formed (unique node ids, edges between known nodes, known kinds, no edge
given twice) and raises ``ValueError`` if not, since a malformed graph is a bug in the
caller and would otherwise come out as a silently wrong picture.

Formats:

* ``to_node_link``: networkx's node-link dict (for ``json.dumps``); node ids are vault ids.
* ``to_graphml``: GraphML for Gephi, yEd and ``networkx.read_graphml``; node ids are
  ``n1``, ``n2``... and the vault id is the ``vault_id`` attribute.
* ``to_dot``: a Graphviz digraph; node ids are vault ids.
* ``to_mermaid``: a ``flowchart LR`` for a mermaid block in a note; node ids are ``n1``...
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

NODE_KINDS = ("note", "attachment", "ghost")
EDGE_KINDS = ("link", "embed")

MERMAID_EDGE_LIMIT = 500
"""Mermaid refuses to draw a flowchart with more edges than this (its ``maxEdges``
setting, which a diagram cannot raise for itself, and Obsidian renders with the defaults)."""
MERMAID_TEXT_LIMIT = 50_000
"""Mermaid refuses a diagram whose source is longer than this many characters
(``maxTextSize``), whatever its edges."""


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One vertex: a note, an attachment, or a ghost (a link target that does not exist)."""

    id: str
    """A vault path like ``Topics/Rust.md``, or ``ghost:<link text>`` for a ghost."""
    label: str
    """Display name: note title, file name, or the ghost's link text."""
    kind: str
    """``note``, ``attachment`` or ``ghost``."""
    tags: tuple[str, ...] = ()
    tasks_total: int = 0
    tasks_done: int = 0


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """All links of one kind from one node to another."""

    source: str
    target: str
    kind: str
    """``link`` or ``embed``."""
    count: int = 1
    """How many links of this kind go from ``source`` to ``target``."""


# --- checks shared by every format -------------------------------------------------


def _check_graph(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> bool:
    """Raise ``ValueError`` for a malformed graph; return whether it has parallel edges.

    Parallel edges (a link *and* an embed between the same two nodes) are legitimate, but
    a plain networkx DiGraph would merge them, so the JSON form must know about them.
    """
    seen_nodes: set[str] = set()
    for node in nodes:
        if node.id in seen_nodes:
            raise ValueError(f"duplicate node id {node.id!r}")
        if node.kind not in NODE_KINDS:
            raise ValueError(f"node {node.id!r} has unknown kind {node.kind!r}")
        seen_nodes.add(node.id)
    seen_edges: set[tuple[str, str, str]] = set()
    pairs: set[tuple[str, str]] = set()
    parallel = False
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in seen_nodes:
                raise ValueError(f"edge {edge.source!r} -> {edge.target!r}: no node {end!r}")
        if edge.kind not in EDGE_KINDS:
            raise ValueError(f"edge {edge.source!r} -> {edge.target!r}: unknown kind {edge.kind!r}")
        if edge.count < 1:
            raise ValueError(f"edge {edge.source!r} -> {edge.target!r}: count {edge.count} < 1")
        triple = (edge.source, edge.target, edge.kind)
        if triple in seen_edges:
            # The caller is meant to sum repeated links into ``count``.
            raise ValueError(f"duplicate {edge.kind} edge {edge.source!r} -> {edge.target!r}")
        seen_edges.add(triple)
        pair = (edge.source, edge.target)
        parallel = parallel or pair in pairs
        pairs.add(pair)
    return parallel


# --- text clean-up shared by the text formats --------------------------------------

# Lone surrogates come from file names that are not valid UTF-8 (Python decodes those
# with surrogateescape); they cannot be written out as UTF-8, so text formats replace them.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters have no visible form and some renderers reject them outright.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _display_lines(text: str) -> list[str]:
    """Split a label into displayable lines, one per line break of any kind.

    ``str.splitlines`` knows every Unicode line break (CRLF, CR, U+2028...), so a label
    typed on Windows or pasted from anywhere breaks the same way in DOT and Mermaid.
    """
    text = _SURROGATE.sub("\ufffd", text)
    return [_CONTROL.sub("\ufffd", line) for line in text.splitlines()] or [""]


def _count_label(count: int) -> str | None:
    # A single link is the normal case; only repeated links get a number on the arrow.
    return str(count) if count > 1 else None


# --- JSON (networkx node-link) -----------------------------------------------------


def to_node_link(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> dict[str, Any]:
    """The graph in networkx's node-link form, ready for ``json.dumps``.

        Node ids are vault ids; node attributes are ``label``, ``kind``, ``tags`` (a list),
        ``tasks_total`` and ``tasks_done``; edge attributes are ``kind``, ``count`` and ``weight``
    (the count again, under the name networkx's algorithms and Gephi read).

        The edge list appears twice, under ``"edges"`` and ``"links"``, because networkx
        changed the key: ``node_link_graph(data)`` reads ``"links"`` in networkx 3.0-3.5 and
        ``"edges"`` from 3.6 on. With both, the plain default call loads this on any networkx
        3.x (3.4 and 3.5 also print a FutureWarning), and d3-style tools find ``"links"``.

        ``multigraph`` is true only when some pair of nodes has both a link and an embed
        edge; then every edge also carries ``"key"`` (its kind) so networkx keeps both.
        Strings are passed through untouched, so the JSON round-trips exactly; keep
        ``json.dumps``'s default ``ensure_ascii=True`` if ids may hold lone surrogates.
    """
    multigraph = _check_graph(nodes, edges)

    def edge_list() -> list[dict[str, Any]]:
        # Built afresh for each key so that the two lists share no mutable objects.
        out: list[dict[str, Any]] = []
        for edge in edges:
            item: dict[str, Any] = {
                "source": edge.source,
                "target": edge.target,
                "kind": edge.kind,
                "count": edge.count,
                # What networkx's algorithms and Gephi read as an edge's strength.
                "weight": edge.count,
            }
            if multigraph:
                item["key"] = edge.kind
            out.append(item)
        return out

    return {
        "directed": True,
        "multigraph": multigraph,
        "graph": {"generator": "vaultkit"},
        "nodes": [
            {
                "id": node.id,
                "label": node.label,
                "kind": node.kind,
                "tags": list(node.tags),
                "tasks_total": node.tasks_total,
                "tasks_done": node.tasks_done,
            }
            for node in nodes
        ],
        "edges": edge_list(),
        "links": edge_list(),
    }


# --- GraphML -----------------------------------------------------------------------

# Characters XML 1.0 cannot hold at all, not even as character references.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# (key id, for, attr.name, attr.type). Key ids are fixed so that the output is stable;
# node and edge both have a "kind", so their key ids differ while attr.name is the same.
_GRAPHML_KEYS = (
    ("vault_id", "node", "vault_id", "string"),
    ("label", "node", "label", "string"),
    ("node_kind", "node", "kind", "string"),
    ("tags", "node", "tags", "string"),
    ("tasks_total", "node", "tasks_total", "int"),
    ("tasks_done", "node", "tasks_done", "int"),
    ("edge_kind", "edge", "kind", "string"),
    ("count", "edge", "count", "int"),
    # Gephi takes an edge attribute named "weight" as the edge's weight, as a double.
    ("weight", "edge", "weight", "double"),
)


def _xml_text(text: str) -> str:
    text = _XML_ILLEGAL.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A parser turns a literal CR (or CRLF) into LF; a character reference survives.
    return text.replace("\r", "&#13;")


def _graphml_data(key: str, value: str | int) -> str | None:
    # GraphML cannot tell an empty <data> from a missing one (networkx drops both), so
    # an empty string is simply left out: no tags means no "tags" attribute.
    if value == "":
        return None
    return f'      <data key="{key}">{_xml_text(str(value))}</data>'


def _graphml_element(head: str, data: Iterable[str | None]) -> list[str]:
    lines = [line for line in data if line is not None]
    if not lines:
        return [f"    <{head}/>"]
    tag = head.split(" ", 1)[0]
    return [f"    <{head}>", *lines, f"    </{tag}>"]


def to_graphml(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> str:
    """The graph as a GraphML document (a string to be written as UTF-8).

    Node ids are ``n1``, ``n2``... in input order, because GraphML requires ids to be XML
    name tokens (no spaces or slashes) and vault paths are not; the vault id travels in
    the ``vault_id`` attribute, and ``label`` is what Gephi shows. To get vault ids back
    in networkx: ``nx.relabel_nodes(G, dict(G.nodes(data="vault_id")))``.

    ``tags`` is one comma-joined string (GraphML has no list type; Obsidian tags cannot
    contain commas). Characters XML cannot hold at all (most control characters, lone
    surrogates) become U+FFFD; everything else, CR included, reads back exactly.
    """
    _check_graph(nodes, edges)
    xml_ids = {node.id: f"n{number}" for number, node in enumerate(nodes, start=1)}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    for key_id, domain, name, attr_type in _GRAPHML_KEYS:
        out.append(
            f'  <key id="{key_id}" for="{domain}" attr.name="{name}" attr.type="{attr_type}"/>'
        )
    out.append('  <graph edgedefault="directed">')
    for node in nodes:
        data = (
            _graphml_data("vault_id", node.id),
            _graphml_data("label", node.label),
            _graphml_data("node_kind", node.kind),
            _graphml_data("tags", ",".join(node.tags)),
            _graphml_data("tasks_total", node.tasks_total),
            _graphml_data("tasks_done", node.tasks_done),
        )
        out.extend(_graphml_element(f'node id="{xml_ids[node.id]}"', data))
    for edge in edges:
        edge_data = (
            _graphml_data("edge_kind", edge.kind),
            _graphml_data("count", edge.count),
            _graphml_data("weight", f"{edge.count:.1f}"),
        )
        head = f'edge source="{xml_ids[edge.source]}" target="{xml_ids[edge.target]}"'
        out.extend(_graphml_element(head, edge_data))
    out.append("  </graph>")
    out.append("</graphml>")
    return "\n".join(out) + "\n"


# --- Graphviz DOT ------------------------------------------------------------------


def _dot_label(text: str) -> str:
    r"""A double-quoted DOT label that Graphviz draws as ``text`` reads.

    Graphviz reads ``\"`` as a quote and, in labels, ``\n`` as a line break and ``\N``,
    ``\G``, ``\l``... as special sequences, so every backslash is doubled first; line
    breaks of any kind become ``\n``.
    """
    lines = (line.replace("\\", "\\\\").replace('"', '\\"') for line in _display_lines(text))
    return '"' + "\\n".join(lines) + '"'


# Backslash and quote must be escaped in a DOT string. Control characters, Unicode line
# separators and lone surrogates get a visible escape too, so every statement stays on
# one line and the text can be written as UTF-8.
_DOT_ID_SPECIAL = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')
_DOT_ID_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _dot_id_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _DOT_ID_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _dot_id(node_id: str) -> str:
    """A double-quoted DOT node name for a vault id.

    Unlike labels, this escaping never merges two characters into one form, so two
    different vault ids can never become the same Graphviz node.
    """
    return '"' + _DOT_ID_SPECIAL.sub(_dot_id_escape, node_id) + '"'


def _dot_attrs(attrs: Sequence[tuple[str, str]]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f"{name}={value}" for name, value in attrs) + "]"


def to_dot(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> str:
    """The graph as a Graphviz ``digraph``; node ids are the (quoted) vault ids.

    Notes are ellipses, attachments boxes, ghosts dashed; embeds are dotted arrows, and
    an arrow standing for more than one link is labelled with the count, which is also its
    ``weight``.
    """
    _check_graph(nodes, edges)
    out = ["digraph vault {"]
    for node in nodes:
        attrs = [("label", _dot_label(node.label))]
        if node.kind == "attachment":
            attrs.append(("shape", "box"))
        elif node.kind == "ghost":
            attrs.append(("style", "dashed"))
        out.append(f"  {_dot_id(node.id)}{_dot_attrs(attrs)};")
    for edge in edges:
        attrs = []
        if edge.kind == "embed":
            attrs.append(("style", "dotted"))
        count = _count_label(edge.count)
        if count is not None:
            # Graphviz pulls heavier edges shorter; 1 is its default.
            attrs.append(("label", _dot_label(count)))
            attrs.append(("weight", count))
        arrow = f"{_dot_id(edge.source)} -> {_dot_id(edge.target)}"
        out.append(f"  {arrow}{_dot_attrs(attrs)};")
    out.append("}")
    return "\n".join(out) + "\n"


# --- Mermaid -----------------------------------------------------------------------

# Mermaid gives meaning to most ASCII punctuation (shapes, arrows, ``:::``, ``%%``, ``#``
# entities, ``$$`` maths, backticks for markdown strings and for closing the note's code
# fence), and which of it is safe inside quotes has changed between versions. So every
# ASCII character outside this short list is written as a decimal entity code (``#91;``),
# which Mermaid's flowchart docs define as the escape. Non-ASCII text (accents, CJK,
# emoji) is passed through: Mermaid draws it fine and it stays readable in the note.
_MERMAID_PLAIN = frozenset(string.ascii_letters + string.digits + " .,-_/'!?+=~")

_MERMAID_SHAPES = {
    "note": ('("', '")'),  # rounded box
    "attachment": ('["', '"]'),  # plain box, as in the DOT output
    "ghost": ('(["', '"])'),  # stadium, also dashed through the "ghost" class
}


def _mermaid_char(char: str) -> str:
    if char in _MERMAID_PLAIN or ord(char) > 0x7F:
        return char
    if char == '"':
        return "#quot;"
    return f"#{ord(char)};"


def _mermaid_label(text: str) -> str:
    lines = ["".join(map(_mermaid_char, line)) for line in _display_lines(text)]
    label = "<br>".join(lines)  # Mermaid's own line break inside a label
    # Mermaid rejects an empty quoted label (``[""]``); a space draws the same.
    return label or " "


def to_mermaid(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> str:
    """The graph as Mermaid ``flowchart LR`` source, for a mermaid code block.

    Node ids are ``n1``, ``n2``... in input order (vault paths are not Mermaid ids);
    labels are quoted with entity codes for anything Mermaid could misread. Notes are
    rounded boxes, attachments boxes, ghosts dashed stadiums; embeds are dotted arrows
    (``-.->``), and an arrow standing for more than one link carries the count.
    Mermaid will not draw more than ``MERMAID_EDGE_LIMIT`` edges.
    """
    _check_graph(nodes, edges)
    mermaid_ids = {node.id: f"n{number}" for number, node in enumerate(nodes, start=1)}
    out = ["flowchart LR"]
    for node in nodes:
        opening, closing = _MERMAID_SHAPES[node.kind]
        suffix = ":::ghost" if node.kind == "ghost" else ""
        shape = f"{opening}{_mermaid_label(node.label)}{closing}"
        out.append(f"    {mermaid_ids[node.id]}{shape}{suffix}")
    for edge in edges:
        arrow = "-.->" if edge.kind == "embed" else "-->"
        count = _count_label(edge.count)
        if count is not None:
            arrow += f"|{count}|"
        out.append(f"    {mermaid_ids[edge.source]} {arrow} {mermaid_ids[edge.target]}")
    if any(node.kind == "ghost" for node in nodes):
        out.append("    classDef ghost stroke-dasharray: 5 5")
    return "\n".join(out) + "\n"
