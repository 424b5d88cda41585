"""Load test: a realistic mix of page views, searches, SPARQL queries and exports, then runaway work.

    python -m benchmarks.load [--duration 180] [--concurrency 16] [--store DIR | --projects 10000]
                              [--workers 2] [--runaway-duration 60] [--max-requests 500000]

1. Builds the repository's data into a temporary store (or uses `--store DIR`, a store folder with a
   `current` release; or `--projects N` generates N projects with `hankegraafi generate` and builds
   them beside the seed data), and starts `hankegraafi serve` on 127.0.0.1 (its own process group;
   everything it starts is stopped at the end).
2. **Mix**: `--concurrency` clients (keep-alive sessions) send the weighted mix below for
   `--duration` seconds (or until `--max-requests`): zero 5xx and zero lost connections expected.
   Prints throughput, median and p95 per kind of request and the server's memory (RSS of the web
   processes and of the whole process group, sampled every 2 s): it must not grow over the run.
3. **Runaway work**: four clients send runaway requests (a cartesian product, a huge OFFSET, a deep
   property path, a giant CONSTRUCT; each from its own address, as four different users would) while
   four clients send simple requests; prints the p95 of the simple requests (pages and small SPARQL
   queries apart) and how the runaway requests ended (cut off at the time limit: 503).

Figures only: the exit status is 1 when a 5xx (other than the runaway phase's time-limit 503s) or a
lost connection occurred, else 0. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
JSON_RESULTS = "application/sparql-results+json"
PAGE_SIZE = 4096


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server --------------------------------------------------------------------------------------

class Server:
    def __init__(self, store: Path, workers: int, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "hankegraafi.cli", "--store", str(store), "serve",
                   "--host", "127.0.0.1", "--port", str(self.port)]
        if workers:
            command += ["--workers", str(workers), "--threads", "8"]
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=self.log,
                                        env=dict(os.environ, **env), start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(self.url + "/ready", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log.seek(0)
                raise RuntimeError("server did not start: " + self.log.read().decode(errors="replace")[-2000:])
            time.sleep(0.2)

    def pids(self) -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) == self.process.pid:
                        found.append(int(entry))
                except OSError:
                    pass
        return found

    def rss(self) -> tuple[float, float]:
        """(RSS of the web processes (gunicorn's too), RSS of the whole group: web + query workers), MiB."""
        web, total = 0.0, 0.0
        for pid in self.pids():
            value = _rss_mib(pid)
            total += value
            if not _is_query_worker(pid):
                web += value
        return web, total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # query workers, if any are left
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def _is_query_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"hankegraafi.sparql.worker" in handle.read()
    except OSError:
        return False


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- what to request ---------------------------------------------------------------------------------

def sparql_select(url: str, query: str) -> list[dict]:
    answer = requests.get(url + "/sparql", params={"query": query}, headers={"Accept": JSON_RESULTS}, timeout=120)
    answer.raise_for_status()
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


@dataclass
class Catalogue:
    entities: list[str]
    words: list[str]
    listings: list[str]
    queries: list[tuple[str, str]]

    @classmethod
    def discover(cls, url: str, base: str) -> "Catalogue":
        entities = [row["e"][len(base):] for row in sparql_select(url, (
            "SELECT DISTINCT ?e WHERE { ?e a ?c FILTER(STRSTARTS(STR(?e), '%sid/')) } LIMIT 5000") % base)]
        labels = [row["l"] for row in sparql_select(url, (
            "SELECT ?l WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'fi') } "
            "LIMIT 2000"))]
        words = sorted({w.strip(".,:;()–-\"'").lower() for label in labels for w in label.split() if len(w) > 4})
        words = [w for w in words if w.isalpha()] or ["lastensuojelu"]
        from hankegraafi.namespaces import Namespaces
        from hankegraafi.services.catalogue import load_catalogue

        ns = Namespaces(base)
        prologue = ns.sparql_prologue()
        queries = [
            ("ask", prologue + "ASK { ?p a hg:Project }"),
            ("labels", prologue + 'SELECT ?p ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l FILTER(LANG(?l) = "fi") } '
                                  "ORDER BY ?l LIMIT 50"),
            ("one project", prologue + "SELECT ?p ?o WHERE { project:mrv ?p ?o }"),
            ("roles", prologue + "SELECT ?a ?r WHERE { ?m hg:inProject project:mrv ; hg:agent ?a ; hg:role ?r }"),
        ]
        queries += [(q.slug, q.text(ns)) for q in load_catalogue(REPO / "queries")]
        return cls(entities or ["id/project/mrv"], words, ["projects", "organisations", "people", "schemes",
                                                           "regions", "themes"], queries)


def weighted_mix(catalogue: Catalogue, rng: random.Random):
    """One request of the mix: (kind, method, path, params, headers)."""
    def page():
        choice = rng.random()
        if choice < 0.15:
            return "page", "GET", "/", {}, {}
        if choice < 0.65:
            return "page", "GET", "/page/" + rng.choice(catalogue.entities), {}, {}
        if choice < 0.85:
            return "page", "GET", "/" + rng.choice(catalogue.listings), {"page": str(rng.randint(1, 3))}, {}
        if choice < 0.92:
            return "page", "GET", "/" + rng.choice(catalogue.entities), {}, {"Accept": "text/html"}
        return "page", "GET", rng.choice(["/void", "/ontology", "/queries/", "/query", "/visualise/"]), {}, {}

    def search():
        word = rng.choice(catalogue.words)
        if rng.random() < 0.6:
            return "search", "GET", "/search", {"q": word}, {}
        return "search", "GET", "/api/search", {"q": word[: rng.randint(3, len(word))]}, {}

    def sparql():
        name, query = rng.choice(catalogue.queries)
        accept = "text/turtle" if " CONSTRUCT" in query.upper() or "\nCONSTRUCT" in query.upper() else \
            rng.choice([JSON_RESULTS, JSON_RESULTS, "text/csv", "application/sparql-results+xml"])
        if rng.random() < 0.5:
            return "sparql", "GET", "/sparql", {"query": query}, {"Accept": accept}, name
        return "sparql", "POST", "/sparql", {"query": query}, {"Accept": accept}, name

    def export():
        choice = rng.random()
        if choice < 0.4:
            entity = rng.choice(catalogue.entities)
            return "export", "GET", f"/data/{entity}.{rng.choice(['ttl', 'jsonld', 'nt', 'rdf'])}", {}, {}
        if choice < 0.8:
            return "export", "GET", f"/{rng.choice(catalogue.listings)}.{rng.choice(['csv', 'jsonld'])}", {}, {}
        return "export", "GET", f"/dumps/hankegraafi.{rng.choice(['ttl', 'trig', 'nq', 'jsonld'])}", {}, {}

    kinds = [(page, 0.55), (search, 0.2), (sparql, 0.17), (export, 0.08)]
    roll = rng.random()
    for make, weight in kinds:
        if roll < weight:
            return make()
        roll -= weight
    return page()


# --- running it --------------------------------------------------------------------------------------

@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    lost: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lost_examples: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    time_limited: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cached: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # SPARQL answers from the cache
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, elapsed: float, size: int, what: str) -> None:
        with self.lock:
            if status is None:
                self.lost[kind] += 1
                if len(self.lost_examples) < 10:
                    self.lost_examples.append(what)
                return
            self.latencies[kind].append(elapsed)
            self.statuses[kind][status] += 1
            if what.endswith(CACHED):
                self.cached[kind] += 1
            self.bytes += size
            if status == 503 and kind in ("sparql", "simple sparql", "runaway"):
                self.time_limited[what.split(" ", 2)[-1]] += 1  # the query's time limit (or a busy pool)
            elif status >= 500 and len(self.server_errors) < 20:
                self.server_errors.append(f"{status} {what}")

    def count(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.latencies)
        return sum(len(self.latencies[k]) for k in kinds)

    def fives(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.statuses)
        return sum(n for k in kinds for status, n in self.statuses[k].items() if status >= 500)

    def server_faults(self) -> int:
        """5xx other than SPARQL's 503 for a query stopped at its time limit (or all workers busy)."""
        return self.fives() - sum(self.time_limited.values())


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


CACHED = " [answered from the result cache]"


def send(session: requests.Session, url: str, request, timeout: float) -> tuple[int | None, float, int, str]:
    kind, method, path, params, headers = request[:5]
    label = request[5] if len(request) > 5 else json.dumps(params, ensure_ascii=False)[:120]
    what = f"{method} {path} {label}"
    started = time.perf_counter()
    try:
        if method == "POST":
            answer = session.post(url + path, data=params, headers=headers, timeout=timeout, stream=True)
        else:
            answer = session.get(url + path, params=params, headers=headers, timeout=timeout, stream=True)
        size = 0
        for chunk in answer.iter_content(65536):
            size += len(chunk)
        answer.close()
        if answer.headers.get("X-Hankegraafi-Cache") == "hit":
            what += CACHED
        return answer.status_code, time.perf_counter() - started, size, what
    except requests.RequestException as error:
        return None, time.perf_counter() - started, 0, f"{what}: {type(error).__name__}: {error}"[:300]


def run_mix(server: Server, catalogue: Catalogue, duration: float, concurrency: int, max_requests: int,
            timeout: float, seed: int = 1) -> tuple[Results, float, list[tuple[float, float, float]]]:
    results = Results()
    stop_at = time.monotonic() + duration
    issued = [0]
    lock = threading.Lock()
    samples: list[tuple[float, float, float]] = []
    started = time.monotonic()

    def client(number: int):
        rng = random.Random(seed * 1000 + number)
        session = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                if issued[0] >= max_requests:
                    return
                issued[0] += 1
            request = weighted_mix(catalogue, rng)
            status, elapsed, size, what = send(session, server.url, request, timeout)
            results.record(request[0], status, elapsed, size, what)
            if status is None:  # a lost connection: start a fresh one
                session.close()
                session = requests.Session()
        session.close()

    def sampler():
        while time.monotonic() < stop_at and any(t.is_alive() for t in threads):
            main, total = server.rss()
            samples.append((time.monotonic() - started, main, total))
            time.sleep(2)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    watcher.join(timeout=5)
    main, total = server.rss()
    samples.append((wall, main, total))
    return results, wall, samples


RUNAWAY = [
    ("cartesian product", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", JSON_RESULTS),
    ("huge OFFSET", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d OFFSET 1000000000 LIMIT 10", JSON_RESULTS),
    ("deep property path", "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>)* ?b . ?b (!<urn:x:none>)+ ?c }",
     JSON_RESULTS),
    ("giant CONSTRUCT", "CONSTRUCT { ?a ?b ?f . ?d ?e ?c } WHERE { ?a ?b ?c . ?d ?e ?f }", "text/turtle"),
]


def run_runaway(server: Server, catalogue: Catalogue, duration: float, timeout: float) -> dict:
    """Four runaway clients (one per address) and four simple clients for `duration` seconds."""
    stop_at = time.monotonic() + duration
    runaway_outcomes: dict[str, list[tuple[int | None, float]]] = defaultdict(list)
    simple = Results()
    lock = threading.Lock()

    def runaway(index: int):
        name, query, accept = RUNAWAY[index]
        session = requests.Session()
        # each runaway client is a different user (the server trusts one proxy hop in this phase)
        headers = {"Accept": accept, "X-Forwarded-For": f"198.51.100.{index + 1}"}
        while time.monotonic() < stop_at:
            status, elapsed, _, _ = send(session, server.url, ("runaway", "POST", "/sparql", {"query": query}, headers),
                                         timeout)
            with lock:
                runaway_outcomes[name].append((status, elapsed))
        session.close()

    def simple_client(number: int):
        rng = random.Random(number)
        session = requests.Session()
        while time.monotonic() < stop_at:
            if rng.random() < 0.5:
                name, query = rng.choice(catalogue.queries[:4])
                query += f"\n# {number} {rng.random()}"  # a new text each time: run by a worker, not the cache
                request = ("simple sparql", "GET", "/sparql", {"query": query},
                           {"Accept": JSON_RESULTS, "X-Forwarded-For": f"203.0.113.{number + 1}"})
            else:
                request = ("simple page", "GET", rng.choice(["/", "/page/" + rng.choice(catalogue.entities),
                                                              "/projects"]), {}, {})
                if rng.random() < 0.3:
                    request = ("simple page", "GET", "/search", {"q": rng.choice(catalogue.words)}, {})
            status, elapsed, size, what = send(session, server.url, request, timeout)
            simple.record(request[0], status, elapsed, size, what)
            if status is None:
                session.close()
                session = requests.Session()
        session.close()

    threads = [threading.Thread(target=runaway, args=(i,), daemon=True) for i in range(4)]
    threads += [threading.Thread(target=simple_client, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    return {"runaway": runaway_outcomes, "simple": simple}


# --- reporting ---------------------------------------------------------------------------------------

def report_mix(results: Results, wall: float, samples, label: str) -> None:
    print(f"\n== {label}: {results.count()} requests in {wall:.0f} s = {results.count() / wall:.1f} req/s, "
          f"{results.bytes / wall / 1e6:.2f} MB/s; 5xx: {results.server_faults()}; lost connections: "
          f"{sum(results.lost.values())}; SPARQL stopped at the time limit: {sum(results.time_limited.values())}")
    print(f"{'kind':<10} {'requests':>9} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  statuses")
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(results.statuses[kind].items()))
        print(f"{kind:<10} {len(values):>9} {len(values) / wall:>7.1f} {statistics.median(values) * 1000:>10.1f} "
              f"{percentile(values, 0.95) * 1000:>8.1f} {max(values) * 1000:>8.1f}  {statuses}")
    everything = [v for values in results.latencies.values() for v in values]
    if everything:
        print(f"{'all':<10} {len(everything):>9} {len(everything) / wall:>7.1f} "
              f"{statistics.median(everything) * 1000:>10.1f} {percentile(everything, 0.95) * 1000:>8.1f} "
              f"{max(everything) * 1000:>8.1f}")
    for kind, count in sorted(results.cached.items()):
        print(f"  {kind}: {count} of {len(results.latencies[kind])} answered from the result cache (a query "
              f"asked before on the same release; sparql/cache.py)")
    for example in results.server_errors[:10]:
        print("  5xx:", example)
    for query, count in sorted(results.time_limited.items(), key=lambda item: -item[1]):
        print(f"  stopped at the time limit: {count} x {query}")
    for example in results.lost_examples[:10]:
        print("  lost:", example)
    if samples:
        quarter = max(1, len(samples) // 4)
        first = statistics.median(s[1] for s in samples[:quarter])
        last = statistics.median(s[1] for s in samples[-quarter:])
        first_total = statistics.median(s[2] for s in samples[:quarter])
        last_total = statistics.median(s[2] for s in samples[-quarter:])
        print(f"server RSS (MiB), {len(samples)} samples every 2 s: web processes first quarter {first:.0f}, "
              f"last quarter {last:.0f}, max {max(s[1] for s in samples):.0f}; with query workers "
              f"{first_total:.0f} -> {last_total:.0f} (max {max(s[2] for s in samples):.0f})")
        print("  RSS over time (s: web/total):", "  ".join(
            f"{t:.0f}: {m:.0f}/{tot:.0f}" for t, m, tot in samples[:: max(1, len(samples) // 12)]))


def report_runaway(outcome: dict, duration: float, query_timeout: float) -> None:
    print(f"\n== runaway work: 4 runaway clients + 4 simple clients for {duration:.0f} s "
          f"(query time limit {query_timeout:g} s)")
    for name, runs in outcome["runaway"].items():
        statuses = defaultdict(int)
        for status, _ in runs:
            statuses[status] += 1
        times = [elapsed for _, elapsed in runs]
        print(f"  {name:<20} {len(runs):>3} requests, statuses {dict(statuses)}, "
              f"median {statistics.median(times):.1f} s, max {max(times):.1f} s")
    simple: Results = outcome["simple"]
    for kind in sorted(simple.latencies):
        values = simple.latencies[kind]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(simple.statuses[kind].items()))
        print(f"  {kind:<20} {len(values):>5} requests, median {statistics.median(values) * 1000:.1f} ms, "
              f"p95 {percentile(values, 0.95) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms  ({statuses})")
    print(f"  lost connections: {sum(simple.lost.values())}")


# --- main --------------------------------------------------------------------------------------------

def prepare_store(args, scratch: Path) -> Path:
    if args.store:
        return Path(args.store).resolve()
    store = scratch / "store"
    command = [sys.executable, "-m", "hankegraafi.cli", "--store", str(store), "build"]
    if args.projects:
        generated = scratch / f"generated-{args.projects}"
        print(f"generating {args.projects} projects into {generated} …", flush=True)
        subprocess.run([sys.executable, "-m", "hankegraafi.cli", "generate", "--projects", str(args.projects),
                        "--output", str(generated)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        command.append(str(generated))
    print("building …", flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of the mix (default 180; 0 skips it)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=500_000, help="stop the mix after this many requests")
    parser.add_argument("--timeout", type=float, default=120, help="per-request client timeout, s (default 120: "
                                                                    "a query may take 3 x its 30 s limit on a busy server)")
    parser.add_argument("--store", help="use this store folder (with a `current` release) instead of building one")
    parser.add_argument("--projects", type=int, default=0, help="generate this many projects and build them too")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web processes (default 2, as `make run`; 0: threaded server)")
    parser.add_argument("--query-workers", type=int, help="the server's query_workers (default: the service's default)")
    parser.add_argument("--query-timeout", type=float, default=30, help="server's query time limit, s (default 30, "
                                                                         "the service's default)")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the server (e.g. MALLOC_ARENA_MAX=2); repeatable")
    parser.add_argument("--runaway-duration", type=float, default=90, help="seconds of the runaway phase; 0 skips it")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="hankegraafi-load-"))
    server = None
    try:
        store = prepare_store(args, scratch)
        env = {"HANKEGRAAFI_QUERY_TIMEOUT": str(args.query_timeout),
               # one client machine plays every user: the per-address rate limit would refuse most of the mix;
               # the runaway phase tells users apart by X-Forwarded-For (one trusted proxy hop)
               "HANKEGRAAFI_SPARQL_RATE_LIMIT": "0", "HANKEGRAAFI_TRUSTED_PROXIES": "1",
               "HANKEGRAAFI_PROJECT_DIR": str(REPO)}
        if args.query_workers:
            env["HANKEGRAAFI_QUERY_WORKERS"] = str(args.query_workers)
        env.update(item.split("=", 1) for item in args.server_env)
        server = Server(store, args.workers, env)
        base = requests.get(server.url + "/sparql", params={"query": "SELECT ?b WHERE { BIND(1 AS ?b) }"},
                            timeout=60)
        base_iri = os.environ.get("HANKEGRAAFI_BASE_IRI", "https://w3id.org/hankegraafi/")
        assert base.status_code == 200
        catalogue = Catalogue.discover(server.url, base_iri)
        print(f"server {server.url} ({'gunicorn x' + str(args.workers) if args.workers else 'threaded'}), "
              f"{len(catalogue.entities)} entities, {len(catalogue.words)} search words, "
              f"{len(catalogue.queries)} SPARQL queries in the mix; concurrency {args.concurrency}, "
              f"{args.duration:.0f} s", flush=True)
        # warm-up: every dump once (the first request writes it), a few pages
        for ext in ("ttl", "trig", "nq", "jsonld"):
            requests.get(f"{server.url}/dumps/hankegraafi.{ext}", timeout=600).content  # noqa: B018
        failed = False
        if args.duration > 0:
            results, wall, samples = run_mix(server, catalogue, args.duration, args.concurrency, args.max_requests,
                                             args.timeout)
            report_mix(results, wall, samples, "mix")
            failed = results.server_faults() > 0 or sum(results.lost.values()) > 0
        if args.runaway_duration > 0:
            outcome = run_runaway(server, catalogue, args.runaway_duration, args.timeout)
            report_runaway(outcome, args.runaway_duration, args.query_timeout)
            simple: Results = outcome["simple"]
            hung = sum(1 for runs in outcome["runaway"].values() for status, _ in runs if status is None)
            if hung:
                print(f"  runaway requests without an answer within {args.timeout:g} s: {hung}")
            failed = failed or hung > 0 or sum(simple.lost.values()) > 0 or simple.fives("simple page") > 0
            after = requests.get(server.url + "/health", timeout=10)
            print(f"  after the runaway phase: /health {after.status_code}; server RSS (web/total MiB) "
                  f"{server.rss()[0]:.0f}/{server.rss()[1]:.0f}")
        print("\nresult:", "FAILED (5xx or lost connections)" if failed else "ok: no 5xx, no lost connections")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
