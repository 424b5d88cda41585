"""Export the whole graph or one named graph, streamed by the store's own serialisers."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from ..namespaces import Namespaces
from .formats import RdfFormat


def graph_node(name: str, ns: Namespaces) -> ox.NamedNode:
    """A graph given as a full IRI or as its short name (`source-004`, `curation`)."""
    return ox.NamedNode(name if ":" in name else ns.graph(name))


def export(store: ox.Store, output: BinaryIO, fmt: RdfFormat, ns: Namespaces, graph: str | None = None) -> None:
    """Write the data to `output`.

    Dataset formats (TriG, N-Quads, JSON-LD) of the whole graph carry every named graph, so the
    provenance travels with the data; triple formats of the whole graph carry the default graph,
    which is the merge of all named graphs. A single graph is written as triples, or as quads in
    that one graph for dataset formats.
    """
    prefixes = ns.prefixes()
    if graph is None:
        if fmt.dataset:
            quads = (q for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(quads, output, fmt.oxigraph, prefixes=prefixes)
        else:
            store.dump(output, fmt.oxigraph, from_graph=ox.DefaultGraph(), prefixes=prefixes)
        return
    node = graph_node(graph, ns)
    if not store.contains_named_graph(node):
        raise KeyError(f"no graph {node.value} in this release")
    if fmt.dataset:
        ox.serialize(store.quads_for_pattern(None, None, None, node), output, fmt.oxigraph, prefixes=prefixes)
    else:
        store.dump(output, fmt.oxigraph, from_graph=node, prefixes=prefixes)
