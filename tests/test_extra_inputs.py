"""`hankegraafi build EXTRA…`: researchers' own RDF in any standard format, each file in its own named graph."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest

from hankegraafi.build import BuildError, ValidationFailed, build
from hankegraafi.build.sources import discover, parse
from hankegraafi.store import ReleaseStore

from conftest import repo_config

EX = "http://example.org/dataset/"
DCT = "http://purl.org/dc/terms/"

# one small dataset per format; each names a thing of its own so the test can find where it went
FILES = {
    "turtle.ttl": f"@prefix ex: <{EX}> .\n@prefix dct: <{DCT}> .\nex:turtle dct:title \"Turtle\"@en ; ex:size 1 .\n",
    "ntriples.nt": f"<{EX}ntriples> <{DCT}title> \"N-Triples\"@en .\n",
    "nquads.nq": (f"<{EX}nquads> <{DCT}title> \"N-Quads\"@en <{EX}graph/own-nquads> .\n"
                  f"<{EX}nquads-default> <{DCT}title> \"N-Quads, default graph\"@en .\n"),
    "trig.trig": (f"@prefix ex: <{EX}> .\n@prefix dct: <{DCT}> .\n"
                  "ex:trig-default dct:title \"TriG, default graph\"@en .\n"
                  "ex:graph\\/own-trig { ex:trig dct:title \"TriG\"@en . }\n"),
    "jsonld.jsonld": json.dumps({"@id": f"{EX}jsonld", f"{DCT}title": {"@value": "JSON-LD", "@language": "en"}}),
    "rdfxml.rdf": (f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                   f'xmlns:dct="{DCT}">\n  <rdf:Description rdf:about="{EX}rdfxml"><dct:title xml:lang="en">RDF/XML'
                   "</dct:title></rdf:Description>\n</rdf:RDF>\n"),
    # relative IRIs resolve against the configured base, as in data/
    "relative.ttl": "@prefix dct: <http://purl.org/dc/terms/> .\n<id/dataset/relative> dct:title \"Relative\"@en .\n",
}
GZIPPED = {
    "gzipped.ttl.gz": f"<{EX}gzipped-turtle> <{DCT}title> \"gzipped Turtle\"@en .\n",
    "gzipped.nq.gz": f"<{EX}gzipped-nquads> <{DCT}title> \"gzipped N-Quads\"@en <{EX}graph/own-gzipped> .\n",
}


def write_extras(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, text in GZIPPED.items():
        (folder / name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = write_extras(tmp_path_factory.mktemp("extra") / "datasets")
    config = repo_config(tmp_path_factory.mktemp("store") / "store", extra_inputs=[str(folder)])
    build(config, progress=lambda m: None)
    return config, ReleaseStore(config)


def graphs_of(store: ReleaseStore, subject: str) -> set[str]:
    return {q.graph_name.value for q in store.store.quads_for_pattern(ox.NamedNode(subject), None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)}


@pytest.mark.parametrize("subject, stem", [
    ("turtle", "turtle"), ("ntriples", "ntriples"), ("jsonld", "jsonld"), ("rdfxml", "rdfxml"),
    ("gzipped-turtle", "gzipped"), ("nquads-default", "nquads"), ("trig-default", "trig"),
])
def test_each_format_lands_in_its_own_graph(built, subject, stem):
    config, store = built
    assert graphs_of(store, EX + subject) == {config.base_iri + f"graph/extra/{stem}"}


@pytest.mark.parametrize("subject, graph", [
    ("nquads", f"{EX}graph/own-nquads"), ("trig", f"{EX}graph/own-trig"), ("gzipped-nquads", f"{EX}graph/own-gzipped"),
])
def test_quad_formats_keep_the_graphs_they_name(built, subject, graph):
    _, store = built
    assert graphs_of(store, EX + subject) == {graph}


def test_relative_iris_resolve_against_the_base(built):
    config, store = built
    assert graphs_of(store, config.base_iri + "id/dataset/relative") == {config.base_iri + "graph/extra/relative"}


def test_extra_data_is_in_the_default_graph_and_the_release(built):
    config, store = built
    titles = {r["t"].value for r in store.query(f"SELECT ?t WHERE {{ ?s <{DCT}title> ?t FILTER(STRSTARTS(STR(?s), '{EX}')) }}")}
    assert {"Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF/XML", "gzipped Turtle", "gzipped N-Quads"} <= titles
    inputs = {item["path"].rsplit("/", 1)[-1] for item in store.release.inputs}
    assert set(FILES) | set(GZIPPED) <= inputs
    # the curated data is still there
    assert graphs_of(store, config.base_iri + "id/project/mrv")


def test_parse_puts_triples_in_the_target_graph_and_keeps_named_graphs(tmp_path):
    folder = write_extras(tmp_path / "datasets")
    config = repo_config(tmp_path / "store", extra_inputs=[str(folder / "trig.trig"), str(folder / "gzipped.ttl.gz")])
    extra = [f for f in discover(config) if f.path.parent == folder]
    assert [f.path.name for f in extra] == ["trig.trig", "gzipped.ttl.gz"]
    assert extra[1].gzipped
    graphs = {q.graph_name.value for f in extra for q in parse(f, config)}
    assert graphs == {config.base_iri + "graph/extra/trig", f"{EX}graph/own-trig", config.base_iri + "graph/extra/gzipped"}


def test_unknown_format_is_refused(tmp_path):
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(BuildError, match="not a known RDF format"):
        discover(repo_config(tmp_path / "store", extra_inputs=[str(odd)]))


def test_shapes_apply_to_what_extra_data_targets(tmp_path):
    bad = tmp_path / "projects.ttl"
    bad.write_text("@prefix hg: <ontology#> .\n\n<id/project/extra-without-label> a hg:Project .\n", encoding="utf-8")
    config = repo_config(tmp_path / "store", extra_inputs=[str(bad)])
    with pytest.raises(ValidationFailed) as error:
        build(config, progress=lambda m: None)
    assert f"{bad}:3: Violation" in str(error.value)
    assert "skos:prefLabel is required" in str(error.value)


def test_an_extra_file_cannot_publish_contact_details(tmp_path):
    leak = tmp_path / "leak.nq"
    leak.write_text('<http://example.org/p> <https://schema.org/email> "someone@example.org" '
                    '<https://w3id.org/hankegraafi/graph/contacts> .\n', encoding="utf-8")
    config = repo_config(tmp_path / "store", extra_inputs=[str(leak)])
    build(config, progress=lambda m: None)
    store = ReleaseStore(config)
    assert not list(store.store.quads_for_pattern(None, ox.NamedNode("https://schema.org/email"), None, None))
