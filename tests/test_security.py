"""Security defaults (issue 6): headers, HSTS only when configured, no directory listings, no stack
traces, request size limits, oversized headers, and SERVICE/LOAD to other hosts refused."""

from __future__ import annotations

import dataclasses
import http.client
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from hankegraafi.web import create_app


def raw_request(url: str, method: str, path: str, headers: dict | list | None = None, body: bytes | None = None,
                timeout: float = 30.0):
    """Send a request exactly as written (no path normalisation): (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        for name, value in items:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# --- headers ---------------------------------------------------------------------------------------

def test_security_headers_on_every_kind_of_answer(server):
    for path in ("/", "/search?q=mrv", "/sparql?query=ASK%20%7B%7D", "/no-such-page", "/static/site.css"):
        answer = requests.get(server + path, timeout=30)
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-eval'" not in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        # HSTS is off unless configured: a plain-HTTP deployment must not lock browsers out
        assert "Strict-Transport-Security" not in answer.headers


def test_hsts_only_when_configured(config):
    plain = create_app(config).test_client().get("/health")
    assert "Strict-Transport-Security" not in plain.headers
    app = create_app(dataclasses.replace(config, hsts_max_age=31536000))
    answer = app.test_client().get("/health")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert app.test_client().get("/no-such-page").headers["Strict-Transport-Security"] == "max-age=31536000"


# --- no directory listings, no path traversal ------------------------------------------------------

FILE_ROUTES_WITHOUT_LISTING = [
    "/static", "/static/", "/static/vendor", "/static/vendor/", "/static/vendor/yasgui", "/static/vendor/yasgui/",
    "/dumps", "/dumps/", "/queries/..", "/data/", "/page/", "/id/", "/ontology/",
]
TRAVERSALS = [
    "/static/../__init__.py", "/static/..%2f__init__.py", "/static/%2e%2e/__init__.py", "/static/%2e%2e%2f%2e%2e%2fconfig.py",
    "/static/..%5c__init__.py", "/static/....//__init__.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/vendor/../../../../../../etc/passwd", "/static/vendor/..%2f..%2f..%2fpackage.json",
    "/static/vendor/yasgui/..%2f..%2f..%2fpackage.json", "/static/vendor/%2e%2e/%2e%2e/package.json",
    "/static/vendor/yasgui%00.min.js", "/static/site.css%00.py", "/static/site.css/..%2f..%2fconfig.py",
    "/dumps/hankegraafi.%2e%2e%2fcurrent", "/dumps/..%2fcurrent%2frelease.json", "/dumps/../store/current/release.json",
    "/dumps/hankegraafi.ttl%2f..%2f..%2frelease.json", "/data/..%2f..%2f..%2fetc%2fpasswd.ttl",
    "/page/..%2f..%2fetc%2fpasswd", "/visualise/..%2f..%2fconfig.json", "/queries/..%2f..%2fpyproject.toml",
    "/ontology/..%2f..%2fpyproject.toml", "/%2e%2e/%2e%2e/etc/passwd", "/static/%c0%ae%c0%ae/__init__.py",
]


def test_no_directory_listing_anywhere(server):
    for path in FILE_ROUTES_WITHOUT_LISTING:
        status, headers, body = raw_request(server, "GET", path)
        text = body.decode("utf-8", "replace")
        assert status < 500, path
        assert "Index of" not in text and "Directory listing" not in text, path
        assert "yasgui.min.js" not in text or path.startswith("/query"), path
        assert "site.css\n" not in text and "editor.js<" not in text, path


def test_path_traversal_reaches_no_file(server):
    for path in TRAVERSALS:
        status, headers, body = raw_request(server, "GET", path)
        assert status in (400, 404, 308, 301), (path, status)
        text = body.decode("utf-8", "replace")
        assert "root:" not in text and "[project]" not in text and "import " not in text, path
        assert '"identifier"' not in text, path


def test_vendor_route_serves_only_its_allow_list(server):
    status, _, _ = raw_request(server, "GET", "/static/vendor/yasgui/yasgui.min.css")
    assert status in (200, 404)  # 404 only if `make node-deps` was not run
    for name in ("yasgui/package.json", "@zazuko/yasgui/build/yasgui.min.js", "yasgui/yasgui.min.js/",
                 "YASGUI/yasgui.min.js", "yasgui/./yasgui.min.js"):
        status, _, _ = raw_request(server, "GET", "/static/vendor/" + name)
        assert status == 404, name


# --- no stack traces -------------------------------------------------------------------------------

@pytest.fixture()
def failing_app(config):
    app = create_app(config)

    @app.get("/test-failure")
    def failure():
        raise KeyError("secret internal detail: /etc/hankegraafi/token")

    @app.post("/test-form")
    def form():
        return str(len(__import__("flask").request.form.get("data", "")))

    return app


def test_unexpected_error_shows_no_stack_trace(failing_app):
    client = failing_app.test_client()
    for accept in ("text/html", "application/json", "*/*", "text/plain"):
        answer = client.get("/test-failure", headers={"Accept": accept})
        assert answer.status_code == 500
        text = answer.get_data(as_text=True)
        assert "Traceback" not in text and "secret internal detail" not in text and "KeyError" not in text
        assert "File \"" not in text and ".py" not in text
        assert "unexpected error" in text
    answer = client.get("/test-failure", headers={"Accept": "application/json"})
    assert answer.json == {"error": "Internal Server Error", "status": 500,
                           "message": "The server hit an unexpected error; it has been logged."}


def test_debug_mode_is_off(server):
    # Werkzeug's debugger would show source and a console
    status, _, body = raw_request(server, "GET", "/console")
    assert status == 404 and b"Werkzeug Debugger" not in body


# --- request size limits ---------------------------------------------------------------------------

def test_oversized_bodies_are_413(server, config, failing_app):
    limit = config.max_request_bytes
    big = b"query=" + b"A" * (limit + 10)
    status, _, body = raw_request(server, "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, big)
    assert status == 413 and str(limit).encode() in body
    status, _, _ = raw_request(server, "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"#" * (limit + 1))
    assert status == 413
    status, _, _ = raw_request(server, "PUT", "/rdf-graph-store?graph=http://example.org/g",
                               {"Content-Type": "text/turtle"}, b"#" * (limit + 1))
    assert status == 413
    # any other view that reads a body: Flask's MAX_CONTENT_LENGTH
    client = failing_app.test_client()
    answer = client.post("/test-form", data={"data": "x" * (limit + 1)})
    assert answer.status_code == 413
    assert client.post("/test-form", data={"data": "x" * 100}).get_data(as_text=True) == "100"


def test_oversized_body_is_refused_before_it_is_read(server, config):
    """A client announcing a huge body gets 413 without the server waiting for it."""
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 5000000000\r\n\r\nASK {}")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def test_oversized_url_is_not_a_server_error(server):
    status, _, _ = raw_request(server, "GET", "/sparql?query=" + "A" * 70_000)
    assert status in (413, 414, 400, 431)
    status, _, _ = raw_request(server, "GET", "/search?q=" + "a" * 60_000)
    assert status < 500


def test_huge_headers_are_refused_not_500(server):
    status, _, _ = raw_request(server, "GET", "/", {"X-Big": "a" * 70_000})
    assert status in (400, 431)
    status, _, _ = raw_request(server, "GET", "/", [(f"X-Many-{n}", "v") for n in range(150)])
    assert status in (400, 431)
    # large but within the server's per-line limit: answered normally
    status, _, _ = raw_request(server, "GET", "/", [(f"X-Large-{n}", "b" * 30_000) for n in range(20)])
    assert status == 200
    status, _, _ = raw_request(server, "GET", "/search?q=mrv", {"Cookie": "c=" + "x" * 60_000, "Accept-Language": "fi;" * 5000})
    assert status < 500
    # and the server is still fine
    assert requests.get(server + "/health", timeout=10).status_code == 200


# --- SERVICE and LOAD ------------------------------------------------------------------------------

class Listener:
    """A TCP listener on loopback that records whether anything connected to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener():
    found = Listener()
    yield found
    found.close()


def test_service_to_other_hosts_is_refused_and_nothing_fetched(server, listener):
    target = f"http://127.0.0.1:{listener.port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { BIND(<%s> AS ?e) SERVICE ?e { ?s ?p ?o } }" % target,
        f"select * where {{ service <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <http://127.0.0.1:{listener.port}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    ]
    for query in queries:
        for method in ("GET", "POST"):
            if method == "GET":
                answer = requests.get(server + "/sparql", params={"query": query}, timeout=30)
            else:
                answer = requests.post(server + "/sparql", data=query.encode(),
                                       headers={"Content-Type": "application/sparql-query"}, timeout=30)
            assert answer.status_code == 403, (query, answer.status_code, answer.text)
            assert "does not fetch" in answer.text or "SERVICE" in answer.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_load_to_other_hosts_is_refused_and_nothing_fetched(private_config, start_sparql_server, listener):
    token = "load-test-token"
    _, url = start_sparql_server(private_config, HANKEGRAAFI_UPDATE_TOKEN=token)
    target = f"http://127.0.0.1:{listener.port}/data.ttl"
    for update in (f"LOAD <{target}>", f"LOAD SILENT <{target}> INTO GRAPH <http://example.org/g>",
                   f"INSERT DATA {{ <http://example.org/a> <http://example.org/b> 1 }} ; LOAD <{target}>",
                   "LOAD <file:///etc/passwd>"):
        answer = requests.post(url + "/sparql", data=update.encode(), timeout=30,
                               headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
        assert answer.status_code == 403, (update, answer.status_code, answer.text)
    # without the token: refused before anything else is looked at
    answer = requests.post(url + "/sparql", data=f"LOAD <{target}>".encode(), timeout=30,
                           headers={"Content-Type": "application/sparql-update"})
    assert answer.status_code == 401
    time.sleep(0.3)
    assert listener.connections == 0
    # and nothing was inserted by the refused multi-operation update
    ask = requests.get(url + "/sparql", params={"query": "ASK { <http://example.org/a> ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert ask.json()["boolean"] is False


# --- memory of runaway queries -----------------------------------------------------------------------

def test_query_needing_too_much_memory_is_stopped_and_the_service_goes_on(config, start_sparql_server):
    """Without a cap, a huge OFFSET after ORDER BY over a cartesian product grew a query worker to 22 GB
    in 48 s on the 10 000-project graph until the kernel's OOM killer stepped in. With
    query_memory_limit the worker fails at the cap and the client gets a clear 503."""
    _, url = start_sparql_server(config, HANKEGRAAFI_QUERY_MEMORY_LIMIT="300", HANKEGRAAFI_QUERY_TIMEOUT="20")
    for query in ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d OFFSET 1000000000 LIMIT 10",
                  "CONSTRUCT { ?a ?b ?f . ?d ?e ?c } WHERE { ?a ?b ?c . ?d ?e ?f }"):
        started = time.monotonic()
        answer = requests.post(url + "/sparql", data={"query": query}, timeout=60)
        assert answer.status_code == 503, answer.text
        assert "memory limit" in answer.text.lower() or "time limit" in answer.text.lower()
        assert time.monotonic() - started < 25
    refused = requests.post(url + "/sparql", timeout=60, data={
        "query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d OFFSET 1000000000 LIMIT 10"})
    assert "Query memory limit exceeded" in refused.text and "300 MiB" in refused.text
    assert "Retry-After" not in refused.headers  # the same query would stop again
    # the workers were replaced: the endpoint answers as before
    for _ in range(4):
        answer = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
