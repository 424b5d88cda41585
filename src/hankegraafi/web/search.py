"""Search: the `/search` page and the JSON API `/api/search`.

The query is analysed like the indexed text (Voikko base forms for Finnish, Snowball stems for
English), so inflected forms and compound parts find their entity. The page shows the matched words
in <mark>: the text is escaped first and only then the matches wrapped (indexes/search.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request, url_for

from .browse import entity_url, indexes
from . import context
from .i18n import current_language

blueprint = Blueprint("search", __name__)

PER_PAGE = 20
MAX_LIMIT = 100
KIND_LABELS = {
    "project": ("Hanke", "Project"), "organisation": ("Organisaatio", "Organisation"),
    "person": ("Henkilö", "Person"), "scheme": ("Rahoitusohjelma", "Funding scheme"),
    "region": ("Alue", "Region"), "theme": ("Teema", "Theme"), "event": ("Tapahtuma", "Event"),
    "publication": ("Julkaisu", "Publication"), "document": ("Lähdedokumentti", "Source document"),
    "change": ("Muutos", "Change"), "goal": ("Tavoite", "Goal"), "funding": ("Rahoitus", "Funding"),
    "decision": ("Rahoituspäätös", "Funding decision"), "budget": ("Budjetti", "Budget"),
}
SEARCH_LANGS = {"fi": ("fi",), "en": ("en",), "all": ("fi", "en")}


def kind_label(kind: str, lang: str) -> str:
    names = KIND_LABELS.get(kind)
    return names[0 if lang == "fi" else 1] if names else kind


def _int(name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except ValueError:
        return default


@blueprint.get("/search")
def page():
    lang = current_language()
    text = request.args.get("q", "").strip()
    language = request.args.get("in", "all")
    language = language if language in SEARCH_LANGS else "all"
    kind = request.args.get("kind") or None
    number = _int("page", 1, 1, 10_000)
    results = None
    if text:
        results = indexes().search(text, langs=SEARCH_LANGS[language], display_lang=lang, kind=kind,
                                   limit=PER_PAGE, offset=(number - 1) * PER_PAGE)

    def link(**changes) -> str:
        params = {"q": text, "in": language if language != "all" else None, "kind": kind}
        params.update(changes)
        return url_for("search.page") + "?" + urlencode({k: v for k, v in params.items() if v})

    pages = max(1, -(-results.total // PER_PAGE)) if results else 1
    return render_template("search.html", q=text, language=language, kind=kind, results=results, page=number,
                           pages=pages, link=link, kind_label=lambda k: kind_label(k, lang),
                           release=context.store().release)


@blueprint.get("/api/search")
def api():
    text = request.args.get("q", "").strip()
    language = request.args.get("lang", "all")
    if language not in SEARCH_LANGS:
        language = "all"
    display = language if language in ("fi", "en") else "fi"
    limit = _int("limit", PER_PAGE, 1, MAX_LIMIT)
    offset = _int("offset", 0, 0, 1_000_000)
    kind = request.args.get("kind") or None
    if not text:
        return jsonify({"error": "Bad Request", "message": "Give the query as ?q=…", "status": 400}), 400
    results = indexes().search(text, langs=SEARCH_LANGS[language], display_lang=display, kind=kind,
                               limit=limit, offset=offset)
    ns = context.namespaces()
    response = jsonify({
        "query": results.query,
        "lang": language,
        "total": results.total,
        "offset": offset,
        "limit": limit,
        "relaxed": results.relaxed,
        # true when a very common word had its ranking drawn from each kind's most prominent matches
        # (docs/search.md); the total and the counts per kind are exact either way
        "ranking_capped": results.capped,
        "kinds": results.kinds,
        "hits": [{
            "iri": hit.iri,
            "url": request.host_url.rstrip("/") + entity_url(hit.iri) if hit.iri.startswith(ns.base) else hit.iri,
            "label": hit.label,
            "label_html": str(hit.label_html),
            "type": kind_label(hit.kind, display),
            "kind": hit.kind,
            "snippet": hit.snippet,
            "snippet_html": str(hit.snippet_html),
            "also_html": [str(a) for a in hit.also],
            "score": hit.score,
        } for hit in results.hits],
    })
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
