"""The home page: figures and a bounded overview of the newest top-level projects, from the index."""

from __future__ import annotations

from hankegraafi.indexes import open_release
from hankegraafi.services import overview
from hankegraafi.services.overview import HOME_PROJECTS, newest_top_level_projects

TOP_LEVEL = """SELECT ?p (SAMPLE(?s) AS ?start) WHERE {
  ?p a hg:Project . FILTER NOT EXISTS { ?p hg:subProjectOf ?parent }
  OPTIONAL { ?p schema:startDate ?s } } GROUP BY ?p"""


def test_newest_top_level_projects_come_from_the_index(store, select):
    expected = select(TOP_LEVEL)
    newest, total = newest_top_level_projects(open_release(store.current_path()), limit=2)
    assert total == len(expected) > 2
    starts = sorted((row.get("start", "") for row in expected), reverse=True)
    chosen = {row["p"]: row.get("start", "") for row in expected}
    assert [chosen[iri] for iri in newest] == starts[:2]


def test_home_page_lists_every_top_level_project_of_the_seed_data(client, select):
    expected = select(TOP_LEVEL)
    assert len(expected) <= HOME_PROJECTS
    html = client.get("/").get_data(as_text=True)
    for row in expected:
        assert row["p"].rsplit("/", 1)[-1] in html
    assert "Matkalla riittävään vanhemmuuteen" in html
    assert "top-level projects: all projects" not in html and "päätason hankkeesta" not in html


def test_home_page_shows_the_newest_few_and_links_to_the_listing_when_there_are_more(client, select, monkeypatch):
    monkeypatch.setattr(overview, "HOME_PROJECTS", 2)
    total = len(select(TOP_LEVEL))
    html = client.get("/?lang=en").get_data(as_text=True)
    table = html.split('<table class="projects">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 2   # the header and two projects
    assert f"The 2 most recently started of {total} top-level projects: all projects" in html


def test_a_release_without_its_index_gets_a_clear_503_on_the_home_page_not_an_error(store, tmp_path):
    import shutil

    from hankegraafi.config import load_config
    from hankegraafi.indexes import INDEX_FILE
    from hankegraafi.web import create_app

    release = store.current_path()
    copy = tmp_path / "store" / "releases" / release.name
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns("LOCK"))
    (copy / INDEX_FILE).unlink()   # a release built before indexes existed
    (tmp_path / "store" / "current").symlink_to(copy.relative_to(tmp_path / "store"))
    client = create_app(load_config(environ={}, store_path=tmp_path / "store")).test_client()
    for path in ("/", "/projects"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "hankegraafi build" in response.get_data(as_text=True), path
