"""Request ids, structured (JSON) logs and Prometheus metrics.

Every request gets an id: the client's `X-Request-ID` when it is a sane token (1-128 characters of
letters, digits and `-_.:/+=`), otherwise a new one. It is echoed in the response's `X-Request-ID`
header and in every log line written while the request runs.

**Logs.** One JSON object per line on standard error, one line per request (logger
`hankegraafi.access`):

    {"ts": "2026-11-22T12:00:00.123Z", "level": "info", "logger": "hankegraafi.access",
     "event": "request", "request_id": "…", "method": "GET", "path": "/sparql", "route": "/sparql",
     "status": 200, "duration_ms": 12.3, "bytes": 456, "client": "127.0.0.1", "query_ms": 8.1}

The query string is never logged (it may hold a long SPARQL query, and people's search words).
`query_ms` is the time a SPARQL query took in the worker pool (waiting for a free worker, evaluation,
serialisation): a view that ran a query sets `flask.g.query_ms` (a float, milliseconds; web/sparql.py
does); without it, the `X-Hankegraafi-Elapsed` header the SPARQL views put on their answers
(seconds) is used. Errors logged by the application (`app.logger`, `hankegraafi.*`) are JSON too,
with the request id, and carry the stack trace in the log, never in the response.

**Metrics** at `/metrics` (Prometheus text format 0.0.4):

| metric | type | labels |
|---|---|---|
| `hankegraafi_http_requests_total` | counter | `method`, `route` (the URL rule, e.g. `/id/<path:rest>`; `unmatched` for 404s), `status` |
| `hankegraafi_http_request_duration_seconds` | histogram | `route` |
| `hankegraafi_http_requests_in_flight` | gauge | |
| `hankegraafi_sparql_query_duration_seconds` | histogram | |
| `hankegraafi_rate_limited_total` | counter | |
| `hankegraafi_release_info` | info (gauge 1) | `release` (the served release id) |

Under gunicorn (`hankegraafi serve --workers N`) each web process counts for itself; the serve
command sets `PROMETHEUS_MULTIPROC_DIR` to a fresh folder before the workers start, and `/metrics`
then adds up every process's files (prometheus_client's multiprocess mode: the in-flight gauge is
summed over live processes; counters and histograms of exited workers are kept). Set the variable
yourself to keep the folder somewhere specific; it must be empty when the server starts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
RELEASE_HEADER = "X-Hankegraafi-Release"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
QUERY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

access_log = logging.getLogger("hankegraafi.access")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
MAX_LOGGED_PATH = 1000


# --- logs --------------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per record; the request id of the current request, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                  .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if "request_id" not in entry and has_request_context():
            request_id = g.get("request_id")
            if request_id:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the `hankegraafi` loggers: the access log, the app's logger
    (`hankegraafi.web`, a child) and the services'. Records still propagate to the root logger,
    which has no handler unless someone (a test's log capture) adds one."""
    logger = logging.getLogger("hankegraafi")
    if not any(getattr(h, "_hankegraafi", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        handler._hankegraafi = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # the app's records reach the handler above
    if not app.logger.name.startswith("hankegraafi"):
        app.logger.addHandler(next(h for h in logger.handlers if getattr(h, "_hankegraafi", False)))
    # the development server's own access lines would duplicate ours
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


# --- metrics -----------------------------------------------------------------------------------------

class _ReleaseCollector:
    """`hankegraafi_release_info{release="…"} 1`, read when scraped (a build may swap releases)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from prometheus_client.core import InfoMetricFamily

        family = InfoMetricFamily("hankegraafi_release", "The release the server is serving.")
        store = self.app.extensions["hankegraafi.store"]
        try:
            release = store.release.identifier
        except Exception:  # no release yet: report none
            release = ""
        family.add_metric([], {"release": release})
        yield family


class Metrics:
    def __init__(self, app: Flask):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()  # no `_created` series: they double the output and nobody graphs them

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # one registry per app (tests create many apps in one process); in multiprocess mode the values
        # live in the shared folder's files and the registry is only used to create them
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("hankegraafi_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=self.registry)
        self.duration = Histogram("hankegraafi_http_request_duration_seconds",
                                  "Time to produce the response (streamed bodies not included).",
                                  ["route"], buckets=DURATION_BUCKETS, registry=self.registry)
        gauge_options = {"multiprocess_mode": "livesum"} if self.multiprocess else {}
        self.in_flight = Gauge("hankegraafi_http_requests_in_flight", "Requests being handled now.",
                               registry=self.registry, **gauge_options)
        self.query = Histogram("hankegraafi_sparql_query_duration_seconds",
                               "Time answered SPARQL queries spent in the worker pool (wait, evaluation, serialisation).",
                               buckets=QUERY_BUCKETS, registry=self.registry)
        self.rate_limited = Counter("hankegraafi_rate_limited", "Requests refused with 429 by the rate limit.",
                                    registry=self.registry)
        self.release = _ReleaseCollector(app)
        if not self.multiprocess:
            self.registry.register(self.release)

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(self.release)
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics(app: Flask | None = None) -> Metrics:
    return (app or current_app).extensions["hankegraafi.metrics"]


def count_rate_limited() -> None:
    found = current_app.extensions.get("hankegraafi.metrics")
    if found is not None:
        found.rate_limited.inc()


# --- the hooks ---------------------------------------------------------------------------------------

def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _query_ms(response: Response | None) -> float | None:
    value = g.get("query_ms")
    if value is None and response is not None:
        header = response.headers.get("X-Hankegraafi-Elapsed")
        if header:
            try:
                value = float(header) * 1000
            except ValueError:
                value = None
    return None if value is None else round(float(value), 3)


def init_app(app: Flask) -> None:
    _configure_logging(app)
    app.extensions["hankegraafi.metrics"] = Metrics(app)

    @app.before_request
    def start():
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = supplied if _VALID_ID.match(supplied) else uuid.uuid4().hex
        g.started = time.perf_counter()
        g.in_flight = True
        metrics(app).in_flight.inc()

    @app.after_request
    def finish(response: Response):
        if "request_id" not in g:  # a request refused before the hooks ran (e.g. by another before_request)
            g.request_id = uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = g.request_id
        release = _release_id()
        if release:  # every answer says which release of the data it shows
            response.headers.setdefault(RELEASE_HEADER, release)
        g.response_status = response.status_code
        g.response_bytes = response.content_length
        g.response_query_ms = _query_ms(response)
        return response

    @app.teardown_request
    def record(error):
        started = g.get("started")
        if started is None:
            return
        found = metrics(app)
        if g.pop("in_flight", False):
            found.in_flight.dec()
        duration = time.perf_counter() - started
        status = g.get("response_status") or 500
        route = _route()
        method = request.method if request.method in KNOWN_METHODS else "other"  # label values stay bounded
        found.requests.labels(method, route, str(status)).inc()
        found.duration.labels(route).observe(duration)
        query_ms = g.get("response_query_ms")
        if query_ms is not None and status == 200:
            found.query.observe(query_ms / 1000)
        fields = {
            "event": "request",
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path[:MAX_LOGGED_PATH],
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 3),
            "bytes": g.get("response_bytes"),
            "client": _client(),
        }
        if query_ms is not None:
            fields["query_ms"] = query_ms
        if error is not None:
            fields["error"] = type(error).__name__
        access_log.info("request", extra={"fields": fields})


def _client() -> str | None:
    from .ratelimit import client_address

    try:
        return client_address()
    except Exception:
        return request.remote_addr


def _release_id() -> str | None:
    from . import context

    store = context.store()
    return store.release.identifier if store.is_ready() else None

