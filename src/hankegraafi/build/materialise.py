"""Materialise what the ontology's alignment axioms entail, so standard-vocabulary queries work.

pyoxigraph has no reasoner. A small rule set (RDFS subclass/subproperty closure, OWL inverse and
symmetric properties, domain/range of the project's own properties, and ORG's roleProperty) runs
as CONSTRUCT queries over the union of all graphs until nothing new follows; the results go into
the `inferred` graph. Only triples not already asserted are written.

It scales to millions of triples: each rule's results stream from the query into a temporary
N-Triples file and from there into the store with the bulk loader, never through Python objects
or a list in memory. The first round runs the rules in an order in which each can use what the
ones before it inferred; after it the rules are evaluated semi-naively: each body atom in turn is
matched in the `inferred` graph only (the other atoms anywhere), since anything new must use a
triple inferred since the start. If a round infers a triple about the vocabulary itself (a
subclass, subproperty, inverse, domain, range or roleProperty axiom, or a class or
symmetric-property declaration), the next round runs the full rules again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..namespaces import ORG, OWL, RDFS, Namespaces

MAX_ROUNDS = 10

# (name, CONSTRUCT template, body atoms that match data triples). The template has one {atomN}
# slot per data atom; semi-naive rounds put one of them in GRAPH <inferred>.
def _rules(ns: Namespaces) -> list[tuple[str, str, list[str]]]:
    return [
        ("subclass", """
            CONSTRUCT {{ ?x a ?super }} WHERE {{
              ?c <{RDFS}subClassOf>+ ?super . FILTER(isIRI(?super) && ?super != ?c)
              {atom0} FILTER NOT EXISTS {{ ?x a ?super }} }}""", ["?x a ?c ."]),
        ("subproperty", """
            CONSTRUCT {{ ?s ?super ?o }} WHERE {{
              ?p <{RDFS}subPropertyOf>+ ?super . FILTER(isIRI(?super) && ?super != ?p)
              {atom0} FILTER NOT EXISTS {{ ?s ?super ?o }} }}""", ["?s ?p ?o ."]),
        ("inverse", """
            CONSTRUCT {{ ?o ?q ?s }} WHERE {{
              {{ ?p <{OWL}inverseOf> ?q }} UNION {{ ?q <{OWL}inverseOf> ?p }}
              {atom0} FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o ?q ?s }} }}""", ["?s ?p ?o ."]),
        ("symmetric", """
            CONSTRUCT {{ ?o ?p ?s }} WHERE {{
              ?p a <{OWL}SymmetricProperty> . {atom0} FILTER(!isLiteral(?o))
              FILTER NOT EXISTS {{ ?o ?p ?s }} }}""", ["?s ?p ?o ."]),
        ("domain", """
            CONSTRUCT {{ ?s a ?c }} WHERE {{
              ?p <{RDFS}domain> ?c . FILTER(isIRI(?c) && STRSTARTS(STR(?p), "{hg}"))
              {atom0} FILTER NOT EXISTS {{ ?s a ?c }} }}""", ["?s ?p ?o ."]),
        ("range", """
            CONSTRUCT {{ ?o a ?c }} WHERE {{
              ?p <{RDFS}range> ?c . FILTER(isIRI(?c) && STRSTARTS(STR(?p), "{hg}"))
              ?c a <{OWL}Class> .
              {atom0} FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o a ?c }} }}""", ["?s ?p ?o ."]),
        ("role-property", """
            CONSTRUCT {{ ?agent ?shortcut ?organisation }} WHERE {{
              ?role <{ORG}roleProperty> ?shortcut .
              {atom0} {atom1} {atom2}
              FILTER NOT EXISTS {{ ?agent ?shortcut ?organisation }} }}""",
         [f"?m <{ORG}role> ?role .", f"?m <{ORG}member> ?agent .", f"?m <{ORG}organization> ?organisation ."]),
    ]


def _fill(template: str, atoms: list[str], ns: Namespaces, restricted: int | None, inferred: str) -> str:
    slots = {f"atom{i}": (f"GRAPH <{inferred}> {{ {atom} }}" if i == restricted else atom) for i, atom in enumerate(atoms)}
    return template.format(RDFS=RDFS, OWL=OWL, ORG=ORG, hg=ns.hg, **slots)


def rules(ns: Namespaces) -> list[tuple[str, str]]:
    """(name, CONSTRUCT query) pairs of the full rules; each yields only triples that are not yet in the store."""
    inferred = ns.graph("inferred")
    return [(name, _fill(template, atoms, ns, None, inferred)) for name, template, atoms in _rules(ns)]


# Rules that the vocabulary turns into one small query per entailed term (a superclass, a
# superproperty, an inverse, a domain or range class): (pairs query binding ?a and the entailed ?b,
# the variables the data atom binds, the data atom with ?a for the vocabulary term, CONSTRUCT
# template). Each instance is an anti-join with MINUS on a constant, which Oxigraph runs as a hash
# join: several times faster than the general rule's FILTER NOT EXISTS row by row. The ?a of one
# ?b come in one VALUES, so the MINUS side is hashed once per ?b and the results are loaded once.
_PER_AXIOM = {
    "subclass": (f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{RDFS}subClassOf>+ ?b . FILTER(isIRI(?b) && ?b != ?a) }}",
                 "?x", "?x a ?a .", "CONSTRUCT {{ ?x a <{b}> }} WHERE {{ {data} MINUS {{ ?x a <{b}> }} }}"),
    "subproperty": (f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{RDFS}subPropertyOf>+ ?b . FILTER(isIRI(?b) && ?b != ?a) }}",
                    "?s ?o", "?s ?a ?o .", "CONSTRUCT {{ ?s <{b}> ?o }} WHERE {{ {data} MINUS {{ ?s <{b}> ?o }} }}"),
    "inverse": (f"SELECT DISTINCT ?a ?b WHERE {{ {{ ?a <{OWL}inverseOf> ?b }} UNION {{ ?b <{OWL}inverseOf> ?a }} }}",
                "?s ?o", "?s ?a ?o . FILTER(!isLiteral(?o))",
                "CONSTRUCT {{ ?o <{b}> ?s }} WHERE {{ {data} MINUS {{ ?o <{b}> ?s }} }}"),
    "symmetric": (f"SELECT DISTINCT ?a (?a AS ?b) WHERE {{ ?a a <{OWL}SymmetricProperty> }}",
                  "?s ?o", "?s ?a ?o . FILTER(!isLiteral(?o))",
                  "CONSTRUCT {{ ?o <{b}> ?s }} WHERE {{ {data} MINUS {{ ?o <{b}> ?s }} }}"),
    "domain": (f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{RDFS}domain> ?b . FILTER(isIRI(?b) && STRSTARTS(STR(?a), \"{{hg}}\")) }}",
               "?s", "?s ?a ?o .", "CONSTRUCT {{ ?s a <{b}> }} WHERE {{ {data} MINUS {{ ?s a <{b}> }} }}"),
    "range": (f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{RDFS}range> ?b . FILTER(isIRI(?b) && STRSTARTS(STR(?a), \"{{hg}}\")) "
              f"?b a <{OWL}Class> }}",
              "?o", "?s ?a ?o . FILTER(!isLiteral(?o))",
              "CONSTRUCT {{ ?o a <{b}> }} WHERE {{ {data} MINUS {{ ?o a <{b}> }} }}"),
}


def _queries(store: ox.Store, ns: Namespaces, name: str, template: str, atoms: list[str],
             restricted: int | None, inferred: str) -> list[str]:
    """The queries of one rule: one per entailed vocabulary term where that works, else the general rule."""
    if name in _PER_AXIOM:
        pairs_query, variables, atom, construct = _PER_AXIOM[name]
        pairs = [(row["a"], row["b"]) for row in store.query(pairs_query.replace("{hg}", ns.hg),
                                                             use_default_graph_as_union=True)]
        if all(isinstance(a, ox.NamedNode) and isinstance(b, ox.NamedNode) for a, b in pairs):
            grouped: dict[str, list[str]] = {}
            for a, b in pairs:
                grouped.setdefault(b.value, []).append(f"<{a.value}>")
            queries = []
            for b, terms in grouped.items():
                data = f"VALUES ?a {{ {' '.join(terms)} }} {atom}"
                if restricted is not None:
                    data = f"GRAPH <{inferred}> {{ {data} }}"
                # DISTINCT: a thing of two subclasses (or a triple of two graphs) is written once
                queries.append(construct.format(data=f"{{ SELECT DISTINCT {variables} WHERE {{ {data} }} }}", b=b))
            return queries
    return [_fill(template, atoms, ns, restricted, inferred)]


def _vocabulary_inferred_query(inferred: str) -> str:
    return f"""ASK {{ GRAPH <{inferred}> {{
        {{ ?a <{RDFS}subClassOf>|<{RDFS}subPropertyOf>|<{OWL}inverseOf>|<{RDFS}domain>|<{RDFS}range>|<{ORG}roleProperty> ?b }}
        UNION {{ ?a a <{OWL}SymmetricProperty> }} UNION {{ ?a a <{OWL}Class> }} }} }}"""


def _count_lines(path: Path) -> tuple[int, bool]:
    """Lines of an N-Triples file, and whether it may name a blank node."""
    lines, blank, tail = 0, False, b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            blank = blank or b"_:" in tail + block[:2] or b"_:" in block
            tail = block[-1:]
    return lines, blank


def names_blank_node(path: Path) -> bool:
    """Whether an N-Triples file may name a blank node (a "_:" anywhere, in a literal too)."""
    return _count_lines(path)[1]


def load_ntriples(store: ox.Store, path: Path, graph: ox.NamedNode | ox.DefaultGraph, blank_nodes: bool) -> None:
    """Load query results written as N-Triples into `graph`. The bulk loader renames blank nodes, so a
    file that names the store's own blank nodes goes through the parser that keeps their labels."""
    if blank_nodes:
        with open(path, "rb") as handle:
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                              for t in ox.parse(handle, format=ox.RdfFormat.N_TRIPLES))
    else:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


# the first round: two lanes run side by side, each in an order that lets a rule use what the ones
# before it in its lane inferred (with this ontology nothing is left for the second round, which then
# only confirms the fixpoint); "+" marks a second pass restricted to what is inferred so far
FIRST_ROUND = [["subproperty", "inverse", "symmetric", "role-property", "subproperty+", "inverse+"],
               ["domain", "range", "subclass"]]


def _concatenate(paths: list[Path], target: Path) -> Path:
    """One file of the N-Triples files `paths` (removed), or the one file itself."""
    if len(paths) == 1:
        return paths[0]
    with open(target, "wb") as output:
        for path in paths:
            with open(path, "rb") as part:
                shutil.copyfileobj(part, output)
            path.unlink()
    return target


def materialise(store: ox.Store, ns: Namespaces, progress: Callable[[str], None] = lambda _: None,
                temporary_folder: str | os.PathLike | None = None, workers: int = 2,
                default_graph_file: Path | None = None) -> dict[str, int]:
    """Run the rules to a fixpoint; return how many triples each rule added.

    The first round runs the rules in two lanes side by side (FIRST_ROUND), later rounds are
    semi-naive; the queries of both go to `workers` threads (Oxigraph evaluates queries without
    holding the GIL), and the results of a step (or of a later round) are loaded together. With
    `default_graph_file`, everything inferred is also written to that N-Triples file, for the caller
    to bulk-load into the default graph (cheaper than copying the inferred graph later); results
    naming blank nodes are instead loaded into the default graph here, once the fixpoint is reached
    (the rules read the union of the graphs, which must not see them twice before)."""
    inferred_iri = ns.graph("inferred")
    inferred = ox.NamedNode(inferred_iri)
    by_name = {name: (template, atoms) for name, template, atoms in _rules(ns)}
    added: dict[str, int] = {name: 0 for name in by_name}
    with tempfile.TemporaryDirectory(prefix="hankegraafi-materialise-", dir=temporary_folder) as folder:
        lock = threading.Lock()  # for the counts, file names and the default graph's file
        blank_lock = threading.Lock()  # two bulk_extend calls fed from Python deadlock on the GIL
        counter = iter(range(1 << 62))

        def new_path() -> Path:
            with lock:
                return Path(folder) / f"result-{next(counter)}.nt"

        def run(job: tuple[str, str]) -> tuple[str, Path]:
            name, query = job
            path = new_path()
            store.query(query, use_default_graph_as_union=True).serialize(str(path), ox.RdfFormat.N_TRIPLES)
            return name, path

        blank_results: list[Path] = []  # for the default graph, with load_ntriples' parser

        def load(results: list[tuple[str, Path]]) -> int:
            """Load query results into the inferred graph: the files without blank nodes in one bulk
            load (every load leaves RocksDB files that later queries read through)."""
            plain, found = [], 0
            for name, path in results:
                count, blank_nodes = _count_lines(path)
                with lock:
                    added[name] += count
                found += count
                if not count:
                    path.unlink()
                elif blank_nodes:
                    with blank_lock:
                        load_ntriples(store, path, inferred, True)
                    with lock:
                        blank_results.append(path)
                else:
                    plain.append(path)
            if plain:
                batch = _concatenate(plain, new_path())
                load_ntriples(store, batch, inferred, False)
                if default_graph_file is not None:
                    with lock, open(batch, "rb") as part, open(default_graph_file, "ab") as merged:
                        shutil.copyfileobj(part, merged)
                batch.unlink()
            return found

        def lane(steps: list[str], round_number: int) -> int:
            found = 0
            for step in steps:
                name = step.rstrip("+")
                template, atoms = by_name[name]
                restrictions = range(len(atoms)) if step.endswith("+") else [None]
                # a step's queries infer disjoint triples (one superclass, superproperty … each), so
                # they run before any of their results is loaded
                count = load(list(queries.map(run, [(name, query) for restricted in restrictions
                                                    for query in _queries(store, ns, name, template, atoms,
                                                                          restricted, inferred_iri)])))
                progress(f"materialise: round {round_number}, {step}: {count} new triples")
                found += count
            return found

        # the queries of both lanes share `workers` threads: a lane that is done leaves the other all of them
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="materialise") as queries:
            full = True
            for round_number in range(1, MAX_ROUNDS + 1):
                new_in_round = 0
                if full:
                    lanes = [list(steps) for steps in FIRST_ROUND]
                    lanes[-1] += [n for n in by_name if not any(n in (s.rstrip("+") for s in steps) for steps in FIRST_ROUND)]
                    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
                        new_in_round = sum(pool.map(lane, lanes, [round_number] * len(lanes)))
                else:
                    jobs = [(name, query) for name, (template, atoms) in by_name.items()
                            for restricted in range(len(atoms))
                            for query in _queries(store, ns, name, template, atoms, restricted, inferred_iri)]
                    new_in_round = load(list(queries.map(run, jobs)))
                progress(f"materialise: round {round_number}{'' if full else ' (semi-naive)'}, {new_in_round} new triples")
                if new_in_round == 0:
                    for path in blank_results:
                        load_ntriples(store, path, ox.DefaultGraph(), True)
                    return added
                full = bool(store.query(_vocabulary_inferred_query(inferred_iri)))
    raise RuntimeError(f"materialisation did not reach a fixpoint in {MAX_ROUNDS} rounds")
