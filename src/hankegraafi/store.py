"""The served store: the current release, opened read-only, reopened when a build swaps in a new one.

The default graph of a release is the merge of its public named graphs (written by the build), so
queries need no union flag and see each triple once; the named graphs keep the provenance.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox

from .build.pipeline import CURRENT
from .build.release import Release
from .config import Config


class StoreUnavailable(RuntimeError):
    """No release has been built yet (run `hankegraafi build`)."""


class ReleaseStore:
    """Read-only access to the current release; cheap to call from every request."""

    # how often to look whether a build has swapped in a new release
    CHECK_INTERVAL = 1.0

    def __init__(self, config: Config):
        self.config = config
        self._link = config.resolve(config.store_path) / CURRENT
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._store: ox.Store | None = None
        self._release: Release | None = None
        self._checked = 0.0

    def current_path(self) -> Path:
        if not self._link.exists():
            raise StoreUnavailable(f"no release at {self._link}; run `hankegraafi build` first")
        return self._link.resolve()

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._store is not None and now - self._checked < self.CHECK_INTERVAL:
            return
        with self._lock:
            self._checked = now
            path = self.current_path()
            if path != self._path:
                self._store = self._open(path)
                self._release = Release.read(path)
                self._path = path

    def _open(self, path: Path):
        if self.config.remote:  # the graph is in an external SPARQL store; the release folder has the rest
            from .remote import RemoteSettings, RemoteStore

            return RemoteStore(RemoteSettings.from_config(self.config))
        return ox.Store.read_only(str(path))

    @property
    def store(self) -> ox.Store:
        self._refresh()
        return self._store

    @property
    def release(self) -> Release:
        self._refresh()
        return self._release

    def is_ready(self) -> bool:
        try:
            self._refresh()
            return True
        except (StoreUnavailable, OSError):
            return False

    def answers(self) -> bool:
        """Whether the store answers a query: with an external store, one request to it (for /ready)."""
        try:
            self.store.query("ASK {}", **({"default_graph": []} if self.config.remote else {}))
            return True
        except (StoreUnavailable, OSError, SyntaxError):
            return False

    def query(self, sparql: str, **options):
        """Run a query on the current release (default graph = merge of the public graphs)."""
        return self.store.query(sparql, **options)

    def select(self, sparql: str, **options) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """A SELECT query's solutions as dicts of bound variables (for small, internal queries)."""
        results = self.query(sparql, **options)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]
