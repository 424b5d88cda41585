"""An OpenAPI 3 description of the HTTP API, served at `/openapi.json`.

It covers every route of the application (tests/test_fuzz.py checks that against Flask's URL map
and fuzzes each documented operation with its documented parameters). The listings' facet
parameters are read from `indexes/listings.py`, so the description follows the listings.
Paths with a `{rest}` parameter (`/id/{rest}`, `/page/{rest}`, `/data/{rest}` …) take a path that
may itself contain `/` (Flask's `path` converter), which OpenAPI cannot express exactly.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

blueprint = Blueprint("openapi", __name__)

TEXT = {"text/plain": {"schema": {"type": "string"}}}
HTML = {"text/html": {"schema": {"type": "string"}}}
JSON_ANY = {"application/json": {"schema": {"type": "object"}}}
RDF_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
DUMP_EXTENSIONS = ["ttl", "trig", "nq", "jsonld"]
DESCRIPTION_EXTENSIONS = ["ttl", "jsonld", "nt", "rdf"]
SOLUTION_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values", "text/html")
GRAPH_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
               "application/trig", "application/n-quads")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("hankegraafi")
    except Exception:  # not installed as a distribution
        return "0"


def param(name: str, where: str = "query", description: str = "", schema: dict | None = None,
          required: bool = False, explode: bool | None = None) -> dict:
    found = {"name": name, "in": where, "description": description, "required": required or where == "path",
             "schema": schema or {"type": "string"}}
    if explode is not None:
        found["explode"] = explode
    return found


ACCEPT = param("Accept", "header", "Content negotiation (RFC 9110, with q-values)")
LANG = param("lang", description="Interface language (also remembered in a cookie)", schema={"type": "string", "enum": ["fi", "en"]})
ERRORS = {
    "400": {"description": "Bad request, with a message", "content": {**TEXT, **HTML, **JSON_ANY}},
    "404": {"description": "Not found", "content": {**HTML, **JSON_ANY, **TEXT}},
    "406": {"description": "No acceptable format; the message lists the available ones", "content": TEXT},
    "413": {"description": "Request larger than max_request_bytes", "content": {**TEXT, **HTML}},
    "503": {"description": "No release built, or (SPARQL) the time limit or a busy pool", "content": {**TEXT, **HTML}},
}


def op(summary: str, tag: str, parameters=(), responses: dict | None = None, body: dict | None = None,
       operation_id: str | None = None, **extra) -> dict:
    found = {"summary": summary, "tags": [tag], "parameters": list(parameters),
             "responses": {**(responses or {"200": {"description": "OK", "content": HTML}}), **ERRORS}}
    if body:
        found["requestBody"] = body
    if operation_id:
        found["operationId"] = operation_id
    found.update(extra)
    return found


def _sparql_paths() -> dict:
    protocol = [
        param("query", description="A SPARQL 1.1 query (the project's prefixes are predeclared)"),
        param("default-graph-uri", description="A default graph IRI (repeatable)", schema={"type": "string", "format": "uri"}),
        param("named-graph-uri", description="A named graph IRI (repeatable)", schema={"type": "string", "format": "uri"}),
        param("format", description="Result format by name; wins over Accept",
              schema={"type": "string", "enum": ["json", "xml", "csv", "tsv", "html", "turtle", "jsonld",
                                                 "ntriples", "rdfxml", "trig", "nquads"]}),
        param("output", description="Synonym of format"),
        ACCEPT,
    ]
    results = {"200": {"description": "Query results (SELECT/ASK: SPARQL results; CONSTRUCT/DESCRIBE: RDF), or "
                                      "without a query the service description",
                       "content": {t: {"schema": {"type": "string"}} for t in (*SOLUTION_TYPES, *GRAPH_TYPES)}},
               "403": {"description": "SERVICE or LOAD to a target not allow-listed; update on a read-only endpoint",
                       "content": TEXT},
               "429": {"description": "Rate limit: see Retry-After", "content": TEXT,
                       "headers": {"Retry-After": {"schema": {"type": "integer"}}}}}
    auth = param("Authorization", "header", "Bearer <update_token>, for updates")
    form = {"type": "object", "properties": {
        "query": {"type": "string"}, "update": {"type": "string"},
        "default-graph-uri": {"type": "string"}, "named-graph-uri": {"type": "string"},
        "using-graph-uri": {"type": "string"}, "using-named-graph-uri": {"type": "string"}}}
    body = {"content": {"application/x-www-form-urlencoded": {"schema": form},
                        "application/sparql-query": {"schema": {"type": "string"}},
                        "application/sparql-update": {"schema": {"type": "string"}}}}
    store_params = [param("graph", description="The graph's IRI (or `default`)", schema={"type": "string", "format": "uri"}),
                    param("default", description="The default graph", schema={"type": "string"}), ACCEPT]
    rdf_body = {"content": {t: {"schema": {"type": "string"}} for t in GRAPH_TYPES}}
    written = {"201": {"description": "Created"}, "204": {"description": "Replaced or added"},
               "401": {"description": "Missing or wrong token", "content": TEXT},
               "403": {"description": "Updates disabled, or a curated graph", "content": TEXT},
               "415": {"description": "Not an RDF format", "content": TEXT}}
    return {
        "/sparql": {
            "get": op("SPARQL query (GET); without a query, the service description", "SPARQL", protocol, results,
                      operation_id="sparqlGet"),
            "post": op("SPARQL query or update (POST: form, sparql-query or sparql-update body)", "SPARQL",
                       [*protocol[1:], auth], {**results, "204": {"description": "Update applied"},
                                               "401": {"description": "Update without the token", "content": TEXT},
                                               "415": {"description": "Unsupported Content-Type", "content": TEXT}},
                       body=body, operation_id="sparqlPost"),
            "options": op("CORS preflight", "SPARQL", [], {"204": {"description": "Allowed methods and headers"}}),
        },
        "/rdf-graph-store": {
            "get": op("Graph Store Protocol: read a graph", "SPARQL", store_params,
                      {"200": {"description": "The graph", "content": {t: {"schema": {"type": "string"}} for t in GRAPH_TYPES}}}),
            "put": op("Graph Store Protocol: replace a graph (token)", "SPARQL", [*store_params[:2], auth], written, body=rdf_body),
            "post": op("Graph Store Protocol: add to a graph (token)", "SPARQL", [*store_params[:2], auth], written, body=rdf_body),
            "delete": op("Graph Store Protocol: drop a graph (token)", "SPARQL", [*store_params[:2], auth], written),
        },
        "/query": {"get": op("The query editor (YASGUI)", "SPARQL", [param("query", description="Query to open"), LANG])},
        "/queries/": {"get": op("The example queries", "SPARQL", [LANG])},
        "/queries/{slug}": {"get": op("One example query with its results", "SPARQL", [param("slug", "path"), LANG])},
    }


def _listing_paths() -> dict:
    try:
        from ..indexes.listings import LISTINGS
    except Exception:  # the listings module is not there: document none
        return {}
    found = {}
    for name, listing in LISTINGS.items():
        facets = [param(f.name, description=f"Facet {f.name!r}: a value (prefixed name or IRI); repeatable")
                  for f in listing.facets()]
        common = [
            *facets,
            param("sort", description="Sort order", schema={"type": "string", "enum": list(getattr(listing, "sorts", ("label",)))}),
            param("page", description="Page number (from 1)", schema={"type": "integer", "minimum": 1}),
            param("per", description="Rows per page", schema={"type": "integer", "minimum": 1}),
            param("all", description="Show every value of this facet (repeatable)"),
            LANG,
        ]
        found[f"/{name}"] = {"get": op(f"Listing: {name}", "Listings", common)}
        found[f"/{name}.csv"] = {"get": op(f"Listing {name} as CSV (every row)", "Listings", common,
                                           {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})}
        found[f"/{name}.jsonld"] = {"get": op(f"Listing {name} as JSON-LD (every row)", "Listings", common,
                                              {"200": {"description": "JSON-LD", "content": {"application/ld+json": {"schema": {"type": "object"}}}}})}
    return found


def _linked_data_paths() -> dict:
    rest = param("rest", "path", "The rest of the IRI after the base (may contain /)")
    see_other = {"303": {"description": "See Other: the page (HTML) or data document (RDF) chosen by Accept"}}
    rdf = {"200": {"description": "RDF", "content": {t: {"schema": {"type": "string"}} for t in RDF_TYPES}}}
    both = {"200": {"description": "HTML or RDF by extension", "content": {**HTML, **{t: {"schema": {"type": "string"}} for t in RDF_TYPES}}}}
    return {
        "/id/{rest}": {"get": op("An entity's IRI: 303 to its page or data", "Linked data", [rest, ACCEPT], see_other)},
        "/vocab/{rest}": {"get": op("A concept's IRI: 303", "Linked data", [rest, ACCEPT], see_other)},
        "/graph/{rest}": {"get": op("A named graph's IRI: 303", "Linked data", [rest, ACCEPT], see_other)},
        "/release/{rest}": {"get": op("The release's IRI: 303", "Linked data", [rest, ACCEPT], see_other)},
        "/dataset": {"get": op("The dataset's IRI: 303 to the VoID description", "Linked data", [ACCEPT], see_other)},
        "/shapes": {"get": op("The SHACL shapes' IRI: 303", "Linked data", [ACCEPT], see_other)},
        "/page/{rest}": {"get": op("The HTML page about an IRI", "Linked data",
                                   [rest, LANG, param("page", schema={"type": "integer", "minimum": 1}),
                                    param("per", schema={"type": "integer", "minimum": 1})])},
        "/data/{rest}": {"get": op("The RDF description of an IRI; {rest} ends with .ttl, .jsonld, .nt or .rdf",
                                   "Linked data", [rest], rdf)},
        "/context.jsonld": {"get": op("The JSON-LD context", "Linked data", [],
                                      {"200": {"description": "JSON-LD context", "content": {"application/ld+json": {"schema": {"type": "object"}}}}})},
        "/void": {"get": op("VoID description of the dataset (HTML or RDF by Accept)", "Linked data", [ACCEPT, LANG], both)},
        "/void.{ext}": {"get": op("VoID description as RDF", "Linked data",
                                  [param("ext", "path", schema={"type": "string", "enum": DESCRIPTION_EXTENSIONS})], rdf)},
        "/.well-known/void": {"get": op("VoID (RFC 8615 well-known location)", "Linked data", [ACCEPT], {**both, **see_other})},
        "/ontology": {"get": op("The ontology (HTML or RDF by Accept)", "Ontology", [ACCEPT, LANG], both)},
        "/ontology.html": {"get": op("The ontology's documentation", "Ontology", [LANG])},
        "/ontology.{ext}": {"get": op("The ontology as RDF", "Ontology",
                                      [param("ext", "path", schema={"type": "string", "enum": DESCRIPTION_EXTENSIONS})], rdf)},
        "/ontology/{name}": {"get": op("One class or property (HTML; name.ext for RDF)", "Ontology",
                                       [param("name", "path"), LANG, param("page", schema={"type": "integer", "minimum": 1})], both)},
        "/ontology/{name}.{ext}": {"get": op("One class or property as RDF", "Ontology",
                                             [param("name", "path"), param("ext", "path", schema={"type": "string", "enum": DESCRIPTION_EXTENSIONS})], rdf)},
    }


def _other_paths() -> dict:
    json_ok = {"200": {"description": "JSON", "content": JSON_ANY}}
    return {
        "/": {"get": op("Home page", "Pages", [LANG])},
        "/search": {"get": op("Search page", "Search", [
            param("q", description="Words to search for (Finnish morphology: inflected forms match)"),
            param("in", description="Languages searched", schema={"type": "string", "enum": ["all", "fi", "en", "sv"]}),
            param("kind", description="Only this kind of thing (project, organisation, person …)"),
            param("page", schema={"type": "integer", "minimum": 1}), LANG])},
        "/api/search": {"get": op("Search, JSON", "Search", [
            param("q", description="Words to search for", required=True),
            param("lang", schema={"type": "string", "enum": ["all", "fi", "en", "sv"]}),
            param("kind"), param("limit", schema={"type": "integer", "minimum": 1, "maximum": 100}),
            param("offset", schema={"type": "integer", "minimum": 0})], json_ok)},
        "/dumps/hankegraafi.{ext}": {"get": op("The whole dataset as a file (TriG/N-Quads/JSON-LD: every named graph)",
                                               "Dumps", [param("ext", "path", schema={"type": "string", "enum": DUMP_EXTENSIONS}),
                                                         param("Range", "header", "Byte range (resumable downloads)")],
                                               {"200": {"description": "The dump", "content": {t: {"schema": {"type": "string"}} for t in
                                                                                              ("text/turtle", "application/trig", "application/n-quads", "application/ld+json")}},
                                                "206": {"description": "Partial content"}})},
        "/visualise/": {"get": op("Visualisations", "Visualisations", [LANG])},
        "/visualise/timeline": {"get": op("Timeline", "Visualisations", [LANG])},
        "/visualise/network": {"get": op("Network of organisations", "Visualisations", [LANG])},
        "/visualise/funding": {"get": op("Funding", "Visualisations", [LANG])},
        "/visualise/{view}.json": {"get": op("A visualisation's data", "Visualisations",
                                             [param("view", "path", schema={"type": "string", "enum": ["timeline", "network", "funding"]}), LANG], json_ok)},
        "/visualise/{view}.csv": {"get": op("A visualisation's data as CSV", "Visualisations",
                                            [param("view", "path", schema={"type": "string", "enum": ["timeline", "network", "funding"]}),
                                             param("table"), LANG],
                                            {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})},
        "/static/{filename}": {"get": op("The site's own CSS and JavaScript", "Files", [param("filename", "path")],
                                         {"200": {"description": "A file"}})},
        "/static/vendor/{name}": {"get": op("Allow-listed files of npm packages (YASGUI, ECharts)", "Files",
                                            [param("name", "path")], {"200": {"description": "A file"}})},
        "/health": {"get": op("Liveness: the process answers", "Operations", [], json_ok)},
        "/ready": {"get": op("Readiness: a release is open (its id); 503 if none", "Operations", [], json_ok)},
        "/metrics": {"get": op("Prometheus metrics (text format 0.0.4)", "Operations", [],
                               {"200": {"description": "Metrics", "content": TEXT}})},
        "/openapi.json": {"get": op("This description", "Operations", [], json_ok)},
    }


def description(server_url: str = "/") -> dict:
    paths = {**_other_paths(), **_sparql_paths(), **_listing_paths(), **_linked_data_paths()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "hankegraafi",
            "version": _version(),
            "description": "Linked data about Finnish social- and health-care development projects: HTML pages, "
                           "RDF documents, a SPARQL 1.1 endpoint, search, listings, dumps. Errors are never a "
                           "stack trace: text/plain, an HTML page or JSON {error, message, status}.",
            "license": {"name": "Code MIT, data CC BY 4.0"},
        },
        "servers": [{"url": server_url}],
        "paths": dict(sorted(paths.items())),
    }


@blueprint.get("/openapi.json")
def openapi():
    response = jsonify(description(request.url_root.rstrip("/") or "/"))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
