"""The ontology resolves: `{base}ontology` is a document (its terms are hash IRIs,
`{base}ontology#Project`), served here with content negotiation; each term also has a page of its
own at `/ontology/<Term>` (HTML or its description in RDF)."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, url_for

from ..namespaces import RDFS
from ..services.formats import rdf_format
from ..services.ontology_docs import OntologyDocs
from . import context
from .i18n import current_language, translate
from .linked_data import DESCRIPTION_FORMATS, choose, description_formats, not_acceptable, query_link, rdf_response, with_args

blueprint = Blueprint("ontology_docs", __name__)


def _format_or_404(ext: str):
    try:
        fmt = rdf_format(ext)
    except ValueError:
        abort(404)
    if fmt.name not in DESCRIPTION_FORMATS:
        abort(404)
    return fmt


def _ontology_triples() -> list[ox.Triple]:
    store = context.store().store
    graph = ox.NamedNode(context.namespaces().graph("ontology"))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)]


def _term_triples(iri: str) -> list[ox.Triple]:
    """The term's statements in the ontology graph, with the anonymous nodes they use (restrictions)."""
    store = context.store().store
    graph = ox.NamedNode(context.namespaces().graph("ontology"))
    triples, todo, seen = [], [ox.NamedNode(iri)], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in store.quads_for_pattern(node, None, None, graph):
            triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
            if isinstance(quad.object, ox.BlankNode):
                todo.append(quad.object)
    return triples


def _ontology_html():
    store = context.store()
    docs = OntologyDocs(store, context.namespaces(), current_language())
    terms = docs.terms()
    return render_template(
        "ontology.html", header=docs.header(), release=store.release,
        classes=[t for t in terms if t.kind == "class"], properties=[t for t in terms if t.kind == "property"],
        formats=[(f, url_for("ontology_docs.ontology_data", ext=f.extension)) for f in description_formats()],
        query=query_link(f"SELECT ?term ?type ?label WHERE {{\n  GRAPH <{context.namespaces().graph('ontology')}> "
                         f"{{ ?term a ?type ; <{RDFS}label> ?label }}\n}}\nORDER BY ?term\n"),
    )


@blueprint.get("/ontology")
def ontology():
    chosen = choose(request.headers.get("Accept"))
    if chosen is None:
        return not_acceptable([("text/html", url_for("ontology_docs.ontology"))] +
                              [(f.media_type, url_for("ontology_docs.ontology_data", ext=f.extension))
                               for f in description_formats()])
    if chosen != "html":
        fmt = rdf_format(chosen)
        return rdf_response(_ontology_triples(), fmt, "ontology", first=context.namespaces().base + "ontology",
                            negotiated=True, location=url_for("ontology_docs.ontology_data", ext=fmt.extension))
    response = Response(_ontology_html())
    response.vary.add("Accept")
    response.headers["Content-Location"] = url_for("ontology_docs.ontology_html")
    return response


@blueprint.get("/ontology.html")
def ontology_html():
    return _ontology_html()


@blueprint.get("/ontology.<ext>")
def ontology_data(ext: str):
    fmt = _format_or_404(ext)
    return rdf_response(_ontology_triples(), fmt, "ontology", first=context.namespaces().base + "ontology")


def _term_iri(name: str) -> str:
    """The IRI of an ontology term; a name that makes no valid IRI is no term here (404)."""
    iri = context.namespaces().hg + name
    try:
        ox.NamedNode(iri)
    except ValueError:
        abort(404)
    return iri


def _term_page(name: str):
    store = context.store()
    ns = context.namespaces()
    docs = OntologyDocs(store, ns, current_language())
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    doc = docs.term(_term_iri(name), page)
    if doc is None:
        abort(404, description=translate("ld.unknown_iri").format(iri=_term_iri(name)))
    iri = _term_iri(name)
    if doc.summary.kind == "class":
        query = f"SELECT ?entity ?label WHERE {{\n  ?entity a <{iri}> .\n  OPTIONAL {{ ?entity <{RDFS}label> ?label }}\n}}\nORDER BY ?entity\n"
    else:
        query = f"SELECT ?subject ?value WHERE {{\n  ?subject <{iri}> ?value .\n}}\nLIMIT 1000\n"
    return render_template(
        "ontology_term.html", doc=doc, name=name, iri=iri, release=store.release,
        formats=[(f, url_for("ontology_docs.term_data", name=name, ext=f.extension)) for f in description_formats()],
        query=query_link(query), page_url=lambda n: with_args(page=n if n > 1 else None),
    )


@blueprint.get("/ontology/<name>")
def term(name: str):
    if "." in name:
        stem, _, ext = name.rpartition(".")
        return term_data(stem, ext)
    if OntologyDocs(context.store(), context.namespaces(), "en").kind_of(_term_iri(name)) is None:
        abort(404, description=translate("ld.unknown_iri").format(iri=_term_iri(name)))
    chosen = choose(request.headers.get("Accept"))
    if chosen is None:
        return not_acceptable([("text/html", url_for("ontology_docs.term", name=name))] +
                              [(f.media_type, url_for("ontology_docs.term_data", name=name, ext=f.extension))
                               for f in description_formats()])
    if chosen != "html":
        fmt = rdf_format(chosen)
        return rdf_response(_term_triples(_term_iri(name)), fmt, name, first=_term_iri(name), negotiated=True,
                            location=url_for("ontology_docs.term_data", name=name, ext=fmt.extension))
    response = Response(_term_page(name))
    response.vary.add("Accept")
    return response


def term_data(name: str, ext: str):
    fmt = _format_or_404(ext)
    if OntologyDocs(context.store(), context.namespaces(), "en").kind_of(_term_iri(name)) is None:
        abort(404, description=translate("ld.unknown_iri").format(iri=_term_iri(name)))
    return rdf_response(_term_triples(_term_iri(name)), fmt, name, first=_term_iri(name))


# `url_for("ontology_docs.term_data", name=..., ext=...)` builds /ontology/<name>.<ext>
blueprint.add_url_rule("/ontology/<name>.<ext>", "term_data", term_data, methods=["GET"])
