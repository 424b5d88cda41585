"""Content of the built graph: what the five source documents say is there, in the right named graph,
with evidence, in a vocabulary that is defined, and without personal contact details.

The expected values are the figures, dates, names and titles printed in the source documents
(press releases and project pages, see docs/conventions.md); the tests do not read the documents.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def ask(store, ns):
    def run(query: str) -> bool:
        return bool(store.query(ns.sparql_prologue() + query))
    return run


def count(select, query: str) -> int:
    rows = select(query)
    assert len(rows) == 1, rows
    return int(next(iter(rows[0].values())))


# ------------------------------------------------------------------ how much there is

# Entities per class, counted from the documents: e.g. 20 projects = MRV with its main project,
# three sub-projects, project family and SOILA (004), the Northern Finland programme with its
# Keski-Pohjanmaa part and two pilots (001), Työparimalli, TulSote with one component, Lumo (002),
# Sointu with four work packages (003).
EXPECTED_ENTITIES = {
    "Project": 20,
    "Organisation": 27,
    "Person": 10,
    "Engagement": 38,
    "Position": 7,
    "Funding": 5,
    "FundingDecision": 3,
    "BudgetItem": 8,
    "FundingScheme": 4,
    "Region": 9,
    "Event": 3,
    "Publication": 9,
    "Goal": 21,
    "SourceDocument": 5,
    "ImplementerHandover": 1,
    "OrganisationalSuccession": 1,
    "Evidence": 118,
}


@pytest.mark.parametrize("cls,expected", sorted(EXPECTED_ENTITIES.items()))
def test_number_of_entities_per_class(select, cls, expected):
    assert count(select, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a hg:{cls} }}") == expected


def test_graphs_of_the_release(select):
    graphs = {row["g"] for row in select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    short = {g.rsplit("/graph/", 1)[-1] for g in graphs}
    assert short == {"ontology", "vocab", "shapes", "documents", "curation", "inferred", "release",
                     "source-000", "source-001", "source-002", "source-003", "source-004"}


# ------------------------------------------------------------------ facts of each document, in its graph

FACTS = {
    # 000: press release of 18.6.2024
    "000-recommendation-1.8-million-on-18-6-2024": ("000", """
        ?d a hg:FundingDecision ; hg:decisionType hgv:decision-recommendation ;
           hg:decisionDate "2024-06-18"^^xsd:date ; hg:concernsFunding funding:mrv-eu ;
           schema:amount [ schema:value 1800000.0 ; hg:isRounded true ] ."""),
    "000-total-cost-2.3-million-rounded": ("000", """
        ?b hg:budgetFor project:mrv ; hg:amountType hgv:amount-total-cost ;
           schema:amount [ schema:value 2300000.0 ; hg:isRounded true ] ."""),
    "000-malinen-kehittamispaallikko-at-iso": ("000", """
        ?p hg:holder person:paivi-malinen ; hg:inOrganisation organisation:iso ;
           hg:roleTitle "kehittämispäällikkö"@fi ; hg:attestedOn "2024-06-18"^^xsd:date ."""),
    "000-rautiainen-title-pohjois-savo": ("000", """
        ?p hg:holder person:katja-rautiainen ; hg:inOrganisation organisation:pohjois-savon-hyvinvointialue ;
           hg:roleTitle "lastensuojelun palveluyksikköjohtaja"@fi ."""),
    "000-four-participants-attested": ("000", """
        { SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?e hg:inProject project:mrv ; hg:role hgv:role-participant ;
              hg:agent ?a ; hg:attestedOn "2024-06-18"^^xsd:date } }
        FILTER(?n = 4)"""),
    # 001: Soite press release of 19.4.2021
    "001-stm-5.8-million-to-northern-finland": ("001", """
        funding:stm-mlps schema:funder organisation:stm ; schema:fundedItem project:mlps ;
           schema:amount [ schema:value 5800000.0 ; hg:isRounded true ] ."""),
    "001-state-grant-128207-to-soite": ("001", """
        funding:stm-soite schema:funder organisation:stm ; hg:recipient organisation:soite ;
           hg:fundingInstrument "valtionavustus"@fi ; schema:amount/schema:value 128207.0 ."""),
    "001-kolpene-administers-poske-coordinates": ("001", """
        ?a hg:inProject project:mlps ; hg:role hgv:role-administrator ; hg:agent organisation:kolpene .
        ?c hg:inProject project:mlps ; hg:role hgv:role-coordinator ; hg:agent organisation:poske .
        organisation:poske hg:hostOrganisation organisation:kolpene ."""),
    "001-six-sub-implementers": ("001", """
        { SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?e hg:inProject project:mlps ; hg:role hgv:role-sub-implementer ; hg:agent ?a } }
        FILTER(?n = 6)"""),
    "001-simila-ttm-development-coordinator": ("001", """
        person:tiina-simila schema:name "Tiina Similä" ; schema:honorificSuffix "TtM" .
        ?e hg:agent person:tiina-simila ; hg:role hgv:role-development-coordinator ;
           hg:roleTitle "kehittämiskoordinaattori"@fi ; hg:inProject project:mlps-keski-pohjanmaa ;
           hg:attestedOn "2021-04-19"^^xsd:date ."""),
    # 002: Työparimalli project page
    "002-tyoparimalli-ended-31-12-2022": ("002", """
        project:tyoparimalli schema:endDate "2022-12-31"^^xsd:date ; hg:earliestStart "2020-01-01"^^xsd:date ;
           hg:latestStart "2020-12-31"^^xsd:date ."""),
    "002-collaborates-with-lumo-and-tulsote": ("002", """
        project:tyoparimalli hg:collaboratesWith project:lumo , project:tulsote ; hg:backgroundProject project:tulsote ."""),
    "002-salminen-lahtinen-contact": ("002", """
        ?e hg:agent person:katja-salminen-lahtinen ; hg:inProject project:tyoparimalli ;
           hg:role hgv:role-contact-person ; hg:roleTitle "lastensuojelun erityissosiaalityöntekijä"@fi ."""),
    "002-lead-implementer-until-31-12-2022": ("002", """
        ?e hg:agent organisation:keski-suomen-sosiaalialan-osaamiskeskus ; hg:inProject project:tyoparimalli ;
           hg:role hgv:role-lead-implementer ; schema:endDate "2022-12-31"^^xsd:date ."""),
    "002-stm-funds-tulsote-amount-unknown": ("002", """
        funding:stm-tulsote schema:funder organisation:stm ; schema:fundedItem project:tulsote .
        FILTER NOT EXISTS { funding:stm-tulsote schema:amount ?a }"""),
    # 003: Sointu project page
    "003-sointu-period": ("003", """
        project:sointu schema:startDate "2024-05-01"^^xsd:date ; schema:endDate "2026-11-30"^^xsd:date ."""),
    "003-budget-356164-xamk-71233": ("003", """
        ?t hg:budgetFor project:sointu ; hg:amountType hgv:amount-total-cost ; schema:amount/schema:value 356164.0 .
        ?x hg:budgetFor project:sointu ; hg:budgetHolder organisation:xamk ; schema:amount/schema:value 71233.0 ."""),
    "003-hame-ely-and-specific-objective-5-1": ("003", """
        funding:sointu-eu schema:funder organisation:euroopan-unioni ; hg:intermediateBody organisation:hameen-ely-keskus ;
           hg:fundingScheme scheme:uos-erityistavoite-5-1 .
        scheme:uos-erityistavoite-5-1 skos:notation "5.1" ; hg:subSchemeOf scheme:uos-toimintalinja-5 ."""),
    "003-poikolainen-tutkimuspaallikko-juvenia": ("003", """
        ?p hg:holder person:jaana-poikolainen ; hg:inOrganisation organisation:juvenia ; hg:roleTitle ?t .
        FILTER(LCASE(STR(?t)) = "tutkimuspäällikkö")
        organisation:juvenia org:unitOf organisation:xamk ."""),
    "003-four-work-packages": ("003", """
        { SELECT (COUNT(DISTINCT ?w) AS ?n) WHERE { ?w hg:subProjectOf project:sointu ; hg:projectType hgv:ptype-work-package } }
        FILTER(?n = 4)"""),
    # 004: ISO's MRV page, after 1.7.2025
    "004-iso-lead-until-30-6-2025": ("004", """
        role:mrv-lead-implementer-iso hg:agent organisation:iso ; hg:inProject project:mrv ;
           hg:role hgv:role-lead-implementer ;
           schema:startDate "2024-08-01"^^xsd:date ; schema:endDate "2025-06-30"^^xsd:date ."""),
    "004-jarvi-suomi-lead-from-1-7-2025": ("004", """
        ?e hg:agent organisation:jarvi-suomen-sosiaalialan-osaamiskeskus ; hg:inProject project:mrv ;
           hg:role hgv:role-lead-implementer ;
           schema:startDate "2025-07-01"^^xsd:date ; schema:endDate "2026-12-31"^^xsd:date .
        organisation:jarvi-suomen-sosiaalialan-osaamiskeskus org:unitOf organisation:keski-suomen-hyvinvointialue ."""),
    "004-eu-share-1798681-of-2248352": ("004", """
        funding:mrv-eu schema:amount/schema:value 1798681.0 ; hg:fundingScheme scheme:uos-erityistavoite-5-1 .
        ?t hg:budgetFor project:mrv ; hg:amountType hgv:amount-total-cost ; schema:amount ?m .
        ?m schema:value 2248352.0 . FILTER NOT EXISTS { ?m hg:isRounded true }"""),
    "004-iso-part-351748-plus-87937-is-439685": ("004", """
        ?a hg:budgetHolder organisation:iso ; hg:amountType hgv:amount-budgeted-cost ; schema:amount/schema:value 351748.0 .
        ?b hg:budgetHolder organisation:iso ; hg:amountType hgv:amount-own-financing ; schema:amount/schema:value 87937.0 .
        ?c hg:budgetHolder organisation:iso ; hg:amountType hgv:amount-total-cost ; schema:amount/schema:value 439685.0 ."""),
    "004-malinen-project-manager-with-period": ("004", """
        ?e hg:agent person:paivi-malinen ; hg:role hgv:role-project-manager ; hg:roleTitle "hankepäällikkö"@fi ;
           schema:startDate "2024-08-01"^^xsd:date ; schema:endDate "2025-06-30"^^xsd:date ."""),
    "004-pihl-strategiajohtaja-contact-from-1-7-2025": ("004", """
        ?p hg:holder person:anu-pihl ; hg:roleTitle "strategiajohtaja"@fi .
        ?e hg:agent person:anu-pihl ; hg:role hgv:role-contact-person ; schema:startDate "2025-07-01"^^xsd:date ."""),
    "004-webinar-9-6-2025-100-listeners": ("004", """
        ?w a hg:Event ; schema:startDate "2025-06-09"^^xsd:date ; schema:organizer organisation:iso ; hg:attendeeCount 100 ."""),
    "004-survey-126-respondents": ("004", """
        ?s a hg:Event ; hg:respondentCount 126 ; schema:organizer organisation:iso ."""),
    "004-programme-hierarchy": ("004", """
        scheme:uos-erityistavoite-5-1 hg:subSchemeOf scheme:uos-toimintalinja-5 .
        scheme:uos-toimintalinja-5 hg:subSchemeOf scheme:uudistuva-ja-osaava-suomi-2021-2027 ; hg:fundedFrom scheme:esr-plus ."""),
}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_document_fact_is_in_its_source_graph(ask, name):
    document, pattern = FACTS[name]
    assert ask(f"ASK {{ GRAPH hgg:source-{document} {{ {pattern} }} }}"), name


# the nodes of each fact that must carry evidence lines of the fact's document
EVIDENCED = {
    "000-recommendation-1.8-million-on-18-6-2024": ["?d"],
    "000-total-cost-2.3-million-rounded": ["?b"],
    "000-malinen-kehittamispaallikko-at-iso": ["?p", "person:paivi-malinen"],
    "000-rautiainen-title-pohjois-savo": ["?p", "person:katja-rautiainen"],
    "001-stm-5.8-million-to-northern-finland": ["funding:stm-mlps", "project:mlps"],
    "001-state-grant-128207-to-soite": ["funding:stm-soite", "organisation:soite"],
    "001-kolpene-administers-poske-coordinates": ["?a", "?c", "organisation:poske", "organisation:kolpene"],
    "001-simila-ttm-development-coordinator": ["?e", "person:tiina-simila"],
    "002-tyoparimalli-ended-31-12-2022": ["project:tyoparimalli"],
    "002-collaborates-with-lumo-and-tulsote": ["project:tyoparimalli", "project:lumo", "project:tulsote"],
    "002-salminen-lahtinen-contact": ["?e", "person:katja-salminen-lahtinen"],
    "002-lead-implementer-until-31-12-2022": ["?e", "organisation:keski-suomen-sosiaalialan-osaamiskeskus"],
    "002-stm-funds-tulsote-amount-unknown": ["funding:stm-tulsote"],
    "003-sointu-period": ["project:sointu"],
    "003-budget-356164-xamk-71233": ["?t", "?x"],
    "003-hame-ely-and-specific-objective-5-1": ["funding:sointu-eu", "organisation:hameen-ely-keskus",
                                                "scheme:uos-erityistavoite-5-1"],
    "003-poikolainen-tutkimuspaallikko-juvenia": ["?p", "organisation:juvenia"],
    "004-iso-lead-until-30-6-2025": ["role:mrv-lead-implementer-iso"],
    "004-jarvi-suomi-lead-from-1-7-2025": ["?e", "organisation:jarvi-suomen-sosiaalialan-osaamiskeskus"],
    "004-eu-share-1798681-of-2248352": ["funding:mrv-eu", "?t"],
    "004-iso-part-351748-plus-87937-is-439685": ["?a", "?b", "?c"],
    "004-malinen-project-manager-with-period": ["?e"],
    "004-pihl-strategiajohtaja-contact-from-1-7-2025": ["?p", "?e", "person:anu-pihl"],
    "004-webinar-9-6-2025-100-listeners": ["?w"],
    "004-survey-126-respondents": ["?s"],
    "004-programme-hierarchy": ["scheme:uos-erityistavoite-5-1", "scheme:uos-toimintalinja-5"],
}


@pytest.mark.parametrize("name", sorted(EVIDENCED))
def test_document_fact_is_backed_by_evidence_of_that_document(ask, name):
    """The nodes of each fact carry evidence lines of the document the graph comes from."""
    document, pattern = FACTS[name]
    for node in EVIDENCED[name]:
        assert ask(f"""ASK {{ GRAPH hgg:source-{document} {{ {pattern}
                        {node} hg:evidence ?ev . ?ev hg:inDocument document:{document} ; hg:line ?line }} }}"""), (name, node)


def test_every_non_aggregate_fact_has_evidenced_nodes():
    assert set(EVIDENCED) == {name for name, (_, pattern) in FACTS.items() if "SELECT" not in pattern}


def test_exact_figures_only_in_the_document_that_states_them(select):
    rows = select("""SELECT DISTINCT ?g ?v WHERE { GRAPH ?g { ?a schema:value ?v } VALUES ?v {
        1798681.0 2248352.0 2300000.0 1800000.0 128207.0 5800000.0 356164.0 71233.0 351748.0 87937.0 439685.0 } }""")
    where = {}
    for row in rows:
        where.setdefault(int(float(row["v"])), set()).add(row["g"].rsplit("/", 1)[-1])
    assert where == {
        1798681: {"source-004"}, 2248352: {"source-004"}, 351748: {"source-004"}, 87937: {"source-004"},
        439685: {"source-004"}, 2300000: {"source-000"}, 1800000: {"source-000"},
        128207: {"source-001"}, 5800000: {"source-001"}, 356164: {"source-003"}, 71233: {"source-003"},
    }


# ------------------------------------------------------------------ conflicts and the handover

def test_both_mrv_total_costs_kept_with_their_sources(select):
    rows = select("""SELECT ?g ?v ?rounded ?issued WHERE {
        GRAPH ?g { ?b hg:budgetFor project:mrv ; hg:amountType hgv:amount-total-cost ; schema:amount ?m . ?m schema:value ?v }
        BIND(EXISTS { ?m hg:isRounded true } AS ?rounded)
        GRAPH hgg:documents { ?g prov:wasDerivedFrom ?d . OPTIONAL { ?d dcterms:issued ?issued } } } ORDER BY ?g""")
    assert [(r["g"].rsplit("/", 1)[-1], int(float(r["v"])), r["rounded"], r.get("issued")) for r in rows] == [
        ("source-000", 2300000, "true", "2024-06-18"),
        ("source-004", 2248352, "false", None),
    ]


def test_eu_recommendation_and_eu_share_kept_apart(select):
    rows = select("""SELECT ?g ?kind ?v WHERE { GRAPH ?g {
        { ?x hg:concernsFunding funding:mrv-eu ; schema:amount/schema:value ?v BIND("decision" AS ?kind) }
        UNION { funding:mrv-eu schema:amount/schema:value ?v BIND("funding" AS ?kind) } } } ORDER BY ?g""")
    assert [(r["g"].rsplit("/", 1)[-1], r["kind"], int(float(r["v"]))) for r in rows] == [
        ("source-000", "decision", 1800000), ("source-004", "funding", 1798681)]


def test_handover_of_mrv_lead_implementer(select):
    row, = select("""SELECT * WHERE { GRAPH hgg:source-004 {
        ?h a hg:ImplementerHandover ; hg:affectsProject project:mrv ; hg:effectiveDate ?date ;
           hg:fromAgent ?from ; hg:toAgent ?to ; hg:endsEngagement ?old ; hg:startsEngagement ?new .
        ?old schema:endDate ?oldEnd ; hg:agent ?from . ?new schema:startDate ?newStart ; hg:agent ?to } }""")
    assert row["date"] == "2025-07-01" and row["oldEnd"] == "2025-06-30" and row["newStart"] == "2025-07-01"
    assert row["from"].endswith("/organisation/iso")
    assert row["to"].endswith("/organisation/jarvi-suomen-sosiaalialan-osaamiskeskus")


def test_curated_succession_is_outside_the_source_graphs(select):
    rows = select("""SELECT ?g WHERE { GRAPH ?g { organisation:kainuun-sote-kuntayhtyma hg:succeededBy organisation:kainuun-hyvinvointialue } }""")
    assert [r["g"].rsplit("/", 1)[-1] for r in rows] == ["curation"]
    assert select("""SELECT ?d WHERE { GRAPH hgg:curation { ?c a hg:OrganisationalSuccession ; hg:effectiveDate ?d ;
        org:originalOrganization organisation:kainuun-sote-kuntayhtyma ; dcterms:source ?s } }""")[0]["d"] == "2023-01-01"


# ------------------------------------------------------------------ provenance

def test_every_node_in_a_source_graph_has_evidence_in_its_document(select):
    rows = select("""SELECT DISTINCT ?g ?s WHERE {
        GRAPH ?g { ?s a ?c } FILTER(STRSTARTS(STR(?g), STR(hgg:source-)))
        FILTER(?c NOT IN (hg:Evidence, schema:MonetaryAmount))
        GRAPH hgg:documents { ?g prov:wasDerivedFrom ?doc }
        FILTER NOT EXISTS { GRAPH ?g { ?s hg:evidence ?e . ?e hg:inDocument ?doc ; hg:line ?line } } }""")
    assert rows == []
    described = count(select, """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c }
        FILTER(STRSTARTS(STR(?g), STR(hgg:source-)) && ?c NOT IN (hg:Evidence, schema:MonetaryAmount)) }""")
    evidenced = count(select, """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s hg:evidence ?e }
        FILTER(STRSTARTS(STR(?g), STR(hgg:source-))) }""")
    assert evidenced == described > 150


def test_every_subject_in_a_source_graph_is_typed_there(select):
    assert select("""SELECT DISTINCT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), STR(hgg:source-)))
        FILTER NOT EXISTS { GRAPH ?g { ?s a ?c } } }""") == []


def test_monetary_amounts_belong_to_a_node_with_evidence(select):
    assert select("""SELECT ?m WHERE { GRAPH ?g { ?m a schema:MonetaryAmount } FILTER(STRSTARTS(STR(?g), STR(hgg:source-)))
        FILTER NOT EXISTS { GRAPH ?g { ?x schema:amount ?m ; hg:evidence ?e } } }""") == []
    assert select("""SELECT ?m WHERE { ?m a schema:MonetaryAmount .
        FILTER NOT EXISTS { ?m schema:value ?v ; schema:currency "EUR" FILTER(DATATYPE(?v) = xsd:decimal) } }""") == []


def test_evidence_lines_lie_within_their_document(select):
    rows = select("""SELECT ?e ?line ?lines WHERE { ?e a hg:Evidence ; hg:inDocument ?d ; hg:line ?line .
        GRAPH hgg:documents { ?d hg:lineCount ?lines } }""")
    assert len(rows) == 118
    for row in rows:
        assert 1 <= int(row["line"]) <= int(row["lines"]), row


def test_evidence_in_a_source_graph_points_to_that_graphs_document(select):
    rows = select("""SELECT ?g ?e ?d ?line WHERE { GRAPH ?g { ?e a hg:Evidence ; hg:inDocument ?d ; hg:line ?line }
        FILTER(STRSTARTS(STR(?g), STR(hgg:source-))) }""")
    assert rows
    for row in rows:
        number = row["g"].rsplit("source-", 1)[-1]
        assert row["d"].endswith(f"/id/document/{number}"), row
        # deterministic IRIs: evidence:NNN-lL
        assert row["e"].endswith(f"/id/evidence/{number}-l{int(row['line'])}"), row


def test_source_documents_are_described(select):
    rows = select("""SELECT ?d ?file ?sha ?lines ?g WHERE { GRAPH hgg:documents {
        ?d a hg:SourceDocument ; dcterms:title ?t ; hg:fileName ?file ; hg:sha256 ?sha ; hg:lineCount ?lines ;
           dcterms:language "fi" . ?g prov:wasDerivedFrom ?d FILTER(STRSTARTS(STR(?g), STR(hgg:source-))) } } ORDER BY ?d""")
    assert [r["file"] for r in rows] == ["000_cc5b695abb7b93a7.txt", "001_2552c4d6da3576ae.txt", "002_3a459417432fad52.txt",
                                         "003_cc06d02c15df5e25.txt", "004_b937bbf3e87f0272.txt"]
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha"])
        assert row["g"].endswith("source-" + row["d"].rsplit("/", 1)[-1])
    dates = {r["d"].rsplit("/", 1)[-1]: r for r in select("""SELECT ?d ?issued ?notBefore WHERE { GRAPH hgg:documents {
        ?d a hg:SourceDocument OPTIONAL { ?d dcterms:issued ?issued } OPTIONAL { ?d hg:notBefore ?notBefore } } }""")}
    assert dates["000"]["issued"] == "2024-06-18" and dates["001"]["issued"] == "2021-04-19"
    assert dates["004"]["notBefore"] == "2025-07-01"


def test_every_curated_fact_names_its_source(select):
    assert select("""SELECT DISTINCT ?s WHERE { GRAPH hgg:curation { ?s ?p ?o }
        FILTER NOT EXISTS { GRAPH hgg:curation { ?s dcterms:source ?src } } }""") == []


def test_descriptions_in_source_graphs_are_in_finnish_and_english(select):
    assert select("""SELECT DISTINCT ?g ?s WHERE { GRAPH ?g { ?s dcterms:description ?d }
        FILTER(STRSTARTS(STR(?g), STR(hgg:source-)))
        FILTER NOT EXISTS { GRAPH ?g { ?s dcterms:description ?fi , ?en FILTER(LANG(?fi) = "fi" && LANG(?en) = "en") } } }""") == []


# ------------------------------------------------------------------ standard vocabularies

def test_schema_org_view(select):
    assert count(select, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:Project }") == EXPECTED_ENTITIES["Project"]
    grants = select("""SELECT DISTINCT ?g ?f WHERE { ?g a schema:MonetaryGrant ; schema:funder ?f }""")
    assert len(grants) == EXPECTED_ENTITIES["Funding"]
    # every project, organisation and person has a schema:name
    assert select("""SELECT ?x WHERE { { ?x a hg:Project } UNION { ?x a hg:Organisation } UNION { ?x a hg:Person }
        FILTER NOT EXISTS { ?x schema:name ?n } }""") == []
    assert count(select, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x schema:name ?n }") >= 60


def test_org_view(select):
    members = count(select, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a org:Membership ; org:member ?a ; org:organization ?o }")
    assert members == EXPECTED_ENTITIES["Engagement"] + EXPECTED_ENTITIES["Position"]
    # the roleProperty shortcuts are derived, and atemporal
    rows = select("SELECT ?o WHERE { ?o hg:wasLeadImplementerOf project:mrv } ORDER BY ?o")
    assert [r["o"].rsplit("/", 1)[-1] for r in rows] == ["iso", "jarvi-suomen-sosiaalialan-osaamiskeskus"]
    assert select("SELECT ?u WHERE { organisation:juvenia org:subOrganizationOf ?u }")[0]["u"].endswith("/organisation/xamk")


def test_prov_view(select):
    associations = count(select, """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        ?act a prov:Activity ; prov:qualifiedAssociation ?a . ?a prov:agent ?agent ; prov:hadRole ?r }""")
    assert associations == EXPECTED_ENTITIES["Engagement"]
    # each source graph is derived from its document
    rows = select("SELECT ?g ?d WHERE { GRAPH hgg:documents { ?g prov:wasDerivedFrom ?d . ?d a hg:SourceDocument } }")
    assert {(r["g"].rsplit("/", 1)[-1], r["d"].rsplit("/", 1)[-1]) for r in rows} >= {
        (f"source-{n}", n) for n in ("000", "001", "002", "003", "004")}
    # decisions are associated with the body that made them
    assert select("SELECT ?a WHERE { decision:mrv-recommendation-2024-06-18 prov:wasAssociatedWith ?a }")


def test_dcterms_view(select):
    rows = select("SELECT DISTINCT ?part ?whole WHERE { ?part dcterms:isPartOf ?whole }")
    pairs = {(r["part"].split("/id/")[-1], r["whole"].split("/id/")[-1]) for r in rows}
    assert ("scheme/uos-erityistavoite-5-1", "scheme/uos-toimintalinja-5") in pairs
    assert ("funding/stm-soite", "funding/stm-mlps") in pairs
    assert ("project/mrv", "project/turvaverkkoja-nuorten-tulevaisuuteen") in pairs
    assert sum(1 for part, whole in pairs if whole == "project/sointu") == 4


# ------------------------------------------------------------------ the vocabulary used is defined

def test_every_hg_term_used_in_data_is_defined_with_labels_and_definitions(select):
    missing = select("""SELECT DISTINCT ?t WHERE {
        GRAPH ?g { { ?s ?t ?o } UNION { ?s a ?t } }
        FILTER(?g NOT IN (hgg:ontology, hgg:vocab, hgg:shapes) && STRSTARTS(STR(?t), STR(hg:)))
        FILTER NOT EXISTS { GRAPH hgg:ontology {
          ?t rdfs:label ?lf , ?le ; skos:definition ?df , ?de .
          FILTER(LANG(?lf) = "fi" && LANG(?le) = "en" && LANG(?df) = "fi" && LANG(?de) = "en") } } }""")
    assert missing == []


def test_every_hgv_concept_used_is_defined_in_the_vocabulary(select):
    missing = select("""SELECT DISTINCT ?c WHERE {
        GRAPH ?g { { ?s ?p ?c } UNION { ?c ?p ?o } }
        FILTER(?g NOT IN (hgg:ontology, hgg:vocab, hgg:shapes) && isIRI(?c) && STRSTARTS(STR(?c), STR(hgv:)))
        FILTER NOT EXISTS { GRAPH hgg:vocab { ?c a ?kind ; skos:prefLabel ?fi , ?en
          FILTER(?kind IN (skos:Concept, skos:ConceptScheme) && LANG(?fi) = "fi" && LANG(?en) = "en") } } }""")
    assert missing == []


def test_no_blank_nodes_in_curated_data(store, ns):
    data_graphs = [g for g in store.store.named_graphs()
                   if g.value.startswith(ns.graph("source-")) or g.value in (ns.graph("documents"), ns.graph("curation"))]
    for graph in data_graphs:
        for quad in store.store.quads_for_pattern(None, None, None, graph):
            assert not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode), quad


# ------------------------------------------------------------------ personal data

EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w.])(?:\+358[\s-]?\d{1,3}|0\d{2})[\s-]?\d{3}[\s-]?\d{3,4}(?![\w])")


def test_no_literal_looks_like_a_phone_number_or_an_email_address(store):
    offending = []
    for quad in store.store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.object, ox.Literal):
            text = quad.object.value
            if EMAIL.search(text) or PHONE.search(text):
                offending.append((quad.subject.value, quad.predicate.value, text[:80]))
    assert offending == []


def test_contact_points_are_not_published_by_default(select):
    assert select("""SELECT ?x WHERE { { ?x a schema:ContactPoint } UNION { ?x schema:contactPoint ?c }
        UNION { ?x schema:telephone ?t } UNION { ?x schema:email ?e } }""") == []
    assert select("SELECT ?s WHERE { GRAPH hgg:contacts { ?s ?p ?o } }") == []


def test_phone_and_email_patterns_catch_the_formats_in_the_sources():
    """The patterns used above match every way the documents write contact details."""
    for sample in ("044 024 6415", "+358447028832", "044 702 8458"):
        assert PHONE.search(sample), sample
    for sample in ("paivi.malinen(at)isonet.fi", "Jaana.Poikolainen@xamk.fi", "etunimi.sukunimi@hyvaks.fi"):
        assert EMAIL.search(sample), sample
    for harmless in ("2024-08-01", "1798681", "12–17-vuotiaiden", "5.1", "Uudistuva ja osaava Suomi 2021–2027"):
        assert not PHONE.search(harmless) and not EMAIL.search(harmless), harmless
