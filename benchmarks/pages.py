"""Page speed: entity pages, search and facet listings, against the SPARQL a store-backed browser needs.

    python -m benchmarks.pages [--store DIR | --projects N] [--requests 300] [--concurrency 1 4]
                               [--workers 2]

Builds the repository's data (or uses `--store DIR`; `--projects N` generates N projects and builds
them beside the seed data), serves it as `make run` does (gunicorn, `--workers` web processes) and
starts Oxigraph server (`oxigraph serve-read-only`) on the same release as the peer. For each kind
of request it sends the same sample to both and prints median, p95 and throughput, and the ratio of
hankegraafi's p95 to the peer's:

- entity page: `/page/<entity>` (HTML with provenance, incoming links, labels) against the one
  `DESCRIBE <entity>` query a SPARQL-backed linked-data browser (LodView) starts with;
- search: `/search?q=` (ranked, Finnish-aware, highlighted HTML) against a label `CONTAINS` filter;
- facet listing: `/projects?…` with one or two facet values selected (counts of every facet) against
  one `GROUP BY` count of a single facet for the same selection.

Figures only, no assertions; every server it starts is stopped at the end; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import Server, prepare_store
from benchmarks.run import start_oxigraph, stop
from benchmarks.timing import measure
from hankegraafi.config import load_config
from hankegraafi.namespaces import Namespaces

JSON_RESULTS = "application/sparql-results+json"
# Finnish search words, inflected and compound parts included (docs/search.md), and English ones
SEARCH_WORDS = ["lastensuojelun", "lastensuojelua", "suojelu", "Kainuussa", "perhekeskus", "vanhemmuuden",
                "hyvinvointialue", "sosiaalihuolto", "kehittäminen", "child protection", "family centre",
                "wellbeing services county"]


@dataclass
class Sample:
    """What to request: (hankegraafi path and params, peer SPARQL query) per kind."""

    entity: list[tuple[str, str]]
    search: list[tuple[dict, str]]
    listing: list[tuple[dict, str]]


def sample(release: Path, base: str, size: int, rng: random.Random) -> Sample:
    """Entities, search words and facet selections taken from the release's index file."""
    conn = sqlite3.connect(f"file:{release / 'indexes.sqlite'}?mode=ro", uri=True)
    try:
        iris = [iri for (iri,) in conn.execute(
            "SELECT iri FROM entity WHERE kind IN ('project', 'organisation', 'person') ORDER BY random() LIMIT ?",
            (size,))]
        labels = [label for (label,) in conn.execute(
            "SELECT label_fi FROM entity WHERE kind = 'project' AND label_fi IS NOT NULL ORDER BY random() LIMIT 200")]
        facets = conn.execute(
            "SELECT field, value FROM facet_count WHERE listing = 'projects' AND field IN "
            "('funder', 'region', 'scheme', 'year', 'theme') ORDER BY random() LIMIT ?", (size,)).fetchall()
    finally:
        conn.close()
    entity = [(iri[len(base):], f"DESCRIBE <{iri}>") for iri in iris if iri.startswith(base)]
    words = SEARCH_WORDS + sorted({w.strip(".,:;()–-\"'").lower() for label in labels for w in label.split()
                                   if len(w) > 5 and w.isalpha()})
    search = [({"q": word}, _contains_query(word)) for word in rng.sample(words, min(len(words), size))]
    listing = []
    for number, (field, value) in enumerate(facets):
        selection = {field: value}
        if number % 2 and facets:
            other = facets[(number * 7) % len(facets)]
            if other[0] != field:
                selection[other[0]] = other[1]
        listing.append((selection, _facet_query(selection)))
    return Sample(entity, search, listing)


def _contains_query(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace('"', '\\"')
    return ('SELECT ?e ?l WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l '
            f'FILTER(CONTAINS(LCASE(STR(?l)), "{escaped}")) }} LIMIT 20')


FACET_PATTERNS = {
    "funder": "?e hg:subProjectOf* ?p{n} . ?f{n} a hg:Funding ; schema:fundedItem ?p{n} ; schema:funder {v} .",
    "scheme": "?e hg:subProjectOf* ?p{n} . ?f{n} a hg:Funding ; schema:fundedItem ?p{n} ; hg:fundingScheme ?s{n} . "
              "?s{n} (hg:subSchemeOf|hg:fundedFrom)* {v} .",
    "region": "?e hg:targetRegion {v} .",
    "theme": "?e dcterms:subject ?t{n} . ?t{n} skos:broader* {v} .",
    "year": "?e schema:startDate ?start{n} FILTER(YEAR(?start{n}) <= {y}) "
            "OPTIONAL {{ ?e schema:endDate ?end{n} }} FILTER(!BOUND(?end{n}) || YEAR(?end{n}) >= {y})",
}


def _facet_query(selection: dict[str, str]) -> str:
    patterns = []
    for n, (field, value) in enumerate(selection.items()):
        term = value if value.isdigit() else f"<{value}>"
        patterns.append(FACET_PATTERNS[field].format(n=n, v=term, y=value))
    prologue = Namespaces(load_config().base_iri).sparql_prologue()
    return (prologue + "SELECT ?v (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a hg:Project ; hg:targetRegion ?v . "
            + " ".join(patterns) + " } GROUP BY ?v ORDER BY DESC(?n)")


def senders(site: str, peer: str):
    """Per kind: (hankegraafi's request, the peer's request); each returns whether the answer was good."""
    def get(path: str, params: dict | None = None):
        def send(session, item):
            response = session.get(site + path(item), params=params(item) if params else None, timeout=60)
            return response.status_code == 200 and len(response.content) > 0
        return send

    def sparql(accept: str):
        def send(session, item):
            response = session.post(peer, data={"query": item[1]}, headers={"Accept": accept}, timeout=60)
            return response.status_code == 200 and len(response.content) > 0
        return send

    return {
        "entity page": (get(lambda item: "/page/" + item[0]), sparql("text/turtle")),
        "search": (get(lambda item: "/search", lambda item: item[0]), sparql(JSON_RESULTS)),
        "facet listing": (get(lambda item: "/projects", lambda item: item[0]), sparql(JSON_RESULTS)),
    }


def run(store: Path, requests_per_run: int, concurrency: list[int], workers: int, label: str) -> None:
    release = (store / "current").resolve()
    peer_process, peer_url = start_oxigraph(release)
    server = None
    try:
        server = Server(store, workers, {})
        rng = random.Random(1)
        picked = sample(release, load_config().base_iri, 60, rng)
        items = {"entity page": picked.entity, "search": picked.search, "facet listing": picked.listing}
        print(f"\npage speed, {label}: release {release.name}, {requests_per_run} requests per run, gunicorn "
              f"x{workers}; peer: Oxigraph server on the same release")
        header = (f"{'kind':<14} {'server':<18} {'conc':>4} {'median ms':>10} {'p95 ms':>9} {'req/s':>8} "
                  f"{'p95 vs peer':>12} {'errors':>6}")
        print(header)
        print("-" * len(header))
        for kind, (ours, theirs) in senders(server.url, peer_url).items():
            measure(ours, items[kind], len(items[kind]), 2)  # warm up: caches, worker processes
            measure(theirs, items[kind], min(len(items[kind]), 20), 2)
            for level in concurrency:
                mine = measure(ours, items[kind], requests_per_run, level)
                peer = measure(theirs, items[kind], requests_per_run, level)
                ratio = mine.percentile(0.95) / peer.percentile(0.95) if peer.latencies else 0.0
                for name, figures, shown in (("hankegraafi", mine, f"{ratio:.2f}x"), ("oxigraph (SPARQL)", peer, "")):
                    print(f"{kind:<14} {name:<18} {level:>4} {1000 * statistics.median(figures.latencies or [0]):>10.1f} "
                          f"{1000 * figures.percentile(0.95):>9.1f} {figures.throughput:>8.1f} {shown:>12} "
                          f"{figures.errors:>6}", flush=True)
    finally:
        if server:
            server.stop()
        stop(peer_process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a store folder with a `current` release (skips the build)")
    parser.add_argument("--projects", type=int, default=0, help="generate this many projects and build them too")
    parser.add_argument("--requests", type=int, default=300, help="requests per kind, server and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web processes (as `make run`)")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="hankegraafi-pages-"))
    try:
        store = prepare_store(args, scratch)
        label = args.store or (f"seed data + {args.projects} generated projects" if args.projects else "seed data")
        run(store, args.requests, args.concurrency, args.workers, label)
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
