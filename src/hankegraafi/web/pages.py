"""Human-facing pages: the home page summarising the graph."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..services.overview import newest_top_level_projects, project_overview
from . import context
from .browse import indexes

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    store = context.store()
    ns = context.namespaces()
    release = store.release
    classes = {iri[len(ns.hg):]: n for iri, n in release.entities_per_class.items()}
    newest, total = newest_top_level_projects(indexes())
    return render_template(
        "home.html",
        release=release,
        classes=classes,
        projects=project_overview(store, ns, newest),
        top_level_total=total,
    )
