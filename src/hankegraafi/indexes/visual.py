"""The visualisations' data: SPARQL queries (shown to users as "the query") run once at build time.

Each view's data is the result of its queries, with labels in Finnish and English added and
periods completed as the listings do (a sub-project without dates takes its parent's, a role
without dates its project's). The queries are the ones the pages link to the SPARQL editor, so a
researcher can reproduce and change them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict

import pyoxigraph as ox

from ..namespaces import Namespaces
from ..services.catalogue import ExampleQuery
from .extract import GraphData

QUERIES: dict[str, str] = {
    "timeline": """\
# Projects and time-qualified roles with their stated periods and bounds
SELECT ?item ?type ?project ?parent ?agent ?role ?start ?end ?earliestStart ?latestStart ?earliestEnd ?latestEnd
WHERE {
  {
    ?item a hg:Project .
    OPTIONAL { ?item hg:subProjectOf ?parent }
    BIND(?item AS ?project) BIND("project" AS ?type)
  } UNION {
    ?item a hg:Engagement ; hg:inProject ?project ; hg:agent ?agent ; hg:role ?role .
    BIND("role" AS ?type)
  }
  OPTIONAL { ?item schema:startDate ?start }
  OPTIONAL { ?item schema:endDate ?end }
  OPTIONAL { ?item hg:earliestStart ?earliestStart }
  OPTIONAL { ?item hg:latestStart ?latestStart }
  OPTIONAL { ?item hg:earliestEnd ?earliestEnd }
  OPTIONAL { ?item hg:latestEnd ?latestEnd }
}
ORDER BY ?project ?type ?start ?item
""",
    "network": """\
# Organisations and the projects they take part in (with their role), and project hierarchy
SELECT DISTINCT ?source ?target ?relation WHERE {
  {
    ?engagement hg:agent ?source ; hg:inProject ?target ; hg:role ?relation .
    ?source a hg:Organisation .
  } UNION {
    ?source hg:subProjectOf ?target .
    BIND(hg:subProjectOf AS ?relation)
  }
}
ORDER BY ?target ?source ?relation
""",
    "network-pairs": """\
# Who works with whom: pairs of organisations engaged in the same project
SELECT DISTINCT ?organisation ?partner ?project WHERE {
  ?e1 hg:agent ?organisation ; hg:inProject ?project .
  ?e2 hg:agent ?partner ; hg:inProject ?project .
  ?organisation a hg:Organisation .
  ?partner a hg:Organisation .
  FILTER(STR(?organisation) < STR(?partner))
}
ORDER BY ?organisation ?partner ?project
""",
    "funding-schemes": """\
# Funding per scheme: the amounts of the fundings granted through a scheme or any part of it
SELECT ?scheme (SUM(?amount) AS ?total) (COUNT(DISTINCT ?funding) AS ?fundings) WHERE {
  ?funding a hg:Funding ; hg:fundingScheme ?direct ; schema:amount/schema:value ?amount .
  ?direct (hg:subSchemeOf|hg:fundedFrom)* ?scheme .
}
GROUP BY ?scheme
ORDER BY DESC(?total)
""",
    "funding-projects": """\
# Funding per project: each funding with its funder, amount and scheme
SELECT ?project ?funding ?funder ?amount ?scheme WHERE {
  ?funding a hg:Funding ; schema:fundedItem ?project ; schema:funder ?funder ;
           schema:amount/schema:value ?amount .
  OPTIONAL { ?funding hg:fundingScheme ?scheme }
}
ORDER BY DESC(?amount) ?project
""",
    "funding-budgets": """\
# Budgets per project as each source document states them
SELECT ?project ?budget ?type ?amount ?holder ?document WHERE {
  GRAPH ?graph { ?budget hg:budgetFor ?project ; hg:amountType ?type ; schema:amount ?money . }
  ?money schema:value ?amount .
  OPTIONAL { ?budget hg:budgetHolder ?holder }
  OPTIONAL { ?graph prov:wasDerivedFrom ?document }
}
ORDER BY ?project ?type ?document
""",
}

VIEWS = {"timeline": ("timeline",), "network": ("network", "network-pairs"),
         "funding": ("funding-schemes", "funding-projects", "funding-budgets")}


def query_text(name: str, ns: Namespaces) -> str:
    """The full query, with the prefixes it uses declared (for the SPARQL editor link)."""
    return ExampleQuery(name, QUERIES[name]).text(ns)


def run(store: ox.Store, name: str, ns: Namespaces) -> list[dict[str, str]]:
    return _rows(store.query(query_text(name, ns)))


def queries(ns: Namespaces) -> list[str]:
    """The queries `write` evaluates, in order (to evaluate them ahead)."""
    return [_evaluated(name, ns)[0] for names in VIEWS.values() for name in names]


# a query's final ORDER BY of plain variables (ascending)
_ORDER = re.compile(r"\n\s*ORDER BY((?:\s+\?\w+)+)\s*$")


def _evaluated(name: str, ns: Namespaces) -> tuple[str, list[str] | None]:
    """The query as the build evaluates it: without its final ORDER BY of plain variables, which cost
    Oxigraph more than the rest of these queries (sorting terms by their text); and the variables of
    that ORDER BY (None when the query keeps its own order)."""
    query = query_text(name, ns)
    order = _ORDER.search(query)
    if order is None:
        return query, None
    return query[:order.start()], [variable[1:] for variable in order.group(1).split()]


def _run(data: GraphData, name: str, ns: Namespaces) -> list[dict[str, str]]:
    """The query's rows, in its order: Python sorts the rows as the ORDER BY that `_evaluated` took
    out would: unbound first, then by value (IRIs and dates compare as text), ties by the whole row."""
    query, keys = _evaluated(name, ns)
    rows = _rows(data.solutions(query))
    if keys:
        rows.sort(key=lambda row: (tuple((k in row, row.get(k, "")) for k in keys), sorted(row.items())))
    return rows


def _rows(results: ox.QuerySolutions) -> list[dict[str, str]]:
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Labels:
    """Collects the labels (fi, en) of every IRI a dataset mentions."""

    def __init__(self, data: GraphData):
        self.data = data
        self.found: dict[str, dict[str, str]] = {}

    def __call__(self, *iris: str | None) -> None:
        for iri in iris:
            if iri and iri not in self.found:
                self.found[iri] = {"fi": self.data.label(iri, "fi"), "en": self.data.label(iri, "en")}


def timeline(data: GraphData, ns: Namespaces) -> dict:
    labels = Labels(data)
    items = []
    for row in _run(data, "timeline", ns):
        item = row["item"]
        start, end, approximate = data.period(item)
        stated = bool(row.get("start") or row.get("end") or row.get("earliestStart") or row.get("latestEnd"))
        labels(item if row["type"] == "project" else None, row.get("project"), row.get("agent"), row.get("role"))
        items.append({
            "item": item, "type": row["type"], "project": row.get("project"), "parent": row.get("parent"),
            "agent": row.get("agent"),
            "role": row.get("role"), "start": start, "end": end, "approximate": approximate,
            "inherited": bool((start or end) and not stated),
            **{k: row[k] for k in ("earliestStart", "latestStart", "earliestEnd", "latestEnd") if k in row},
        })
    return {"items": items, "labels": labels.found}


def network(data: GraphData, ns: Namespaces) -> dict:
    labels = Labels(data)
    links = []
    nodes: dict[str, str] = {}
    for row in _run(data, "network", ns):
        source, target, relation = row["source"], row["target"], row["relation"]
        labels(source, target, relation)
        nodes.setdefault(target, "project")
        nodes.setdefault(source, "project" if relation == ns.hg + "subProjectOf" else "organisation")
        links.append({"source": source, "target": target, "relation": relation})
    pairs = []
    for row in _run(data, "network-pairs", ns):
        labels(row["organisation"], row["partner"], row["project"])
        pairs.append({"organisation": row["organisation"], "partner": row["partner"], "project": row["project"]})
    degree: dict[str, int] = defaultdict(int)
    for link in links:
        degree[link["source"]] += 1
        degree[link["target"]] += 1
    return {"nodes": [{"id": iri, "type": kind, "degree": degree[iri]} for iri, kind in sorted(nodes.items())],
            "links": links, "pairs": pairs, "labels": labels.found}


def funding(data: GraphData, ns: Namespaces) -> dict:
    labels = Labels(data)
    schemes = []
    for row in _run(data, "funding-schemes", ns):
        labels(row["scheme"])
        schemes.append({"scheme": row["scheme"], "total": _number(row.get("total")),
                        "fundings": int(row.get("fundings", 0))})
    projects = []
    for row in _run(data, "funding-projects", ns):
        labels(row["project"], row["funder"], row.get("scheme"))
        projects.append({"project": row["project"], "funding": row["funding"], "funder": row["funder"],
                         "amount": _number(row["amount"]), "scheme": row.get("scheme")})
    budgets = []
    for row in _run(data, "funding-budgets", ns):
        labels(row["project"], row["type"], row.get("holder"), row.get("document"))
        budgets.append({"project": row["project"], "budget": row["budget"], "type": row["type"],
                        "amount": _number(row["amount"]), "holder": row.get("holder"),
                        "document": row.get("document")})
    return {"schemes": schemes, "projects": projects, "budgets": budgets, "labels": labels.found}


def write(conn: sqlite3.Connection, data: GraphData, ns: Namespaces) -> None:
    for name, build in (("timeline", timeline), ("network", network), ("funding", funding)):
        conn.execute("INSERT INTO dataset(name, json) VALUES (?, ?)",
                     (name, json.dumps(build(data, ns), ensure_ascii=False)))


def collaboration(dataset: dict) -> list[dict]:
    """Organisation pairs with the projects they share, most shared first."""
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pair in dataset["pairs"]:
        shared[(pair["organisation"], pair["partner"])].append(pair["project"])
    return [{"organisation": a, "partner": b, "projects": sorted(ps)}
            for (a, b), ps in sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))]

