"""Search, facets and charts in a real browser: Debian's Chromium driven by Playwright (never a
browser downloaded by Playwright), against `hankegraafi serve` on the test build."""

from __future__ import annotations

import re

import pytest


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="fi-FI")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def real_problems(page) -> list[str]:
    return [p for p in page.problems if "favicon" not in p and "404" not in p]


def test_search_in_finnish_highlights_the_hit(page, server):
    page.goto(f"{server}/search?lang=fi")
    page.get_by_label("Hakusanat").fill("Kainuussa")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Kainuussa"))
    first = page.locator("ol.hits > li").first
    assert first.locator("h3 a").inner_text() == "Kainuu"
    assert first.locator("mark").first.inner_text() == "Kainuu"
    county = page.locator("ol.hits h3 a", has_text="Kainuun hyvinvointialue").first
    assert county.locator("mark").inner_text() == "Kainuun"
    county.click()
    page.wait_for_url(re.compile(r"/id/organisation/kainuun-hyvinvointialue"))
    assert real_problems(page) == []


def test_search_for_a_compound_part(page, server):
    page.goto(f"{server}/search?q=suojelu&lang=fi")
    marks = page.locator("ol.hits mark").all_inner_texts()
    assert any(m.lower().startswith("lastensuojelu") for m in marks)
    assert page.locator('ol.hits h3 a[href="/id/project/tyoparimalli"]').count() == 1


def test_facets_narrow_and_widen_the_list(page, server):
    page.goto(f"{server}/projects?lang=fi")
    total = int(re.match(r"(\d+)", page.locator(".listing-summary").inner_text()).group(1))
    region = page.locator("#facet-region ~ ul li", has_text="Kainuu").first
    expected = int(region.locator(".count").inner_text())
    region.locator("a").click()
    page.wait_for_url(re.compile(r"region=region%3Akainuu"))
    assert page.locator(".listing-summary").inner_text().startswith(f"{expected} tulosta")
    assert page.locator("table.listing-table tbody tr").count() == expected
    assert expected < total
    # a second facet narrows further (AND); its counts were computed for the current selection
    funder = page.locator("#facet-funder ~ ul li").first
    narrowed = int(funder.locator(".count").inner_text())
    funder.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("table.listing-table tbody tr").count() == narrowed
    assert page.locator(".selected-filters .chip").count() == 2
    page.locator(".selected-filters .chip").first.click()
    page.wait_for_load_state()
    assert page.locator(".selected-filters .chip").count() == 1
    page.get_by_role("link", name="Poista kaikki rajaukset").click()
    page.wait_for_load_state()
    assert page.locator("table.listing-table tbody tr").count() == min(total, 25)
    assert real_problems(page) == []


def test_sorting_form_works_with_the_keyboard(page, server):
    page.goto(f"{server}/projects?lang=fi")
    page.get_by_label("Järjestys").select_option("-start")
    page.get_by_label("Järjestys").focus()
    page.keyboard.press("Tab")  # rows per page
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=-start"))
    first = page.locator("table.listing-table tbody tr").first.locator("td").first.inner_text()
    assert re.search(r"20\d\d", first)


def test_timeline_draws_a_chart(page, server):
    page.goto(f"{server}/visualise/timeline?lang=fi")
    chart = page.locator("#chart-timeline")
    chart.locator("svg").first.wait_for(timeout=15000)
    assert chart.locator("svg path, svg rect").count() > 20
    assert "Matkalla riittävään vanhemmuuteen" in chart.inner_text() or chart.locator("svg text").count() > 10
    assert real_problems(page) == []  # no CSP violation, no script error


def test_network_and_funding_draw(page, server):
    for path, selector in (("network", "#chart-network"), ("funding", "#chart-schemes")):
        page.goto(f"{server}/visualise/{path}?lang=en")
        page.locator(f"{selector} svg").first.wait_for(timeout=15000)
    assert page.locator("#chart-projects svg").count() == 1
    assert real_problems(page) == []


def test_pages_fit_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fi-FI")
    page = context.new_page()
    for path in ("/projects", "/search?q=lastensuojelu", "/visualise/timeline"):
        page.goto(server + path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 392, (path, width)
    context.close()
