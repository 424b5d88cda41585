"""Real SPARQL clients against a real server: SPARQLWrapper in every return format, rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

LABELS = """SELECT ?project ?label WHERE {
  ?project a hg:Project ; skos:prefLabel ?label . FILTER(LANG(?label) = "fi")
} ORDER BY ?project"""


def prologue(ns) -> str:
    return ns.sparql_prologue()


@pytest.fixture(scope="module")
def expected(select):
    return select(LABELS)


@pytest.fixture(scope="module")
def expected_triples(select):
    rows = select("SELECT ?p ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l }")
    return {(r["p"], r["l"]) for r in rows}


CONSTRUCT = "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a hg:Project ; skos:prefLabel ?l }"


def wrapper(server, query, fmt, method="GET"):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(server, ns, expected, method):
    result = wrapper(server, prologue(ns) + LABELS, JSON, method).query().convert()
    rows = [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]
    assert rows == expected


def test_sparqlwrapper_xml(server, ns, expected):
    document = wrapper(server, prologue(ns) + LABELS, XML).query().convert()   # a minidom Document
    values = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert values == [row["label"] for row in expected]


def test_sparqlwrapper_csv_and_tsv(server, ns, expected):
    text = wrapper(server, prologue(ns) + LABELS, CSV).query().convert().decode()
    assert [r["label"] for r in csv.DictReader(io.StringIO(text))] == [row["label"] for row in expected]
    tsv = wrapper(server, prologue(ns) + LABELS, TSV).query().convert().decode()
    lines = tsv.splitlines()
    assert lines[0] == "?project\t?label" and len(lines) == len(expected) + 1
    assert lines[1].startswith(f"<{expected[0]['project']}>")


def test_sparqlwrapper_ask(server, ns):
    assert wrapper(server, prologue(ns) + "ASK { ?p a hg:Project }", JSON).query().convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_graph_formats(server, ns, expected_triples, fmt):
    result = wrapper(server, prologue(ns) + CONSTRUCT, fmt).query().convert()
    if isinstance(result, bytes):
        graph = rdflib.Graph().parse(data=result.decode(), format="turtle" if fmt in (TURTLE, N3) else "json-ld")
    elif isinstance(result, (dict, list)):
        graph = rdflib.Graph().parse(data=json.dumps(result), format="json-ld")
    else:
        graph = result
    assert {(str(s), str(o)) for s, _, o in graph} == expected_triples


def test_sparqlwrapper_ntriples(server, ns, expected_triples):
    # SPARQLWrapper has no N-Triples constant: plain content negotiation with our own Accept
    client = wrapper(server, prologue(ns) + CONSTRUCT, TURTLE)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query()
    assert response.response.headers["Content-Type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=response.response.read().decode(), format="nt")
    assert {(str(s), str(o)) for s, _, o in graph} == expected_triples


def test_sparqlwrapper_reports_a_bad_query(server):
    with pytest.raises(QueryBadFormed) as error:
        wrapper(server, "SELECT ?s WHERE { ?s ", JSON).query()
    assert "expected" in str(error.value)


def test_rdflib_sparqlstore(server, ns, expected):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server + "/sparql", returnFormat="xml")
    graph = rdflib.Graph(store)
    rows = list(graph.query(prologue(ns) + LABELS))
    assert [(str(r.project), str(r.label)) for r in rows] == [(e["project"], e["label"]) for e in expected]
    assert rows[0].label.language == "fi"
    hg_project = rdflib.URIRef(ns.hg + "Project")
    subjects = {str(s) for s in graph.subjects(rdflib.RDF.type, hg_project)}
    assert {e["project"] for e in expected} <= subjects
    assert len(graph) > 0
    json_store = rdflib.Graph(SPARQLStore(server + "/sparql", returnFormat="json", method="POST"))
    assert [str(r.label) for r in json_store.query(prologue(ns) + LABELS)] == [e["label"] for e in expected]
