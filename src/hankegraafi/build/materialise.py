"""Materialise what the ontology's alignment axioms entail, so standard-vocabulary queries work.

pyoxigraph has no reasoner. A small rule set (RDFS subclass/subproperty closure, OWL inverse and
symmetric properties, domain/range of the project's own properties, and ORG's roleProperty) runs
as CONSTRUCT queries over the union of all graphs until nothing new follows; the results go into
the `inferred` graph. Only triples not already asserted are written.
"""

from __future__ import annotations

from typing import Callable

import pyoxigraph as ox

from ..namespaces import ORG, OWL, RDFS, Namespaces

MAX_ROUNDS = 10


def rules(ns: Namespaces) -> list[tuple[str, str]]:
    """(name, CONSTRUCT query) pairs; each yields only triples that are not yet in the store."""
    hg = ns.hg
    return [
        ("subclass", f"""
            CONSTRUCT {{ ?x a ?super }} WHERE {{
              ?c <{RDFS}subClassOf>+ ?super . FILTER(isIRI(?super) && ?super != ?c)
              ?x a ?c . FILTER NOT EXISTS {{ ?x a ?super }} }}"""),
        ("subproperty", f"""
            CONSTRUCT {{ ?s ?super ?o }} WHERE {{
              ?p <{RDFS}subPropertyOf>+ ?super . FILTER(isIRI(?super) && ?super != ?p)
              ?s ?p ?o . FILTER NOT EXISTS {{ ?s ?super ?o }} }}"""),
        ("inverse", f"""
            CONSTRUCT {{ ?o ?q ?s }} WHERE {{
              {{ ?p <{OWL}inverseOf> ?q }} UNION {{ ?q <{OWL}inverseOf> ?p }}
              ?s ?p ?o . FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o ?q ?s }} }}"""),
        ("symmetric", f"""
            CONSTRUCT {{ ?o ?p ?s }} WHERE {{
              ?p a <{OWL}SymmetricProperty> . ?s ?p ?o . FILTER(!isLiteral(?o))
              FILTER NOT EXISTS {{ ?o ?p ?s }} }}"""),
        ("domain", f"""
            CONSTRUCT {{ ?s a ?c }} WHERE {{
              ?p <{RDFS}domain> ?c . FILTER(isIRI(?c) && STRSTARTS(STR(?p), "{hg}"))
              ?s ?p ?o . FILTER NOT EXISTS {{ ?s a ?c }} }}"""),
        ("range", f"""
            CONSTRUCT {{ ?o a ?c }} WHERE {{
              ?p <{RDFS}range> ?c . FILTER(isIRI(?c) && STRSTARTS(STR(?p), "{hg}"))
              ?c a <{OWL}Class> .
              ?s ?p ?o . FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o a ?c }} }}"""),
        ("role-property", f"""
            CONSTRUCT {{ ?agent ?shortcut ?organisation }} WHERE {{
              ?role <{ORG}roleProperty> ?shortcut .
              ?m <{ORG}role> ?role ; <{ORG}member> ?agent ; <{ORG}organization> ?organisation .
              FILTER NOT EXISTS {{ ?agent ?shortcut ?organisation }} }}"""),
    ]


def materialise(store: ox.Store, ns: Namespaces, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Run the rules to a fixpoint; return how many triples each rule added."""
    inferred = ox.NamedNode(ns.graph("inferred"))
    added: dict[str, int] = {}
    for round_number in range(1, MAX_ROUNDS + 1):
        new_in_round = 0
        for name, query in rules(ns):
            triples = list(store.query(query, use_default_graph_as_union=True))
            store.extend(ox.Quad(t.subject, t.predicate, t.object, inferred) for t in triples)
            added[name] = added.get(name, 0) + len(triples)
            new_in_round += len(triples)
        progress(f"materialise: round {round_number}, {new_in_round} new triples")
        if new_in_round == 0:
            return added
    raise RuntimeError(f"materialisation did not reach a fixpoint in {MAX_ROUNDS} rounds")

