"""The served dataset with updates: the release plus a journal of accepted updates.

Layout under `<store_path>/updates/`:

    journal/00000001.json …   every accepted update (SPARQL Update text), fsync'd: the source of truth
    snapshots/<n>-<release>/  the release with updates 1…n applied (a pyoxigraph store, never changed
                              again once published)
    live -> snapshots/…       the snapshot queries run on (swapped by an atomic rename)
    .lock                     one writer at a time (flock), across threads and processes

An update copies the live snapshot (or the release when there is none; immutable RocksDB files
are hard-linked, the rest copied), applies the update to the copy in a query worker (so the time
limit applies), checks that no curated graph changed that the update does not name, then writes
the journal entry (the commit point) and points `live` at the copy. A failed, refused or killed
update leaves nothing behind. When a build swaps in a new release, or the journal is ahead of the
live snapshot (a crash between commit and swap), the snapshot is rebuilt: release + journal.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

log = logging.getLogger("hankegraafi.sparql")

UPDATES = "updates"
# keep superseded snapshots this long so queries that already opened them can finish
GRACE_SECONDS = 120


def copy_store(source: Path, target: Path) -> None:
    """A private copy of a closed (or read-only) pyoxigraph store: SST files hard-linked, the rest copied."""
    def link_or_copy(src, dst):
        if src.endswith(".sst"):
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy,
                    ignore=shutil.ignore_patterns("LOCK", "release.json"))


class UpdateLog:
    def __init__(self, store_root: Path):
        self.root = store_root / UPDATES
        self.journal = self.root / "journal"
        self.snapshots = self.root / "snapshots"
        self.live = self.root / "live"
        self._thread_lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------------
    def entries(self) -> list[Path]:
        if not self.journal.is_dir():
            return []
        return sorted(p for p in self.journal.glob("*.json"))

    def generation(self) -> int:
        entries = self.entries()
        return int(entries[-1].stem) if entries else 0

    def live_snapshot(self) -> tuple[Path, int, str] | None:
        """(path, generation, release id) of the live snapshot, if there is one."""
        if not self.live.exists():
            return None
        target = self.live.resolve()
        generation, _, release = target.name.partition("-")
        return target, int(generation), release

    def dataset_path(self, release_path: Path) -> Path:
        """The store queries should run on: the live snapshot when it is current, else the release."""
        if not self.entries():
            return release_path
        live = self.live_snapshot()
        if live and live[2] == release_path.name and live[1] == self.generation():
            return live[0]
        with self.locked():
            return self._rebuild(release_path)

    # --- writing -----------------------------------------------------------------------------
    @contextmanager
    def locked(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def prepare(self, release_path: Path) -> tuple[Path, Path]:
        """(current dataset, a fresh private copy of it to apply an update to). Call under `locked`."""
        current = self._current(release_path)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        work = self.snapshots / f".tmp-{uuid.uuid4().hex}"
        copy_store(current, work)
        return current, work

    def commit(self, work: Path, text: str, release_path: Path, prefixes: dict[str, str] | None = None) -> int:
        """Record the update (the commit point) and publish `work` as the live snapshot."""
        generation = self.generation() + 1
        self.journal.mkdir(parents=True, exist_ok=True)
        entry = {"generation": generation, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "prefixes": prefixes or {}, "update": text}
        temporary = self.journal / f".{generation:08d}.json.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.journal / f"{generation:08d}.json")
        _fsync_dir(self.journal)
        final = self.snapshots / f"{generation:08d}-{release_path.name}"
        os.rename(work, final)
        self._point_live(final)
        return generation

    def discard(self, work: Path) -> None:
        shutil.rmtree(work, ignore_errors=True)

    def _current(self, release_path: Path) -> Path:
        live = self.live_snapshot()
        if live and live[2] == release_path.name and live[1] == self.generation():
            return live[0]
        if not self.entries():
            return release_path
        return self._rebuild(release_path)

    def _rebuild(self, release_path: Path) -> Path:
        """Apply the whole journal to a copy of the release (after a new build, or after a crash)."""
        live = self.live_snapshot()
        generation = self.generation()
        if live and live[2] == release_path.name and live[1] == generation:
            return live[0]
        started = time.monotonic()
        self.snapshots.mkdir(parents=True, exist_ok=True)
        work = self.snapshots / f".tmp-{uuid.uuid4().hex}"
        copy_store(release_path, work)
        store = ox.Store(str(work))
        try:
            for path in self.entries():
                entry = json.loads(path.read_text(encoding="utf-8"))
                try:
                    store.update(entry["update"], prefixes=entry.get("prefixes") or None)
                except (SyntaxError, OSError) as error:
                    log.warning("update %s no longer applies to release %s: %s", path.name, release_path.name, error)
            store.flush()
        finally:
            store = None
        final = self.snapshots / f"{generation:08d}-{release_path.name}"
        if final.exists():
            shutil.rmtree(final)
        os.rename(work, final)
        self._point_live(final)
        log.info("rebuilt the live dataset (release %s + %d updates) in %.1f s",
                 release_path.name, generation, time.monotonic() - started)
        return final

    def _point_live(self, target: Path) -> None:
        previous = self.live_snapshot()
        if previous and previous[0].exists():
            os.utime(previous[0])  # the moment it was superseded starts its grace period
        temporary = self.root / f".live-{uuid.uuid4().hex}"
        os.symlink(os.path.relpath(target, self.root), temporary)
        os.replace(temporary, self.live)
        self._prune(target)

    def _prune(self, keep: Path) -> None:
        now = time.time()
        for path in self.snapshots.iterdir():
            if path == keep or (path.name.startswith(".tmp-") and now - path.stat().st_mtime < 3600):
                continue
            # superseded snapshots stay a while for queries that opened them before the swap
            if now - path.stat().st_mtime > GRACE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
