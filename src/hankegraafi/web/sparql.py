"""The SPARQL endpoint (minimal: GET queries answered in SPARQL JSON)."""

from __future__ import annotations

import io

import pyoxigraph as ox
from flask import Blueprint, Response, request

from . import context

blueprint = Blueprint("sparql", __name__)


@blueprint.get("/sparql")
def endpoint():
    query = request.args.get("query")
    if not query:
        return Response("Missing 'query' parameter.\n", status=400, mimetype="text/plain")
    try:
        results = context.store().query(query)
    except SyntaxError as error:
        return Response(f"Malformed query: {error}\n", status=400, mimetype="text/plain")
    output = io.BytesIO()
    if isinstance(results, bool) or isinstance(results, ox.QuerySolutions):
        if isinstance(results, bool):
            output.write(b'{"head":{},"boolean":%s}' % (b"true" if results else b"false"))
        else:
            results.serialize(output, ox.QueryResultsFormat.JSON)
        return Response(output.getvalue(), mimetype="application/sparql-results+json")
    ox.serialize(results, output, ox.RdfFormat.TURTLE)
    return Response(output.getvalue(), mimetype="text/turtle")
