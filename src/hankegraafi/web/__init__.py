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

    from . import i18n, ops, pages, security, sparql

    security.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(ops.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(sparql.blueprint)
    return app
