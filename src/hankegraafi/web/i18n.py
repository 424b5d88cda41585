"""Interface language (fi/en): choice by ?lang=, cookie, then the browser's Accept-Language;
UI strings; dates and amounts formatted for the language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from flask import Flask, g, request

LANGUAGES = ("fi", "en")
DEFAULT = "fi"
COOKIE = "lang"

# UI strings; add keys in both languages
STRINGS: dict[str, dict[str, str]] = {
    "site.tagline": {
        "fi": "Suomen sosiaali- ja terveysalan kehittämishankkeiden tietoverkko",
        "en": "A knowledge graph of Finnish social- and health-care development projects",
    },
    "nav.home": {"fi": "Etusivu", "en": "Home"},
    "nav.sparql": {"fi": "SPARQL", "en": "SPARQL"},
    "nav.language": {"fi": "In English", "en": "Suomeksi"},
    "release": {"fi": "Julkaisu", "en": "Release"},
}

# linked data, entity pages, ontology documentation, VoID and dumps (web/linked_data.py and friends)
STRINGS.update({
    "nav.ontology": {"fi": "Ontologia", "en": "Ontology"},
    "nav.void": {"fi": "Aineiston kuvaus", "en": "Dataset description"},
    "ld.not_acceptable": {"fi": "Mitään pyydetyistä muodoista ei ole saatavilla. Saatavilla olevat muodot:",
                          "en": "None of the requested formats is available. Available formats:"},
    "ld.unknown_iri": {"fi": "Tästä aineistosta ei löydy tunnistetta {iri}.",
                       "en": "There is nothing about {iri} in this dataset."},
    "ld.query.statements": {"fi": "Tiedot ja lähteet SPARQL-kyselynä", "en": "Statements and sources as SPARQL"},
    "ld.query.roles": {"fi": "Roolit SPARQL-kyselynä", "en": "Roles as SPARQL"},
    "ld.query.describe": {"fi": "Tiedot CONSTRUCT-kyselynä", "en": "The data as a CONSTRUCT query"},
    "period.earliest": {"fi": "aikaisintaan {date}", "en": "{date} at the earliest"},
    "period.latest": {"fi": "viimeistään {date}", "en": "{date} at the latest"},
    "period.from": {"fi": "{date} alkaen", "en": "from {date}"},
    "period.until": {"fi": "{date} asti", "en": "until {date}"},
    "period.attested": {"fi": "todettu {date}", "en": "as of {date}"},
    "entity.iri": {"fi": "Tunniste (IRI)", "en": "Identifier (IRI)"},
    "entity.types": {"fi": "Tyyppi", "en": "Type"},
    "entity.alt": {"fi": "Myös", "en": "Also"},
    "entity.data": {"fi": "Tiedot koneluettavina", "en": "Machine-readable data"},
    "entity.download": {"fi": "Lataa", "en": "Download"},
    "entity.show_sparql": {"fi": "Näytä SPARQL-kyselynä", "en": "Show as SPARQL"},
    "entity.roles": {"fi": "Roolit ajassa", "en": "Roles over time"},
    "entity.budgets": {"fi": "Budjetti ja rahoitus", "en": "Budget and funding"},
    "entity.statements": {"fi": "Kaikki tiedot", "en": "All statements"},
    "entity.property": {"fi": "Ominaisuus", "en": "Property"},
    "entity.values": {"fi": "Arvot ja lähteet", "en": "Values and sources"},
    "entity.inferred": {"fi": "Päätellyt tiedot ({n})", "en": "Inferred statements ({n})"},
    "entity.inferred.help": {"fi": "Koosteen ontologian aksioomista päättelemät tiedot.",
                             "en": "What the build inferred from the ontology's axioms."},
    "entity.incoming": {"fi": "Viittaukset tähän ({n})", "en": "Links to this ({n})"},
    "entity.incoming.inferred": {"fi": "Lisäksi {n} koosteen päättelemää viittausta (yläominaisuudet ja käänteiset), joita ei luetella.",
                                 "en": "Also {n} links the build inferred (superproperties and inverses), not listed."},
    "entity.incoming.none": {"fi": "Mikään ei viittaa tähän.", "en": "Nothing links here."},
    "entity.incoming.from": {"fi": "Viittaaja", "en": "From"},
    "entity.incoming.via": {"fi": "Ominaisuus", "en": "Via"},
    "entity.sources": {"fi": "Lähdedokumentit", "en": "Source documents"},
    "entity.sources.help": {"fi": "Tiedot on poimittu näistä dokumenteista; rivinumerot osoittavat kohdat, jotka kertovat tiedon.",
                            "en": "The facts come from these documents; the line numbers point at the passages that state them."},
    "entity.cited_lines": {"fi": "Viitatut rivit", "en": "Cited lines"},
    "entity.line": {"fi": "Rivi", "en": "Line"},
    "entity.cited_by": {"fi": "Tiedot, joiden lähde rivi on", "en": "Statements it is the source of"},
    "source.label": {"fi": "Lähde", "en": "Source"},
    "source.line": {"fi": "rivi", "en": "line"},
    "source.lines": {"fi": "rivit", "en": "lines"},
    "source.curation": {"fi": "ylläpidon lisäämä", "en": "added by curators"},
    "source.inferred": {"fi": "päätelty", "en": "inferred"},
    "source.ontology": {"fi": "ontologia", "en": "ontology"},
    "source.vocab": {"fi": "sanasto", "en": "vocabulary"},
    "source.shapes": {"fi": "SHACL-muodot", "en": "SHACL shapes"},
    "source.documents": {"fi": "dokumenttien kuvailu", "en": "document descriptions"},
    "source.release": {"fi": "julkaisun kuvailu", "en": "release description"},
    "source.contacts": {"fi": "yhteystiedot", "en": "contact details"},
    "source.other": {"fi": "muu graafi", "en": "other graph"},
    "sources.differ": {"fi": "Lähteet eroavat", "en": "Sources differ"},
    "budget.kind": {"fi": "Erä", "en": "Item"},
    "budget.amount": {"fi": "Summa", "en": "Amount"},
    "budget.period": {"fi": "Aika", "en": "Period"},
    "budget.funding": {"fi": "rahoitus", "en": "funding"},
    "budget.decision": {"fi": "rahoituspäätös", "en": "funding decision"},
    "budget.holder": {"fi": "budjetin haltija", "en": "held by"},
    "budget.funder": {"fi": "rahoittaja", "en": "funder"},
    "budget.decided_by": {"fi": "päättäjä", "en": "decided by"},
    "budget.scheme": {"fi": "ohjelma", "en": "scheme"},
    "budget.rounded": {"fi": "pyöristetty", "en": "rounded"},
    "role.on_behalf": {"fi": "edustaa", "en": "on behalf of"},
    "page.previous": {"fi": "Edellinen sivu", "en": "Previous page"},
    "page.next": {"fi": "Seuraava sivu", "en": "Next page"},
    "page.of": {"fi": "sivu {page}/{pages}", "en": "page {page} of {pages}"},
    "boolean.true": {"fi": "kyllä", "en": "yes"},
    "boolean.false": {"fi": "ei", "en": "no"},
    "ontology.classes": {"fi": "Luokat", "en": "Classes"},
    "ontology.properties": {"fi": "Ominaisuudet", "en": "Properties"},
    "ontology.term": {"fi": "Termi", "en": "Term"},
    "ontology.label": {"fi": "Nimi", "en": "Label"},
    "ontology.definition": {"fi": "Määritelmä", "en": "Definition"},
    "ontology.class": {"fi": "luokka", "en": "class"},
    "ontology.property": {"fi": "ominaisuus", "en": "property"},
    "ontology.superclasses": {"fi": "Yläluokat", "en": "Superclasses"},
    "ontology.superproperties": {"fi": "Yläominaisuudet", "en": "Superproperties"},
    "ontology.subclasses": {"fi": "Alaluokat", "en": "Subclasses"},
    "ontology.subproperties": {"fi": "Alaominaisuudet", "en": "Subproperties"},
    "ontology.alignments": {"fi": "Vastineet vakiosanastoissa", "en": "Alignments to standard vocabularies"},
    "ontology.equivalents": {"fi": "Määritelty rajoitteella", "en": "Defined by a restriction"},
    "ontology.domain": {"fi": "Määrittelyjoukko (domain)", "en": "Domain"},
    "ontology.range": {"fi": "Arvojoukko (range)", "en": "Range"},
    "ontology.inverse": {"fi": "Käänteisominaisuus", "en": "Inverse"},
    "ontology.with_domain": {"fi": "Ominaisuudet, joiden määrittelyjoukko on tämä luokka",
                             "en": "Properties whose domain is this class"},
    "ontology.with_range": {"fi": "Ominaisuudet, joiden arvojoukko on tämä luokka",
                            "en": "Properties whose range is this class"},
    "ontology.shacl": {"fi": "SHACL-rajoitteet", "en": "SHACL constraints"},
    "ontology.shacl.none": {"fi": "Ei rajoitteita.", "en": "No constraints."},
    "ontology.shape": {"fi": "Muoto", "en": "Shape"},
    "ontology.path": {"fi": "Polku", "en": "Path"},
    "ontology.constraint": {"fi": "Rajoitteet", "en": "Constraints"},
    "ontology.message": {"fi": "Viesti", "en": "Message"},
    "ontology.severity": {"fi": "Vakavuus", "en": "Severity"},
    "ontology.targets": {"fi": "Kohdeluokat", "en": "Target classes"},
    "ontology.usage": {"fi": "Käyttö", "en": "Usage"},
    "ontology.instances": {"fi": "{n} olentoa kuuluu tähän luokkaan (päätellyt mukaan lukien).",
                           "en": "{n} entities belong to this class (inferred ones included)."},
    "ontology.uses": {"fi": "{n} väitettä käyttää tätä ominaisuutta.", "en": "{n} statements use this property."},
    "ontology.notes": {"fi": "Huomautukset", "en": "Notes"},
    "ontology.licence": {"fi": "Lisenssi", "en": "Licence"},
    "ontology.version": {"fi": "Versio", "en": "Version"},
    "ontology.modified": {"fi": "Muokattu", "en": "Modified"},
    "ontology.types": {"fi": "Laji", "en": "Kind"},
    "void.title": {"fi": "Aineiston kuvaus (VoID)", "en": "Dataset description (VoID)"},
    "void.figures": {"fi": "Luvut", "en": "Figures"},
    "void.triples": {"fi": "kolmikkoja (yhdistetty graafi)", "en": "triples (merged graph)"},
    "void.entities": {"fi": "olentoja (tunnisteet id/-avaruudessa)", "en": "entities (IRIs in the id/ space)"},
    "void.subjects": {"fi": "eri subjekteja", "en": "distinct subjects"},
    "void.classes": {"fi": "luokkia", "en": "classes"},
    "void.properties": {"fi": "ominaisuuksia", "en": "properties"},
    "void.graphs": {"fi": "Nimetyt graafit", "en": "Named graphs"},
    "void.graph": {"fi": "Graafi", "en": "Graph"},
    "void.holds": {"fi": "Sisältö", "en": "What it holds"},
    "void.documents": {"fi": "Lähdedokumentit", "en": "Source documents"},
    "void.licence": {"fi": "Lisenssi", "en": "Licence"},
    "void.created": {"fi": "Koostettu", "en": "Built"},
    "void.release": {"fi": "Julkaisu", "en": "Release"},
    "void.dumps": {"fi": "Koko aineisto ladattavana", "en": "The whole dataset as a download"},
    "void.class": {"fi": "Luokka", "en": "Class"},
    "void.property": {"fi": "Ominaisuus", "en": "Property"},
    "void.count": {"fi": "Määrä", "en": "Count"},
    "void.sparql": {"fi": "SPARQL-palvelu", "en": "SPARQL endpoint"},
    "void.class_partitions": {"fi": "Olennot luokittain", "en": "Entities per class"},
    "void.property_partitions": {"fi": "Kolmikot ominaisuuksittain", "en": "Triples per property"},
    "dump.turtle": {"fi": "Turtle – yhdistetty graafi", "en": "Turtle – the merged graph"},
    "dump.trig": {"fi": "TriG – nimetyt graafit, lähteet mukana", "en": "TriG – named graphs, with provenance"},
    "dump.nquads": {"fi": "N-Quads – nimetyt graafit, lähteet mukana", "en": "N-Quads – named graphs, with provenance"},
    "dump.jsonld": {"fi": "JSON-LD – nimetyt graafit, lähteet mukana", "en": "JSON-LD – named graphs, with provenance"},
    "home.projects.more": {"fi": "Tässä {shown} viimeksi alkanutta {n} päätason hankkeesta: kaikki hankkeet",
                           "en": "The {shown} most recently started of {n} top-level projects: all projects"},
    "home.open_data": {"fi": "Avoin data", "en": "Open data"},
    "home.open_data.lead": {"fi": "Jokaisella hankkeella, organisaatiolla ja henkilöllä on pysyvä tunniste (IRI), joka avautuu tällä palvelimella sivuna tai tietoina (Turtle, JSON-LD, N-Triples, RDF/XML).",
                            "en": "Every project, organisation and person has a persistent identifier (IRI) that resolves on this server as a page or as data (Turtle, JSON-LD, N-Triples, RDF/XML)."},
    "home.context": {"fi": "JSON-LD-konteksti", "en": "JSON-LD context"},
    "graph.title": {"fi": "Graafi {name}", "en": "Graph {name}"},
    "graph.derived": {"fi": "Lähdedokumentti", "en": "Source document"},
    "graph.contents": {"fi": "Sisältö luokittain", "en": "Contents by class"},
    "graph.triples": {"fi": "{n} kolmikkoa", "en": "{n} triples"},
    "graph.download": {"fi": "Graafin sisältö ladattavana", "en": "The graph's contents as a download"},
})

# listings, facets, search and visualisations (web/browse.py, web/search.py, web/visualise.py)
STRINGS.update({
    "nav.projects": {"fi": "Hankkeet", "en": "Projects"},
    "nav.organisations": {"fi": "Organisaatiot", "en": "Organisations"},
    "nav.people": {"fi": "Henkilöt", "en": "People"},
    "nav.browse": {"fi": "Selaa", "en": "Browse"},
    "nav.search": {"fi": "Haku", "en": "Search"},
    "nav.visualise": {"fi": "Visualisoinnit", "en": "Visualisations"},
    "list.listings": {"fi": "Luettelot", "en": "Listings"},
    "list.count": {"fi": "{n} tulosta", "en": "{n} results"},
    "list.results": {"fi": "Tulokset", "en": "Results"},
    "list.jump": {"fi": "Siirry tuloksiin", "en": "Jump to the results"},
    "list.filters": {"fi": "Rajaa", "en": "Filter"},
    "list.selected": {"fi": "Valitut rajaukset", "en": "Selected filters"},
    "list.clear": {"fi": "Poista kaikki rajaukset", "en": "Clear all filters"},
    "list.remove": {"fi": "Poista rajaus", "en": "Remove filter"},
    "list.more": {"fi": "Näytä kaikki (vielä {n})", "en": "Show all ({n} more)"},
    "list.and_more": {"fi": "ja {n} muuta", "en": "and {n} more"},
    "list.sort": {"fi": "Järjestys", "en": "Sort by"},
    "list.per_page": {"fi": "Riviä sivulla", "en": "Rows per page"},
    "list.apply": {"fi": "Näytä", "en": "Show"},
    "list.download": {"fi": "Lataa tämä luettelo", "en": "Download this list"},
    "list.name": {"fi": "Nimi", "en": "Name"},
    "list.period": {"fi": "Aika", "en": "Period"},
    "list.funding": {"fi": "Rahoitus", "en": "Funding"},
    "list.approximate": {"fi": "arvioitu (rajoista tai ylemmästä hankkeesta)",
                         "en": "estimated (from bounds or the parent project)"},
    "list.none": {"fi": "Ei tuloksia.", "en": "No results."},
    "list.pages": {"fi": "Sivut", "en": "Pages"},
    "list.previous": {"fi": "Edellinen", "en": "Previous"},
    "list.next": {"fi": "Seuraava", "en": "Next"},
    "list.page_of": {"fi": "Sivu {page}/{pages}", "en": "Page {page} of {pages}"},
    "search.title": {"fi": "Haku", "en": "Search"},
    "search.label": {"fi": "Hakusanat", "en": "Search words"},
    "search.placeholder": {"fi": "esim. lastensuojelu, Kainuussa", "en": "e.g. child protection, Kainuu"},
    "search.help": {"fi": "Taivutetut muodot ja yhdyssanojen osat löytävät perusmuodon: ”lastensuojelun” ja "
                          "”suojelu” löytävät lastensuojeluhankkeet.",
                    "en": "Inflected forms and parts of compounds find the base form: “lastensuojelun” and "
                          "“suojelu” find child-protection projects."},
    "search.button": {"fi": "Hae", "en": "Search"},
    "search.in": {"fi": "Hakukieli", "en": "Search language"},
    "search.all_languages": {"fi": "suomi ja englanti", "en": "Finnish and English"},
    "search.finnish": {"fi": "suomi", "en": "Finnish"},
    "search.english": {"fi": "englanti", "en": "English"},
    "search.results": {"fi": "{n} osumaa haulle ”{q}”", "en": "{n} results for “{q}”"},
    "search.none": {"fi": "Ei osumia.", "en": "Nothing found."},
    "search.relaxed": {"fi": "Mikään ei sisältänyt kaikkia hakusanoja; tuloksissa on jokin niistä.",
                       "en": "Nothing had all the words; the results have some of them."},
    "search.kind": {"fi": "Rajaa tyypin mukaan", "en": "Filter by type"},
    "search.all_kinds": {"fi": "Kaikki", "en": "All"},
    "search.also": {"fi": "Osuma myös", "en": "Also matched"},
    "search.api": {"fi": "Haku JSON-rajapintana:", "en": "Search as a JSON API:"},
    "vis.title": {"fi": "Visualisoinnit", "en": "Visualisations"},
    "vis.data": {"fi": "Aineisto ja kyselyt", "en": "Data and queries"},
    "vis.download": {"fi": "Kuvan aineisto", "en": "The data"},
    "vis.queries": {"fi": "Kuvan SPARQL-kyselyt", "en": "The SPARQL queries behind this view"},
    "vis.open_editor": {"fi": "Avaa kyselyeditorissa", "en": "Open in the query editor"},
    "vis.table": {"fi": "Taulukkona", "en": "As a table"},
    "vis.truncated": {"fi": "Kuvassa on vain osa; taulukossa ja latauksissa on kaikki.",
                      "en": "The chart shows a part; the table and downloads have everything."},
    "vis.table_truncated": {"fi": "Taulukoissa on vain ensimmäiset rivit; latauksissa on kaikki.",
                            "en": "The tables show the first rows only; the downloads have everything."},
    "vis.no_dates": {"fi": "ei tunnettua aikaa", "en": "no known period"},
    "vis.timeline.caption": {"fi": "{n} hanketta ja roolia, joiden aika tunnetaan. Sininen: hanke, ruskea: rooli; "
                                   "vaalea: aika arvioitu.",
                             "en": "{n} projects and roles with a known period. Blue: project, brown: role; "
                                   "pale: estimated period."},
    "vis.network.caption": {"fi": "Ympyrä: organisaatio, neliö: hanke. Vedä, vieritä ja napsauta avataksesi.",
                            "en": "Circle: organisation, square: project. Drag, scroll, click to open."},
    "vis.network.pairs": {"fi": "Kuka tekee yhteistyötä kenen kanssa", "en": "Who works with whom"},
    "vis.network.members": {"fi": "Organisaatiot ja niiden hankkeet", "en": "Organisations and their projects"},
    "vis.funding.schemes": {"fi": "Rahoitus rahoitusohjelmittain", "en": "Funding per scheme"},
    "vis.funding.projects": {"fi": "Rahoitus hankkeittain ja rahoittajittain", "en": "Funding per project and funder"},
    "vis.funding.budgets": {"fi": "Budjetit lähteittäin", "en": "Budgets as each source states them"},
    "vis.table.items": {"fi": "rivit", "en": "rows"},
    "vis.table.links": {"fi": "yhteydet", "en": "links"},
    "vis.table.pairs": {"fi": "organisaatioparit", "en": "organisation pairs"},
    "vis.table.schemes": {"fi": "ohjelmat", "en": "schemes"},
    "vis.table.projects": {"fi": "hankkeet", "en": "projects"},
    "vis.table.budgets": {"fi": "budjetit", "en": "budgets"},
    "vis.col.project_or_role": {"fi": "Hanke tai rooli", "en": "Project or role"},
    "vis.col.organisation": {"fi": "Organisaatio", "en": "Organisation"},
    "vis.col.partner": {"fi": "Kumppani", "en": "Partner"},
    "vis.col.through": {"fi": "Yhteiset hankkeet", "en": "Shared projects"},
    "vis.col.projects_roles": {"fi": "Hankkeet (roolit)", "en": "Projects (roles)"},
    "vis.col.scheme": {"fi": "Rahoitusohjelma", "en": "Funding scheme"},
    "vis.col.total": {"fi": "Yhteensä", "en": "Total"},
    "vis.col.fundings": {"fi": "Rahoituksia", "en": "Fundings"},
    "vis.col.project": {"fi": "Hanke", "en": "Project"},
    "vis.col.funder": {"fi": "Rahoittaja", "en": "Funder"},
    "vis.col.amount": {"fi": "Summa", "en": "Amount"},
    "vis.col.type": {"fi": "Laji", "en": "Kind"},
    "vis.col.holder": {"fi": "Budjetin haltija", "en": "Held by"},
    "vis.col.source": {"fi": "Lähde", "en": "Source"},
})


def choose_language() -> str:
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    if "lang" not in g:
        g.lang = choose_language()
    return g.lang


def translate(key: str, lang: str | None = None) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(lang or current_language()) or entry.get(DEFAULT) or key


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: str | date, lang: str | None = None) -> str:
    """1.8.2024 in Finnish, 1 Aug 2024 in English; other values (years, text) unchanged."""
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    if (lang or current_language()) == "fi":
        return f"{parsed.day}.{parsed.month}.{parsed.year}"
    return f"{parsed.day} {_MONTHS_EN[parsed.month - 1]} {parsed.year}"


def format_amount(value, lang: str | None = None, currency: str = "€") -> str:
    """356 164 € in Finnish (no-break spaces), €356,164 in English; decimals kept when present."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    decimals = 0 if number == number.to_integral_value() else 2
    text = f"{number:,.{decimals}f}"
    if (lang or current_language()) == "fi":
        text = text.replace(",", "\u00a0").replace(".", ",")
        return f"{text}\u00a0{currency}"
    return f"{currency}{text}"


def switch_language_url(target: str | None = None) -> str:
    """The current page in the other (or the given) language: same path, other parameters kept."""
    target = target or ("en" if current_language() == "fi" else "fi")
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", target)]
    return request.script_root + request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=translate, lang=current_language, languages=LANGUAGES,
                                 switch_language_url=switch_language_url)
    app.jinja_env.filters.update(date=format_date, amount=format_amount)

    @app.after_request
    def remember(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
        response.vary.add("Accept-Language")
        return response
