"""The SPARQL 1.1 Protocol over raw HTTP against a real server: every way to send a query, content
negotiation, the service description, CORS, limits and every error case."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
import requests

PROJECTS = """SELECT ?project ?label WHERE {
  ?project a hg:Project ; skos:prefLabel ?label . FILTER(LANG(?label) = "fi")
} ORDER BY ?project ?label"""


@pytest.fixture(scope="module")
def projects(select):
    rows = select(PROJECTS)
    assert rows, "the test build has projects"
    return rows


def bindings(response) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_get_query_answers_in_json_by_default(server, projects):
    response = requests.get(server + "/sparql", params={"query": PROJECTS})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert bindings(response) == projects
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_post_form_and_post_body_give_the_same_answer(server, projects):
    form = requests.post(server + "/sparql", data={"query": PROJECTS})
    body = requests.post(server + "/sparql", data=PROJECTS.encode(),
                         headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert form.status_code == body.status_code == 200
    assert bindings(form) == bindings(body) == projects


def test_project_prefixes_are_predeclared_and_explicit_ones_work(server, ns, projects):
    explicit = f"PREFIX h: <{ns.hg}>\nPREFIX s: <http://www.w3.org/2004/02/skos/core#>\n" + \
        PROJECTS.replace("hg:", "h:").replace("skos:", "s:")
    assert bindings(requests.get(server + "/sparql", params={"query": explicit})) == projects


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*;q=0.9, application/sparql-results+xml;q=0.8", "text/csv"),
    ("text/html", "text/html"),
])
def test_select_content_negotiation(server, projects, accept, expected):
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        # urllib sends no Accept header at all
        request = urllib.request.Request(server + "/sparql?" + urllib.parse.urlencode({"query": PROJECTS}))
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"].startswith(expected)
            data = json.loads(response.read())
        assert len(data["results"]["bindings"]) == len(projects)
        return
    response = requests.get(server + "/sparql", params={"query": PROJECTS}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(expected)
    assert "Accept" in response.headers["Vary"]
    label = projects[0]["label"]
    assert label in response.text


def test_csv_and_tsv_carry_the_values(server, projects):
    text = requests.get(server + "/sparql", params={"query": PROJECTS, "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["label"] for r in rows] == [p["label"] for p in projects]
    tsv = requests.get(server + "/sparql", params={"query": PROJECTS},
                       headers={"Accept": "text/tab-separated-values"}).text
    assert tsv.splitlines()[0] == "?project\t?label"
    assert f'<{projects[0]["project"]}>' in tsv


def test_ask_in_every_results_format(server):
    query = "ASK { ?p a hg:Project }"
    assert requests.get(server + "/sparql", params={"query": query}).json()["boolean"] is True
    assert "<boolean>true</boolean>" in requests.get(server + "/sparql", params={"query": query, "format": "xml"}).text
    assert requests.get(server + "/sparql", params={"query": query, "format": "csv"}).text.strip() == "true"
    assert requests.get(server + "/sparql", params={"query": "ASK { ?p a hg:NoSuchClass }", "format": "tsv"}).text.strip() == "false"


@pytest.mark.parametrize("accept, expected, marker", [
    (None, "text/turtle", " a "),
    ("application/n-triples", "application/n-triples", "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <"),
    ("application/ld+json", "application/ld+json", '"@id"'),
    ("application/rdf+xml", "application/rdf+xml", "rdf:RDF"),
    ("application/trig", "application/trig", "<"),
    ("application/n-quads", "application/n-quads", "> <"),
    ("text/turtle;q=0.1, application/n-triples;q=0.5", "application/n-triples", "> <"),
])
def test_construct_content_negotiation(server, projects, accept, expected, marker):
    query = "CONSTRUCT { ?p a hg:Project } WHERE { ?p a hg:Project }"
    headers = {"Accept": accept} if accept else {"Accept": "*/*"}
    response = requests.get(server + "/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(expected)
    assert marker in response.text
    assert projects[0]["project"] in response.text or projects[0]["project"].rsplit("/", 1)[1] in response.text


def test_construct_parses_back_to_the_same_triples(server, select):
    import rdflib

    query = "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a hg:Project ; skos:prefLabel ?l }"
    expected = {(r["p"], r["l"]) for r in select("SELECT ?p ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l }")}
    for fmt, parser in (("turtle", "turtle"), ("jsonld", "json-ld"), ("rdfxml", "xml"), ("ntriples", "nt")):
        text = requests.get(server + "/sparql", params={"query": query, "format": fmt}).text
        graph = rdflib.Graph().parse(data=text, format=parser)
        assert {(str(s), str(o)) for s, _, o in graph} == expected, fmt


def test_406_only_when_nothing_is_acceptable(server):
    response = requests.get(server + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.text and "application/sparql-results+json" in response.text
    response = requests.get(server + "/sparql", params={"query": "CONSTRUCT WHERE { ?s a hg:Project }", "format": "csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.text
    # a range with q=0 excludes a format; another acceptable one is still chosen
    response = requests.get(server + "/sparql", params={"query": "ASK {}"},
                            headers={"Accept": "application/sparql-results+json;q=0, text/csv"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")


def test_default_and_named_graph_uri(server, ns, select):
    source = ns.graph("source-000")
    in_graph = select(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{source}> {{ ?p a hg:Project }} }} ORDER BY ?p")
    everywhere = select("SELECT DISTINCT ?p WHERE { ?p a hg:Project } ORDER BY ?p")
    query = "SELECT DISTINCT ?p WHERE { ?p a hg:Project } ORDER BY ?p"
    only_source = requests.get(server + "/sparql", params={"query": query, "default-graph-uri": source})
    assert bindings(only_source) == in_graph
    assert len(in_graph) < len(everywhere)
    # named-graph-uri alone: an empty default graph, only the named graph visible to GRAPH
    named = requests.post(server + "/sparql", data={
        "query": "SELECT DISTINCT ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
        "named-graph-uri": source})
    assert bindings(named) == [{"g": source}]
    # POST with the query in the body and graphs in the URL
    body = requests.post(server + "/sparql?" + urllib.parse.urlencode({"default-graph-uri": source}),
                         data=query, headers={"Content-Type": "application/sparql-query"})
    assert bindings(body) == in_graph


def test_service_description(server, ns, store):
    import rdflib

    response = requests.get(server + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(server + "/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Update) not in graph   # read-only by default
    formats = set(graph.objects(endpoint, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert ns.graph("source-000") in names
    assert names == set(store.release.triples_per_graph)
    # conneg: JSON-LD and an HTML page for browsers
    jsonld = requests.get(server + "/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["Content-Type"].startswith("application/ld+json") and "sparql-service-description" in jsonld.text
    html = requests.get(server + "/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert html.headers["Content-Type"].startswith("text/html") and "source-000" in html.text


def test_cors_preflight_and_headers(server):
    preflight = requests.options(server + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    error = requests.get(server + "/sparql", params={"query": "SELEKT"}, headers={"Origin": "https://example.org"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"   # a cross-site client can read errors too


# --- errors ----------------------------------------------------------------------------------------

def test_malformed_query_is_400_with_line_and_column(server):
    response = requests.get(server + "/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "error at 3:" in response.text and "expected" in response.text


def test_several_queries_are_400(server):
    two_params = requests.get(server + "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert two_params.status_code == 400 and "Several queries" in two_params.text
    two_in_one = requests.post(server + "/sparql", data="ASK {} ASK {}",
                               headers={"Content-Type": "application/sparql-query"})
    assert two_in_one.status_code == 400 and "error at 1:" in two_in_one.text


def test_query_and_update_together_are_400(server):
    response = requests.post(server + "/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert response.status_code == 400 and "both a query and an update" in response.text


def test_missing_or_empty_query_is_400(server):
    for response in (
        requests.post(server + "/sparql", data={"other": "x"}),
        requests.post(server + "/sparql", data=b"", headers={"Content-Type": "application/sparql-query"}),
        requests.get(server + "/sparql", params={"query": "  "}),
    ):
        assert response.status_code == 400
        assert "Missing" in response.text or "empty" in response.text


def test_an_update_in_the_query_parameter_is_a_malformed_query(server):
    response = requests.get(server + "/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert response.status_code == 400 and "Malformed query" in response.text


def test_update_by_get_is_405_and_updates_are_off_by_default(server):
    assert requests.get(server + "/sparql", params={"update": "CLEAR ALL"}).status_code == 405
    response = requests.post(server + "/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code == 403 and "read-only" in response.text


def test_unsupported_content_type_is_415(server):
    response = requests.post(server + "/sparql", data="ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_oversized_request_is_413(server, config):
    big = "ASK {}" + " " * (config.max_request_bytes + 10)
    response = requests.post(server + "/sparql", data=big, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413 and str(config.max_request_bytes) in response.text
    form = requests.post(server + "/sparql", data={"query": big})
    assert form.status_code == 413


def test_bad_bytes_are_400_not_500(server):
    response = requests.post(server + "/sparql", data=b"ASK { \xff\xfe }",
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400


def test_service_and_load_never_fetch(server):
    response = requests.get(server + "/sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert response.status_code == 403 and "does not fetch" in response.text
    variable = requests.get(server + "/sparql", params={"query": "SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }"})
    assert variable.status_code == 403
    # the word in a string or a comment is not a SERVICE call
    harmless = requests.get(server + "/sparql", params={"query": 'ASK { FILTER("SERVICE <x>" != "") } # SERVICE <y>'})
    assert harmless.status_code == 200 and harmless.json()["boolean"] is True


def test_curl_post(server, projects):
    if not shutil.which("curl"):
        pytest.skip("curl not installed")
    out = subprocess.run(["curl", "-s", "-H", "Accept: text/csv", "--data-urlencode", f"query={PROJECTS}",
                          server + "/sparql"], capture_output=True, text=True, timeout=30).stdout
    assert projects[0]["label"] in out
    status = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server + "/sparql?query=SELECT"],
                            capture_output=True, text=True, timeout=30).stdout
    assert status == "400"


# --- the row cap --------------------------------------------------------------------------------

def test_json_and_html_are_capped_and_say_so_streaming_formats_are_not(limits_server, select):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20"
    assert len(select(query)) == 20
    capped = requests.get(limits_server + "/sparql", params={"query": query})
    assert capped.headers["X-Hankegraafi-Truncated"] == "true"
    assert capped.headers["X-Hankegraafi-Row-Limit"] == "5"
    data = capped.json()
    assert len(data["results"]["bindings"]) == 5 and data["hankegraafi"]["truncated"] is True
    full = requests.get(limits_server + "/sparql", params={"query": query, "format": "csv"})
    assert "X-Hankegraafi-Truncated" not in full.headers
    assert len(list(csv.reader(io.StringIO(full.text)))) == 21
    html = requests.get(limits_server + "/sparql", params={"query": query},
                        headers={"Accept": "text/html", "Accept-Language": "en"})
    assert html.headers["X-Hankegraafi-Truncated"] == "true" and "truncated" in html.text
    small = requests.get(limits_server + "/sparql", params={"query": query.replace("LIMIT 20", "LIMIT 3")})
    assert "X-Hankegraafi-Truncated" not in small.headers and "hankegraafi" not in small.json()


def test_large_results_stream_in_full(server, store):
    total = store.release.default_graph_triples
    response = requests.get(server + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "tsv"},
                            stream=True)
    lines = sum(chunk.count(b"\n") for chunk in response.iter_content(65536))
    assert lines == total + 1


# --- the example query pages and the editor's files -----------------------------------------------

def test_example_query_pages(server, config, ns, store):
    from hankegraafi.services.catalogue import load_catalogue

    examples = load_catalogue(config.resolve(config.queries_dir))
    if not examples:
        pytest.skip("no example queries in queries/")
    index = requests.get(server + "/queries/", params={"lang": "en"})
    assert index.status_code == 200
    from markupsafe import escape

    for example in examples:
        assert str(escape(example.label("en"))) in index.text
    example = examples[0]
    page = requests.get(server + f"/queries/{example.slug}", params={"lang": "fi"})
    assert page.status_code == 200
    assert str(escape(example.label("fi"))) in page.text
    assert "/query?query=" in page.text
    for fmt in ("csv", "tsv", "json", "xml"):
        assert f"format={fmt}" in page.text or "format=turtle" in page.text
    results = store.query(example.text(ns))
    if hasattr(results, "variables"):
        first = next(iter(results), None)
        if first is not None:
            value = next(v for v in first if v is not None).value
            assert str(escape(value)) in page.text or value.rsplit("/", 1)[-1] in page.text
    assert requests.get(server + "/queries/no-such-query").status_code == 404


def test_vendor_files_are_allow_listed(server):
    js = requests.get(server + "/static/vendor/yasgui/yasgui.min.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    assert "Yasgui" in js.text[:200000]
    for bad in ("/static/vendor/../../pyproject.toml", "/static/vendor/%2e%2e/%2e%2e/pyproject.toml",
                "/static/vendor/yasgui/../../../package.json", "/static/vendor/echarts/package.json"):
        assert requests.get(server + bad).status_code == 404, bad


def test_editor_page(server, config):
    page = requests.get(server + "/query", params={"query": "ASK {}"})
    assert page.status_code == 200
    assert "/static/vendor/yasgui/yasgui.min.js" in page.text
    assert "editor-config" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    # the rest of the site keeps the strict policy
    assert "unsafe-inline" not in requests.get(server + "/sparql").headers["Content-Security-Policy"]
