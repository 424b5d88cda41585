"""Readable JSON-LD: a published @context with short keys (name, prefLabel, startDate, agent ...)
and a compaction of triples against it.

pyoxigraph writes expanded JSON-LD only. The compaction here is written for the simple, flat case
the service needs (one node object per subject, no embedding), which keeps it streaming for whole
dumps and makes every key predictable:

- `id` and `type` alias `@id` and `@type`; classes of the ontology are short terms (`Project`).
- Every property of the ontology is a term named by its local name, and common standard properties
  have short names (`name`, `description`, `startDate`, `funder` ...). Properties with an IRI range
  are typed `@id`, so their values are plain strings; dates and decimals are typed, so they are
  plain strings too; language-tagged texts are language maps (`{"fi": ..., "en": ...}`, `@none`
  for untagged text).
- A value that does not fit its term's definition (a literal where an IRI is expected, another
  datatype) is written under the prefixed name (`schema:startDate`) as an explicit value object,
  so nothing is lost and nothing is coerced wrongly.
- Identifiers of entities stay full IRIs (they are URLs that resolve); the vocabularies are
  abbreviated with their usual prefixes (`hgv:role-lead-implementer`, `schema:Project`).

The result parses back to the same triples with any JSON-LD processor (tested with rdflib).
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO, Iterable

import pyoxigraph as ox

from ..namespaces import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SH, SKOS, TIME, VOID, XSD, Namespaces
from .memo import per_release

FRAPO = "http://purl.org/cerif/frapo/"
_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,15})")
DCAT = "http://www.w3.org/ns/dcat#"

# short name -> (IRI, kind); kind: "id" (IRI values), "lang" (language map), an XSD datatype, or None
STANDARD_TERMS: dict[str, tuple[str, str | None]] = {
    "label": (RDFS + "label", "lang"),
    "comment": (RDFS + "comment", "lang"),
    "seeAlso": (RDFS + "seeAlso", "id"),
    "subClassOf": (RDFS + "subClassOf", "id"),
    "subPropertyOf": (RDFS + "subPropertyOf", "id"),
    "domain": (RDFS + "domain", "id"),
    "range": (RDFS + "range", "id"),
    "equivalentClass": (OWL + "equivalentClass", "id"),
    "equivalentProperty": (OWL + "equivalentProperty", "id"),
    "inverseOf": (OWL + "inverseOf", "id"),
    "sameAs": (OWL + "sameAs", "id"),
    "prefLabel": (SKOS + "prefLabel", "lang"),
    "altLabel": (SKOS + "altLabel", "lang"),
    "hiddenLabel": (SKOS + "hiddenLabel", "lang"),
    "definition": (SKOS + "definition", "lang"),
    "scopeNote": (SKOS + "scopeNote", "lang"),
    "editorialNote": (SKOS + "editorialNote", "lang"),
    "notation": (SKOS + "notation", None),
    "broader": (SKOS + "broader", "id"),
    "narrower": (SKOS + "narrower", "id"),
    "related": (SKOS + "related", "id"),
    "inScheme": (SKOS + "inScheme", "id"),
    "topConceptOf": (SKOS + "topConceptOf", "id"),
    "hasTopConcept": (SKOS + "hasTopConcept", "id"),
    "exactMatch": (SKOS + "exactMatch", "id"),
    "closeMatch": (SKOS + "closeMatch", "id"),
    "broadMatch": (SKOS + "broadMatch", "id"),
    "narrowMatch": (SKOS + "narrowMatch", "id"),
    "name": (SCHEMA + "name", "lang"),
    "givenName": (SCHEMA + "givenName", None),
    "familyName": (SCHEMA + "familyName", None),
    "honorificSuffix": (SCHEMA + "honorificSuffix", None),
    "startDate": (SCHEMA + "startDate", XSD + "date"),
    "endDate": (SCHEMA + "endDate", XSD + "date"),
    "amount": (SCHEMA + "amount", "id"),
    "value": (SCHEMA + "value", XSD + "decimal"),
    "currency": (SCHEMA + "currency", None),
    "funder": (SCHEMA + "funder", "id"),
    "fundedItem": (SCHEMA + "fundedItem", "id"),
    "areaServed": (SCHEMA + "areaServed", "id"),
    "location": (SCHEMA + "location", "id"),
    "organizer": (SCHEMA + "organizer", "id"),
    "about": (SCHEMA + "about", "id"),
    "url": (SCHEMA + "url", "id"),
    "encodingFormat": (SCHEMA + "encodingFormat", None),
    "eventAttendanceMode": (SCHEMA + "eventAttendanceMode", "id"),
    "parentOrganization": (SCHEMA + "parentOrganization", "id"),
    "subOrganization": (SCHEMA + "subOrganization", "id"),
    "contactPoint": (SCHEMA + "contactPoint", "id"),
    "telephone": (SCHEMA + "telephone", None),
    "email": (SCHEMA + "email", None),
    "version": (SCHEMA + "version", None),
    "title": (DCTERMS + "title", "lang"),
    "description": (DCTERMS + "description", "lang"),
    "subject": (DCTERMS + "subject", "id"),
    "source": (DCTERMS + "source", "id"),
    "publisher": (DCTERMS + "publisher", "id"),
    "creator": (DCTERMS + "creator", None),
    "issued": (DCTERMS + "issued", None),
    "created": (DCTERMS + "created", XSD + "dateTime"),
    "modified": (DCTERMS + "modified", None),
    "date": (DCTERMS + "date", XSD + "date"),
    "license": (DCTERMS + "license", "id"),
    "identifier": (DCTERMS + "identifier", None),
    "language": (DCTERMS + "language", None),
    "spatial": (DCTERMS + "spatial", "id"),
    "isPartOf": (DCTERMS + "isPartOf", "id"),
    "hasPart": (DCTERMS + "hasPart", "id"),
    "relation": (DCTERMS + "relation", "id"),
    "hasVersion": (DCTERMS + "hasVersion", "id"),
    "unitOf": (ORG + "unitOf", "id"),
    "hasUnit": (ORG + "hasUnit", "id"),
    "subOrganizationOf": (ORG + "subOrganizationOf", "id"),
    "hasSubOrganization": (ORG + "hasSubOrganization", "id"),
    "classification": (ORG + "classification", "id"),
    "memberOf": (ORG + "memberOf", "id"),
    "member": (ORG + "member", "id"),
    "wasDerivedFrom": (PROV + "wasDerivedFrom", "id"),
    "wasInformedBy": (PROV + "wasInformedBy", "id"),
    "wasGeneratedBy": (PROV + "wasGeneratedBy", "id"),
    "wasAssociatedWith": (PROV + "wasAssociatedWith", "id"),
    "wasInfluencedBy": (PROV + "wasInfluencedBy", "id"),
    "triples": (VOID + "triples", XSD + "integer"),
    "entities": (VOID + "entities", XSD + "integer"),
    "distinctSubjects": (VOID + "distinctSubjects", XSD + "integer"),
    "classes": (VOID + "classes", XSD + "integer"),
    "properties": (VOID + "properties", XSD + "integer"),
    "classPartition": (VOID + "classPartition", "id"),
    "propertyPartition": (VOID + "propertyPartition", "id"),
    "class": (VOID + "class", "id"),
    "property": (VOID + "property", "id"),
    "subset": (VOID + "subset", "id"),
    "dataDump": (VOID + "dataDump", "id"),
    "sparqlEndpoint": (VOID + "sparqlEndpoint", "id"),
    "vocabulary": (VOID + "vocabulary", "id"),
    "exampleResource": (VOID + "exampleResource", "id"),
    "uriSpace": (VOID + "uriSpace", None),
    "feature": (VOID + "feature", "id"),
}

STANDARD_CLASSES = {
    "MonetaryAmount": SCHEMA + "MonetaryAmount",
    "Concept": SKOS + "Concept",
    "ConceptScheme": SKOS + "ConceptScheme",
    "Dataset": VOID + "Dataset",
}


# ranges that become a typed term (plain strings in the JSON); integers and booleans are written as
# native JSON numbers and booleans instead
_COERCED_DATATYPES = {XSD + "date", XSD + "dateTime", XSD + "decimal", XSD + "gYear", XSD + "gYearMonth", XSD + "anyURI"}


def _vocabulary_prefixes(ns: Namespaces) -> dict[str, str]:
    prefixes = {"hg": ns.hg, "hgv": ns.hgv, "hgg": ns.graph_base}
    prefixes.update({"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "schema": SCHEMA,
                     "foaf": FOAF, "org": ORG, "prov": PROV, "dcterms": DCTERMS, "time": TIME, "sh": SH,
                     "void": VOID, "frapo": FRAPO, "dcat": DCAT})
    return prefixes


def build_context(store: ox.Store, ns: Namespaces) -> dict:
    """The @context: prefixes, keyword aliases, standard terms, and a term for every class and
    property of the ontology (its local name), typed from the property's kind and range."""
    prefixes = _vocabulary_prefixes(ns)
    terms: dict[str, tuple[str, str | None]] = {}
    graph = ox.NamedNode(ns.graph("ontology"))
    kinds: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, graph):
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(ns.hg):
            kinds.setdefault(quad.subject.value, set()).add(quad.object.value)
    for quad in store.quads_for_pattern(None, ox.NamedNode(RDFS + "range"), None, graph):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
            ranges.setdefault(quad.subject.value, set()).add(quad.object.value)
    classes: dict[str, str] = dict(STANDARD_CLASSES)
    for iri, types in sorted(kinds.items()):
        local = iri[len(ns.hg):]
        if not local or not (local[0].isalpha()) or not all(c.isalnum() or c in "_-" for c in local):
            continue
        if OWL + "Class" in types or RDFS + "Class" in types:
            classes[local] = iri
            continue
        if not types & {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property", OWL + "AnnotationProperty"}:
            continue
        rng = ranges.get(iri, set())
        if OWL + "ObjectProperty" in types:
            kind = "id"
        elif RDF + "langString" in rng:
            kind = "lang"
        elif len(rng) == 1 and next(iter(rng)) in _COERCED_DATATYPES:
            kind = next(iter(rng))
        else:
            kind = None
        terms[local] = (iri, kind)
    for name, definition in STANDARD_TERMS.items():
        terms.setdefault(name, definition)
    context: dict = {"@version": 1.1, "id": "@id", "type": "@type"}
    context.update(prefixes)
    for name, iri in sorted(classes.items()):
        if name not in prefixes and name not in terms:
            context[name] = _abbreviate(iri, prefixes)
    for name, (iri, kind) in sorted(terms.items()):
        if name in prefixes or name in ("id", "type"):
            continue
        definition: dict = {"@id": _abbreviate(iri, prefixes)}
        if kind == "id":
            definition["@type"] = "@id"
        elif kind == "lang":
            definition["@container"] = "@language"
        elif kind:
            definition["@type"] = _abbreviate(kind, prefixes)
        context[name] = definition
    return {"@context": context}


def _abbreviate(iri: str, prefixes: dict[str, str]) -> str:
    best = None
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            if best is None or len(namespace) > len(prefixes[best]):
                best = prefix
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri


def context_for(release_store, ns: Namespaces) -> dict:
    """The context document of the current release (computed once per release)."""
    return per_release(release_store, ("jsonld-context", ns.base), lambda: build_context(release_store.store, ns))


class Compactor:
    """Compacts triples against a context built by `build_context`."""

    def __init__(self, context_document: dict):
        context = context_document["@context"]
        self.prefixes: dict[str, str] = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))
                                         and not k.startswith("@")}
        self.class_terms: dict[str, str] = {}
        self.property_terms: dict[str, tuple[str, str | None]] = {}
        for name, definition in context.items():
            if name.startswith("@") or name in ("id", "type") or name in self.prefixes:
                continue
            if isinstance(definition, str):
                self.class_terms[self.expand(definition)] = name
            else:
                iri = self.expand(definition["@id"])
                if definition.get("@type") == "@id":
                    kind = "id"
                elif definition.get("@container") == "@language":
                    kind = "lang"
                elif "@type" in definition:
                    kind = self.expand(definition["@type"])
                else:
                    kind = None
                self.property_terms[iri] = (name, kind)

    def expand(self, value: str) -> str:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value

    def compact_iri(self, iri: str) -> str:
        best = None
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                if best is None or len(namespace) > len(self.prefixes[best]):
                    best = prefix
        if best is None:
            return iri
        local = iri[len(self.prefixes[best]):]
        if local.startswith("//"):
            return iri
        return f"{best}:{local}"

    def _node_id(self, term) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.compact_iri(term.value)

    def _value_object(self, literal: ox.Literal) -> dict | str:
        if literal.language:
            return {"@value": literal.value, "@language": literal.language}
        datatype = literal.datatype.value if literal.datatype is not None else XSD + "string"
        if datatype == XSD + "string":
            return literal.value
        # native JSON numbers and booleans read back as xsd:integer and xsd:boolean
        if datatype == XSD + "integer" and _CANONICAL_INTEGER.fullmatch(literal.value):
            return int(literal.value)
        if datatype == XSD + "boolean" and literal.value in ("true", "false"):
            return literal.value == "true"
        return {"@value": literal.value, "@type": self.compact_iri(datatype)}

    def node(self, subject, predicate_objects: Iterable[tuple]) -> dict:
        """One node object: `predicate_objects` are (predicate, object) pairs of `subject`."""
        result: dict = {"id": self._node_id(subject)}
        types: list[str] = []
        values: dict[str, list] = {}
        maps: dict[str, dict[str, list]] = {}
        for predicate, obj in predicate_objects:
            if predicate.value == RDF + "type" and isinstance(obj, (ox.NamedNode, ox.BlankNode)):
                types.append(self.class_terms.get(obj.value) or self._node_id(obj))
                continue
            term = self.property_terms.get(predicate.value)
            name, kind = term if term else (None, None)
            fallback = self.compact_iri(predicate.value)
            if isinstance(obj, ox.Literal):
                datatype = obj.datatype.value if obj.datatype is not None else XSD + "string"
                if name and kind == "lang" and (obj.language or datatype == XSD + "string"):
                    maps.setdefault(name, {}).setdefault(obj.language or "@none", []).append(obj.value)
                elif name and kind and kind not in ("id", "lang") and not obj.language and datatype == kind:
                    values.setdefault(name, []).append(obj.value)
                elif name and kind is None:
                    values.setdefault(name, []).append(self._value_object(obj))
                else:
                    values.setdefault(fallback, []).append(self._value_object(obj))
            else:
                if name and kind == "id":
                    values.setdefault(name, []).append(self._node_id(obj))
                elif name and kind is None:
                    values.setdefault(name, []).append({"id": self._node_id(obj)})
                else:
                    values.setdefault(fallback, []).append({"id": self._node_id(obj)})
        if types:
            types.sort()
            result["type"] = types[0] if len(types) == 1 else types
        for key in sorted(set(values) | set(maps)):
            if key in maps:
                by_lang = {lang: (sorted(v)[0] if len(v) == 1 else sorted(v)) for lang, v in sorted(maps[key].items())}
                # untagged text alone reads better as a plain string (it expands to the same literal)
                result[key] = by_lang["@none"] if list(by_lang) == ["@none"] else by_lang
            else:
                items = values[key]
                items.sort(key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
                result[key] = items[0] if len(items) == 1 else items
        return result

    def nodes(self, triples: Iterable[ox.Triple], first: str | None = None) -> list[dict]:
        grouped: dict = {}
        for triple in triples:
            grouped.setdefault(triple.subject, []).append((triple.predicate, triple.object))
        ordered = sorted(grouped, key=lambda s: (not (isinstance(s, ox.NamedNode) and s.value == first),
                                                 isinstance(s, ox.BlankNode), str(s)))
        return [self.node(subject, grouped[subject]) for subject in ordered]


def document(triples: Iterable[ox.Triple], compactor: Compactor, context_ref, first: str | None = None) -> str:
    """A JSON-LD document of triples: {"@context": ..., "@graph": [node, ...]}."""
    return json.dumps({"@context": context_ref, "@graph": compactor.nodes(triples, first)},
                      ensure_ascii=False, indent=2) + "\n"


def write_dataset(store: ox.Store, output: BinaryIO, compactor: Compactor, context_ref) -> None:
    """Stream every named graph as compacted JSON-LD: one node object per subject, graph by graph
    (the store iterates a graph subject by subject, so nothing is held in memory)."""
    output.write(b'{\n"@context": ' + json.dumps(context_ref, ensure_ascii=False, indent=1).encode() + b',\n"@graph": [\n')
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    for index, graph in enumerate(graphs):
        head = {"id": compactor.compact_iri(graph.value)}
        output.write((b",\n" if index else b"") + json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "@graph": [\n')
        subject, pairs, count = None, [], 0
        for quad in store.quads_for_pattern(None, None, None, graph):
            if quad.subject != subject:
                if subject is not None:
                    output.write((b",\n" if count else b"") + json.dumps(compactor.node(subject, pairs), ensure_ascii=False).encode())
                    count += 1
                subject, pairs = quad.subject, []
            pairs.append((quad.predicate, quad.object))
        if subject is not None:
            output.write((b",\n" if count else b"") + json.dumps(compactor.node(subject, pairs), ensure_ascii=False).encode())
        output.write(b"\n]}")
    output.write(b"\n]\n}\n")
