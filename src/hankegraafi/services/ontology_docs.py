"""Documentation of the ontology: its classes and properties with labels and definitions (fi/en),
super- and subclasses, alignments to standard vocabularies, domains and ranges, the SHACL constraints
that apply, and how many entities use each term."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import DCTERMS, OWL, RDF, RDFS, SH, SKOS, Namespaces
from .labels import Labels, pick_literal
from .void import summary as void_summary

PAGE_SIZE = 50
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property", OWL + "AnnotationProperty"}


@dataclass
class Ref:
    iri: str
    text: str
    internal: bool


@dataclass
class TermSummary:
    iri: str
    local: str
    kind: str                   # class | property
    labels: dict[str, str]
    definition: str
    definition_lang: str | None


@dataclass
class Constraint:
    shape: str                  # the shape's name (or label)
    path: str
    items: list[tuple[str, str]]  # (constraint, value)
    message: str
    severity: str
    targets: list[Ref] = field(default_factory=list)


@dataclass
class TermDoc:
    summary: TermSummary
    types: list[Ref]
    definitions: dict[str, str]
    notes: list[tuple[str, str | None]]
    superterms: list[Ref]       # superclasses / superproperties in the ontology
    alignments: list[tuple[str, Ref]]  # (relation, external term)
    subterms: list[Ref]
    equivalents: list[str]      # owl:equivalentClass restrictions, readable
    domain: list[Ref]
    range: list[Ref]
    inverse: list[Ref]
    with_domain: list[Ref]      # for classes: properties whose domain is this class
    with_range: list[Ref]
    constraints: list[Constraint]
    usage: int
    uses: list[tuple[Ref, Ref | str | None]]  # (subject, object) of uses, paged
    page: int
    pages: int


class OntologyDocs:
    def __init__(self, release_store, ns: Namespaces, lang: str):
        self.release_store = release_store
        self.store: ox.Store = release_store.store
        self.ns = ns
        self.lang = lang
        self.labels = Labels(self.store, ns, lang)
        self.graph = ox.NamedNode(ns.graph("ontology"))
        self.shapes = ox.NamedNode(ns.graph("shapes"))

    def _objects(self, subject, predicate: str, graph=None):
        graph = graph or self.graph
        return [q.object for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph)]

    def _subjects(self, predicate: str, obj, graph=None):
        graph = graph or self.graph
        return [q.subject for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), obj, graph)]

    def ref(self, node) -> Ref:
        if isinstance(node, ox.NamedNode):
            internal = node.value.startswith(self.ns.base)
            text = self.labels.property_text(node.value) if node.value.startswith(self.ns.hg) else self.labels.curie(node.value)
            return Ref(node.value, text, internal)
        return Ref(str(node), str(node), False)

    def ontology_iri(self) -> str:
        return self.ns.base + "ontology"

    def header(self) -> dict:
        node = ox.NamedNode(self.ontology_iri())
        get = lambda p: [o for o in self._objects(node, p) if isinstance(o, ox.Literal)]
        titles = get(DCTERMS + "title")
        descriptions = get(DCTERMS + "description")
        title = pick_literal(titles, self.lang)
        description = pick_literal(descriptions, self.lang)
        licence = self._objects(node, DCTERMS + "license")
        version = get(OWL + "versionInfo")
        modified = get(DCTERMS + "modified")
        return {
            "iri": node.value,
            "title": title.value if title else "hankegraafi",
            "title_lang": title.language if title else None,
            "description": description.value if description else "",
            "description_lang": description.language if description else None,
            "licence": licence[0].value if licence else None,
            "version": version[0].value if version else None,
            "modified": modified[0].value if modified else None,
        }

    def terms(self) -> list[TermSummary]:
        found: dict[str, str] = {}
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, self.graph):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(self.ns.hg):
                continue
            if quad.object.value in CLASS_TYPES:
                found[subject.value] = "class"
            elif quad.object.value in PROPERTY_TYPES and found.get(subject.value) != "class":
                found[subject.value] = "property"
        return sorted((self.summary(iri, kind) for iri, kind in found.items()), key=lambda t: (t.kind, t.local.lower()))

    def kind_of(self, iri: str) -> str | None:
        types = {o.value for o in self._objects(ox.NamedNode(iri), RDF + "type")}
        if types & CLASS_TYPES:
            return "class"
        if types & PROPERTY_TYPES:
            return "property"
        return None

    def summary(self, iri: str, kind: str) -> TermSummary:
        node = ox.NamedNode(iri)
        labels = {}
        for literal in self._objects(node, RDFS + "label"):
            if isinstance(literal, ox.Literal):
                labels.setdefault(literal.language or "", literal.value)
        definitions = [o for o in self._objects(node, SKOS + "definition") + self._objects(node, RDFS + "comment")
                       if isinstance(o, ox.Literal)]
        definition = pick_literal(definitions, self.lang)
        return TermSummary(iri, iri[len(self.ns.hg):], kind, labels, definition.value if definition else "",
                           (definition.language or None) if definition else None)

    def term(self, iri: str, page: int = 1) -> TermDoc | None:
        kind = self.kind_of(iri)
        if kind is None:
            return None
        node = ox.NamedNode(iri)
        summary = self.summary(iri, kind)
        definitions = {}
        for literal in self._objects(node, SKOS + "definition"):
            if isinstance(literal, ox.Literal):
                definitions[literal.language or ""] = literal.value
        notes = [(o.value, o.language or None) for p in (RDFS + "comment", SKOS + "scopeNote", SKOS + "editorialNote")
                 for o in self._objects(node, p) if isinstance(o, ox.Literal)]
        types = [self.ref(o) for o in self._objects(node, RDF + "type")]
        up = RDFS + ("subClassOf" if kind == "class" else "subPropertyOf")
        superterms, alignments, equivalents = [], [], []
        for obj in self._objects(node, up):
            if isinstance(obj, ox.NamedNode) and obj.value.startswith(self.ns.hg):
                superterms.append(self.ref(obj))
            elif isinstance(obj, ox.NamedNode):
                alignments.append((self.labels.property_text(up), self.ref(obj)))
            else:
                equivalents.append(self.restriction(obj))
        for relation in (OWL + "equivalentClass", OWL + "equivalentProperty", SKOS + "exactMatch",
                         SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch", OWL + "sameAs"):
            for obj in self._objects(node, relation):
                if isinstance(obj, ox.NamedNode):
                    alignments.append((self.labels.property_text(relation), self.ref(obj)))
                else:
                    equivalents.append(self.restriction(obj))
        subterms = sorted((self.ref(s) for s in self._subjects(up, node) if isinstance(s, ox.NamedNode)),
                          key=lambda r: r.text.lower())
        inverse = [self.ref(o) for o in self._objects(node, OWL + "inverseOf")]
        inverse += [self.ref(s) for s in self._subjects(OWL + "inverseOf", node)]
        domain = [self.ref(o) for o in self._objects(node, RDFS + "domain")]
        rng = [self.ref(o) for o in self._objects(node, RDFS + "range")]
        with_domain = with_range = []
        if kind == "class":
            with_domain = sorted((self.ref(s) for s in self._subjects(RDFS + "domain", node)), key=lambda r: r.text.lower())
            with_range = sorted((self.ref(s) for s in self._subjects(RDFS + "range", node)), key=lambda r: r.text.lower())
        constraints = self.class_constraints(node) if kind == "class" else self.property_constraints(node)
        void = void_summary(self.release_store, self.ns)
        usage = (void.classes if kind == "class" else void.properties).get(iri, 0)
        pages = max(1, -(-usage // PAGE_SIZE))
        page = min(max(page, 1), pages)
        uses = self.instances(node, page) if kind == "class" else self.property_uses(node, page)
        return TermDoc(summary, types, definitions, notes, superterms, alignments, subterms, equivalents, domain,
                       rng, inverse, with_domain, with_range, constraints, usage, uses, page, pages)

    # -- uses -----------------------------------------------------------------------------------

    def instances(self, node, page: int):
        rows = self.store.query(
            f"SELECT ?s WHERE {{ ?s a <{node.value}> FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}")
        return [(self._entity_ref(row["s"]), None) for row in rows]

    def property_uses(self, node, page: int):
        rows = self.store.query(
            f"SELECT ?s ?o WHERE {{ ?s <{node.value}> ?o FILTER(isIRI(?s)) }} LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}")
        result = []
        for row in rows:
            obj = row["o"]
            result.append((self._entity_ref(row["s"]), self._entity_ref(obj) if isinstance(obj, ox.NamedNode) else obj.value))
        return result

    def _entity_ref(self, node) -> Ref:
        return Ref(node.value, self.labels.text(node), node.value.startswith(self.ns.base))

    # -- SHACL ----------------------------------------------------------------------------------

    def class_constraints(self, node) -> list[Constraint]:
        result = []
        for shape in self._subjects(SH + "targetClass", node, self.shapes):
            shape_name = self._shape_name(shape)
            own = self._constraint_items(shape)
            if own:
                result.append(Constraint(shape_name, "", own, self._text(shape, SH + "message"), self._severity(shape)))
            for prop in self._objects(shape, SH + "property", self.shapes):
                result.append(Constraint(self._shape_name(prop) or shape_name, self.path(self._first(prop, SH + "path")),
                                         self._constraint_items(prop), self._text(prop, SH + "message"),
                                         self._severity(prop)))
        return sorted(result, key=lambda c: (c.path, c.shape))

    def property_constraints(self, node) -> list[Constraint]:
        result = []
        for prop in self._subjects(SH + "path", node, self.shapes):
            owners = self._subjects(SH + "property", prop, self.shapes)
            targets = []
            for owner in owners:
                targets += [self.ref(t) for t in self._objects(owner, SH + "targetClass", self.shapes)]
                targets += [self.ref(t) for t in self._objects(prop, SH + "targetClass", self.shapes)]
            shape_name = self._shape_name(prop) or (self._shape_name(owners[0]) if owners else "")
            result.append(Constraint(shape_name, self.path(node), self._constraint_items(prop),
                                     self._text(prop, SH + "message"), self._severity(prop),
                                     sorted({t.iri: t for t in targets}.values(), key=lambda r: r.text.lower())))
        return sorted(result, key=lambda c: c.shape)

    def _first(self, node, predicate: str):
        values = self._objects(node, predicate, self.shapes)
        return values[0] if values else None

    def _text(self, node, predicate: str) -> str:
        values = [o for o in self._objects(node, predicate, self.shapes) if isinstance(o, ox.Literal)]
        chosen = pick_literal(values, self.lang)
        return chosen.value if chosen else ""

    def _severity(self, node) -> str:
        severity = self._first(node, SH + "severity")
        return severity.value.rsplit("#", 1)[-1] if severity is not None else "Violation"

    def _shape_name(self, node) -> str:
        name = self._text(node, SH + "name") or self._text(node, RDFS + "label")
        if name:
            return name
        return self.labels.curie(node.value) if isinstance(node, ox.NamedNode) else ""

    _CONSTRAINTS = ("minCount", "maxCount", "datatype", "class", "nodeKind", "hasValue", "in", "languageIn",
                    "uniqueLang", "pattern", "node", "minInclusive", "maxInclusive", "minLength", "maxLength",
                    "lessThan", "lessThanOrEquals", "equals", "disjoint", "qualifiedMinCount", "qualifiedMaxCount",
                    "qualifiedValueShape", "or", "and", "not", "xone", "sparql", "closed")

    def _constraint_items(self, shape) -> list[tuple[str, str]]:
        items = []
        for name in self._CONSTRAINTS:
            for value in self._objects(shape, SH + name, self.shapes):
                items.append((f"sh:{name}", self._shacl_value(value, name)))
        return items

    def _shacl_value(self, value, name: str) -> str:
        if isinstance(value, ox.Literal):
            return value.value
        if isinstance(value, ox.NamedNode):
            return self.labels.curie(value.value)
        items = self._list(value)
        if items is not None:
            return "(" + " ".join(self._shacl_value(i, name) for i in items) + ")"
        if name == "sparql":
            return self._text(value, SH + "message") or "SPARQL"
        parts = [f"{self.labels.curie(q.predicate.value)} {self._shacl_value(q.object, name)}"
                 for q in self.store.quads_for_pattern(value, None, None, self.shapes)]
        return "[ " + " ; ".join(sorted(parts)) + " ]"

    def _list(self, node):
        items = []
        seen = set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            first = self._objects(node, RDF + "first", self.shapes)
            rest = self._objects(node, RDF + "rest", self.shapes)
            if not first or not rest:
                return None
            items.append(first[0])
            node = rest[0]
        if isinstance(node, ox.NamedNode) and node.value == RDF + "nil":
            return items
        return None

    def path(self, node) -> str:
        if node is None:
            return ""
        if isinstance(node, ox.NamedNode):
            return self.labels.curie(node.value)
        items = self._list(node)
        if items is not None:
            return " / ".join(self.path(i) for i in items)
        for modifier, mark in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
            inner = self._objects(node, SH + modifier, self.shapes)
            if inner:
                return f"({self.path(inner[0])}){mark}"
        inverse = self._objects(node, SH + "inversePath", self.shapes)
        if inverse:
            return "^" + self.path(inverse[0])
        alternatives = self._objects(node, SH + "alternativePath", self.shapes)
        if alternatives:
            items = self._list(alternatives[0]) or []
            return "(" + " | ".join(self.path(i) for i in items) + ")"
        return str(node)

    def restriction(self, node) -> str:
        """An OWL restriction (or other anonymous class) in a readable form."""
        on = self._objects(node, OWL + "onProperty")
        if on:
            prop = self.labels.curie(on[0].value)
            for kind, word in (("hasValue", "="), ("someValuesFrom", "some"), ("allValuesFrom", "only")):
                values = self._objects(node, OWL + kind)
                if values:
                    value = values[0]
                    shown = self.labels.curie(value.value) if isinstance(value, ox.NamedNode) else value.value
                    return f"{prop} {word} {shown}"
        return str(node)
