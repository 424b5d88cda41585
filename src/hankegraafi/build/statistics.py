"""The dataset's statistics for VoID (classes, properties, subjects, entities, classes per graph).

They are aggregates over the whole graph (35 s at 100 000 projects), so the build computes them once
into release.json and the web only reads them (services/void.py)."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import Namespaces


def void_statistics(store: ox.Store, ns: Namespaces) -> dict:
    classes = {row["c"].value: int(row["n"].value) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")}
    properties = {row["p"].value: int(row["n"].value) for row in store.query(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
    graph_classes: dict[str, dict[str, int]] = {}
    for row in store.query(
            "SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?g ?c"):
        graph_classes.setdefault(row["g"].value, {})[row["c"].value] = int(row["n"].value)
    return {
        "classes": classes,
        "properties": properties,
        "distinct_subjects": _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "entities": _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
                                  f'FILTER(STRSTARTS(STR(?s), "{ns.base}id/")) }}'),
        "graph_classes": graph_classes,
    }


def _count(store: ox.Store, query: str) -> int:
    for row in store.query(query):
        return int(row["n"].value)
    return 0
