"""IRIs of the project's own namespaces (all under the configured base) and of the standard vocabularies."""

from __future__ import annotations

from dataclasses import dataclass

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
TIME = "http://www.w3.org/2006/time#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"

STANDARD_PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "schema": SCHEMA,
    "foaf": FOAF,
    "org": ORG,
    "prov": PROV,
    "dcterms": DCTERMS,
    "time": TIME,
    "sh": SH,
    "void": VOID,
}

# local name of each entity prefix -> path under the base
ENTITY_KINDS = (
    "project", "organisation", "person", "position", "role", "funding", "decision", "budget",
    "scheme", "region", "event", "publication", "document", "change", "goal", "observation", "evidence",
    "contact",
)

# graphs that hold curated input; `contacts` only when the operator publishes them
SOURCE_GRAPH_PREFIX = "source-"
CONTACTS_GRAPH = "contacts"
INFERRED_GRAPH = "inferred"
RELEASE_GRAPH = "release"


@dataclass(frozen=True)
class Namespaces:
    """The project namespaces under one base IRI."""

    base: str

    @property
    def hg(self) -> str:
        return self.base + "ontology#"

    @property
    def hgv(self) -> str:
        return self.base + "vocab/"

    @property
    def graph_base(self) -> str:
        return self.base + "graph/"

    def graph(self, name: str) -> str:
        return self.graph_base + name

    def entity(self, kind: str, slug: str) -> str:
        return f"{self.base}id/{kind}/{slug}"

    def prefixes(self) -> dict[str, str]:
        """Prefixes for queries and serialisations: the project's own first, then the standard ones."""
        own = {"hg": self.hg, "hgv": self.hgv, "hgg": self.graph_base, "hgsh": self.base + "shapes#"}
        own.update({kind: f"{self.base}id/{kind}/" for kind in ENTITY_KINDS})
        own.update(STANDARD_PREFIXES)
        return own

    def sparql_prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes().items())
