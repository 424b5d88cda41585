"""SHACL in the store (shapes compiled to SPARQL) gives pyshacl's results; semi-naive materialisation
gives the naive fixpoint. Both on the curated data, and validation also on data broken on purpose."""

from __future__ import annotations

import collections

import pyoxigraph as ox
import pytest
import rdflib

from hankegraafi.build.materialise import materialise, rules
from hankegraafi.build.pipeline import assemble
from hankegraafi.build.shacl_sparql import Unsupported, compile_shapes
from hankegraafi.build.validate import validate_store
from hankegraafi.namespaces import Namespaces

from conftest import repo_config

# one or more violations of every constraint component that shapes.ttl uses
BROKEN = """@prefix hg: <ontology#> .
@prefix hgv: <vocab/> .
@prefix hgg: <graph/> .
@prefix project: <id/project/> .
@prefix organisation: <id/organisation/> .
@prefix person: <id/person/> .
@prefix role: <id/role/> .
@prefix budget: <id/budget/> .
@prefix region: <id/region/> .
@prefix event: <id/event/> .
@prefix publication: <id/publication/> .
@prefix document: <id/document/> .
@prefix goal: <id/goal/> .
@prefix evidence: <id/evidence/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

hgg:broken {
  project:bad1 a hg:Project ;
    skos:prefLabel "Only English"@en, "Toinen"@en, "Kolmas"@EN ;
    dcterms:description "no language" ;
    dcterms:subject hgv:role-participant ;
    hg:projectType hgv:ptype-pilot ;
    schema:startDate "2021-01-01"^^xsd:date ; hg:strengthArea "2024-13-45"^^xsd:date ;
    schema:endDate "2020-01-01"^^xsd:date, "2019-01-01"^^xsd:date ;
    hg:earliestStart "2025-01-01"^^xsd:date ; hg:latestStart "2024-01-01"^^xsd:date ;
    hg:subProjectOf region:kainuu ;
    skos:altLabel project:mrv ;
    hg:evidence evidence:nonexistent .
  _:blank a hg:Project ; skos:prefLabel "Tyhjä"@fi ; hg:evidence evidence:004-l2 .
  organisation:badorg a hg:Organisation ; skos:prefLabel "Org"@fi ; schema:telephone "123" .
  budget:b a hg:BudgetItem ; hg:budgetFor project:mrv, project:sointu ; schema:amount budget:b-amount, budget:b-amount2 ;
    hg:amountType hgv:amount-total-cost ; hg:evidence evidence:004-l2 .
  budget:b-amount a schema:MonetaryAmount ; schema:value "-3"^^xsd:decimal ; schema:currency "eur" .
  budget:b-amount2 schema:value 5 ; hg:isRounded "yes" .
  evidence:bad-line a hg:Evidence ; hg:inDocument document:000 ; hg:line 500 .
  evidence:bad-line2 a hg:Evidence ; hg:line "zero" .
  event:e a hg:Event ; skos:prefLabel "Tapahtuma"@fi ; hg:attendeeCount -5 ; hg:evidence evidence:004-l2 ;
    schema:organizer region:kainuu .
  project:m a hg:Project, hg:MainProject ; skos:prefLabel "M"@fi ; hg:evidence evidence:004-l2 .
  person:p a hg:Person ; skos:prefLabel "x"@fi ; hg:evidence evidence:004-l2 .
  document:bad a hg:SourceDocument ; dcterms:title "T"@fi ; hg:fileName "f" ; hg:lineCount 3 ; dcterms:language "fi" ;
    hg:sha256 "XYZ" .
  organisation:unit a hg:Organisation, hg:OrganisationalUnit ; org:classification hgv:otype-organisational-unit ;
    skos:prefLabel "U"@fi ; hg:evidence evidence:004-l2 .
  organisation:w a hg:Organisation, hg:Municipality ; org:classification hgv:otype-ministry ; skos:prefLabel "W"@fi ;
    hg:evidence evidence:004-l2 .
  role:r a hg:Engagement ; hg:attestedOn "2024-02-30"^^xsd:date ; hg:agent project:mrv ; hg:inProject project:mrv ;
    hg:role hgv:theme-participation ; hg:evidence evidence:004-l2 ; hg:roleTitle "x"@de .
  publication:p a hg:Publication ; dcterms:issued "2020"^^xsd:string ; hg:evidence evidence:004-l2 .
  goal:g a hg:Goal ; hg:evidence evidence:004-l2 .
}
"""

COMPONENTS = {  # what the broken data must trigger (a sample of the components, by their message)
    "At least one skos:prefLabel in Finnish", "at most one per language", "must be a literal tagged fi, en or sv",
    "is not a concept of the scheme", "lacks the matching class", "not later than schema:endDate",
    "must be a language-tagged literal", "must be a literal (abbreviation", "needs exactly one hg:inDocument",
    "Every entity and n-ary node needs at least one hg:evidence", "Telephone numbers are personal data",
    "exactly one hg:budgetFor", "non-negative xsd:decimal", "ISO 4217", "one xsd:boolean", "beyond the last line",
    "must be an hg:Organisation or an hg:Person", "one non-negative integer", "must have hg:projectType",
    "not skos:prefLabel", "64 lower-case hexadecimal", "org:unitOf its parent", "needs a skos:prefLabel or a dcterms:title",
    "must be an xsd:date", "belong to an hg:Project",
}


def both(config):
    """Validation results of both validators on one assembled store, as comparable multisets."""
    assembled = assemble(ox.Store(), config, lambda m: None)
    found = {}
    for validator in ("sparql", "pyshacl"):
        report = validate_store(assembled.store, config, assembled.files, validator=validator)
        # blank nodes are named differently by the two; everything else must be identical
        blank = lambda text: "_:b" if text and "://" not in text and ":" not in text and " " not in text else text
        found[validator] = (report.conforms, collections.Counter(
            (v.severity, blank(v.focus), v.path, blank(v.value), v.message, v.location) for v in report.violations))
    return found


def test_same_results_as_pyshacl_on_the_curated_data(tmp_path):
    found = both(repo_config(tmp_path / "store"))
    assert found["sparql"] == found["pyshacl"]
    assert found["sparql"][0] is True


def test_same_violations_as_pyshacl_on_broken_data(tmp_path):
    broken = tmp_path / "broken.trig"
    broken.write_text(BROKEN, encoding="utf-8")
    found = both(repo_config(tmp_path / "store", extra_inputs=[str(broken)]))
    assert found["sparql"][0] is False and found["pyshacl"][0] is False
    only_sparql = found["sparql"][1] - found["pyshacl"][1]
    only_pyshacl = found["pyshacl"][1] - found["sparql"][1]
    assert not only_sparql and not only_pyshacl, (only_sparql, only_pyshacl)
    messages = " ".join(key[4] for key in found["sparql"][1])
    missing = {m for m in COMPONENTS if m not in messages}
    assert not missing
    assert sum(found["sparql"][1].values()) >= 40


def test_unsupported_shapes_are_refused_not_skipped():
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .""", format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(shapes)


def test_semi_naive_materialisation_reaches_the_naive_fixpoint(tmp_path):
    config = repo_config(tmp_path / "store")
    ns = Namespaces(config.base_iri)
    store = assemble(ox.Store(), config, lambda m: None).store
    inferred = ox.NamedNode(ns.graph("inferred"))
    fast = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, inferred)}
    # the naive fixpoint, as the first implementation computed it (on the named graphs alone)
    store.remove_graph(inferred)
    store.clear_graph(ox.DefaultGraph())
    while True:
        new = []
        for _, query in rules(ns):
            triples = list(store.query(query, use_default_graph_as_union=True))
            store.extend(ox.Quad(t.subject, t.predicate, t.object, inferred) for t in triples)
            new += triples
        if not new:
            break
    naive = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, inferred)}
    assert fast == naive
    assert len(fast) > 1000
    # a second run finds nothing new
    assert materialise(store, ns) == {name: 0 for name, _ in rules(ns)}


def test_streamed_copies_keep_blank_nodes(store, ns):
    """The default graph and the inferred graph are written through N-Triples files; blank nodes must
    stay the very nodes of the named graphs (the bulk loader would rename them)."""
    shapes = ns.graph("shapes")
    in_both = store.query(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{shapes}> {{ ?b ?p ?o FILTER(isBlank(?b)) }}
        ?b ?p ?o }}""")
    in_named = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{shapes}> {{ ?b ?p ?o FILTER(isBlank(?b)) }} }}")
    assert int(next(iter(in_both))["n"].value) == int(next(iter(in_named))["n"].value) > 100
