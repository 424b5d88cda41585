"""The SPARQL service behind the web views: queries through the worker pool, updates, graph store."""

from __future__ import annotations

import atexit
import io
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..config import Config
from ..namespaces import Namespaces
from ..remote import RemoteSettings, portable_update
from ..store import ReleaseStore
from . import text as T
from .cache import ResultCache
from .pool import WorkerPool
from .protocol import Operation, ProtocolError
from .updates import UpdateLog

log = logging.getLogger("hankegraafi.sparql")


@dataclass
class QueryAnswer:
    info: dict
    elapsed: float


class SparqlService:
    def __init__(self, config: Config, releases: ReleaseStore):
        self.config = config
        self.releases = releases
        self.ns = Namespaces(config.base_iri)
        self.pool = WorkerPool(config.query_workers, queue_wait=config.query_timeout,
                               memory_limit=config.query_memory_limit, nice=config.query_nice,
                               recycle_rss=config.query_worker_recycle_mb)
        self.updates = UpdateLog(config.resolve(config.store_path))
        self.cache = ResultCache(Path(self.pool.spool_dir) / "cache", config.query_cache_mb << 20)
        self._path: tuple[Path, float] | None = None
        self._graphs: tuple[Path, tuple[str, ...]] | None = None
        atexit.register(self.close)

    def close(self) -> None:
        self.pool.close()

    # --- the dataset ---------------------------------------------------------------------------
    # how long a resolved dataset path is trusted before looking again (a build or an update in
    # another process swaps it); this process's own updates refresh it at once
    PATH_TTL = 0.5

    def dataset_path(self) -> Path:
        now = time.monotonic()
        cached = self._path
        if cached is not None and now - cached[1] < self.PATH_TTL:
            return cached[0]
        path = self.updates.dataset_path(self.releases.current_path())
        self._path = (path, now)
        return path

    def public_graphs(self, path: Path) -> tuple[str, ...]:
        """The named graphs of the local copy of the dataset at `path` (the release with the journal's
        updates), which the external store has too: the dataset each forwarded query names."""
        cached = self._graphs
        if cached is None or cached[0] != path:
            graphs = ox.Store.read_only(str(path)).named_graphs()
            cached = (path, tuple(sorted(g.value for g in graphs if g.value.startswith(self.config.base_iri)
                                         and g.value != self.config.sparql_default_graph)))
            self._graphs = cached
        return cached[1]

    def curated_graphs(self) -> list[str]:
        """The named graphs the build produced (protected against updates that do not name them)."""
        return sorted(self.releases.release.triples_per_graph)

    # --- queries -------------------------------------------------------------------------------
    def check_remote(self, text: str) -> T.Scan | None:
        upper = text.upper()
        if "SERVICE" not in upper and "LOAD" not in upper:
            return None     # nothing to fetch (the common case: skip the scan)
        found = T.scan(text, self.ns.prefixes(), self.config.base_iri)
        refused = T.refused_remote(found, self.config.federation_allowlist)
        if refused:
            raise ProtocolError(403, "This endpoint does not fetch data from other sites: "
                                     + "; ".join(refused)
                                     + " is not allowed (an operator can allow-list endpoints with "
                                       "federation_allowlist).")
        return found

    def query(self, operation: Operation, accept: str | None, format_param: str | None,
              mode: str = "stream", max_rows: int | None = None) -> QueryAnswer:
        self.check_remote(operation.text)
        job = {
            "op": "query", "path": str(self.dataset_path()), "text": operation.text,
            "accept": accept, "format": format_param, "prefixes": self.ns.prefixes(),
            "default_graphs": operation.default_graphs, "named_graphs": operation.named_graphs,
            "max_rows": self.config.max_result_rows if max_rows is None else max_rows,
            "mode": mode, "spool": self.pool.spool_path(),
        }
        if self.config.remote:
            job["remote"] = dict(RemoteSettings.from_config(self.config).as_dict(), generation=self.updates.generation(),
                                 graphs=self.public_graphs(Path(job["path"])))
        # an external store may change behind our back: its answers are not kept
        key = None if self.config.remote or not self.cache.enabled else self.cache.key(job, self.updates.generation())
        started = time.monotonic()
        cached = key and self.cache.get(key, job["spool"])
        if cached:
            return QueryAnswer(cached, time.monotonic() - started)
        info = self.pool.run(job, self.config.query_timeout)
        if key:
            self.cache.put(key, info)
        return QueryAnswer(info, time.monotonic() - started)

    # --- updates -------------------------------------------------------------------------------
    def update(self, text: str, named: set[str] | None = None) -> int:
        """Apply a SPARQL update; return the new journal generation. Raises ProtocolError/JobFailed."""
        self.check_remote(text)
        found = T.scan(text, self.ns.prefixes(), self.config.base_iri)
        named = set(named or set()) | found.iris
        release_path = self.releases.current_path()
        protected = [g for g in self.curated_graphs() if g not in named]
        with self.updates.locked():
            previous, work = self.updates.prepare(release_path)
            try:
                self.pool.run({"op": "update", "path": str(work), "previous": str(previous), "text": text,
                               "protected": protected, "prefixes": self.ns.prefixes()},
                              self.config.query_timeout)
            except BaseException:
                self.updates.discard(work)
                raise
            if self.config.remote:  # checked on the local copy above; now applied where the graph lives
                self._forward_update(text, work)
            generation = self.updates.commit(work, text, release_path, self.ns.prefixes())
            self._path = None
            return generation

    def _forward_update(self, text: str, work: Path) -> None:
        try:
            self.releases.store.update(portable_update(text), prefixes=self.ns.prefixes())
        except SyntaxError as error:
            self.updates.discard(work)
            raise ProtocolError(400, f"The SPARQL store refused the update: {error}") from None
        except OSError as error:
            self.updates.discard(work)
            raise ProtocolError(502, f"The SPARQL store failed to apply the update: {error}") from None

    # --- graph store ---------------------------------------------------------------------------
    def graph_exists(self, graph: str | None) -> bool:
        if self.config.remote:
            return graph is None or self.releases.store.contains_named_graph(ox.NamedNode(graph))
        store = ox.Store.read_only(str(self.dataset_path()))
        if graph is None:
            return True
        return store.contains_named_graph(ox.NamedNode(graph))

    def graph_dump(self, graph: str | None, fmt) -> bytes:
        """A graph serialised (Graph Store GET). Graphs are small here; a query worker streams big ones."""
        store = ox.Store.read_only(str(self.dataset_path()))
        output = io.BytesIO()
        target = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        if fmt.oxigraph in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            ox.serialize(store.quads_for_pattern(None, None, None, target), output, fmt.oxigraph,
                         prefixes=self.ns.prefixes())
        else:
            store.dump(output, fmt.oxigraph, from_graph=target, prefixes=self.ns.prefixes())
        return output.getvalue()


def graph_store_update(method: str, graph: str | None, body: bytes | None, rdf_format: ox.RdfFormat | None) -> str:
    """The SPARQL Update that a Graph Store HTTP Protocol request means (journalled like any update)."""
    target = f"GRAPH <{graph}>" if graph else "DEFAULT"
    if method == "DELETE":
        return f"DROP {target}" if graph else "CLEAR DEFAULT"
    try:
        triples = list(ox.parse(io.BytesIO(body or b""), rdf_format, base_iri=graph or None))
    except SyntaxError as error:
        raise ProtocolError(400, f"The request body is not valid RDF: {error}") from None
    if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in triples if isinstance(q, ox.Quad)):
        raise ProtocolError(400, "The body names graphs; send triples (the graph is given by ?graph=).")
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    data = f"GRAPH <{graph}> {{\n{lines}\n}}" if graph else lines
    insert = f"INSERT DATA {{\n{data}\n}}"
    if method == "PUT":
        clear = f"DROP SILENT GRAPH <{graph}> ;\n" if graph else "CLEAR DEFAULT ;\n"
        return clear + insert
    return insert
