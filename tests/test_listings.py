"""Listings with facets: counts equal SPARQL counts on the store, facets combine with AND, links add
and remove values, sorting and paging, CSV and JSON-LD with the same filters, escaping."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox
import pytest
import rdflib

from hankegraafi.build.release import Release
from hankegraafi.config import load_config
from hankegraafi.indexes import open_release
from hankegraafi.indexes import write as write_indexes
from hankegraafi.indexes.listings import LISTINGS
from hankegraafi.namespaces import Namespaces
from hankegraafi.web import create_app



@pytest.fixture(scope="module")
def indexes(store):
    return open_release(store.current_path())


def all_rows(indexes, name: str, selection: dict, **options) -> list:
    return [row for batch in indexes.export(name, selection, **options).batches for row in batch]


def counts(page, field: str) -> dict[str, int]:
    group = next((g for g in page.facets if g.field.name == field), None)
    return {v.value: v.count for v in group.values} if group else {}


def sparql_counts(select, pattern: str) -> dict[str, int]:
    return {row["v"]: int(row["n"]) for row in select(
        f"SELECT ?v (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {pattern} }} GROUP BY ?v")}


def sparql_set(select, pattern: str) -> set[str]:
    return {row["e"] for row in select(f"SELECT DISTINCT ?e WHERE {{ {pattern} }}")}


FUNDED_BY = "?e hg:subProjectOf* ?q . ?f a hg:Funding ; schema:fundedItem ?q ; schema:funder {funder} ."


# ---------------------------------------------------------------------- counts against SPARQL

def test_listing_sizes_equal_sparql(indexes, select):
    for name, members in (("projects", "?e a hg:Project"), ("organisations", "?e a hg:Organisation"),
                          ("people", "?e a hg:Person"), ("schemes", "?e a hg:FundingScheme"),
                          ("regions", "?e a hg:Region"), ("themes", "?e skos:inScheme hgv:themes")):
        assert indexes.listing(name, {}).total == len(sparql_set(select, members)), name


def test_facet_counts_equal_sparql_counts(indexes, select):
    projects = indexes.listing("projects", {})
    assert counts(projects, "region") == sparql_counts(select, "?e a hg:Project ; hg:targetRegion ?v")
    assert counts(projects, "type") == sparql_counts(select, "?e a hg:Project ; hg:projectType ?v")
    assert counts(projects, "funder") == sparql_counts(
        select, "?e a hg:Project . " + FUNDED_BY.format(funder="?v"))
    assert counts(projects, "orgkind") == sparql_counts(
        select, "?e a hg:Project . ?m hg:inProject ?e ; hg:agent ?a . ?a a ?v . ?v rdfs:subClassOf hg:Organisation "
                "FILTER(?v != hg:Organisation)")
    organisations = indexes.listing("organisations", {})
    assert counts(organisations, "orgkind") == sparql_counts(
        select, "?e a hg:Organisation , ?v . ?v rdfs:subClassOf hg:Organisation FILTER(?v != hg:Organisation)")
    assert counts(organisations, "role") == sparql_counts(select, "?e a hg:Organisation . ?m hg:agent ?e ; hg:role ?v")
    people = indexes.listing("people", {})
    assert counts(people, "role") == sparql_counts(select, "?e a hg:Person . ?m hg:agent ?e ; hg:role ?v")
    assert counts(people, "role"), "the seed data has people with roles"


def test_counts_follow_the_selection(indexes, select, ns):
    eu = ns.entity("organisation", "euroopan-unioni")
    selected = indexes.listing("projects", {"funder": [eu]})
    expected = sparql_set(select, "?e a hg:Project . " + FUNDED_BY.format(funder=f"<{eu}>"))
    assert selected.total == len(expected) > 0
    assert {row.iri for row in selected.rows} == expected
    assert counts(selected, "region") == sparql_counts(
        select, "?e a hg:Project ; hg:targetRegion ?v . " + FUNDED_BY.format(funder=f"<{eu}>"))
    # every shown count is what the list would have with that value added
    for value, n in counts(selected, "region").items():
        assert indexes.listing("projects", {"funder": [eu], "region": [value]}).total == n


def test_facets_combine_with_and(indexes, select, ns):
    eu, kainuu = ns.entity("organisation", "euroopan-unioni"), ns.entity("region", "kainuu")
    both = indexes.listing("projects", {"funder": [eu], "region": [kainuu]})
    expected = sparql_set(select, f"?e a hg:Project ; hg:targetRegion <{kainuu}> . " + FUNDED_BY.format(funder=f"<{eu}>"))
    assert {row.iri for row in both.rows} == expected
    assert ns.entity("project", "mrv") in expected
    # within a facet too: two regions means projects that target both
    savo = ns.entity("region", "etela-savo")
    two = indexes.listing("projects", {"region": [kainuu, savo]})
    assert {row.iri for row in two.rows} == sparql_set(
        select, f"?e a hg:Project ; hg:targetRegion <{kainuu}> , <{savo}>")


def test_year_facet_uses_periods_and_inherits_from_parent_projects(indexes, select, ns):
    dated = {row["e"] for row in select("""
        SELECT DISTINCT ?e WHERE {
          ?e a hg:Project .
          OPTIONAL { ?e schema:startDate ?s1 } OPTIONAL { ?e hg:earliestStart ?s2 } OPTIONAL { ?e hg:latestStart ?s3 }
          OPTIONAL { ?e schema:endDate ?e1 } OPTIONAL { ?e hg:latestEnd ?e2 } OPTIONAL { ?e hg:earliestEnd ?e3 }
          BIND(COALESCE(?s1, ?s2, ?s3, ?e1, ?e2, ?e3) AS ?start) BIND(COALESCE(?e1, ?e2, ?e3, ?s1, ?s2, ?s3) AS ?end)
          FILTER(BOUND(?start) && YEAR(?start) <= 2021 && YEAR(?end) >= 2021)
        }""")}
    undated_children = {row["e"] for row in select("""
        SELECT DISTINCT ?e ?p WHERE { ?e a hg:Project ; hg:subProjectOf ?p .
          FILTER NOT EXISTS { ?e schema:startDate|schema:endDate|hg:earliestStart|hg:latestStart|hg:earliestEnd|hg:latestEnd ?d } }""")
        if row["p"] in dated}
    in_2021 = {row.iri for row in all_rows(indexes, "projects", {"year": ["2021"]})}
    assert in_2021 == dated | undated_children
    assert ns.entity("project", "tyoparimalli") in in_2021 and ns.entity("project", "mrv") not in in_2021


def test_scheme_amount_includes_sub_schemes(indexes, select, ns):
    schemes = {row.iri: row for row in indexes.listing("schemes", {}).rows}
    programme = ns.entity("scheme", "uudistuva-ja-osaava-suomi-2021-2027")
    total = select(f"""SELECT (SUM(?a) AS ?t) WHERE {{ ?f a hg:Funding ; hg:fundingScheme ?s ;
                                                       schema:amount/schema:value ?a .
                                                     ?s (hg:subSchemeOf|hg:fundedFrom)* <{programme}> }}""")[0]["t"]
    assert schemes[programme].amount == float(total) > 0


# ---------------------------------------------------------------------- HTML, links, sorting, paging

def test_listing_page_has_facets_with_links_that_add_and_remove(client, ns):
    html = client.get("/projects?lang=en").get_data(as_text=True)
    assert "<h1>Projects</h1>" in html
    link = re.search(r'<a href="(/projects\?region=region%3Akainuu)" rel="nofollow">Kainuu</a>\s*'
                     r'<span class="count"[^>]*>(\d+)</span>', html)
    assert link, "a facet link adds the region"
    filtered = client.get(unescape(link.group(1))).get_data(as_text=True)
    assert f"{link.group(2)} results" in filtered
    remove = re.search(r'<a class="remove" href="(/projects)"', filtered)
    assert remove, "the selected value links to the list without it"
    assert 'class="chip"' in filtered


def test_links_keep_other_facets_sort_and_page_size(client):
    html = client.get("/projects?region=region:kainuu&sort=-start&per=10&lang=en").get_data(as_text=True)
    links = [unescape(h) for h in re.findall(r'href="(/projects\?[^"]+)"', html)]
    added = [dict(parse_qsl(urlsplit(h).query)) for h in links if "funder=" in h]
    assert added and all(q.get("region") == "region:kainuu" and q.get("sort") == "-start" and q.get("per") == "10"
                         for q in added)


def test_sorting_and_paging(indexes, client):
    by_start = all_rows(indexes, "projects", {}, sort="start")
    starts = [r.start for r in by_start if r.start]
    assert starts == sorted(starts)
    undated = [i for i, r in enumerate(by_start) if not r.start]
    assert all(i >= len(starts) for i in undated)  # projects without a period come last
    first = indexes.listing("projects", {}, per=10, page=1)
    second = indexes.listing("projects", {}, per=10, page=2)
    assert first.pages == second.pages >= 2
    assert not {r.iri for r in first.rows} & {r.iri for r in second.rows}
    labels = [r.label for r in all_rows(indexes, "projects", {}, lang="fi")]
    assert labels[0] <= labels[1]
    html = client.get("/projects?per=10&page=2&lang=en").get_data(as_text=True)
    assert 'rel="prev"' in html and 'aria-current="page" href="/projects?per=10&amp;page=2"' in html


def test_all_listings_render(client):
    for name, listing in LISTINGS.items():
        for lang in ("fi", "en"):
            response = client.get(f"/{name}?lang={lang}")
            assert response.status_code == 200, name
            assert f"<h1>{listing.title[lang]}</h1>" in response.get_data(as_text=True)


# ---------------------------------------------------------------------- downloads

def test_csv_rows_match_the_listing_and_sparql(client, select, ns):
    kainuu = ns.entity("region", "kainuu")
    response = client.get("/projects.csv?region=region:kainuu&lang=fi")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["iri"] for row in rows} == sparql_set(select, f"?e a hg:Project ; hg:targetRegion <{kainuu}>")
    mrv = next(row for row in rows if row["iri"] == ns.entity("project", "mrv"))
    assert mrv["label"] == "Matkalla riittävään vanhemmuuteen"
    assert mrv["start"] == "2024-08-01" and mrv["end"] == "2026-12-31"
    assert kainuu in mrv["region_iri"].split() and "Kainuu" in mrv["region"]
    assert mrv["funding_eur"] == "1798681"
    everything = list(csv.DictReader(io.StringIO(client.get("/projects.csv").get_data(as_text=True))))
    assert len(everything) == len(sparql_set(select, "?e a hg:Project"))


def test_jsonld_has_the_same_items_and_parses(client, ns):
    response = client.get("/organisations.jsonld?orgkind=hg:WellbeingServicesCounty&lang=fi")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format="json-ld",
                                 publicID="http://localhost/organisations.jsonld")
    csv_rows = list(csv.DictReader(io.StringIO(
        client.get("/organisations.csv?orgkind=hg:WellbeingServicesCounty").get_data(as_text=True))))
    county = rdflib.URIRef(ns.hg + "WellbeingServicesCounty")
    typed = {str(s) for s in graph.subjects(rdflib.RDF.type, county)}
    assert typed == {row["iri"] for row in csv_rows}
    assert ns.entity("organisation", "kainuun-hyvinvointialue") in typed
    label = graph.value(rdflib.URIRef(ns.entity("organisation", "kainuun-hyvinvointialue")), rdflib.RDFS.label)
    assert str(label) == "Kainuun hyvinvointialue" and label.language == "fi"
    document = json.loads(response.get_data(as_text=True))
    assert document["schema:numberOfItems"] == len(csv_rows)


def test_precomputed_counts_for_one_value_equal_the_counts_computed_on_request(store, tmp_path, monkeypatch, ns):
    import hankegraafi.indexes.listings as listings
    from hankegraafi.indexes import Indexes
    from hankegraafi.indexes.analysis import analyser

    monkeypatch.setattr(listings, "PAIR_MIN", 1)  # every value gets its filtered counts precomputed
    monkeypatch.setattr(listings, "PAIR_FIELD_VALUES", 5)  # but fields with more values are counted on request
    folder = tmp_path / "pairs"
    folder.mkdir()
    write_indexes(ox.Store.read_only(str(store.current_path())), folder, ns)
    precomputed = Indexes(folder / "indexes.sqlite", analyser())
    on_request = open_release(store.current_path())   # seed values are below the real PAIR_MIN
    assert not on_request.conn.execute("SELECT COUNT(*) FROM facet_pair_count").fetchone()[0]
    checked = 0
    for name in ("projects", "organisations", "people"):
        for field_name, value in precomputed.conn.execute(
                "SELECT DISTINCT field, value FROM facet_pair_count WHERE listing = ?", (name,)).fetchall():
            fast, slow = (i.listing(name, {field_name: [value]}, lang="en") for i in (precomputed, on_request))
            assert fast.total == slow.total > 0
            assert [(g.field.name, [(v.value, v.count) for v in g.values], g.more) for g in fast.facets] == \
                   [(g.field.name, [(v.value, v.count) for v in g.values], g.more) for g in slow.facets]
            checked += 1
    assert checked > 50
    fields = {name for (name,) in precomputed.conn.execute(
        "SELECT DISTINCT field2 FROM facet_pair_count WHERE listing = 'projects'")}
    assert fields and "region" not in fields  # the projects' regions: more than 5 values


def test_downloads_stream_in_batches_with_the_rows_and_order_of_the_pages(indexes, client, monkeypatch):
    import hankegraafi.indexes.listings as listings

    first = indexes.listing("people", {}, per=10, page=1)
    pages = [row.iri for page in range(1, first.pages + 1) for row in indexes.listing("people", {}, per=10, page=page).rows]
    exported = indexes.export("people", {}, batch=3)
    batches = [[row.iri for row in batch] for batch in exported.batches]
    assert exported.total == first.total == len(pages) >= 7
    assert all(len(batch) == 3 for batch in batches[:-1]) and 1 <= len(batches[-1]) <= 3
    assert [iri for batch in batches for iri in batch] == pages
    monkeypatch.setattr(listings, "EXPORT_BATCH", 2)  # the web's batches: several chunks, same document
    for suffix in ("csv", "jsonld"):
        response = client.get(f"/people.{suffix}?lang=fi", buffered=False)
        assert response.is_streamed
        chunks = [chunk for chunk in response.response if chunk]
        assert len(chunks) > 3
        text = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
        if suffix == "csv":
            assert [row["iri"] for row in csv.DictReader(io.StringIO(text))] == pages
        else:
            items = json.loads(text)["schema:itemListElement"]["@list"]
            assert [item["@id"] for item in items] == pages


# ---------------------------------------------------------------------- escaping

@pytest.fixture(scope="module")
def evil_client(tmp_path_factory):
    """A release whose data has markup in labels and descriptions."""
    root = tmp_path_factory.mktemp("evil") / "store"
    folder = root / "releases" / "evil"
    folder.mkdir(parents=True)
    ns = Namespaces("https://w3id.org/hankegraafi/")
    rdf, skos, dcterms = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2004/02/skos/core#",
                          "http://purl.org/dc/terms/")
    project, region = ox.NamedNode(ns.entity("project", "evil")), ox.NamedNode(ns.entity("region", "evil"))
    store = ox.Store(str(folder))
    store.extend([ox.Quad(*t) for t in (
        (project, ox.NamedNode(rdf + "type"), ox.NamedNode(ns.hg + "Project")),
        (project, ox.NamedNode(skos + "prefLabel"), ox.Literal('<script>alert("x")</script> hanke', language="fi")),
        (project, ox.NamedNode(dcterms + "description"), ox.Literal("<img src=x onerror=alert(1)>", language="fi")),
        (project, ox.NamedNode(ns.hg + "targetRegion"), region),
        (region, ox.NamedNode(rdf + "type"), ox.NamedNode(ns.hg + "Region")),
        (region, ox.NamedNode(skos + "prefLabel"), ox.Literal("<b>Alue</b>", language="fi")),
    )])
    write_indexes(store, folder, ns)
    store.flush()
    del store
    Release("evil", "2025-01-01T00:00:00+00:00", "0" * 64, ns.base, False, []).write(folder)
    (root / "current").symlink_to(folder.relative_to(root))
    return create_app(load_config(environ={}, store_path=root)).test_client()


def test_markup_in_data_is_shown_as_text(evil_client):
    html = evil_client.get("/projects?lang=fi").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; hanke" in html
    assert "<b>Alue</b>" not in html and "&lt;b&gt;Alue&lt;/b&gt;" in html
    search = evil_client.get("/search?q=hanke").get_data(as_text=True)
    assert "<script>alert" not in search and "<mark>hanke</mark>" in search
    csv_text = evil_client.get("/projects.csv").get_data(as_text=True)
    assert '<script>alert(""x"")</script> hanke' in csv_text  # CSV keeps the data as it is
