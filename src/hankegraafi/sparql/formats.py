"""The formats the endpoint answers in, per kind of result, with their media types and aliases.

SELECT and ASK results: SPARQL JSON (default), XML, CSV, TSV, and an HTML table for browsers.
CONSTRUCT and DESCRIBE results (and the service description, and Graph Store reads): the RDF
formats of `services/formats.py`, Turtle first (the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..services.formats import RDF_FORMATS
from ..web.conneg import preference_order

SOLUTIONS = "solutions"   # SELECT and ASK
GRAPH = "graph"           # CONSTRUCT and DESCRIBE


@dataclass(frozen=True)
class ResultFormat:
    name: str                     # the `format=` value
    media_type: str
    extension: str
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat | None   # None: rendered by us (HTML)
    aliases: tuple[str, ...] = ()  # further media types (and short names) that select this format

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def streaming(self) -> bool:
        """Formats that always carry the full results (no row cap)."""
        return self.name not in ("json", "html")


SOLUTION_FORMATS = (
    ResultFormat("json", "application/sparql-results+json", "srj", ox.QueryResultsFormat.JSON, ("application/json",)),
    ResultFormat("xml", "application/sparql-results+xml", "srx", ox.QueryResultsFormat.XML,
                 ("application/xml", "text/xml")),
    ResultFormat("csv", "text/csv", "csv", ox.QueryResultsFormat.CSV),
    ResultFormat("tsv", "text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV),
    ResultFormat("html", "text/html", "html", None, ("application/xhtml+xml",)),
)

_RDF_ALIASES = {
    # Turtle is valid N3: clients asking for N3 (SPARQLWrapper's N3) get Turtle
    "turtle": ("application/x-turtle", "ttl", "n3", "text/n3", "text/rdf+n3"),
    "jsonld": ("application/json", "json", "json-ld"),
    "ntriples": ("text/plain", "nt"),
    "rdfxml": ("application/xml", "text/xml", "xml", "rdf", "rdf+xml"),
    "trig": ("application/x-trig",),
    "nquads": ("text/x-nquads", "nq"),
}

GRAPH_FORMATS = tuple(
    ResultFormat(f.name, f.media_type, f.extension, f.oxigraph, _RDF_ALIASES.get(f.name, ()))
    for f in RDF_FORMATS
)

FORMATS = {SOLUTIONS: SOLUTION_FORMATS, GRAPH: GRAPH_FORMATS}


class NotAcceptable(Exception):
    """Nothing the client accepts (or names in `format=`) exists for this kind of result."""

    def __init__(self, kind: str, asked: str):
        self.kind = kind
        self.asked = asked
        available = ", ".join(f"{f.media_type} (format={f.name})" for f in FORMATS[kind])
        what = "SELECT/ASK results" if kind == SOLUTIONS else "RDF graphs (CONSTRUCT/DESCRIBE)"
        super().__init__(f"None of the requested formats ({asked}) is available for {what}. Available: {available}.")


def by_name(kind: str, key: str) -> ResultFormat | None:
    key = key.strip().lower()
    for fmt in FORMATS[kind]:
        if key in (fmt.name, fmt.media_type, fmt.extension, *fmt.aliases):
            return fmt
    return None


def choose(kind: str, accept: str | None, format_param: str | None = None,
           allow_html: bool = True) -> ResultFormat:
    """The format for a result of `kind`: the `format=` parameter if given, else by `Accept`."""
    if format_param:
        fmt = by_name(kind, format_param)
        if fmt is not None and (fmt.oxigraph is not None or allow_html):
            return fmt
        if fmt is not None or any(by_name(other, format_param) for other in FORMATS):
            raise NotAcceptable(kind, f"format={format_param}")
        # a value no format has (some clients send their own names): negotiate by Accept instead
    candidates = [f for f in FORMATS[kind] if allow_html or f.oxigraph is not None]
    offers: list[str] = []
    owner: dict[str, ResultFormat] = {}
    for fmt in candidates:              # primary media types first: they win ties
        offers.append(fmt.media_type)
        owner[fmt.media_type] = fmt
    for fmt in candidates:
        for alias in fmt.aliases:
            if "/" in alias and alias not in owner:
                offers.append(alias)
                owner[alias] = fmt
    ranked = preference_order(accept, offers)
    if not ranked:
        raise NotAcceptable(kind, accept or "")
    return owner[ranked[0]]
