"""The release's statistics: triples per graph and entities per class (shown by `hankegraafi build`
and the release page), and those for VoID (classes, properties, subjects, entities, classes per graph).

They are aggregates over the whole graph (35 s at 100 000 projects), so the build computes them once
into release.json and the web only reads them (services/void.py)."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import Namespaces
from .merge import default_graph_size


def describe(store: ox.Store, ns: Namespaces) -> dict:
    """The release's statistics, by the names of their Release fields."""
    statistics = void_statistics(store, ns)
    return {"default_graph_triples": default_graph_size(store), "triples_per_graph": triples_per_graph(store),
            "statistics": statistics, "entities_per_class": entities_per_class(statistics, ns)}


def triples_per_graph(store: ox.Store) -> dict[str, int]:
    return {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")}


def entities_per_class(void: dict, ns: Namespaces) -> dict[str, int]:
    """The hg: classes of `void_statistics` with their instances, most first."""
    return dict(sorted(((c, n) for c, n in void["classes"].items() if c.startswith(ns.hg)),
                       key=lambda item: (-item[1], item[0])))


def void_statistics(store: ox.Store, ns: Namespaces) -> dict:
    classes = {row["c"].value: int(row["n"].value) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")}
    properties = {row["p"].value: int(row["n"].value) for row in store.query(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
    subjects, entities = _subjects(store, ns)
    graph_classes: dict[str, dict[str, int]] = {}
    for row in store.query(
            "SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?g ?c"):
        graph_classes.setdefault(row["g"].value, {})[row["c"].value] = int(row["n"].value)
    return {
        "classes": classes,
        "properties": properties,
        "distinct_subjects": subjects,
        "entities": entities,
        "graph_classes": graph_classes,
    }


def _subjects(store: ox.Store, ns: Namespaces) -> tuple[int, int]:
    """(distinct subjects, those that are entities: IRIs under the base's id/). Counted in the TSV of
    the distinct subjects: three times faster than filtering each triple's subject in the query."""
    solutions = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.TSV)
    return solutions.count(b"\n") - 1, solutions.count(f"\n<{ns.base}id/".encode())
