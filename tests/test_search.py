"""Finnish- and English-aware search: Voikko analysis, the index built with the release, ranking,
highlighting that escapes first, the /search page and the JSON API."""

from __future__ import annotations

import re
from itertools import pairwise

import pyoxigraph as ox
import pytest

from hankegraafi.indexes import INDEX_FILE, open_release
from hankegraafi.indexes import search as search_index
from hankegraafi.indexes import write as write_indexes
from hankegraafi.indexes.analysis import analyser
from hankegraafi.indexes.finnish import compound_groups
from hankegraafi.namespaces import Namespaces



@pytest.fixture(scope="module")
def indexes(store):
    return open_release(store.current_path())


def iris(results) -> list[str]:
    return [hit.iri for hit in results.hits]


# ---------------------------------------------------------------------- the analyser

def test_voikko_is_debians_library():
    """The PyPI binding (ctypes) loads Debian's libvoikko1 and its Finnish dictionary."""
    fi = analyser().fi
    assert fi.version.startswith("4.")
    with open("/proc/self/maps", encoding="utf-8") as maps:
        loaded = maps.read()
    assert re.search(r"/usr/lib/[\w-]*/libvoikko\.so\.1", loaded), "libvoikko.so.1 not loaded from /usr/lib"


def test_inflected_forms_have_one_base_form():
    fi = analyser().fi
    for word in ("lastensuojelun", "lastensuojelua", "lastensuojelussa", "lastensuojelu"):
        assert fi.query_tokens(word) == {"lastensuojelu"}
    assert fi.query_tokens("Kainuussa") == {"kainuu"}
    assert fi.query_tokens("Etelä-Savon") == {"eteläsavo"}


def test_compounds_are_indexed_with_their_parts():
    fi = analyser().fi
    assert compound_groups("+lasten(lapsi)+suojel(suojella)+u(+u)") == [("lasten", "lapsi"), ("suojelu", None)]
    tokens = fi.index_tokens("lastensuojelun")
    assert {"lastensuojelu", "suojelu", "lapsi"} <= tokens
    assert {"asiantuntija", "toiminta", "kokemus"} <= fi.index_tokens("kokemusasiantuntijatoiminnassa")
    assert {"hyvinvointialue", "alue", "hyvinvointi"} <= fi.index_tokens("hyvinvointialueilla")


def test_unknown_words_fall_back_to_stems():
    fi = analyser().fi
    assert fi.query_tokens("Soiten") & fi.index_tokens("Soite")


def test_english_uses_snowball_stems():
    en = analyser().en
    assert en.tokens("protection") == en.tokens("protected") == {"protect"}
    assert en.tokens("child-protection") >= {"child", "protect"}


# ---------------------------------------------------------------------- the index and ranking

def test_release_has_index_beside_store(store, indexes):
    path = store.current_path()
    assert (path / INDEX_FILE).is_file()
    meta = indexes.meta()
    assert meta["finnish_analyser"].startswith("Voikko")
    assert int(meta["searchable"]) > 50


def test_inflected_forms_and_compound_parts_find_child_protection_projects(indexes, ns, select):
    protection_projects = {row["p"] for row in select("""
        SELECT DISTINCT ?p WHERE { ?p a hg:Project ; skos:prefLabel ?l FILTER(LANG(?l) = "fi")
                                   FILTER(CONTAINS(LCASE(?l), "lastensuojelu")) }""")}
    assert len(protection_projects) >= 3
    for query in ("lastensuojelun", "lastensuojelua", "suojelu"):
        found = set(iris(indexes.search(query, limit=100)))
        assert protection_projects <= found, query
    assert ns.entity("project", "tyoparimalli") in iris(indexes.search("lastensuojelua", kind="project", limit=5))


def test_kainuussa_finds_the_region_and_the_wellbeing_services_county(indexes, ns):
    results = indexes.search("Kainuussa", limit=10)
    top = iris(results)
    region, county = ns.entity("region", "kainuu"), ns.entity("organisation", "kainuun-hyvinvointialue")
    assert top[0] == region  # the entity named by the query ranks first
    assert county in top[:3]
    hit = results.hits[top.index(county)]
    assert str(hit.label_html) == "<mark>Kainuun</mark> hyvinvointialue"


def test_whole_label_ranks_first(indexes, ns):
    assert iris(indexes.search("Kainuun hyvinvointialueella"))[0] == ns.entity("organisation", "kainuun-hyvinvointialue")
    assert iris(indexes.search("MRV"))[0] == ns.entity("project", "mrv")


def test_english_search(indexes, ns):
    results = indexes.search("child protection", langs=("en",), display_lang="en", kind="project", limit=50)
    assert ns.entity("project", "tyoparimalli") in iris(results)
    assert any("<mark>" in str(h.label_html) or "<mark>" in str(h.snippet_html) for h in results.hits)
    # an English query finds nothing through the Finnish columns only
    assert indexes.search("protection", langs=("fi",)).total < indexes.search("protection", langs=("en",)).total


def test_people_are_found_by_inflected_name_and_role_title(indexes, ns):
    assert iris(indexes.search("Päivi Malisen"))[0] == ns.entity("person", "paivi-malinen")
    assert ns.entity("person", "paivi-malinen") in iris(indexes.search("hankepäällikkö"))


def test_nothing_with_all_words_falls_back_to_any(indexes):
    results = indexes.search("lastensuojelu zzzyxq")
    assert results.relaxed and results.total > 0


# ---------------------------------------------------------------------- kinds, counts and the rank cap

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
CAP_QUERIES = ("lastensuojelua", "lastensuojelu", "child protection", "Kainuussa", "Kainuun hyvinvointialueella",
               "MRV", "hanke", "perhe", "kehittäminen", "suojelu", "vanhemmuus")


def kind_counts_by_join(indexes, text: str) -> dict[str, int]:
    """Matches per kind the slow way: every match joined with its entity."""
    a = analyser()
    expression = search_index._expression(a.query_words(text), ("fi", "en"), False, a, text)
    return dict(indexes.conn.execute(
        "SELECT e.kind, count(*) FROM search JOIN search_doc d ON d.rowid = search.rowid "
        "JOIN entity e ON e.id = d.entity WHERE search MATCH ? GROUP BY e.kind", (expression,)).fetchall())


def document_sizes(conn) -> dict[int, int]:
    """Tokens per search document, from FTS5's own docsize table (a varint per column)."""
    sizes = {}
    for rowid, blob in conn.execute("SELECT id, sz FROM search_docsize"):
        total, value = 0, 0
        for byte in blob:
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                total, value = total + value, 0
        sizes[rowid] = total
    return sizes


def test_search_rowids_are_kind_ranges_in_prominence_order(indexes):
    conn = indexes.conn
    ranges = conn.execute("SELECT kind, lo, hi, weight FROM search_kind ORDER BY lo").fetchall()
    assert ranges[0]["lo"] == 1 and all(a["hi"] + 1 == b["lo"] for a, b in pairwise(ranges))
    assert ranges[-1]["hi"] == conn.execute("SELECT count(*) FROM search_doc").fetchone()[0]
    assert [r["kind"] for r in ranges][:3] == ["project", "organisation", "region"]  # the heaviest first
    assert {r["kind"]: r["weight"] for r in ranges}["goal"] == 1.0
    sizes = document_sizes(conn)
    for kind, lo, hi, _ in ranges:
        members = conn.execute("SELECT e.kind FROM search_doc d JOIN entity e ON e.id = d.entity "
                               "WHERE d.rowid BETWEEN ? AND ?", (lo, hi)).fetchall()
        assert {k for (k,) in members} == {kind}
        assert [sizes[r] for r in range(lo, hi + 1)] == sorted(sizes[r] for r in range(lo, hi + 1)), kind


def test_kind_counts_are_exact(indexes, select):
    for text in CAP_QUERIES:
        results = indexes.search(text)
        assert results.kinds == kind_counts_by_join(indexes, text), text
        assert results.total == sum(results.kinds.values())
    protection_projects = {row["p"] for row in select("""
        SELECT DISTINCT ?p WHERE { ?p a hg:Project ; skos:prefLabel ?l
                                   FILTER(CONTAINS(LCASE(?l), "lastensuojelu")) }""")}
    kinds = indexes.search("lastensuojelu").kinds
    assert kinds["project"] >= len(protection_projects) >= 3
    assert kinds["theme"] == 2 and kinds["person"] == 2  # the child protection theme; people by role title
    assert indexes.search("Päivi Malisen").kinds == {"person": 1}


def test_kind_filter_pages_through_exactly_that_kind(indexes):
    kinds = indexes.search("lastensuojelu").kinds
    assert len(kinds) > 3
    for kind, n in kinds.items():
        hits = []
        for offset in range(0, n, 3):
            page = indexes.search("lastensuojelu", kind=kind, limit=3, offset=offset)
            assert page.total == n and page.kinds == kinds
            hits += page.hits
        assert {h.kind for h in hits} == {kind}
        assert len({h.iri for h in hits}) == n
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert indexes.search("lastensuojelu", kind="region").hits == []


def test_capped_ranking_agrees_with_the_full_one_on_the_seed_data(indexes, ns, monkeypatch):
    full = {}
    for text in CAP_QUERIES:
        results = indexes.search(text, limit=6)
        assert not results.capped  # the seed data is far below the cap: exact ranking
        full[text] = iris(results)
    monkeypatch.setattr(search_index, "RANK_CAP", 2)
    capped = 0
    for text in CAP_QUERIES:
        results = indexes.search(text, limit=2)
        capped += results.capped
        assert iris(results) == full[text][:2], text
        # a page beyond the cap is ranked exactly
        deeper = indexes.search(text, limit=2, offset=2)
        assert not deeper.capped and iris(deeper) == full[text][2:4], text
    assert capped >= 8
    # the entity named by the query still comes first
    assert iris(indexes.search("Kainuussa", limit=1))[0] == ns.entity("region", "kainuu")
    assert iris(indexes.search("MRV", limit=1))[0] == ns.entity("project", "mrv")
    # tiers taken as sets of rowids rather than ranges: the same hits
    monkeypatch.setattr(search_index, "_close_together", lambda *_: False)
    for text in CAP_QUERIES:
        assert iris(indexes.search(text, limit=2)) == full[text][:2], text


def test_capped_ranking_on_a_constructed_case(tmp_path, monkeypatch):
    """Three short texts mentioning "kalastus" come first in prominence order; after them a text
    repeating it, a project with it in its label and one named "Kalastus" (both with long texts).
    Capped at 3, the label and the name are still found (their tiers), the repeating text is not."""
    ns = Namespaces("https://example.org/cap/")
    filler = "Hankkeessa kehitetään palveluja yhdessä kuntien, järjestöjen ja asukkaiden kanssa monin tavoin. " * 3
    projects = {
        "lyhyt-1": ("Alfa", "Kalastus."),
        "lyhyt-2": ("Beeta", "Kalastus järvellä."),
        "lyhyt-3": ("Gamma", "Kalastus joella ja merellä."),
        "toisto": ("Delta", "Kalastus, kalastus ja kalastus: kalastus talvella, kalastus kesällä, kalastus aina."),
        "otsikko": ("Kalastuksen kehittäminen", filler),
        "nimi": ("Kalastus", filler + filler),
        **{f"muu-{i}": (f"Muu hanke {i}", "Hankkeessa kehitetään palveluja.") for i in range(8)},
    }
    store = ox.Store()
    for slug, (label, description) in projects.items():
        project = ox.NamedNode(ns.entity("project", slug))
        store.extend([ox.Quad(project, RDF_TYPE, ox.NamedNode(ns.hg + "Project")),
                      ox.Quad(project, PREF_LABEL, ox.Literal(label, language="fi")),
                      ox.Quad(project, DESCRIPTION, ox.Literal(description, language="fi"))])
    write_indexes(store, tmp_path, ns)
    indexes = open_release(tmp_path)

    def slugs(results):
        return [iri.rsplit("/", 1)[1] for iri in iris(results)]

    full = indexes.search("kalastus", limit=10)
    assert not full.capped and full.kinds == {"project": 6}
    assert slugs(full)[:3] == ["nimi", "toisto", "otsikko"]
    assert set(slugs(full)[3:]) == {"lyhyt-1", "lyhyt-2", "lyhyt-3"}
    monkeypatch.setattr(search_index, "RANK_CAP", 3)
    capped = indexes.search("kalastus", limit=3)
    assert capped.capped and capped.total == 6 and capped.kinds == {"project": 6}
    # the full ranking without the one match the cap left out
    assert slugs(capped) == [s for s in slugs(full) if s != "toisto"][:3]
    assert [h.score for h in capped.hits] == [h.score for h in full.hits if not h.iri.endswith("/toisto")][:3]
    # past the cap: exact again
    deeper = indexes.search("kalastus", limit=2, offset=2)
    assert not deeper.capped and slugs(deeper) == slugs(full)[2:4]
    monkeypatch.setattr(search_index, "RANK_CAP", 6)
    assert slugs(indexes.search("kalastus", limit=3)) == slugs(full)[:3]


# ---------------------------------------------------------------------- escaping

def test_labels_with_markup_are_escaped_before_marking(tmp_path):
    ns = Namespaces("https://example.org/hg/")
    store = ox.Store()
    hg = ns.hg
    evil = ox.NamedNode(ns.entity("project", "evil"))
    store.extend([
        ox.Quad(evil, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(hg + "Project")),
        ox.Quad(evil, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                ox.Literal("<script>alert(1)</script> Lastensuojelun <b>hanke</b>", language="fi")),
        ox.Quad(evil, ox.NamedNode("http://purl.org/dc/terms/description"),
                ox.Literal("Kuvaus & <img src=x onerror=alert(2)> lastensuojelusta", language="fi")),
    ])
    write_indexes(store, tmp_path, ns)
    hit = open_release(tmp_path).search("lastensuojelu").hits[0]
    assert str(hit.label_html) == ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Lastensuojelun</mark> "
                                   "&lt;b&gt;hanke&lt;/b&gt;")
    assert "<img" not in str(hit.snippet_html) and "&lt;img" in str(hit.snippet_html)
    assert "<mark>lastensuojelusta</mark>" in str(hit.snippet_html)


# ---------------------------------------------------------------------- HTTP

def test_search_page_shows_highlighted_hits(client, ns):
    response = client.get("/search?q=Kainuussa&lang=fi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a href="/id/region/kainuu"><mark>Kainuu</mark></a>' in html
    assert '<a href="/id/organisation/kainuun-hyvinvointialue"><mark>Kainuun</mark> hyvinvointialue</a>' in html
    assert 'for="q"' in html and 'id="q"' in html  # the field has a label
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_search_page_escapes_the_query(client):
    html = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_search_page_filters_by_kind(client):
    html = client.get("/search?q=lastensuojelu&kind=person&lang=en").get_data(as_text=True)
    hits = re.findall(r'<li class="hit">.*?<p class="hit-kind">(.*?)</p>', html, re.S)
    assert hits and set(hits) == {"Person"}


def test_search_api(client, ns):
    response = client.get("/api/search?q=lastensuojelua&lang=fi&limit=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["total"] >= 5 and len(data["hits"]) == 5
    scores = [hit["score"] for hit in data["hits"]]
    assert scores == sorted(scores, reverse=True)
    for hit in data["hits"]:
        assert set(hit) >= {"iri", "label", "type", "snippet", "score", "url"}
        assert hit["iri"].startswith(ns.base)
    assert any("<mark>" in hit["snippet_html"] or "<mark>" in hit["label_html"] for hit in data["hits"])
    english = client.get("/api/search?q=child+protection&lang=en").get_json()
    assert english["total"] > 0 and english["hits"][0]["type"] in {"Project", "Theme", "Organisation"}
    assert client.get("/api/search").status_code == 400


def test_search_api_says_when_the_ranking_was_capped(client, monkeypatch):
    exact = client.get("/api/search?q=lastensuojelu&limit=2").get_json()
    assert exact["ranking_capped"] is False
    monkeypatch.setattr(search_index, "RANK_CAP", 2)
    capped = client.get("/api/search?q=lastensuojelu&limit=2").get_json()
    assert capped["ranking_capped"] is True and capped["total"] == exact["total"]
    assert [hit["iri"] for hit in capped["hits"]] == [hit["iri"] for hit in exact["hits"]]


def test_search_api_paging(client):
    first = client.get("/api/search?q=lastensuojelu&limit=3").get_json()
    second = client.get("/api/search?q=lastensuojelu&limit=3&offset=3").get_json()
    assert not {h["iri"] for h in first["hits"]} & {h["iri"] for h in second["hits"]}
    assert first["total"] == second["total"]


def test_index_of_another_format_is_refused(tmp_path):
    import sqlite3

    from hankegraafi.indexes import IndexUnavailable

    ns = Namespaces("https://example.org/other/")
    write_indexes(ox.Store(), tmp_path, ns)
    with sqlite3.connect(tmp_path / INDEX_FILE) as conn:
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'format'")
    with pytest.raises(IndexUnavailable, match="build"):
        open_release(tmp_path)
    with pytest.raises(IndexUnavailable):
        open_release(tmp_path / "missing")
