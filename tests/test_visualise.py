"""Visualisations: data computed at build time equals its SPARQL queries; JSON and CSV downloads;
server-rendered tables; the chart data sits in a non-executed JSON script; ECharts is served from
node_modules through the allow-listed vendor route."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from hankegraafi.indexes import open_release, visual



@pytest.fixture(scope="module")
def indexes(store):
    return open_release(store.current_path())


def embedded(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="viz-data">(.*?)</script>', html, re.S)
    assert match, "chart data is embedded as JSON"
    return json.loads(match.group(1))


def test_timeline_data_equals_its_query(indexes, store, ns, select):
    data = indexes.dataset("timeline")
    rows = visual.run(store.store, "timeline", ns)
    assert {(i["item"], i["type"]) for i in data["items"]} == {(r["item"], r["type"]) for r in rows}
    for row in rows:
        if row.get("start"):
            item = next(i for i in data["items"] if i["item"] == row["item"])
            assert item["start"] == row["start"] and not item["inherited"]
    manager = next(i for i in data["items"] if i["item"] == ns.entity("role", "mrv-project-manager-paivi-malinen"))
    assert (manager["start"], manager["end"]) == ("2024-08-01", "2025-06-30")
    assert manager["agent"] == ns.entity("person", "paivi-malinen")
    engagements = select("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a hg:Engagement ; hg:inProject ?p ; hg:agent ?a ; hg:role ?r }")
    assert sum(1 for i in data["items"] if i["type"] == "role") >= int(engagements[0]["n"])


@pytest.mark.parametrize("view, key, name", [("timeline", "items", "timeline"), ("network", "links", "network"),
                                             ("network", "pairs", "network-pairs"),
                                             ("funding", "budgets", "funding-budgets")])
def test_data_comes_in_the_order_of_its_query(indexes, store, ns, view, key, name):
    """The build sorts these rows in Python instead of Oxigraph (visual._run): same order as the
    query's ORDER BY, unbound values first."""
    order = re.search(r"ORDER BY((?:\s+\?\w+)+)\s*$", visual.QUERIES[name]).group(1).split()
    # (a timeline item's start is its completed period, not the stated ?start it is sorted by)
    order = [v[1:] for v in order if not (name == "timeline" and v == "?start")]
    keys = lambda row: tuple(row.get(v) or "" for v in order)
    built = [keys(item) for item in indexes.dataset(view)[key]]
    queried = [keys(row) for row in visual.run(store.store, name, ns)]
    assert len(built) >= 8 and built == queried


def test_timeline_page(client, ns):
    response = client.get("/visualise/timeline?lang=fi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Aikajana</h1>" in html
    payload = embedded(html)
    labels = [r["label"] for r in payload["rows"]]
    assert "Matkalla riittävään vanhemmuuteen" in labels
    assert "Päivi Malinen – hankepäällikkö" in labels
    # the no-JavaScript table has the same rows
    assert '<a href="/id/project/mrv">Matkalla riittävään vanhemmuuteen</a>' in html
    assert "1.8.2024–30.6.2025" in html
    # scripts only from the site itself; the data script is JSON, not executed
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="application/json"' in s or "src=" in s for s in scripts)
    assert '/static/vendor/echarts/echarts.min.js' in html and "/static/visualise.js" in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_network(client, indexes, store, ns):
    data = indexes.dataset("network")
    rows = visual.run(store.store, "network", ns)
    assert len(data["links"]) == len(rows)
    county = ns.entity("organisation", "kainuun-hyvinvointialue")
    mrv = ns.entity("project", "mrv")
    assert any(l["source"] == county and l["target"] == mrv for l in data["links"])
    pairs = {(p["organisation"], p["partner"], p["project"]) for p in data["pairs"]}
    assert pairs == {(r["organisation"], r["partner"], r["project"]) for r in visual.run(store.store, "network-pairs", ns)}
    html = client.get("/visualise/network?lang=en").get_data(as_text=True)
    payload = embedded(html)
    assert {n["id"] for n in payload["nodes"]} >= {county, mrv}
    assert payload["categories"] == ["Organisation", "Project"]
    assert "Who works with whom" in html
    assert "Kainuun hyvinvointialue" in client.get("/visualise/network?lang=fi").get_data(as_text=True)


def test_funding(client, indexes, store, ns):
    data = indexes.dataset("funding")
    schemes = {s["scheme"]: s["total"] for s in data["schemes"]}
    assert schemes == {r["scheme"]: float(r["total"]) for r in visual.run(store.store, "funding-schemes", ns)}
    mrv = next(p for p in data["projects"] if p["project"] == ns.entity("project", "mrv"))
    assert mrv["amount"] == 1798681 and mrv["funder"] == ns.entity("organisation", "euroopan-unioni")
    # the two documents' different totals for MRV are both there, each with its source
    totals = {(b["amount"], b["document"]) for b in data["budgets"]
              if b["project"] == ns.entity("project", "mrv") and b["type"].endswith("amount-total-cost")}
    assert len(totals) >= 2 and all(doc for _, doc in totals)
    html = client.get("/visualise/funding?lang=fi").get_data(as_text=True)
    payload = embedded(html)
    assert "Matkalla riittävään vanhemmuuteen" in payload["projects"]["categories"]
    assert "1\u00a0798\u00a0681\u00a0€" in html


def test_downloads(client, indexes):
    for view, tables in (("timeline", ["items"]), ("network", ["links", "pairs"]),
                         ("funding", ["schemes", "projects", "budgets"])):
        response = client.get(f"/visualise/{view}.json")
        assert response.status_code == 200 and response.get_json() == indexes.dataset(view)
        for table in tables:
            response = client.get(f"/visualise/{view}.csv?table={table}")
            assert response.status_code == 200 and response.mimetype == "text/csv"
            rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
            key = {"items": "items", "links": "links", "pairs": "pairs", "schemes": "schemes",
                   "projects": "projects", "budgets": "budgets"}[table]
            assert len(rows) == len(indexes.dataset(view)[key])
    assert client.get("/visualise/nothing.json").status_code == 404
    assert client.get("/visualise/timeline.csv?table=nope").status_code == 404


def test_query_links_open_the_editor_with_the_query(client, store):
    html = client.get("/visualise/funding?lang=en").get_data(as_text=True)
    links = [unescape(h) for h in re.findall(r'href="(/query\?query=[^"]+)"', html)]
    assert len(links) == 3
    for link in links:
        text = parse_qs(urlsplit(link).query)["query"][0]
        assert text.lstrip().startswith("PREFIX")
        store.query(text)  # runs as it stands
        assert client.get(link).status_code == 200


def test_vendor_route_serves_only_allow_listed_files(client):
    response = client.get("/static/vendor/echarts/echarts.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"echarts" in response.get_data()[:2000]
    for path in ("/static/vendor/echarts/package.json", "/static/vendor/../package.json",
                 "/static/vendor/echarts/dist/echarts.js", "/static/vendor/%2e%2e/%2e%2e/pyproject.toml"):
        assert client.get(path).status_code == 404, path


def test_visualise_index_and_language(client):
    html = client.get("/visualise/?lang=en").get_data(as_text=True)
    for name in ("Timeline", "Network", "Funding"):
        assert f">{name}</a>" in html
