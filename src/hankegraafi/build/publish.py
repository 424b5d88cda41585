"""Publishing a built release to an external SPARQL store (store_backend = "sparql").

The build runs as always in a local pyoxigraph store (parse, materialise, validate, indexes); this
copies its graphs to the external store. Every graph is first loaded into a staging graph of its own,
in chunks streamed from the local store: Graph Store PUT of the first chunk, POST of the others,
remote.GSP_CHUNK triples each (or INSERT DATA, remote.INSERT_CHUNK triples each). One request with
a whole large graph (1.6 M triples, 250 MB) stalled Virtuoso in one huge transaction. The triples
of linked blank nodes travel in one chunk (a blank node label names one node only within one
request). Then one update request moves all staging graphs into place and drops the graphs of the
previous release that the new one no longer has. On a store that runs an update request as one
transaction (Oxigraph server, GraphDB, RDF4J) readers switch from the old release to the new one at
once; on the others (Virtuoso in its default autocommit mode, Neptune, QLever) the move is quick
but readers may see a half-moved dataset for its duration.
Accepted SPARQL updates (the journal, sparql/updates.py) are then applied again, as the embedded
store applies them again to a new release.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pyoxigraph as ox

from ..config import Config
from ..remote import GSP_CHUNK, INSERT_CHUNK, RemoteSettings, RemoteStore
from ..sparql.updates import UpdateLog
from .release import Release

log = logging.getLogger("hankegraafi.build")
STAGING = "urn:hankegraafi:staging:"


def remote_store(config: Config) -> RemoteStore:
    if not config.sparql_query_url:
        raise ValueError("store_backend = \"sparql\" needs sparql_query_url")
    return RemoteStore(RemoteSettings.from_config(config))


def _target(graph, config: Config) -> str:
    if isinstance(graph, ox.NamedNode):
        return f"GRAPH <{graph.value}>"
    return f"GRAPH <{config.sparql_default_graph}>" if config.sparql_default_graph else "DEFAULT"


def publish(store: ox.Store, config: Config, release: Release, progress: Callable[[str], None]) -> None:
    """Copy every graph of the built `store` to the external store and swap them in."""
    remote = remote_store(config)
    previous = _previous_release(config)
    graphs = [ox.DefaultGraph(), *sorted(store.named_graphs(), key=lambda g: g.value)]
    size = GSP_CHUNK if remote.settings.gsp_url else INSERT_CHUNK
    staged = {}
    try:
        for index, graph in enumerate(graphs):
            staging = f"{STAGING}{release.identifier}:{index}"
            staged[staging] = graph   # dropped on failure even if only partly loaded
            name = getattr(graph, "value", "the default graph")
            total = release.triples_per_graph.get(name) if isinstance(graph, ox.NamedNode) else release.default_graph_triples
            sent = 0
            for number, chunk in enumerate(triple_chunks(store, graph, size)):
                remote.send_graph(staging, ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES), replace=number == 0)
                sent += len(chunk)
                progress(f"publish: {name}: {sent} of {total if total is not None else '?'} triples sent")
        _move(remote, _swap(staged, config, release, previous), progress)
    except BaseException:
        _drop(remote, staged)
        raise
    progress(f"publish: release {release.identifier} swapped in at {remote.settings.query_url}")
    _replay(remote, config)


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


def _swap(staged: dict, config: Config, release: Release, previous: Release | None) -> str:
    moves = [f"MOVE SILENT GRAPH <{staging}> TO {_target(graph, config)}" for staging, graph in staged.items()]
    kept = set(release.triples_per_graph)
    gone = sorted(set(previous.triples_per_graph) - kept) if previous else []
    return " ;\n".join(moves + [f"DROP SILENT GRAPH <{graph}>" for graph in gone])


def _move(remote: RemoteStore, swap: str, progress: Callable[[str], None]) -> None:
    """Run the swap as one update. Virtuoso aborts (and rolls back) a transaction whose log outgrows
    TransactionAfterImageLimit (50 MB by default; moving 3 M triples does): then the same swap again
    without Virtuoso's transaction log (`DEFINE sql:log-enable 3`, row-by-row autocommit), which
    readers of Virtuoso cannot tell from its default isolation, though a crash midway would leave the
    move half done. Raise the limit to keep the swap one transaction (docs/operations.md)."""
    try:
        remote.update(swap)
    except OSError as error:
        if "SR325" not in str(error):
            raise
        message = ("publish: Virtuoso refused the swap as one transaction (SR325, TransactionAfterImageLimit): "
                   "moving again without its transaction log (sql:log-enable 3)")
        log.warning(message)
        progress(message)
        remote.update("DEFINE sql:log-enable 3\n" + swap)


def _drop(remote: RemoteStore, staged: dict) -> None:
    for staging in staged:
        try:
            remote.update(f"DROP SILENT GRAPH <{staging}>")
        except OSError as error:
            log.warning("could not drop the staging graph %s: %s", staging, error)


def _replay(remote: RemoteStore, config: Config) -> None:
    for path in UpdateLog(config.resolve(config.store_path)).entries():
        entry = json.loads(path.read_text(encoding="utf-8"))
        try:
            remote.update(entry["update"], prefixes=entry.get("prefixes") or None)
        except (SyntaxError, OSError) as error:
            log.warning("update %s no longer applies to the published release: %s", path.name, error)
