"""The build: parse -> load -> materialise -> merge -> validate, index and describe -> swap it in atomically.

A build writes a new store in `<store_path>/releases/.tmp-*` and only when every step passed renames
it to `releases/<release-id>` and repoints the `current` symlink with an atomic rename. A failing or
killed build therefore leaves the previous release serving; leftovers of a killed build are removed
by the next one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from .. import indexes
from ..config import Config
from ..namespaces import CONTACTS_GRAPH, Namespaces
from .materialise import materialise
from .merge import Merge, add_to_merge
from . import publish
from .release import Release, new_release, release_quads
from .sources import BuildError, InputFile, bulk_load, discover, parse
from .side import SideProcess
from .validate import ValidationReport, validate_store

Progress = Callable[[str], None]
CURRENT = "current"
RELEASES = "releases"
TMP_PREFIX = ".tmp-"
LOAD_WORKERS = 2  # input files bulk-loaded at a time


class ValidationFailed(BuildError):
    def __init__(self, report: ValidationReport):
        self.report = report
        lines = [str(v) for v in report.errors]
        super().__init__(f"SHACL validation failed with {len(lines)} violation(s):\n  " + "\n  ".join(lines))


@dataclass
class Assembled:
    store: ox.Store
    files: list[InputFile]
    inferred: dict[str, int]


def assemble(store: ox.Store, config: Config, progress: Progress, temporary_folder: Path | None = None) -> Assembled:
    """Load every input into `store`, materialise, and merge all graphs into the default graph.
    Raises BuildError on bad input. (Validation is `validate`'s, on the merge.)"""
    ns = Namespaces(config.base_iri)
    files = discover(config)
    if not files:
        raise BuildError(f"no input files under {config.resolve(config.ontology_dir)} or {config.resolve(config.data_dir)}")
    total = 0
    checked = [f for f in files if f.target_graph is None]
    for index, file in enumerate(checked, start=1):  # data files: parsed in Python, every quad checked
        counted = _Counter(parse(file, config))
        store.bulk_extend(counted)
        total += counted.count
        progress(f"load: {file.path.name}: {counted.count} quads ({index} of {len(files)} files, {total} quads)")
    # ontology and extra inputs have nothing to check: Oxigraph's bulk loader alone, two files at a
    # time (as `oxigraph load` does; it runs without the GIL)
    direct = [f for f in files if f.target_graph is not None]
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS) as pool:
        for index, file in enumerate(pool.map(lambda f: (bulk_load(store, f, config), f)[1], direct), start=len(checked) + 1):
            progress(f"load: {file.path.name}: bulk-loaded ({index} of {len(files)} files)")
    contacts = ox.NamedNode(ns.graph(CONTACTS_GRAPH))
    if not config.publish_contacts and store.contains_named_graph(contacts):
        store.remove_graph(contacts)  # an extra input that names the contacts graph: personal data stays out
    inferred_graph = ox.NamedNode(ns.graph("inferred"))
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}merge-", dir=temporary_folder) as folder:
        inferred = materialise(store, ns, progress, default_graph_file=Path(folder) / "inferred.nt")
        progress("merge: all graphs into the default graph")
        merge = Merge(store, Path(folder))
        merge.dump(g for g in store.named_graphs() if g != inferred_graph)
        progress("merge: the asserted graphs written out; loading them and the inferred triples")
        merge.load(also=[Path(folder) / "inferred.nt"])
    return Assembled(store, files, inferred)


def validate(assembled: Assembled, config: Config, progress: Progress, strict: bool = True) -> ValidationReport:
    """SHACL validation of the merge; raises ValidationFailed on a violation when `strict`."""
    report = validate_store(assembled.store, config, assembled.files, progress)
    return _conforming(report) if strict else report


class _Counter:
    """An iterator that counts what passes through it (len(store) would scan the whole store)."""

    def __init__(self, items):
        self._items = iter(items)
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._items)
        self.count += 1
        return item


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
            assembled = assemble(store, config, progress, releases)
            release = new_release(assembled.files, config)
            while (releases / release.identifier).exists():  # same inputs built twice within a second
                time.sleep(1)
                release = new_release(assembled.files, config)
            add_to_merge(store, release_quads(release, ns))
            release.inferred_per_rule = assembled.inferred
            progress("optimise store")  # compacted, the store answers the queries below much faster
            store.optimize()
            store.flush()
            report = _check_describe_index(assembled, config, release, work, progress)
            release.validation = {"conforms": True,
                                  "warnings": [str(v) for v in report.violations if v.severity != "Violation"]}
            if config.remote:  # an external SPARQL store serves the graph (build/publish.py)
                publish.publish(store, config, release, progress)
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


def _check_describe_index(assembled: Assembled, config: Config, release: Release, work: Path,
                          progress: Progress) -> ValidationReport:
    """Validate, compute the release's statistics and write the indexes, side by side: all three only
    read the store. Validation and statistics run in a second process (build/side.py), the indexes
    here. Raises ValidationFailed when the merge violates a shape (the index step stops early)."""
    failed = threading.Event()  # set when validation fails: the index step then stops early
    side = SideProcess(work, config, assembled.files, progress, on_failure=failed.set)
    try:
        try:
            indexes.write(assembled.store, work, Namespaces(config.base_iri), progress, stop=failed)
        except indexes.Stopped:
            _conforming(side.validation())  # raises why (as does side.validation when the process failed)
            raise
        report = _conforming(side.validation())
        for name, value in side.statistics().items():
            setattr(release, name, value)
        return report
    finally:
        side.close()


def _conforming(report: ValidationReport) -> ValidationReport:
    if not report.conforms:
        raise ValidationFailed(report)
    return report


def check(config: Config, progress: Progress = print) -> ValidationReport:
    """Parse, materialise and validate in memory without touching the served store."""
    return validate(assemble(ox.Store(), config, progress), config, progress, strict=False)


def current_release_path(config: Config) -> Path | None:
    link = config.resolve(config.store_path) / CURRENT
    return link.resolve() if link.exists() else None
