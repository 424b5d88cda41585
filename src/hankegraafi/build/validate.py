"""SHACL validation of the built graph (pyshacl), with each violation traced to a file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from ..config import Config
from ..namespaces import SH, Namespaces
from .sources import InputFile, find_line

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


def validate_store(store: ox.Store, config: Config, files: list[InputFile]) -> ValidationReport:
    ns = Namespaces(config.base_iri)
    shapes_graph = ox.NamedNode(ns.graph("shapes"))
    data_graphs = [g for g in store.named_graphs() if g != shapes_graph]
    shapes = _to_rdflib(store, [shapes_graph])
    if len(shapes) == 0:
        return ValidationReport(True, [])
    data = _to_rdflib(store, data_graphs)
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    texts = {f.path: f.read_bytes().decode("utf-8", "replace") for f in files}
    violations = [_violation(results, r, texts, config) for r in results.subjects(rdflib.RDF.type, _SH.ValidationResult)]
    violations.sort(key=lambda v: (v.location, v.focus, v.path))
    return ValidationReport(bool(conforms) or not any(v.severity == "Violation" for v in violations), violations)


def _violation(results: rdflib.Graph, node, texts: dict[Path, str], config: Config) -> Violation:
    def value(predicate) -> str:
        found = results.value(node, predicate)
        return "" if found is None else str(found)

    focus = value(_SH.focusNode)
    path = results.value(node, _SH.resultPath)
    severity = value(_SH.resultSeverity).rsplit("#", 1)[-1]
    return Violation(
        severity=severity,
        focus=focus,
        path="" if path is None or isinstance(path, rdflib.BNode) else str(path),
        message=value(_SH.resultMessage),
        value=value(_SH.value),
        shape=value(_SH.sourceShape),
        location=_locate(focus, texts, config),
    )


def _locate(iri: str, texts: dict[Path, str], config: Config) -> str:
    for path, text in texts.items():
        line = find_line(text, iri, config)
        if line:
            return f"{path}:{line}"
    return ""
