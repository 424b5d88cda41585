"""The linked-data contract: every IRI of the graph resolves on this server.

IRIs of things (`{base}id/<kind>/<slug>`, `{base}vocab/<concept>`, `{base}graph/<name>`,
`{base}dataset`) answer `303 See Other` with the document that describes them, chosen by `Accept`
(with q-values): `/page/<path>` (HTML) or `/data/<path>.<ext>` (Turtle, JSON-LD, N-Triples,
RDF/XML). The documents themselves have fixed formats, so people can link and click them. See
docs/linked-data.md for why.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..namespaces import Namespaces
from ..services import entity as entity_service
from ..services import jsonld
from ..services.formats import RdfFormat, rdf_format
from ..services.void import GRAPH_DESCRIPTIONS, summary as void_summary, void_triples
from . import context
from .conneg import negotiate
from .i18n import current_language, format_date, translate

blueprint = Blueprint("linked_data", __name__)

HTML = "text/html"
# the RDF formats of a description, in the order offered (and listed on pages)
DESCRIPTION_FORMATS = ("turtle", "jsonld", "ntriples", "rdfxml")
PAGE_OFFERS = (HTML, "application/xhtml+xml")


def description_formats() -> list[RdfFormat]:
    return [rdf_format(name) for name in DESCRIPTION_FORMATS]


def offers() -> list[str]:
    return [*PAGE_OFFERS, *(f.media_type for f in description_formats())]


def choose(accept: str | None) -> str | None:
    """`html`, an RDF format name, or None when nothing offered is acceptable."""
    media = negotiate(accept, offers())
    if media is None:
        return None
    if media in PAGE_OFFERS:
        return "html"
    return rdf_format(media).name


# ---------------------------------------------------------------------------------------------------
# IRIs <-> paths on this server

def iri_for(rest: str) -> str:
    """The graph's IRI for a request path; a path that makes no valid IRI names nothing here (404)."""
    iri = context.namespaces().base + rest
    try:
        ox.NamedNode(iri)
    except ValueError:
        abort(404, description=translate("ld.unknown_iri").format(iri=iri))
    return iri


def rest_of(iri: str, ns: Namespaces | None = None) -> str | None:
    ns = ns or context.namespaces()
    return iri[len(ns.base):] if iri.startswith(ns.base) else None


def href(iri: str) -> str:
    """Where a person should go for an IRI: the page on this server for the graph's own IRIs, the
    IRI itself for everything else."""
    ns = context.namespaces()
    rest = rest_of(iri, ns)
    root = request.script_root
    if rest is None:
        return iri
    if rest.startswith("ontology#"):
        return f"{root}/ontology/{rest[len('ontology#'):]}"
    if rest == "ontology":
        return f"{root}/ontology"
    if rest == "dataset":
        return f"{root}/void"
    if rest.startswith("shapes#") or rest == "shapes":
        return f"{root}/page/graph/shapes"
    if "#" in rest or not rest:
        return iri
    return f"{root}/page/{rest}"


def data_url(rest: str, fmt: RdfFormat) -> str:
    return f"{request.script_root}/data/{rest}.{fmt.extension}"


def page_url(rest: str) -> str:
    return f"{request.script_root}/page/{rest}"


def query_link(query: str) -> str:
    """A link that opens the SPARQL editor with `query`."""
    return f"{request.script_root}/query?" + urlencode({"query": query})


def with_args(**changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return request.path + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------------
# serialisation

def context_url() -> str:
    return url_for("linked_data.jsonld_context", _external=True)


def serialize(triples: list[ox.Triple], fmt: RdfFormat, first: str | None = None) -> bytes:
    if fmt.name == "jsonld":
        store = context.store()
        compactor = jsonld.Compactor(jsonld.context_for(store, context.namespaces()))
        return jsonld.document(triples, compactor, context_url(), first).encode()
    output = io.BytesIO()
    ox.serialize(triples, output, fmt.oxigraph, prefixes=context.namespaces().prefixes())
    return output.getvalue()


def rdf_response(triples: list[ox.Triple], fmt: RdfFormat, filename: str, first: str | None = None,
                 negotiated: bool = False, location: str | None = None) -> Response:
    response = Response(serialize(triples, fmt, first), content_type=fmt.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.{fmt.extension}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    if fmt.name == "jsonld":
        response.headers["Link"] = f'<{context_url()}>; rel="http://www.w3.org/ns/json-ld#context"'
    if negotiated:
        response.vary.add("Accept")
    if location:
        response.headers["Content-Location"] = location
    release = context.store().release.identifier
    response.set_etag(f"{release}-{request.path}-{fmt.name}")
    return response.make_conditional(request)


def not_acceptable(alternatives: list[tuple[str, str]]) -> Response:
    """406 with the formats that are available, as a short text any client can read."""
    lines = [translate("ld.not_acceptable"), ""]
    lines += [f"{media}: {url}" for media, url in alternatives]
    response = Response("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response.vary.add("Accept")
    return response


def alternates_header(rest: str) -> str:
    links = [f'<{page_url(rest)}>; rel="alternate"; type="text/html"']
    links += [f'<{data_url(rest, f)}>; rel="alternate"; type="{f.media_type}"' for f in description_formats()]
    return ", ".join(links)


# ---------------------------------------------------------------------------------------------------
# the IRIs: 303 See Other to the page or the data

def known(rest: str) -> bool:
    store = context.store()
    if rest.startswith("graph/") and store.store.contains_named_graph(ox.NamedNode(iri_for(rest))):
        return True
    if rest == "dataset":
        return True
    return entity_service.exists(store.store, iri_for(rest))


def see_other(rest: str):
    if not known(rest):
        abort(404, description=translate("ld.unknown_iri").format(iri=iri_for(rest)))
    chosen = choose(request.headers.get("Accept"))
    if chosen is None:
        return not_acceptable([("text/html", page_url(rest))] +
                              [(f.media_type, data_url(rest, f)) for f in description_formats()])
    if rest == "dataset":
        target = url_for("linked_data.void_page") if chosen == "html" else url_for(
            "linked_data.void_data", ext=rdf_format(chosen).extension)
    else:
        target = page_url(rest) if chosen == "html" else data_url(rest, rdf_format(chosen))
    query = request.query_string.decode()
    response = redirect(target + (f"?{query}" if query and chosen == "html" else ""), code=303)
    response.vary.add("Accept")
    if rest != "dataset":
        response.headers["Link"] = alternates_header(rest)
    return response


@blueprint.get("/id/<path:rest>")
def entity_iri(rest: str):
    return see_other(f"id/{rest}")


@blueprint.get("/vocab/<path:rest>")
def vocab_iri(rest: str):
    return see_other(f"vocab/{rest}")


@blueprint.get("/graph/<path:rest>")
def graph_iri(rest: str):
    return see_other(f"graph/{rest}")


@blueprint.get("/release/<path:rest>")
def release_iri(rest: str):
    return see_other(f"release/{rest}")


@blueprint.get("/dataset")
def dataset_iri():
    return see_other("dataset")


@blueprint.get("/shapes")
def shapes_iri():
    """`{base}shapes#…` names the SHACL shapes; they live in the shapes graph."""
    return see_other("graph/shapes")


# ---------------------------------------------------------------------------------------------------
# the documents: /page/... (HTML) and /data/....<ext> (RDF)

@blueprint.get("/page/<path:rest>")
def page(rest: str):
    if rest == "ontology":
        return redirect(url_for("ontology_docs.ontology"), code=301)
    if rest.startswith("graph/"):
        return graph_page(rest)
    return entity_page(rest)


def entity_page(rest: str):
    iri = iri_for(rest)
    store = context.store()
    if not entity_service.exists(store.store, iri):
        abort(404, description=translate("ld.unknown_iri").format(iri=iri))
    ns = context.namespaces()
    in_page = _int_arg("in_page", 1)
    in_size = _int_arg("in_size", entity_service.PAGE_SIZE)
    pages = entity_service.EntityPages(store, ns, current_language())
    view = pages.view(iri, in_page, in_size)
    queries = [(translate("ld.query.statements"), query_link(entity_service.statements_query(iri, ns)))]
    if view.roles:
        queries.append((translate("ld.query.roles"), query_link(entity_service.roles_query(iri, ns))))
    queries.append((translate("ld.query.describe"), query_link(entity_service.describe_query(iri))))
    response = Response(render_template(
        "entity.html", view=view, rest=rest, release=store.release, queries=queries,
        titles={d.iri: d.text for d in view.documents},
        formats=[(f, data_url(rest, f)) for f in description_formats()],
        in_page_url=lambda n: with_args(in_page=n if n > 1 else None),
    ))
    response.headers["Link"] = alternates_header(rest)
    return response


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


def graph_page(rest: str):
    iri = iri_for(rest)
    store = context.store()
    if not store.store.contains_named_graph(ox.NamedNode(iri)):
        # a graph this release does not publish (contacts) may still be described: show that
        if entity_service.exists(store.store, iri):
            return entity_page(rest)
        abort(404, description=translate("ld.unknown_iri").format(iri=iri))
    ns = context.namespaces()
    void = void_summary(store, ns)
    graph = next((g for g in void.graphs if g.iri == iri), None)
    lang = current_language()
    labels = entity_service.Labels(store.store, ns, lang)
    description = GRAPH_DESCRIPTIONS.get(graph.kind if graph else "other", GRAPH_DESCRIPTIONS["other"])
    query = f"SELECT ?s ?p ?o WHERE {{\n  GRAPH <{iri}> {{ ?s ?p ?o }}\n}}\nLIMIT 1000\n"
    return render_template(
        "graph.html", iri=iri, rest=rest, graph=graph, release=store.release,
        description=description[0 if lang == "fi" else 1], labels=labels,
        documents=[entity_service.Link(d, labels.text(ox.NamedNode(d))) for d in (graph.documents if graph else [])],
        classes=[(entity_service.Link(c, labels.property_text(c)), n) for c, n in (graph.classes.items() if graph else [])],
        formats=[(f, data_url(rest, f)) for f in description_formats()],
        query=query_link(query),
    )


@blueprint.get("/data/<path:rest>")
def data(rest: str):
    base, dot, ext = rest.rpartition(".")
    negotiated = False
    if dot and "/" not in ext:
        try:
            fmt = rdf_format(ext)
        except ValueError:
            abort(404)
        if fmt.name not in DESCRIPTION_FORMATS:
            abort(404)
        rest = base
    else:
        chosen = choose(request.headers.get("Accept"))
        if chosen is None or chosen == "html":
            chosen = negotiate(request.headers.get("Accept"), [f.media_type for f in description_formats()])
            if chosen is None:
                return not_acceptable([(f.media_type, data_url(rest, f)) for f in description_formats()])
        fmt = rdf_format(chosen)
        negotiated = True
    iri = iri_for(rest)
    store = context.store()
    ns = context.namespaces()
    if rest.startswith("graph/") and store.store.contains_named_graph(ox.NamedNode(iri)):
        triples = entity_service.graph_triples(store.store, iri)
    else:
        if not entity_service.exists(store.store, iri):
            abort(404, description=translate("ld.unknown_iri").format(iri=iri))
        triples = entity_service.describe(store.store, ns, iri)
    filename = rest.rstrip("/").rsplit("/", 1)[-1] or "data"
    return rdf_response(triples, fmt, filename, first=iri, negotiated=negotiated,
                        location=data_url(rest, fmt) if negotiated else None)


# ---------------------------------------------------------------------------------------------------
# the JSON-LD context

@blueprint.get("/context.jsonld")
def jsonld_context():
    import json

    document = jsonld.context_for(context.store(), context.namespaces())
    response = Response(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                        content_type="application/ld+json; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(context.store().release.identifier)
    return response.make_conditional(request)


# ---------------------------------------------------------------------------------------------------
# VoID

def void_urls() -> dict:
    from .dumps import DUMP_FORMATS

    return {
        "sparql": url_for("sparql.endpoint", _external=True),
        "home": url_for("pages.home", _external=True),
        "dumps": {name: url_for("dumps.dump", ext=rdf_format(name).extension, _external=True) for name in DUMP_FORMATS},
    }


def void_description():
    store = context.store()
    ns = context.namespaces()
    s = void_summary(store, ns)
    return s, void_triples(s, ns, void_urls())


@blueprint.get("/.well-known/void")
def well_known_void():
    return void_page()


@blueprint.get("/void")
def void_page():
    chosen = choose(request.headers.get("Accept"))
    if chosen is None:
        return not_acceptable([("text/html", url_for("linked_data.void_page"))] +
                              [(f.media_type, url_for("linked_data.void_data", ext=f.extension))
                               for f in description_formats()])
    if chosen != "html":
        s, triples = void_description()
        fmt = rdf_format(chosen)
        return rdf_response(triples, fmt, "void", first=s.dataset, negotiated=True,
                            location=url_for("linked_data.void_data", ext=fmt.extension))
    s, _ = void_description()
    ns = context.namespaces()
    store = context.store()
    labels = entity_service.Labels(store.store, ns, current_language())
    response = Response(render_template(
        "void.html", void=s, release=store.release, labels=labels, urls=void_urls(),
        formats=[(f, url_for("linked_data.void_data", ext=f.extension)) for f in description_formats()],
        graph_descriptions=GRAPH_DESCRIPTIONS,
    ))
    response.vary.add("Accept")
    response.headers["Content-Location"] = url_for("linked_data.void_page")
    return response


@blueprint.get("/void.<ext>")
def void_data(ext: str):
    try:
        fmt = rdf_format(ext)
    except ValueError:
        abort(404)
    if fmt.name not in DESCRIPTION_FORMATS:
        abort(404)
    s, triples = void_description()
    return rdf_response(triples, fmt, "void", first=s.dataset)


# ---------------------------------------------------------------------------------------------------
# template helpers

_MONTHS_FI = "tammi helmi maalis huhti touko kesä heinä elo syys loka marras joulu".split()


def format_period(period, lang: str | None = None) -> str:
    """A role's or budget's period: 1.8.2024–30.6.2025, open ends and imprecise bounds in words."""
    if period is None or period.empty:
        return ""
    lang = lang or current_language()
    d = lambda value: format_date(value, lang)
    begin = d(period.start) if period.start else ""
    if not begin and (period.earliest_start or period.latest_start):
        if period.earliest_start and period.latest_start and period.earliest_start != period.latest_start:
            begin = f"{d(period.earliest_start)}…{d(period.latest_start)}"
        elif period.earliest_start:
            begin = translate("period.earliest", lang).format(date=d(period.earliest_start))
        else:
            begin = translate("period.latest", lang).format(date=d(period.latest_start))
    end = d(period.end) if period.end else ""
    if not end and (period.earliest_end or period.latest_end):
        if period.earliest_end and period.latest_end and period.earliest_end != period.latest_end:
            end = f"{d(period.earliest_end)}…{d(period.latest_end)}"
        elif period.latest_end:
            end = translate("period.latest", lang).format(date=d(period.latest_end))
        else:
            end = translate("period.earliest", lang).format(date=d(period.earliest_end))
    if begin and end:
        text = begin if begin == end else f"{begin}–{end}"
    elif begin:
        text = translate("period.from", lang).format(date=begin)
    elif end:
        text = translate("period.until", lang).format(date=end)
    else:
        text = ""
    if period.attested:
        attested = translate("period.attested", lang).format(date=d(period.attested))
        text = f"{text} ({attested})" if text else attested
    return text


def format_year_month(value: str, lang: str | None = None) -> str:
    try:
        year, month = value[:7].split("-")
        month_number = int(month)
    except ValueError:
        return value
    if (lang or current_language()) == "fi":
        return f"{month_number}/{year}"
    return f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month_number - 1]} {year}"


def format_number(value, lang: str | None = None) -> str:
    from .i18n import format_amount

    return format_amount(value, lang, currency="").strip().lstrip("\u00a0")


@blueprint.app_template_global("href")
def _href(iri: str) -> str:
    return href(iri)


@blueprint.record_once
def _register(state):
    app = state.app
    app.jinja_env.filters.setdefault("period", format_period)
    app.jinja_env.filters.setdefault("yearmonth", format_year_month)
    app.jinja_env.filters.setdefault("number", format_number)
    app.jinja_env.filters.setdefault("iri_node", ox.NamedNode)
