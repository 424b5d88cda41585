"""Operational endpoints: liveness, readiness and Prometheus metrics (see web/observability.py)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from . import context, observability

blueprint = Blueprint("ops", __name__)


@blueprint.get("/health")
def health():
    """Liveness: the process answers (says nothing about the store)."""
    return jsonify({"status": "ok"})


@blueprint.get("/ready")
def ready():
    """Readiness: a release is open and can be queried."""
    store = context.store()
    if not store.is_ready():
        return jsonify({"status": "unavailable", "reason": "no release built"}), 503
    if not store.answers():
        return jsonify({"status": "unavailable", "reason": "the SPARQL store does not answer"}), 503
    return jsonify({"status": "ready", "release": store.release.identifier})


@blueprint.get("/metrics")
def metrics():
    """Prometheus text format: request counts and latencies, in-flight requests, the release id."""
    # the classic text format 0.0.4, which every Prometheus version scrapes
    from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

    return Response(observability.metrics().exposition(),
                    headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"})
