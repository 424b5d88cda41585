"""Bad data (issue 6): a broken input stops the build with what and where, while a running server
keeps serving the old release; conflicting facts are kept apart or refused; HTML in a label is shown
as text everywhere; a build killed with SIGKILL halfway leaves the old release serving.

tests/test_build.py covers the `build()` function's errors and its cleanup of a simulated
leftover; these tests go through the command line and a running server.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from hankegraafi.build import build
from hankegraafi.build.pipeline import current_release_path
from hankegraafi.store import ReleaseStore

from test_build import scratch_config

PREFIXES = """@prefix hg: <ontology#> .
@prefix hgg: <graph/> .
@prefix hgv: <vocab/> .
@prefix project: <id/project/> .
@prefix role: <id/role/> .
@prefix organisation: <id/organisation/> .
@prefix evidence: <id/evidence/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def cli(config, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hankegraafi.cli", "--store", str(config.store_path), *args],
        cwd=config.project_dir, capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, HANKEGRAAFI_PROJECT_DIR=str(config.project_dir)),
    )


def served_release(url: str) -> str:
    return requests.get(url + "/ready", timeout=10).json()["release"]


@pytest.fixture()
def scratch(tmp_path, start_sparql_server):
    """A scratch copy of the inputs, built, with a server running on it: (config, url, first release id)."""
    config = scratch_config(tmp_path)
    first = build(config, progress=lambda m: None)
    process, url = start_sparql_server(config)
    yield config, url, first.identifier
    start_sparql_server.stop(process)


def assert_untouched(config, url: str, release_id: str) -> None:
    assert current_release_path(config).name == release_id
    assert served_release(url) == release_id
    answer = requests.get(url + "/sparql", params={"query": "ASK { ?p a hg:Project }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert requests.get(url + "/page/id/project/mrv", timeout=30).status_code == 200
    assert not list((config.store_path / "releases").glob(".tmp-*"))


# --- syntax errors and SHACL violations through the command line, with a server running -------------

def test_syntax_error_says_where_and_server_keeps_old_release(scratch):
    config, url, first = scratch
    broken = config.project_dir / "data" / "sources" / "zz-broken.trig"
    broken.write_text(PREFIXES + "hgg:source-003 {\n  project:sointu skos:altLabel \"unterminated ;\n"
                      "    hg:evidence evidence:003-l85 .\n}\n", encoding="utf-8")
    result = cli(config, "build")
    assert result.returncode == 2
    # the file, the line (the literal starts on line 12) and the parser's reason; no Python traceback
    assert re.search(rf"{re.escape(str(broken))}:1[23]:", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert_untouched(config, url, first)


def test_shacl_violation_says_what_and_where_and_server_keeps_old_release(scratch):
    config, url, first = scratch
    bad = config.project_dir / "data" / "sources" / "zz-bad-type.trig"
    bad.write_text(PREFIXES + "hgg:source-003 {\n\n  project:sointu hg:projectType organisation:xamk .\n}\n",
                   encoding="utf-8")
    result = cli(config, "build")
    assert result.returncode == 2
    # file:line, severity, the focus node, the property and the shape's message
    line = next(l for l in result.stderr.splitlines() if str(bad) in l)
    assert f"{bad}:13: Violation" in line, result.stderr
    assert "id/project/sointu" in line and "projectType" in line
    assert "hgv:project-types" in line or "project-types" in line
    assert "SHACL validation failed with 1 violation" in result.stderr
    assert_untouched(config, url, first)
    # `validate` reports the same without touching anything
    checked = cli(config, "validate")
    assert checked.returncode == 1 and f"{bad}:13: Violation" in checked.stdout
    assert_untouched(config, url, first)


# --- the same IRI described twice with conflicting facts --------------------------------------------

def test_conflicting_project_dates_from_two_documents_are_kept_apart(tmp_path):
    """A project may get different dates from different documents (conventions: a fact two documents
    state differently is kept twice; the project shape has no maxCount on schema:startDate): the build
    keeps both, each in its own document's graph, so a query can tell who said what."""
    config = scratch_config(tmp_path)
    extra = config.project_dir / "data" / "sources" / "zz-two-dates.trig"
    extra.write_text(PREFIXES + "hgg:source-001 {\n  project:soila schema:startDate \"2021-01-01\"^^xsd:date ;\n"
                     "    hg:evidence evidence:003-l85 .\n}\n"
                     "hgg:source-002 {\n  project:soila schema:startDate \"2021-03-01\"^^xsd:date ;\n"
                     "    hg:evidence evidence:003-l85 .\n}\n", encoding="utf-8")
    build(config, progress=lambda m: None)
    store = ReleaseStore(config)
    rows = store.query("SELECT ?g ?d WHERE { GRAPH ?g { <%s> <https://schema.org/startDate> ?d } }"
                       % (config.base_iri + "id/project/soila"))
    by_graph = {(r["g"].value.rsplit("/", 1)[-1], r["d"].value) for r in rows}
    assert by_graph == {("source-001", "2021-01-01"), ("source-002", "2021-03-01")}


def test_conflicting_start_dates_where_the_shape_allows_one_fail_with_location(scratch):
    """An engagement (one holding of one role) has at most one schema:startDate (shapes.ttl:
    hgsh:startDate-single); a second, conflicting date in another file is a violation."""
    config, url, first = scratch
    extra = config.project_dir / "data" / "sources" / "zz-conflict.trig"
    extra.write_text(PREFIXES + "hgg:source-003 {\n\n  role:mrv-lead-implementer-iso\n"
                     "    schema:startDate \"2024-09-15\"^^xsd:date .\n}\n", encoding="utf-8")
    result = cli(config, "build")
    assert result.returncode == 2
    violation = next(l for l in result.stderr.splitlines() if "at most one schema:startDate" in l)
    # both statements of a start date are named: the original (004…trig:218) and the added one (line 14)
    assert re.search(r"004-mrv-project-page\.trig:218 \(also " + re.escape(f"{extra}:14") + r"\): Violation", violation), violation
    assert "role/mrv-lead-implementer-iso" in violation and "schema.org/startDate" in violation
    assert "SHACL validation failed with 1 violation(s)" in result.stderr
    assert_untouched(config, url, first)


# --- HTML in a label --------------------------------------------------------------------------------

HOSTILE_FI = "Zyxwhanke <script>alert('xss')</script><b>lihava</b> & \"lainaus\" <img src=x onerror=alert(1)>"
HOSTILE_EN = "Zyxw project </title><script>alert(2)</script>"


def test_html_in_a_label_builds_and_is_escaped_on_every_page(tmp_path, start_sparql_server):
    config = scratch_config(tmp_path)
    extra = config.project_dir / "data" / "sources" / "zz-html.trig"
    fi = HOSTILE_FI.replace("\\", "\\\\").replace('"', '\\"')
    en = HOSTILE_EN.replace('"', '\\"')
    extra.write_text(PREFIXES + "hgg:source-003 {\n  project:zz-html a hg:Project ;\n"
                     f"    skos:prefLabel \"{fi}\"@fi , \"{en}\"@en ;\n"
                     f"    skos:altLabel \"<i>ZH</i>\"@fi ;\n"
                     "    hg:evidence evidence:003-l85 .\n}\n", encoding="utf-8")
    build(config, progress=lambda m: None)
    process, url = start_sparql_server(config)
    try:
        pages = {
            "home": "/",
            "entity page": "/page/id/project/zz-html",
            "entity page (en)": "/page/id/project/zz-html?lang=en",
            "search": "/search?q=Zyxwhanke",
            "search (en)": "/search?q=Zyxw&lang=en",
            "listing": "/projects",
            "SPARQL HTML table": "/sparql?query=" + requests.utils.quote(
                "SELECT ?l WHERE { ?p skos:prefLabel ?l FILTER(CONTAINS(?l, 'Zyxw')) }") + "&format=html",
        }
        for name, path in pages.items():
            answer = requests.get(url + path, headers={"Accept": "text/html"}, timeout=30)
            assert answer.status_code == 200, name
            html = answer.text
            assert "Zyxw" in html, f"the project is not on the {name}"
            for raw in ("<script>alert", "<b>lihava", "<img src=x", "</title><script", "<i>ZH</i>"):
                assert raw not in html, f"{raw!r} unescaped on the {name}"
            assert "&lt;script&gt;alert" in html or "&lt;/title&gt;&lt;script&gt;" in html, name
        # the JSON API gives the label as data, and its ready-made HTML escaped
        hits = requests.get(url + "/api/search", params={"q": "Zyxwhanke"}, timeout=30).json()["hits"]
        hit = next(h for h in hits if h["iri"].endswith("/id/project/zz-html"))
        assert "<script>" in hit["label"]
        assert "<script" not in hit["label_html"] and "&lt;script&gt;" in hit["label_html"]
        for also in hit["also_html"]:
            assert "<i>" not in also
        # the RDF documents carry the literal as data
        turtle = requests.get(url + "/data/id/project/zz-html.ttl", timeout=30)
        assert turtle.status_code == 200 and "Zyxwhanke <script>" in turtle.text
    finally:
        start_sparql_server.stop(process)


# --- a build killed halfway -------------------------------------------------------------------------

def test_build_killed_with_sigkill_halfway_leaves_old_release_serving(scratch):
    config, url, first = scratch
    (config.project_dir / "data" / "curation.trig").touch()  # a new release id for the next build
    process = subprocess.Popen(
        [sys.executable, "-m", "hankegraafi.cli", "--store", str(config.store_path), "build"],
        cwd=config.project_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, HANKEGRAAFI_PROJECT_DIR=str(config.project_dir)),
    )
    seen = []
    try:
        deadline = time.monotonic() + 120
        for line in process.stderr:
            seen.append(line)
            if "materialise" in line or "validate" in line:
                process.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() < deadline, "the build never reached materialisation"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    # killed mid-build: its half-written store is left in a temporary folder, never swapped in
    assert list((config.store_path / "releases").glob(".tmp-*"))
    assert current_release_path(config).name == first
    assert served_release(url) == first
    answer = requests.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200 and int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 1000
    # the next build works, removes the leftover, and the running server switches to it
    result = cli(config, "build")
    assert result.returncode == 0, result.stderr
    second = result.stdout.split()[1]
    assert second != first
    assert current_release_path(config).name == second
    assert not list((config.store_path / "releases").glob(".tmp-*"))
    deadline = time.monotonic() + 10
    while served_release(url) != second:
        assert time.monotonic() < deadline, "the server did not pick up the new release"
        time.sleep(0.2)
    assert requests.get(url + "/page/id/project/mrv", timeout=30).status_code == 200
