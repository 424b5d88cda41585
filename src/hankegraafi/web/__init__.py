"""The Flask application: an application factory over the served release."""

from __future__ import annotations

from flask import Flask

from ..config import Config, load_config
from ..namespaces import Namespaces
from ..store import ReleaseStore


def create_app(config: Config | None = None) -> Flask:
    config = config or load_config()
    app = Flask(__name__)
    app.config["HANKEGRAAFI"] = config
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.extensions["hankegraafi.store"] = ReleaseStore(config)
    app.extensions["hankegraafi.ns"] = Namespaces(config.base_iri)

    from . import i18n, observability, ops, pages, ratelimit, security, sparql, vendor

    observability.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app, blueprint="sparql")
    i18n.init_app(app)
    app.register_blueprint(ops.blueprint)
    from . import openapi

    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(vendor.blueprint)

    from . import browse, search, visualise

    app.register_blueprint(browse.blueprint)
    app.register_blueprint(search.blueprint)
    app.register_blueprint(visualise.blueprint)

    from . import dumps, linked_data, ontology_docs

    app.register_blueprint(linked_data.blueprint)
    app.register_blueprint(ontology_docs.blueprint)
    app.register_blueprint(dumps.blueprint)
    return app
