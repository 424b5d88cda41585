"""Generated data at scale: `hankegraafi generate --projects N [--seed S] [--output DIR]`.

Writes a realistic graph that follows the ontology and passes the SHACL shapes, spread over named
graphs like the curated sources: `graph/generated-source-0000` is a register extract (regions,
organisations of every kind, funding schemes, organisational successions) and each further
`graph/generated-source-NNNN` holds what one made-up source document says about a batch of
projects: projects with kinds and hierarchy (group projects with main and sub-projects,
development programmes with sub-projects and pilots, work packages, project families with their
coordination projects), goals, organisations' and people's time-qualified roles, people with
positions, fundings with decisions, budgets with monetary amounts, events, publications,
observations, implementer handovers, all with fi and en labels and descriptions and with evidence
nodes pointing at lines of the source document, which is described in its own graph.

Output is streamed (bounded memory) into one gzipped TriG (or N-Quads) file per source graph, and
the same seed always gives the same bytes. `manifest.json` lists the files with their triple counts.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from ..config import DEFAULT_BASE_IRI
from . import names as N
from .writer import literal, suffix, writer_for

DEFAULT_SIZES = (1_000, 10_000, 100_000)
PROJECTS_PER_SOURCE = 1_000
MANIFEST = ".manifest.json"

Progress = Callable[[str], None]


def fi(text: str) -> str:
    return literal(text, lang="fi")


def en(text: str) -> str:
    return literal(text, lang="en")


def sv(text: str) -> str:
    return literal(text, lang="sv")


def xdate(day: date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


def decimal(value: int) -> str:
    return f'"{value}"^^xsd:decimal'


def slugify(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "a", "Ö": "o", "Å": "a"})
    out = "".join(c if c.isalnum() else "-" for c in text.translate(table).lower())
    return "-".join(part for part in out.split("-") if part)


@dataclass
class Org:
    iri: str
    name_fi: str
    kind: str  # class local name
    region: str | None = None  # region slug


@dataclass
class Registry:
    """Entities every source graph may refer to, described once in the register graph."""

    regions: list[str] = field(default_factory=list)               # maakunta slugs
    municipalities: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, name, region)
    counties: list[Org] = field(default_factory=list)
    county_units: dict[str, list[Org]] = field(default_factory=dict)
    municipal_orgs: list[Org] = field(default_factory=list)
    joint_authorities: list[Org] = field(default_factory=list)
    competence_centres: list[Org] = field(default_factory=list)
    universities: list[Org] = field(default_factory=list)
    university_units: dict[str, list[Org]] = field(default_factory=dict)
    ministries: dict[str, Org] = field(default_factory=dict)
    ely: dict[str, Org] = field(default_factory=dict)
    cooperation_groups: dict[str, Org] = field(default_factory=dict)  # LAPE groups by county IRI
    regional_groups: dict[str, Org] = field(default_factory=dict)     # by region slug
    eu: Org | None = None
    # leaf funding schemes: (scheme IRI, funder org, intermediate body kind, funding instrument fi)
    leaf_schemes: list[tuple[str, str, bool, str]] = field(default_factory=list)
    family_schemes: list[str] = field(default_factory=list)

    def implementers(self) -> list[Org]:
        return self.counties + self.municipal_orgs[:60] + self.joint_authorities + self.competence_centres + self.universities


@dataclass
class Person:
    iri: str
    given: str
    family: str
    employer: str


class SourceContext:
    """One source graph being written: its document, evidence lines and people."""

    def __init__(self, number: int):
        self.number = number
        self.graph = f"hgg:generated-source-{number:04d}"
        self.document = f"document:generated-{number:04d}"
        self.line = 0

    def next_line(self) -> str:
        self.line += 1
        return f"evidence:generated-{self.number:04d}-l{self.line}"


class Generator:
    def __init__(self, projects: int, seed: int = 1, projects_per_source: int = PROJECTS_PER_SOURCE,
                 fmt: str = "trig", gzipped: bool = True, base_iri: str = DEFAULT_BASE_IRI,
                 progress: Progress = lambda _: None):
        if projects < 1:
            raise ValueError("--projects must be at least 1")
        self.projects = projects
        self.seed = seed
        self.per_source = max(10, projects_per_source)
        self.fmt = fmt
        self.gzipped = gzipped
        self.base_iri = base_iri
        self.progress = progress
        self.rng = random.Random(seed)
        self.registry = Registry()
        self.people: list[Person] = []      # people of the current source
        self.previous_people: list[Person] = []
        self.person_counter = 0
        self.project_counter = 0             # every hg:Project written
        self.root_counter = 0
        self.recent_roots: list[str] = []
        self.class_counts: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    def count(self, cls: str, n: int = 1) -> None:
        self.class_counts[cls] = self.class_counts.get(cls, 0) + n

    def acronym(self) -> str:
        return "".join(self.rng.choice(N.ACRONYM_LETTERS) for _ in range(self.rng.randint(3, 6)))

    def money(self, low: int, high: int, round_to: int = 1) -> int:
        return self.rng.randint(low // round_to, high // round_to) * round_to

    def amount(self, w, ctx_iri: str, value: int, rounded: bool = False) -> str:
        iri = f"{ctx_iri}-amount"
        pairs = [("a", "schema:MonetaryAmount"), ("schema:value", decimal(value)), ("schema:currency", '"EUR"')]
        if rounded:
            pairs.append(("hg:isRounded", "true"))
        w.entity(iri, pairs)
        self.count("schema:MonetaryAmount")
        return iri

    # ------------------------------------------------------------------ the register graph
    def write_registry(self, w) -> None:
        ctx = SourceContext(0)
        reg = self.registry
        rng = self.rng
        w.begin_graph(ctx.graph)
        w.comment("register extract: regions, organisations, funding schemes")

        def region(slug, name_fi, name_en, rtype, name_sv=None, part_of=None):
            pairs = [("a", "hg:Region"), ("skos:prefLabel", [fi(name_fi), en(name_en)] + ([sv(name_sv)] if name_sv else [])),
                     ("hg:regionType", f"hgv:{rtype}"), ("hg:evidence", ctx.next_line())]
            if part_of:
                pairs.append(("schema:containedInPlace", f"region:{part_of}"))
            w.entity(f"region:{slug}", pairs)
            self.count("hg:Region")

        region("suomi", "Suomi", "Finland", "rtype-country", "Finland")
        for slug, name_fi, _, name_en, name_sv in N.REGIONS:
            region(slug, name_fi, name_en, "rtype-region", name_sv, "suomi")
            reg.regions.append(slug)
        for slug, name_fi, name_en, _members in N.COLLABORATIVE_AREAS:
            region(slug, name_fi, name_en, "rtype-collaborative-area", None, "suomi")
        names = list(N.MUNICIPALITIES)
        seen = {slugify(name) for name in names}
        while len(names) < 300:
            name = rng.choice(N.PLACE_HEADS) + rng.choice(N.PLACE_TAILS)
            if slugify(name) not in seen:
                seen.add(slugify(name))
                names.append(name)
        for index, name in enumerate(names):
            region_slug = reg.regions[index % len(reg.regions)]
            slug = slugify(name)
            region(slug, name, name, "rtype-municipality", None, region_slug)
            reg.municipalities.append((slug, name, region_slug))

        def org(slug, kind, classification, name_fi, name_en, alt=None, region_slug=None, extra=(), description=None):
            iri = f"organisation:{slug}"
            pairs = [("a", ["hg:Organisation", f"hg:{kind}"] if kind != "Organisation" else ["hg:Organisation"]),
                     ("org:classification", classification),
                     ("skos:prefLabel", [fi(name_fi), en(name_en)])]
            if alt:
                pairs.append(("skos:altLabel", fi(alt)))
            if region_slug:
                pairs.append(("schema:areaServed", f"region:{region_slug}"))
            pairs.extend(extra)
            if description:
                pairs.append(("dcterms:description", [fi(description[0]), en(description[1])]))
            pairs.append(("hg:evidence", ctx.next_line()))
            w.entity(iri, pairs)
            self.count(f"hg:{kind}")
            return Org(iri, name_fi, kind, region_slug)

        w.comment("wellbeing services counties and their units")
        for slug, name_fi, genitive, name_en, _ in N.REGIONS:
            if slug == "uusimaa":
                parts = [("ita-uudenmaan", "Itä-Uudenmaan", "East Uusimaa"), ("keski-uudenmaan", "Keski-Uudenmaan", "Central Uusimaa"),
                         ("lansi-uudenmaan", "Länsi-Uudenmaan", "West Uusimaa"), ("vantaan-ja-keravan", "Vantaan ja Keravan", "Vantaa and Kerava")]
            else:
                parts = [(slugify(genitive), genitive, name_en)]
            for county_slug, county_genitive, county_en in parts:
                county = org(f"{county_slug}-hyvinvointialue", "WellbeingServicesCounty", "hgv:otype-wellbeing-services-county",
                             f"{county_genitive} hyvinvointialue", f"{county_en} wellbeing services county", region_slug=slug,
                             description=(f"{county_genitive} hyvinvointialue järjestää alueensa sosiaali- ja terveyspalvelut.",
                                          f"The {county_en} wellbeing services county organises the social and health services of its area."))
                reg.counties.append(county)
                units = []
                for unit_slug, unit_fi, unit_en in N.WELLBEING_UNITS:
                    units.append(org(f"{county_slug}-hyvinvointialue-{unit_slug}", "OrganisationalUnit", "hgv:otype-organisational-unit",
                                     f"{county_genitive} hyvinvointialueen {unit_fi}", f"{county_en} wellbeing services county, {unit_en}",
                                     extra=[("org:unitOf", county.iri)]))
                reg.county_units[county.iri] = units
                reg.cooperation_groups[county.iri] = org(
                    f"{county_slug}-lape-yhteistyoryhma", "CooperationGroup", "hgv:otype-cooperation-group",
                    f"{county_genitive} LAPE-yhteistyöryhmä", f"{county_en} LAPE cooperation group",
                    extra=[("hg:hostOrganisation", county.iri)])
            reg.regional_groups[slug] = org(
                f"{slugify(genitive)}-maakunnan-yhteistyoryhma", "RegionalCooperationGroup", "hgv:otype-regional-cooperation-group",
                f"{genitive} maakunnan yhteistyöryhmä", f"Regional cooperation group of {name_en}")

        w.comment("municipalities and joint municipal authorities")
        for slug, name, region_slug in reg.municipalities[:120]:
            reg.municipal_orgs.append(org(f"{slug}-kunta", "Municipality", "hgv:otype-municipality", f"{name} (kunta)",
                                          f"Municipality of {name}", extra=[("schema:location", f"region:{slug}")],
                                          region_slug=region_slug))
        for index, (slug, name, region_slug) in enumerate(reg.municipalities[120:140]):
            jma = org(f"peruspalvelukuntayhtyma-{slug}", "JointMunicipalAuthority", "hgv:otype-joint-municipal-authority",
                      f"Peruspalvelukuntayhtymä {name}", f"{name} joint municipal authority for basic services",
                      region_slug=region_slug)
            reg.joint_authorities.append(jma)
            successor = next(c for c in reg.counties if c.region == region_slug)
            w.entity(f"change:{slug}-succession-2023", [
                ("a", "hg:OrganisationalSuccession"),
                ("skos:prefLabel", [fi(f"{jma.name_fi} hyvinvointialueeksi 1.1.2023"), en(f"{name} joint authority succeeded by a wellbeing services county, 1 Jan 2023")]),
                ("org:originalOrganization", jma.iri), ("org:resultingOrganization", successor.iri),
                ("hg:effectiveDate", xdate(date(2023, 1, 1))), ("prov:startedAtTime", '"2023-01-01T00:00:00"^^xsd:dateTime'),
                ("hg:evidence", ctx.next_line())])
            w.entity(jma.iri, [("hg:succeededBy", successor.iri)])
            self.count("hg:OrganisationalSuccession")

        w.comment("competence centres, universities of applied sciences, ministries, ELY Centres, the EU")
        for index, (slug, name_fi, abbreviation, name_en) in enumerate(N.COMPETENCE_CENTRES):
            yta = index % 3 == 2
            reg.competence_centres.append(org(slug, "SocialWelfareCompetenceCentre",
                                              "hgv:otype-yta-competence-centre" if yta else "hgv:otype-social-welfare-competence-centre",
                                              name_fi, name_en, alt=abbreviation, region_slug=reg.regions[(index * 5) % len(reg.regions)]))
        for index, (slug, name_fi, abbreviation, name_en) in enumerate(N.UNIVERSITIES):
            uas = org(slug, "UniversityOfAppliedSciences", "hgv:otype-university-of-applied-sciences", name_fi, name_en,
                      alt=abbreviation, region_slug=reg.regions[index % len(reg.regions)])
            reg.universities.append(uas)
            units = []
            for unit_slug, unit_fi, unit_en in N.UNIVERSITY_UNITS[: 1 + index % 3]:
                units.append(org(f"{slug}-{unit_slug}", "OrganisationalUnit", "hgv:otype-organisational-unit",
                                 f"{abbreviation}: {unit_fi}", f"{name_en}, {unit_en}", extra=[("org:unitOf", uas.iri)]))
            reg.university_units[uas.iri] = units
        for slug, name_fi, abbreviation, name_en in N.MINISTRIES:
            reg.ministries[slug] = org(slug, "Ministry", "hgv:otype-ministry", name_fi, name_en, alt=abbreviation)
        by_slug = {r[0]: r for r in N.REGIONS}
        for region_slug in N.ELY_REGIONS:
            _, _, genitive, name_en, _ = by_slug[region_slug]
            reg.ely[region_slug] = org(f"{slugify(genitive)}-ely-keskus", "ELYCentre", "hgv:otype-ely-centre",
                                       f"{genitive} ELY-keskus", f"{name_en} ELY Centre", region_slug=region_slug)
        reg.eu = org("euroopan-unioni", "InternationalOrganisation", "hgv:otype-international-organisation",
                     "Euroopan unioni", "European Union", alt="EU")

        w.comment("funding schemes")

        def scheme(slug, level, name_fi, name_en, notation=None, sub_of=None, funded_from=None):
            pairs = [("a", "hg:FundingScheme"), ("skos:prefLabel", [fi(name_fi), en(name_en)]),
                     ("hg:schemeLevel", f"hgv:level-{level}")]
            if notation:
                pairs.append(("skos:notation", literal(notation)))
            if sub_of:
                pairs.append(("hg:subSchemeOf", f"scheme:{sub_of}"))
            if funded_from:
                pairs.append(("hg:fundedFrom", f"scheme:{funded_from}"))
            pairs.append(("hg:evidence", ctx.next_line()))
            w.entity(f"scheme:{slug}", pairs)
            self.count("hg:FundingScheme")
            return f"scheme:{slug}"

        stm, eu = reg.ministries["stm"].iri, reg.eu.iri
        scheme("uudistuva-ja-osaava-suomi-2021-2027", "programme", "Uudistuva ja osaava Suomi 2021–2027", "Innovation and Skills in Finland 2021–2027")
        scheme("esr-plus", "fund", "Euroopan sosiaalirahasto plus", "European Social Fund Plus")
        scheme("eakr", "fund", "Euroopan aluekehitysrahasto", "European Regional Development Fund")
        for number, name_fi, name_en, fund, objectives in [
            ("4", "Osaava Suomi", "Skilled Finland", "esr-plus",
             [("4.1", "Työllisyys ja osaaminen", "Employment and skills"), ("4.2", "Koulutusjärjestelmien laatu", "Quality of education systems")]),
            ("5", "Sosiaalisten innovaatioiden Suomi", "Finland of social innovations", "esr-plus",
             [("5.1", "Turvaverkkoja nuorten tulevaisuuteen", "Safety nets for young people's future"),
              ("5.2", "Syrjäytymisen ehkäisy", "Preventing social exclusion"), ("5.3", "Sosiaalinen osallisuus", "Social inclusion")]),
        ]:
            priority = scheme(f"uos-toimintalinja-{number}", "priority", name_fi, name_en, number,
                              "uudistuva-ja-osaava-suomi-2021-2027", fund)
            for code, objective_fi, objective_en in objectives:
                leaf = scheme(f"uos-erityistavoite-{code.replace('.', '-')}", "specific-objective", objective_fi, objective_en, code,
                              priority.split(":", 1)[1])
                reg.leaf_schemes.append((leaf, eu, True, "EU-osarahoitus"))
                reg.family_schemes.append(leaf)
        scheme("stm-valtionavustukset", "programme", "Sosiaali- ja terveysministeriön valtionavustukset",
               "State grants of the Ministry of Social Affairs and Health")
        for year in range(2015, 2027):
            call = scheme(f"stm-haku-{year}", "priority", f"STM:n valtionavustushaku {year}", f"STM state-grant call {year}",
                          str(year), "stm-valtionavustukset")
            for index, (topic_fi, topic_en, _) in enumerate(N.TOPICS[:3]):
                leaf = scheme(f"stm-haku-{year}-{index + 1}", "specific-objective", f"{topic_fi} {year}", f"{topic_en} {year}",
                              f"{year}.{index + 1}", call.split(":", 1)[1])
                reg.leaf_schemes.append((leaf, stm, False, "valtionavustus"))
        scheme("kestavan-kasvun-ohjelma", "programme", "Suomen kestävän kasvun ohjelma", "Sustainable Growth Programme for Finland")
        scheme("rrf", "fund", "Elpymis- ja palautumistukiväline", "Recovery and Resilience Facility")
        scheme("kkr-hoitovelka", "priority", "Hoito-, palvelu- ja kuntoutusvelan purkaminen",
               "Reducing the backlog in care, services and rehabilitation", "P4", "kestavan-kasvun-ohjelma", "rrf")
        for index, (name_fi, name_en) in enumerate([("Sote-palvelujen saatavuus", "Access to social and health services"),
                                                    ("Digitaaliset palvelut", "Digital services")]):
            leaf = scheme(f"kkr-hoitovelka-{index + 1}", "specific-objective", name_fi, name_en, f"P4.{index + 1}", "kkr-hoitovelka")
            reg.leaf_schemes.append((leaf, stm, False, "valtionavustus"))
        self.write_document(w, ctx, "Hankegraafin generoitu rekisteriote", reg.ministries["stm"].iri, date(2025, 1, 1), "hgv:dtype-project-page")
        w.end_graph()

    def write_document(self, w, ctx: SourceContext, title: str, publisher: str, issued: date, dtype: str) -> None:
        """The source document of a graph and one evidence node per line it used."""
        w.comment("the source document and its evidence")
        digest = hashlib.sha256(f"{self.seed}:{ctx.number}:{ctx.line}".encode()).hexdigest()
        w.entity(ctx.document, [
            ("a", "hg:SourceDocument"), ("dcterms:title", fi(title)), ("dcterms:issued", xdate(issued)),
            ("dcterms:publisher", publisher), ("dcterms:language", '"fi"'), ("dcterms:type", dtype),
            ("hg:fileName", literal(f"generated-{ctx.number:04d}.txt")), ("hg:sha256", literal(digest)),
            ("hg:lineCount", str(max(1, ctx.line)))])
        self.count("hg:SourceDocument")
        for line in range(1, ctx.line + 1):
            w.entity(f"evidence:generated-{ctx.number:04d}-l{line}",
                     [("a", "hg:Evidence"), ("hg:inDocument", ctx.document), ("hg:line", f'"{line}"^^xsd:positiveInteger')])
        self.count("hg:Evidence", ctx.line)

    # ------------------------------------------------------------------ people
    def person(self, w, ctx: SourceContext, employer: Org, evidence: str) -> Person:
        rng = self.rng
        if self.people and rng.random() < 0.45:
            return rng.choice(self.people)
        if self.previous_people and rng.random() < 0.1:
            # someone from an earlier source: this source says who they are too
            person = rng.choice(self.previous_people)
            w.entity(person.iri, [("a", "hg:Person"), ("schema:name", literal(f"{person.given} {person.family}")),
                                  ("hg:evidence", evidence)])
            self.people.append(person)
            return person
        self.person_counter += 1
        given, family = rng.choice(N.GIVEN_NAMES), rng.choice(N.FAMILY_NAMES)
        person = Person(f"person:{slugify(given)}-{slugify(family)}-{self.person_counter}", given, family, employer.iri)
        w.entity(person.iri, [("a", "hg:Person"), ("schema:name", literal(f"{given} {family}")),
                              ("schema:givenName", literal(given)), ("schema:familyName", literal(family)),
                              ("hg:evidence", evidence)])
        title_fi, title_en = rng.choice(N.JOB_TITLES)
        w.entity(f"position:{person.iri.split(':', 1)[1]}-{employer.iri.split(':', 1)[1]}", [
            ("a", "hg:Position"), ("hg:holder", person.iri), ("hg:inOrganisation", employer.iri),
            ("hg:roleTitle", [fi(title_fi), en(title_en)]),
            ("schema:startDate", xdate(date(rng.randint(2005, 2022), rng.randint(1, 12), 1))),
            ("hg:evidence", evidence)])
        self.count("hg:Person")
        self.count("hg:Position")
        self.people.append(person)
        return person

    # ------------------------------------------------------------------ projects
    def period(self, start_year_low: int = 2015, start_year_high: int = 2025) -> tuple[date, date]:
        start = date(self.rng.randint(start_year_low, start_year_high), self.rng.randint(1, 12), 1)
        end = start + timedelta(days=30 * self.rng.randint(12, 48))
        end = date(end.year, end.month, 28) if end.month == 2 else date(end.year, end.month, 30)
        return start, end

    def dates(self, start: date, end: date, imprecise: bool = False) -> list:
        if imprecise:
            return [("hg:earliestStart", xdate(date(start.year, 1, 1))), ("hg:latestStart", xdate(date(start.year, 12, 31))),
                    ("hg:earliestEnd", xdate(date(end.year, 1, 1))), ("hg:latestEnd", xdate(date(end.year, 12, 31)))]
        return [("schema:startDate", xdate(start)), ("schema:endDate", xdate(end))]

    def engagement(self, w, iri: str, agent: str, project: str, role: str, evidence: str, title: tuple[str, str] | None = None,
                   start: date | None = None, end: date | None = None, on_behalf: str | None = None,
                   attested: date | None = None) -> str:
        pairs = [("a", "hg:Engagement"), ("hg:agent", agent), ("hg:inProject", project), ("hg:role", f"hgv:{role}")]
        if title:
            pairs.append(("hg:roleTitle", [fi(title[0]), en(title[1])]))
        if on_behalf:
            pairs.append(("hg:onBehalfOf", on_behalf))
        if start:
            pairs.append(("schema:startDate", xdate(start)))
        if end:
            pairs.append(("schema:endDate", xdate(end)))
        if attested:
            pairs.append(("hg:attestedOn", xdate(attested)))
        pairs.append(("hg:evidence", evidence))
        w.entity(iri, pairs)
        self.count("hg:Engagement")
        return iri

    def project_node(self, w, iri: str, kind: str | None, ptype: str | None, label_fi: str, label_en: str, themes: list[str],
                     evidence: list[str], description: tuple[str, str] | None = None, extra=(), alt: str | None = None) -> None:
        pairs = [("a", ["hg:Project"] + ([f"hg:{kind}"] if kind else [])),
                 ("skos:prefLabel", [fi(label_fi), en(label_en)])]
        if alt:
            pairs.append(("skos:altLabel", fi(alt)))
        if ptype:
            pairs.append(("hg:projectType", f"hgv:{ptype}"))
        pairs.extend(extra)
        pairs.append(("dcterms:subject", [f"hgv:{t}" for t in themes]))
        if description:
            pairs.append(("dcterms:description", [fi(description[0]), en(description[1])]))
        pairs.append(("hg:evidence", evidence))
        w.entity(iri, pairs)
        self.count("hg:Project")
        if kind:
            self.count(f"hg:{kind}")
        self.project_counter += 1

    def root_project(self, w, ctx: SourceContext, budget: int, family: str | None) -> int:
        """One project with its parts, roles, goals, funding and budget; returns how many projects it wrote."""
        rng = self.rng
        reg = self.registry
        self.root_counter += 1
        slug = f"gen-{self.root_counter:06d}"
        iri = f"project:{slug}"
        topic_fi, topic_en, themes = rng.choice(N.TOPICS)
        county = rng.choice(reg.counties)
        region_slug = county.region
        region_name = next(r[1] for r in N.REGIONS if r[0] == region_slug)
        start, end = self.period()
        imprecise = rng.random() < 0.15
        # what kind of project: its parts must fit in the budget of projects left
        roll = rng.random()
        if roll < 0.22 and budget >= 5:
            kind, ptype, parts = "GroupProject", "ptype-group-project", ["main"] + ["sub"] * rng.randint(2, min(3, budget - 2))
        elif roll < 0.32 and budget >= 4:
            kind, ptype = "DevelopmentProgramme", "ptype-development-programme"
            parts = ["sub"] * rng.randint(2, min(3, budget - 1))
            if budget - 1 - len(parts) >= 1 and rng.random() < 0.6:
                parts.append("pilot")
        else:
            kind, ptype = None, None
            parts = ["wp"] * min(rng.choice((0, 0, 0, 1, 2, 3)), budget - 1)
        lines = [ctx.next_line(), ctx.next_line()]
        people_line, money_line = ctx.next_line(), ctx.next_line()
        acronym = self.acronym()
        themes = list(dict.fromkeys(themes + rng.sample(["theme-child-protection", "theme-participation", "theme-co-development",
                                                         "theme-competence-development", "theme-impact-evaluation"], rng.randint(0, 2))))
        label_fi = f"{acronym} – {topic_fi} ({region_name})"
        label_en = f"{acronym} – {topic_en} ({region_name})"
        lead = county if rng.random() < 0.55 else rng.choice(reg.implementers())
        kind_fi = {"GroupProject": "Ryhmähanke", "DevelopmentProgramme": "Kehittämiskokonaisuus"}.get(kind, "Hanke")
        kind_en = {"GroupProject": "Group project", "DevelopmentProgramme": "Development programme"}.get(kind, "Project")
        description = (f"{kind_fi}, jossa {topic_fi.lower()} etenee alueella {region_name} {start.year}–{end.year}. "
                       f"Hanketta vetää {lead.name_fi}.",
                       f"{kind_en} on {topic_en.lower()} in {region_name}, {start.year}–{end.year}, led by an organisation of the region.")
        goals = []
        for k in range(rng.randint(1, 3)):
            goal_fi, goal_en = N.GOALS[(self.root_counter + k) % len(N.GOALS)]
            goal = f"goal:{slug}-{k + 1}"
            w.entity(goal, [("a", "hg:Goal"), ("dcterms:description", [fi(goal_fi), en(goal_en)]),
                            ("dcterms:subject", f"hgv:{rng.choice(themes)}"), ("hg:evidence", lines[1])])
            self.count("hg:Goal")
            goals.append(goal)
        municipality = rng.choice([m for m in reg.municipalities[:120] if m[2] == region_slug] or reg.municipalities[:1])
        extra = self.dates(start, end, imprecise) + [("hg:targetRegion", [f"region:{region_slug}", f"region:{municipality[0]}"]),
                                                     ("hg:hasGoal", goals),
                                                     ("schema:url", f"<https://hankkeet.example.org/{slug}>")]
        if family:
            extra.append(("hg:inProjectFamily", family))
        if self.recent_roots and rng.random() < 0.2:
            extra.append(("hg:collaboratesWith", rng.choice(self.recent_roots)))
        if rng.random() < 0.05:
            extra.append(("hg:strengthArea", fi("Kestävä hyvinvointi")))
        self.project_node(w, iri, kind, ptype, label_fi, label_en, themes, lines, description, extra, alt=acronym)
        self.recent_roots = (self.recent_roots + [iri])[-50:]
        written = 1

        # roles of organisations and people
        lead_role = {"GroupProject": "role-lead-implementer", "DevelopmentProgramme": "role-administrator"}.get(kind, "role-administrator")
        lead_title = {"role-lead-implementer": ("päähankkeen toteuttaja", "lead implementer")}.get(lead_role, ("hallinnoija", "administrator"))
        eng_start, eng_end = (None, None) if imprecise else (start, end)
        handover = (not imprecise) and rng.random() < 0.03 and (end - start).days > 400
        if handover:
            switch = date(start.year + 1, start.month, 1)
            successor = rng.choice(reg.competence_centres)
            first = self.engagement(w, f"role:{slug}-lead-1", lead.iri, iri, lead_role, people_line, lead_title, start, switch - timedelta(days=1))
            second = self.engagement(w, f"role:{slug}-lead-2", successor.iri, iri, lead_role, people_line, lead_title, switch, end)
            w.entity(f"change:{slug}-handover", [
                ("a", "hg:ImplementerHandover"),
                ("skos:prefLabel", [fi(f"{acronym}: toteuttajan vaihdos {switch.day}.{switch.month}.{switch.year}"),
                                    en(f"{acronym}: change of implementer, {switch.isoformat()}")]),
                ("hg:affectsProject", iri), ("hg:fromAgent", lead.iri), ("hg:toAgent", successor.iri),
                ("hg:effectiveDate", xdate(switch)), ("hg:endsEngagement", first), ("hg:startsEngagement", second),
                ("hg:evidence", people_line)])
            self.count("hg:ImplementerHandover")
        else:
            self.engagement(w, f"role:{slug}-lead", lead.iri, iri, lead_role, people_line, lead_title, eng_start, eng_end)
        if kind == "DevelopmentProgramme":
            centre = rng.choice(reg.competence_centres)
            self.engagement(w, f"role:{slug}-coordinator", centre.iri, iri, "role-coordinator", people_line,
                            ("koordinoija", "coordinator"), eng_start, eng_end)
        for k, partner in enumerate(rng.sample(reg.implementers(), rng.randint(1, 2))):
            if partner.iri != lead.iri:
                role = rng.choice(["role-partner", "role-participant"])
                self.engagement(w, f"role:{slug}-partner-{k + 1}", partner.iri, iri, role, people_line,
                                ("kumppani", "partner") if role == "role-partner" else ("mukana oleva toimija", "participant"),
                                attested=start)
        if rng.random() < 0.15:
            group = reg.cooperation_groups[county.iri]
            self.engagement(w, f"role:{slug}-steering", group.iri, iri, "role-steering-body", people_line,
                            ("ohjausryhmä", "steering group"))
        manager = self.person(w, ctx, lead, people_line)
        self.engagement(w, f"role:{slug}-project-manager", manager.iri, iri, "role-project-manager", people_line,
                        ("projektipäällikkö", "project manager"), eng_start, eng_end, on_behalf=lead.iri)
        for k in range(rng.randint(1, 3)):
            staff = self.person(w, ctx, lead, people_line)
            role, title = rng.choice([("role-project-staff", ("hankeasiantuntija", "project specialist")),
                                      ("role-project-coordinator", ("hankekoordinaattori", "project coordinator")),
                                      ("role-development-coordinator", ("kehittämiskoordinaattori", "development coordinator"))])
            self.engagement(w, f"role:{slug}-staff-{k + 1}", staff.iri, iri, role, people_line, title, eng_start, eng_end,
                            on_behalf=lead.iri)
        contact = manager if rng.random() < 0.5 else self.person(w, ctx, lead, people_line)
        self.engagement(w, f"role:{slug}-contact", contact.iri, iri, "role-contact-person", people_line,
                        on_behalf=lead.iri, attested=start)

        # money: funding, decision, budget
        scheme, funder, eu_funded, instrument = rng.choice(reg.leaf_schemes)
        total = self.money(80_000, 3_000_000, 1)
        granted = int(total * rng.choice([0.6, 0.7, 0.8, 1.0]))
        funding = f"funding:{slug}"
        funding_pairs = [("a", "hg:Funding"), ("schema:funder", funder), ("schema:fundedItem", iri), ("hg:recipient", lead.iri),
                         ("hg:fundingScheme", scheme), ("hg:fundingStatus", "hgv:decision-award"),
                         ("hg:fundingInstrument", fi(instrument)), ("schema:amount", self.amount(w, funding, granted)),
                         ("dcterms:description", [fi(f"{acronym}-hankkeen rahoitus ({instrument})."),
                                                  en(f"Funding of the {acronym} project.")])]
        if eu_funded:
            funding_pairs.append(("hg:intermediateBody", reg.ely.get(region_slug, reg.ely["uusimaa"]).iri))
        funding_pairs += [("schema:startDate", xdate(start)), ("schema:endDate", xdate(end)), ("hg:evidence", money_line)]
        w.entity(funding, funding_pairs)
        self.count("hg:Funding")
        decided = start - timedelta(days=rng.randint(20, 120))
        decision = f"decision:{slug}-award"
        w.entity(decision, [("a", "hg:FundingDecision"), ("hg:decisionType", "hgv:decision-award"),
                            ("hg:decidedBy", reg.ely[region_slug].iri if eu_funded and region_slug in reg.ely else funder),
                            ("hg:decisionDate", xdate(decided)), ("hg:concernsFunding", funding), ("hg:fundingScheme", scheme),
                            ("schema:amount", self.amount(w, decision, granted)), ("hg:evidence", money_line)])
        self.count("hg:FundingDecision")
        if eu_funded and rng.random() < 0.5 and region_slug in reg.regional_groups:
            recommendation = f"decision:{slug}-recommendation"
            w.entity(recommendation, [("a", "hg:FundingDecision"), ("hg:decisionType", "hgv:decision-recommendation"),
                                      ("hg:decidedBy", reg.regional_groups[region_slug].iri),
                                      ("hg:decisionDate", xdate(decided - timedelta(days=30))), ("hg:concernsFunding", funding),
                                      ("schema:amount", self.amount(w, recommendation, round(granted, -5), rounded=True)),
                                      ("hg:evidence", money_line)])
            self.count("hg:FundingDecision")
        shares = [("amount-total-cost", total), ("amount-own-financing", total - granted)]
        if eu_funded:
            shares.append(("amount-eu-share", granted))
        for amount_type, value in shares:
            item = f"budget:{slug}-{amount_type.split('-', 1)[1]}"
            w.entity(item, [("a", "hg:BudgetItem"), ("hg:budgetFor", iri), ("hg:budgetHolder", lead.iri),
                            ("hg:amountType", f"hgv:{amount_type}"), ("schema:startDate", xdate(start)),
                            ("schema:endDate", xdate(end)), ("schema:amount", self.amount(w, item, value)),
                            ("hg:evidence", money_line)])
            self.count("hg:BudgetItem")

        # parts: main project, sub-projects, pilots, work packages
        sub_parent = None
        for index, part in enumerate(parts, start=1):
            part_iri = f"project:{slug}-{part}{'' if part == 'main' else index}"
            evidence = ctx.next_line()
            if part == "main":
                self.project_node(w, part_iri, "MainProject", "ptype-main-project", f"{acronym}: päähanke", f"{acronym}: main project",
                                  themes[:1], [evidence], extra=[("hg:subProjectOf", iri)])
                self.engagement(w, f"role:{slug}-main-implementer", lead.iri, part_iri, "role-lead-implementer", evidence,
                                lead_title, eng_start, eng_end)
            elif part == "sub":
                implementer = rng.choice(reg.county_units.get(county.iri, []) + [rng.choice(reg.implementers())])
                self.project_node(w, part_iri, "SubProject", "ptype-sub-project", f"{acronym}: osahanke {index}",
                                  f"{acronym}: sub-project {index}", themes[:2], [evidence],
                                  (f"Osahanke, jonka toteuttaa {implementer.name_fi}.", "A sub-project carried out by one sub-implementer."),
                                  extra=[("hg:subProjectOf", iri)] + self.dates(start, end, imprecise))
                self.engagement(w, f"role:{slug}-sub{index}-implementer", implementer.iri, part_iri, "role-sub-implementer", evidence,
                                ("osatoteuttaja", "sub-implementer"), eng_start, eng_end)
                self.engagement(w, f"role:{slug}-sub{index}-contact", self.person(w, ctx, implementer, evidence).iri, part_iri,
                                "role-contact-person", evidence, on_behalf=implementer.iri, attested=start)
                item = f"budget:{slug}-sub{index}-total-cost"
                w.entity(item, [("a", "hg:BudgetItem"), ("hg:budgetFor", part_iri), ("hg:budgetHolder", implementer.iri),
                                ("hg:amountType", "hgv:amount-total-cost"),
                                ("schema:amount", self.amount(w, item, total // (len(parts) + 1))), ("hg:evidence", evidence)])
                self.count("hg:BudgetItem")
                sub_parent = part_iri
            elif part == "pilot":
                self.project_node(w, part_iri, "Pilot", "ptype-pilot", f"{acronym}: kehittämispilotti", f"{acronym}: pilot",
                                  themes[-1:], [evidence], extra=[("hg:subProjectOf", sub_parent or iri), ("skos:notation", '"1"')])
            else:
                wp_fi, wp_en = N.WORK_PACKAGES[(index - 1) % len(N.WORK_PACKAGES)]
                self.project_node(w, part_iri, "WorkPackage", "ptype-work-package", f"{acronym}: {index}. {wp_fi}",
                                  f"{acronym}: {index}. {wp_en}", themes[:1], [evidence],
                                  (f"{acronym}-hankkeen toimenpidekokonaisuus {index}: {wp_fi.lower()}.",
                                   f"Work package {index} of the {acronym} project: {wp_en.lower()}."),
                                  extra=[("hg:subProjectOf", iri), ("skos:notation", literal(str(index)))] + self.dates(start, end, imprecise))
            written += 1

        # now and then: an event, a publication, an observation
        if rng.random() < 0.3:
            day = start + timedelta(days=rng.randint(30, 300))
            event = f"event:{slug}-seminar"
            w.entity(event, [("a", ["hg:Event"] + (["hg:Survey"] if rng.random() < 0.3 else [])),
                             ("skos:prefLabel", [fi(f"{acronym}-seminaari {day.day}.{day.month}.{day.year}"), en(f"{acronym} seminar, {day.isoformat()}")]),
                             ("schema:startDate", xdate(day)), ("schema:endDate", xdate(day)), ("schema:organizer", lead.iri),
                             ("schema:about", iri), ("hg:attendeeCount", str(rng.randint(10, 300))), ("hg:evidence", lines[0])])
            self.count("hg:Event")
        if rng.random() < 0.25:
            publication = f"publication:{slug}-report"
            issued = end if end.year < 2026 else start
            w.entity(publication, [("a", "hg:Publication"), ("dcterms:title", fi(f"{acronym}: loppuraportti")),
                                   ("skos:prefLabel", [fi(f"{acronym}: loppuraportti"), en(f"{acronym}: final report")]),
                                   ("dcterms:type", "hgv:dtype-report"), ("dcterms:issued", f'"{issued.year}-{issued.month:02d}"^^xsd:gYearMonth'),
                                   ("dcterms:publisher", lead.iri), ("schema:encodingFormat", '"application/pdf"'),
                                   ("hg:outputOf", iri), ("hg:evidence", lines[0])])
            self.count("hg:Publication")
        if rng.random() < 0.03:
            observation = f"observation:{slug}-background"
            w.entity(observation, [("a", "hg:Observation"),
                                   ("skos:prefLabel", [fi(f"Lastensuojeluilmoitukset: {region_name} {start.year - 1}"),
                                                       en(f"Child-welfare notifications: {region_name} {start.year - 1}")]),
                                   ("dcterms:spatial", f"region:{region_slug}"), ("dcterms:date", f'"{start.year - 1}"^^xsd:gYear'),
                                   ("hg:nationalRank", str(rng.randint(1, 19))), ("dcterms:subject", "hgv:theme-child-protection"),
                                   ("hg:evidence", lines[0])])
            w.entity(iri, [("hg:backgroundObservation", observation)])
            self.count("hg:Observation")
        return written

    def write_source(self, w, number: int, projects: int) -> None:
        """One source graph holding `projects` projects (a family, its coordinator and root projects with their parts)."""
        ctx = SourceContext(number)
        rng = self.rng
        self.previous_people, self.people = self.people[-200:], []
        w.begin_graph(ctx.graph)
        family = None
        written = 0
        if projects >= 4:
            family_slug = f"gen-family-{number:04d}"
            family = f"project:{family_slug}"
            topic_fi, topic_en, themes = rng.choice(N.TOPICS)
            evidence = ctx.next_line()
            self.project_node(w, family, "ProjectFamily", "ptype-project-family", f"{topic_fi} -hankekokonaisuus {number}",
                              f"{topic_en} – project family {number}", themes, [evidence],
                              ("Valtakunnallinen hankekokonaisuus, jota koordinoi erillinen koordinaatiohanke.",
                               "A nationwide project family coordinated by a separate coordination project."),
                              extra=[("hg:targetRegion", "region:suomi"),
                                     ("hg:correspondsToScheme", rng.choice(self.registry.family_schemes))])
            coordinator = f"project:{family_slug}-coordination"
            self.project_node(w, coordinator, "CoordinationProject", "ptype-coordination-project",
                              f"{topic_fi} -koordinaatiohanke {number}", f"{topic_en} – coordination project {number}", themes[:1],
                              [evidence], extra=[("hg:coordinates", family)])
            centre = rng.choice(self.registry.competence_centres)
            self.engagement(w, f"role:{family_slug}-coordinator", centre.iri, coordinator, "role-coordinator", evidence,
                            ("koordinoija", "coordinator"))
            written = 2
        while written < projects:
            in_family = family if rng.random() < 0.2 else None
            written += self.root_project(w, ctx, projects - written, in_family)
        self.write_document(w, ctx, f"Hankerekisterin ote {number}", rng.choice(self.registry.competence_centres).iri,
                            date(2025, 1 + number % 12, 1 + number % 28), "hgv:dtype-project-page")
        w.end_graph()

    # ------------------------------------------------------------------ the whole run
    def run(self, output: Path) -> dict:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob("generated-source-*"):
            stale.unlink()
        ext = suffix(self.fmt, self.gzipped)
        files = []
        header = f"hankegraafi generated data: {self.projects} projects, seed {self.seed}"
        path = output / f"generated-source-0000{ext}"
        with writer_for(path, self.fmt, self.base_iri, self.gzipped, header) as w:
            self.write_registry(w)
        files.append({"file": path.name, "graph": "graph/generated-source-0000", "projects": 0, "triples": w.triples})
        sources = -(-self.projects // self.per_source)
        for number in range(1, sources + 1):
            projects = min(self.per_source, self.projects - self.project_counter)
            path = output / f"generated-source-{number:04d}{ext}"
            with writer_for(path, self.fmt, self.base_iri, self.gzipped, header) as w:
                before = self.project_counter
                self.write_source(w, number, projects)
            files.append({"file": path.name, "graph": f"graph/generated-source-{number:04d}",
                          "projects": self.project_counter - before, "triples": w.triples})
            self.progress(f"generate: {path.name}: {self.project_counter} of {self.projects} projects")
        for item in files:
            digest = hashlib.sha256()
            with open(output / item["file"], "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            item["sha256"] = digest.hexdigest()
        manifest = {
            "projects": self.project_counter, "seed": self.seed, "format": self.fmt, "gzipped": self.gzipped,
            "base_iri": self.base_iri if self.fmt == "nquads" else None,
            "triples": sum(f["triples"] for f in files), "entities": dict(sorted(self.class_counts.items())), "files": files,
        }
        (output / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return manifest


def generate(projects: int, output: Path, seed: int = 1, fmt: str = "trig", gzipped: bool = True,
             base_iri: str = DEFAULT_BASE_IRI, projects_per_source: int = PROJECTS_PER_SOURCE,
             progress: Progress = lambda _: None) -> dict:
    """Write `projects` generated projects into `output`; return the manifest (files, triple counts)."""
    return Generator(projects, seed, projects_per_source, fmt, gzipped, base_iri, progress).run(Path(output))
