"""Where a statement comes from: the named graphs that hold it, the source document behind each
source graph, and the passage (line) locators of the node's evidence in that graph."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import DCTERMS, PROV, Namespaces
from .memo import per_release

DEFAULT_GRAPH = ox.DefaultGraph()

# kinds of graph, in the order sources are listed
GRAPH_KINDS = ("document", "curation", "documents", "ontology", "vocab", "shapes", "release", "contacts", "inferred", "other")


@dataclass
class Source:
    """One graph's backing for a statement."""

    graph: str
    kind: str                       # one of GRAPH_KINDS
    documents: list[str] = field(default_factory=list)   # document IRIs (source graphs)
    lines: dict[str, list[int]] = field(default_factory=dict)  # document IRI -> cited lines
    notes: list[ox.NamedNode | ox.Literal] = field(default_factory=list)  # dcterms:source in curation

    @property
    def name(self) -> str:
        return self.graph.rsplit("/", 1)[-1]

    def sort_key(self):
        return (GRAPH_KINDS.index(self.kind), self.graph)


def graph_kind(graph: str, ns: Namespaces) -> str:
    if not graph.startswith(ns.graph_base):
        return "other"
    name = graph[len(ns.graph_base):]
    if name.startswith("source-"):
        return "document"
    return name if name in GRAPH_KINDS else "other"


def graph_documents(release_store, ns: Namespaces) -> dict[str, list[str]]:
    """Graph IRI -> the source documents it was derived from (computed once per release)."""
    def compute():
        store = release_store.store
        mapping: dict[str, list[str]] = {}
        # the documents graph says which document each source graph was derived from
        for quad in store.quads_for_pattern(None, ox.NamedNode(PROV + "wasDerivedFrom"), None,
                                            ox.NamedNode(ns.graph("documents"))):
            mapping.setdefault(quad.subject.value, []).append(quad.object.value)
        # ... and the evidence in a graph says which documents it cites
        rows = store.query(f"SELECT DISTINCT ?g ?d WHERE {{ GRAPH ?g {{ ?e <{ns.hg}inDocument> ?d }} }}")
        for row in rows:
            mapping.setdefault(row["g"].value, []).append(row["d"].value)
        for graph in release_store.store.named_graphs():
            name = graph.value[len(ns.graph_base):] if graph.value.startswith(ns.graph_base) else ""
            if name.startswith("source-") and graph.value not in mapping:
                mapping[graph.value] = [ns.entity("document", name[len("source-"):])]
        return {g: sorted(set(d)) for g, d in mapping.items()}
    return per_release(release_store, ("graph-documents", ns.base), compute)


class Provenance:
    """Provenance lookups for one request."""

    def __init__(self, release_store, ns: Namespaces):
        self.release_store = release_store
        self.store: ox.Store = release_store.store
        self.ns = ns
        self._graph_docs = graph_documents(release_store, ns)
        self._evidence_cache: dict[str, tuple[str, int] | None] = {}
        self._evidence_node = ox.NamedNode(ns.hg + "evidence")

    def evidence(self, node) -> tuple[str, int] | None:
        """(document IRI, line) of an evidence node."""
        key = str(node)
        if key not in self._evidence_cache:
            document = line = None
            for q in self.store.quads_for_pattern(node, None, None, DEFAULT_GRAPH):
                if q.predicate.value == self.ns.hg + "inDocument":
                    document = q.object.value
                elif q.predicate.value == self.ns.hg + "line":
                    try:
                        line = int(q.object.value)
                    except ValueError:
                        pass
            self._evidence_cache[key] = (document, line) if document and line is not None else None
        return self._evidence_cache[key]

    def statements(self, subject) -> tuple[dict[tuple, list[str]], dict[str, Source]]:
        """For a subject: (predicate, object) -> graphs that state it, and graph -> Source (with the
        subject's evidence lines in that graph)."""
        by_statement: dict[tuple, list[str]] = {}
        evidence: dict[str, list] = {}
        curation_notes: dict[str, list] = {}
        for quad in self.store.quads_for_pattern(subject, None, None, None):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            graph = quad.graph_name.value
            by_statement.setdefault((quad.predicate, quad.object), []).append(graph)
            if quad.predicate == self._evidence_node:
                evidence.setdefault(graph, []).append(quad.object)
            elif quad.predicate.value == DCTERMS + "source":
                curation_notes.setdefault(graph, []).append(quad.object)
        sources: dict[str, Source] = {}
        graphs = {g for gs in by_statement.values() for g in gs}
        for graph in graphs:
            kind = graph_kind(graph, self.ns)
            source = Source(graph, kind, list(self._graph_docs.get(graph, [])))
            for node in evidence.get(graph, []):
                located = self.evidence(node)
                if located:
                    document, line = located
                    source.lines.setdefault(document, []).append(line)
                    if document not in source.documents:
                        source.documents.append(document)
            for lines in source.lines.values():
                lines.sort()
            if kind in ("curation", "other"):
                source.notes = [n for n in curation_notes.get(graph, []) if not self._is_evidence(n)]
            sources[graph] = source
        return by_statement, sources

    def _is_evidence(self, node) -> bool:
        return isinstance(node, ox.NamedNode) and node.value.startswith(self.ns.base + "id/evidence/")

    def sources_for(self, graphs: list[str], sources: dict[str, Source]) -> list[Source]:
        return sorted((sources[g] for g in set(graphs) if g in sources), key=Source.sort_key)
