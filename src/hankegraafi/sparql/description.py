"""The SPARQL 1.1 Service Description of the endpoint, as RDF triples."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import DCTERMS, RDF, RDFS, SD, VOID, XSD
from .formats import GRAPH_FORMATS, SOLUTION_FORMATS


def describe(endpoint: str, release, graphs: dict[str, int], default_triples: int, updates: bool,
             federation: bool, base_iri: str, editor: str | None = None) -> list[ox.Triple]:
    n = ox.NamedNode
    rdf_type = n(RDF + "type")
    service = n(endpoint)
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=n(XSD + "integer"))

    triples = [
        ox.Triple(service, rdf_type, n(SD + "Service")),
        ox.Triple(service, n(SD + "endpoint"), service),
        ox.Triple(service, n(DCTERMS + "title"), ox.Literal("hankegraafi SPARQL endpoint", language="en")),
        ox.Triple(service, n(DCTERMS + "title"), ox.Literal("hankegraafin SPARQL-rajapinta", language="fi")),
        ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(service, n(SD + "feature"), n(SD + "EmptyGraphs")),
        ox.Triple(service, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, n(SD + "Graph")),
        ox.Triple(default_graph, n(VOID + "triples"), integer(default_triples)),
        ox.Triple(default_graph, n(DCTERMS + "description"),
                  ox.Literal("The merge of all the public named graphs.", language="en")),
    ]
    if updates:
        triples.append(ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Update")))
    if federation:
        triples.append(ox.Triple(service, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    if editor:
        triples.append(ox.Triple(service, n(RDFS + "seeAlso"), n(editor)))
    if release is not None:
        triples.append(ox.Triple(dataset, n(DCTERMS + "hasVersion"), n(f"{base_iri}release/{release.identifier}")))
        triples.append(ox.Triple(dataset, n(DCTERMS + "identifier"), ox.Literal(release.identifier)))
    seen = set()
    for fmt in (*SOLUTION_FORMATS, *GRAPH_FORMATS):
        if fmt.oxigraph is not None and fmt.oxigraph.iri not in seen:
            seen.add(fmt.oxigraph.iri)
            triples.append(ox.Triple(service, n(SD + "resultFormat"), n(fmt.oxigraph.iri)))
    for index, (graph, count) in enumerate(sorted(graphs.items())):
        named = ox.BlankNode(f"ng{index}")
        inner = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(dataset, n(SD + "namedGraph"), named),
            ox.Triple(named, rdf_type, n(SD + "NamedGraph")),
            ox.Triple(named, n(SD + "name"), n(graph)),
            ox.Triple(named, n(SD + "graph"), inner),
            ox.Triple(inner, rdf_type, n(SD + "Graph")),
            ox.Triple(inner, n(VOID + "triples"), integer(count)),
        ]
    return triples
