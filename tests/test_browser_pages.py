"""The entity pages in a real browser (Debian's Chromium driven by Playwright): from the home page to a
project, an organisation and a person; the facts and their provenance on the page; the language
switch; downloading Turtle and parsing it; reading without JavaScript, with the keyboard, on a phone;
markup in the data never runs."""

from __future__ import annotations

import re
import shutil

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from conftest import REPO, repo_config, start_server
from hankegraafi.build import build

SCHEMA = "https://schema.org/"
from playwright import sync_api as playwright_api  # noqa: E402

expect = playwright_api.expect


def new_page(browser, **options):
    options.setdefault("locale", "fi-FI")
    context = browser.new_context(accept_downloads=True, **options)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return context, page


@pytest.fixture()
def page(browser):
    context, page = new_page(browser)
    yield page
    assert not page.problems, page.problems
    context.close()


def roles_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator("ol.roles").inner_text().replace("\u00a0", " "))


def test_follow_links_from_project_to_organisation_to_person(server, page, ns):
    page.goto(server + "/")
    page.locator("table.projects a", has_text=re.compile(r"^Matkalla riittävään vanhemmuuteen$")).click()
    expect(page.locator("h1")).to_have_text("Matkalla riittävään vanhemmuuteen")
    assert page.url.endswith("/page/id/project/mrv")
    assert "Päivi Malinen: hankepäällikkö, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025" in roles_text(page)

    # to the organisation that led the project first
    page.locator("ol.roles li", has_text="päähankkeen toteuttaja").first.locator(
        "a", has_text="Itä-Suomen sosiaalialan osaamiskeskus").first.click()
    expect(page.locator("h1")).to_have_text("Itä-Suomen sosiaalialan osaamiskeskus")
    assert "Itä-Suomen sosiaalialan osaamiskeskus: päähankkeen toteuttaja, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025" in roles_text(page)

    # to one of its people
    page.locator("ol.roles li", has_text="kehittämispäällikkö").locator("a", has_text="Päivi Malinen").first.click()
    expect(page.locator("h1")).to_have_text("Päivi Malinen")
    assert page.url.endswith("/page/id/person/paivi-malinen")

    # the facts ...
    statements = page.locator("table.statements").first.inner_text()
    assert "Päivi" in statements and "Malinen" in statements
    roles = roles_text(page)
    assert "Päivi Malinen: hankepäällikkö, Matkalla riittävään vanhemmuuteen, 1.8.2024–30.6.2025" in roles
    assert "Päivi Malinen: kehittämispäällikkö, Itä-Suomen sosiaalialan osaamiskeskus, todettu 18.6.2024" in roles
    # ... and their provenance: the document and the lines
    role = page.locator("ol.roles li", has_text="hankepäällikkö")
    assert re.search(r"Lähde 004, rivit 24, 32, 84, 86", role.inner_text())
    sources = page.locator("#sources").locator("xpath=..")
    assert "Lähde 004: Matkalla riittävään vanhemmuuteen, rivit 84, 86" in re.sub(r"\s+", " ", sources.inner_text())

    # a line locator leads to the document's page, to that line and who it is the source of
    role.locator("a", has_text=re.compile(r"^84$")).click()
    assert page.url.endswith("/page/id/document/004#line-84")
    expect(page.locator("h1")).to_have_text("Matkalla riittävään vanhemmuuteen")
    line = page.locator("tr#line-84")
    expect(line).to_be_visible()
    expect(line.locator("a", has_text="Päivi Malinen").first).to_be_visible()


def test_switch_language_keeps_the_page(server, page):
    page.goto(server + "/page/id/project/mrv")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/page/id/project/mrv?" in page.url and "lang=en" in page.url
    expect(page.locator("h1")).to_have_text("Journey to good-enough parenthood")
    assert "Päivi Malinen: project manager, Journey to good-enough parenthood, 1 Aug 2024–30 Jun 2025" in roles_text(page)
    budgets = page.locator("table.budgets").inner_text()
    assert "€2,248,352" in budgets and "€2,300,000" in budgets and "Sources differ" in budgets
    # the choice is remembered on the next page
    page.goto(server + "/page/id/person/paivi-malinen")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    assert "hankepäällikkö" in roles_text(page)


def test_download_turtle_and_parse_it(server, page, ns):
    page.goto(server + "/page/id/person/paivi-malinen")
    with page.expect_download() as download:
        page.locator("nav.formats a[type='text/turtle']").click()
    path = download.value.path()
    graph = rdflib.Graph().parse(path, format="turtle")
    person = URIRef(ns.entity("person", "paivi-malinen"))
    assert (person, URIRef(SCHEMA + "name"), Literal("Päivi Malinen")) in graph
    roles = set(graph.subjects(URIRef(ns.hg + "agent"), person))
    assert any(graph.value(r, URIRef(SCHEMA + "startDate")) == Literal("2024-08-01", datatype=XSD.date) for r in roles)

    # and the whole dataset, from the home page
    page.goto(server + "/")
    with page.expect_download() as download:
        page.locator("a[href$='/dumps/hankegraafi.ttl']").click()
    assert download.value.suggested_filename == "hankegraafi.ttl"
    whole = rdflib.Graph().parse(download.value.path(), format="turtle")
    mrv = URIRef(ns.entity("project", "mrv"))
    assert (mrv, URIRef(SCHEMA + "startDate"), Literal("2024-08-01", datatype=XSD.date)) in whole
    assert len(whole) > len(graph)


def test_reading_works_without_javascript(server, browser):
    context, page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(server + "/page/id/project/mrv")
        expect(page.locator("h1")).to_have_text("Matkalla riittävään vanhemmuuteen")
        assert "Päivi Malinen: hankepäällikkö" in roles_text(page)
        inferred = page.locator("details.inferred")
        expect(inferred.locator("table")).to_be_hidden()
        inferred.locator("summary").click()
        expect(inferred.locator("table")).to_be_visible()
        page.locator("a.lang-switch").click()
        expect(page.locator("h1")).to_have_text("Journey to good-enough parenthood")
    finally:
        context.close()


def test_keyboard_and_phone(server, browser):
    context, page = new_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        for path in ("/page/id/project/mrv", "/page/id/person/paivi-malinen", "/ontology/Engagement", "/void"):
            page.goto(server + path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, (path, overflow)
        page.goto(server + "/page/id/project/mrv")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.url.endswith("#content")
        # every link and control can be reached and shows where the focus is
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", "")
    finally:
        context.close()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A scratch copy of the data where MRV has an alternative label that is a script."""
    project = tmp_path_factory.mktemp("hostile-browser") / "project"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, project / folder)
    with open(project / "data" / "curation.trig", "a", encoding="utf-8") as handle:
        handle.write('''
<graph/curation> {
  <id/project/mrv> <http://www.w3.org/2004/02/skos/core#altLabel> "<script>alert(1)</script>"@fi ;
    <http://purl.org/dc/terms/source> <https://example.org/escaping-test> .
}
''')
    config = repo_config(project.parent / "store", project_dir=project)
    build(config, progress=lambda message: None)
    process, url = start_server(config)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_script_in_the_data_shows_as_text(hostile_server, page):
    page.goto(hostile_server + "/page/id/project/mrv")
    expect(page.locator("p.alt")).to_contain_text("<script>alert(1)</script>")
    assert page.locator("main script").count() == 0
    page.wait_for_timeout(300)
    assert not page.problems  # no alert dialog, no error
