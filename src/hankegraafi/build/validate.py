"""SHACL validation of the built graph, with each violation traced to a file and line.

Two validators give the same results: the shapes compiled into SPARQL queries that run inside the
store (`shacl_sparql`, fast enough for ten million triples), and pyshacl over an rdflib copy of the
data (the reference; slow and memory-hungry beyond a few hundred thousand triples). `validator` in
the configuration picks one: "auto" (the default) uses SPARQL unless the shapes use a feature the
compiler does not translate, then pyshacl; "sparql" and "pyshacl" force one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from ..config import Config
from ..namespaces import SH, Namespaces
from .shacl_sparql import Unsupported, compile_shapes, run_checks, store_subclasses
from .sources import _TOKEN, BuildError, InputFile, locate_many

# violations located in the input files (each costs a pass over the files; the rest say only the node)
MAX_LOCATED = 1000
# a comment at the end of a line (a '#' after white space, outside an IRI or a string, approximately)
_STATEMENT_END = re.compile(r"(^|\s)\.$")
_COMMENT = re.compile(r"\s#[^<>\"]*$|^\s*#.*$")

_SH = rdflib.Namespace(SH)


@dataclass(frozen=True)
class Violation:
    severity: str
    focus: str
    path: str
    message: str
    value: str
    shape: str
    location: str  # "file:line" of the focus node's first mention, or "" if not found

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}{self.severity}: <{self.focus}>{path}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: list[Violation]

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]


def _to_rdflib(store: ox.Store, graphs: list[ox.NamedNode] | None) -> rdflib.Graph:
    """The union of the given graphs (all when None) as one rdflib graph."""
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    if graphs is None:
        result = store.query(query, use_default_graph_as_union=True)
    else:
        result = store.query(query, default_graph=graphs)
    data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def validate_store(store: ox.Store, config: Config, files: list[InputFile],
                   progress=lambda _: None, validator: str | None = None) -> ValidationReport:
    """The SHACL report of the store's default graph, each result located in `files` where possible."""
    progress("validate: SHACL")
    report = _validate(store, config, files, progress, validator)
    progress(f"validate: done, {'conforms' if report.conforms else 'violations'}, {len(report.violations)} result(s)")
    return report


def _validate(store: ox.Store, config: Config, files: list[InputFile], progress, validator: str | None
              ) -> ValidationReport:
    ns = Namespaces(config.base_iri)
    shapes_graph = ox.NamedNode(ns.graph("shapes"))
    shapes = _to_rdflib(store, [shapes_graph])
    if len(shapes) == 0:
        return ValidationReport(True, [])
    validator = validator or getattr(config, "validator", "auto")
    checks = None
    if validator in ("auto", "sparql"):
        try:
            checks = compile_shapes(shapes, store_subclasses(store))
        except Unsupported as error:
            if validator == "sparql":
                raise BuildError(f"SHACL shapes cannot be validated with SPARQL: {error}") from None
            progress(f"validate: {error}; using pyshacl")
    elif validator != "pyshacl":
        raise BuildError(f"unknown validator {validator!r} (auto, sparql or pyshacl)")
    if checks is not None:
        progress(f"validate: {len(checks)} SHACL constraints as SPARQL queries in the store")
        violations = _validate_sparql(store, checks, progress)
    else:
        progress("validate: pyshacl")
        violations = _validate_pyshacl(store, shapes, shapes_graph)
    violations = _with_locations(list(dict.fromkeys(violations)), files, config)  # each violation once
    violations.sort(key=lambda v: (v.location, v.focus, v.path, v.message, v.value))
    return ValidationReport(not any(v.severity == "Violation" for v in violations), violations)


def _validate_sparql(store: ox.Store, checks, progress) -> list[Violation]:
    # the data graph is the merge (the default graph), shapes included: SHACL allows the shapes and
    # the data in one graph, and no shape targets a node of the shapes graph (they target hg: classes
    # and values of data properties), so the results are pyshacl's on the data graphs alone
    return [Violation(r.severity, r.focus, r.path, r.message, r.value, "" if r.shape.startswith("_:") else r.shape, "")
            for r in run_checks(store, checks, progress)]


def _validate_pyshacl(store: ox.Store, shapes: rdflib.Graph, shapes_graph: ox.NamedNode) -> list[Violation]:
    data_graphs = [g for g in store.named_graphs() if g != shapes_graph]
    data = _to_rdflib(store, data_graphs)
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return [_violation(results, r, shapes) for r in results.subjects(rdflib.RDF.type, _SH.ValidationResult)]


def _violation(results: rdflib.Graph, node, shapes: rdflib.Graph) -> Violation:
    def value(predicate) -> str:
        found = results.value(node, predicate)
        return "" if found is None else str(found)

    focus = value(_SH.focusNode)
    path = results.value(node, _SH.resultPath)
    shape = results.value(node, _SH.sourceShape)
    severity = value(_SH.resultSeverity).rsplit("#", 1)[-1]
    # pyshacl gives both the shape's own sh:message and a constraint's (a SPARQL constraint's or
    # validator's, with its variables filled in): keep the constraint's, as the SPARQL validator does
    messages = sorted(str(m) for m in results.objects(node, _SH.resultMessage))
    own = {str(m) for m in shapes.objects(shape, _SH.message)} if shape is not None else set()
    specific = [m for m in messages if m not in own]
    message = (specific or messages or [""])[0]
    return Violation(
        severity=severity,
        focus=focus,
        path="" if path is None or isinstance(path, rdflib.BNode) else str(path),
        message=message,
        value=value(_SH.value),
        shape=str(shape) if isinstance(shape, rdflib.URIRef) else "",
        location="",
    )


def _with_locations(violations: list[Violation], files: list[InputFile], config: Config) -> list[Violation]:
    """Each violation with a file and line (the first MAX_LOCATED): where the offending value is
    written for the focus node, or for a violation without a value (e.g. sh:maxCount) every line that
    states the property for it ("a.trig:218 (also b.trig:8)"), when that can be found (see
    `_locate_statements`); else the focus node's first mention."""
    if not violations:
        return violations
    focuses = list(dict.fromkeys(v.focus for v in violations))[:MAX_LOCATED]
    found = locate_many(focuses, files, config)
    precise = _locate_statements([v for v in violations if (v.value or v.path) and v.focus in found][:MAX_LOCATED],
                                 files, config)
    located = []
    for v in violations:
        lines = precise.get(_statement_key(v), [])
        where = lines[0] + (f" (also {', '.join(lines[1:])})" if len(lines) > 1 else "") if lines else ""
        located.append(Violation(v.severity, v.focus, v.path, v.message, v.value, v.shape,
                                 where or found.get(v.focus, "")))
    return located


def _forms(iri: str, config: Config, ns: Namespaces) -> set[str]:
    """How an IRI may be written in an input file: <absolute>, <relative to the base>, prefix:name."""
    forms = {f"<{iri}>"}
    if iri.startswith(config.base_iri):
        forms.add(f"<{iri[len(config.base_iri):]}>")
    for prefix, namespace in ns.prefixes().items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            forms.add(f"{prefix}:{iri[len(namespace):]}")
    return forms


def _statement_key(v: Violation) -> tuple[str, str, str]:
    return (v.focus, "value", v.value) if v.value else (v.focus, "path", v.path)


def _locate_statements(violations: list[Violation], files: list[InputFile],
                       config: Config) -> dict[tuple[str, str, str], list[str]]:
    """Where, in a statement whose subject is the focus node, a violation's value is written (an IRI
    in any of its forms, or a literal's lexical form in quotes: the first such line), or, for a
    violation without a value, its property (every such line, at most 5), so that a second,
    conflicting value added in another file is reported where it was added. A text scan of
    Turtle/TriG as written in this project (a subject starts its statement, which ends with " ." at
    the end of a line), not a parse: what is not found this way keeps the focus node's location."""
    if not violations:
        return {}
    ns = Namespaces(config.base_iri)
    wanted = {}
    for v in violations:
        key = _statement_key(v)
        if key[1] == "value":
            forms = _forms(v.value, config, ns) if "://" in v.value or v.value.startswith("urn:") else set()
            wanted[key] = (_forms(v.focus, config, ns), forms, f'"{v.value}"', 1)
        elif "://" in v.path:
            wanted[key] = (_forms(v.focus, config, ns), _forms(v.path, config, ns), None, 5)
    by_subject: dict[str, list[tuple[str, str, str]]] = {}
    for key, (focus_forms, _, _, _) in wanted.items():
        for form in focus_forms:
            by_subject.setdefault(form, []).append(key)
    found: dict[tuple[str, str, str], list[str]] = {}
    for file in files:
        if not file.mentions_any(by_subject):  # no statement about a focus node in it
            continue
        subject = None
        for number, line in enumerate(file.lines(), start=1):
            code = _COMMENT.sub("", line).rstrip()
            tokens = _TOKEN.findall(code)
            if subject is None and tokens:
                subject = tokens[0]
            present = set(tokens)
            for key in by_subject.get(subject, ()):
                _, forms, quoted, most = wanted[key]
                if len(found.get(key, ())) < most and (
                        (present & forms) or (quoted is not None and not forms and quoted in code)):
                    found.setdefault(key, []).append(f"{file.path}:{number}")
            if _STATEMENT_END.search(code) or code.endswith(("{", "}")):
                subject = None
    return found
