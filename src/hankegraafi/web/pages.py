"""Human-facing pages: the home page summarising the graph."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..services.overview import project_overview
from . import context

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    store = context.store()
    ns = context.namespaces()
    release = store.release
    classes = {iri[len(ns.hg):]: n for iri, n in release.entities_per_class.items()}
    return render_template(
        "home.html",
        release=release,
        classes=classes,
        projects=project_overview(store, ns),
    )
