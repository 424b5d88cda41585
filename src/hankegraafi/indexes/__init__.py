"""Build-time indexes beside the store: search, listings with facets, visualisation data.

Listings, facet counts, aggregates and full-text search are slow on Oxigraph as the graph grows
(shared/research/performance-notes.md), so the build computes them once into `indexes.sqlite` in the
release folder, where it is renamed and swapped together with the store it came from:

    indexes.write(store, work_folder, ns)      # in build/pipeline.py, before the release is described
    indexes.open_release(path)                 # in the web, with ReleaseStore.current_path()
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..namespaces import Namespaces
from . import db, listings, search, visual
from .analysis import Analyser, analyser
from .db import INDEX_FILE, INDEX_FORMAT
from .extract import GraphData, Prefetch, Stopped

# visualisation data up to this size stays parsed in memory (per process and release)
DATASET_CACHE_BYTES = 20_000_000

__all__ = ["INDEX_FILE", "IndexUnavailable", "Indexes", "Stopped", "open_release", "write"]


class IndexUnavailable(RuntimeError):
    """The release has no index file (built before indexes existed): rebuild it."""


def write(store: ox.Store, folder: Path, ns: Namespaces, progress: Callable[[str], None] = lambda _: None,
          stop: threading.Event | None = None) -> Path:
    """Compute the search index, listing tables and visualisation data of `store` into `folder`.
    Raises Stopped soon after `stop` is set."""
    started = time.monotonic()
    target = Path(folder) / INDEX_FILE
    partial = target.with_name(INDEX_FILE + ".partial")
    prefetch = Prefetch(store, stop=stop)
    conn = db.create(partial)
    try:
        ahead = [ns.sparql_prologue() + body for body in listings.queries() + search.queries()] + visual.queries(ns)
        data = GraphData(prefetch, ns, then=ahead)
        entities = db.Entities(conn, data)
        sizes = listings.write(conn, data, entities)
        text_analyser = analyser()
        searchable = search.write(conn, data, entities, ns, text_analyser)
        visual.write(conn, data, ns)
        meta = {
            "format": INDEX_FORMAT,
            "base_iri": ns.base,
            "finnish_analyser": f"Voikko {text_analyser.fi.version}",
            "english_analyser": "Snowball English (Porter 2)",
            "searchable": str(searchable),
            "listings": json.dumps(sizes),
        }
        conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", meta.items())
        conn.execute("INSERT INTO search(search) VALUES ('optimize')")
        conn.commit()
        conn.execute("VACUUM")
    finally:
        prefetch.close()
        conn.close()
    os.replace(partial, target)
    progress(f"indexes: {searchable} searchable entities, listings {sizes}, in {time.monotonic() - started:.1f} s")
    return target


@dataclass
class Indexes:
    """Read access to one release's index file."""

    path: Path
    analyser: Analyser
    _datasets: dict = field(default_factory=dict, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        return db.connect(self.path)

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def search(self, text: str, **options) -> search.Results:
        return search.search(self.conn, self.analyser, text, **options)

    def listing(self, name: str, selection: dict[str, list[str]], **options) -> listings.Page:
        return listings.query(self.conn, listings.LISTINGS[name], selection, **options)

    def export(self, name: str, selection: dict[str, list[str]], **options) -> listings.Export:
        """All of a listing's selected rows, in batches (read them in the thread that asked)."""
        return listings.export(self.conn, listings.LISTINGS[name], selection, **options)

    def dataset(self, name: str) -> dict:
        """A visualisation's data (parsed once per release and process; treat it as read-only)."""
        with _opened_lock:
            found = self._datasets.get(name)
        if found is None:
            row = self.conn.execute("SELECT json FROM dataset WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise KeyError(name)
            found = json.loads(row[0])
            if len(row[0]) <= DATASET_CACHE_BYTES:
                with _opened_lock:
                    self._datasets[name] = found
        return found

    def labels(self, values: set[str], lang: str) -> dict[str, str]:
        return {v: label for v, (label, _) in listings._labels(self.conn, values, lang).items()}


_opened: dict[Path, Indexes] = {}
_opened_lock = threading.Lock()


def open_release(release_path: Path) -> Indexes:
    """The indexes of a release folder (cached per folder; a new release gets a new object)."""
    path = Path(release_path) / INDEX_FILE
    with _opened_lock:
        found = _opened.get(path)
        if found is None:
            if not path.is_file():
                raise IndexUnavailable(f"{release_path} has no {INDEX_FILE}; run `hankegraafi build` again")
            found = Indexes(path, analyser())
            built_with = found.meta().get("format")
            if built_with != INDEX_FORMAT:
                raise IndexUnavailable(f"{path} has index format {built_with}, this version reads {INDEX_FORMAT}; "
                                       "run `hankegraafi build` again")
            _opened[path] = found
        return found
