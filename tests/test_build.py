"""The build pipeline: atomic releases, errors with file and line, personal data left out by default."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from hankegraafi.build import BuildError, ValidationFailed, build
from hankegraafi.build.pipeline import current_release_path
from hankegraafi.build.side import SideProcess
from hankegraafi.build.sources import discover
from hankegraafi.store import ReleaseStore

from conftest import REPO, repo_config


def copy_inputs(target: Path) -> Path:
    """A scratch copy of the repository's inputs that a test may break."""
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, target / folder)
    return target


def scratch_config(tmp_path: Path, **overrides):
    project = copy_inputs(tmp_path / "project")
    return repo_config(tmp_path / "store", project_dir=project, **overrides)


def count(store: ReleaseStore, query: str) -> int:
    return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {query} }}")))["n"].value)


def test_release_records_identifier_and_input_hash(store, config):
    release = store.release
    assert release.identifier.endswith(release.input_hash[:10])
    assert len(release.input_hash) == 64
    rows = list(store.query(
        "SELECT ?id WHERE { GRAPH ?g { ?r <http://purl.org/dc/terms/identifier> ?id } }"))
    assert [r["id"].value for r in rows] == [release.identifier]
    paths = {item["path"] for item in release.inputs}
    assert "ontology/hankegraafi.ttl" in paths
    assert any(p.startswith("data/sources/004") for p in paths)


def test_default_graph_is_merge_without_duplicates(store, ns):
    # the MRV label is stated in two documents, yet the default graph has it once
    mrv = f"<{ns.entity('project', 'mrv')}>"
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    assert count(store, f"GRAPH ?g {{ {mrv} {label} ?l FILTER(LANG(?l) = 'fi') }}") >= 2
    assert count(store, f"{mrv} {label} ?l FILTER(LANG(?l) = 'fi')") == 1


def test_default_graph_is_exactly_the_merge_of_the_named_graphs(store):
    """Copied graph by graph and, for what is inferred, from the rule files: nothing missing, nothing
    extra, blank nodes the very nodes of the named graphs."""
    named = {(q.subject, q.predicate, q.object) for q in store.store.quads_for_pattern(None, None, None)
             if not isinstance(q.graph_name, ox.DefaultGraph)}
    default = {(q.subject, q.predicate, q.object)
               for q in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default == named
    assert any(isinstance(s, ox.BlankNode) for s, _, _ in default)
    assert store.release.default_graph_triples == len(default)


def test_each_source_document_has_its_own_graph(store, ns):
    graphs = {g.value for g in store.store.named_graphs()}
    for number in ("000", "001", "002", "003", "004"):
        assert ns.graph(f"source-{number}") in graphs
    for name in ("ontology", "vocab", "shapes", "documents", "curation", "inferred", "release"):
        assert ns.graph(name) in graphs
    assert ns.graph("contacts") not in graphs


def test_contact_details_absent_by_default(store):
    assert count(store, "?s <https://schema.org/telephone> ?t") == 0
    assert count(store, "?s <https://schema.org/email> ?e") == 0
    dump = subprocess.run(
        [sys.executable, "-m", "hankegraafi.cli", "--store", str(store.config.store_path), "export", "--format", "nquads"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode()
    assert "isonet.fi" not in dump and "xamk.fi" not in dump.replace("https://www.xamk.fi", "")
    assert "044 024" not in dump and "+358" not in dump


def test_contact_details_published_when_enabled(tmp_path):
    config = repo_config(tmp_path / "store", publish_contacts=True)
    build(config, progress=lambda m: None)
    store = ReleaseStore(config)
    emails = {r["e"].value for r in store.query("SELECT ?e WHERE { ?s <https://schema.org/email> ?e }")}
    assert "paivi.malinen@isonet.fi" in emails


def test_syntax_error_names_file_and_line_and_keeps_serving(tmp_path):
    config = scratch_config(tmp_path)
    first = build(config, progress=lambda m: None)
    broken = config.project_dir / "data" / "sources" / "zz-broken.trig"
    broken.write_text('@prefix hgg: <graph/> .\nhgg:source-000 {\n  <id/x> <id/y> "no end .\n}\n', encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build(config, progress=lambda m: None)
    assert f"{broken}:3:" in str(error.value)
    assert current_release_path(config).name == first.identifier
    assert ReleaseStore(config).release.identifier == first.identifier
    assert not list((config.store_path / "releases").glob(".tmp-*"))


def test_shacl_violation_fails_build_with_location(tmp_path):
    config = scratch_config(tmp_path)
    first = build(config, progress=lambda m: None)
    bad = config.project_dir / "data" / "sources" / "zz-bad-amount.trig"
    bad.write_text(
        "@prefix hg: <ontology#> .\n@prefix hgg: <graph/> .\n@prefix budget: <id/budget/> .\n"
        "@prefix schema: <https://schema.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix project: <id/project/> .\n@prefix hgv: <vocab/> .\n@prefix evidence: <id/evidence/> .\n"
        "hgg:source-003 {\n"
        "  budget:negative a hg:BudgetItem ; hg:budgetFor project:sointu ; hg:amountType hgv:amount-total-cost ;\n"
        "    schema:amount budget:negative-amount ; hg:evidence evidence:003-l85 .\n"
        "  budget:negative-amount a schema:MonetaryAmount ; schema:value \"-5\"^^xsd:decimal ; schema:currency \"EUR\" .\n"
        "}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as error:
        build(config, progress=lambda m: None)
    message = str(error.value)
    # the offending value is written on line 12, in the statement about the focus node (the amount)
    # (line 11 only names the amount as an object)
    assert f"{bad}:12: Violation" in message
    assert "non-negative" in message
    assert "negative-amount" in message
    assert current_release_path(config).name == first.identifier


def test_validation_runs_in_its_own_process_and_its_failure_stops_the_index_step(tmp_path):
    """Validation and statistics run in a second process (build/side.py); what goes wrong there fails
    the build with its message, stops the index step and leaves the served release in place."""
    config = scratch_config(tmp_path)
    first = build(config, progress=lambda m: None)
    messages: list[str] = []
    with pytest.raises(BuildError, match="unknown validator 'no-such-validator'"):
        build(replace(config, validator="no-such-validator"), progress=messages.append)
    assert "validate: SHACL" in messages  # forwarded from the second process
    assert current_release_path(config).name == first.identifier
    assert not list((config.store_path / "releases").glob(".tmp-*"))
    # and a good build reports the second process's statistics and validation as before
    release = build(config, progress=messages.append)
    assert release.default_graph_triples > 5000 and release.entities_per_class
    assert any(m.startswith("validate: done, conforms") for m in messages)
    # the index step is told to stop as soon as the process failed
    stop = threading.Event()
    side = SideProcess(current_release_path(config), replace(config, validator="no-such-validator"),
                       discover(config), lambda m: None, on_failure=stop.set)
    try:
        assert stop.wait(timeout=60)
        with pytest.raises(BuildError, match="unknown validator"):
            side.validation()
    finally:
        side.close()


def test_triple_outside_named_graph_is_refused(tmp_path):
    config = scratch_config(tmp_path)
    stray = config.project_dir / "data" / "zz-stray.trig"
    stray.write_text("@prefix hg: <ontology#> .\n\n<id/project/stray> a hg:Project .\n", encoding="utf-8")
    with pytest.raises(BuildError, match=rf"{stray}:3: triple outside any named graph"):
        build(config, progress=lambda m: None)


def test_configured_base_iri_rewrites_every_iri(tmp_path):
    config = repo_config(tmp_path / "store", base_iri="http://example.org/hg/")
    build(config, progress=lambda m: None)
    store = ReleaseStore(config)
    subjects = {q.subject.value for q in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                if isinstance(q.subject, ox.NamedNode)}
    assert "http://example.org/hg/id/project/mrv" in subjects
    assert not any(s.startswith("https://w3id.org/hankegraafi/") for s in subjects)


def test_killed_build_leaves_old_release_and_next_build_works(tmp_path):
    config = scratch_config(tmp_path)
    first = build(config, progress=lambda m: None)
    # a build killed halfway leaves a temporary folder behind; simulate one with a real store in it
    leftover = config.store_path / "releases" / ".tmp-killed"
    ox.Store(str(leftover)).add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o")))
    assert ReleaseStore(config).release.identifier == first.identifier
    (config.project_dir / "data" / "curation.trig").touch()  # same inputs, new build
    second = build(config, progress=lambda m: None)
    assert not leftover.exists()
    assert current_release_path(config).name == second.identifier


def test_server_switches_to_new_release_without_restart(tmp_path):
    config = scratch_config(tmp_path)
    build(config, progress=lambda m: None)
    served = ReleaseStore(config)
    served.CHECK_INTERVAL = 0
    before = served.release.identifier
    extra = config.project_dir / "data" / "sources" / "zz-extra.trig"
    extra.write_text(
        "@prefix hgg: <graph/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "hgg:curation { <id/region/testland> skos:prefLabel \"Testimaa\"@fi . }\n", encoding="utf-8")
    build(config, progress=lambda m: None)
    assert served.release.identifier != before
    labels = {r["l"].value for r in served.query("SELECT ?l WHERE { ?r <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")}
    assert "Testimaa" in labels


def test_a_file_mentions_a_text_also_across_its_read_blocks(tmp_path):
    """`InputFile.mentions_any` lets the search for a violation's file and line skip files that
    cannot hold it; it reads in blocks of 4 MiB, so a text may straddle two of them."""
    import gzip

    from hankegraafi.build.sources import InputFile

    needle = "<id/project/rajalla>"
    text = "x" * ((1 << 22) - 7) + needle + " .\n"
    path = tmp_path / "big.trig.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    file = InputFile(path, ox.RdfFormat.TRIG, None, gzipped=True)
    assert file.mentions_any([needle])
    assert file.mentions_any(["ei-ole", needle[:5]])
    assert not file.mentions_any(["<id/project/rajalla2>", "ei-ole"])
    assert not file.mentions_any([])
