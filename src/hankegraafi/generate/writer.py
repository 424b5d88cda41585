"""Streaming RDF writers for generated data: TriG with the project's relative prefixes, or N-Quads.

Terms are given as Turtle snippets: prefixed names (`project:gen-000001`), literals
(`"teksti"@fi`, `"2024-01-01"^^xsd:date`, `"12.50"^^xsd:decimal`), bare integers and booleans, and
`a`. The writers keep nothing but a small output buffer, and gzip output is byte-for-byte
reproducible (no file name or time stamp in the gzip header).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterable, Sequence

from ..namespaces import ENTITY_KINDS, STANDARD_PREFIXES

XSD = STANDARD_PREFIXES["xsd"]
RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"

# relative namespaces, as in the data files (resolved against the base IRI by the build)
RELATIVE_PREFIXES = {"hg": "ontology#", "hgv": "vocab/", "hgg": "graph/",
                     **{kind: f"id/{kind}/" for kind in ENTITY_KINDS}}
USED_STANDARD = ("rdf", "rdfs", "xsd", "skos", "schema", "org", "prov", "dcterms")

Pairs = Sequence[tuple[str, "str | Sequence[str]"]]


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A Turtle/N-Quads literal with the characters that need it escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^{datatype}'
    return f'"{escaped}"'


def _open(path: Path, gzipped: bool, level: int):
    raw = open(path, "wb")
    if gzipped:
        return raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=level)
    return raw, raw


class _Writer:
    FLUSH_AT = 1 << 20

    def __init__(self, path: Path, gzipped: bool = True, level: int = 6):
        self.path = path
        self._raw, self._out = _open(path, gzipped, level)
        self._buffer: list[str] = []
        self._size = 0
        self.triples = 0

    def _write(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= self.FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._out.write("".join(self._buffer).encode("utf-8"))
            self._buffer.clear()
            self._size = 0

    def close(self) -> None:
        self._flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TrigWriter(_Writer):
    """TriG with the project's prefix block; one `GRAPH { }` block per source."""

    def __init__(self, path: Path, gzipped: bool = True, level: int = 6, header: str = ""):
        super().__init__(path, gzipped, level)
        if header:
            self._write("".join(f"# {line}\n" for line in header.splitlines()))
        for prefix, namespace in RELATIVE_PREFIXES.items():
            self._write(f"@prefix {prefix}: <{namespace}> .\n")
        for prefix in USED_STANDARD:
            self._write(f"@prefix {prefix}: <{STANDARD_PREFIXES[prefix]}> .\n")
        self._write("\n")

    def begin_graph(self, graph: str) -> None:
        self._write(f"{graph} {{\n")

    def end_graph(self) -> None:
        self._write("}\n\n")

    def comment(self, text: str) -> None:
        self._write(f"\n  # {text}\n")

    def entity(self, subject: str, pairs: Pairs) -> None:
        parts = []
        for predicate, objects in pairs:
            if isinstance(objects, str):
                parts.append(f"{predicate} {objects}")
                self.triples += 1
            elif objects:
                parts.append(f"{predicate} {', '.join(objects)}")
                self.triples += len(objects)
        if parts:
            self._write(f"  {subject} " + " ;\n    ".join(parts) + " .\n")


class NQuadsWriter(_Writer):
    """N-Quads with every IRI absolute under the given base."""

    def __init__(self, path: Path, base: str, gzipped: bool = True, level: int = 6, header: str = ""):
        super().__init__(path, gzipped, level)
        self._namespaces = {p: base + ns for p, ns in RELATIVE_PREFIXES.items()}
        self._namespaces.update(STANDARD_PREFIXES)
        self._graph = ""

    def _term(self, term: str) -> str:
        if term[0] == '"':
            if term[-1] != '"' and "^^" in term[term.rindex('"'):]:
                lexical, datatype = term.rsplit("^^", 1)
                return f"{lexical}^^{self._term(datatype)}"
            return term
        if term[0] == "<":
            return term
        if term == "a":
            return f"<{RDF_TYPE}>"
        if term in ("true", "false"):
            return f'"{term}"^^<{XSD}boolean>'
        if term[0].isdigit() or term[0] == "-":
            return f'"{term}"^^<{XSD}integer>'
        prefix, local = term.split(":", 1)
        return f"<{self._namespaces[prefix]}{local}>"

    def begin_graph(self, graph: str) -> None:
        self._graph = self._term(graph)

    def end_graph(self) -> None:
        self._graph = ""

    def comment(self, text: str) -> None:
        pass

    def entity(self, subject: str, pairs: Pairs) -> None:
        s = self._term(subject)
        g = self._graph
        lines = []
        for predicate, objects in pairs:
            p = self._term(predicate)
            for o in ([objects] if isinstance(objects, str) else objects):
                lines.append(f"{s} {p} {self._term(o)} {g} .\n")
        self.triples += len(lines)
        self._write("".join(lines))


def writer_for(path: Path, fmt: str, base: str, gzipped: bool, header: str = "") -> _Writer:
    if fmt == "trig":
        return TrigWriter(path, gzipped, header=header)
    if fmt == "nquads":
        return NQuadsWriter(path, base, gzipped, header=header)
    raise ValueError(f"unknown output format {fmt!r} (trig or nquads)")


def suffix(fmt: str, gzipped: bool) -> str:
    return (".trig" if fmt == "trig" else ".nq") + (".gz" if gzipped else "")


def flatten(items: Iterable) -> list:
    return [x for x in items if x]
