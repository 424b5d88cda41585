"""The RDF serialisation formats the service speaks: names, media types, file extensions."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    name: str           # short name used in `format=` parameters and the CLI
    media_type: str
    extension: str
    oxigraph: ox.RdfFormat
    dataset: bool       # True when the format carries named graphs

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


RDF_FORMATS = (
    RdfFormat("turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE, False),
    RdfFormat("jsonld", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, True),
    RdfFormat("ntriples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, False),
    RdfFormat("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, False),
    RdfFormat("trig", "application/trig", "trig", ox.RdfFormat.TRIG, True),
    RdfFormat("nquads", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, True),
)

_BY_KEY = {}
for _fmt in RDF_FORMATS:
    for _key in (_fmt.name, _fmt.extension, _fmt.media_type):
        _BY_KEY[_key] = _fmt
_BY_KEY.update({"ttl": _BY_KEY["turtle"], "json-ld": _BY_KEY["jsonld"], "nt": _BY_KEY["ntriples"],
                "xml": _BY_KEY["rdfxml"], "rdf": _BY_KEY["rdfxml"], "nq": _BY_KEY["nquads"]})


def rdf_format(key: str) -> RdfFormat:
    """Look a format up by short name, file extension or media type."""
    try:
        return _BY_KEY[key.strip().lower()]
    except KeyError:
        names = ", ".join(f.name for f in RDF_FORMATS)
        raise ValueError(f"unknown RDF format {key!r}; use one of {names}") from None
