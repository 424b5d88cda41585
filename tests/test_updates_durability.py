"""Updates, when enabled (issue 6): no write of any kind without the token; concurrent updates and a
crash in the middle of them lose nothing that was acknowledged.

The crash is a SIGKILL of the whole server (its process group: web processes and query workers, as
an out-of-memory kill or a power cut of the container would do) while updates are in flight; the
server is then started again on the same store. tests/test_sparql_update.py covers the token basics
and an orderly restart.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import REPO, free_port

TOKEN = "durability-token-81c2"
GRAPH = "https://example.org/graph/durability"


class Server:
    """`hankegraafi serve` in its own process group, so a crash can take all of it down at once."""

    def __init__(self, config, workers: int = 0):
        self.config = config
        self.workers = workers
        self.process = None
        self.url = None

    def start(self, **env):
        port = free_port()
        environment = dict(os.environ, HANKEGRAAFI_STORE_PATH=str(self.config.store_path),
                           HANKEGRAAFI_PROJECT_DIR=str(REPO), HANKEGRAAFI_BASE_IRI=self.config.base_iri,
                           HANKEGRAAFI_SPARQL_RATE_LIMIT="0", HANKEGRAAFI_QUERY_WORKERS="3", **env)
        command = [sys.executable, "-m", "hankegraafi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if self.workers:
            command += ["--workers", str(self.workers), "--threads", "8"]
            # gunicorn's metrics folder: ours, so a killed server leaves nothing behind in /tmp
            self.metrics = tempfile.mkdtemp(prefix="hankegraafi-test-metrics-")
            environment["PROMETHEUS_MULTIPROC_DIR"] = self.metrics
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL,
                                        stderr=self.log, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/ready", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError("server did not start: " + self.log.read().decode(errors="replace")[-3000:])
            time.sleep(0.1)

    def crash(self):
        """SIGKILL every process of the server at once."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        # the group is gone (query workers included): nothing left behind
        deadline = time.monotonic() + 10
        while _group_alive(self.process.pid):
            assert time.monotonic() < deadline, "processes of the killed server are still running"
            time.sleep(0.1)

    def stop(self):
        try:
            self._stop()
        finally:
            if getattr(self, "metrics", None):
                shutil.rmtree(self.metrics, ignore_errors=True)

    def _stop(self):
        if self.process is None or self.process.poll() is not None:
            if self.process is not None and _group_alive(self.process.pid):
                os.killpg(self.process.pid, signal.SIGKILL)
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


@pytest.fixture()
def servers():
    started = []

    def start(config, workers=0, **env):
        server = Server(config, workers).start(**env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def update(url, text, headers=None, timeout=120):
    return requests.post(url + "/sparql", data=text.encode(), timeout=timeout,
                         headers={"Content-Type": "application/sparql-update", **(headers or {})})


def triples_in(url) -> set[str]:
    answer = requests.get(url + "/sparql", params={"query": f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return {row["s"]["value"] for row in answer.json()["results"]["bindings"]}


def insert(n: int) -> str:
    """One update, two triples (so a half-applied update would show)."""
    return (f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/item/{n}> '
            f'<http://www.w3.org/2000/01/rdf-schema#label> "item {n}" ; '
            f'<http://www.w3.org/2000/01/rdf-schema#comment> "second triple of item {n}" }} }}')


def half_applied(url) -> set[str]:
    """Items with only one of their two triples."""
    answer = requests.get(url + "/sparql", params={"query": (
        f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} GROUP BY ?s HAVING (COUNT(*) != 2)")},
        headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return {row["s"]["value"] for row in answer.json()["results"]["bindings"]}


# --- no write without the token ---------------------------------------------------------------------

WRITES = [
    ("SPARQL update body", "POST", "/sparql", {}, {"Content-Type": "application/sparql-update"},
     insert(1).encode()),
    ("SPARQL update form", "POST", "/sparql", {}, {"Content-Type": "application/x-www-form-urlencoded"},
     b"update=" + requests.utils.quote(insert(1)).encode()),
    ("SPARQL update by GET", "GET", "/sparql", {"update": insert(1)}, {}, None),
    ("graph store PUT", "PUT", "/rdf-graph-store", {"graph": GRAPH}, {"Content-Type": "text/turtle"},
     b"<https://example.org/item/1> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" ."),
    ("graph store POST", "POST", "/rdf-graph-store", {"graph": GRAPH}, {"Content-Type": "application/n-triples"},
     b"<https://example.org/item/1> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n"),
    ("graph store DELETE of a curated graph", "DELETE", "/rdf-graph-store",
     {"graph": "https://w3id.org/hankegraafi/graph/curation"}, {}, None),
    ("graph store DELETE default", "DELETE", "/rdf-graph-store", {"default": ""}, {}, None),
]
BAD_CREDENTIALS = {
    "none": {},
    "wrong token": {"Authorization": "Bearer not-the-token"},
    "token prefix": {"Authorization": f"Bearer {TOKEN[:-1]}"},
    "token with extra": {"Authorization": f"Bearer {TOKEN}x"},
    "empty bearer": {"Authorization": "Bearer "},
    "basic auth": {"Authorization": "Basic " + __import__("base64").b64encode(f"admin:{TOKEN}".encode()).decode()},
    "token as a header of its own": {"X-Update-Token": TOKEN},
    "token in a cookie": {"Cookie": f"token={TOKEN}"},
}


def test_no_write_without_the_token(private_config, servers):
    server = servers(private_config, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    graphs_before = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30).text
    for name, method, path, params, headers, body in WRITES:
        for label, credentials in BAD_CREDENTIALS.items():
            answer = requests.request(method, server.url + path, params={**params, "token": TOKEN}
                                      if label == "none" else params,
                                      headers={**headers, **credentials}, data=body, timeout=60)
            assert answer.status_code in (401, 405), (name, label, answer.status_code, answer.text)
            if answer.status_code == 401:
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert triples_in(server.url) == set()
    curated = requests.get(server.url + "/rdf-graph-store", params={"graph": "https://w3id.org/hankegraafi/graph/curation"},
                           headers={"Accept": "application/n-triples"}, timeout=30)
    assert curated.status_code == 200 and curated.text.count("\n") > 20
    # the service description (graph sizes) is as it was: nothing was written anywhere
    assert requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30).text == graphs_before
    assert not (private_config.store_path / "updates" / "journal").exists() or \
        not list((private_config.store_path / "updates" / "journal").glob("*.json"))


def test_read_only_server_refuses_writes_even_with_a_token(private_config, servers):
    server = servers(private_config)
    for name, method, path, params, headers, body in WRITES:
        answer = requests.request(method, server.url + path, params=params, data=body, timeout=60,
                                  headers={**headers, "Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code in (403, 405), (name, answer.status_code)
    assert triples_in(server.url) == set()


# --- concurrent updates and a crash -----------------------------------------------------------------

@pytest.mark.parametrize("workers", [0, 2], ids=["threaded", "gunicorn-2"])
def test_concurrent_updates_and_a_crash_lose_nothing_acknowledged(private_config, servers, workers):
    server = servers(private_config, workers=workers, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    total, crash_after = 40, 12
    acknowledged: set[int] = set()
    failed: dict[int, str] = {}
    lock = threading.Lock()
    crashed = threading.Event()

    def send(n: int):
        try:
            answer = update(server.url, insert(n), auth, timeout=120)
        except requests.RequestException as error:  # the crash cut this one off: not acknowledged
            failed[n] = type(error).__name__
            return
        if answer.status_code == 204:
            with lock:
                acknowledged.add(n)
                if len(acknowledged) >= crash_after and not crashed.is_set():
                    crashed.set()
        else:
            failed[n] = f"{answer.status_code} {answer.text[:200]}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, n) for n in range(total)]
        assert crashed.wait(timeout=300), f"only {len(acknowledged)} updates acknowledged: {failed}"
        with lock:  # nothing is acknowledged between taking this snapshot and the kill
            server.crash()
            acknowledged_at_crash = set(acknowledged)
        for future in futures:
            future.result(timeout=180)
    # everything acknowledged before the crash was a 204; nothing failed for another reason than the crash
    assert acknowledged == acknowledged_at_crash
    assert all(reason in ("ConnectionError", "ChunkedEncodingError") or reason.startswith(("ReadTimeout",))
               for reason in failed.values()), failed
    assert len(acknowledged) >= crash_after
    in_flight = total - len(acknowledged)
    assert in_flight > 0, "the crash came after every update: nothing was in flight"

    restarted = servers(private_config, workers=workers, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    present = {int(iri.rsplit("/", 1)[-1]) for iri in triples_in(restarted.url)}
    lost = acknowledged - present
    assert not lost, f"acknowledged updates lost in the crash: {sorted(lost)}"
    # an update in flight at the crash is all or nothing: no item has one triple without the other
    assert present <= set(range(total))
    assert not half_applied(restarted.url)
    # the store works after the crash: more updates are accepted and served
    assert update(restarted.url, insert(1000), auth).status_code == 204
    # (with gunicorn another web process may serve the next query from the dataset it resolved up to
    # 0.5 s earlier: SparqlService.PATH_TTL; the process that took the update sees it at once)
    deadline = time.monotonic() + 5
    while 1000 not in {int(iri.rsplit("/", 1)[-1]) for iri in triples_in(restarted.url)}:
        assert time.monotonic() < deadline, "the acknowledged update is not served"
        time.sleep(0.2)
    # and a second restart serves the same (the journal, not a lucky snapshot)
    restarted.stop()
    again = servers(private_config, workers=workers, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    assert {int(iri.rsplit("/", 1)[-1]) for iri in triples_in(again.url)} == present | {1000}


# --- backup and restore (the procedure of docs/operations.md) ---------------------------------------

def test_backup_and_restore_keep_the_release_and_every_update(private_config, servers, tmp_path):
    server = servers(private_config, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for n in range(3):
        assert update(server.url, insert(n), auth).status_code == 204
    store = private_config.store_path
    release = os.readlink(store / "current")  # releases/<id>
    backup = tmp_path / "backup.tar"
    # while the server runs: the release folder never changes; the journal is read under the writers' lock
    subprocess.run(["flock", str(store / "updates" / ".lock"), "tar", "-C", str(store), "-cf", str(backup),
                    release, "updates/journal"], check=True)
    assert update(server.url, insert(99), auth).status_code == 204  # after the backup: not in it
    server.stop()

    restored = tmp_path / "restored"
    restored.mkdir()
    subprocess.run(["tar", "-C", str(restored), "-xf", str(backup)], check=True)
    os.symlink(release, restored / ".current-new")
    os.replace(restored / ".current-new", restored / "current")
    import dataclasses

    again = servers(dataclasses.replace(private_config, store_path=restored), HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    assert requests.get(again.url + "/ready", timeout=10).json()["release"] == release.rsplit("/", 1)[-1]
    assert {int(iri.rsplit("/", 1)[-1]) for iri in triples_in(again.url)} == {0, 1, 2}
