"""Find the build's input files and parse them into quads, naming file and line on any error."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

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


def _input_file(path: Path, media_type: str, target_graph: str | None, gzipped: bool) -> "InputFile":
    return InputFile(path, ox.RdfFormat.from_media_type(media_type), target_graph, gzipped)


class BuildError(Exception):
    """A problem in the inputs; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: ox.RdfFormat
    # the graph that triples without a graph go to; None means the file must name its graphs
    target_graph: str | None
    gzipped: bool = False

    def __reduce__(self):  # pyoxigraph's formats do not pickle; the build's second process needs files
        return _input_file, (self.path, self.format.media_type, self.target_graph, self.gzipped)

    def open(self) -> BinaryIO:
        """The file's content as a stream (decompressed when gzipped): big inputs are never read whole."""
        return gzip.open(self.path, "rb") if self.gzipped else open(self.path, "rb")

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            return handle.read()

    def lines(self) -> Iterator[str]:
        with self.open() as handle:
            for line in io.TextIOWrapper(handle, encoding="utf-8", errors="replace"):
                yield line.rstrip("\n")

    def mentions_any(self, texts) -> bool:
        """Whether any of `texts` occurs anywhere in the file: a byte search, so that a line-by-line scan
        for them (a hundred times slower) can skip the file."""
        needles = [t.encode() for t in texts if t]
        if not needles:
            return False
        overlap = max(map(len, needles)) - 1
        tail = b""
        with self.open() as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                window = tail + block
                if any(n in window for n in needles):
                    return True
                tail = window[-overlap:] if overlap else b""
        return False

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


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
    Other files' triples go to their target graph; their quads keep the graph the file names.
    The file is read as a stream, so its size does not matter.
    """
    ns = Namespaces(config.base_iri)
    contacts = ox.NamedNode(ns.graph(CONTACTS_GRAPH))
    target = ox.NamedNode(file.target_graph) if file.target_graph else None
    with file.open() as stream:
        yield from _parse_stream(file, stream, config, ns, contacts, target)


def bulk_load(store: ox.Store, file: InputFile, config: Config) -> None:
    """Load a file that has a target graph (ontology, extra inputs) with Oxigraph's bulk loader, all in
    Rust: its triples go to the target graph, its quads keep their graphs, relative IRIs resolve
    against the base and blank nodes are renamed, as `parse` does. (Data files, which must name their
    graphs, go through `parse` and its checks instead; the contacts graph is dropped by the caller.)"""
    if file.target_graph is None:
        raise ValueError(f"{file.path}: bulk_load needs a target graph")
    try:
        with file.open() as stream:
            store.bulk_load(input=stream, format=file.format, base_iri=config.base_iri,
                            to_graph=ox.NamedNode(file.target_graph))
    except SyntaxError as error:
        raise _syntax_error(file.path, error) from None


def _parse_stream(file: InputFile, stream: BinaryIO, config: Config, ns: Namespaces, contacts, target) -> Iterator[ox.Quad]:
    try:
        quads = ox.parse(
            input=stream,
            format=file.format,
            base_iri=config.base_iri,
            rename_blank_nodes=True,
        )
        for quad in quads:
            graph = quad.graph_name
            if isinstance(graph, ox.DefaultGraph):
                if target is None:
                    raise BuildError(
                        f"{file.path}:{_line_of(file, quad.subject, config)}: triple outside any named graph: "
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


def _line_of(file: InputFile, term, config: Config) -> int | str:
    """Best-effort line of the first mention of a term in a file's text (for error messages)."""
    return find_line(file.read_bytes().decode("utf-8", "replace"), term.value if hasattr(term, "value") else str(term), config) or "?"


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


_TOKEN = re.compile(r"<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*[\w-]|[A-Za-z][\w.-]*:")


def locate_many(iris: list[str], files: list[InputFile], config: Config) -> dict[str, str]:
    """"file:line" of the first mention of each IRI in the input files (the forms `find_line` knows),
    in one streaming pass per file however many IRIs are asked for."""
    ns = Namespaces(config.base_iri)
    forms: dict[str, str] = {}
    for iri in iris:
        forms.setdefault(f"<{iri}>", iri)
        if iri.startswith(config.base_iri):
            forms.setdefault(f"<{iri[len(config.base_iri):]}>", iri)
        for prefix, namespace in ns.prefixes().items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                forms.setdefault(f"{prefix}:{iri[len(namespace):]}", iri)
    found: dict[str, str] = {}
    for file in files:
        if len(found) == len(iris):
            break
        if not file.mentions_any(form for form, iri in forms.items() if iri not in found):
            continue
        for number, line in enumerate(file.lines(), start=1):
            stripped = line.split("#", 1)[0] if not line.lstrip().startswith("<") else line
            for token in _TOKEN.findall(stripped):
                iri = forms.get(token)
                if iri is not None and iri not in found:
                    found[iri] = f"{file.path}:{number}"
    return found
