"""Find the build's input files and parse them into quads, naming file and line on any error."""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from ..config import Config
from ..namespaces import CONTACTS_GRAPH, Namespaces

# ontology files and the graph each goes to; any other .ttl in ontology/ goes to a graph named by its stem
ONTOLOGY_GRAPHS = {"hankegraafi.ttl": "ontology", "vocab.ttl": "vocab", "shapes.ttl": "shapes"}

FORMATS_BY_SUFFIX = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


class BuildError(Exception):
    """A problem in the inputs; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: ox.RdfFormat
    # the graph that triples without a graph go to; None means the file must name its graphs
    target_graph: str | None
    gzipped: bool = False

    def read_bytes(self) -> bytes:
        raw = self.path.read_bytes()
        return gzip.decompress(raw) if self.gzipped else raw

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _format_of(path: Path) -> tuple[ox.RdfFormat, bool] | None:
    suffixes = path.suffixes
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = suffixes[-2] if gzipped and len(suffixes) > 1 else path.suffix
    fmt = FORMATS_BY_SUFFIX.get(suffix.lower())
    return (fmt, gzipped) if fmt else None


def _rdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and _format_of(p) and not p.name.startswith("."))


def discover(config: Config) -> list[InputFile]:
    """All input files of a build, in a stable order: ontology, curated data, extra datasets."""
    ns = Namespaces(config.base_iri)
    files: list[InputFile] = []
    for path in _rdf_files(config.resolve(config.ontology_dir)):
        graph = ONTOLOGY_GRAPHS.get(path.name, path.name.split(".")[0])
        files.append(InputFile(path, _format_of(path)[0], ns.graph(graph)))
    for path in _rdf_files(config.resolve(config.data_dir)):
        fmt, gz = _format_of(path)
        files.append(InputFile(path, fmt, None, gz))
    for extra in config.extra_inputs:
        extra = config.resolve(extra)
        if not extra.exists():
            raise BuildError(f"{extra}: extra input does not exist")
        for path in _rdf_files(extra) if extra.is_dir() else [extra]:
            if not _format_of(path):
                raise BuildError(f"{path}: not a known RDF format (by file name)")
            fmt, gz = _format_of(path)
            stem = path.name.split(".")[0]
            files.append(InputFile(path, fmt, ns.graph(f"extra/{stem}"), gz))
    return files


def _syntax_error(path: Path, error: SyntaxError) -> BuildError:
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    where = f"{path}:{line}:{column}" if line else str(path)
    return BuildError(f"{where}: syntax error: {error.msg if hasattr(error, 'msg') else error}")


def parse(file: InputFile, config: Config) -> Iterator[ox.Quad]:
    """The quads of one file, with relative IRIs resolved against the configured base.

    Curated data files (TriG/N-Quads without a target graph) must put every triple in a named
    graph under the project's graph namespace; the contacts graph is dropped unless published.
    """
    ns = Namespaces(config.base_iri)
    contacts = ox.NamedNode(ns.graph(CONTACTS_GRAPH))
    target = ox.NamedNode(file.target_graph) if file.target_graph else None
    data = file.read_bytes()
    try:
        quads = ox.parse(
            input=io.BytesIO(data),
            format=file.format,
            base_iri=config.base_iri,
            rename_blank_nodes=True,
        )
        for quad in quads:
            graph = quad.graph_name
            if isinstance(graph, ox.DefaultGraph):
                if target is None:
                    raise BuildError(
                        f"{file.path}:{_line_of(data, quad.subject, config)}: triple outside any named graph: "
                        f"{quad.subject} {quad.predicate} {quad.object} (data files put every triple in a GRAPH block)"
                    )
                graph = target
            elif target is None and not graph.value.startswith(ns.graph_base):
                raise BuildError(f"{file.path}: graph {graph} is not under {ns.graph_base}")
            if graph == contacts and not config.publish_contacts:
                continue
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)
    except SyntaxError as error:
        raise _syntax_error(file.path, error) from None


def _line_of(data: bytes, term, config: Config) -> int | str:
    """Best-effort line of the first mention of a term in a file's text (for error messages)."""
    return find_line(data.decode("utf-8", "replace"), term.value if hasattr(term, "value") else str(term), config) or "?"


def find_line(text: str, iri: str, config: Config) -> int | None:
    """The first line of `text` that names `iri`, written in full, relative to the base, or prefixed."""
    ns = Namespaces(config.base_iri)
    forms = [f"<{iri}>"]
    if iri.startswith(config.base_iri):
        forms.append(f"<{iri[len(config.base_iri):]}>")
    for prefix, namespace in ns.prefixes().items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            forms.append(f"{prefix}:{iri[len(namespace):]}")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if not line.lstrip().startswith("<") else line
        for form in forms:
            index = stripped.find(form)
            if index >= 0:
                end = index + len(form)
                # a prefixed name must not continue with more name characters
                if form.startswith("<") or end == len(stripped) or not (stripped[end].isalnum() or stripped[end] in "-_"):
                    return number
    return None
