"""The linked-data contract against a real server: IRIs answer 303 with the page or the data chosen by
Accept (q-values), every RDF format parses with rdflib and says the real facts, the JSON-LD is
readable with the published context, unknown IRIs are 404, unacceptable types 406; the ontology,
VoID and the dumps."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path
import urllib.request

import pytest
import rdflib
from rdflib import Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

REPO = Path(__file__).resolve().parent.parent
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples", "rdf": "application/rdf+xml"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def fetch(url: str, accept: str | None = None, follow: bool = False, lang: str = "fi"):
    """(status, headers, body bytes); redirects are not followed unless asked."""
    headers = {"Accept-Language": lang}
    if accept is not None:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener() if follow else _opener
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def parse(body: bytes, ext: str, base: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=body, format=RDFLIB_FORMATS[ext], publicID=base)
    return graph


@pytest.fixture(scope="module")
def mrv(ns):
    return URIRef(ns.entity("project", "mrv"))


@pytest.fixture(scope="module")
def paivi(ns):
    return URIRef(ns.entity("person", "paivi-malinen"))


# ---------------------------------------------------------------------------------------------------
# 303 See Other by Accept, with q-values

@pytest.mark.parametrize("accept, target", [
    ("text/html", "/page/id/project/mrv"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/id/project/mrv"),
    ("*/*", "/page/id/project/mrv"),
    (None, "/page/id/project/mrv"),
    ("text/turtle", "/data/id/project/mrv.ttl"),
    ("application/ld+json", "/data/id/project/mrv.jsonld"),
    ("application/n-triples", "/data/id/project/mrv.nt"),
    ("application/rdf+xml", "/data/id/project/mrv.rdf"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "/data/id/project/mrv.rdf"),
    ("text/html;q=0.4, text/turtle", "/data/id/project/mrv.ttl"),
    ("application/ld+json;q=0.1, text/html;q=0", "/data/id/project/mrv.jsonld"),
    ("*/*;q=0.1, application/n-triples", "/data/id/project/mrv.nt"),
    ("text/*;q=0.3, text/html;q=0.2", "/data/id/project/mrv.ttl"),
])
def test_iri_redirects_by_accept_with_q_values(server, accept, target):
    status, headers, _ = fetch(server + "/id/project/mrv", accept)
    assert status == 303
    assert headers["Location"] == target
    assert "Accept" in headers.get("Vary", "")
    assert 'rel="alternate"; type="text/turtle"' in headers.get("Link", "")


def test_redirect_to_the_page_keeps_the_language(server):
    status, headers, _ = fetch(server + "/id/project/mrv?lang=en", "text/html")
    assert status == 303 and headers["Location"] == "/page/id/project/mrv?lang=en"


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf"])
def test_every_format_of_a_project_parses_and_states_its_facts(server, ext, mrv, ns):
    status, headers, body = fetch(server + "/id/project/mrv", MEDIA[ext], follow=True)
    assert status == 200
    assert headers["Content-Type"].startswith(MEDIA[ext])
    graph = parse(body, ext, server + f"/data/id/project/mrv.{ext}")
    assert (mrv, SCHEMA.startDate, Literal("2024-08-01", datatype=XSD.date)) in graph
    assert (mrv, SKOS.prefLabel, Literal("Matkalla riittävään vanhemmuuteen", lang="fi")) in graph
    assert (mrv, RDF.type, URIRef(ns.hg + "GroupProject")) in graph
    # the description is self-contained: the engagements of the project come with it ...
    role = URIRef(ns.entity("role", "mrv-project-manager-paivi-malinen"))
    assert (role, URIRef(ns.hg + "inProject"), mrv) in graph
    assert (role, URIRef(ns.hg + "agent"), URIRef(ns.entity("person", "paivi-malinen"))) in graph
    # ... and the two budgets that disagree, each with its amount and its evidence
    totals = {graph.value(graph.value(b, SCHEMA.amount), SCHEMA.value).toPython()
              for b in graph.subjects(URIRef(ns.hg + "budgetFor"), mrv)
              if graph.value(b, URIRef(ns.hg + "amountType")) == URIRef(ns.hgv + "amount-total-cost")}
    assert {int(v) for v in totals} == {2_300_000, 2_248_352}
    evidence = URIRef(ns.entity("evidence", "004-l48"))
    assert (evidence, URIRef(ns.hg + "line"), None) in graph


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf"])
def test_every_format_of_a_person_states_the_time_qualified_role(server, ext, paivi, ns):
    status, _, body = fetch(server + f"/data/id/person/paivi-malinen.{ext}")
    assert status == 200
    graph = parse(body, ext, server + f"/data/id/person/paivi-malinen.{ext}")
    assert (paivi, SCHEMA.name, Literal("Päivi Malinen")) in graph
    hg = Namespace(ns.hg)
    roles = [r for r in graph.subjects(hg.agent, paivi) if graph.value(r, hg.role) == URIRef(ns.hgv + "role-project-manager")]
    assert len(roles) == 1
    role = roles[0]
    assert graph.value(role, hg.roleTitle) == Literal("hankepäällikkö", lang="fi")
    assert graph.value(role, hg.inProject) == URIRef(ns.entity("project", "mrv"))
    assert graph.value(role, SCHEMA.startDate) == Literal("2024-08-01", datatype=XSD.date)
    assert graph.value(role, SCHEMA.endDate) == Literal("2025-06-30", datatype=XSD.date)


def test_all_formats_carry_the_same_triples(server):
    graphs = {}
    for ext in RDFLIB_FORMATS:
        _, _, body = fetch(server + f"/data/id/person/paivi-malinen.{ext}")
        graphs[ext] = parse(body, ext, server)
    for ext in ("jsonld", "nt", "rdf"):
        assert isomorphic(graphs["ttl"], graphs[ext]), ext


def test_data_without_extension_negotiates_with_content_location(server):
    status, headers, body = fetch(server + "/data/id/project/mrv", "application/n-triples")
    assert status == 200
    assert headers["Content-Location"] == "/data/id/project/mrv.nt"
    assert "Accept" in headers["Vary"]
    assert b"<https://schema.org/startDate>" in body


# ---------------------------------------------------------------------------------------------------
# 404 and 406

@pytest.mark.parametrize("path", ["/id/project/no-such-project", "/page/id/person/nobody", "/data/id/project/nothing.ttl",
                                  "/vocab/no-such-concept", "/graph/no-such-graph", "/ontology/NoSuchTerm"])
def test_unknown_iris_are_404_pages(server, path):
    status, headers, body = fetch(server + path, "text/html")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    text = body.decode()
    assert "<h1>404" in text
    assert "hankegraafi" in text


def test_unknown_iri_is_404_for_rdf_clients_too(server):
    status, _, _ = fetch(server + "/id/project/no-such-project", "text/turtle")
    assert status == 404


def test_unknown_format_extension_is_404(server):
    status, _, _ = fetch(server + "/data/id/project/mrv.xyz")
    assert status == 404


@pytest.mark.parametrize("path", ["/id/project/mrv", "/ontology", "/void", "/.well-known/void", "/ontology/Project",
                                  "/data/id/project/mrv"])
def test_unsupported_type_is_406_with_the_alternatives(server, path):
    status, headers, body = fetch(server + path, "image/png, application/pdf;q=0.5")
    assert status == 406
    assert "Accept" in headers.get("Vary", "")
    text = body.decode()
    assert "text/turtle" in text and "application/ld+json" in text


def test_refused_type_with_q_zero_is_406(server):
    status, _, _ = fetch(server + "/id/project/mrv", "text/html;q=0, text/turtle;q=0")
    assert status == 406


# ---------------------------------------------------------------------------------------------------
# JSON-LD: readable with the published context

def test_context_is_published(server):
    status, headers, body = fetch(server + "/context.jsonld")
    assert status == 200
    assert headers["Content-Type"].startswith("application/ld+json")
    context = json.loads(body)["@context"]
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["startDate"] == {"@id": "schema:startDate", "@type": "xsd:date"}
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert context["agent"]["@type"] == "@id"
    assert context["Project"] == "hg:Project"
    assert context["hg"].endswith("/ontology#")


def test_jsonld_uses_short_keys_and_round_trips(server, ns):
    status, headers, body = fetch(server + "/data/id/project/mrv.jsonld")
    assert status == 200
    assert "json-ld#context" in headers["Link"]
    document = json.loads(body)
    assert document["@context"] == server + "/context.jsonld"
    node = document["@graph"][0]
    assert node["id"] == ns.entity("project", "mrv")
    assert "GroupProject" in node["type"]
    assert node["startDate"] == "2024-08-01"
    assert node["prefLabel"]["fi"] == "Matkalla riittävään vanhemmuuteen"
    assert node["prefLabel"]["en"] == "Journey to good-enough parenthood"
    assert node["altLabel"] == {"fi": "MRV"}
    assert node["targetRegion"] and all(r.startswith(ns.base + "id/region/") for r in node["targetRegion"])
    role = next(n for n in document["@graph"] if n["id"] == ns.entity("role", "mrv-project-manager-paivi-malinen"))
    assert role["agent"] == ns.entity("person", "paivi-malinen")
    assert role["roleTitle"] == {"fi": "hankepäällikkö"}
    assert role["startDate"] == "2024-08-01" and role["endDate"] == "2025-06-30"
    amount = next(n for n in document["@graph"] if n["id"] == ns.entity("budget", "mrv-total-004-amount"))
    assert amount["value"] == "2248352" and amount["currency"] == "EUR"
    # rdflib fetches the context from the server and reads back exactly the Turtle's triples
    from_jsonld = rdflib.Graph().parse(data=body, format="json-ld")
    _, _, turtle = fetch(server + "/data/id/project/mrv.ttl")
    assert isomorphic(from_jsonld, rdflib.Graph().parse(data=turtle, format="turtle"))


# ---------------------------------------------------------------------------------------------------
# vocabulary concepts, graphs and the dataset IRI resolve too

def test_vocab_concept_resolves(server, ns):
    status, headers, _ = fetch(server + "/vocab/role-project-manager", "text/turtle")
    assert status == 303 and headers["Location"] == "/data/vocab/role-project-manager.ttl"
    _, _, body = fetch(server + "/vocab/role-project-manager", "text/turtle", follow=True)
    graph = parse(body, "ttl", server)
    concept = URIRef(ns.hgv + "role-project-manager")
    assert (concept, SKOS.prefLabel, Literal("hankepäällikkö", lang="fi")) in graph
    assert (concept, SKOS.inScheme, URIRef(ns.hgv + "roles")) in graph


def test_graph_iri_resolves_to_its_contents(server, ns, store):
    status, headers, _ = fetch(server + "/graph/source-004", "application/n-triples")
    assert status == 303 and headers["Location"] == "/data/graph/source-004.nt"
    _, _, body = fetch(server + "/data/graph/source-004.nt")
    graph = parse(body, "nt", server)
    assert len(graph) == store.release.triples_per_graph[ns.graph("source-004")]
    assert (URIRef(ns.entity("budget", "mrv-total-004-amount")), SCHEMA.value, None) in graph
    assert (URIRef(ns.entity("budget", "mrv-total-000-amount")), SCHEMA.value, None) not in graph


def test_dataset_iri_resolves_to_void(server):
    status, headers, _ = fetch(server + "/dataset", "text/turtle")
    assert status == 303 and headers["Location"] == "/void.ttl"
    status, headers, _ = fetch(server + "/dataset", "text/html")
    assert status == 303 and headers["Location"] == "/void"


# ---------------------------------------------------------------------------------------------------
# the ontology

def test_ontology_document_negotiates(server, ns):
    status, headers, body = fetch(server + "/ontology", "text/turtle")
    assert status == 200
    assert headers["Content-Location"] == "/ontology.ttl"
    assert "Accept" in headers["Vary"]
    graph = parse(body, "ttl", server)
    hg = Namespace(ns.hg)
    assert (URIRef(ns.base + "ontology"), RDF.type, OWL.Ontology) in graph
    assert (hg.Project, RDF.type, OWL.Class) in graph
    assert (hg.Project, RDFS.label, Literal("hanke", lang="fi")) in graph
    status, headers, body = fetch(server + "/ontology", "text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = body.decode()
    assert 'id="Project"' in html and 'href="/ontology/Project"' in html
    assert 'id="agent"' in html


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf"])
def test_ontology_term_data(server, ns, ext):
    status, _, body = fetch(server + f"/ontology/Engagement.{ext}")
    assert status == 200
    graph = parse(body, ext, server)
    hg = Namespace(ns.hg)
    assert (hg.Engagement, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Membership")) in graph
    assert (hg.Engagement, RDFS.label, Literal("engagement", lang="en")) in graph


# ---------------------------------------------------------------------------------------------------
# VoID

@pytest.fixture(scope="module")
def void_graph(server):
    status, headers, body = fetch(server + "/.well-known/void", "text/turtle")
    assert status == 200
    assert headers["Content-Location"] == "/void.ttl"
    return parse(body, "ttl", server)


def test_void_figures_match_the_store(void_graph, store, ns):
    dataset = URIRef(ns.base + "dataset")
    release = store.release
    assert (dataset, RDF.type, VOID.Dataset) in void_graph
    default_triples = sum(1 for _ in store.store.quads_for_pattern(None, None, None, __import__("pyoxigraph").DefaultGraph()))
    assert void_graph.value(dataset, VOID.triples).toPython() == default_triples == release.default_graph_triples
    # entities per class
    partitions = {void_graph.value(p, VOID["class"]): void_graph.value(p, VOID.entities).toPython()
                  for p in void_graph.objects(dataset, VOID.classPartition)}
    for cls in ("Project", "Organisation", "Person", "Engagement"):
        expected = int(next(iter(store.query(
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{ns.hg}{cls}> }}")))["n"].value)
        assert partitions[URIRef(ns.hg + cls)] == expected == release.entities_per_class[ns.hg + cls]
    # triples per property
    properties = {void_graph.value(p, VOID.property): void_graph.value(p, VOID.triples).toPython()
                  for p in void_graph.objects(dataset, VOID.propertyPartition)}
    expected = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s <https://schema.org/startDate> ?o }")))["n"].value)
    assert properties[SCHEMA.startDate] == expected
    assert void_graph.value(dataset, VOID.properties).toPython() == len(properties)
    assert void_graph.value(dataset, VOID.classes).toPython() == len(partitions)


def test_void_statistics_come_from_the_build_and_older_releases_get_them_computed(store, ns, tmp_path):
    from hankegraafi.build.release import Release
    from hankegraafi.build.statistics import void_statistics
    from hankegraafi.services import void

    built = store.release.statistics   # written into release.json by the build
    assert built["classes"][ns.hg + "Project"] > 0 and built["entities"] > 0
    assert built == void_statistics(store.store, ns)
    on_disk = Release.read(store.current_path())
    assert on_disk.statistics == built

    class OlderRelease:   # a release.json from before statistics were built: computed on request
        def __init__(self):
            self.store = store.store
            self.release = Release(**{**vars(on_disk), "statistics": {}})

    older = void._compute(OlderRelease(), ns)
    assert older.classes == void._compute(store, ns).classes and older.entities == built["entities"]


def test_release_memo_computes_a_value_once_while_threads_wait_for_it():
    import threading
    import time

    from hankegraafi.services.memo import ReleaseMemo

    memo, calls = ReleaseMemo(), []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return len(calls)

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(memo.get("r1", "void", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [1] * 8 and len(calls) == 1
    assert memo.get("r2", "void", slow) == 2   # a new release computes again


def test_void_describes_graphs_licence_documents_and_release(void_graph, store, ns):
    dataset = URIRef(ns.base + "dataset")
    release = store.release
    subsets = set(void_graph.objects(dataset, VOID.subset))
    for number in ("000", "001", "002", "003", "004"):
        graph = URIRef(ns.graph(f"source-{number}"))
        assert graph in subsets
        assert void_graph.value(graph, VOID.triples).toPython() == release.triples_per_graph[str(graph)]
        assert (graph, DCTERMS.source, URIRef(ns.entity("document", number))) in void_graph
        assert any(d.language == "en" for d in void_graph.objects(graph, DCTERMS.description))
    assert URIRef(ns.graph("contacts")) not in subsets
    assert void_graph.value(dataset, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    documents = set(void_graph.objects(dataset, DCTERMS.source))
    assert documents == {URIRef(ns.entity("document", n)) for n in ("000", "001", "002", "003", "004")}
    assert str(void_graph.value(dataset, DCTERMS.modified)) == release.created
    assert (dataset, DCTERMS.hasVersion, URIRef(f"{ns.base}release/{release.identifier}")) in void_graph
    dumps = {str(d).rsplit("/", 1)[-1] for d in void_graph.objects(dataset, VOID.dataDump)}
    assert dumps == {"hankegraafi.ttl", "hankegraafi.trig", "hankegraafi.nq", "hankegraafi.jsonld"}
    assert str(void_graph.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")


@pytest.mark.parametrize("ext", ["jsonld", "nt", "rdf"])
def test_void_in_other_formats(server, void_graph, ext):
    _, _, body = fetch(server + f"/void.{ext}")
    assert isomorphic(parse(body, ext, server), void_graph)


def test_void_page_for_people(server, store):
    status, headers, body = fetch(server + "/void", "text/html", lang="en")
    assert status == 200 and "Accept" in headers["Vary"]
    html = body.decode()
    assert f'<dd id="void-triples">{store.release.default_graph_triples}</dd>' in html
    assert "source-004" in html and "/dumps/hankegraafi.trig" in html


# ---------------------------------------------------------------------------------------------------
# dumps

@pytest.fixture(scope="module")
def dumps(server):
    result = {}
    for ext in ("ttl", "trig", "nq", "jsonld"):
        status, headers, body = fetch(server + f"/dumps/hankegraafi.{ext}")
        assert status == 200, ext
        assert headers["Content-Disposition"] == f'attachment; filename="hankegraafi.{ext}"'
        result[ext] = body
    return result


def test_turtle_dump_is_the_merged_graph(dumps, store, mrv):
    graph = rdflib.Graph().parse(data=dumps["ttl"], format="turtle")
    assert len(graph) == store.release.default_graph_triples
    assert (mrv, SCHEMA.startDate, Literal("2024-08-01", datatype=XSD.date)) in graph


@pytest.mark.parametrize("ext, fmt", [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_dataset_dumps_carry_the_source_graphs(dumps, store, ns, mrv, ext, fmt):
    dataset = rdflib.Dataset()
    dataset.parse(data=dumps[ext], format=fmt)
    names = {str(g.identifier) for g in dataset.graphs()}
    for number in ("000", "001", "002", "003", "004"):
        assert ns.graph(f"source-{number}") in names
    for name in ("documents", "curation", "ontology", "vocab", "inferred", "release"):
        assert ns.graph(name) in names
    source_004 = dataset.graph(URIRef(ns.graph("source-004")))
    assert (mrv, SCHEMA.startDate, Literal("2024-08-01", datatype=XSD.date)) in source_004
    assert len(source_004) == store.release.triples_per_graph[ns.graph("source-004")]
    # the two documents' totals stay in their own graphs
    total_000 = URIRef(ns.entity("budget", "mrv-total-000-amount"))
    assert (total_000, SCHEMA.value, None) in dataset.graph(URIRef(ns.graph("source-000")))
    assert (total_000, SCHEMA.value, None) not in source_004
    expected = sum(n for g, n in store.release.triples_per_graph.items())
    assert len(list(dataset.quads((None, None, None, None)))) == expected


def test_jsonld_dump_equals_the_nquads_dump(dumps):
    from_jsonld = rdflib.Dataset().parse(data=dumps["jsonld"], format="json-ld")
    from_nquads = rdflib.Dataset().parse(data=dumps["nq"], format="nquads")
    for graph in from_nquads.graphs():
        if len(graph):
            assert isomorphic(graph, from_jsonld.graph(graph.identifier)), graph.identifier
    document = json.loads(dumps["jsonld"])
    assert isinstance(document["@context"], dict) and document["@context"]["startDate"]["@type"] == "xsd:date"


def test_dumps_have_no_contact_details(dumps):
    contacts = rdflib.Dataset().parse(REPO / "data" / "contacts.trig", format="trig", publicID="https://w3id.org/hankegraafi/")
    details = {str(o) for _, p, o, _ in contacts.quads((None, None, None, None)) if p in (SCHEMA.telephone, SCHEMA.email)}
    assert len(details) >= 4
    for ext, body in dumps.items():
        text = body.decode()
        for detail in details:
            assert detail not in text, (ext, detail)
    dataset = rdflib.Dataset().parse(data=dumps["nq"], format="nquads")
    assert not list(dataset.quads((None, SCHEMA.telephone, None, None)))
    assert not list(dataset.quads((None, SCHEMA.email, None, None)))
    assert not list(dataset.quads((None, SCHEMA.contactPoint, None, None)))


def test_second_download_is_the_same_file(server, dumps):
    status, headers, body = fetch(server + "/dumps/hankegraafi.nq")
    assert status == 200 and body == dumps["nq"]
    assert headers.get("ETag")
    status, _, _ = fetch(server + "/dumps/hankegraafi.xml")
    assert status == 404
