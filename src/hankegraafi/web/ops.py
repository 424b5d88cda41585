"""Operational endpoints: liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, jsonify

from . import context

blueprint = Blueprint("ops", __name__)


@blueprint.get("/health")
def health():
    return jsonify({"status": "ok"})


@blueprint.get("/ready")
def ready():
    store = context.store()
    if not store.is_ready():
        return jsonify({"status": "unavailable", "reason": "no release built"}), 503
    return jsonify({"status": "ready", "release": store.release.identifier})
