"""An external SPARQL 1.1 store reached over HTTP, behind the part of pyoxigraph.Store's API that the
services, the query workers and the build use: `query`, `update`, `quads_for_pattern`,
`named_graphs`, `contains_named_graph`, `dump`, `len`.

Queries go through SPARQLWrapper; answers come back as SPARQL XML results (every store writes the
same XML; JSON differs, e.g. Virtuoso's "typed-literal") or N-Triples, and are parsed by pyoxigraph,
so callers get the same QuerySolutions, QueryBoolean and triples as from the embedded store.

The dataset the application sees: the merge of the public graphs as the default graph, and the
public graphs (those under the base IRI) as named graphs. With `sparql_default_graph` empty the merge
is the store's own default graph (Oxigraph server); with an IRI, the merge is published into that
graph and every query names its dataset (default-graph-uri + named-graph-uri), for stores whose
default graph is the union of all graphs (Virtuoso, GraphDB, Neptune, QLever).
"""

from __future__ import annotations

import ast
import base64
import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox
from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
RDF_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5"
RDF_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
             "text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}
RESULT_TYPES = {"application/sparql-results+xml": ox.QueryResultsFormat.XML,
                "application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "text/tab-separated-values": ox.QueryResultsFormat.TSV}
BOOLEAN_XML = '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>{}</boolean></sparql>'
CACHE_TTL = 2.0   # seconds a subject's description is reused (one page asks for it many times)
CACHE_SIZE = 4096
GRAPHS_TTL = 5.0  # seconds the list of public graphs is reused (a publish or update may add one)
INSERT_CHUNK = 1000  # triples per INSERT DATA when publishing without the Graph Store Protocol
UPDATE_TIMEOUT = 600  # seconds: publishing moves whole graphs in one update


@dataclass(frozen=True)
class RemoteSettings:
    query_url: str
    update_url: str = ""
    gsp_url: str = ""
    user: str = ""
    password: str = ""
    auth: str = "basic"          # or "digest" (Virtuoso's /sparql-auth)
    default_graph: str = ""      # "" = the store's own default graph holds the merge
    graph_prefix: str = ""       # named graphs under this prefix are the public ones
    timeout: float = 30.0
    # the update journal's generation: a query worker keeps its RemoteStore (and its cached list of
    # graphs) only while it is the same, so a graph an update just created is seen at once
    generation: int = 0
    # the public graphs, when the caller knows them (the query service: the graphs of its local copy
    # of the dataset, which every publish and update also changes); empty: asked of the store. Asking
    # scans every quad (Virtuoso: 1.8 s at 2 000 projects), too slow to do for queries
    graphs: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config) -> RemoteSettings:
        return cls(config.sparql_query_url, config.sparql_update_url or config.sparql_query_url,
                   config.sparql_gsp_url, config.sparql_user, config.sparql_password, config.sparql_auth,
                   config.sparql_default_graph, config.base_iri, config.query_timeout)

    def as_dict(self) -> dict:
        return asdict(self)


class RemoteTriples:
    """A CONSTRUCT/DESCRIBE answer: iterable triples that serialise like ox.QueryTriples."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self._triples = iter(triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return self._triples

    def serialize(self, output, format, prefixes=None) -> None:
        ox.serialize(self._triples, output, format, prefixes=prefixes)


def _term(node) -> str:
    return str(node)


def _prologue(prefixes: dict | None, base_iri: str | None) -> str:
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in (prefixes or {}).items()]
    return "\n".join(lines) + "\n" if lines else ""


class RemoteStore:
    def __init__(self, settings: RemoteSettings):
        self.settings = settings
        self._graphs: tuple[float, list[str]] | None = None
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    # --- HTTP ------------------------------------------------------------------------------------
    def _wrapper(self, url: str, text: str, update: bool) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(url)
        wrapper.setMethod(POST)
        wrapper.setQuery(text)
        # a store negotiates on Accept before it looks at the query (Virtuoso answers a CONSTRUCT asked
        # for SPARQL results with RDF/XML only): ask for what this kind of query gives
        accept = RDF_ACCEPT if wrapper.queryType in ("CONSTRUCT", "DESCRIBE") else RESULTS_ACCEPT
        wrapper.queryType = "INSERT" if update else "SELECT"  # what SPARQLWrapper sends: query= or update=
        wrapper.setTimeout(max(UPDATE_TIMEOUT, int(self.settings.timeout)) if update else int(self.settings.timeout) + 1)
        if self.settings.user:
            wrapper.setCredentials(self.settings.user, self.settings.password)
            if self.settings.auth == "digest":
                wrapper.setHTTPAuth(DIGEST)
        if not update:
            wrapper.addCustomHttpHeader("Accept", accept)
        return wrapper

    def _send(self, wrapper: SPARQLWrapper):
        try:
            return wrapper.query().response
        except QueryBadFormed as error:
            raise SyntaxError(_message(error)) from None
        except SPARQLWrapperException as error:
            raise OSError(_message(error)) from None
        except urllib.error.HTTPError as error:
            raise OSError(f"{error.code} {error.reason}: {error.read().decode('utf-8', 'replace')}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise OSError(f"the SPARQL store at {wrapper.endpoint} did not answer: {error}") from None

    def _dataset(self, wrapper: SPARQLWrapper, default_graph=None, named_graphs=None) -> None:
        if default_graph is not None or named_graphs is not None:  # the caller names the dataset
            for graph in _as_list(default_graph):
                wrapper.addDefaultGraph(graph.value)
            for graph in named_graphs or []:
                wrapper.addNamedGraph(graph.value)
        elif self.settings.default_graph:
            wrapper.addDefaultGraph(self.settings.default_graph)
            for graph in self.public_graphs():
                wrapper.addNamedGraph(graph)

    # --- the pyoxigraph.Store API ----------------------------------------------------------------
    def query(self, query: str, *, prefixes: dict | None = None, base_iri: str | None = None,
              default_graph=None, named_graphs=None, use_default_graph_as_union: bool = False, **_ignored):
        wrapper = self._wrapper(self.settings.query_url, _prologue(prefixes, base_iri) + query, update=False)
        self._dataset(wrapper, default_graph, named_graphs)
        response = self._send(wrapper)
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media in RESULT_TYPES:
            # Virtuoso names blank nodes "nodeID://b1", which is no blank node label
            body = response.read().replace(b"<bnode>nodeID://", b"<bnode>").replace(b'"bnode", "value": "nodeID://', b'"bnode", "value": "')
            return _ask_as_boolean(ox.parse_query_results(body, RESULT_TYPES[media]))
        if media in RDF_TYPES:
            return RemoteTriples(ox.parse(response, RDF_TYPES[media]))
        raise OSError(f"the SPARQL store answered in {media or 'no media type'}, which is not SPARQL results or RDF")

    def update(self, update: str, *, prefixes: dict | None = None, base_iri: str | None = None) -> None:
        wrapper = self._wrapper(self.settings.update_url, _prologue(prefixes, base_iri) + update, update=True)
        self._send(wrapper).read()
        self._graphs = None
        with self._lock:
            self._cache.clear()

    def public_graphs(self) -> list[str]:
        """The named graphs the application shows: those under the base IRI (not the store's own
        system graphs, nor the merge or staging graphs of the publish)."""
        if self.settings.graphs:
            return list(self.settings.graphs)
        cached = self._graphs
        if cached is not None and time.monotonic() - cached[0] < GRAPHS_TTL:
            return cached[1]
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
                          f'"{_escape(self.settings.graph_prefix)}")) }}', default_graph=[], named_graphs=None)
        graphs = sorted(row["g"].value for row in rows if row["g"].value != self.settings.default_graph)
        self._graphs = (time.monotonic(), graphs)
        return graphs

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(g) for g in self.public_graphs()])

    def contains_named_graph(self, graph) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {_term(graph)} {{ ?s ?p ?o }} }}", default_graph=[]))

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        if any(isinstance(t, ox.BlankNode) for t in (subject, predicate, object)):
            return iter(())  # a remote store's blank nodes cannot be named in a later query
        if subject is not None and object is None:
            # pages ask for one subject's values predicate by predicate: one request answers them all
            return iter([q for q in self._described(subject, graph_name) if predicate is None or q.predicate == predicate])
        return iter(list(self._quads(subject, predicate, object, graph_name)))

    def _described(self, subject, graph_name) -> list[ox.Quad]:
        key = (subject, graph_name)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < CACHE_TTL:
                return hit[1]
        quads = list(self._quads(subject, None, None, graph_name))
        with self._lock:
            self._cache[key] = (time.monotonic(), quads)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return quads

    def _quads(self, subject, predicate, object, graph_name) -> Iterator[ox.Quad]:
        pattern = " ".join(_term(t) if t is not None else f"?{v}"
                           for t, v in ((subject, "s"), (predicate, "p"), (object, "o")))
        options: dict = {}
        if isinstance(graph_name, ox.DefaultGraph):
            where = pattern
        elif graph_name is not None:
            where, options = f"GRAPH {_term(graph_name)} {{ {pattern} }}", {"default_graph": []}
        else:
            where = f"{{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }}"
        for row in self.query(f"SELECT * WHERE {{ {where} }}", **options):
            graph = graph_name if graph_name is not None else (row["g"] or ox.DefaultGraph())
            yield ox.Quad(subject or row["s"], predicate or row["p"], object or row["o"], graph)

    def triples(self, graph) -> Iterator[ox.Triple]:
        """A whole graph, streamed as N-Triples from a CONSTRUCT."""
        if isinstance(graph, ox.DefaultGraph):
            return iter(self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
        return iter(self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_term(graph)} {{ ?s ?p ?o }} }}",
                               default_graph=[]))

    def dump(self, output, format=None, *, from_graph=None, prefixes=None, **_ignored) -> None:
        graph = from_graph if from_graph is not None else ox.DefaultGraph()
        if isinstance(output, str):
            with open(output, "wb") as handle:
                return ox.serialize(self.triples(graph), handle, format, prefixes=prefixes)
        ox.serialize(self.triples(graph), output, format, prefixes=prefixes)

    def __len__(self) -> int:
        total = 0
        for graph in [ox.DefaultGraph(), *self.named_graphs()]:
            where = "?s ?p ?o" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {_term(graph)} {{ ?s ?p ?o }}"
            options = {} if isinstance(graph, ox.DefaultGraph) else {"default_graph": []}
            total += int(next(iter(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", **options)))["n"].value)
        return total

    # --- the Graph Store Protocol (publishing) ---------------------------------------------------
    def put_graph(self, graph: str, path: Path) -> None:
        """Replace a graph with the N-Triples file `path`: Graph Store PUT (streamed from the file) if
        configured, else DROP + INSERT DATA in chunks."""
        if self.settings.gsp_url:
            return self._gsp_put(graph, path)
        self.update(f"DROP SILENT GRAPH <{graph}>")
        with open(path, "rb") as lines:
            for chunk in _chunks(lines, INSERT_CHUNK):
                self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + b"".join(chunk).decode() + "\n} }")

    def _gsp_put(self, graph: str, path: Path) -> None:
        separator = "&" if "?" in self.settings.gsp_url else "?"
        url = self.settings.gsp_url + separator + "graph=" + urllib.request.quote(graph, safe="")
        with open(path, "rb") as body:
            request = urllib.request.Request(url, data=body, method="PUT", headers={
                "Content-Type": "application/n-triples", "Content-Length": str(path.stat().st_size)})
            self._send_file(request, graph)

    def _send_file(self, request: urllib.request.Request, graph: str) -> None:
        self._authorise(request)
        try:
            with urllib.request.build_opener().open(request, timeout=max(self.settings.timeout, UPDATE_TIMEOUT)) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise OSError(f"Graph Store PUT {graph}: {error.code} {error.read().decode('utf-8', 'replace')}") from None
        self._graphs = None

    def _authorise(self, request: urllib.request.Request) -> None:
        """Credentials on the first try: a server that answers a large body with 401 may close the
        connection before the body is sent, and a retry with credentials would fail the same way."""
        user, password = self.settings.user, self.settings.password
        if not user:
            return
        if self.settings.auth != "digest":
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            return request.add_header("Authorization", f"Basic {token}")
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, request.full_url, user, password)
        handler = urllib.request.HTTPDigestAuthHandler(passwords)
        request.add_header("Authorization", "Digest " + handler.get_authorization(request, _challenge(request.full_url)))


def _challenge(url: str) -> dict:
    """The digest challenge a server answers an unauthenticated GET with."""
    try:
        urllib.request.build_opener().open(urllib.request.Request(url, method="GET"), timeout=30).read()
    except urllib.error.HTTPError as error:
        header = error.headers.get("WWW-Authenticate", "")
        if error.code == 401 and header.lower().startswith("digest "):
            return urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(header[7:])))
    raise OSError(f"{url} asked for no digest authentication")


def portable_update(text: str) -> str:
    """An update already applied to the local copy, made portable for the external store: there it
    must not fail where the local copy did not (Virtuoso refuses DROP GRAPH of a graph that was
    never CREATEd, though it has triples; the local copy showed the graph exists)."""
    return re.sub(r"(?i)\bDROP(\s+)GRAPH\b", r"DROP\1SILENT GRAPH", text)


def _ask_as_boolean(results):
    """Virtuoso answers ASK as one row with an integer `__ASK_RETVAL`: the boolean it means."""
    if not isinstance(results, ox.QuerySolutions) or [v.value for v in results.variables] != ["__ASK_RETVAL"]:
        return results
    value = any(row["__ASK_RETVAL"] is not None and row["__ASK_RETVAL"].value not in ("0", "false") for row in results)
    return ox.parse_query_results(BOOLEAN_XML.format("true" if value else "false"), ox.QueryResultsFormat.XML)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _chunks(lines: Iterable[bytes], size: int):
    chunk: list[bytes] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _message(error: SPARQLWrapperException) -> str:
    """The store's own message (SPARQLWrapper keeps the response body only inside its text)."""
    text = str(error)
    _, found, body = text.partition("Response:\n")
    if found:
        try:
            return ast.literal_eval(body).decode("utf-8", "replace").strip() or text
        except (ValueError, SyntaxError, AttributeError):
            return body.strip()
    return text
