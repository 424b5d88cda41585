"""The build: parse -> load -> materialise -> validate -> describe the release -> swap it in atomically.

A build writes a new store in `<store_path>/releases/.tmp-*` and only when every step passed renames
it to `releases/<release-id>` and repoints the `current` symlink with an atomic rename. A failing or
killed build therefore leaves the previous release serving; leftovers of a killed build are removed
by the next one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..config import Config
from ..namespaces import RDF, Namespaces
from .materialise import materialise
from .release import Release, new_release, release_quads
from .sources import BuildError, InputFile, discover, parse
from .validate import ValidationReport, validate_store

Progress = Callable[[str], None]
CURRENT = "current"
RELEASES = "releases"
TMP_PREFIX = ".tmp-"


class ValidationFailed(BuildError):
    def __init__(self, report: ValidationReport):
        self.report = report
        lines = [str(v) for v in report.errors]
        super().__init__(f"SHACL validation failed with {len(lines)} violation(s):\n  " + "\n  ".join(lines))


@dataclass
class Assembled:
    store: ox.Store
    files: list[InputFile]
    report: ValidationReport
    inferred: dict[str, int]


def assemble(store: ox.Store, config: Config, progress: Progress, strict: bool = True) -> Assembled:
    """Load every input into `store`, materialise and validate. Raises BuildError on bad input
    (on SHACL violations too, when `strict`)."""
    ns = Namespaces(config.base_iri)
    files = discover(config)
    if not files:
        raise BuildError(f"no input files under {config.resolve(config.ontology_dir)} or {config.resolve(config.data_dir)}")
    for file in files:
        before = len(store)
        store.bulk_extend(parse(file, config))
        progress(f"load: {file.path.name}: {len(store) - before} quads")
    inferred = materialise(store, ns, progress)
    progress("validate: SHACL")
    report = validate_store(store, config, files)
    if strict and not report.conforms:
        raise ValidationFailed(report)
    return Assembled(store, files, report, inferred)


def _publish_default_graph(store: ox.Store) -> int:
    """Copy the merge of all named graphs into the default graph (duplicates collapse, as in an RDF merge)."""
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
             for q in store.quads_for_pattern(None, None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    store.bulk_extend(quads)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def _statistics(store: ox.Store, ns: Namespaces) -> tuple[dict[str, int], dict[str, int]]:
    per_graph = {
        row["g"].value: int(row["n"].value)
        for row in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    }
    per_class = {
        row["c"].value: int(row["n"].value)
        for row in store.query(
            f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x <{RDF}type> ?c FILTER(STRSTARTS(STR(?c), \"{ns.hg}\")) }} "
            "GROUP BY ?c ORDER BY DESC(?n) ?c"
        )
    }
    return per_graph, per_class


@contextmanager
def _lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"{root}: another build is running") from None
        yield


def _swap_current(root: Path, target: Path) -> None:
    link = root / CURRENT
    temporary = root / f".{CURRENT}-{uuid.uuid4().hex}"
    os.symlink(os.path.relpath(target, root), temporary)
    os.replace(temporary, link)


def _prune(releases: Path, keep: int, current: Path) -> None:
    finished = sorted((p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in finished[: max(0, len(finished) - keep - 1)]:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)


def build(config: Config, progress: Progress = print) -> Release:
    """Build a new release and make it the served one. Raises BuildError and changes nothing on failure."""
    ns = Namespaces(config.base_iri)
    root = config.resolve(config.store_path)
    releases = root / RELEASES
    with _lock(root):
        releases.mkdir(parents=True, exist_ok=True)
        for stale in releases.glob(TMP_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        work = releases / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        started = time.monotonic()
        store = None
        try:
            store = ox.Store(str(work))
            assembled = assemble(store, config, progress)
            release = new_release(assembled.files, config)
            while (releases / release.identifier).exists():  # same inputs built twice within a second
                time.sleep(1)
                release = new_release(assembled.files, config)
            store.extend(release_quads(release, ns))
            release.default_graph_triples = _publish_default_graph(store)
            release.triples_per_graph, release.entities_per_class = _statistics(store, ns)
            release.inferred_per_rule = assembled.inferred
            release.validation = {
                "conforms": True,
                "warnings": [str(v) for v in assembled.report.violations if v.severity != "Violation"],
            }
            progress("optimise store")
            store.optimize()
            store.flush()
            store = assembled = None  # close the store before its folder moves
            release.write(work)
            final = releases / release.identifier
            os.rename(work, final)
            _swap_current(root, final)
            _prune(releases, config.keep_releases, final)
            progress(f"release {release.identifier} built in {time.monotonic() - started:.1f} s")
            return release
        except BaseException as error:
            # close the store first (also the references the traceback's frames hold),
            # or closing it would write into the removed folder
            store = None
            traceback.clear_frames(error.__traceback__)
            shutil.rmtree(work, ignore_errors=True)
            raise


def check(config: Config, progress: Progress = print) -> ValidationReport:
    """Parse, materialise and validate in memory without touching the served store."""
    return assemble(ox.Store(), config, progress, strict=False).report


def current_release_path(config: Config) -> Path | None:
    link = config.resolve(config.store_path) / CURRENT
    return link.resolve() if link.exists() else None
