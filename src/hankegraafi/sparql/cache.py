"""Answers of repeated queries, kept per web process while the dataset they came from is served.

A release never changes and updates bump the journal's generation, so an answer is valid for as
long as its key names the served dataset: the key is the dataset folder, the update generation,
the query text and everything that shapes the answer (format, dataset parameters, row cap). The
example queries, permalinks and dashboards that researchers run again and again are answered
without a query worker. Answers live on disk, not in the web process's memory: the workers'
spooled files are hard-linked into the cache folder (no copy) and linked out again for each hit,
since the web layer unlinks the file it streams; small answers that came back inline are written
there too.
Least recently used answers go first when the cache outgrows its size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path


class ResultCache:
    def __init__(self, folder: str | os.PathLike, max_bytes: int):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 8  # one huge answer does not push out everything else
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @staticmethod
    def key(job: dict, generation: int) -> str:
        shaping = {name: job.get(name) for name in ("path", "text", "accept", "format", "default_graphs",
                                                    "named_graphs", "max_rows", "mode")}
        shaping["generation"] = generation
        return hashlib.sha256(json.dumps(shaping, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str, spool_path: str) -> dict | None:
        """The cached answer's info (a spooled one linked to `spool_path`), or None."""
        with self._lock:
            info = self._entries.get(key)
            if info is None:
                return None
            self._entries.move_to_end(key)
            try:
                if info.get("inline"):
                    info = dict(info, data=self._file(key).read_bytes())
                else:
                    os.link(self._file(key), spool_path)
                    info = dict(info, path=spool_path)
            except OSError:
                self._drop(key)
                return None
            self.hits += 1
        return dict(info, cached=True)

    def put(self, key: str, info: dict) -> None:
        """Keep an answer on disk: a spooled file by a hard link (before the web layer unlinks it),
        a small inline one written out, so the cache takes no memory. Table views are not kept."""
        size = info.get("size", 0)
        if not ("path" in info or "data" in info) or not 0 < size <= self.max_entry:
            return
        with self._lock:
            if key in self._entries:
                return
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                if "path" in info:
                    os.link(info["path"], self._file(key))
                else:
                    self._file(key).write_bytes(info["data"])
            except OSError:
                return
            self._entries[key] = {k: v for k, v in info.items() if k not in ("path", "data")} | {"inline": "data" in info}
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def _file(self, key: str) -> Path:
        return self.folder / key

    def _drop(self, key: str) -> None:
        info = self._entries.pop(key, None)
        if info is not None:
            self._bytes -= info.get("size", 0)
            with contextlib.suppress(OSError):
                os.unlink(self._file(key))
