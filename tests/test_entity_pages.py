"""Entity pages on a real server: facts, time-qualified roles as sentences sorted by time, provenance
(document and line) for every statement, disagreeing sources side by side, incoming links paged,
fi/en with dates and amounts for the language, "show as SPARQL", the ontology and vocabulary pages,
and escaping of everything that comes from the data."""

from __future__ import annotations

import html
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from conftest import REPO, repo_config, start_server
from hankegraafi.build import build


def get(url: str, lang: str = "fi") -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Accept": "text/html", "Accept-Language": lang})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def text_of(markup: str) -> str:
    """The visible text: tags removed, entities decoded, whitespace (also no-break spaces) collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    return re.sub(r" ([,:;)])", r"\1", text)


def section(markup: str, anchor: str) -> str:
    """The markup of the <section> whose heading has id=`anchor`."""
    start = markup.index(f'id="{anchor}"')
    end = markup.find("</section>", start)
    return markup[start:end]


def rows(markup: str) -> list[str]:
    return re.findall(r"<tr\b.*?</tr>", markup, flags=re.S)


@pytest.fixture(scope="module")
def mrv_fi(server):
    status, headers, body = get(server + "/page/id/project/mrv", "fi")
    assert status == 200
    return body


@pytest.fixture(scope="module")
def mrv_en(server):
    status, _, body = get(server + "/page/id/project/mrv", "en")
    assert status == 200
    return body


# ---------------------------------------------------------------------------------------------------
# a project

def test_project_title_types_description(mrv_fi, mrv_en):
    assert re.search(r"<h1>Matkalla riittävään vanhemmuuteen</h1>", mrv_fi)
    assert re.search(r"<h1>Journey to good-enough parenthood</h1>", mrv_en)
    head = text_of(mrv_fi[:mrv_fi.index('id="statements"')])
    assert "ryhmähanke" in head and "hanke" in head
    assert "Myös: MRV" in head
    assert "lastensuojelun asiakasperheiden vanhemmille" in head  # the Finnish description
    assert "https://w3id.org/hankegraafi/id/project/mrv" in head
    assert "child-protection clients" in text_of(mrv_en[:mrv_en.index('id="statements"')])


def test_roles_read_as_sentences_sorted_by_time(mrv_fi):
    roles = text_of(section(mrv_fi, "roles"))
    iso = "Itä-Suomen sosiaalialan osaamiskeskus: päähankkeen toteuttaja, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025"
    jarvi = "Järvi-Suomen sosiaalialan osaamiskeskus: päähankkeen toteuttaja, Matkalla riittävään vanhemmuuteen, 1.7.2025–31.12.2026"
    paivi = "Päivi Malinen: hankepäällikkö, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025"
    for sentence in (iso, jarvi, paivi):
        assert sentence in roles
    assert roles.index(iso) < roles.index(jarvi)
    # a role recorded only as of the press release's date says so
    assert "Päivi Malinen: yhteyshenkilö, Matkalla riittävään vanhemmuuteen, todettu 18.6.2024" in roles
    # and each role cites its document and lines
    item = next(li for li in re.findall(r'<li class="role">.*?</li>', section(mrv_fi, "roles"), flags=re.S)
                if "hankepäällikkö" in li)
    assert "Lähde 004, rivit 24, 32, 84, 86" in text_of(item)
    assert 'href="/page/id/document/004#line-84"' in item


def test_roles_in_english_with_english_dates(mrv_en):
    roles = text_of(section(mrv_en, "roles"))
    assert "Päivi Malinen: project manager, Journey to good-enough parenthood, 1 Aug 2024–30 Jun 2025" in roles
    assert "Source 004, lines 24, 32, 84, 86" in roles


def test_disagreeing_totals_are_shown_with_both_sources(mrv_fi, mrv_en):
    budget_rows = rows(section(mrv_fi, "budgets"))
    totals = [text_of(r) for r in budget_rows if "kokonaiskustannukset" in r]
    assert len(totals) == 2
    by_source = {("000" if "Lähde 000" in t else "004"): t for t in totals}
    assert "2 300 000 € (pyöristetty)" in by_source["000"] and "todettu 18.6.2024" in by_source["000"]
    assert "2 248 352 €" in by_source["004"] and "1.8.2024–31.12.2026" in by_source["004"]
    assert "Lähde 000, rivi 17" in by_source["000"] and "Lähde 004, rivi 48" in by_source["004"]
    for row in budget_rows:
        if "kokonaiskustannukset" in row:
            assert 'class="differs"' in row and "Lähteet eroavat" in text_of(row)
    # the EU share is stated once (in 004 and as the funding): no disagreement flagged
    eu = next(r for r in budget_rows if "EU-rahoituksen osuus" in r)
    assert "1 798 681 €" in text_of(eu) and "differs" not in eu
    english = [text_of(r) for r in rows(section(mrv_en, "budgets")) if "total cost" in r]
    assert any("€2,248,352" in t for t in english) and any("€2,300,000 (rounded)" in t for t in english)


def test_every_statement_has_its_source(mrv_fi):
    table = section(mrv_fi, "statements")
    for row in rows(table)[1:]:
        for value in re.findall(r"<li>.*?</li>", row, flags=re.S):
            assert 'class="sources"' in value, text_of(value)
    start = next(r for r in rows(table) if 'title="schema:startDate"' in r)
    assert "1.8.2024" in text_of(start) and "Lähde 004" in text_of(start)
    # documents that disagree on a value: both values with their own source, flagged
    latest_start = next(r for r in rows(table) if 'title="hg:latestStart"' in r)
    assert "Lähteet eroavat" in text_of(latest_start)
    values = [text_of(li) for li in re.findall(r"<li>.*?</li>", latest_start, flags=re.S)]
    assert any("31.8.2024" in v and "Lähde 000" in v and "Lähde 004" not in v for v in values)
    assert any("1.8.2024" in v and "Lähde 004" in v and "Lähde 000" not in v for v in values)


def test_sources_section_gives_documents_and_lines(mrv_fi):
    sources = section(mrv_fi, "sources")
    text = text_of(sources)
    assert "Lähde 004: Matkalla riittävään vanhemmuuteen, rivit 3, 8, 12, 28, 32, 34, 38, 42" in text
    assert "Lähde 000: Vanhempien ja lasten ääni kuuluville sosiaalityössä" in text
    assert 'href="/page/id/document/004#line-12"' in sources
    assert 'id="source-004"' in sources


def test_show_as_sparql_reproduces_the_statements(mrv_fi, store, ns):
    links = re.findall(r'href="(/query\?query=[^"]+)"', mrv_fi)
    assert len(links) >= 2
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(links[0])).query)["query"][0]
    assert ns.entity("project", "mrv") in query
    results = store.query(query)
    names = [v.value for v in results.variables]
    found = [{n: row[n].value for n in names if row[n] is not None} for row in results]
    assert any(r["property"] == "https://schema.org/startDate" and r["value"] == "2024-08-01"
               and r["graph"] == ns.graph("source-004") and r.get("document") == ns.entity("document", "004")
               and r.get("line") == "3" for r in found)


def test_inferred_statements_are_apart(mrv_fi):
    assert "<details class=\"inferred\">" in mrv_fi
    details = mrv_fi[mrv_fi.index('<details class="inferred">'):mrv_fi.index("</details>")]
    assert "Päätellyt tiedot" in details
    assert "hg:hasEngagement" in details


# ---------------------------------------------------------------------------------------------------
# a person, an organisation, a document

def test_person_page(server):
    status, _, page = get(server + "/page/id/person/paivi-malinen", "fi")
    assert status == 200
    assert "<h1>Päivi Malinen</h1>" in page
    roles = text_of(section(page, "roles"))
    assert "Päivi Malinen: hankepäällikkö, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025 (edustaa: Itä-Suomen sosiaalialan osaamiskeskus)" in roles
    assert "Päivi Malinen: kehittämispäällikkö, Itä-Suomen sosiaalialan osaamiskeskus, todettu 18.6.2024" in roles
    statements = text_of(section(page, "statements"))
    assert "etunimi Päivi" in statements and "sukunimi Malinen" in statements
    sources = text_of(section(page, "sources"))
    assert "Lähde 004: Matkalla riittävään vanhemmuuteen, rivit 84, 86" in sources


def test_organisation_page_lists_its_people_and_roles(server):
    status, _, page = get(server + "/page/id/organisation/iso", "fi")
    assert status == 200
    roles = text_of(section(page, "roles"))
    assert "Itä-Suomen sosiaalialan osaamiskeskus: päähankkeen toteuttaja, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025" in roles
    assert "Jaana Rantalainen: hankekoordinaattori, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025" in roles
    assert "Päivi Malinen: kehittämispäällikkö, Itä-Suomen sosiaalialan osaamiskeskus" in roles
    incoming = section(page, "incoming")
    assert "/page/id/change/mrv-lead-implementer-2025-07-01" in incoming


def test_title_falls_back_fi_en_any(server):
    # only a Finnish name: the English page shows it, marked as Finnish
    _, _, page = get(server + "/page/id/organisation/iso", "en")
    assert '<h1 lang="fi">Itä-Suomen sosiaalialan osaamiskeskus</h1>' in page
    # a curated English name is used in English, with its curated source
    _, _, page = get(server + "/page/id/organisation/etela-savon-hyvinvointialue", "en")
    assert "<h1>South Savo wellbeing services county</h1>" in page
    assert "https://www.stat.fi/en/luokitukset/hyvinvointialue/" in section(page, "sources")
    _, _, page = get(server + "/page/id/organisation/etela-savon-hyvinvointialue", "fi")
    assert "<h1>Etelä-Savon hyvinvointialue</h1>" in page


def test_document_page_lists_cited_lines(server, ns):
    status, _, page = get(server + "/page/id/document/004", "fi")
    assert status == 200
    row = re.search(r'<tr id="line-48">.*?</tr>', page, flags=re.S).group(0)
    assert 'href="/page/id/budget/mrv-total-004"' in row
    assert "14d745705df89dc34df657c871f453930a40aaa876ec97de067ea940fc09f980" in page  # its checksum


def test_incoming_links_are_counted_and_paged(server, store, ns):
    document = ns.entity("document", "003")
    stated = {(q.subject.value, q.predicate.value) for q in store.store.quads_for_pattern(None, None, ox.NamedNode(document), None)
              if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value != ns.graph("inferred")}
    assert len(stated) > 20
    pages = -(-len(stated) // 10)
    _, _, first = get(server + "/page/id/document/003?in_size=10", "fi")
    incoming = section(first, "incoming")
    assert f"Viittaukset tähän ({len(stated)})" in text_of(incoming)
    assert len(rows(incoming)) == 1 + 10
    assert f"sivu 1/{pages}" in text_of(incoming)
    assert 'href="/page/id/document/003?in_size=10&amp;in_page=2"' in incoming
    _, _, last = get(server + f"/page/id/document/003?in_size=10&in_page={pages}", "fi")
    assert len(rows(section(last, "incoming"))) == 1 + (len(stated) - 10 * (pages - 1))
    seen = set()
    for number in range(1, pages + 1):
        _, _, page = get(server + f"/page/id/document/003?in_size=10&in_page={number}", "fi")
        seen |= set(re.findall(r'<tr><td><a href="([^"]+)"', section(page, "incoming")))
    assert len(seen) == len({s for s, _ in stated})


def test_language_switch_keeps_path_and_parameters(server):
    _, _, page = get(server + "/page/id/document/003?in_size=10&in_page=2", "fi")
    assert 'href="/page/id/document/003?in_size=10&amp;in_page=2&amp;lang=en"' in page
    _, headers, page = get(server + "/page/id/document/003?in_size=10&in_page=2&lang=en", "fi")
    assert '<html lang="en">' in page
    assert 'href="/page/id/document/003?in_size=10&amp;in_page=2&amp;lang=fi"' in page


# ---------------------------------------------------------------------------------------------------
# vocabulary, graphs, ontology, VoID pages

def test_concept_page(server):
    status, _, page = get(server + "/page/vocab/role-project-manager", "fi")
    assert status == 200
    assert "<h1>hankepäällikkö</h1>" in page
    text = text_of(page)
    assert "Henkilö, joka johtaa hanketta" in text
    assert 'href="/page/id/role/mrv-project-manager-paivi-malinen"' in section(page, "incoming")


def test_graph_page(server, store, ns):
    status, _, page = get(server + "/page/graph/source-004", "en")
    assert status == 200
    text = text_of(page)
    assert f"{store.release.triples_per_graph[ns.graph('source-004')]} triples" in text
    assert 'href="/page/id/document/004"' in page
    assert 'href="/data/graph/source-004.ttl"' in page


def test_ontology_class_page(server, store, ns):
    status, _, page = get(server + "/ontology/Project", "en")
    assert status == 200
    text = text_of(page)
    assert "hg:Project" in text and "hanke" in text and "project" in text
    assert "A time-limited, funded body of development work" in text
    assert "schema:Project" in text and "prov:Activity" in text  # alignments
    assert "Group project" in text or "group project" in text     # subclasses
    assert "Invalid hg:Project." in text                           # SHACL constraints ...
    assert "hg:targetRegion must point at an hg:Region." in text
    assert "Every entity and n-ary node needs at least one hg:evidence" in text
    usage = store.release.entities_per_class[ns.hg + "Project"]
    assert f"{usage} entities belong to this class" in text
    assert 'href="/page/id/project/mrv"' in page


def test_ontology_property_page(server):
    status, _, page = get(server + "/ontology/agent", "fi")
    assert status == 200
    text = text_of(page)
    assert "toimija" in text and "agent" in text
    assert "Määrittelyjoukko (domain) rooli hankkeessa" in text
    assert "prov:Agent" in text
    assert "An engagement needs exactly one hg:agent" in text
    assert 'href="/page/id/person/paivi-malinen"' in page


def test_ontology_uses_are_paged(server, store, ns):
    count = store.release.entities_per_class[ns.hg + "Evidence"]
    assert count > 50
    _, _, first = get(server + "/ontology/Evidence", "en")
    _, _, second = get(server + "/ontology/Evidence?page=2", "en")
    links = lambda page: set(re.findall(r'<li><a href="(/page/id/evidence/[^"]+)"', page))
    assert len(links(first)) == 50 and links(second) and not links(first) & links(second)
    assert 'href="/ontology/Evidence?page=2"' in first


def test_pages_are_accessible_html(server, mrv_fi):
    assert '<html lang="fi">' in mrv_fi
    assert '<a class="skip" href="#content">' in mrv_fi
    assert mrv_fi.count("<h1") == 1
    for table in re.findall(r"<table\b.*?</table>", mrv_fi, flags=re.S):
        assert "<th scope=" in table
    assert '<meta name="viewport"' in mrv_fi


# ---------------------------------------------------------------------------------------------------
# everything from the data is escaped

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A scratch copy of the data in which MRV has an alternative label and a note with markup."""
    project = tmp_path_factory.mktemp("hostile") / "project"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, project / folder)
    note = IMAGE.replace('"', '\\"')
    with open(project / "data" / "curation.trig", "a", encoding="utf-8") as handle:
        handle.write(f'''
<graph/curation> {{
  <id/project/mrv> <http://www.w3.org/2004/02/skos/core#altLabel> "{SCRIPT}"@fi ;
    <http://www.w3.org/2004/02/skos/core#editorialNote> "{note}"@en ;
    <http://purl.org/dc/terms/source> <https://example.org/escaping-test> .
}}
''')
    config = repo_config(project.parent / "store", project_dir=project)
    build(config, progress=lambda message: None)
    process, url = start_server(config)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_markup_in_the_data_shows_as_text(hostile_server):
    status, headers, page = get(hostile_server + "/page/id/project/mrv", "fi")
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert SCRIPT not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page or "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert SCRIPT in text_of(page)
    # the label is listed where labels appear: the header and the statements
    assert SCRIPT in text_of(page[:page.index('id="statements"')])
    # and the data keeps it as it is
    _, _, body = get(hostile_server + "/data/id/project/mrv.nt")
    assert '"<script>alert(1)</script>"@fi' in body
