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
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .materialise import load_ntriples, names_blank_node

WORKERS = 2  # graphs copied at a time


def merge_into_default_graph(store: ox.Store, temporary_folder: str | Path | None = None,
                             workers: int = WORKERS, skip: Iterable[ox.NamedNode] = ()) -> None:
    """Copy every named graph but those in `skip` (already copied) into the default graph
    (duplicates collapse, as in an RDF merge)."""
    skip = set(skip)
    graphs = sorted((g for g in store.named_graphs() if g not in skip), key=lambda g: g.value)
    parsing = threading.Lock()
    with tempfile.TemporaryDirectory(prefix=".tmp-merge-", dir=temporary_folder) as folder:

        def copy(worker: int) -> None:
            # each worker dumps its share of the graphs into one file and bulk-loads it once: one bulk
            # load per graph would leave RocksDB a file per graph and index to compact, 3-4 times slower
            merged = Path(folder) / f"merged-{worker}.nt"
            with open(merged, "wb") as output:
                for number, graph in list(enumerate(graphs))[worker::workers]:
                    path = Path(folder) / f"graph-{number}.nt"
                    store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
                    if names_blank_node(path):  # the bulk loader would rename them: load_ntriples' parser,
                        with parsing:  # one at a time (two bulk_extend calls fed from Python deadlock)
                            load_ntriples(store, path, ox.DefaultGraph(), True)
                    else:
                        with open(path, "rb") as part:
                            shutil.copyfileobj(part, output)
                    path.unlink()
            load_ntriples(store, merged, ox.DefaultGraph(), False)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(copy, range(max(1, workers))))


def add_to_merge(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Add quads to their named graphs and to the default graph (after merge_into_default_graph)."""
    quads = list(quads)
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)


def default_graph_size(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
