"""Listings with facets, sorting and paging (`/projects`, `/organisations`, …), as HTML, CSV and JSON-LD.

Everything comes from the release's precomputed index (hankegraafi.indexes), never from a live
aggregate on the store. Facet values travel in the URL as compact IRIs (`region=region:kainuu`), so
every state of a listing is a link that works without JavaScript.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..indexes import IndexUnavailable, Indexes, open_release
from ..indexes.listings import LISTINGS, PER_PAGE, Export, Listing, Page, Row
from ..namespaces import Namespaces
from . import context
from .i18n import current_language

blueprint = Blueprint("browse", __name__)

SORT_LABELS = {
    "label": ("Nimi A–Ö", "Name A–Z"), "-label": ("Nimi Ö–A", "Name Z–A"),
    "start": ("Alkaa (vanhin ensin)", "Start (earliest first)"), "-start": ("Alkaa (uusin ensin)", "Start (latest first)"),
    "end": ("Päättyy (aikaisin ensin)", "End (earliest first)"), "-end": ("Päättyy (myöhäisin ensin)", "End (latest first)"),
    "-amount": ("Rahoitus (suurin ensin)", "Funding (largest first)"),
    "amount": ("Rahoitus (pienin ensin)", "Funding (smallest first)"),
    "-count": ("Hankkeita (eniten ensin)", "Projects (most first)"),
    "count": ("Hankkeita (vähiten ensin)", "Projects (fewest first)"),
}


def indexes() -> Indexes:
    """The index of the release being served (503 when the release has none)."""
    try:
        return open_release(context.store().current_path())
    except IndexUnavailable as error:
        abort(503, description=str(error))


# ---------------------------------------------------------------------- IRIs in URLs and links

def compact(iri: str, ns: Namespaces | None = None) -> str:
    """`https://…/id/region/kainuu` -> `region:kainuu` (longest matching prefix); others unchanged."""
    ns = ns or context.namespaces()
    best = max(((p, b) for p, b in ns.prefixes().items() if iri.startswith(b)), key=lambda pb: len(pb[1]),
               default=None)
    if best:
        rest = iri[len(best[1]):]
        if rest and not any(c in rest for c in "/#?"):
            return f"{best[0]}:{rest}"
    return iri


def expand(value: str, ns: Namespaces | None = None) -> str:
    ns = ns or context.namespaces()
    prefix, colon, rest = value.partition(":")
    if colon and not rest.startswith("//") and prefix in ns.prefixes():
        return ns.prefixes()[prefix] + rest
    return value


def entity_url(iri: str) -> str:
    """Where the site shows an IRI: its path on this server when it is under the base, else the IRI."""
    base = context.namespaces().base
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return iri


@blueprint.app_template_filter("browse_url")
def _browse_url(iri: str) -> str:
    return entity_url(iri)


# ---------------------------------------------------------------------- request state

def _selection(listing: Listing) -> dict[str, list[str]]:
    return {f.name: [expand(v) for v in request.args.getlist(f.name)] for f in listing.facets()
            if request.args.getlist(f.name)}


def _int(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


class Links:
    """URLs of the listing with one thing changed (a facet value added or removed, another page …)."""

    def __init__(self, listing: Listing, page: Page):
        self.listing = listing
        self.page = page

    def _params(self, selection: dict[str, list[str]], **extra) -> list[tuple[str, str]]:
        params = [(name, compact(v)) for name, values in selection.items() for v in values]
        if self.page.sort != "label":
            params.append(("sort", self.page.sort))
        if self.page.per != PER_PAGE[1]:
            params.append(("per", str(self.page.per)))
        for key, value in extra.items():
            params = [(k, v) for k, v in params if k != key]
            if value is not None:
                params.append((key, str(value)))
        return params

    def url(self, endpoint: str | None = None, selection=None, **extra) -> str:
        selection = self.page.selection if selection is None else selection
        query = urlencode(self._params(selection, **extra))
        return url_for(endpoint or f"browse.{self.listing.name}") + (f"?{query}" if query else "")

    def add(self, name: str, value: str) -> str:
        selection = {k: list(v) for k, v in self.page.selection.items()}
        selection.setdefault(name, []).append(value)
        return self.url(selection=selection)

    def remove(self, name: str, value: str) -> str:
        selection = {k: [v for v in vs if not (k == name and v == value)] for k, vs in self.page.selection.items()}
        return self.url(selection={k: v for k, v in selection.items() if v})

    def clear(self) -> str:
        return self.url(selection={})

    def goto(self, number: int) -> str:
        return self.url(page=number if number > 1 else None)

    def expand_facet(self, name: str) -> str:
        return self.url(all=name)

    def download(self, fmt: str) -> str:
        return self.url(endpoint=f"browse.{self.listing.name}_{fmt}", page=None)

    def hidden(self) -> list[tuple[str, str]]:
        """The selection as hidden form fields (for the sort form)."""
        return [(name, compact(v)) for name, values in self.page.selection.items() for v in values]


# ---------------------------------------------------------------------- views

def _page(listing: Listing) -> Page:
    expanded = tuple(request.args.getlist("all"))
    return indexes().listing(listing.name, _selection(listing), sort=request.args.get("sort", "label"),
                             page=_int("page", 1), per=_int("per", PER_PAGE[1]), lang=current_language(),
                             expanded=expanded)


def _export(listing: Listing) -> Export:
    return indexes().export(listing.name, _selection(listing), sort=request.args.get("sort", "label"),
                            lang=current_language())


def _html(listing: Listing):
    page = _page(listing)
    lang = current_language()
    return render_template(
        "list.html", listing=listing, page=page, links=Links(listing, page), lang_code=lang,
        title=listing.title[lang], sort_labels={k: v[0 if lang == "fi" else 1] for k, v in SORT_LABELS.items()},
        per_page=PER_PAGE, listings=LISTINGS.values(), release=context.store().release)


def _csv(listing: Listing):
    """The whole selection as CSV, streamed a batch of rows at a time."""
    rows = _export(listing)
    columns = listing.columns()
    header = ["iri", "label"]
    if listing.period:
        header += ["start", "end", "approximate"]
    for f in columns:
        header += [f.name, f"{f.name}_iri"]
    if listing.count_field:
        header.append("projects")
    if listing.amount:
        header.append("funding_eur")

    def line(row: Row) -> list:
        cells = [row.iri, row.label]
        if listing.period:
            cells += [row.start or "", row.end or "", "yes" if row.approximate else ""]
        for f in columns:
            values = row.fields.get(f.name, [])
            cells += ["; ".join(label for _, label in values), " ".join(v for v, _ in values)]
        if listing.count_field:
            cells.append(row.count if row.count is not None else 0)
        if listing.amount:
            cells.append(_plain_number(row.amount))
        return cells

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for batch in rows.batches:
            writer.writerows(line(row) for row in batch)
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    response = Response(lines(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{listing.name}.csv"'
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


def _plain_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


JSONLD_CONTEXT = {
    "schema": "https://schema.org/", "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/", "org": "http://www.w3.org/ns/org#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
_ITEMS = "\u0000items"  # where the streamed items go in the document's text


def _jsonld(listing: Listing):
    """The listing as a schema:ItemList of its entities (same filters and order as the page), streamed."""
    rows = _export(listing)
    ns = context.namespaces()
    conn = indexes().conn
    lang = current_language()
    document = {
        "@context": dict(JSONLD_CONTEXT, hg=ns.hg, hgv=ns.hgv),
        "@id": request.url,
        "@type": "schema:ItemList",
        "schema:name": listing.title[lang],
        "schema:numberOfItems": rows.total,
        "schema:itemListElement": {"@list": _ITEMS},
    }
    head, tail = json.dumps(document, ensure_ascii=False, indent=1).split(json.dumps(_ITEMS))

    def item(row: Row, texts) -> dict:
        types = [listing.cls]
        found: dict = {"@id": row.iri}
        labels = [{"@value": texts[f"own_{lg}"], "@language": lg} for lg in ("fi", "en") if texts[f"own_{lg}"]]
        found["rdfs:label"] = labels or [{"@value": row.label}]
        descriptions = [{"@value": texts[f"desc_{lg}"], "@language": lg} for lg in ("fi", "en") if texts[f"desc_{lg}"]]
        if descriptions:
            found["dcterms:description"] = descriptions
        if listing.period and row.start:
            found["schema:startDate"] = {"@value": row.start, "@type": "xsd:date"}
        if listing.period and row.end:
            found["schema:endDate"] = {"@value": row.end, "@type": "xsd:date"}
        for f in listing.fields:
            values = row.fields.get(f.name, [])
            if not f.jsonld or not values:
                continue
            if f.jsonld == "@type":
                types += [compact(v, ns) for v, _ in values]
            else:
                found[f.jsonld] = [{"@id": v} for v, _ in values]
        found["@type"] = list(dict.fromkeys(types))
        return found

    def text():
        yield head + "["
        first = True
        for batch in rows.batches:
            own = {r["id"]: r for r in conn.execute(
                f"SELECT id, own_fi, own_en, desc_fi, desc_en FROM entity WHERE id IN ({','.join('?' * len(batch))})",
                [row.id for row in batch])}
            items = ",\n".join(json.dumps(item(row, own[row.id]), ensure_ascii=False) for row in batch)
            yield ("\n" if first else ",\n") + items
            first = False
        yield "\n]" + tail

    response = Response(text(), mimetype="application/ld+json")
    response.headers["Content-Disposition"] = f'inline; filename="{listing.name}.jsonld"'
    return response


def _register(listing: Listing) -> None:
    name = listing.name
    blueprint.add_url_rule(f"/{name}", name, lambda: _html(listing))
    blueprint.add_url_rule(f"/{name}.csv", f"{name}_csv", lambda: _csv(listing))
    blueprint.add_url_rule(f"/{name}.jsonld", f"{name}_jsonld", lambda: _jsonld(listing))


for _listing in LISTINGS.values():
    _register(_listing)

