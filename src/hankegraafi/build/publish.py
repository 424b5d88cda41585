"""Publishing a built release to an external SPARQL store (store_backend = "sparql").

The build runs as always in a local pyoxigraph store (parse, materialise, validate, indexes); this
copies its graphs to the external store, in chunks streamed from the local store: Graph Store PUT of
the first chunk, POST of the others, remote.GSP_CHUNK triples each (or INSERT DATA,
remote.INSERT_CHUNK triples each). One request with a whole large graph (1.6 M triples, 250 MB)
stalled Virtuoso in one huge transaction. The triples of linked blank nodes travel in one chunk (a
blank node label names one node only within one request).

Into a store that holds no graph of ours yet (the first publish) the chunks go straight to their
graphs. Otherwise each graph is loaded into staging graphs of at most PART triples each, and a swap
moves them into place and drops the graphs of the previous release that the new one no longer has:
one update request, so that readers of a store which runs a request as one transaction (Oxigraph
server, GraphDB, RDF4J) switch from the old release to the new one at once. A store that refuses so
large a transaction (Virtuoso: SR325, or SR171 at its time limit) gets the swap one step per
request instead, and readers may see a half-moved dataset while it runs (see _move).
Accepted SPARQL updates (the journal, sparql/updates.py) are then applied again, as the embedded
store applies them again to a new release.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox

from ..config import Config
from ..remote import GSP_CHUNK, INSERT_CHUNK, RemoteSettings, RemoteStore
from ..sparql.updates import UpdateLog
from .release import Release

log = logging.getLogger("hankegraafi.build")
STAGING = "urn:hankegraafi:staging:"
PART = 1_000_000       # triples per staging graph: what one request of a graph-by-graph swap moves
REFUSED = ("SR325", "SR171")  # Virtuoso: transaction log over TransactionAfterImageLimit; timed out


def remote_store(config: Config) -> RemoteStore:
    if not config.sparql_query_url:
        raise ValueError("store_backend = \"sparql\" needs sparql_query_url")
    return RemoteStore(RemoteSettings.from_config(config))


def _destination(graph, config: Config) -> str | None:
    """The IRI `graph` is published as (None: the external store's default graph)."""
    if isinstance(graph, ox.NamedNode):
        return graph.value
    return config.sparql_default_graph or None


def _graph(destination: str | None) -> str:
    return f"GRAPH <{destination}>" if destination else "DEFAULT"


def _dropping(destination: str | None) -> str:
    return f"DROP SILENT {_graph(destination)}"


def publish(store: ox.Store, config: Config, release: Release, progress: Callable[[str], None]) -> None:
    """Copy every graph of the built `store` to the external store and swap them in."""
    remote = remote_store(config)
    graphs = [ox.DefaultGraph(), *sorted(store.named_graphs(), key=lambda g: g.value)]
    first = _holds_nothing_of_ours(remote, config)
    written: list[str | None] = []   # dropped on failure, even if only partly loaded
    try:
        staged = {}
        for index, graph in enumerate(graphs):
            destination = _destination(graph, config)
            staging = [] if first else [f"{STAGING}{release.identifier}:{index}:{part}" for part in range(_parts(release, graph))]
            staged[destination] = staging
            _send(remote, store, graph, staging or [destination], written, release, progress)
        if not first:
            _move(remote, _swap(staged, release, _previous_release(config)), progress)
    except BaseException:
        _drop(remote, written)
        raise
    progress(f"publish: release {release.identifier} {'loaded' if first else 'swapped in'} at {remote.settings.query_url}")
    _replay(remote, config)


def _holds_nothing_of_ours(remote: RemoteStore, config: Config) -> bool:
    """Whether the external store has neither a public graph nor a merge graph (a first publish)."""
    if remote.public_graphs():
        return False
    merge = f"GRAPH <{config.sparql_default_graph}> {{ ?s ?p ?o }}" if config.sparql_default_graph else "?s ?p ?o"
    return not remote.query(f"ASK {{ {merge} }}", default_graph=[])


def _triples(release: Release, graph) -> int:
    if isinstance(graph, ox.NamedNode):
        return release.triples_per_graph.get(graph.value, 0)
    return release.default_graph_triples


def _parts(release: Release, graph) -> int:
    return max(1, -(-_triples(release, graph) // PART))


def _send(remote: RemoteStore, store: ox.Store, graph, destinations: list, written: list, release: Release,
          progress: Callable[[str], None]) -> None:
    """Send the triples of `graph` in chunks, spread over `destinations` in turn (a staging graph
    is full after PART triples). One request at a time, in order, while the next chunk is read and
    serialised (about as much time as the store takes to load one)."""
    size = GSP_CHUNK if remote.settings.gsp_url else INSERT_CHUNK
    name, total, sent = getattr(graph, "value", "the default graph"), _triples(release, graph), 0
    begun: set = set()
    with ThreadPoolExecutor(1, thread_name_prefix="publish") as sender:
        pending = None
        for chunk in triple_chunks(store, graph, size):
            destination = destinations[min(sent // PART, len(destinations) - 1)]
            replace = destination not in begun
            if replace:
                begun.add(destination)
                written.append(destination)
            data = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            if pending is not None:
                pending.result()
                progress(f"publish: {name}: {sent} of {total} triples sent")
            pending = sender.submit(remote.send_graph, destination, data, replace=replace)
            sent += len(chunk)
        pending.result()
    progress(f"publish: {name}: {sent} of {total} triples sent")


def triple_chunks(store: ox.Store, graph, size: int) -> Iterator[list[ox.Triple]]:
    """The triples of `graph` in lists of about `size` (at least one list, perhaps empty), streamed.

    Triples without blank nodes are cut anywhere; the triples of each set of linked blank nodes (an
    RDF list, a shape's property) are held back and sent together in one list, larger than `size`
    if one such set is."""
    chunk: list[ox.Triple] = []
    blank: list[ox.Triple] = []
    sent = False
    for quad in store.quads_for_pattern(None, None, None, graph):
        triple = quad.triple
        if _blank_nodes(triple):
            blank.append(triple)
            continue
        chunk.append(triple)
        if len(chunk) >= size:
            yield chunk
            chunk, sent = [], True
    for group in _linked(blank):
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk, sent = [], True
        chunk.extend(group)
    if chunk or not sent:
        yield chunk


def _blank_nodes(term) -> list:
    if isinstance(term, ox.BlankNode):
        return [term]
    if isinstance(term, ox.Triple):
        return _blank_nodes(term.subject) + _blank_nodes(term.object)
    return []


def _linked(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """`triples` grouped so that the triples of blank nodes linked to each other are in one group."""
    parent: dict = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for triple in triples:
        first, *others = _blank_nodes(triple)
        for other in others:
            parent[root(other)] = root(first)
    groups: dict = {}
    for triple in triples:
        groups.setdefault(root(_blank_nodes(triple)[0]), []).append(triple)
    return list(groups.values())


def _previous_release(config: Config) -> Release | None:
    current = config.resolve(config.store_path) / "current"
    try:
        return Release.read(current.resolve()) if current.exists() else None
    except (OSError, ValueError, KeyError):
        return None


def _swap(staged: dict, release: Release, previous: Release | None) -> list[str]:
    """Per published graph: drop it, ADD each of its staging graphs to it and drop that; then drop
    every graph the previous release had and this one has not. (Not MOVE: Virtuoso's MOVE without
    its transaction log left triples of the replaced graph in place and lost some of the moved.)"""
    steps = []
    for destination, staging in staged.items():
        steps.append(_dropping(destination))
        for part in staging:
            steps += [f"ADD SILENT GRAPH <{part}> TO {_graph(destination)}", _dropping(part)]
    gone = sorted(set(previous.triples_per_graph) - set(release.triples_per_graph)) if previous else []
    return steps + [_dropping(graph) for graph in gone]


def _move(remote: RemoteStore, swap: list[str], progress: Callable[[str], None]) -> None:
    """Run the swap as one update request. Virtuoso aborts (and rolls back) a transaction whose log
    outgrows TransactionAfterImageLimit (SR325; 50 MB by default, which moving 3 M triples exceeds)
    or that runs past its time limit (SR171; [SPARQL] MaxQueryExecutionTime applies to updates
    too). Then each step goes in a request of its own without Virtuoso's transaction log
    (`DEFINE sql:log-enable 3`, row-by-row autocommit): a step adds at most one staging graph
    (PART triples) or drops one graph (the replaced graph at once). Readers of
    Virtuoso cannot tell this from its default isolation; a failure midway leaves the graphs moved
    so far in place (build again). docs/operations.md: which limits to raise."""
    try:
        remote.update(" ;\n".join(swap))
        return
    except OSError as error:
        refused = [code for code in REFUSED if code in str(error)]
        if not refused:
            raise
    message = (f"publish: the store refused the swap as one transaction ({refused[0]}): moving graph by graph "
               "without Virtuoso's transaction log (sql:log-enable 3)")
    log.warning(message)
    progress(message)
    _move_step_by_step(remote, swap, progress)


def _move_step_by_step(remote: RemoteStore, swap: list[str], progress: Callable[[str], None]) -> None:
    for number, step in enumerate(swap, 1):
        remote.update("DEFINE sql:log-enable 3\n" + step)
        progress(f"publish: swap: {number} of {len(swap)} steps done")


def _drop(remote: RemoteStore, graphs: list[str | None]) -> None:
    for graph in graphs:
        try:
            remote.update(_dropping(graph))
        except OSError as error:
            log.warning("could not drop the graph %s: %s", graph or "DEFAULT", error)


def _replay(remote: RemoteStore, config: Config) -> None:
    for path in UpdateLog(config.resolve(config.store_path)).entries():
        entry = json.loads(path.read_text(encoding="utf-8"))
        try:
            remote.update(entry["update"], prefixes=entry.get("prefixes") or None)
        except (SyntaxError, OSError) as error:
            log.warning("update %s no longer applies to the published release: %s", path.name, error)
