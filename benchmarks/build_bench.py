"""Benchmark: generated data, bulk load against Oxigraph's own CLI, the full build, and export.

    python -m benchmarks.build_bench [--sizes 1000 10000 [100000]] [--seed 1] [--work DIR] [--keep]

For each size (number of projects) it
  1. generates the data (`hankegraafi generate`, gzipped TriG, one file per source graph);
  2. bulk-loads the generated files into an empty store three ways and reports triples per second:
     hankegraafi's loader (the build's own parse-and-check path, `Store.bulk_extend`), pyoxigraph's
     `Store.bulk_load` (all in Rust), and `oxigraph load` (the CLI from the PyPI package `oxigraph`,
     which loads several files in parallel), each followed by nothing else (load only);
  3. runs the full `hankegraafi build` on the repository's data plus the generated files (parse,
     load, materialise, merge into the default graph, optimise, then SHACL validation, statistics and
     indexes side by side, release) in a child process, and reports its wall time and peak resident
     memory (the child's own rusage);
  4. exports the whole built graph in every RDF format and reports seconds and MB/s.
Figures only, no assertions. Everything runs in a temporary folder (kept with --keep); every child
process is waited for. Run it with `nice` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 10_000)


def run_child(command: list[str], cwd: Path = REPO, env: dict | None = None, log: Path | None = None
              ) -> tuple[float, float, int, str]:
    """Run a command; (wall seconds, peak RSS in MiB of that child, exit code, stderr). Its stderr is
    copied line by line to `log` as it comes (a long build shows its progress there)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = []
    with open(log, "w", encoding="utf-8") if log else open(os.devnull, "w") as copy:
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            copy.write(line)
            copy.flush()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode, "".join(lines)


def count_quads(location: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(location))
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value)


def bench_load(files: list[Path], work: Path, base_iri: str) -> dict:
    """Load the same files three ways into empty stores; triples per second."""
    import pyoxigraph as ox

    from hankegraafi.build.pipeline import LOAD_WORKERS
    from hankegraafi.build.sources import InputFile, bulk_load, parse
    from hankegraafi.config import load_config

    config = load_config(environ={}, project_dir=REPO, base_iri=base_iri)
    results = {}

    target = work / "load-build"
    store = ox.Store(str(target))
    started = time.perf_counter()
    inputs = [InputFile(path, ox.RdfFormat.TRIG, f"{base_iri}graph/extra/{path.name.split('.')[0]}",
                        gzipped=path.suffix == ".gz") for path in files]
    # what `hankegraafi build` does with extra inputs (files with a target graph): Store.bulk_load,
    # LOAD_WORKERS files at a time
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS) as pool:
        list(pool.map(lambda file, store=store: bulk_load(store, file, config), inputs))
    store.flush()
    elapsed = time.perf_counter() - started
    del store
    results[f"hankegraafi build, extra inputs (bulk_load, {LOAD_WORKERS} at a time)"] = (count_quads(target), elapsed)
    shutil.rmtree(target, ignore_errors=True)

    target = work / "load-checked"
    store = ox.Store(str(target))
    started = time.perf_counter()
    for path in files:  # what it does with data/ files: parse in Python, check every quad, bulk_extend
        store.bulk_extend(parse(InputFile(path, ox.RdfFormat.TRIG, None, gzipped=path.suffix == ".gz"), config))
    store.flush()
    elapsed = time.perf_counter() - started
    del store
    results["hankegraafi build, data/ files (parse + checks)"] = (count_quads(target), elapsed)
    shutil.rmtree(target, ignore_errors=True)

    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if oxigraph:
        target = work / "load-oxigraph-cli"
        elapsed, _, code, stderr = run_child([oxigraph, "load", "--location", str(target), "--base", base_iri,
                                              "--file", *map(str, files)])
        if code == 0:
            results["oxigraph load (CLI, files in parallel)"] = (count_quads(target), elapsed)
        else:
            print(f"oxigraph load failed: {stderr}", file=sys.stderr)
        shutil.rmtree(target, ignore_errors=True)
    else:
        print("the `oxigraph` command is missing (pip install oxigraph): CLI load skipped", file=sys.stderr)
    return {name: {"quads": n, "seconds": round(s, 2), "quads_per_second": round(n / s) if s else 0}
            for name, (n, s) in results.items()}


# `hankegraafi build` with the search-index step left out (--skip-indexes)
WITHOUT_INDEXES = ("import sys, hankegraafi.build.pipeline as p; p.indexes.write = lambda *a, **k: None; "
                   "from hankegraafi.cli import main; sys.exit(main(sys.argv[1:]))")


def bench_build(data: Path, work: Path, skip_indexes: bool = False) -> tuple[dict, Path]:
    store = work / "store"
    env = dict(os.environ, HANKEGRAAFI_PROJECT_DIR=str(REPO))
    env.pop("HANKEGRAAFI_STORE_PATH", None)
    program = ["-c", WITHOUT_INDEXES] if skip_indexes else ["-m", "hankegraafi.cli"]
    elapsed, peak, code, stderr = run_child([sys.executable, *program, "--store", str(store), "build",
                                             str(data)], env=env, log=work.parent / f"{work.name}.log")
    if code != 0:
        raise RuntimeError(f"build failed:\n{stderr[-3000:]}")
    release = json.loads(((store / "current").resolve() / "release.json").read_text(encoding="utf-8"))
    steps = [line.strip() for line in stderr.splitlines() if line.strip().startswith("[")]
    return {"seconds": round(elapsed, 1), "peak_rss_mib": round(peak), "default_graph_triples": release["default_graph_triples"],
            "quads_in_named_graphs": sum(release["triples_per_graph"].values()),
            "inferred": sum(release["inferred_per_rule"].values()), "last_steps": _phases(steps)}, store


def _phases(steps: list[str]) -> list[str]:
    """The progress lines that close each phase of the build (load, each materialise round, validate ...)."""
    keep = []
    for index, step in enumerate(steps):
        following = steps[index + 1] if index + 1 < len(steps) else ""
        phase = step.split("] ", 1)[-1].split(":", 1)[0].split(" ", 1)[0]
        next_phase = following.split("] ", 1)[-1].split(":", 1)[0].split(" ", 1)[0]
        message = step.split("] ", 1)[-1]
        if phase != next_phase or ("round" in message and "new triples" in message and message.count(":") <= 1):
            keep.append(step)
    return keep


def bench_export(store: Path, work: Path, formats: list[str] | None = None) -> dict:
    from hankegraafi.config import load_config
    from hankegraafi.namespaces import Namespaces
    from hankegraafi.services.export import export
    from hankegraafi.services.formats import RDF_FORMATS
    from hankegraafi.store import ReleaseStore

    config = load_config(environ={}, project_dir=REPO, store_path=store)
    release_store = ReleaseStore(config).store
    ns = Namespaces(config.base_iri)
    results = {}
    for fmt in RDF_FORMATS:
        if formats and fmt.name not in formats:
            continue
        target = work / f"export.{fmt.extension}"
        started = time.perf_counter()
        with open(target, "wb") as handle:
            export(release_store, handle, fmt, ns)
        elapsed = time.perf_counter() - started
        size = target.stat().st_size
        results[fmt.name] = {"what": "named graphs (quads)" if fmt.dataset else "default graph (triples)",
                             "seconds": round(elapsed, 2), "megabytes": round(size / 1e6, 1),
                             "mb_per_second": round(size / 1e6 / elapsed, 1) if elapsed else 0}
        target.unlink()
    return results


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    import pyoxigraph

    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of projects (default 1000 10000; add 100000 for the large run, about 15 min)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary folder, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--skip-load", action="store_true", help="skip the load comparison")
    parser.add_argument("--skip-export", action="store_true", help="skip the export")
    parser.add_argument("--export-formats", nargs="+", help="export only these formats (default: all)")
    parser.add_argument("--skip-indexes", type=int, nargs="*", default=[], metavar="SIZE",
                        help="build these sizes without the search-index step (all sizes if none is given)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)

    from hankegraafi.config import DEFAULT_BASE_IRI
    from hankegraafi.generate import generate

    work = args.work or Path(tempfile.mkdtemp(prefix="hankegraafi-build-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    figures = {"machine": machine(), "command": "python -m benchmarks.build_bench " + " ".join(argv or sys.argv[1:]),
               "sizes": {}}
    print(f"hankegraafi build benchmark on {figures['machine']}")
    try:
        for size in args.sizes:
            folder = work / f"projects-{size}"
            started = time.perf_counter()
            manifest = generate(size, folder, seed=args.seed)
            generated = time.perf_counter() - started
            files = [folder / item["file"] for item in manifest["files"]]
            entry = {"projects": manifest["projects"], "generated_triples": manifest["triples"],
                     "generate_seconds": round(generated, 1),
                     "generated_megabytes_gz": round(sum(f.stat().st_size for f in files) / 1e6, 1)}
            print(f"\n== {size} projects: {manifest['triples']} generated triples in {len(files)} files, "
                  f"generated in {generated:.1f} s")
            if not args.skip_load:
                entry["load"] = bench_load(files, work, DEFAULT_BASE_IRI)
                cli = entry["load"].get("oxigraph load (CLI, files in parallel)", {}).get("quads_per_second")
                print(f"{'bulk load (load only)':<52} {'quads':>10} {'seconds':>8} {'quads/s':>9} {'vs CLI':>7}")
                for name, value in entry["load"].items():
                    ratio = f"{value['quads_per_second'] / cli:.2f}x" if cli else "-"
                    print(f"  {name:<50} {value['quads']:>10} {value['seconds']:>8.1f} {value['quads_per_second']:>9} {ratio:>7}")
            skip_indexes = args.skip_indexes is not None and (args.skip_indexes == [] and "--skip-indexes" in (argv or sys.argv)
                                                              or size in args.skip_indexes)
            entry["build"], store = bench_build(folder, work / f"build-{size}", skip_indexes)
            entry["build"]["search_indexes"] = not skip_indexes
            build = entry["build"]
            print(f"full build{' (without the search-index step)' if skip_indexes else ''}: {build['seconds']} s, peak RSS {build['peak_rss_mib']} MiB; "
                  f"{build['quads_in_named_graphs']} quads in named graphs ({build['inferred']} inferred), "
                  f"{build['default_graph_triples']} triples in the default graph")
            for step in build["last_steps"]:
                print(f"    {step}")
            if not args.skip_export:
                entry["export"] = bench_export(store, work, args.export_formats)
                print(f"{'export of the whole graph':<28} {'what':<24} {'seconds':>8} {'MB':>8} {'MB/s':>7}")
                for name, value in entry["export"].items():
                    print(f"  {name:<26} {value['what']:<24} {value['seconds']:>8.1f} {value['megabytes']:>8.1f} "
                          f"{value['mb_per_second']:>7.1f}")
            shutil.rmtree(work / f"build-{size}", ignore_errors=True)
            figures["sizes"][str(size)] = entry
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        return 0
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
