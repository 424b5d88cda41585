"""The index file of a release: one SQLite database beside the RDF store in the release folder.

Written once by the build (`indexes.write`) inside the temporary release folder, so it is renamed and
swapped together with the store it was computed from; opened read-only (immutable) by the web.

Tables:
  meta(key, value)                  analyser versions, base IRI, counts
  entity(id, iri, kind, listing, labels, descriptions, period, amount, count, sort keys)
  facet(entity, field, value)       every listing field's values (facet values and table columns)
  facet_count(listing, field, value, n)  facet counts of each listing without a selection
  facet_pair_count(listing, field, value, field2, value2, n)  facet counts with one big value selected
  term(value, label_fi, label_en …) labels of field values (IRIs, years)
  search (FTS5, contentless)        analysed tokens per language, each prefixed with its column group's
                                    letter; rowids in prominence order (indexes/search.py)
  search_doc(rowid, entity)         the entity of each search rowid
  search_kind(kind, lo, hi, weight) each kind's contiguous range of search rowids, and its rank weight
  dataset(name, json)               the visualisations' data
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from ..namespaces import Namespaces
from .extract import GraphData, en_sort_key, fi_sort_key

INDEX_FILE = "indexes.sqlite"
# bumped when the tables change: a release built with another format must be rebuilt
INDEX_FORMAT = "3"

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entity(
  id INTEGER PRIMARY KEY,
  iri TEXT NOT NULL UNIQUE,
  kind TEXT,
  listing TEXT,
  label_fi TEXT, label_en TEXT,
  own_fi TEXT, own_en TEXT,
  alt TEXT,
  desc_fi TEXT, desc_en TEXT,
  notes TEXT,
  start TEXT, "end" TEXT, approx INTEGER,
  amount REAL,
  count INTEGER,
  sort_fi TEXT, sort_en TEXT
);
CREATE INDEX entity_listing ON entity(listing, sort_fi);
CREATE TABLE facet(entity INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                   PRIMARY KEY(field, value, entity)) WITHOUT ROWID;
CREATE INDEX facet_entity ON facet(entity, field);
CREATE TABLE facet_count(listing TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
                         PRIMARY KEY(listing, field, value)) WITHOUT ROWID;
CREATE TABLE facet_pair_count(listing TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, field2 TEXT NOT NULL,
                              value2 TEXT NOT NULL, n INTEGER NOT NULL,
                              PRIMARY KEY(listing, field, value, field2, value2)) WITHOUT ROWID;
CREATE TABLE term(value TEXT PRIMARY KEY, label_fi TEXT, label_en TEXT, sort_fi TEXT, sort_en TEXT);
CREATE VIRTUAL TABLE search USING fts5(fi_label, fi_text, en_label, en_text, other, names,
                                       content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE search_doc(rowid INTEGER PRIMARY KEY, entity INTEGER NOT NULL);
CREATE TABLE search_kind(kind TEXT PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER NOT NULL, weight REAL NOT NULL);
CREATE TABLE dataset(name TEXT PRIMARY KEY, json TEXT NOT NULL);
"""


def kind_of(iri: str, ns: Namespaces) -> str | None:
    """The entity kind an IRI names: `id/<kind>/…` -> kind; the themes vocabulary -> "theme"."""
    if iri.startswith(ns.base + "id/"):
        return iri[len(ns.base) + 3:].split("/", 1)[0]
    if iri.startswith(ns.hgv + "theme-"):
        return "theme"
    return None


class Entities:
    """Entity rows, inserted on first use, with their labels and texts."""

    def __init__(self, conn: sqlite3.Connection, data: GraphData):
        self.conn = conn
        self.data = data
        self.ids: dict[str, int] = {}

    def id(self, iri: str, kind: str | None = None, listing: str | None = None) -> int:
        found = self.ids.get(iri)
        if found is not None:
            if listing:
                self.conn.execute("UPDATE entity SET listing = ?, kind = ? WHERE id = ?", (listing, kind, found))
            return found
        data = self.data
        texts = data.texts.get(iri)
        label_fi, label_en = data.label(iri, "fi"), data.label(iri, "en")
        start, end, approx = data.period(iri)
        cursor = self.conn.execute(
            "INSERT INTO entity(iri, kind, listing, label_fi, label_en, own_fi, own_en, alt, desc_fi, desc_en, notes, "
            "start, \"end\", approx, sort_fi, sort_en) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (iri, kind, listing, label_fi, label_en,
             texts.label("fi") if texts else None, texts.label("en") if texts else None,
             json.dumps(texts.alt_labels(), ensure_ascii=False) if texts else "[]",
             texts.description("fi") if texts else None, texts.description("en") if texts else None,
             json.dumps(texts.notes, ensure_ascii=False) if texts else "[]",
             start, end, int(approx), fi_sort_key(label_fi), en_sort_key(label_en)))
        self.ids[iri] = cursor.lastrowid
        return cursor.lastrowid


def create(path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript(SCHEMA)
    return conn


_local = threading.local()


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a release's index file, one per thread and file."""
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    conn = connections.get(path)
    if conn is None:
        if not path.is_file():
            raise FileNotFoundError(path)
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        conn.row_factory = sqlite3.Row
        if len(connections) > 4:  # releases swapped out long ago
            for old in list(connections)[:-4]:
                connections.pop(old).close()
        connections[path] = conn
    return conn
