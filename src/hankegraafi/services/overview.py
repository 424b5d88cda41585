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


# the home page shows this many top-level projects (the latest to start); the listing has them all
HOME_PROJECTS = 25


def newest_top_level_projects(indexes, limit: int | None = None) -> tuple[list[str], int]:
    """The IRIs of the `limit` (HOME_PROJECTS) top-level projects that started last, from the
    release's index, and how many top-level projects there are."""
    top_level = ("FROM entity WHERE listing = 'projects' AND id NOT IN "
                 "(SELECT entity FROM facet WHERE field = 'parent')")
    total = indexes.conn.execute(f"SELECT COUNT(*) {top_level}").fetchone()[0]
    iris = [iri for (iri,) in indexes.conn.execute(
        f"SELECT iri {top_level} ORDER BY start IS NULL, start DESC, sort_fi LIMIT ?", (limit or HOME_PROJECTS,))]
    return iris, total


def project_overview(store: ReleaseStore, ns: Namespaces, iris: list[str]) -> list[ProjectSummary]:
    """Periods and lead organisations of the given projects, sorted by name."""
    if not iris:
        return []
    prologue = ns.sparql_prologue()
    values = "VALUES ?p { " + " ".join(f"<{iri}>" for iri in iris) + " }"
    rows = store.select(prologue + """
        SELECT ?p (SAMPLE(?fi) AS ?label) (SAMPLE(?alt0) AS ?alt) (SAMPLE(?s0) AS ?s) (SAMPLE(?e0) AS ?e)
               (SAMPLE(?es0) AS ?es) (SAMPLE(?le0) AS ?le) WHERE {
          """ + values + """
          ?p skos:prefLabel ?fi . FILTER(LANG(?fi) = "fi")
          OPTIONAL { ?p skos:altLabel ?alt0 }
          OPTIONAL { ?p schema:startDate ?s0 } OPTIONAL { ?p schema:endDate ?e0 }
          OPTIONAL { ?p hg:earliestStart ?es0 } OPTIONAL { ?p hg:latestEnd ?le0 }
        } GROUP BY ?p""")
    # the roles as a FILTER, not a second VALUES block: Oxigraph took minutes to join two VALUES
    # blocks with the memberships at 10 000 projects
    leads = store.select(prologue + """
        SELECT DISTINCT ?p ?a ?label ?s ?e WHERE {
          """ + values + """
          ?m hg:inProject ?p ; hg:role ?role ; hg:agent ?a .
          FILTER(?role IN (hgv:role-lead-implementer, hgv:role-administrator))
          ?a skos:prefLabel ?label . FILTER(LANG(?label) = "fi")
          OPTIONAL { ?m schema:startDate ?s } OPTIONAL { ?m schema:endDate ?e }
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
