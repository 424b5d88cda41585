"""`hankegraafi generate`: deterministic, realistic generated data that builds and passes the shapes."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest

from hankegraafi.build import build
from hankegraafi.generate import MANIFEST, generate
from hankegraafi.store import ReleaseStore

from conftest import REPO, repo_config

PROJECTS = 50


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated") / "projects"
    manifest = generate(PROJECTS, folder, seed=7, projects_per_source=30)
    return folder, manifest


@pytest.fixture(scope="module")
def built(generated, tmp_path_factory):
    folder, _ = generated
    config = repo_config(tmp_path_factory.mktemp("store") / "store", extra_inputs=[str(folder)])
    release = build(config, progress=lambda m: None)
    return config, ReleaseStore(config), release


def test_same_seed_same_bytes(generated, tmp_path):
    folder, _ = generated
    again = generate(PROJECTS, tmp_path / "again", seed=7, projects_per_source=30)
    assert digests(tmp_path / "again") == digests(folder)
    assert again["triples"] == generated[1]["triples"]
    other = generate(PROJECTS, tmp_path / "other", seed=8, projects_per_source=30)
    assert digests(tmp_path / "other") != digests(folder)
    assert other["projects"] == PROJECTS


def test_manifest_counts_what_was_written(generated):
    folder, manifest = generated
    assert manifest == json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["projects"] == PROJECTS == manifest["entities"]["hg:Project"]
    # one register graph and one graph per 30 projects
    assert [f["graph"] for f in manifest["files"]] == [f"graph/generated-source-{n:04d}" for n in range(3)]
    total = 0
    for item in manifest["files"]:
        with gzip.open(folder / item["file"]) as handle:
            quads = list(ox.parse(handle, format=ox.RdfFormat.TRIG, base_iri="https://w3id.org/hankegraafi/"))
        assert len(quads) == item["triples"]
        assert {q.graph_name.value for q in quads} == {"https://w3id.org/hankegraafi/" + item["graph"]}
        total += len(quads)
    assert total == manifest["triples"]


def test_nquads_output_has_absolute_iris_under_the_base(tmp_path):
    manifest = generate(12, tmp_path / "nq", seed=3, fmt="nquads", base_iri="http://example.org/hg/")
    text = gzip.decompress((tmp_path / "nq" / "generated-source-0001.nq.gz").read_bytes()).decode()
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == manifest["files"][1]["triples"]
    assert all(q.graph_name.value == "http://example.org/hg/graph/generated-source-0001" for q in quads)
    assert any(q.subject.value.startswith("http://example.org/hg/id/project/") for q in quads)


def test_generated_graph_builds_and_conforms(built):
    _, _, release = built
    assert release.validation["conforms"] is True
    generated_graphs = [g for g in release.triples_per_graph if "/graph/generated-source-" in g]
    assert len(generated_graphs) == 3


def count(store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def test_every_kind_of_entity_with_plausible_counts(built):
    config, store, release = built
    hg = config.base_iri + "ontology#"
    generated = f"FILTER(STRSTARTS(STR(?x), '{config.base_iri}id/') && CONTAINS(STR(?g), 'generated-source'))"

    def n(cls: str) -> int:
        return count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{hg}{cls}> }} {generated} }}")

    assert n("Project") == PROJECTS
    for cls in ("GroupProject", "MainProject", "SubProject", "ProjectFamily", "CoordinationProject", "WorkPackage",
                "DevelopmentProgramme", "WellbeingServicesCounty", "Municipality", "JointMunicipalAuthority",
                "SocialWelfareCompetenceCentre", "UniversityOfAppliedSciences", "OrganisationalUnit", "Ministry",
                "ELYCentre", "RegionalCooperationGroup", "InternationalOrganisation", "Person", "Position",
                "Engagement", "Funding", "FundingDecision", "BudgetItem", "FundingScheme", "Region", "Goal",
                "SourceDocument", "Evidence", "OrganisationalSuccession"):
        assert n(cls) > 0, cls
    assert n("MainProject") == n("GroupProject")
    assert n("Engagement") > 3 * (PROJECTS // 2)
    assert n("WellbeingServicesCounty") == 21
    assert n("FundingScheme") > 40
    # funding schemes form a hierarchy, projects too
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{hg}subSchemeOf>/<{hg}subSchemeOf> ?top }}") > 0
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p <{hg}subProjectOf> ?parent }}") > 5
    # time-qualified roles: people in projects with dates
    assert count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ ?e <{hg}agent> ?person ; <{hg}inProject> ?p ;
        <https://schema.org/startDate> ?start . ?person a <{hg}Person> }}""") > PROJECTS // 2


def test_labels_in_finnish_and_english(built):
    config, store, _ = built
    hg = config.base_iri + "ontology#"
    unlabelled = count(store, f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{
        ?p a <{hg}Project> FILTER(CONTAINS(STR(?p), '/gen-'))
        FILTER NOT EXISTS {{ ?p <http://www.w3.org/2004/02/skos/core#prefLabel> ?fi FILTER(LANG(?fi) = 'fi') }}
        FILTER NOT EXISTS {{ ?p <http://www.w3.org/2004/02/skos/core#prefLabel> ?en FILTER(LANG(?en) = 'en') }} }}""")
    assert unlabelled == 0
    described = count(store, f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{hg}Project> ;
        <http://purl.org/dc/terms/description> ?d FILTER(CONTAINS(STR(?p), '/gen-') && LANG(?d) = 'en') }}""")
    assert described > PROJECTS // 2


def test_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hankegraafi.cli", "generate", "--projects", "5", "--seed", "2",
                          "--output", str(tmp_path / "cli")], cwd=REPO, capture_output=True, text=True, check=True)
    assert "5 projects" in out.stdout
    assert (tmp_path / "cli" / "generated-source-0001.trig.gz").exists()
