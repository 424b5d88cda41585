"""Release identifiers and the release's description, in the store and beside it as JSON."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from ..config import Config
from ..namespaces import DCTERMS, PROV, RDF, RDFS, SCHEMA, VOID, XSD, Namespaces
from .sources import InputFile

RELEASE_FILE = "release.json"


@dataclass
class Release:
    identifier: str
    created: str
    input_hash: str
    base_iri: str
    publish_contacts: bool
    inputs: list[dict]
    triples_per_graph: dict[str, int] = field(default_factory=dict)
    entities_per_class: dict[str, int] = field(default_factory=dict)
    inferred_per_rule: dict[str, int] = field(default_factory=dict)
    default_graph_triples: int = 0
    validation: dict = field(default_factory=dict)
    statistics: dict = field(default_factory=dict)  # for VoID (build/statistics.py); {} in older releases

    def write(self, folder: Path) -> None:
        (folder / RELEASE_FILE).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> "Release":
        return cls(**json.loads((folder / RELEASE_FILE).read_text(encoding="utf-8")))


def new_release(files: list[InputFile], config: Config, now: datetime | None = None) -> Release:
    """A release named by its build time and a hash of everything that went into it."""
    now = now or datetime.now(timezone.utc)
    inputs = [{"path": _display_path(f.path, config), "sha256": f.sha256(), "graph": f.target_graph} for f in files]
    digest = hashlib.sha256()
    for item in inputs:
        digest.update(f"{item['path']}\0{item['sha256']}\n".encode())
    digest.update(f"{config.base_iri}\0{config.publish_contacts}".encode())
    input_hash = digest.hexdigest()
    identifier = f"{now:%Y%m%dT%H%M%SZ}-{input_hash[:10]}"
    return Release(identifier, now.isoformat(timespec="seconds"), input_hash, config.base_iri,
                   config.publish_contacts, inputs)


def _display_path(path: Path, config: Config) -> str:
    try:
        return str(path.relative_to(config.resolve(Path("."))))
    except ValueError:
        return str(path)


def release_quads(release: Release, ns: Namespaces) -> list[ox.Quad]:
    """The release described in RDF, in the `release` graph."""
    graph = ox.NamedNode(ns.graph("release"))
    dataset = ox.NamedNode(ns.base + "dataset")
    node = ox.NamedNode(f"{ns.base}release/{release.identifier}")

    def lit(value, datatype=None):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype) if datatype else None)

    triples = [
        (dataset, ox.NamedNode(RDF + "type"), ox.NamedNode(VOID + "Dataset")),
        (dataset, ox.NamedNode(DCTERMS + "hasVersion"), node),
        (node, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Entity")),
        (node, ox.NamedNode(RDFS + "label"), ox.Literal(f"hankegraafi release {release.identifier}", language="en")),
        (node, ox.NamedNode(DCTERMS + "identifier"), lit(release.identifier)),
        (node, ox.NamedNode(SCHEMA + "version"), lit(release.identifier)),
        (node, ox.NamedNode(DCTERMS + "created"), lit(release.created, "dateTime")),
        (node, ox.NamedNode(ns.hg + "sha256"), lit(release.input_hash)),
    ]
    for index, item in enumerate(release.inputs, start=1):
        source = ox.NamedNode(f"{ns.base}release/{release.identifier}/input/{index}")
        triples += [
            (node, ox.NamedNode(PROV + "wasDerivedFrom"), source),
            (source, ox.NamedNode(RDFS + "label"), lit(item["path"])),
            (source, ox.NamedNode(ns.hg + "sha256"), lit(item["sha256"])),
        ]
    return [ox.Quad(s, p, o, graph) for s, p, o in triples]
