"""The `hankegraafi` command line: build, validate, serve, query, export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from .build import BuildError, build, check
from .config import Config, load_config
from .namespaces import Namespaces
from .services.catalogue import load_catalogue, parse_query_file
from .services.export import export
from .services.formats import RDF_FORMATS, rdf_format
from .services.table import render_table
from .store import ReleaseStore, StoreUnavailable

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def _config(args) -> Config:
    return load_config(
        args.config,
        store_path=getattr(args, "store", None),
        base_iri=getattr(args, "base_iri", None),
        extra_inputs=getattr(args, "extra", None) or None,
    )


def _progress():
    """A progress printer: each step with the time since the start and the peak memory so far."""
    import resource
    import threading
    import time

    started = time.monotonic()
    lock = threading.Lock()  # the build's last steps report from several threads: one whole line each

    def show(message: str) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with lock:
            sys.stderr.write(f"  [{time.monotonic() - started:7.1f} s {peak:6.0f} MiB] {message}\n")
            sys.stderr.flush()
    return show


def cmd_build(args) -> int:
    config = _config(args)
    release = build(config, progress=_progress())
    print(f"release {release.identifier}")
    print(f"  default graph (merge of all graphs): {release.default_graph_triples} triples")
    print("  triples per graph:")
    for graph, count in release.triples_per_graph.items():
        print(f"    {count:>8}  {graph}")
    print("  entities per class (asserted and inferred):")
    ns = Namespaces(config.base_iri)
    for cls, count in release.entities_per_class.items():
        print(f"    {count:>8}  hg:{cls[len(ns.hg):]}")
    print(f"  inferred triples per rule: {release.inferred_per_rule}")
    warnings = release.validation.get("warnings", [])
    print(f"  SHACL validation: conforms ({len(warnings)} warnings)")
    for warning in warnings:
        print(f"    {warning}")
    return 0


def cmd_validate(args) -> int:
    report = check(_config(args), progress=_progress())
    for violation in report.violations:
        print(violation)
    print("conforms" if report.conforms else f"does not conform: {len(report.errors)} violation(s)")
    return 0 if report.conforms else 1


def _query_text(source: str, config: Config) -> str:
    ns = Namespaces(config.base_iri)
    path = Path(source)
    if path.suffix == ".rq" and path.exists():
        return parse_query_file(path).text(ns)
    for example in load_catalogue(config.resolve(config.queries_dir)):
        if example.slug == source:
            return example.text(ns)
    return source


def cmd_query(args) -> int:
    config = _config(args)
    ns = Namespaces(config.base_iri)
    results = ReleaseStore(config).query(_query_text(args.query, config), prefixes=ns.prefixes())
    out = sys.stdout.buffer
    if isinstance(results, (bool, ox.QueryBoolean)):
        print("true" if results else "false")
    elif isinstance(results, ox.QuerySolutions):
        if args.format == "table":
            print(render_table(results, ns))
        else:
            results.serialize(out, RESULT_FORMATS[args.format])
    else:
        fmt = rdf_format("turtle" if args.format == "table" else args.format)
        ox.serialize(results, out, fmt.oxigraph, prefixes=ns.prefixes())
    return 0


def cmd_export(args) -> int:
    config = _config(args)
    fmt = rdf_format(args.format)
    store = ReleaseStore(config).store
    if args.output:
        with open(args.output, "wb") as handle:
            export(store, handle, fmt, Namespaces(config.base_iri), args.graph)
    else:
        export(store, sys.stdout.buffer, fmt, Namespaces(config.base_iri), args.graph)
    return 0


def cmd_generate(args) -> int:
    from .generate import generate

    config = _config(args)
    output = Path(args.output or f"var/generated/projects-{args.projects}")
    manifest = generate(args.projects, output, seed=args.seed, fmt=args.format, gzipped=not args.no_gzip,
                        base_iri=config.base_iri, projects_per_source=args.projects_per_source,
                        progress=lambda message: print(f"  {message}", file=sys.stderr))
    print(f"{manifest['projects']} projects, {manifest['triples']} triples in {len(manifest['files'])} files under {output}")
    print(f"build with: hankegraafi build {output}   (file list and counts: {output / '.manifest.json'})")
    return 0


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """At most `arenas` glibc malloc arenas in the server and its query workers (unless the operator set
    MALLOC_ARENA_MAX). glibc gives each thread its own arena; with many request threads, memory freed
    after a big answer stays spread over them and the web process grew from 370 to 650 MiB in two minutes
    of load on the 10 000-project graph; with 2 arenas it levelled off at about 300 MiB (docs/operations.md)."""
    import ctypes
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)  # query workers and gunicorn's processes inherit it
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX, for this process (already running)
    except (OSError, AttributeError):  # not glibc
        pass


def cmd_serve(args) -> int:
    from .web import create_app

    _limit_malloc_arenas()
    config = _config(args)
    host = args.host or config.host
    port = args.port or config.port
    if args.workers:
        return _serve_gunicorn(config, host, port, args.workers, args.threads)
    app = create_app(config)
    print(f"serving release from {config.resolve(config.store_path)} on http://{host}:{port}/", file=sys.stderr)
    from .web.sparql import warm_up

    warm_up(app)
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)
    return 0


def _serve_gunicorn(config: Config, host: str, port: int, workers: int, threads: int) -> int:
    """Serve with gunicorn: `workers` web processes of `threads` threads, each with its own query pool."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        print("hankegraafi: --workers needs gunicorn (pip install gunicorn)", file=sys.stderr)
        return 2
    import os
    import tempfile

    # /metrics adds up the web processes' counters (prometheus_client multiprocess mode, see
    # web/observability.py); the folder must be set before prometheus_client is imported and start empty
    metrics_folder = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hankegraafi-metrics-")

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    from .web import create_app
    from .web.sparql import warm_up

    class Application(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", int(config.query_timeout) + 30)
            self.cfg.set("post_fork", lambda server, worker: None)
            self.cfg.set("accesslog", None)
            self.cfg.set("child_exit", child_exit)

        def load(self):
            app = create_app(config)
            warm_up(app)
            return app

    print(f"serving release from {config.resolve(config.store_path)} on http://{host}:{port}/ "
          f"with gunicorn ({workers} workers x {threads} threads)", file=sys.stderr)
    try:
        Application().run()
    finally:
        if metrics_folder:
            import shutil

            shutil.rmtree(metrics_folder, ignore_errors=True)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="hankegraafi", description=__doc__)
    top.add_argument("--config", help="configuration file (TOML); default ./hankegraafi.toml or $HANKEGRAAFI_CONFIG")
    top.add_argument("--store", help="store folder (default var/store)")
    top.add_argument("--base-iri", help="base IRI of the graph (default https://w3id.org/hankegraafi/)")
    commands = top.add_subparsers(dest="command", required=True)

    build_cmd = commands.add_parser("build", help="parse, validate, materialise and load a new release")
    build_cmd.add_argument("extra", nargs="*", help="extra RDF files or folders, each into its own named graph")
    build_cmd.set_defaults(run=cmd_build)

    validate_cmd = commands.add_parser("validate", help="validate the inputs with SHACL and report; changes nothing")
    validate_cmd.add_argument("extra", nargs="*", help="extra RDF files or folders")
    validate_cmd.set_defaults(run=cmd_validate)

    generate_cmd = commands.add_parser("generate", help="write a generated graph of N projects (for benchmarks and tests)")
    generate_cmd.add_argument("--projects", type=int, default=1000, help="how many projects (default 1000)")
    generate_cmd.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same files")
    generate_cmd.add_argument("--output", "-o", help="folder to write (default var/generated/projects-N)")
    generate_cmd.add_argument("--format", choices=["trig", "nquads"], default="trig",
                              help="trig: relative IRIs like data/ (default); nquads: absolute IRIs under the base IRI")
    generate_cmd.add_argument("--no-gzip", action="store_true", help="write plain files instead of .gz")
    generate_cmd.add_argument("--projects-per-source", type=int, default=1000, help="projects per source graph and file")
    generate_cmd.set_defaults(run=cmd_generate)

    serve_cmd = commands.add_parser("serve", help="serve the current release over HTTP")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--workers", type=int, default=0,
                           help="serve with gunicorn and this many web processes (default: Flask's threaded server)")
    serve_cmd.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (default 8)")
    serve_cmd.set_defaults(run=cmd_serve)

    query_cmd = commands.add_parser("query", help="run a SPARQL query (text, .rq file or example name)")
    query_cmd.add_argument("query")
    query_cmd.add_argument("--format", default="table",
                           choices=["table", *RESULT_FORMATS, *(f.name for f in RDF_FORMATS)])
    query_cmd.set_defaults(run=cmd_query)

    export_cmd = commands.add_parser("export", help="write the whole graph or one named graph")
    export_cmd.add_argument("--format", default="trig", choices=[f.name for f in RDF_FORMATS])
    export_cmd.add_argument("--graph", help="one named graph (IRI or short name such as source-004)")
    export_cmd.add_argument("--output", "-o", help="file to write (default standard output)")
    export_cmd.set_defaults(run=cmd_export)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except BuildError as error:
        print(f"hankegraafi: {error}", file=sys.stderr)
        return 2
    except (StoreUnavailable, KeyError, ValueError) as error:
        print(f"hankegraafi: {error}", file=sys.stderr)
        return 2
    except SyntaxError as error:
        print(f"hankegraafi: query syntax error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
