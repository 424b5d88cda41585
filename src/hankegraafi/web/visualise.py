"""Visualisations: a timeline of projects and roles, a network of organisations and projects, funding
per scheme and per project.

The data is computed at build time from the SPARQL queries in indexes/visual.py; each page embeds
its chart data in a `<script type="application/json">` element (data, never executed, so the strict
CSP holds), draws it with ECharts (served by the site from node_modules) in static/visualise.js, and
renders the same data as tables for readers without JavaScript. Each view links its data as JSON
and CSV and its queries in the SPARQL editor.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from ..indexes import visual
from . import context
from .browse import entity_url, indexes
from .i18n import current_language

blueprint = Blueprint("visualise", __name__, url_prefix="/visualise")

# the timeline draws at most this many rows (projects and their roles); the table and downloads have all
TIMELINE_CHART_ROWS = 400
# the network draws at most this many nodes (the best connected first)
NETWORK_CHART_NODES = 600
# the server-rendered tables show at most this many rows; the downloads have all
TABLE_ROWS = 1000
# the funding charts show the largest this many schemes and projects
CHART_BARS = 40

VIEWS = {
    "timeline": {"title": ("Aikajana", "Timeline"),
                 "intro": ("Hankkeet ja aikasidonnaiset roolit ajassa. Vaalea palkki: aika on arvioitu rajojen "
                           "tai ylemmän hankkeen perusteella.",
                           "Projects and time-qualified roles in time. A pale bar: the period is estimated from "
                           "bounds or from the parent project.")},
    "network": {"title": ("Verkosto", "Network"),
                "intro": ("Organisaatiot ja hankkeet, joissa ne toimivat: kuka tekee yhteistyötä kenen kanssa ja "
                          "minkä hankkeen kautta.",
                          "Organisations and the projects they work in: who works with whom, through which "
                          "project.")},
    "funding": {"title": ("Rahoitus", "Funding"),
                "intro": ("Rahoitus rahoitusohjelmittain ja hankkeittain sekä hankkeiden budjetit lähteittäin.",
                          "Funding per scheme and per project, and project budgets as each source states them.")},
}

QUERY_TITLES = {
    "timeline": ("Hankkeet ja roolit aikoineen", "Projects and roles with their periods"),
    "network": ("Organisaatiot, hankkeet ja roolit", "Organisations, projects and roles"),
    "network-pairs": ("Organisaatioparit yhteisissä hankkeissa", "Organisation pairs in shared projects"),
    "funding-schemes": ("Rahoitus rahoitusohjelmittain", "Funding per scheme"),
    "funding-projects": ("Rahoitus hankkeittain", "Funding per project"),
    "funding-budgets": ("Budjetit lähteittäin", "Budgets per source"),
}

CSV_TABLES = {"timeline": ("items",), "network": ("links", "pairs"), "funding": ("schemes", "projects", "budgets")}


def _i(pair: tuple[str, str], lang: str) -> str:
    return pair[0 if lang == "fi" else 1]


def _dataset(view: str) -> dict:
    if view not in VIEWS:
        abort(404)
    return indexes().dataset(view)


def _label(dataset: dict, iri: str | None, lang: str) -> str:
    if not iri:
        return ""
    return dataset["labels"].get(iri, {}).get(lang) or iri


def _query_links(view: str, lang: str) -> list[dict]:
    ns = context.namespaces()
    return [{"title": _i(QUERY_TITLES[name], lang),
             "editor": url_for("sparql.editor") + "?" + urlencode({"query": visual.query_text(name, ns)}),
             "text": visual.query_text(name, ns)}
            for name in visual.VIEWS[view]]


def _render(view: str, **values):
    lang = current_language()
    return render_template(
        f"visualise_{view}.html", view=view, lang_code=lang, title=_i(VIEWS[view]["title"], lang),
        intro=_i(VIEWS[view]["intro"], lang), queries=_query_links(view, lang), views=VIEWS,
        echarts=url_for("vendor.vendor", name="echarts/echarts.min.js"),
        csv_tables=CSV_TABLES[view], release=context.store().release, **values)


@blueprint.get("/")
def index():
    lang = current_language()
    return render_template("visualise.html", views=VIEWS, lang_code=lang, release=context.store().release)


# ---------------------------------------------------------------------- timeline

def timeline_rows(dataset: dict, lang: str) -> list[dict]:
    """Projects in order of start, each followed by its roles and then its sub-projects, labels in `lang`."""
    items = dataset["items"]
    projects = {}
    for item in items:
        if item["type"] == "project":
            projects.setdefault(item["item"], item)
    roles, children = defaultdict(list), defaultdict(list)
    for item in items:
        if item["type"] == "role":
            roles[item["project"]].append(item)
    for project in projects.values():
        if project.get("parent") in projects and project["parent"] != project["item"]:
            children[project["parent"]].append(project)

    def order(group):
        return sorted(group, key=lambda p: (p["start"] or "9999", _label(dataset, p["item"], lang)))

    rows, seen = [], set()

    def add(project, depth):
        if project["item"] in seen:
            return
        seen.add(project["item"])
        name = _label(dataset, project["item"], lang)
        rows.append({"id": project["item"], "type": "project", "label": name, "project": name, "depth": depth,
                     "start": project["start"], "end": project["end"],
                     "approximate": project["approximate"] or project["inherited"], "url": entity_url(project["item"])})
        for role in sorted(roles.get(project["item"], []), key=lambda r: (r["start"] or "9999", r["agent"] or "")):
            agent, role_label = _label(dataset, role["agent"], lang), _label(dataset, role["role"], lang)
            rows.append({"id": role["item"], "type": "role", "label": f"{agent} – {role_label}", "depth": depth,
                         "agent": agent, "role": role_label, "project": name,
                         "start": role["start"], "end": role["end"],
                         "approximate": role["approximate"] or role["inherited"], "url": entity_url(role["agent"])})
        for child in order(children.get(project["item"], [])):
            add(child, depth + 1)

    for project in order(p for p in projects.values() if p.get("parent") not in projects):
        add(project, 0)
    for project in order(projects.values()):  # cycles in the hierarchy, if any
        add(project, 0)
    return rows


@blueprint.get("/timeline")
def timeline():
    lang = current_language()
    rows = timeline_rows(_dataset("timeline"), lang)
    dated = [r for r in rows if r["start"] or r["end"]]
    chart = [{k: r[k] for k in ("type", "label", "start", "end", "approximate", "url")} for r in dated[:TIMELINE_CHART_ROWS]]
    payload = {"view": "timeline", "rows": chart, "truncated": len(dated) > TIMELINE_CHART_ROWS,
               "text": {"project": "Hanke" if lang == "fi" else "Project", "role": "Rooli" if lang == "fi" else "Role",
                        "approximate": "arvioitu" if lang == "fi" else "estimated"},
               "lang": lang}
    return _render("timeline", rows=rows[:TABLE_ROWS], payload=payload, dated=len(dated),
                   table_truncated=len(rows) > TABLE_ROWS)


# ---------------------------------------------------------------------- network

@blueprint.get("/network")
def network():
    lang = current_language()
    dataset = _dataset("network")
    nodes = sorted(dataset["nodes"], key=lambda n: -n["degree"])[:NETWORK_CHART_NODES]
    kept = {n["id"] for n in nodes}
    categories = [_i(("Organisaatio", "Organisation"), lang), _i(("Hanke", "Project"), lang)]
    payload = {
        "view": "network", "lang": lang, "categories": categories,
        "nodes": [{"id": n["id"], "name": _label(dataset, n["id"], lang), "category": 0 if n["type"] == "organisation" else 1,
                   "degree": n["degree"], "url": entity_url(n["id"])} for n in nodes],
        "links": [{"source": l["source"], "target": l["target"], "label": _label(dataset, l["relation"], lang)}
                  for l in dataset["links"] if l["source"] in kept and l["target"] in kept],
        "truncated": len(dataset["nodes"]) > NETWORK_CHART_NODES,
    }
    pairs = [{"organisation": p["organisation"], "partner": p["partner"],
              "projects": [(iri, _label(dataset, iri, lang)) for iri in p["projects"]]}
             for p in visual.collaboration(dataset)]
    memberships = defaultdict(lambda: defaultdict(list))
    for link in dataset["links"]:
        if link["relation"] != context.namespaces().hg + "subProjectOf":
            memberships[link["source"]][link["target"]].append(_label(dataset, link["relation"], lang))
    organisations = sorted(memberships, key=lambda iri: _label(dataset, iri, lang))
    return _render("network", payload=payload, pairs=pairs[:TABLE_ROWS], memberships=memberships,
                   organisations=organisations[:TABLE_ROWS], label=lambda iri: _label(dataset, iri, lang),
                   table_truncated=len(pairs) > TABLE_ROWS or len(organisations) > TABLE_ROWS)


# ---------------------------------------------------------------------- funding

@blueprint.get("/funding")
def funding():
    lang = current_language()
    dataset = _dataset("funding")
    label = lambda iri: _label(dataset, iri, lang)  # noqa: E731
    schemes = [dict(s, label=label(s["scheme"])) for s in dataset["schemes"]]
    projects = [dict(p, label=label(p["project"]), funder_label=label(p["funder"]),
                     scheme_label=label(p["scheme"])) for p in dataset["projects"]]
    totals: dict[str, float] = defaultdict(float)
    by_funder: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p in dataset["projects"]:
        if p["amount"] is not None:
            totals[p["project"]] += p["amount"]
            by_funder[p["funder"]][p["project"]] += p["amount"]
    order = sorted(totals, key=lambda iri: -totals[iri])
    payload = {
        "view": "funding", "lang": lang,
        "schemes": [{"name": s["label"], "value": s["total"], "url": entity_url(s["scheme"])}
                    for s in schemes[:CHART_BARS]],
        "projects": {
            "categories": [label(iri) for iri in order[:CHART_BARS]],
            "urls": [entity_url(iri) for iri in order[:CHART_BARS]],
            "series": [{"name": label(funder), "data": [amounts.get(iri, 0) for iri in order[:CHART_BARS]]}
                       for funder, amounts in sorted(by_funder.items(), key=lambda item: label(item[0]))],
        },
        "text": {"amount": "Euroa" if lang == "fi" else "Euros"},
    }
    budgets = [dict(b, label=label(b["project"]), type_label=label(b["type"]), holder_label=label(b["holder"]),
                    document_label=label(b["document"])) for b in dataset["budgets"]]
    return _render("funding", payload=payload, schemes=schemes[:TABLE_ROWS], projects=projects[:TABLE_ROWS],
                   budgets=budgets[:TABLE_ROWS],
                   table_truncated=max(len(schemes), len(projects), len(budgets)) > TABLE_ROWS)


# ---------------------------------------------------------------------- downloads

@blueprint.get("/<view>.json")
def data_json(view: str):
    dataset = _dataset(view)
    response = jsonify(dataset)
    response.headers["Content-Disposition"] = f'inline; filename="{view}.json"'
    return response


def _csv_rows(view: str, table: str, dataset: dict, lang: str) -> tuple[list[str], list[list]]:
    label = lambda iri: _label(dataset, iri, lang)  # noqa: E731
    if view == "timeline":
        header = ["item", "type", "project", "project_label", "agent", "agent_label", "role", "role_label",
                  "start", "end", "approximate", "inherited"]
        rows = [[i["item"], i["type"], i["project"] or "", label(i["project"]), i["agent"] or "", label(i["agent"]),
                 i["role"] or "", label(i["role"]), i["start"] or "", i["end"] or "",
                 "yes" if i["approximate"] else "", "yes" if i["inherited"] else ""] for i in dataset["items"]]
        return header, rows
    if view == "network" and table == "pairs":
        header = ["organisation", "organisation_label", "partner", "partner_label", "project", "project_label"]
        return header, [[p["organisation"], label(p["organisation"]), p["partner"], label(p["partner"]),
                         p["project"], label(p["project"])] for p in dataset["pairs"]]
    if view == "network":
        header = ["source", "source_label", "target", "target_label", "relation", "relation_label"]
        return header, [[l["source"], label(l["source"]), l["target"], label(l["target"]), l["relation"],
                         label(l["relation"])] for l in dataset["links"]]
    if table == "projects":
        header = ["project", "project_label", "funding", "funder", "funder_label", "amount_eur", "scheme", "scheme_label"]
        return header, [[p["project"], label(p["project"]), p["funding"], p["funder"], label(p["funder"]),
                         _number(p["amount"]), p["scheme"] or "", label(p["scheme"])] for p in dataset["projects"]]
    if table == "budgets":
        header = ["project", "project_label", "budget", "type", "type_label", "amount_eur", "holder", "holder_label",
                  "document", "document_label"]
        return header, [[b["project"], label(b["project"]), b["budget"], b["type"], label(b["type"]),
                         _number(b["amount"]), b["holder"] or "", label(b["holder"]), b["document"] or "",
                         label(b["document"])] for b in dataset["budgets"]]
    header = ["scheme", "scheme_label", "total_eur", "fundings"]
    return header, [[s["scheme"], label(s["scheme"]), _number(s["total"]), s["fundings"]] for s in dataset["schemes"]]


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


@blueprint.get("/<view>.csv")
def data_csv(view: str):
    dataset = _dataset(view)
    table = request.args.get("table") or CSV_TABLES[view][0]
    if table not in CSV_TABLES[view]:
        abort(404)
    header, rows = _csv_rows(view, table, dataset, current_language())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = view if table == CSV_TABLES[view][0] else f"{view}-{table}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
