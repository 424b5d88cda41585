"""Personal data (issue 6): phone numbers and e-mail addresses (data/contacts.trig) reach no route of
a default build (the SPARQL endpoint, entity pages in every format, search and its API, listings and
their downloads, VoID, dumps, the graph store, visualisations), and they do appear once an operator
sets `publish_contacts = true` (so these tests can fail)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import rdflib
import requests

from hankegraafi.build import build

from conftest import REPO, repo_config

SCHEMA = rdflib.Namespace("https://schema.org/")
BASE = "https://w3id.org/hankegraafi/"


def _contacts():
    graph = rdflib.Dataset()
    graph.parse(REPO / "data" / "contacts.trig", format="trig", publicID=BASE)
    values, holders, points = set(), set(), set()
    for s, p, o, _ in graph.quads((None, None, None, None)):
        if p in (SCHEMA.telephone, SCHEMA.email):
            values.add(str(o))
            points.add(str(s))
        if p == SCHEMA.contactPoint:
            holders.add(str(s))
    return values, holders, points


CONTACT_VALUES, HOLDERS, CONTACT_POINTS = _contacts()


def variants(value: str) -> set[str]:
    """The value as it may be written in any response: plain, escaped, percent-encoded, digits only."""
    found = {value, value.lower(), quote(value), quote(value, safe=""), value.replace("@", "\\u0040"),
             value.replace("@", "&#64;"), value.replace("+", "&#43;")}
    digits = re.sub(r"\D", "", value)
    if "@" not in value and len(digits) >= 9:
        found.add(digits)
        found.add(digits.lstrip("0"))          # 447028832 inside +358447028832 and vice versa
        found.add(re.sub(r"^358", "", digits))
    return {f for f in found if len(f) >= 6}


FORBIDDEN = {variant: value for value in CONTACT_VALUES for variant in variants(value)}


def leaks(text: str, ignore: tuple[str, ...] = ()) -> set[str]:
    for echoed in ignore:  # a search page repeats the words searched for
        for form in (echoed, quote(echoed), quote(echoed, safe=""), quote(echoed).replace("%20", "+")):
            text = text.replace(form, "")
    return {FORBIDDEN[variant] for variant in FORBIDDEN if variant in text}


def slug(iri: str) -> str:
    return iri[len(BASE):]


def test_the_fixture_finds_the_contact_data():
    assert "044 024 6415" in CONTACT_VALUES and "+358447028832" in CONTACT_VALUES
    assert "paivi.malinen@isonet.fi" in CONTACT_VALUES
    assert BASE + "id/person/paivi-malinen" in HOLDERS
    assert len(CONTACT_VALUES) >= 15 and len(HOLDERS) >= 6


SPARQL_QUERIES = {
    "select phone and e-mail": "SELECT * WHERE { ?s schema:contactPoint ?c . OPTIONAL { ?c schema:telephone ?t } "
                               "OPTIONAL { ?c schema:email ?e } }",
    "select telephone anywhere": "SELECT * WHERE { GRAPH ?g { ?s schema:telephone ?t } }",
    "select email anywhere": "SELECT * WHERE { ?s schema:email ?e }",
    "select from the contacts graph": "SELECT * WHERE { GRAPH hgg:contacts { ?s ?p ?o } }",
    "regex over every literal": "SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLiteral(?o) && "
                                "(CONTAINS(STR(?o), '@') || REGEX(STR(?o), '^[+0-9 ]{9,}$'))) }",
    "full construct of every graph": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "full construct of the default graph": "CONSTRUCT WHERE { ?s ?p ?o }",
    "describe a person": "DESCRIBE person:paivi-malinen",
    "describe a contact point": "DESCRIBE contact:paivi-malinen-iso",
}
SOLUTION_ACCEPTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                    "text/tab-separated-values", "text/html")
GRAPH_ACCEPTS = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
                 "application/trig", "application/n-quads")


def sparql_requests():
    for name, query in SPARQL_QUERIES.items():
        accepts = GRAPH_ACCEPTS if query.startswith(("CONSTRUCT", "DESCRIBE")) else SOLUTION_ACCEPTS
        for accept in accepts:
            yield f"SPARQL {name} as {accept}", "GET", "/sparql", {"query": query}, {"Accept": accept}
    # the contacts graph named explicitly as the dataset (SPARQL protocol)
    yield ("SPARQL named-graph-uri", "GET", "/sparql",
           {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": BASE + "graph/contacts"}, {})
    yield ("SPARQL default-graph-uri", "GET", "/sparql",
           {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": BASE + "graph/contacts"}, {})
    yield "service description", "GET", "/sparql", {}, {"Accept": "text/turtle"}


def entity_requests():
    for iri in sorted(HOLDERS | CONTACT_POINTS):
        rest = slug(iri)
        yield f"page {rest}", "GET", f"/page/{rest}", {}, {"Accept": "text/html"}
        yield f"page {rest} (en)", "GET", f"/page/{rest}", {"lang": "en"}, {}
        for ext in ("ttl", "jsonld", "nt", "rdf"):
            yield f"data {rest}.{ext}", "GET", f"/data/{rest}.{ext}", {}, {}
        for accept in ("text/html", *GRAPH_ACCEPTS[:4]):
            yield f"IRI {rest} as {accept}", "GET", f"/{rest}", {}, {"Accept": accept}


def listing_requests():
    for name in ("projects", "organisations", "people", "schemes", "regions", "themes"):
        yield f"listing {name}", "GET", f"/{name}", {}, {}
        yield f"listing {name} (all)", "GET", f"/{name}", {"size": "1000"}, {}
        yield f"listing {name}.csv", "GET", f"/{name}.csv", {}, {}
        yield f"listing {name}.jsonld", "GET", f"/{name}.jsonld", {}, {}


def other_requests():
    yield "home", "GET", "/", {}, {}
    for path in ("/void", "/void.ttl", "/void.jsonld", "/void.nt", "/void.rdf", "/.well-known/void", "/dataset"):
        yield f"VoID {path}", "GET", path, {}, {"Accept": "text/turtle"} if path in ("/void", "/dataset") else {}
    for ext in ("ttl", "trig", "nq", "jsonld"):
        yield f"dump .{ext}", "GET", f"/dumps/hankegraafi.{ext}", {}, {}
    yield "graph store: default graph", "GET", "/rdf-graph-store", {"default": ""}, {"Accept": "application/n-triples"}
    yield ("graph store: contacts graph", "GET", "/rdf-graph-store", {"graph": BASE + "graph/contacts"},
           {"Accept": "text/turtle"})
    yield "graph page: contacts", "GET", "/page/graph/contacts", {}, {}
    yield "graph data: contacts", "GET", "/data/graph/contacts.ttl", {}, {}
    for view in ("timeline", "network", "funding"):
        yield f"visualise {view}", "GET", f"/visualise/{view}", {}, {}
        yield f"visualise {view}.json", "GET", f"/visualise/{view}.json", {}, {}
        yield f"visualise {view}.csv", "GET", f"/visualise/{view}.csv", {}, {}
    yield "example queries", "GET", "/queries/", {}, {}


def search_requests(names: list[str]):
    terms = [*names, "isonet", "xamk.fi", "044", "+358", "puhelin", "sähköposti", "email", "@",
             "paivi.malinen@isonet.fi", "044 024 6415", "0440246415", "+358447028832"]
    for term in terms:
        yield f"search {term!r}", "GET", "/search", {"q": term}, {}, term
        yield f"search {term!r} (en)", "GET", "/search", {"q": term, "lang": "en"}, {}, term
        yield f"search API {term!r}", "GET", "/api/search", {"q": term, "limit": "100"}, {}, term


def run(url: str, name, method, path, params, headers, echoed=None):
    answer = requests.request(method, url + path, params=params, headers=headers, timeout=120)
    return answer


@pytest.fixture(scope="module")
def holder_names(select):
    rows = select("SELECT ?n WHERE { ?p a hg:Person ; schema:name ?n }")
    contacts = {slug(h).rsplit("/", 1)[-1] for h in HOLDERS}
    found = [r["n"] for r in rows]
    # the surnames of the people who have contact data (the search tests look them up by name)
    surnames = sorted({n.split()[-1] for n in found if any(n.split()[-1].lower() in c for c in contacts)})
    assert "Malinen" in surnames
    return surnames


def test_no_contact_data_through_the_sparql_endpoint(server):
    checked = 0
    for name, method, path, params, headers in sparql_requests():
        answer = run(server, name, method, path, params, headers)
        assert answer.status_code in (200, 404), (name, answer.status_code, answer.text[:300])
        assert not leaks(answer.text), (name, leaks(answer.text))
        checked += 1
    assert checked > 40
    # and the dataset really has no contact triples (not merely a filtered view)
    empty = requests.get(server + "/sparql", params={"query": "ASK { ?c schema:telephone|schema:email ?v }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    assert empty["boolean"] is False


def test_no_contact_data_on_entity_pages_in_any_format(server):
    for name, method, path, params, headers in entity_requests():
        answer = run(server, name, method, path, params, headers)
        assert answer.status_code in (200, 404), (name, answer.status_code)
        if "/contact/" in path:
            assert answer.status_code == 404, f"{name}: contact points do not exist without publish_contacts"
        assert not leaks(answer.text), (name, leaks(answer.text))


def test_no_contact_data_in_search(server, holder_names):
    for name, method, path, params, headers, term in search_requests(holder_names):
        answer = run(server, name, method, path, params, headers)
        assert answer.status_code in (200, 400), (name, answer.status_code)
        assert not leaks(answer.text, ignore=(term,)), (name, leaks(answer.text, ignore=(term,)))
    # the people themselves are found, by name
    hits = requests.get(server + "/api/search", params={"q": "Malinen"}, timeout=30).json()["hits"]
    assert any(h["iri"].endswith("/id/person/paivi-malinen") for h in hits)


def test_no_contact_data_in_listings_void_dumps_graph_store_or_visualisations(server):
    for request in (*listing_requests(), *other_requests()):
        answer = run(server, *request)
        assert answer.status_code in (200, 404), (request[0], answer.status_code)
        assert not leaks(answer.text), (request[0], leaks(answer.text))
    assert requests.get(server + "/rdf-graph-store", params={"graph": BASE + "graph/contacts"},
                        timeout=30).status_code == 404


# --- published: the same routes show them ----------------------------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory, start_sparql_server):
    config = repo_config(tmp_path_factory.mktemp("published") / "store", publish_contacts=True)
    build(config, progress=lambda m: None)
    process, url = start_sparql_server(config)
    yield url
    start_sparql_server.stop(process)


def test_contact_data_appears_when_published(published):
    url = published
    expected = {"paivi.malinen@isonet.fi", "044 024 6415", "+358447028832"}

    def shown(name, method, path, params, headers):
        answer = run(url, name, method, path, params, headers)
        assert answer.status_code == 200, (name, answer.status_code)
        return leaks(answer.text)

    everything = set()
    for request in sparql_requests():
        if request[0].startswith("SPARQL select phone") or request[0].startswith("SPARQL full construct of every"):
            found = shown(*request)
            assert expected <= found, request[0]
            everything |= found
    assert everything == CONTACT_VALUES  # every value there is, through the endpoint
    for ext in ("ttl", "trig", "nq", "jsonld"):
        assert expected <= shown(f"dump .{ext}", "GET", f"/dumps/hankegraafi.{ext}", {}, {}), ext
    assert "paivi.malinen@isonet.fi" in shown("data", "GET", "/data/id/contact/paivi-malinen-iso.ttl", {}, {})
    assert "044 024 6415" in shown("page", "GET", "/page/id/contact/paivi-malinen-iso", {}, {})
    assert expected & shown("graph store", "GET", "/rdf-graph-store", {"graph": BASE + "graph/contacts"},
                            {"Accept": "text/turtle"})
