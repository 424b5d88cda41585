"""Listings with facets: what each listing holds, computed at build time, queried at request time.

A listing is a set of entities (`members`, a SPARQL pattern binding ?e) with fields. A field is a
SPARQL pattern binding ?e and ?v (or, for years, the dated things ?x whose periods give the years);
its values are stored per entity in the `facet` table. Facet fields can be selected; selections
combine with AND, across facets and within one (every selected value narrows the list), and a
value's count is the number of entities the list would have with that value added. Counts are
GROUP BYs over the precomputed table, so they stay fast where the same query on Oxigraph would not.

Funding follows the project hierarchy: a sub-project counts as funded by its parent's funders and
schemes, and a scheme includes its sub-schemes (and a fund the schemes it finances).
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import product
from typing import Iterator

from .db import Entities
from .extract import GraphData, en_sort_key, fi_sort_key, pairs_query


@dataclass(frozen=True)
class Field:
    name: str
    label: dict[str, str]
    pattern: str | None = None       # binds ?e and ?v
    years_of: str | None = None      # binds ?e and ?x: the years of ?x's period are the values
    kinds_of: str | None = None      # "self", or a field of organisations: their kinds are the values
    facet: bool = True               # selectable in the sidebar
    column: bool = True              # shown in the table and the CSV
    jsonld: str | None = None        # property in the JSON-LD export (None: not exported as a property)


@dataclass(frozen=True)
class Listing:
    name: str
    kind: str
    members: str
    cls: str
    title: dict[str, str]
    fields: tuple[Field, ...]
    amount: str | None = None        # binds ?e, ?f (a funding) and ?amount
    count_field: str | None = None   # the field whose number of values is the listing's count
    count_label: dict[str, str] = field(default_factory=dict)
    sorts: tuple[str, ...] = ("label", "-label")
    period: bool = False             # show the period column

    def facets(self) -> list[Field]:
        return [f for f in self.fields if f.facet]

    def columns(self) -> list[Field]:
        return [f for f in self.fields if f.column]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _l(fi: str, en: str) -> dict[str, str]:
    return {"fi": fi, "en": en}


YEAR = _l("Vuosi (käynnissä)", "Year active")
FUNDED_PROJECT = "?q hg:subProjectOf* ?p . ?f a hg:Funding ; schema:fundedItem ?p"
SCHEME_BELOW = "?s (hg:subSchemeOf|hg:fundedFrom)* ?e ."

LISTINGS: dict[str, Listing] = {listing.name: listing for listing in (
    Listing(
        "projects", "project", "?e a hg:Project .", "hg:Project", _l("Hankkeet", "Projects"),
        fields=(
            Field("type", _l("Hanketyyppi", "Project type"), "?e hg:projectType ?v .", jsonld="hg:projectType"),
            Field("lead", _l("Päätoteuttaja, hallinnoija tai koordinoija", "Lead, administrator or coordinator"),
                  "?m hg:inProject ?e ; hg:role ?r ; hg:agent ?v . "
                  "VALUES ?r { hgv:role-lead-implementer hgv:role-administrator hgv:role-coordinator }",
                  facet=False),
            Field("funder", _l("Rahoittaja", "Funder"),
                  "?e hg:subProjectOf* ?p . ?f a hg:Funding ; schema:fundedItem ?p ; schema:funder ?v .",
                  jsonld="schema:funder"),
            Field("scheme", _l("Rahoitusohjelma", "Funding scheme"),
                  "?e hg:subProjectOf* ?p . ?f a hg:Funding ; schema:fundedItem ?p ; hg:fundingScheme ?s . "
                  "?s (hg:subSchemeOf|hg:fundedFrom)* ?v .", column=False),
            Field("region", _l("Alue", "Region"), "?e hg:targetRegion ?v .", jsonld="hg:targetRegion"),
            Field("organisation", _l("Organisaatio", "Organisation"),
                  "?m hg:inProject ?e ; hg:agent ?v . ?v a hg:Organisation .", column=False),
            Field("orgkind", _l("Organisaation laji", "Organisation kind"), kinds_of="organisation", column=False),
            Field("theme", _l("Teema", "Theme"),
                  "?e dcterms:subject ?t . ?t skos:broader* ?v . ?v skos:inScheme hgv:themes .", column=False),
            Field("subject", _l("Aihe", "Subject"), "?e dcterms:subject ?v .", facet=False, column=False,
                  jsonld="dcterms:subject"),
            Field("parent", _l("Osa hanketta", "Part of"), "?e hg:subProjectOf ?v .", facet=False, column=False,
                  jsonld="hg:subProjectOf"),
            Field("year", YEAR, years_of="BIND(?e AS ?x)", column=False),
        ),
        amount="?f a hg:Funding ; schema:fundedItem ?e ; schema:amount/schema:value ?amount .",
        sorts=("label", "-label", "start", "-start", "end", "-end", "-amount", "amount"),
        period=True,
    ),
    Listing(
        "organisations", "organisation", "?e a hg:Organisation .", "hg:Organisation",
        _l("Organisaatiot", "Organisations"),
        fields=(
            Field("orgkind", _l("Organisaation laji", "Organisation kind"), kinds_of="self", jsonld="@type"),
            Field("parent", _l("Osa organisaatiota", "Unit of"), "?e org:unitOf ?v .", facet=False,
                  jsonld="org:unitOf"),
            Field("role", _l("Rooli hankkeessa", "Role in a project"), "?m hg:agent ?e ; hg:role ?v ."),
            Field("project", _l("Hankkeet", "Projects"), "?m hg:agent ?e ; hg:inProject ?v ."),
            Field("region", _l("Alue", "Region"),
                  "{ ?e schema:areaServed ?v } UNION { ?m hg:agent ?e ; hg:inProject ?p . ?p hg:targetRegion ?v }",
                  column=False),
            Field("funder", _l("Hankkeiden rahoittaja", "Funder of its projects"),
                  f"?m hg:agent ?e ; hg:inProject ?q . {FUNDED_PROJECT} ; schema:funder ?v .", column=False),
            Field("year", YEAR, years_of="?x hg:agent ?e .", column=False),
        ),
        count_field="project", count_label=_l("Hankkeita", "Projects"),
        sorts=("label", "-label", "-count", "count"),
    ),
    Listing(
        "people", "person", "?e a hg:Person .", "hg:Person", _l("Henkilöt", "People"),
        fields=(
            Field("role", _l("Rooli hankkeessa", "Role in a project"), "?m hg:agent ?e ; hg:role ?v ."),
            Field("organisation", _l("Organisaatio", "Organisation"),
                  "{ ?m hg:agent ?e ; hg:onBehalfOf ?v } UNION { ?pos hg:holder ?e ; hg:inOrganisation ?v }"),
            Field("orgkind", _l("Organisaation laji", "Organisation kind"), kinds_of="organisation", column=False),
            Field("project", _l("Hankkeet", "Projects"), "?m hg:agent ?e ; hg:inProject ?v ."),
            Field("region", _l("Hankkeiden alue", "Region of their projects"),
                  "?m hg:agent ?e ; hg:inProject ?p . ?p hg:targetRegion ?v .", column=False),
            Field("year", YEAR, years_of="?x hg:agent ?e .", column=False),
        ),
        count_field="project", count_label=_l("Hankkeita", "Projects"),
        sorts=("label", "-label", "-count", "count"),
    ),
    Listing(
        "schemes", "scheme", "?e a hg:FundingScheme .", "hg:FundingScheme", _l("Rahoitusohjelmat", "Funding schemes"),
        fields=(
            Field("level", _l("Taso", "Level"), "?e hg:schemeLevel ?v .", jsonld="hg:schemeLevel"),
            Field("parent", _l("Osa ohjelmaa", "Part of"), "?e hg:subSchemeOf ?v .", facet=False,
                  jsonld="hg:subSchemeOf"),
            Field("fund", _l("Rahasto", "Fund"), "?e hg:fundedFrom ?v .", facet=False, jsonld="hg:fundedFrom"),
            Field("funder", _l("Rahoittaja", "Funder"),
                  f"?f a hg:Funding ; hg:fundingScheme ?s ; schema:funder ?v . {SCHEME_BELOW}"),
            Field("project", _l("Rahoitetut hankkeet", "Funded projects"),
                  f"?f a hg:Funding ; hg:fundingScheme ?s ; schema:fundedItem ?v . {SCHEME_BELOW}", facet=False),
            Field("region", _l("Hankkeiden alue", "Region of its projects"),
                  f"?f a hg:Funding ; hg:fundingScheme ?s ; schema:fundedItem ?p . {SCHEME_BELOW} "
                  "?q hg:subProjectOf* ?p . ?q hg:targetRegion ?v .", column=False),
            Field("year", YEAR, years_of=f"?f a hg:Funding ; hg:fundingScheme ?s ; schema:fundedItem ?p . "
                                         f"{SCHEME_BELOW} ?x hg:subProjectOf* ?p .", column=False),
        ),
        amount=f"?f a hg:Funding ; hg:fundingScheme ?s ; schema:amount/schema:value ?amount . {SCHEME_BELOW}",
        count_field="project", count_label=_l("Hankkeita", "Projects"),
        sorts=("label", "-label", "-amount", "amount", "-count", "count"),
    ),
    Listing(
        "regions", "region", "?e a hg:Region .", "hg:Region", _l("Alueet", "Regions"),
        fields=(
            Field("rtype", _l("Aluetyyppi", "Region type"), "?e hg:regionType ?v .", jsonld="hg:regionType"),
            Field("project", _l("Hankkeet", "Projects"), "?v hg:targetRegion ?e .", facet=False),
            Field("organisation", _l("Alueen organisaatiot", "Organisations serving it"),
                  "?v schema:areaServed ?e .", facet=False),
            Field("funder", _l("Hankkeiden rahoittaja", "Funder of its projects"),
                  f"?q hg:targetRegion ?e . {FUNDED_PROJECT} ; schema:funder ?v .", column=False),
            Field("theme", _l("Hankkeiden teema", "Theme of its projects"),
                  "?p hg:targetRegion ?e ; dcterms:subject ?t . ?t skos:broader* ?v . ?v skos:inScheme hgv:themes .",
                  column=False),
            Field("year", YEAR, years_of="?x hg:targetRegion ?e .", column=False),
        ),
        count_field="project", count_label=_l("Hankkeita", "Projects"),
        sorts=("label", "-label", "-count", "count"),
    ),
    Listing(
        "themes", "theme", "?e skos:inScheme hgv:themes .", "skos:Concept", _l("Teemat", "Themes"),
        fields=(
            Field("broader", _l("Yläkäsite", "Broader theme"), "?e skos:broader+ ?v .", facet=True),
            Field("direct-broader", _l("Yläkäsite", "Broader theme"), "?e skos:broader ?v .", facet=False,
                  column=False, jsonld="skos:broader"),
            Field("project", _l("Hankkeet", "Projects"),
                  "?v dcterms:subject ?t . ?t skos:broader* ?e . ?v a hg:Project .", facet=False),
            Field("region", _l("Hankkeiden alue", "Region of its projects"),
                  "?p dcterms:subject ?t . ?t skos:broader* ?e . ?p a hg:Project ; hg:targetRegion ?v .",
                  column=False),
            Field("year", YEAR, years_of="?x dcterms:subject ?t . ?t skos:broader* ?e . ?x a hg:Project .",
                  column=False),
        ),
        count_field="project", count_label=_l("Hankkeita", "Projects"),
        sorts=("label", "-label", "-count", "count"),
    ),
)}


# ====================================================================== build time

def queries() -> list[str]:
    """The SELECTs (without prologue) `write` asks GraphData for, in order (to evaluate them ahead)."""
    found = []
    for listing in LISTINGS.values():
        found.append(_members_query(listing))
        found += [pairs_query(_field_pattern(listing, f)) for f in listing.fields if f.pattern or f.years_of]
        if listing.amount:
            found.append(_amount_query(listing))
    return found


def _members_query(listing: Listing) -> str:
    return f"SELECT DISTINCT ?e WHERE {{ {listing.members} }}"


def _field_pattern(listing: Listing, f: Field) -> str:
    """The pattern binding ?e (a member) and ?v (a value of the field; for years, a dated item)."""
    if f.pattern:
        return f"{listing.members} {f.pattern}"
    return f"{listing.members} {f.years_of} BIND(?x AS ?v)"


def _amount_query(listing: Listing) -> str:
    return f"SELECT DISTINCT ?e ?f ?amount WHERE {{ {listing.members} {listing.amount} }}"


def write(conn: sqlite3.Connection, data: GraphData, entities: Entities) -> dict[str, int]:
    """Compute every listing's members and field values into the index; returns members per listing."""
    sizes = {}
    values: set[str] = set()
    for listing in LISTINGS.values():
        members = [e.value for (e,) in data.select(_members_query(listing))
                   if e is not None and e.value.startswith(("http://", "https://"))]
        ids = {iri: entities.id(iri, listing.kind, listing.name) for iri in members}
        sizes[listing.name] = len(ids)
        per_field: dict[str, dict[int, set[str]]] = {}
        for f in listing.fields:
            found: dict[int, set[str]] = defaultdict(set)
            if f.pattern:
                for e, v in data.pairs(_field_pattern(listing, f)):
                    if e in ids:
                        found[ids[e]].add(v)
            elif f.years_of:
                for e, x in data.pairs(_field_pattern(listing, f)):
                    if e in ids:
                        found[ids[e]].update(str(y) for y in data.years(x))
            elif f.kinds_of:
                found = _organisation_kinds(data, ids, per_field.get(f.kinds_of))
            per_field[f.name] = found
            conn.executemany("INSERT OR IGNORE INTO facet(entity, field, value) VALUES (?,?,?)",
                             ((entity, f.name, v) for entity, vs in found.items() for v in vs))
            for vs in found.values():
                values |= vs
        if listing.count_field:
            counts = per_field.get(listing.count_field, {})
            conn.executemany("UPDATE entity SET count = ? WHERE id = ?",
                             ((len(counts.get(i, ())), i) for i in ids.values()))
        if listing.amount:
            per_funding: dict[str, dict[str, float]] = defaultdict(dict)
            for e, f, amount in data.select(_amount_query(listing)):
                try:
                    number = float(amount.value)
                except (TypeError, ValueError):
                    continue
                if e.value in ids and math.isfinite(number):
                    # documents that state one funding's amount differently: the larger figure
                    previous = per_funding[e.value].get(f.value)
                    per_funding[e.value][f.value] = number if previous is None else max(previous, number)
            conn.executemany("UPDATE entity SET amount = ? WHERE id = ?",
                             ((sum(fs.values()), ids[e]) for e, fs in per_funding.items()))
    for listing in LISTINGS.values():
        _write_counts(conn, listing)
    conn.executemany(
        "INSERT OR REPLACE INTO term(value, label_fi, label_en, sort_fi, sort_en) VALUES (?,?,?,?,?)",
        ((v, data.label(v, "fi"), data.label(v, "en"), fi_sort_key(data.label(v, "fi")),
          en_sort_key(data.label(v, "en"))) if not v.isdigit() else (v, v, v, v, v) for v in values))
    return sizes


def _write_counts(conn, listing: Listing) -> None:
    """The facet counts of the unfiltered listing (its most visited page), and those of the listing
    filtered by one value, for values with at least PAIR_MIN entities: the first click on a big facet
    value would otherwise count every facet row of its entities. Filtered counts only for fields of at
    most PAIR_FIELD_VALUES values (a field with a value per project, such as the people listing's
    projects, would multiply the table); _facets counts the others on request.

    Counted in Python over one scan of the listing's facet rows, an entity at a time: a GROUP BY per
    big value took SQLite 40 s at 100 000 projects."""
    names = [f.name for f in listing.facets()]
    rows_of = _facet_rows_per_entity(conn, listing, names)
    counts = Counter(item for items in rows_of for item in items)
    conn.executemany("INSERT INTO facet_count(listing, field, value, n) VALUES (?,?,?,?)",
                     ((listing.name, f, v, n) for (f, v), n in counts.items()))
    values_per_field = Counter(f for f, _ in counts)
    small = {f for f, n in values_per_field.items() if n <= PAIR_FIELD_VALUES}
    big = {item for item, n in counts.items() if n >= PAIR_MIN}
    if not big or not small:
        return
    pairs: Counter = Counter()
    for items in rows_of:
        pairs.update(product([i for i in items if i in big], [i for i in items if i[0] in small]))
    conn.executemany("INSERT INTO facet_pair_count(listing, field, value, field2, value2, n) VALUES (?,?,?,?,?,?)",
                     ((listing.name, f, v, f2, v2, n) for ((f, v), (f2, v2)), n in pairs.items()))


def _facet_rows_per_entity(conn, listing: Listing, names: list[str]) -> list[list[tuple[str, str]]]:
    """The (field, value) facet rows of each entity in the listing."""
    marks = ",".join("?" * len(names))
    rows = conn.execute(f"SELECT f.entity, f.field, f.value FROM entity e CROSS JOIN facet f ON f.entity = e.id "
                        f"WHERE e.listing = ? AND f.field IN ({marks})", [listing.name, *names])
    per_entity: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for entity, f, v in rows:
        per_entity[entity].append((f, v))
    return list(per_entity.values())


def _pair_fields(conn, listing: Listing, names: list[str]) -> list[str]:
    """The listing's facet fields whose counts are precomputed per big value (few distinct values)."""
    marks = ",".join("?" * len(names))
    return [name for name, n in conn.execute(
        f"SELECT field, COUNT(*) FROM facet_count WHERE listing = ? AND field IN ({marks}) GROUP BY field",
        [listing.name, *names]) if n <= PAIR_FIELD_VALUES]


def _organisation_kinds(data: GraphData, ids: dict[str, int], organisations: dict[int, set[str]] | None
                        ) -> dict[int, set[str]]:
    """The kinds (subclasses of hg:Organisation) of each entity's organisations, or of the entity itself.

    Joined here rather than in SPARQL: `?o a ?kind . ?kind rdfs:subClassOf …` inside a UNION took
    Oxigraph minutes on 10 000 projects."""
    if organisations is None:
        organisations = {i: {iri} for iri, i in ids.items()}
    return {entity: found for entity, orgs in organisations.items()
            if (found := {k for org in orgs for k in data.kinds.get(org, ())})}


# ====================================================================== request time

PER_PAGE = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
EXPORT_BATCH = 500  # rows of a whole-listing download held in memory at a time
FACET_VALUES_SHOWN = 12
PAIR_MIN = 1000  # facet values with this many entities get their filtered facet counts precomputed
PAIR_FIELD_VALUES = 2000


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetGroup:
    field: Field
    values: list[FacetValue]
    selected: list[FacetValue]
    more: int = 0


@dataclass
class Row:
    id: int
    iri: str
    label: str
    start: str | None
    end: str | None
    approximate: bool
    amount: float | None
    count: int | None
    description: str | None
    fields: dict[str, list[tuple[str, str]]]


@dataclass
class Page:
    listing: Listing
    total: int
    rows: list[Row]
    facets: list[FacetGroup]
    selection: dict[str, list[str]]
    sort: str
    page: int
    per: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per))


def clean_selection(listing: Listing, selection: dict[str, list[str]]) -> dict[str, list[str]]:
    """Only the listing's facet fields, each value once, in the order given."""
    names = {f.name for f in listing.facets()}
    cleaned: dict[str, list[str]] = {}
    for name, values in selection.items():
        if name in names:
            unique = list(dict.fromkeys(v for v in values if v))
            if unique:
                cleaned[name] = unique
    return cleaned


def _matching(listing: Listing, selection: dict[str, list[str]]) -> tuple[str, list]:
    """SQL for the ids of the listing's entities that have every selected value (driven by the facet
    table's (field, value) key, so a rare value is cheap however long the listing)."""
    pairs = [(name, value) for name, values in selection.items() for value in values]
    if not pairs:
        return "SELECT id FROM entity WHERE listing = ?", [listing.name]
    sql, params = "SELECT f0.entity AS id FROM facet f0", []
    for number, (name, value) in enumerate(pairs[1:], start=1):
        sql += f" JOIN facet f{number} ON f{number}.field = ? AND f{number}.value = ? AND f{number}.entity = f0.entity"
        params += [name, value]
    sql += " JOIN entity e ON e.id = f0.entity WHERE f0.field = ? AND f0.value = ? AND e.listing = ?"
    return sql, params + [*pairs[0], listing.name]


def _order(sort: str, lang: str) -> str:
    key = "sort_fi" if lang == "fi" else "sort_en"
    descending = sort.startswith("-")
    column = {"label": key, "start": "start", "end": '"end"', "amount": "amount", "count": "count"}[sort.lstrip("-")]
    direction = "DESC" if descending else "ASC"
    if column == key:
        return f"{key} {direction}, iri"
    return f"{column} IS NULL, {column} {direction}, {key}, iri"


def query(conn: sqlite3.Connection, listing: Listing, selection: dict[str, list[str]], sort: str = "label",
          page: int = 1, per: int = DEFAULT_PER_PAGE, lang: str = "fi", expanded: tuple[str, ...] = ()) -> Page:
    """One page of a listing with facet counts for the selection."""
    selection = clean_selection(listing, selection)
    sort = sort if sort in listing.sorts else "label"
    per = per if per in PER_PAGE else DEFAULT_PER_PAGE
    matching, params = _matching(listing, selection)
    total = conn.execute(f"SELECT COUNT(*) FROM ({matching})", params).fetchone()[0]
    pages = max(1, math.ceil(total / per))
    page = min(max(1, page), pages)
    entity_rows = conn.execute(
        f"SELECT * FROM entity WHERE id IN ({matching}) ORDER BY {_order(sort, lang)} "
        f"LIMIT {int(per)} OFFSET {int((page - 1) * per)}", params).fetchall()
    rows = _rows(conn, listing, entity_rows, lang)
    facets = _facets(conn, listing, selection, matching, params, lang, expanded)
    return Page(listing, total, rows, facets, selection, sort, page, per)


@dataclass
class Export:
    """All rows of a listing's selection, in batches, so that a download of the whole listing holds one
    batch in memory at a time, not the listing (the web streams it)."""

    total: int
    batches: Iterator[list[Row]]


def export(conn: sqlite3.Connection, listing: Listing, selection: dict[str, list[str]], sort: str = "label",
           lang: str = "fi", batch: int | None = None) -> Export:
    batch = batch or EXPORT_BATCH
    selection = clean_selection(listing, selection)
    sort = sort if sort in listing.sorts else "label"
    matching, params = _matching(listing, selection)
    ids = [row[0] for row in conn.execute(
        f"SELECT id FROM entity WHERE id IN ({matching}) ORDER BY {_order(sort, lang)}", params)]

    def batches() -> Iterator[list[Row]]:
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            found = {r["id"]: r for r in conn.execute(
                f"SELECT * FROM entity WHERE id IN ({','.join('?' * len(chunk))})", chunk)}
            yield _rows(conn, listing, [found[i] for i in chunk], lang)

    return Export(len(ids), batches())


def _labels(conn: sqlite3.Connection, values: set[str], lang: str) -> dict[str, tuple[str, str]]:
    column, key = ("label_fi", "sort_fi") if lang == "fi" else ("label_en", "sort_en")
    found: dict[str, tuple[str, str]] = {}
    values = list(values)
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT value, {column}, {key} FROM term WHERE value IN ({marks})", chunk):
            found[row[0]] = (row[1], row[2])
    return found


def _rows(conn: sqlite3.Connection, listing: Listing, entity_rows, lang: str) -> list[Row]:
    if not entity_rows:
        return []
    ids = [r["id"] for r in entity_rows]
    values: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for entity, name, value in conn.execute(
                f"SELECT entity, field, value FROM facet WHERE entity IN ({marks})", chunk):
            values[entity][name].append(value)
    labels = _labels(conn, {v for fields in values.values() for vs in fields.values() for v in vs}, lang)
    rows = []
    for r in entity_rows:
        fields = {}
        for name, vs in values[r["id"]].items():
            labelled = [(v, labels.get(v, (v, v))[0]) for v in vs]
            if name == "year":
                labelled.sort(key=lambda item: item[0])
            else:
                labelled.sort(key=lambda item: labels.get(item[0], (item[1], item[1]))[1])
            fields[name] = labelled
        label = r["label_fi"] if lang == "fi" else r["label_en"]
        description = (r["desc_fi"] or r["desc_en"]) if lang == "fi" else (r["desc_en"] or r["desc_fi"])
        rows.append(Row(r["id"], r["iri"], label, r["start"], r["end"], bool(r["approx"]), r["amount"], r["count"],
                        description, fields))
    return rows


def _counted(conn, matching: str, params: list, fields: list[str]) -> list:
    """(field, value, count) of these fields over the matching entities, counted on request."""
    if not fields:
        return []
    return conn.execute(
        f"WITH m(id) AS ({matching}) SELECT f.field, f.value, COUNT(*) FROM facet f JOIN m ON f.entity = m.id "
        f"WHERE f.field IN ({','.join('?' * len(fields))}) GROUP BY f.field, f.value", params + fields).fetchall()


def _facets(conn, listing: Listing, selection, matching: str, params: list, lang: str,
            expanded: tuple[str, ...]) -> list[FacetGroup]:
    names = [f.name for f in listing.facets()]
    marks = ",".join("?" * len(names))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    single = [(name, value) for name, values in selection.items() for value in values]
    precomputed = conn.execute(
        f"SELECT field2, value2, n FROM facet_pair_count WHERE listing = ? AND field = ? AND value = ? "
        f"AND field2 IN ({marks})", [listing.name, *single[0], *names]).fetchall() if len(single) == 1 else []
    if precomputed:
        covered = set(_pair_fields(conn, listing, names))
        rows = precomputed + _counted(conn, matching, params, [name for name in names if name not in covered])
    elif selection:
        rows = _counted(conn, matching, params, names)
    else:
        rows = conn.execute(f"SELECT field, value, n FROM facet_count WHERE listing = ? AND field IN ({marks})",
                            [listing.name, *names]).fetchall()
    for name, value, n in rows:
        counts[name][value] = n
    wanted = {v for c in counts.values() for v in c} | {v for vs in selection.values() for v in vs}
    labels = _labels(conn, wanted, lang)
    groups = []
    for f in listing.facets():
        chosen = selection.get(f.name, [])
        items = [FacetValue(v, labels.get(v, (v, v))[0], n, v in chosen) for v, n in counts[f.name].items()]
        for v in chosen:
            if v not in counts[f.name]:
                items.append(FacetValue(v, labels.get(v, (v, v))[0], 0, True))
        if f.name == "year":
            items.sort(key=lambda item: item.value, reverse=True)
        else:
            items.sort(key=lambda item: (-item.count, labels.get(item.value, (item.label, item.label))[1]))
        if not items:
            continue
        shown = items if f.name in expanded else items[:FACET_VALUES_SHOWN]
        shown += [i for i in items if i.selected and i not in shown]
        groups.append(FacetGroup(f, shown, [i for i in items if i.selected], len(items) - len(shown)))
    return groups
