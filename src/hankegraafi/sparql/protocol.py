"""The SPARQL 1.1 Protocol: what operation an HTTP request carries, or why it is a bad request.

    GET  /sparql?query=…[&default-graph-uri=…][&named-graph-uri=…]
    POST /sparql  (application/x-www-form-urlencoded)  query=… or update=…
    POST /sparql  (application/sparql-query)           the query as the body
    POST /sparql  (application/sparql-update)          the update as the body
    GET  /sparql  (no query)                           the service description
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Operation:
    kind: str                       # "query" or "update"
    text: str
    default_graphs: list[str] = field(default_factory=list)   # default-graph-uri / using-graph-uri
    named_graphs: list[str] = field(default_factory=list)     # named-graph-uri / using-named-graph-uri

    def __post_init__(self):
        for iri in self.default_graphs + self.named_graphs:
            try:
                ox.NamedNode(iri)
            except ValueError as error:
                raise ProtocolError(400, f"Graph {iri!r} is not an absolute IRI: {error}.") from None


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        what = "queries" if name == "query" else "updates"
        raise ProtocolError(400, f"Several {what} in one request ({len(values)} '{name}' parameters); "
                                 f"send one {name} per request.")
    return values[0] if values else None


def _decode(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as error:
        raise ProtocolError(400, f"The request body is not valid {charset} text: {error}") from None


def parse_request(method: str, args, form, content_type: str, body: bytes | None) -> Operation | None:
    """The operation in a request; None for a GET without one (-> service description).

    `args` and `form` are multi-dicts with `getlist`; `body` is the raw body for non-form POSTs.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if method in ("GET", "HEAD"):
        if args.getlist("update"):
            raise ProtocolError(405, "Updates must be sent with POST (form field 'update' or "
                                     f"Content-Type: {UPDATE_TYPE}).", {"Allow": "GET, POST, OPTIONS"})
        query = _single(args.getlist("query"), "query")
        if query is None:
            return None
        if not query.strip():
            raise ProtocolError(400, "The 'query' parameter is empty.")
        return Operation("query", query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))

    if method != "POST":
        raise ProtocolError(405, f"{method} is not supported here; use GET or POST.", {"Allow": "GET, POST, OPTIONS"})

    if media == FORM:
        queries = form.getlist("query") + args.getlist("query")
        updates = form.getlist("update") + args.getlist("update")
        if queries and updates:
            raise ProtocolError(400, "The request has both a query and an update; send them separately.")
        if updates:
            update = _single(updates, "update")
            if not update.strip():
                raise ProtocolError(400, "The 'update' parameter is empty.")
            return Operation("update", update, form.getlist("using-graph-uri") + args.getlist("using-graph-uri"),
                             form.getlist("using-named-graph-uri") + args.getlist("using-named-graph-uri"))
        query = _single(queries, "query")
        if query is None or not query.strip():
            raise ProtocolError(400, "Missing query: send the form field 'query' (or 'update').")
        return Operation("query", query, form.getlist("default-graph-uri") + args.getlist("default-graph-uri"),
                         form.getlist("named-graph-uri") + args.getlist("named-graph-uri"))

    if media in (QUERY_TYPE, UPDATE_TYPE):
        kind = "query" if media == QUERY_TYPE else "update"
        other = "update" if kind == "query" else "query"
        if args.getlist(other):
            raise ProtocolError(400, "The request has both a query and an update; send them separately.")
        if args.getlist(kind):
            raise ProtocolError(400, f"The {kind} is in the body; do not also send a '{kind}' URL parameter.")
        text = _decode(body or b"", content_type)
        if not text.strip():
            raise ProtocolError(400, f"Missing {kind}: the request body is empty.")
        if kind == "query":
            return Operation(kind, text, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
        return Operation(kind, text, args.getlist("using-graph-uri"), args.getlist("using-named-graph-uri"))

    if not media and not body and args.getlist("query"):
        # a POST with the query in the URL and no body: treat like GET
        return parse_request("GET", args, form, "", None)
    if not media and not body:
        raise ProtocolError(400, "Missing query: POST a form with 'query' or 'update', or a body of type "
                                 f"{QUERY_TYPE} or {UPDATE_TYPE}.")
    raise ProtocolError(415, f"Unsupported Content-Type {media or '(none)'}: use {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}.")
