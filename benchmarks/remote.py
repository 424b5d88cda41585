"""Benchmark: hankegraafi's SPARQL endpoint on the Virtuoso backend against Virtuoso's own endpoint.

    python -m benchmarks.remote [--projects 10000] [--requests 400] [--concurrency 1 8] [--workers 2]
                                [--warmup N] [--split-whole-graph [--whole-graph-timeout 120]]
                                [--skip QUERY ...] [--keep | --attach FOLDER]

1. Starts Virtuoso 7 on loopback in a temporary folder (tests/remote_servers.py), its buffers scaled
   to the data (`NumberOfBuffers` 8 KiB pages: about 16 per generated project).
2. Generates `--projects` projects and builds them beside the seed data with store_backend = "sparql",
   so the build publishes the release to Virtuoso (Graph Store PUT + POSTs in chunks, straight into
   the graphs of the empty store); prints the build and the publishing time.
3. Starts `hankegraafi serve --workers N` on that backend (queries anonymously at Virtuoso's
   /sparql, updates and publishing at /sparql-auth with digest authentication).
4. Sends the query mix of benchmarks/run.py to (a) Virtuoso's /sparql, asked for the same dataset
   hankegraafi asks for (default-graph-uri = the merge graph, named-graph-uri = every public graph),
   and (b) hankegraafi's /sparql; prints median and p95 latency, throughput and the ratio
   hankegraafi / Virtuoso at each concurrency level.

Figures only; everything it starts is stopped and its folder removed at the end (--keep leaves Virtuoso
and the release for another run with --attach, which measures them again without a build).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from benchmarks.load import Server
from benchmarks.run import WHOLE_GRAPH, check_same_answers, query_mix, run_load, time_each
from benchmarks.timing import Figures
from hankegraafi.remote import allow_response_headers

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
import remote_servers  # (tests/remote_servers.py: the Virtuoso the tests start)

PAGES_PER_PROJECT = 16   # Virtuoso buffers (8 KiB) per generated project: 170 000 (1.3 GiB) at 10 000


def start_virtuoso(folder: Path, projects: int, concurrency: int) -> remote_servers.ExternalStore:
    buffers = 10000 + PAGES_PER_PROJECT * projects
    print(f"starting Virtuoso ({buffers} buffers) …", file=sys.stderr, flush=True)
    return remote_servers.start_virtuoso(folder, buffers=buffers, dirty_buffers=buffers * 3 // 4,
                                         http_threads=max(8, concurrency + 2), after_image_limit=50_000_000)


def backend_env(virtuoso_settings: dict[str, str]) -> dict[str, str]:
    """The server's and the build's configuration: the Virtuoso backend, no rate limit."""
    settings = dict(virtuoso_settings)
    auth_url = settings["sparql_query_url"]
    settings.update(sparql_query_url=auth_url.removesuffix("-auth"), sparql_update_url=auth_url)
    env = {f"HANKEGRAAFI_{key.upper()}": value for key, value in settings.items()}
    env.update(HANKEGRAAFI_STORE_BACKEND="sparql", HANKEGRAAFI_PROJECT_DIR=str(REPO),
               HANKEGRAAFI_MAX_RESULT_ROWS="100000", HANKEGRAAFI_SPARQL_RATE_LIMIT="0")
    return env


def build_published(work: Path, projects: int, env: dict[str, str]) -> Path:
    store = work / "store"
    command = [sys.executable, "-m", "hankegraafi.cli", "--store", str(store), "build"]
    if projects:
        generated = work / f"generated-{projects}"
        subprocess.run([sys.executable, "-m", "hankegraafi.cli", "generate", "--projects", str(projects),
                        "--output", str(generated)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        command.append(str(generated))
    print(f"building the seed data + {projects} projects and publishing to Virtuoso …", file=sys.stderr, flush=True)
    started = time.monotonic()
    previous = publishing = swapped = started
    with open(work / "build.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO, env=dict(os.environ, **env), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace")
        for line in process.stdout:   # when publishing started (its first chunk) and ended (the swap)
            now = time.monotonic()
            if "triples sent" in line and publishing == started:
                publishing = previous
            if "] publish: release " in line and (" swapped in at " in line or " loaded at " in line):
                swapped = now
            previous = now
            log.write(line)
        result = process.wait()
    if result != 0:
        text = (work / "build.log").read_text(errors="replace")
        raise RuntimeError("build failed: " + "\n".join(line[:300] for line in text.splitlines()
                                                         if not line.startswith("MOVE "))[-3000:])
    print(f"built and published in {time.monotonic() - started:.0f} s (publishing: {swapped - publishing:.0f} s, "
          "every graph in chunks, and the swap if the store held a release)", file=sys.stderr, flush=True)
    return store


def virtuoso_endpoint(config, graphs: list[str]) -> str:
    """Virtuoso's /sparql with the dataset hankegraafi names in every query: the merge graph and the
    public `graphs`."""
    dataset = [("default-graph-uri", config.sparql_default_graph)]
    dataset += [("named-graph-uri", graph) for graph in graphs]
    return config.sparql_query_url + "?" + urllib.parse.urlencode(dataset)


def public_graphs(config) -> list[str]:
    """The public graphs of the local release, as sparql/service.py takes them (asking Virtuoso for its
    graphs scans every quad, longer than the 30 s query limit at 100 000 projects)."""
    from hankegraafi.store import ReleaseStore

    return sorted(g for g in ReleaseStore(config).release.triples_per_graph
                  if g.startswith(config.base_iri) and g != config.sparql_default_graph)


def skipped(name: str, skip: list[str]) -> bool:
    return name in skip or name.split("-")[0] in skip


def row(label: str, concurrency: int, figures: Figures, baseline: float) -> str:
    ratio = figures.throughput / baseline if baseline else 0.0
    return (f"{label:<28} {concurrency:>4} {1000 * statistics.median(figures.latencies or [0]):>10.1f} "
            f"{1000 * figures.percentile(0.95):>9.1f} {figures.throughput:>8.2f} {ratio:>12.2f}x {figures.errors:>6}")


def measure_all(servers: dict[str, str], mix, requests: int, levels: list[int]) -> None:
    header = f"{'server':<28} {'conc':>4} {'median ms':>10} {'p95 ms':>9} {'req/s':>8} {'vs virtuoso':>13} {'errors':>6}"
    print(header + "\n" + "-" * len(header), flush=True)
    for concurrency in levels:
        baseline = 0.0
        for label, endpoint in servers.items():
            figures = run_load(endpoint, mix, requests, concurrency)
            baseline = baseline or figures.throughput
            print(row(label, concurrency, figures, baseline), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=10000, help="generated projects beside the seed data")
    parser.add_argument("--requests", type=int, default=400, help="requests per server and concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=2, help="hankegraafi's gunicorn web processes")
    parser.add_argument("--warmup", type=int, help="warm-up requests per server (default: two passes through the mix)")
    parser.add_argument("--split-whole-graph", action="store_true",
                        help="leave the queries whose answers grow with the graph out of the throughput mix and "
                             "time them one by one, as benchmarks/run.py does (for 100 000 projects)")
    parser.add_argument("--whole-graph-timeout", type=float, default=120, help="client timeout for those, s")
    parser.add_argument("--skip", nargs="+", default=[], metavar="QUERY",
                        help="leave these queries of the mix out (names, or their number: 05 11), e.g. those "
                             "that fail on both at this size")
    parser.add_argument("--keep", action="store_true",
                        help="leave Virtuoso running and its folder in place at the end, for --attach")
    parser.add_argument("--attach", type=Path, metavar="FOLDER",
                        help="measure again the release and the Virtuoso a --keep run left in FOLDER (no build)")
    args = parser.parse_args(argv)
    from hankegraafi.config import load_config

    work = args.attach or Path(tempfile.mkdtemp(prefix="hankegraafi-bench-remote-"))
    virtuoso = server = None
    try:
        if args.attach:
            env = backend_env(remote_servers.running_virtuoso_settings(work / "virtuoso"))
            store = work / "store"
        else:
            (work / "virtuoso").mkdir()
            virtuoso = start_virtuoso(work / "virtuoso", args.projects, max(args.concurrency))
            env = backend_env(virtuoso.settings)
            store = build_published(work, args.projects, env)
        server = Server(store, args.workers, env)
        config = load_config(environ=env, project_dir=REPO, store_path=store)
        graphs = public_graphs(config)
        # the benchmark's own client (requests, on http.client) reads Virtuoso's header per named graph too
        allow_response_headers(len(graphs) + 100)
        servers = {"virtuoso /sparql": virtuoso_endpoint(config, graphs),
                   f"hankegraafi (gunicorn x{args.workers})": server.url + "/sparql"}
        mix = query_mix(REPO, config.base_iri)
        whole_graph = [item for item in mix if args.split_whole_graph and item[0] in WHOLE_GRAPH]
        mix = [item for item in mix if item not in whole_graph and not skipped(item[0], args.skip)]
        for problem in check_same_answers(servers, mix):
            print(f"warning: servers disagree on {problem}", file=sys.stderr)
        for endpoint in servers.values():     # warm up: worker processes, Virtuoso's buffers
            run_load(endpoint, mix, 2 * len(mix) if args.warmup is None else args.warmup, 2)
        print(f"\nSPARQL mix on the Virtuoso backend: seed data + {args.projects} projects, {len(mix)} queries "
              f"in the mix, {args.requests} requests per run, {os.cpu_count()} CPU cores")
        measure_all(servers, mix, args.requests, args.concurrency)
        if whole_graph:
            print(f"\nqueries whose answers grow with the graph, one request each in turn "
                  f"({args.whole_graph_timeout:g} s client timeout):", flush=True)
            time_each(servers, whole_graph, args.whole_graph_timeout, None)
        return 0
    finally:
        if server is not None:
            server.stop()
        if args.keep or args.attach:
            print(f"Virtuoso and the release left in {work}: measure again with --attach {work}", file=sys.stderr)
        else:
            if virtuoso is not None:
                virtuoso.stop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
