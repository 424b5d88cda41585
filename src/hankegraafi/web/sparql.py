"""The SPARQL 1.1 endpoint (`/sparql`), the Graph Store HTTP Protocol (`/rdf-graph-store`), the
query editor (`/query`), the example query pages (`/queries/…`) and the editor's vendored files.

The protocol details, limits and update design are documented in docs/sparql.md.
"""

from __future__ import annotations

import hmac
import io
import json
import os
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for

from ..services.catalogue import load_catalogue
from ..sparql import formats as F
from ..sparql.description import describe
from ..sparql.pool import WALL_FACTOR, JobFailed, PoolBusy, TimeLimitExceeded, WorkerFailed
from ..sparql.protocol import Operation, ProtocolError, parse_request
from ..sparql.service import SparqlService, graph_store_update
from ..store import StoreUnavailable
from . import context
from .i18n import current_language

blueprint = Blueprint("sparql", __name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Content-Length, X-Hankegraafi-Truncated, "
                                     "X-Hankegraafi-Row-Limit, X-Hankegraafi-Elapsed, X-Hankegraafi-Time-Limit",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Headers": "Accept, Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
}
CORS_PATHS = ("/sparql", "/rdf-graph-store")

# the editor's Content-Security-Policy: the site's strict policy, with inline styles allowed because
# YASGUI (CodeMirror, its result tables and plugins) writes style attributes and <style> elements at
# run time; scripts stay 'self' only (no 'unsafe-eval', no inline scripts)
EDITOR_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

TABLE_ROWS_ON_PAGE = 200


@blueprint.app_template_filter("sparql_short")
def short_iri(value: str) -> str:
    """An IRI as a prefixed name when a known prefix covers it."""
    best = max(((p, iri) for p, iri in context.namespaces().prefixes().items() if value.startswith(iri)),
               key=lambda item: len(item[1]), default=None)
    return f"{best[0]}:{value[len(best[1]):]}" if best else value


def service() -> SparqlService:
    app = current_app
    found = app.extensions.get("hankegraafi.sparql")
    if found is None:
        found = app.extensions["hankegraafi.sparql"] = SparqlService(context.config(), context.store())
    return found


def warm_up(app) -> None:
    """Start the query workers now rather than on the first query."""
    with app.app_context():
        service().pool.start()


@blueprint.after_app_request
def cors(response):
    if request.path in CORS_PATHS:
        for key, value in CORS_HEADERS.items():
            response.headers.setdefault(key, value)
    return response


def _plain(status: int, message: str, headers: dict | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def _preflight(methods: str) -> Response:
    response = Response(status=204)
    response.headers["Allow"] = methods
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers.update(PREFLIGHT_HEADERS)
    return response


def _time_limit_message(error: TimeLimitExceeded) -> str:
    limit = (f"{error.limit:g} s of processor time (or {error.limit * WALL_FACTOR:g} s in all)"
             if error.processor_time else f"{error.limit:g} s")
    return (f"Query time limit exceeded: the query ran for {error.elapsed:.1f} s and was stopped at the limit of "
            f"{limit}.\n"
            "What to do: add a LIMIT (and page with OFFSET), make the patterns more selective, avoid "
            "unconnected patterns (cartesian products); or download the whole dataset as a dump "
            "(`hankegraafi export`, TriG) and query it locally without a time limit.")


def _failure(error: Exception) -> Response:
    """The HTTP answer for anything that stopped a query or update."""
    if isinstance(error, ProtocolError):
        return _plain(error.status, error.message, error.headers)
    if isinstance(error, JobFailed):
        return _plain(error.status, error.message)
    if isinstance(error, TimeLimitExceeded):
        return _plain(503, _time_limit_message(error), {
            "X-Hankegraafi-Time-Limit": f"{error.limit:g}", "X-Hankegraafi-Elapsed": f"{error.elapsed:.3f}"})
    if isinstance(error, PoolBusy):
        return _plain(503, f"All query workers are busy (waited {error.waited:.0f} s); try again shortly.",
                      {"Retry-After": "5"})
    if isinstance(error, WorkerFailed):
        if error.memory_limit:  # the same query would stop again: no Retry-After
            from ..sparql.worker import MEMORY_MESSAGE

            return _plain(503, MEMORY_MESSAGE.format(limit=error.memory_limit),
                          {"X-Hankegraafi-Memory-Limit": str(error.memory_limit)})
        return _plain(503, "The query worker stopped unexpectedly; please try again.", {"Retry-After": "1"})
    if isinstance(error, StoreUnavailable):
        return _plain(503, str(error))
    raise error


def _wants_html(accept: str | None, format_param: str | None) -> bool:
    if format_param:
        return format_param.strip().lower() in ("html", "text/html")
    try:
        return F.choose(F.SOLUTIONS, accept).name == "html"
    except F.NotAcceptable:
        return False


def _open_spool(path: str):
    """The spooled result file, already unlinked: it lives until the response closes it."""
    handle = open(path, "rb")
    os.unlink(path)
    return handle


def _chunks(handle):
    while True:
        chunk = handle.read(256 * 1024)
        if not chunk:
            return
        yield chunk


def _result_response(info: dict, elapsed: float) -> Response:
    g.query_ms = elapsed * 1000  # the access log's query time (web/observability.py)
    fmt = F.by_name(info["kind"], info["format"])
    headers = {"Vary": "Accept", "X-Hankegraafi-Elapsed": f"{elapsed:.3f}"}
    if info.get("cached"):
        headers["X-Hankegraafi-Cache"] = "hit"
    if info.get("truncated"):
        headers["X-Hankegraafi-Truncated"] = "true"
        headers["X-Hankegraafi-Row-Limit"] = str(context.config().max_result_rows)
    if "path" in info:
        handle = _open_spool(info["path"])
        headers["Content-Length"] = str(info["size"])
        response = Response(_chunks(handle), status=200, content_type=fmt.content_type, headers=headers)
        response.call_on_close(handle.close)
        return response
    return Response(info["data"], status=200, content_type=fmt.content_type, headers=headers)


# --- /sparql --------------------------------------------------------------------------------------

@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE", "PATCH"])
def endpoint():
    if request.method == "OPTIONS":
        return _preflight("GET, POST, OPTIONS")
    config = context.config()
    length = request.content_length or 0
    if length > config.max_request_bytes or len(request.query_string) > config.max_request_bytes:
        return _plain(413, f"The request is larger than the limit of {config.max_request_bytes} bytes.")
    try:
        content_type = request.headers.get("Content-Type", "")
        media = content_type.split(";")[0].strip().lower()
        body = request.get_data(cache=True) if request.method == "POST" and media != "application/x-www-form-urlencoded" else None
        form = request.form if media == "application/x-www-form-urlencoded" else _EMPTY
        operation = parse_request(request.method, request.args, form, content_type, body)
    except ProtocolError as error:
        return _failure(error)
    if operation is None:
        return service_description()
    if operation.kind == "update":
        return _update(operation)
    return _query(operation)


class _Empty:
    def getlist(self, _key):
        return []


_EMPTY = _Empty()


def _query(operation: Operation) -> Response:
    accept = request.headers.get("Accept")
    format_param = request.values.get("format") or request.values.get("output")
    try:
        if _wants_html(accept, format_param):
            answer = service().query(operation, accept, None, mode="table")
            return _table_page(operation, answer.info, answer.elapsed)
        answer = service().query(operation, accept, format_param)
    except (ProtocolError, JobFailed, TimeLimitExceeded, PoolBusy, WorkerFailed, StoreUnavailable) as error:
        return _failure(error)
    return _result_response(answer.info, answer.elapsed)


def _table_page(operation: Operation, info: dict, elapsed: float) -> Response:
    g.query_ms = elapsed * 1000
    limit = context.config().max_result_rows
    html = render_template("sparql_results.html", query=operation.text, info=info, elapsed=elapsed,
                           limit=limit, editor_link=editor_link(operation.text),
                           downloads=download_links(operation.text, info.get("kind")),
                           release=_release())
    response = Response(html, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    if info.get("truncated"):
        response.headers["X-Hankegraafi-Truncated"] = "true"
        response.headers["X-Hankegraafi-Row-Limit"] = str(limit)
    return response


def _release():
    try:
        return context.store().release
    except (StoreUnavailable, OSError):
        return None


def service_description() -> Response:
    accept = request.headers.get("Accept")
    format_param = request.args.get("format")
    store = context.store()
    release = store.release
    endpoint_url = request.base_url
    if _wants_html(accept, format_param) and not format_param:
        return Response(render_template("sparql_service.html", endpoint=endpoint_url, release=release,
                                        graphs=release.triples_per_graph, config=context.config(),
                                        solution_formats=F.SOLUTION_FORMATS, graph_formats=F.GRAPH_FORMATS),
                        mimetype="text/html", headers={"Vary": "Accept"})
    try:
        fmt = F.choose(F.GRAPH, accept, format_param, allow_html=False)
    except F.NotAcceptable as error:
        return _plain(406, str(error))
    config = context.config()
    triples = describe(endpoint_url, release, release.triples_per_graph, release.default_graph_triples,
                       config.updates_enabled, bool(config.federation_allowlist), config.base_iri,
                       editor=url_for("sparql.editor", _external=True))
    output = io.BytesIO()
    prefixes = {"sd": "http://www.w3.org/ns/sparql-service-description#", "void": "http://rdfs.org/ns/void#",
                "dcterms": "http://purl.org/dc/terms/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "hgg": context.namespaces().graph_base}
    ox.serialize(triples, output, fmt.oxigraph, prefixes=prefixes)
    return Response(output.getvalue(), content_type=fmt.content_type, headers={"Vary": "Accept"})


# --- updates -------------------------------------------------------------------------------------

def _authorise() -> Response | None:
    config = context.config()
    if not config.updates_enabled:
        return _plain(403, "This endpoint is read-only: updates are disabled (an operator enables them by "
                           "configuring update_token).")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), config.update_token.encode()):
        return _plain(401, "Updates need the operator's token: send 'Authorization: Bearer <token>'.",
                      {"WWW-Authenticate": 'Bearer realm="hankegraafi"'})
    return None


def _update(operation: Operation) -> Response:
    refused = _authorise()
    if refused:
        return refused
    if operation.default_graphs or operation.named_graphs:
        return _plain(400, "using-graph-uri and using-named-graph-uri are not supported; write USING / "
                           "USING NAMED (or WITH) in the update itself.")
    try:
        generation = service().update(operation.text)
    except (ProtocolError, JobFailed, TimeLimitExceeded, PoolBusy, WorkerFailed, StoreUnavailable) as error:
        return _failure(error)
    return Response(status=204, headers={"X-Hankegraafi-Update": str(generation)})


# --- Graph Store HTTP Protocol -------------------------------------------------------------------

@blueprint.route("/rdf-graph-store", methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"])
def graph_store():
    if request.method == "OPTIONS":
        return _preflight("GET, HEAD, PUT, POST, DELETE, OPTIONS")
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) + int(default) != 1:
        return _plain(400, "Name exactly one graph: ?graph=<IRI> or ?default.")
    graph = graphs[0] if graphs else None
    if graph is not None:
        try:
            ox.NamedNode(graph)  # also keeps the IRI safe to write into the queries below
        except ValueError as error:
            return _plain(400, f"?graph= must be an absolute IRI, not {graph!r}: {error}.")
    config = context.config()
    if (request.content_length or 0) > config.max_request_bytes:
        return _plain(413, f"The request is larger than the limit of {config.max_request_bytes} bytes.")
    svc = service()
    if request.method in ("GET", "HEAD"):
        try:
            exists = svc.graph_exists(graph)
        except (StoreUnavailable, OSError) as error:
            return _plain(503, str(error))
        if not exists:
            return _plain(404, f"No graph <{graph}> in the dataset.")
        text = ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }" % graph) if graph \
            else "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        try:
            answer = svc.query(Operation("query", text), request.headers.get("Accept"), request.args.get("format"))
        except (ProtocolError, JobFailed, TimeLimitExceeded, PoolBusy, WorkerFailed, StoreUnavailable) as error:
            return _failure(error)
        return _result_response(answer.info, answer.elapsed)

    refused = _authorise()
    if refused:
        return refused
    rdf_format = None
    if request.method in ("PUT", "POST"):
        media = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        fmt = F.by_name(F.GRAPH, media) if media else None
        if fmt is None:
            return _plain(415, "Send the graph in an RDF format: "
                               + ", ".join(f.media_type for f in F.GRAPH_FORMATS) + ".")
        rdf_format = fmt.oxigraph
    try:
        existed = svc.graph_exists(graph)
        if request.method == "DELETE" and not existed:
            return _plain(404, f"No graph <{graph}> in the dataset.")
        update = graph_store_update(request.method, graph, request.get_data(), rdf_format)
        generation = svc.update(update, named={graph} if graph else set())
    except (ProtocolError, JobFailed, TimeLimitExceeded, PoolBusy, WorkerFailed, StoreUnavailable) as error:
        return _failure(error)
    status = 201 if request.method in ("PUT", "POST") and not existed else 204
    return Response(status=status, headers={"X-Hankegraafi-Update": str(generation)})


# --- the query editor and the example queries ------------------------------------------------------

def _lang() -> str:
    return current_language()


def examples():
    config = context.config()
    return load_catalogue(config.resolve(config.queries_dir))


def editor_link(query: str) -> str:
    return url_for("sparql.editor") + "?" + urlencode({"query": query})


def download_links(query: str, kind: str | None) -> list[tuple[F.ResultFormat, str]]:
    formats = F.GRAPH_FORMATS if kind == "graph" else [f for f in F.SOLUTION_FORMATS if f.oxigraph is not None]
    return [(fmt, url_for("sparql.endpoint") + "?" + urlencode({"query": query, "format": fmt.name}))
            for fmt in formats]


DEFAULT_QUERY_PREFIXES = ("hg", "hgv", "hgg", "rdf", "rdfs", "skos", "schema", "xsd")


@blueprint.get("/query")
def editor():
    ns = context.namespaces()
    lang = _lang()
    catalogue = [{"slug": q.slug, "title": q.label(lang), "title_fi": q.label("fi"), "title_en": q.label("en"),
                  "query": q.text(ns)} for q in examples()]
    prefixes = ns.prefixes()
    default_query = "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in DEFAULT_QUERY_PREFIXES) + (
        "\nSELECT ?project ?label WHERE {\n  ?project a hg:Project ;\n           skos:prefLabel ?label .\n"
        '  FILTER(LANG(?label) = "fi")\n}\nORDER BY ?label\nLIMIT 100\n')
    editor_config = {
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": prefixes,
        "examples": catalogue,
        "defaultQuery": default_query,
        "lang": lang,
    }
    safe_json = json.dumps(editor_config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    html = render_template("query.html", ln=lang, examples=catalogue, editor_config=safe_json,
                           release=_release(), query=request.args.get("query"))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


@blueprint.get("/queries/")
def example_index():
    lang = _lang()
    return render_template("queries.html", ln=lang, examples=examples(), release=_release())


@blueprint.get("/queries/<slug>")
def example_page(slug: str):
    lang = _lang()
    found = next((q for q in examples() if q.slug == slug), None)
    if found is None:
        abort(404, description=f"No example query {slug!r}.")
    text = found.text(context.namespaces())
    error = None
    info = None
    elapsed = 0.0
    try:
        answer = service().query(Operation("query", text), None, None, mode="table",
                                 max_rows=min(TABLE_ROWS_ON_PAGE, context.config().max_result_rows))
        info, elapsed = answer.info, answer.elapsed
        g.query_ms = elapsed * 1000
    except (ProtocolError, JobFailed, TimeLimitExceeded, PoolBusy, WorkerFailed) as failure:
        error = _failure(failure).get_data(as_text=True)
    return render_template("query_example.html", ln=lang, example=found, query=text, info=info, error=error,
                           elapsed=elapsed, limit=min(TABLE_ROWS_ON_PAGE, context.config().max_result_rows),
                           editor_link=editor_link(text), downloads=download_links(text, info and info.get("kind")),
                           release=_release())
