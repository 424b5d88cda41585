"""The VoID description of the dataset: size, classes and properties with their counts, the named
graphs and what each holds, licence, source documents, release and build time.

The statistics need aggregates over the whole graph (slow on a big store): the build computes them
into release.json (build/statistics.py); the summary is made once per release and kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, VOID, XSD, Namespaces
from ..build.statistics import void_statistics
from .memo import per_release
from .provenance import graph_documents, graph_kind

DEFAULT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
FORMATS_NS = "http://www.w3.org/ns/formats/"

# what each kind of graph holds, for people (fi, en)
GRAPH_DESCRIPTIONS = {
    "document": ("Yhdessä lähdedokumentissa esitetyt tiedot, näyttöineen (rivit).",
                 "The facts stated in one source document, with their evidence (lines)."),
    "curation": ("Ylläpidon lisäämät tiedot, joita mikään lähdedokumentti ei kerro; jokaisella on lähde.",
                 "Facts added by the curators that no source document states, each with its source."),
    "documents": ("Lähdedokumenttien kuvailu: otsikko, julkaisija, päivämäärä, kieli, tiedosto ja tarkistesumma.",
                  "The source documents described: title, publisher, date, language, file and checksum."),
    "ontology": ("Ontologia: luokat, ominaisuudet ja niiden kytkennät vakiosanastoihin.",
                 "The ontology: classes, properties and their alignments to standard vocabularies."),
    "vocab": ("SKOS-sanastot: roolit, hanke- ja organisaatiotyypit, teemat, summien lajit ...",
              "SKOS concept schemes: roles, project and organisation types, themes, kinds of amounts ..."),
    "shapes": ("SHACL-muodot, joilla aineisto tarkistetaan.", "The SHACL shapes the data is validated with."),
    "inferred": ("Koosteen päättelemät tiedot (ontologian aksioomista johdetut).",
                 "What the build inferred from the ontology's axioms."),
    "release": ("Julkaisun kuvailu: tunniste, koostamisaika ja syötetiedostojen tarkistesummat.",
                "The release described: identifier, build time and the checksums of its input files."),
    "contacts": ("Julkaistut yhteystiedot (henkilötietoja).", "Published contact details (personal data)."),
    "other": ("Muu graafi.", "Another graph."),
}


@dataclass
class GraphSummary:
    iri: str
    name: str
    kind: str
    triples: int
    documents: list[str] = field(default_factory=list)
    classes: dict[str, int] = field(default_factory=dict)


@dataclass
class VoidSummary:
    dataset: str
    release: str
    created: str
    triples: int
    entities: int
    distinct_subjects: int
    classes: dict[str, int]
    properties: dict[str, int]
    graphs: list[GraphSummary]
    documents: list[str]
    licence: str
    examples: list[str]


def summary(release_store, ns: Namespaces) -> VoidSummary:
    return per_release(release_store, ("void", ns.base), lambda: _compute(release_store, ns))


def _compute(release_store, ns: Namespaces) -> VoidSummary:
    store: ox.Store = release_store.store
    release = release_store.release
    # computed by the build; a release built before that has them computed here, once
    statistics = release.statistics or void_statistics(store, ns)
    classes, properties = statistics["classes"], statistics["properties"]
    per_graph_class = statistics["graph_classes"]
    docs_of_graph = graph_documents(release_store, ns)
    graphs = []
    for iri, triples in sorted(release.triples_per_graph.items()):
        kind = graph_kind(iri, ns)
        graphs.append(GraphSummary(iri, iri[len(ns.graph_base):] if iri.startswith(ns.graph_base) else iri, kind,
                                   triples, docs_of_graph.get(iri, []) if kind == "document" else [],
                                   dict(sorted(per_graph_class.get(iri, {}).items(), key=lambda kv: (-kv[1], kv[0])))))
    documents = sorted({q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(ns.hg + "SourceDocument"), ox.DefaultGraph())
        if isinstance(q.subject, ox.NamedNode)})
    licence = DEFAULT_LICENCE
    for quad in store.quads_for_pattern(ox.NamedNode(ns.base + "ontology"), ox.NamedNode(DCTERMS + "license"), None,
                                        ox.DefaultGraph()):
        licence = quad.object.value
    examples = [ns.entity("project", "mrv")] if classes and any(True for _ in store.quads_for_pattern(
        ox.NamedNode(ns.entity("project", "mrv")), None, None, ox.DefaultGraph())) else []
    return VoidSummary(
        dataset=ns.base + "dataset", release=release.identifier, created=release.created,
        triples=release.default_graph_triples, entities=statistics["entities"],
        distinct_subjects=statistics["distinct_subjects"],
        classes=dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        properties=dict(sorted(properties.items(), key=lambda kv: (-kv[1], kv[0]))),
        graphs=graphs, documents=documents, licence=licence, examples=examples)


def void_triples(s: VoidSummary, ns: Namespaces, urls: dict[str, str]) -> list[ox.Triple]:
    """The VoID description; `urls` has the service's absolute `sparql`, `home` and `dumps` (format -> URL)."""
    N, L = ox.NamedNode, ox.Literal
    dataset = N(s.dataset)
    integer = lambda n: L(str(n), datatype=N(XSD + "integer"))
    triples = [
        (dataset, N(RDF + "type"), N(VOID + "Dataset")),
        (dataset, N(DCTERMS + "title"), L("hankegraafi", language="fi")),
        (dataset, N(DCTERMS + "title"), L("hankegraafi", language="en")),
        (dataset, N(DCTERMS + "description"), L(
            "Suomen sosiaali- ja terveysalan kehittämishankkeiden tietoverkko: hankkeet, organisaatiot, henkilöt, "
            "rahoitus ja roolit ajassa, jokainen tieto jäljitettävissä lähteeseensä.", language="fi")),
        (dataset, N(DCTERMS + "description"), L(
            "A knowledge graph of Finnish social- and health-care development projects: projects, organisations, "
            "people, funding and time-qualified roles, every fact traceable to its source.", language="en")),
        (dataset, N(DCTERMS + "license"), N(s.licence)),
        (dataset, N(DCTERMS + "modified"), L(s.created, datatype=N(XSD + "dateTime"))),
        (dataset, N(DCTERMS + "hasVersion"), N(f"{ns.base}release/{s.release}")),
        (dataset, N(SCHEMA + "version"), L(s.release)),
        (dataset, N(VOID + "triples"), integer(s.triples)),
        (dataset, N(VOID + "entities"), integer(s.entities)),
        (dataset, N(VOID + "distinctSubjects"), integer(s.distinct_subjects)),
        (dataset, N(VOID + "classes"), integer(len(s.classes))),
        (dataset, N(VOID + "properties"), integer(len(s.properties))),
        (dataset, N(VOID + "uriSpace"), L(ns.base + "id/")),
        (dataset, N(VOID + "sparqlEndpoint"), N(urls["sparql"])),
        (dataset, N(FOAF + "homepage"), N(urls["home"])),
        (dataset, N(VOID + "feature"), N(FORMATS_NS + "Turtle")),
        (dataset, N(VOID + "feature"), N(FORMATS_NS + "JSON-LD")),
        (dataset, N(VOID + "feature"), N(FORMATS_NS + "N-Triples")),
        (dataset, N(VOID + "feature"), N(FORMATS_NS + "RDF_XML")),
    ]
    for vocabulary in (ns.hg, ns.hgv, SCHEMA, SKOS, ORG, PROV, DCTERMS, FOAF, RDFS, OWL):
        triples.append((dataset, N(VOID + "vocabulary"), N(vocabulary)))
    for url in urls["dumps"].values():
        triples.append((dataset, N(VOID + "dataDump"), N(url)))
    for example in s.examples:
        triples.append((dataset, N(VOID + "exampleResource"), N(example)))
    for document in s.documents:
        triples.append((dataset, N(DCTERMS + "source"), N(document)))
    for index, (cls, count) in enumerate(s.classes.items()):
        part = ox.BlankNode(f"class{index}")
        triples += [(dataset, N(VOID + "classPartition"), part), (part, N(VOID + "class"), N(cls)),
                    (part, N(VOID + "entities"), integer(count))]
    for index, (prop, count) in enumerate(s.properties.items()):
        part = ox.BlankNode(f"property{index}")
        triples += [(dataset, N(VOID + "propertyPartition"), part), (part, N(VOID + "property"), N(prop)),
                    (part, N(VOID + "triples"), integer(count))]
    for graph_index, graph in enumerate(s.graphs):
        node = N(graph.iri)
        fi, en = GRAPH_DESCRIPTIONS.get(graph.kind, GRAPH_DESCRIPTIONS["other"])
        triples += [(dataset, N(VOID + "subset"), node), (node, N(RDF + "type"), N(VOID + "Dataset")),
                    (node, N(DCTERMS + "title"), L(graph.name)),
                    (node, N(DCTERMS + "description"), L(fi, language="fi")),
                    (node, N(DCTERMS + "description"), L(en, language="en")),
                    (node, N(VOID + "triples"), integer(graph.triples))]
        for document in graph.documents:
            triples.append((node, N(DCTERMS + "source"), N(document)))
        for index, (cls, count) in enumerate(graph.classes.items()):
            part = ox.BlankNode(f"graph{graph_index}class{index}")
            triples += [(node, N(VOID + "classPartition"), part), (part, N(VOID + "class"), N(cls)),
                        (part, N(VOID + "entities"), integer(count))]
    return [ox.Triple(*t) for t in triples]
