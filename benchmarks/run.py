"""Benchmark: hankegraafi's SPARQL endpoint against Oxigraph server on the same data and query mix.

    python -m benchmarks.run [--requests 400] [--concurrency 1 8] [--store DIR | --projects N]
                             [--project-dir DIR] [--rdflib-endpoint]

Builds the repository's data into a temporary store (or uses --store, a store folder with a
`current` release; or --projects N generates N projects and builds them beside it), starts Oxigraph server (`oxigraph serve-read-only`, PyPI package `oxigraph`) on
the release and hankegraafi in two set-ups (Flask's threaded server, and gunicorn with --workers),
sends the same query mix to each at every concurrency level and prints median and p95 latency,
throughput and the ratio of throughput to Oxigraph server's. With --rdflib-endpoint, rdflib-endpoint
(PyPI, a pure-Python store: rdflib in memory behind FastAPI) serves the release's default graph,
exported to N-Triples, as a third server: fewer requests, a short client timeout (counted as an
error), and restarted before each run so that queries it is still working on do not spill over.
Figures only, no assertions; every server it starts is stopped at the end. Traffic goes to
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import requests

from benchmarks.load import prepare_store
from benchmarks.timing import Figures, measure

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# the peer gets hankegraafi's default limits: the same time limit, and a memory cap, since one
# analytical query at 100 000 projects grew Oxigraph server past 20 GB
PEER_TIMEOUT_S = 30
PEER_MEMORY_BYTES = 8 << 30


def start_oxigraph(release: Path) -> tuple[subprocess.Popen, str]:
    """Oxigraph server (read-only) on a release: (process, query URL)."""
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not oxigraph:
        raise SystemExit("the `oxigraph` command is missing: pip install oxigraph")
    port = free_port()
    process = subprocess.Popen(
        ["prlimit", f"--data={PEER_MEMORY_BYTES}", oxigraph, "serve-read-only", "--location", str(release),
         "--bind", f"127.0.0.1:{port}", "--timeout-s", str(PEER_TIMEOUT_S)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process)
    return process, f"http://127.0.0.1:{port}/query"


def query_mix(project_dir: Path, base_iri: str) -> list[tuple[str, str, str]]:
    """(name, query, Accept) triples: the example queries and a few typical small ones."""
    from hankegraafi.namespaces import Namespaces
    from hankegraafi.services.catalogue import load_catalogue

    ns = Namespaces(base_iri)
    prologue = ns.sparql_prologue()
    json_results = "application/sparql-results+json"
    mix = [
        ("ask", prologue + "ASK { ?p a hg:Project }", json_results),
        ("count", prologue + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", json_results),
        ("labels", prologue + 'SELECT ?p ?l WHERE { ?p a hg:Project ; skos:prefLabel ?l FILTER(LANG(?l) = "fi") } '
                              "ORDER BY ?l", json_results),
        ("classes", prologue + "SELECT ?c (COUNT(?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c ORDER BY DESC(?n)",
         json_results),
        ("describe", prologue + "CONSTRUCT { ?p ?q ?o } WHERE { ?p a hg:Project ; ?q ?o }", "text/turtle"),
        ("csv-all", prologue + "SELECT * WHERE { ?s ?p ?o } LIMIT 1000", "text/csv"),
    ]
    for example in load_catalogue(project_dir / "queries"):
        text = example.text(ns)
        accept = "text/turtle" if "CONSTRUCT" in text.upper() or "DESCRIBE" in text.upper() else json_results
        mix.append((example.slug, text, accept))
    return mix


# queries whose answer grows with the graph (every project, person or triple): at 100 000 projects they
# are timed one by one (--split-whole-graph) instead of being part of the throughput mix
WHOLE_GRAPH = {"count", "labels", "classes", "describe", "13-persons-with-title-and-project-role",
               "15-people-in-organisations-of-several-projects", "36-org-memberships", "37-prov-associations"}


class Peer:
    """Oxigraph server on a release, restarted when it has died (an 8 GB limit can end it)."""

    def __init__(self, release: Path):
        self.release = release
        self.restarts = 0
        self.process, self.endpoint = start_oxigraph(release)

    def ensure_running(self) -> str:
        if self.process.poll() is not None:
            self.restarts += 1
            print(f"oxigraph server had ended (exit {self.process.returncode}): restarted", file=sys.stderr)
            self.process, self.endpoint = start_oxigraph(self.release)
        return self.endpoint


def time_each(servers: dict[str, str], mix, timeout: float, peer: Peer | None) -> None:
    """One request per query and server, in turn: seconds, or what went wrong."""
    header = f"{'query':<48}" + "".join(f"{label[:24]:>26}" for label in servers)
    print(header)
    print("-" * len(header))
    for name, query, accept in mix:
        cells = []
        for label, endpoint in servers.items():
            if peer and endpoint == peer.endpoint:
                endpoint = servers[label] = peer.ensure_running()
            started = time.perf_counter()
            try:
                response = requests.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=timeout)
                size = len(response.content)
                cell = (f"{time.perf_counter() - started:.2f} s, {size / 1e6:.1f} MB" if response.status_code == 200
                        else f"HTTP {response.status_code} at {time.perf_counter() - started:.0f} s")
            except requests.RequestException as error:
                cell = f"{type(error).__name__} at {time.perf_counter() - started:.0f} s"
            cells.append(f"{cell:>26}")
        print(f"{name:<48}" + "".join(cells), flush=True)


def run_load(endpoint: str, mix, total: int, concurrency: int, timeout: float = 60) -> Figures:
    def send(session: requests.Session, item) -> bool:
        _name, query, accept = item
        response = session.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=timeout)
        return response.status_code == 200 and response.content is not None

    return measure(send, mix, total, concurrency)


def answer_size(endpoint: str, query: str, accept: str, timeout: float):
    """Rows of a SELECT, the boolean of an ASK, or what went wrong."""
    try:
        response = requests.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=timeout)
    except requests.Timeout:
        return f"timeout after {timeout:g} s"
    except requests.RequestException as error:
        return type(error).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    data = response.json()
    return len(data["results"]["bindings"]) if "results" in data else data.get("boolean")


def check_same_answers(endpoints: dict[str, str], mix, timeouts: dict[str, float] | None = None) -> list[str]:
    """Compare row counts of every SELECT with the first server's; one line per server and query that differ."""
    (reference, reference_endpoint), *others = endpoints.items()
    problems = []
    for name, query, accept in mix:
        if accept != "application/sparql-results+json":
            continue
        expected = answer_size(reference_endpoint, query, accept, 60)
        for server, endpoint in others:
            got = answer_size(endpoint, query, accept, (timeouts or {}).get(server, 60))
            if str(got) != str(expected):
                problems.append(f"{server}: {name}: {got} (rows), {reference}: {expected}")
    return problems


def start_rdflib_endpoint(store: Path, work: Path, processes: list[subprocess.Popen]):
    """Export the default graph to N-Triples; return a function that (re)starts rdflib-endpoint on it."""
    command = shutil.which("rdflib-endpoint", path=str(Path(sys.executable).parent)) or shutil.which("rdflib-endpoint")
    if not command:
        print("the `rdflib-endpoint` command is missing: pip install -e '.[bench]'", file=sys.stderr)
        return None
    triples = work / "default-graph.nt"
    subprocess.run([sys.executable, "-m", "hankegraafi.cli", "--store", str(store), "export", "--format",
                    "ntriples", "--output", str(triples)], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/"

    def restart() -> str:
        for process in processes:
            if process.args[0] == command:
                stop(process)
        process = subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port), str(triples)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        wait_until_up(endpoint + "?query=ASK%7B%7D", process, timeout=300)   # parses the whole file first
        return endpoint

    return restart


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per server and concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--project-dir", type=Path, default=REPO, help="where ontology/, data/, queries/ are")
    parser.add_argument("--store", type=Path, help="an existing store folder (skips the build)")
    parser.add_argument("--projects", type=int, default=0,
                        help="generate this many projects and build them beside the repository's data")
    parser.add_argument("--rdflib-endpoint", action="store_true",
                        help="also serve the default graph with rdflib-endpoint (pure Python) and measure it")
    parser.add_argument("--rdflib-requests", type=int, help="rdflib-endpoint's requests per run (default: one "
                                                            "pass through the mix)")
    parser.add_argument("--rdflib-timeout", type=float, default=10, help="rdflib-endpoint's per-request timeout, s")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="web processes for the gunicorn set-up (0: skip)")
    parser.add_argument("--skip-flask", action="store_true", help="measure only the gunicorn set-up (as `make run`)")
    parser.add_argument("--split-whole-graph", action="store_true",
                        help="leave the queries whose answers grow with the graph out of the throughput mix and "
                             "time them one by one (for 100 000 projects)")
    parser.add_argument("--whole-graph-timeout", type=float, default=120, help="client timeout for those, s")
    args = parser.parse_args(argv)

    from hankegraafi.build import build
    from hankegraafi.config import load_config

    work = Path(tempfile.mkdtemp(prefix="hankegraafi-bench-"))
    processes: list[subprocess.Popen] = []
    peer = None
    try:
        if args.projects:
            store = prepare_store(args, work)   # runs in the repository: --project-dir is not used for the build
        else:
            store = args.store or work / "store"
        config = load_config(environ={}, project_dir=args.project_dir, store_path=store)
        if args.store is None and not args.projects:
            print(f"building {args.project_dir} into {store} ...", file=sys.stderr)
            build(config, progress=lambda message: None)
        release = (store / "current").resolve()
        servers: dict[str, str] = {}
        peer = Peer(release)
        servers["oxigraph server"] = peer.endpoint

        env = dict(os.environ, HANKEGRAAFI_STORE_PATH=str(store), HANKEGRAAFI_PROJECT_DIR=str(args.project_dir),
                   HANKEGRAAFI_MAX_RESULT_ROWS="100000",
                   # the mix repeats its queries: without this, hankegraafi would answer them from its
                   # result cache while Oxigraph server evaluates each one (engine against engine)
                   HANKEGRAAFI_QUERY_CACHE_MB="0")
        setups = [] if args.skip_flask and args.gunicorn_workers else [("hankegraafi (flask)", [])]
        if args.gunicorn_workers:
            setups.append((f"hankegraafi (gunicorn x{args.gunicorn_workers})",
                           ["--workers", str(args.gunicorn_workers), "--threads", "8"]))
        for label, extra in setups:
            port = free_port()
            process = subprocess.Popen([sys.executable, "-m", "hankegraafi.cli", "serve", "--host", "127.0.0.1",
                                        "--port", str(port), *extra], env=env, cwd=args.project_dir,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            wait_until_up(f"http://127.0.0.1:{port}/health", process)
            servers[label] = f"http://127.0.0.1:{port}/sparql"

        mix = query_mix(args.project_dir, config.base_iri)
        whole_graph = []
        if args.split_whole_graph:
            whole_graph = [item for item in mix if item[0] in WHOLE_GRAPH]
            mix = [item for item in mix if item[0] not in WHOLE_GRAPH]
        rdflib_label = "rdflib-endpoint"
        restart_rdflib = None
        if args.rdflib_endpoint:
            restart_rdflib = start_rdflib_endpoint(store, work, processes)
            if restart_rdflib is None:
                return 2
            servers[rdflib_label] = restart_rdflib()
        problems = check_same_answers(servers, mix, {rdflib_label: args.rdflib_timeout})
        for problem in problems:
            print(f"warning: answers differ: {problem}", file=sys.stderr)
        for label, endpoint in servers.items():     # warm up: worker processes, caches
            if label != rdflib_label:
                run_load(peer.ensure_running() if label == "oxigraph server" else endpoint, mix, 2 * len(mix), 2)

        print(f"\nhankegraafi SPARQL benchmark: {len(mix)} queries in the mix, {args.requests} requests per run, "
              f"{os.cpu_count()} CPU cores, release {release.name}")
        if restart_rdflib:
            print(f"rdflib-endpoint: {args.rdflib_requests or len(mix)} requests per run, {args.rdflib_timeout:g} s "
                  f"client timeout (counted as an error), restarted before each run")
        header = f"{'server':<30} {'conc':>4} {'median ms':>10} {'p95 ms':>9} {'req/s':>8} {'vs oxigraph':>12} {'errors':>6}"
        print(header)
        print("-" * len(header))
        for concurrency in args.concurrency:
            baseline = None
            for label, endpoint in servers.items():
                if label == "oxigraph server":
                    endpoint = servers[label] = peer.ensure_running()
                if label == rdflib_label:
                    restart_rdflib()   # drop the work left from the previous run (it keeps computing after timeouts)
                    figures = run_load(endpoint, mix, args.rdflib_requests or len(mix), concurrency,
                                       timeout=args.rdflib_timeout)
                else:
                    figures = run_load(endpoint, mix, args.requests, concurrency)
                if baseline is None:
                    baseline = figures.throughput
                ratio = figures.throughput / baseline if baseline else 0.0
                print(f"{label:<30} {concurrency:>4} {1000 * statistics.median(figures.latencies or [0]):>10.1f} "
                      f"{1000 * figures.percentile(0.95):>9.1f} {figures.throughput:>8.1f} {ratio:>11.2f}x "
                      f"{figures.errors:>6}")
        if peer.restarts:
            print(f"oxigraph server was restarted {peer.restarts} time(s) after it ended (its errors count above)")
        if whole_graph:
            print(f"\nqueries whose answers grow with the graph, one request each in turn "
                  f"({args.whole_graph_timeout:g} s client timeout):")
            time_each({k: v for k, v in servers.items() if k != rdflib_label}, whole_graph,
                      args.whole_graph_timeout, peer)
        return 0
    finally:
        if peer:
            stop(peer.process)
        for process in processes:
            stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    status = main()
    # the same mix on 1 000 generated projects, with rdflib-endpoint (a pure-Python store) as a third server;
    # HANKEGRAAFI_BENCH_RDFLIB=0 skips it
    if os.environ.get("HANKEGRAAFI_BENCH_RDFLIB") != "0":
        status = main(["--projects", "1000", "--rdflib-endpoint"]) or status
    # page speed (benchmarks/pages.py): entity pages, search, facet listings on the seed data and on
    # generated graphs of the sizes in HANKEGRAAFI_BENCH_PAGE_PROJECTS (default 10000; "0": seed only)
    from benchmarks import pages

    status = pages.main([]) or status
    for projects in os.environ.get("HANKEGRAAFI_BENCH_PAGE_PROJECTS", "10000").split():
        if projects != "0":
            status = pages.main(["--projects", projects]) or status
    # then the build benchmark (benchmarks/build_bench.py: generated data, bulk load against the Oxigraph
    # CLI, full build time and peak memory, export); sizes in projects, "0" skips it
    sizes = os.environ.get("HANKEGRAAFI_BENCH_BUILD_SIZES", "1000 10000").split()
    if sizes != ["0"]:
        from benchmarks import build_bench

        status = build_bench.main(["--sizes", *sizes]) or status
    sys.exit(status)
