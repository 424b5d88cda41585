"""Publishing a built release to an external SPARQL store (store_backend = "sparql").

The build runs as always in a local pyoxigraph store (parse, materialise, validate, indexes); this
copies its graphs to the external store. Every graph is first loaded into a staging graph of its own
(Graph Store PUT, or INSERT DATA in chunks), then one update request moves them all into place and
drops the graphs of the previous release that the new one no longer has. On a store that runs an
update request as one transaction (Oxigraph server, GraphDB, RDF4J) readers switch from the old
release to the new one at once; on the others (Virtuoso in its default autocommit mode, Neptune,
QLever) the move is quick but readers may see a half-moved dataset for its duration.
Accepted SPARQL updates (the journal, sparql/updates.py) are then applied again, as the embedded
store applies them again to a new release.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from ..config import Config
from ..remote import RemoteSettings, RemoteStore
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
    staged = {}
    try:
        for index, graph in enumerate(graphs):
            staging = f"{STAGING}{release.identifier}:{index}"
            with tempfile.TemporaryDirectory(prefix=".publish-", dir=config.resolve(config.store_path)) as folder:
                path = Path(folder) / "graph.nt"
                store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
                remote.put_graph(staging, path)
            staged[staging] = graph
            progress(f"publish: {getattr(graph, 'value', 'the default graph')} staged at {remote.settings.query_url}")
        remote.update(_swap(staged, config, release, previous))
    except BaseException:
        _drop(remote, staged)
        raise
    progress(f"publish: release {release.identifier} swapped in at {remote.settings.query_url}")
    _replay(remote, config)


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
