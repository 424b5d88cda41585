"""Per-client rate limiting of the SPARQL endpoint: a token bucket per client address.

Each client (see `client_address`) has a bucket of `sparql_rate_burst` tokens that refills at
`sparql_rate_limit` tokens a second; a request to `/sparql` or `/rdf-graph-store` takes one token
(CORS preflights take none). With the bucket empty the answer is

    HTTP/1.1 429 Too Many Requests
    Retry-After: 2
    Content-Type: text/plain

    Too many SPARQL requests from your address: the limit is 10 a second (bursts of up to 60). Try again in 2 s.

`sparql_rate_limit = 0` turns the limit off.

`sparql_client_concurrency` (0, off, by default) caps how many requests to those views one client
may have running at once (beyond it: 429, `Retry-After: 1`), so one client cannot hold every query
worker with slow queries; set it below `query_workers` (e.g. 2 with 4 workers). The buckets live in the web process: under gunicorn
with N workers a client may get up to N times the limit (put the limit in the reverse proxy too if
that matters, see docs/operations.md). At most `MAX_CLIENTS` buckets are kept (least recently used
dropped first), so a flood of addresses cannot exhaust memory; a dropped bucket was full anyway
unless its client sent a request within the last `burst / rate` seconds.

The client address is the socket's peer address, unless `trusted_proxies` (the number of reverse
proxies in front of the app that append to `X-Forwarded-For`) is set: then the address that the
outermost trusted proxy saw, i.e. the `trusted_proxies`-th entry from the right of
`X-Forwarded-For`. Never trust the header without a proxy: any client can write it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from flask import Flask, Response, current_app, g, request

from . import context

# the views that run queries or updates; the editor page, example pages and vendored files are not limited
LIMITED_ENDPOINTS = frozenset({"sparql.endpoint", "sparql.graph_store"})
MAX_CLIENTS = 100_000


class TokenBuckets:
    """Thread-safe token buckets keyed by client; `take` answers 0 (allowed) or the seconds to wait."""

    def __init__(self, rate: float, burst: int, max_clients: int = MAX_CLIENTS, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


def client_address() -> str:
    """The client's address: the peer, or the `trusted_proxies`-th X-Forwarded-For entry from the right."""
    hops = context.config().trusted_proxies
    if hops > 0:
        entries = [item.strip() for header in request.headers.getlist("X-Forwarded-For")
                   for item in header.split(",") if item.strip()]
        if len(entries) >= hops:
            return entries[-hops][:100]
    return request.remote_addr or "unknown"


def _describe(rate: float, burst: int) -> str:
    if rate >= 1:
        pace = f"{rate:g} a second"
    else:
        pace = f"one every {1 / rate:g} s"
    return f"{pace} (bursts of up to {burst})"


class InFlight:
    """How many requests each client has running; `enter` refuses beyond `limit`."""

    def __init__(self, limit: int):
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, key: str) -> bool:
        with self._lock:
            running = self._running.get(key, 0)
            if running >= self.limit:
                return False
            self._running[key] = running + 1
            return True

    def leave(self, key: str) -> None:
        with self._lock:
            running = self._running.get(key, 0) - 1
            if running > 0:
                self._running[key] = running
            else:
                self._running.pop(key, None)


def _refuse(message: str, retry: int) -> Response:
    from .observability import count_rate_limited

    count_rate_limited()
    return Response(message, status=429, mimetype="text/plain", headers={"Retry-After": str(retry)})


def check() -> Response | None:
    """The before_request hook: None to go on, or the 429 answer."""
    if request.endpoint not in LIMITED_ENDPOINTS or request.method == "OPTIONS":
        return None
    buckets: TokenBuckets | None = current_app.extensions.get("hankegraafi.ratelimit")
    running: InFlight | None = current_app.extensions.get("hankegraafi.inflight")
    if buckets is None and running is None:
        return None
    client = client_address()
    if buckets is not None:
        wait = buckets.take(client)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            return _refuse(f"Too many SPARQL requests from your address: the limit is "
                           f"{_describe(buckets.rate, buckets.burst)}. Try again in {retry} s.\n", retry)
    if running is not None:
        if not running.enter(client):
            return _refuse(f"You already have {running.limit} SPARQL request(s) running: wait for one to finish "
                           "before sending another.\n", 1)
        g.ratelimit_running = client
    return None


def release(_error=None) -> None:
    """teardown_request: the request's slot in the per-client count of running requests."""
    client = g.pop("ratelimit_running", None)
    if client is not None:
        current_app.extensions["hankegraafi.inflight"].leave(client)


def init_app(app: Flask, blueprint: str = "sparql") -> None:
    """Limit the views of `blueprint` that run queries (LIMITED_ENDPOINTS), when a rate (or a number of
    requests running at once per client) is configured."""
    config = app.config["HANKEGRAAFI"]
    if config.sparql_rate_limit > 0:
        app.extensions["hankegraafi.ratelimit"] = TokenBuckets(config.sparql_rate_limit, config.sparql_rate_burst)
    if config.sparql_client_concurrency > 0:
        app.extensions["hankegraafi.inflight"] = InFlight(config.sparql_client_concurrency)
        app.teardown_request(release)
    app.before_request_funcs.setdefault(blueprint, []).append(check)
