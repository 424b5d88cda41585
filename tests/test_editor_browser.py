"""The YASGUI query editor in headless Chromium (Debian's, driven by Playwright): choose an example
query, run it, see its results; a permalink reproduces a query."""

from __future__ import annotations

import urllib.parse

import pytest


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


@pytest.fixture(scope="module")
def example(config, store, ns):
    """The first example query with SELECT results, and a value its first row shows."""
    import pyoxigraph as ox

    from hankegraafi.services.catalogue import load_catalogue

    for candidate in load_catalogue(config.resolve(config.queries_dir)):
        results = store.query(candidate.text(ns))
        if isinstance(results, ox.QuerySolutions):
            first = next(iter(results), None)
            if first is not None:
                values = [term for term in first if isinstance(term, ox.Literal)]
                if values:
                    return candidate, values[0].value
    pytest.skip("no example query with literal results")


def editor_text(page) -> str:
    return page.evaluate("() => window.hankegraafiYasgui.getTab().getYasqe().getValue()")


def test_choose_an_example_run_it_and_see_results(server, page, example):
    query, expected_value = example
    page.goto(server + "/query?lang=en")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=15000)
    option = page.locator("#example-select option", has_text=query.label("en")).first
    assert option.count() == 1
    page.select_option("#example-select", value=query.slug)
    assert query.body.strip().splitlines()[-1].strip() in editor_text(page)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    results = page.inner_text(".yasr")
    assert expected_value in results
    # the permalink on the page reproduces the query
    href = page.get_attribute("#permalink", "href")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(href).query)["query"][0] == editor_text(page)
    csp = [p for p in page.problems if "Content Security Policy" in p]
    assert not csp, csp


def test_permalink_reproduces_a_query(server, page, select, ns):
    label = select('SELECT ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l FILTER(LANG(?l) = "fi") } ORDER BY ?l LIMIT 1')[0]["l"]
    query = (f"PREFIX hg: <{ns.hg}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             'SELECT ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l FILTER(LANG(?l) = "fi") } ORDER BY ?l LIMIT 1')
    page.goto(server + "/query?" + urllib.parse.urlencode({"query": query}))
    page.wait_for_selector(".yasqe .CodeMirror", timeout=15000)
    assert editor_text(page) == query
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    assert label in page.inner_text(".yasr")
