"""The projects at a glance: top-level projects with their periods and lead organisations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..namespaces import Namespaces
from ..store import ReleaseStore


@dataclass
class Lead:
    label: str
    period: str
    iri: str = ""


@dataclass
class ProjectSummary:
    iri: str
    label: str
    alt: str
    period: str
    leads: list[Lead] = field(default_factory=list)


def format_date(value: str) -> str:
    """ISO date -> Finnish style (1.8.2024)."""
    parsed = date.fromisoformat(value)
    return f"{parsed.day}.{parsed.month}.{parsed.year}"


def format_period(start: str | None, end: str | None, earliest_start=None, latest_end=None) -> str:
    """A period in Finnish style; year-only when only the bounds of a year are known."""
    def side(exact, bound):
        if exact:
            return format_date(exact)
        return bound[:4] if bound else ""
    begin, finish = side(start, earliest_start), side(end, latest_end)
    return f"{begin}–{finish}" if begin or finish else ""


def project_overview(store: ReleaseStore, ns: Namespaces) -> list[ProjectSummary]:
    prologue = ns.sparql_prologue()
    rows = store.select(prologue + """
        SELECT ?p (SAMPLE(?fi) AS ?label) (SAMPLE(?alt0) AS ?alt) (SAMPLE(?s0) AS ?s) (SAMPLE(?e0) AS ?e)
               (SAMPLE(?es0) AS ?es) (SAMPLE(?le0) AS ?le) WHERE {
          ?p a hg:Project . FILTER NOT EXISTS { ?p hg:subProjectOf ?parent }
          ?p skos:prefLabel ?fi . FILTER(LANG(?fi) = "fi")
          OPTIONAL { ?p skos:altLabel ?alt0 }
          OPTIONAL { ?p schema:startDate ?s0 } OPTIONAL { ?p schema:endDate ?e0 }
          OPTIONAL { ?p hg:earliestStart ?es0 } OPTIONAL { ?p hg:latestEnd ?le0 }
        } GROUP BY ?p""")
    leads = store.select(prologue + """
        SELECT DISTINCT ?p ?a ?label ?s ?e WHERE {
          VALUES ?role { hgv:role-lead-implementer hgv:role-administrator }
          ?m hg:inProject ?p ; hg:role ?role ; hg:agent ?a .
          OPTIONAL { ?m schema:startDate ?s } OPTIONAL { ?m schema:endDate ?e }
          ?a skos:prefLabel ?label . FILTER(LANG(?label) = "fi")
        }""")
    text = lambda row, key: row[key].value if key in row else None
    summaries = {
        row["p"].value: ProjectSummary(
            row["p"].value, text(row, "label"), text(row, "alt") or "",
            format_period(text(row, "s"), text(row, "e"), text(row, "es"), text(row, "le")),
        )
        for row in rows
    }
    for row in sorted(leads, key=lambda r: text(r, "s") or ""):
        summary = summaries.get(row["p"].value)
        if summary:
            summary.leads.append(Lead(text(row, "label"), format_period(text(row, "s"), text(row, "e")), text(row, "a") or ""))
    return sorted(summaries.values(), key=lambda s: s.label)
