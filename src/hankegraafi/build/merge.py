"""The default graph: the RDF merge of all named graphs, written into the store by the build.

Oxigraph's union default graph counts a triple once per graph it is in (oxigraph#1919), so the build
copies the merge into the real default graph, where duplicates collapse; the queries of the build
after the merge (validation, statistics, indexes) and the SPARQL endpoint read it.

The copy streams inside Oxigraph: the graphs are serialised to temporary N-Triples files and
bulk-loaded from them, by two threads (both calls run without the GIL), so it needs neither memory
nor Python objects in proportion to the graph.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .materialise import load_ntriples, names_blank_node

WORKERS = 2  # threads dumping and bulk-loading


class Merge:
    """The copy of named graphs into the default graph: `dump` serialises graphs to N-Triples files,
    `load` bulk-loads them, with any other files given (the materialiser's), into the default graph.

    Graphs are dumped into one file per worker and each file is bulk-loaded once: a bulk load per
    graph left RocksDB a file per graph and index to compact, 3 times slower at 100 000 projects."""

    def __init__(self, store: ox.Store, folder: Path, workers: int = WORKERS):
        self.store = store
        self.folder = Path(folder)
        self.workers = max(1, workers)
        self.plain: list[Path] = []  # files for the bulk loader
        self.blank: list[Path] = []  # files naming the store's blank nodes (the bulk loader would rename them)

    def dump(self, graphs: Iterable[ox.NamedNode]) -> None:
        graphs = sorted(graphs, key=lambda g: g.value)

        def dump_share(worker: int) -> None:
            merged = self.folder / f"merged-{worker}.nt"
            with open(merged, "wb") as output:
                for number, graph in list(enumerate(graphs))[worker::self.workers]:
                    path = self.folder / f"graph-{number}.nt"
                    self.store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
                    if names_blank_node(path):
                        self.blank.append(path)
                        continue
                    with open(path, "rb") as part:
                        shutil.copyfileobj(part, output)
                    path.unlink()
            self.plain.append(merged)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(dump_share, range(self.workers)))

    def load(self, also: Iterable[Path] = ()) -> None:
        """Everything dumped, and the N-Triples files `also` (without blank nodes), into the default graph."""
        plain = self.plain + [path for path in also if path.exists()]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(lambda path: load_ntriples(self.store, path, ox.DefaultGraph(), False), plain))
        for path in self.blank:  # one at a time: two bulk_extend calls fed from Python deadlock on the GIL
            load_ntriples(self.store, path, ox.DefaultGraph(), True)


def add_to_merge(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Add quads to their named graphs and to the default graph (once the merge is loaded)."""
    quads = list(quads)
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)


def default_graph_size(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
