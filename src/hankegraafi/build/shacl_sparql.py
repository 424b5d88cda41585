"""SHACL validation inside the store: the shapes graph compiled into SPARQL queries.

pyshacl copies the data into an rdflib graph and walks it in Python, which at ten million triples
takes hours and tens of gigabytes. Here every constraint of every shape becomes one SELECT query
that returns the violating focus nodes (and values) for *all* focus nodes at once, and Oxigraph
runs it over the store's default graph, which the build makes the merge of all graphs. The results
are the same as pyshacl's (focus node, path, value, severity, message, source shape), which tests
check on the curated data and on deliberately broken data; a shapes graph that uses a SHACL feature
this compiler does not know raises `Unsupported`, and the caller then falls back to pyshacl, so
validation is never skipped.

Supported: targets (targetClass with subclasses, targetNode, targetSubjectsOf, targetObjectsOf,
implicit class targets); property paths (predicate, inverse, sequence, alternative, zero-or-more,
one-or-more, zero-or-one); sh:minCount, sh:maxCount, sh:datatype (with well-formedness of the
XSD types Oxigraph can cast), sh:class, sh:nodeKind, sh:languageIn, sh:uniqueLang, sh:equals,
sh:disjoint, sh:lessThan, sh:lessThanOrEquals, sh:minInclusive, sh:maxInclusive, sh:minExclusive,
sh:maxExclusive, sh:minLength, sh:maxLength, sh:in, sh:hasValue, sh:pattern (with sh:flags),
sh:or, sh:and, sh:not, sh:xone, sh:node, sh:qualifiedValueShape with sh:qualifiedMinCount /
sh:qualifiedMaxCount; SPARQL-based constraints (sh:sparql with sh:select) and SPARQL-based
constraint components with SELECT validators; sh:severity, sh:message (with {?var} and {$param}
substitution), sh:deactivated. Not supported (Unsupported): sh:closed, SHACL-AF targets and rules,
ASK validators, sh:prefixes, $shapesGraph/$currentShape, counts other than 0 or 1 inside
sh:or/sh:and/sh:not.

Where pyshacl and Oxigraph disagree underneath, results can differ: literal well-formedness is
checked by Oxigraph's casts (for the types in CASTABLE) where pyshacl uses rdflib's parsers, regular
expressions are Rust's rather than Python's, and the store normalises some literals on load
(derived integer types become xsd:integer) - pyshacl sees the same normalised data, since it reads
it back from the store. The data graph is the merge, shapes graph included (SHACL allows one graph
for both; the project's shapes never target a node of the shapes graph), where pyshacl gets the data
graphs alone.

For speed on Oxigraph: class tests use the explicit list of subclasses (`store_subclasses`) and
`MINUS` (a hash anti-join, several times faster than `FILTER NOT EXISTS` per row), the value tests
of one property shape share one query, and queries run in two threads.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# datatypes whose well-formedness Oxigraph can check with a cast to the same type
CASTABLE = {f"{XSD}{t}" for t in ("boolean", "decimal", "integer", "double", "float", "date", "dateTime", "time",
                                   "duration", "dayTimeDuration", "yearMonthDuration")}

# parameters of the core constraint components that compile_shape handles itself
CORE_PARAMETERS = {SH[p] for p in (
    "minCount", "maxCount", "datatype", "class", "nodeKind", "languageIn", "uniqueLang", "equals", "disjoint",
    "lessThan", "lessThanOrEquals", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength",
    "maxLength", "in", "hasValue", "pattern", "flags", "or", "and", "not", "xone", "node", "qualifiedValueShape",
    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "sparql", "property")}
# properties of a shape that are not constraints
NON_CONSTRAINTS = {SH[p] for p in (
    "path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "severity", "message",
    "name", "description", "order", "group", "defaultValue", "deactivated")} | {rdflib.RDF.type, rdflib.RDFS.label,
                                                                                 rdflib.RDFS.comment}
UNSUPPORTED = {SH[p] for p in ("closed", "ignoredProperties", "target", "rule", "shapesGraph")}


class Unsupported(Exception):
    """The shapes use a SHACL feature that the SPARQL compiler does not translate."""


@dataclass
class Check:
    """One constraint as one query: each solution is a validation result."""

    query: str
    component: str
    shape: str               # IRI of the source shape, or "_:" + blank node label
    severity: str            # Violation, Warning or Info
    path: str                # IRI of a predicate path, or "" (complex paths and node shapes)
    message: str             # template: {?var} and {$param} substituted from the solution
    has_value: bool          # solutions bind ?value
    params: dict[str, str] = field(default_factory=dict)
    # several value tests of one property shape in one query: (variable, component) pairs, a result
    # for each variable that is true in a solution
    flags: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    severity: str
    focus: str
    path: str
    value: str
    message: str
    shape: str
    component: str


def term(node) -> str:
    """An rdflib term in SPARQL syntax."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} where a constant is needed")


def string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


class Compiler:
    def __init__(self, shapes: rdflib.Graph, subclasses: Callable[[str], list[str]] | None = None):
        self.g = shapes
        self.fresh = 0
        self.checks: list[Check] = []
        # the classes C' with C' rdfs:subClassOf* C in the data graph: with them a class test is a few
        # index lookups instead of a property path per node
        self._subclasses = subclasses
        self._subclass_cache: dict[str, list[str]] = {}

    def classes(self, cls) -> str | None:
        """`VALUES` of C and its subclasses, or None when they are not known (then a path is used)."""
        if self._subclasses is None or not isinstance(cls, rdflib.URIRef):
            return None
        if str(cls) not in self._subclass_cache:
            self._subclass_cache[str(cls)] = sorted(set(self._subclasses(str(cls))) | {str(cls)})
        return " ".join(f"<{c}>" for c in self._subclass_cache[str(cls)])

    # ---------------------------------------------------------------- helpers
    def var(self, stem: str = "v") -> str:
        self.fresh += 1
        return f"?_{stem}{self.fresh}"

    def objects(self, node, predicate) -> list:
        return sorted(self.g.objects(node, predicate), key=str)

    def one(self, node, predicate):
        values = self.objects(node, predicate)
        if len(values) > 1:
            raise Unsupported(f"{node} has several {predicate}")
        return values[0] if values else None

    def items(self, node) -> list:
        return list(Collection(self.g, node))

    def shape_id(self, node) -> str:
        return str(node) if isinstance(node, rdflib.URIRef) else f"_:{node}"

    def path(self, node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        if (node, rdflib.RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        for predicate, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                                    (SH.zeroOrOnePath, "{}?")):
            inner = self.g.value(node, predicate)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternatives)) + ")"
        raise Unsupported(f"path {node}")

    def severity(self, shape) -> str:
        value = self.g.value(shape, SH.severity)
        return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"

    def message(self, shape) -> str:
        values = self.objects(shape, SH.message)
        return str(values[0]) if values else ""

    # ---------------------------------------------------------------- targets
    def targets(self, shape) -> str | None:
        """A group pattern binding ?this to every focus node of `shape` (None: no targets)."""
        patterns = []
        classes = self.objects(shape, SH.targetClass)
        if (shape, rdflib.RDF.type, rdflib.RDFS.Class) in self.g or (shape, rdflib.RDF.type, rdflib.OWL.Class) in self.g:
            classes.append(shape)
        for cls in classes:
            c = self.var("c")
            values = self.classes(cls)
            if values is not None:
                patterns.append(f"{{ VALUES {c} {{ {values} }} ?this {RDF_TYPE} {c} }}")
            else:
                patterns.append(f"{{ {c} {SUBCLASS}* {term(cls)} . ?this {RDF_TYPE} {c} }}")
        for node in self.objects(shape, SH.targetNode):
            patterns.append(f"{{ BIND({term(node)} AS ?this) }}")
        for predicate in self.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"{{ ?this {term(predicate)} [] }}")
        for predicate in self.objects(shape, SH.targetObjectsOf):
            patterns.append(f"{{ [] {term(predicate)} ?this }}")
        if not patterns:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(patterns) + " } }"

    # ---------------------------------------------------------------- conditions on one node (for or/and/not/node/qualified)
    def conforms(self, shape, node: str, depth: int = 0) -> str:
        """A SPARQL expression that is true when `node` (a variable or constant) conforms to `shape`."""
        if depth > 8:
            raise Unsupported("shapes nested too deeply (recursive?)")
        if self.g.value(shape, SH.deactivated) == rdflib.Literal(True):
            return "true"
        parts = []
        path = self.g.value(shape, SH.path)
        if path is not None:
            return self.property_condition(shape, node, self.path(path), depth)
        for predicate, obj in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if predicate in NON_CONSTRAINTS or predicate in (SH.flags,):
                continue
            if predicate == SH.property:
                parts.append(self.property_condition(obj, node, self.path(self.g.value(obj, SH.path)), depth + 1))
            else:
                parts.append(self.value_condition(shape, predicate, obj, node, depth))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def value_condition(self, shape, predicate, obj, v: str, depth: int) -> str:
        """Expression: the single value `v` satisfies the value-type constraint (predicate, obj) of `shape`."""
        if predicate == SH.datatype:
            return self.datatype_ok(v, str(obj))
        if predicate == SH["class"]:
            values = self.classes(obj)
            if values is not None:
                c = self.var("c")
                return f"EXISTS {{ VALUES {c} {{ {values} }} {v} {RDF_TYPE} {c} }}"
            return f"EXISTS {{ {v} {RDF_TYPE}/{SUBCLASS}* {term(obj)} }}"
        if predicate == SH.nodeKind:
            return self.node_kind_ok(v, obj)
        if predicate == SH.languageIn:
            tags = [str(t) for t in self.items(obj)]
            return "COALESCE(" + (" || ".join(f"langMatches(lang({v}), {string(t)})" for t in tags) or "false") + ", false)"
        if predicate in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            op = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[predicate]
            return f"COALESCE({v} {op} {term(obj)}, false)"
        if predicate in (SH.minLength, SH.maxLength):
            op = ">=" if predicate == SH.minLength else "<="
            return f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) {op} {int(obj)}, false)"
        if predicate == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            args = f", {string(str(flags))}" if flags is not None else ""
            return f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {string(str(obj))}{args}), false)"
        if predicate == SH["in"]:
            return "(" + (" || ".join(f"sameTerm({v}, {term(x)})" for x in self.items(obj)) or "false") + ")"
        if predicate == SH.hasValue:
            return f"sameTerm({v}, {term(obj)})"
        if predicate == SH["or"]:
            return "(" + " || ".join(self.conforms(s, v, depth + 1) for s in self.items(obj)) + ")"
        if predicate == SH["and"]:
            return "(" + " && ".join(self.conforms(s, v, depth + 1) for s in self.items(obj)) + ")"
        if predicate == SH["not"]:
            return f"!{self.conforms(obj, v, depth + 1)}"
        if predicate == SH.xone:
            members = [f"IF({self.conforms(s, v, depth + 1)}, 1, 0)" for s in self.items(obj)]
            return "((" + " + ".join(members) + ") = 1)"
        if predicate == SH.node:
            return self.conforms(obj, v, depth + 1)
        raise Unsupported(f"{predicate} inside sh:or/sh:and/sh:not/sh:node/qualified shapes")

    def property_condition(self, shape, node: str, path: str, depth: int) -> str:
        """Expression: `node` satisfies every constraint of the property shape `shape`."""
        parts = []
        for predicate, obj in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if predicate in NON_CONSTRAINTS or predicate in (SH.flags,):
                continue
            if predicate == SH.minCount:
                n = int(obj)
                if n == 0:
                    continue
                if n != 1:
                    raise Unsupported("sh:minCount other than 0 or 1 inside sh:or/sh:and/sh:not")
                parts.append(f"EXISTS {{ {node} {path} [] }}")
            elif predicate == SH.maxCount:
                if int(obj) != 0:
                    raise Unsupported("sh:maxCount other than 0 inside sh:or/sh:and/sh:not")
                parts.append(f"NOT EXISTS {{ {node} {path} [] }}")
            elif predicate == SH.hasValue:
                parts.append(f"EXISTS {{ {node} {path} {term(obj)} }}")
            elif predicate in (SH.datatype, SH["class"], SH.nodeKind, SH.languageIn, SH.minInclusive, SH.maxInclusive,
                               SH.minExclusive, SH.maxExclusive, SH.minLength, SH.maxLength, SH.pattern, SH["in"],
                               SH["or"], SH["and"], SH["not"], SH.xone, SH.node):
                v = self.var()
                parts.append(f"NOT EXISTS {{ {node} {path} {v} FILTER(!{self.value_condition(shape, predicate, obj, v, depth)}) }}")
            else:
                raise Unsupported(f"{predicate} in a property shape inside sh:or/sh:and/sh:not")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def datatype_ok(self, v: str, datatype: str) -> str:
        if datatype == RDF_LANGSTRING:
            return f"COALESCE(isLiteral({v}) && lang({v}) != \"\", false)"
        check = f"isLiteral({v}) && datatype({v}) = <{datatype}>"
        if datatype in CASTABLE:
            check += f" && sameTerm(<{datatype}>({v}), {v})"
        return f"COALESCE({check}, false)"

    def node_kind_ok(self, v: str, kind) -> str:
        local = str(kind).rsplit("#", 1)[-1]
        tests = {"IRI": f"isIRI({v})", "Literal": f"isLiteral({v})", "BlankNode": f"isBlank({v})",
                 "BlankNodeOrIRI": f"(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": f"(isBlank({v}) || isLiteral({v}))",
                 "IRIOrLiteral": f"(isIRI({v}) || isLiteral({v}))"}
        if local not in tests:
            raise Unsupported(f"sh:nodeKind {kind}")
        return tests[local]

    # ---------------------------------------------------------------- checks
    def add(self, query: str, component: str, shape, message: str, path: str, has_value: bool,
            severity_shape=None, params: dict | None = None) -> None:
        self.checks.append(Check(query, component, self.shape_id(shape), self.severity(severity_shape or shape), path,
                                 message, has_value, params or {}))

    def compile_node_shape(self, shape, focus: str) -> None:
        """The checks of one shape on the focus nodes that `focus` (a group pattern binding ?this) yields."""
        if self.g.value(shape, SH.deactivated) == rdflib.Literal(True):
            return
        for predicate in set(self.g.predicates(shape)) & UNSUPPORTED:
            raise Unsupported(f"{predicate} on {shape}")
        path_node = self.g.value(shape, SH.path)
        if path_node is not None:
            self.compile_property_shape(shape, focus, path_node)
            return
        message = self.message(shape)
        for predicate, obj in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if predicate in NON_CONSTRAINTS or predicate == SH.flags:
                continue
            if predicate == SH.property:
                self.compile_node_shape(obj, focus)
            elif predicate == SH.sparql:
                self.compile_sparql_constraint(shape, obj, focus, None)
            elif predicate in CORE_PARAMETERS:
                if predicate in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, SH.qualifiedMinCount,
                                 SH.qualifiedMaxCount, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                    raise Unsupported(f"{predicate} on a node shape")
                condition = self.value_condition(shape, predicate, obj, "?this", 0)
                self.add(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} BIND(?this AS ?value) FILTER(!{condition}) }}",
                         self.component(predicate), shape, message, "", True)
        self.compile_custom_components(shape, focus, None)

    def compile_property_shape(self, shape, focus: str, path_node) -> None:
        path = self.path(path_node)
        path_iri = str(path_node) if isinstance(path_node, rdflib.URIRef) else ""
        message = self.message(shape)
        values = f"{focus} ?this {path} ?value ."

        tests: list[tuple[str, str]] = []  # (component, condition) of the value tests, run as one query

        def per_value(predicate, obj):
            values_of_class = self.classes(obj) if predicate == SH["class"] else None
            if values_of_class is not None:
                c = self.var("c")
                self.add(f"SELECT DISTINCT ?this ?value WHERE {{ {{ {values} }} MINUS {{ VALUES {c} {{ {values_of_class} }} "
                         f"?value {RDF_TYPE} {c} }} }}", self.component(predicate), shape, message, path_iri, True)
                return
            tests.append((self.component(predicate), self.value_condition(shape, predicate, obj, "?value", 0)))

        for predicate, obj in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if predicate in NON_CONSTRAINTS or predicate in (SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                                                             SH.qualifiedValueShapesDisjoint):
                continue
            if predicate == SH.minCount:
                n = int(obj)
                if n == 1:
                    query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {self.var()} }} }}"
                elif n > 1:
                    query = (f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {focus} "
                             f"OPTIONAL {{ ?this {path} ?value }} }} GROUP BY ?this }} FILTER(?count < {n}) }}")
                else:
                    continue
                self.add(query, "MinCountConstraintComponent", shape, message, path_iri, False)
            elif predicate == SH.maxCount:
                n = int(obj)
                query = (f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {values} }} "
                         f"GROUP BY ?this }} FILTER(?count > {n}) }}")
                self.add(query, "MaxCountConstraintComponent", shape, message, path_iri, False)
            elif predicate == SH.uniqueLang:
                if obj != rdflib.Literal(True):
                    continue
                query = (f"SELECT DISTINCT ?this ?lang WHERE {{ {focus} ?this {path} ?value, ?other . "
                         f"FILTER(isLiteral(?value) && lang(?value) != \"\" && !sameTerm(?value, ?other) "
                         f"&& LCASE(lang(?value)) = LCASE(lang(?other))) BIND(LCASE(lang(?value)) AS ?lang) }}")
                self.add(query, "UniqueLangConstraintComponent", shape, message, path_iri, False)
            elif predicate in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                other = term(obj)
                if predicate == SH.equals:
                    query = (f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {{ ?this {path} ?value FILTER NOT EXISTS "
                             f"{{ ?this {other} ?value }} }} UNION {{ ?this {other} ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }} }}")
                elif predicate == SH.disjoint:
                    query = f"SELECT DISTINCT ?this ?value WHERE {{ {values} ?this {other} ?value }}"
                else:
                    op = "<" if predicate == SH.lessThan else "<="
                    # one result per pair of values, as pyshacl and the SHACL specification report them
                    query = (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {values} ?this {other} ?other "
                             f"FILTER(!COALESCE(?value {op} ?other, false)) }}")
                self.add(query, self.component(predicate), shape, message, path_iri, True)
            elif predicate == SH.qualifiedValueShape:
                self.compile_qualified(shape, obj, focus, path, path_iri, message)
            elif predicate == SH.hasValue:
                query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {term(obj)} }} }}"
                self.add(query, "HasValueConstraintComponent", shape, message, path_iri, False)
            elif predicate == SH.property:
                raise Unsupported("sh:property on a property shape")
            elif predicate == SH.sparql:
                self.compile_sparql_constraint(shape, obj, focus, path)
            elif predicate in CORE_PARAMETERS:
                per_value(predicate, obj)
        if len(tests) == 1:
            component, condition = tests[0]
            self.add(f"SELECT DISTINCT ?this ?value WHERE {{ {values} FILTER(!{condition}) }}",
                     component, shape, message, path_iri, True)
        elif tests:
            flags = [(f"_fail{i}", component) for i, (component, _) in enumerate(tests)]
            binds = " ".join(f"BIND(!{condition} AS ?{flag})" for (flag, _), (_, condition) in zip(flags, tests))
            projection = " ".join(f"?{flag}" for flag, _ in flags)
            self.add(f"SELECT DISTINCT ?this ?value {projection} WHERE {{ {values} {binds} "
                     f"FILTER({' || '.join(f'?{flag}' for flag, _ in flags)}) }}", "", shape, message, path_iri, True)
            self.checks[-1].flags = flags
        self.compile_custom_components(shape, focus, path, path_iri)

    def compile_qualified(self, shape, qualified, focus, path, path_iri, message) -> None:
        if self.g.value(shape, SH.qualifiedValueShapesDisjoint) == rdflib.Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        condition = self.conforms(qualified, "?value")
        low = self.g.value(shape, SH.qualifiedMinCount)
        high = self.g.value(shape, SH.qualifiedMaxCount)
        if low is not None and int(low) > 0:
            n = int(low)
            if n == 1:
                query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} ?value FILTER({condition}) }} }}"
            else:
                query = (f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {focus} "
                         f"OPTIONAL {{ ?this {path} ?value FILTER({condition}) }} }} GROUP BY ?this }} FILTER(?count < {n}) }}")
            self.add(query, "QualifiedMinCountConstraintComponent", shape, message, path_iri, False)
        if high is not None:
            query = (f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {focus} "
                     f"?this {path} ?value FILTER({condition}) }} GROUP BY ?this }} FILTER(?count > {int(high)}) }}")
            self.add(query, "QualifiedMaxCountConstraintComponent", shape, message, path_iri, False)

    @staticmethod
    def component(predicate) -> str:
        local = str(predicate).rsplit("#", 1)[-1]
        return local[0].upper() + local[1:] + "ConstraintComponent"

    # ---------------------------------------------------------------- SPARQL-based constraints and components
    def prebind(self, select: str, path: str | None, params: dict[str, str]) -> tuple[str, list[str]]:
        """The validator's SELECT with $this as ?this, $PATH and parameters substituted; and its projection."""
        if "$shapesGraph" in select or "$currentShape" in select or "?shapesGraph" in select or "?currentShape" in select:
            raise Unsupported("$shapesGraph / $currentShape in a SPARQL constraint")
        if re.search(r"\b(PREFIX|BASE)\b", select, re.IGNORECASE):
            raise Unsupported("PREFIX declarations inside sh:select (use sh:prefixes)")
        text = select
        if "$PATH" in text:
            if path is None:
                raise Unsupported("$PATH in a node shape's SPARQL constraint")
            text = text.replace("$PATH", path)
        for name, value in sorted(params.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(r"[$?]" + re.escape(name) + r"\b", value.replace("\\", "\\\\"), text)
        text = re.sub(r"\$this\b", "?this", text)
        head = re.match(r"\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?(.*?)\s*WHERE", text, re.IGNORECASE | re.DOTALL)
        if not head or "*" in head.group(2) or "(" in head.group(2):
            raise Unsupported("sh:select must project plain variables")
        variables = re.findall(r"[?$](\w+)", head.group(2))
        if "this" not in variables:
            raise Unsupported("sh:select does not project $this")
        return text, variables

    def compile_sparql_constraint(self, shape, constraint, focus: str, path: str | None) -> None:
        if self.g.value(constraint, SH.deactivated) == rdflib.Literal(True):
            return
        if self.objects(constraint, SH.prefixes):
            raise Unsupported("sh:prefixes")
        select = self.g.value(constraint, SH.select)
        if select is None:
            raise Unsupported("SPARQL constraint without sh:select")
        text, variables = self.prebind(str(select), path, {})
        projection = " ".join(f"?{v}" for v in variables)
        message = self.message(constraint) or self.message(shape)
        query = f"SELECT DISTINCT {projection} WHERE {{ {focus} {{ {text} }} }}"
        self.add(query, "SPARQLConstraintComponent", shape, message, "", "value" in variables)

    def compile_custom_components(self, shape, focus: str, path: str | None, path_iri: str = "") -> None:
        predicates = set(self.g.predicates(shape)) - NON_CONSTRAINTS - CORE_PARAMETERS - {SH.flags}
        if not predicates:
            return
        handled = set()
        for component in sorted(self.g.subjects(rdflib.RDF.type, SH.ConstraintComponent), key=str):
            parameters = self.objects(component, SH.parameter)
            names = {}
            for parameter in parameters:
                p = self.g.value(parameter, SH.path)
                optional = self.g.value(parameter, SH.optional) == rdflib.Literal(True)
                values = self.objects(shape, p)
                if not values:
                    if optional:
                        continue
                    names = None
                    break
                if len(values) > 1:
                    raise Unsupported(f"several values of the parameter {p} on {shape}")
                names[str(p)] = values[0]
            if not names:
                continue
            if path is not None:
                validator = self.g.value(component, SH.propertyValidator) or self.g.value(component, SH.validator)
            else:
                validator = self.g.value(component, SH.nodeValidator) or self.g.value(component, SH.validator)
            if validator is None or self.g.value(validator, SH.select) is None:
                raise Unsupported(f"{component}: only SELECT validators are translated")
            params = {}
            for p, value in names.items():
                local = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                params[local] = term(value)
            select = str(self.g.value(validator, SH.select))
            text, variables = self.prebind(select, path, params)
            projection = " ".join(f"?{v}" for v in variables)
            message = self.message(validator) or self.message(component) or self.message(shape)
            self.add(f"SELECT DISTINCT {projection} WHERE {{ {focus} {{ {text} }} }}", str(component), shape, message,
                     path_iri, "value" in variables, params={k: str(v) for k, v in names.items()})
            handled.update(rdflib.URIRef(p) for p in names)
        leftover = predicates - handled - {rdflib.OWL.sameAs}
        unknown = [p for p in leftover if str(p).startswith(str(SH))]
        if unknown:
            raise Unsupported(f"{unknown[0]} on {shape}")

    # ---------------------------------------------------------------- the whole shapes graph
    def compile(self) -> list[Check]:
        shapes = set()
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            shapes.update(self.g.subjects(predicate, None))
        for shape in self.g.subjects(rdflib.RDF.type, SH.NodeShape):
            if (shape, rdflib.RDF.type, rdflib.RDFS.Class) in self.g:
                shapes.add(shape)
        for shape in sorted(shapes, key=str):
            if self.g.value(shape, SH.target) is not None:
                raise Unsupported("sh:target (SHACL-AF custom targets)")
            focus = self.targets(shape)
            if focus is not None:
                self.compile_node_shape(shape, focus)
        return self.checks


def compile_shapes(shapes: rdflib.Graph, subclasses: Callable[[str], list[str]] | None = None) -> list[Check]:
    """Every constraint of the shapes graph as a query; raises Unsupported for what it cannot translate.

    `subclasses(C)` gives every class C' with C' rdfs:subClassOf* C in the data graph (see
    `store_subclasses`); without it class tests use the property path rdf:type/rdfs:subClassOf*."""
    return Compiler(shapes, subclasses).compile()


def store_subclasses(store: ox.Store, **query_options) -> Callable[[str], list[str]]:
    """`subclasses` for compile_shapes, answered by the store (its default graph unless `query_options`
    say otherwise)."""

    def subclasses(cls: str) -> list[str]:
        query = f"SELECT DISTINCT ?c WHERE {{ ?c {SUBCLASS}* <{cls}> }}"
        return [row["c"].value for row in store.query(query, **query_options) if isinstance(row["c"], ox.NamedNode)]
    return subclasses


def _format(template: str, row: dict[str, str], params: dict[str, str]) -> str:
    def substitute(match):
        name = match.group(2)
        if match.group(1) == "$" and name in params:
            return params[name]
        return row.get(name, match.group(0))
    return re.sub(r"\{([?$])(\w+)\}", substitute, template)


def run_checks(store: ox.Store, checks: list[Check], progress: Callable[[str], None] = lambda _: None,
               workers: int = 2, **query_options) -> Iterator[Result]:
    """Run every check on the store (its default graph unless `query_options` say otherwise); yield each result.

    Queries run in `workers` threads (Oxigraph evaluates them without holding the GIL)."""
    def run(check: Check) -> list[dict[str, str]]:
        solutions = store.query(check.query, **query_options)
        names = [v.value for v in solutions.variables]
        return [{n: solution[n].value for n in names if solution[n] is not None} for solution in solutions]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for index, (check, rows) in enumerate(zip(checks, pool.map(run, checks)), start=1):
            if index % 50 == 0:
                progress(f"validate: {index} of {len(checks)} constraint queries")
            params = {k.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: v for k, v in check.params.items()}
            for row in rows:
                focus = row.get("this", "")
                value = row.get("value", "") if check.has_value else ""
                path = check.path or (row.get("path", "") if "path" in row else "")
                message = _format(check.message, row, dict(params, this=focus))
                components = [c for flag, c in check.flags if row.get(flag) == "true"] if check.flags else [check.component]
                for component in components:
                    yield Result(check.severity, focus, path, value, message, check.shape, component)
