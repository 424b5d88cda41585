"""Operations (issue 6): liveness and readiness, request ids, structured logs, Prometheus metrics, the
per-client rate limit of the SPARQL endpoint."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from hankegraafi.web import create_app
from hankegraafi.web.ratelimit import TokenBuckets

from conftest import REPO, free_port


def log_lines(process) -> list[dict]:
    """The JSON lines a server wrote to its stderr so far (other lines skipped)."""
    process.log.flush()
    process.log.seek(0)
    found = []
    for line in process.log.read().decode("utf-8", "replace").splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
    return found


def wait_for_log(process, predicate, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in log_lines(process):
            if predicate(entry):
                return entry
        time.sleep(0.05)
    raise AssertionError("no such log line")


def metric_value(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(k) == str(v) for k, v in labels.items()):
            return float(match.group(4))
    return 0.0


@pytest.fixture(scope="module")
def ops_server(config, start_sparql_server):
    process, url = start_sparql_server(config)
    return process, url


# --- liveness, readiness ---------------------------------------------------------------------------

def test_health_and_ready(ops_server, store):
    _, url = ops_server
    assert requests.get(url + "/health", timeout=10).json() == {"status": "ok"}
    ready = requests.get(url + "/ready", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "release": store.release.identifier}


def test_ready_is_503_without_a_release(tmp_path, config):
    app = create_app(dataclasses.replace(config, store_path=tmp_path / "empty"))
    client = app.test_client()
    assert client.get("/health").status_code == 200
    answer = client.get("/ready")
    assert answer.status_code == 503 and answer.json["status"] == "unavailable"


# --- request ids and logs --------------------------------------------------------------------------

def test_request_id_is_echoed_or_generated(ops_server):
    _, url = ops_server
    mine = requests.get(url + "/health", headers={"X-Request-ID": "trace-42.a:b"}, timeout=10)
    assert mine.headers["X-Request-ID"] == "trace-42.a:b"
    generated = requests.get(url + "/health", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    # an id that could break log lines or headers is replaced, not echoed
    hostile = requests.get(url + "/health", headers={"X-Request-ID": "x" * 500}, timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])
    odd = requests.get(url + "/health", headers={"X-Request-ID": 'a"b <c>'}, timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-ID"])


def test_one_json_log_line_per_request(ops_server):
    process, url = ops_server
    answer = requests.get(url + "/search", params={"q": "lastensuojelu secret-word"},
                          headers={"X-Request-ID": "log-test-1"}, timeout=30)
    entry = wait_for_log(process, lambda e: e.get("request_id") == "log-test-1")
    assert entry["event"] == "request"
    assert entry["method"] == "GET" and entry["path"] == "/search" and entry["route"] == "/search"
    assert entry["status"] == answer.status_code
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["client"] == "127.0.0.1"
    assert entry["ts"].endswith("Z") and entry["level"] == "info"
    # the query string (search words, SPARQL text) is never logged
    assert "secret-word" not in json.dumps(entry)
    assert len([e for e in log_lines(process) if e.get("request_id") == "log-test-1"]) == 1


def test_sparql_log_line_has_query_time(ops_server):
    process, url = ops_server
    answer = requests.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                          headers={"X-Request-ID": "log-sparql-1"}, timeout=30)
    assert answer.status_code == 200
    entry = wait_for_log(process, lambda e: e.get("request_id") == "log-sparql-1")
    assert entry["route"] == "/sparql" and entry["status"] == 200
    assert 0 <= entry["query_ms"] <= entry["duration_ms"] + 1


def test_query_time_taken_from_flask_g(config):
    """The contract with the SPARQL views: a view may set `g.query_ms`; it wins over the header."""
    from flask import g

    app = create_app(config)

    @app.get("/test-query-ms")
    def timed():
        g.query_ms = 12.5
        return "ok"

    records = []
    import logging

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Capture()
    logging.getLogger("hankegraafi.access").addHandler(handler)
    try:
        app.test_client().get("/test-query-ms")
    finally:
        logging.getLogger("hankegraafi.access").removeHandler(handler)
    assert records[-1].fields["query_ms"] == 12.5
    assert records[-1].fields["route"] == "/test-query-ms"


def test_errors_are_logged_as_json_with_request_id_and_trace(config, capfd):
    app = create_app(config)

    @app.get("/test-boom")
    def boom():
        raise RuntimeError("internal detail 7f3a")

    answer = app.test_client().get("/test-boom", headers={"X-Request-ID": "boom-1"})
    assert answer.status_code == 500
    err = capfd.readouterr().err
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    failure = next(e for e in entries if e.get("level") == "error")
    assert failure["request_id"] == "boom-1"
    assert "internal detail 7f3a" in failure["error"] and "Traceback" in failure["error"]
    access = next(e for e in entries if e.get("event") == "request")
    assert access["status"] == 500 and access["request_id"] == "boom-1"


# --- metrics ---------------------------------------------------------------------------------------

def test_metrics_in_prometheus_text_format(ops_server, store):
    _, url = ops_server
    before = requests.get(url + "/metrics", timeout=10).text
    ok_before = metric_value(before, "hankegraafi_http_requests_total", method="GET", route="/health", status="200")
    for _ in range(3):
        requests.get(url + "/health", timeout=10)
    requests.get(url + "/no-such-page-" + "x" * 10, timeout=10)
    requests.get(url + "/id/project/no-such-project", timeout=10, allow_redirects=False)
    answer = requests.get(url + "/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert "# TYPE hankegraafi_http_requests_total counter" in text
    assert "# TYPE hankegraafi_http_request_duration_seconds histogram" in text
    assert "# TYPE hankegraafi_http_requests_in_flight gauge" in text
    assert metric_value(text, "hankegraafi_http_requests_total", method="GET", route="/health",
                        status="200") == ok_before + 3
    # routes are URL rules, not paths: unmatched URLs and entity IRIs do not blow up the label set
    assert metric_value(text, "hankegraafi_http_requests_total", method="GET", route="unmatched", status="404") >= 1
    assert "no-such-page" not in text and "no-such-project" not in text
    assert metric_value(text, "hankegraafi_http_request_duration_seconds_count", route="/health") >= 3
    assert metric_value(text, "hankegraafi_http_request_duration_seconds_bucket", route="/health", le="+Inf") >= 3
    # the scrape itself is in flight while it is answered
    assert metric_value(text, "hankegraafi_http_requests_in_flight") >= 1
    assert metric_value(text, "hankegraafi_release_info", release=store.release.identifier) == 1


def test_metrics_count_sparql_query_time(ops_server):
    _, url = ops_server
    before = metric_value(requests.get(url + "/metrics", timeout=10).text,
                          "hankegraafi_sparql_query_duration_seconds_count")
    requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    after = metric_value(requests.get(url + "/metrics", timeout=10).text,
                         "hankegraafi_sparql_query_duration_seconds_count")
    assert after == before + 1


def test_metrics_add_up_gunicorn_workers(config, store, tmp_path):
    """With gunicorn (2 web processes) /metrics reports every process's requests, whichever answers."""
    port = free_port()
    env = dict(os.environ, HANKEGRAAFI_STORE_PATH=str(config.store_path), HANKEGRAAFI_PROJECT_DIR=str(REPO),
               HANKEGRAAFI_QUERY_WORKERS="1", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    (tmp_path / "metrics").mkdir()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "hankegraafi.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", "2", "--threads", "2"],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/health", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        session_count = 1
        for _ in range(19):
            requests.get(url + "/health", timeout=10)  # a new connection each time: both workers answer some
            session_count += 1
        text = requests.get(url + "/metrics", timeout=10).text
        assert metric_value(text, "hankegraafi_http_requests_total", method="GET", route="/health",
                            status="200") == session_count
        assert metric_value(text, "hankegraafi_release_info", release=store.release.identifier) == 1
        # gunicorn's own limits answer oversized headers with 400, never 500
        from test_security import raw_request

        for headers in ({"X-Big": "a" * 70_000}, [(f"X-Many-{n}", "v") for n in range(150)]):
            status, _, _ = raw_request(url, "GET", "/health", headers)
            assert status in (400, 431)
        assert requests.get(url + "/health", timeout=10).status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


# --- rate limit ------------------------------------------------------------------------------------

def test_token_bucket_refills_at_the_rate():
    now = [0.0]
    buckets = TokenBuckets(rate=2, burst=3, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0  # another client has its own bucket
    now[0] += 0.5
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    now[0] += 100
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]  # never more than the burst


def test_token_buckets_are_bounded():
    buckets = TokenBuckets(rate=1, burst=1, max_clients=100)
    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
    assert len(buckets) == 100


def limited_client(config, **overrides):
    app = create_app(dataclasses.replace(config, sparql_rate_limit=0.5, sparql_rate_burst=3, **overrides))
    return app.test_client()


def service_description(client, address="198.51.100.7", **headers):
    # GET /sparql without a query: the service description (a limited request that needs no worker)
    return client.get("/sparql", headers={"Accept": "text/turtle", **headers},
                      environ_base={"REMOTE_ADDR": address})


def test_sparql_rate_limit_answers_429_with_retry_after(config):
    client = limited_client(config)
    assert [service_description(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = service_description(client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # a JS client can read why
    assert refused.mimetype == "text/plain"
    assert "Too many SPARQL requests" in refused.get_data(as_text=True)
    assert "Try again in" in refused.get_data(as_text=True)
    # another client is not affected; nor are pages outside the endpoint, nor CORS preflights
    assert service_description(client, address="198.51.100.8").status_code == 200
    assert client.get("/health", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    assert client.options("/sparql", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 204
    metrics = client.get("/metrics").get_data(as_text=True)
    assert metric_value(metrics, "hankegraafi_rate_limited_total") == 1
    assert metric_value(metrics, "hankegraafi_http_requests_total", method="GET", route="/sparql", status="429") == 1


def test_rate_limit_ignores_x_forwarded_for_without_trusted_proxy(config):
    client = limited_client(config)
    statuses = [service_description(client, **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_rate_limit_uses_x_forwarded_for_behind_trusted_proxy(config):
    client = limited_client(config, trusted_proxies=1)
    # behind one proxy: the right-most entry is the address the proxy saw; earlier entries are the
    # client's own claims and are not trusted
    for n in range(5):
        answer = service_description(client, address="127.0.0.1",
                                     **{"X-Forwarded-For": f"10.9.9.9, 203.0.113.{n}"})
        assert answer.status_code == 200
    statuses = [service_description(client, address="127.0.0.1",
                                    **{"X-Forwarded-For": f"10.{n}.0.1, 203.0.113.99"}).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_rate_limit_can_be_turned_off(config):
    app = create_app(dataclasses.replace(config, sparql_rate_limit=0))
    client = app.test_client()
    assert all(service_description(client).status_code == 200 for _ in range(20))


def test_rate_limit_configured_from_environment(config, start_sparql_server):
    _, url = start_sparql_server(config, HANKEGRAAFI_SPARQL_RATE_LIMIT="0.2", HANKEGRAAFI_SPARQL_RATE_BURST="2")
    statuses = [requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_requests_running_at_once_per_client_are_capped(config, start_sparql_server):
    """With sparql_client_concurrency = 1, a client with a slow query running gets 429 for a second
    one at once; other clients are served, and the slot is free again when the slow query ends."""
    _, url = start_sparql_server(config, HANKEGRAAFI_SPARQL_CLIENT_CONCURRENCY="1", HANKEGRAAFI_QUERY_TIMEOUT="3",
                                 HANKEGRAAFI_TRUSTED_PROXIES="1")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    me = {"X-Forwarded-For": "192.0.2.10"}
    outcome = []
    import threading

    thread = threading.Thread(target=lambda: outcome.append(
        requests.post(url + "/sparql", data={"query": runaway}, headers=me, timeout=60)))
    thread.start()
    time.sleep(0.7)
    second = requests.get(url + "/sparql", params={"query": "ASK {}"}, headers=me, timeout=30)
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    assert "already have 1 SPARQL request(s) running" in second.text
    other = requests.get(url + "/sparql", params={"query": "ASK {}"}, headers={"X-Forwarded-For": "192.0.2.11"},
                         timeout=30)
    assert other.status_code == 200
    thread.join(timeout=30)
    assert outcome[0].status_code == 503  # cut off at the time limit
    assert requests.get(url + "/sparql", params={"query": "ASK {}"}, headers=me, timeout=30).status_code == 200


# --- a short load run (benchmarks/load.py; `make load` runs it for minutes) ----------------------------

def test_short_load_run_has_no_5xx_and_no_lost_connections(config, capsys):
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from benchmarks import load

    status = load.main(["--store", str(config.store_path), "--duration", "8", "--concurrency", "8",
                        "--runaway-duration", "0", "--max-requests", "3000"])
    out = capsys.readouterr().out
    assert "5xx: 0; lost connections: 0" in out, out
    assert status == 0


def test_metric_labels_stay_bounded_under_odd_requests(config):
    """Random methods and paths must not create new label values (memory of a long-running server)."""
    client = create_app(config).test_client()
    for n in range(30):
        client.open(f"/no/such/path/{n}", method=f"FOO{n}")
        client.get(f"/id/project/nothing-{n}")
    text = client.get("/metrics").get_data(as_text=True)
    series = [line for line in text.splitlines() if line.startswith("hankegraafi_http_requests_total{")]
    assert len(series) <= 4, series
    assert 'method="other"' in text and "FOO" not in text and "nothing-" not in text


def test_every_answer_names_its_release(server, store):
    import urllib.request

    release = store.release.identifier
    for path in ("/", "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/id/project/mrv", "/health"):
        request = urllib.request.Request(server + path, headers={"Accept": "text/turtle"})
        try:
            with urllib.request.urlopen(request) as response:
                headers = response.headers
        except urllib.error.HTTPError as error:  # the 303 of an entity IRI is followed; anything else shows
            headers = error.headers
        assert headers["X-Hankegraafi-Release"] == release, path
