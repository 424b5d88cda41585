"""Values computed once per release (labels of the ontology, the JSON-LD context, VoID statistics).

Keyed by the ReleaseStore and the identifier of its current release, so a build that swaps in a new
release invalidates everything at once.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")


class ReleaseMemo:
    def __init__(self):
        self._lock = threading.Lock()
        self._release: str | None = None
        self._values: dict = {}
        self._computing: dict = {}  # key -> lock: one thread computes, the others wait for its value

    def get(self, release_id: str, key, compute: Callable[[], T]) -> T:
        with self._lock:
            if release_id != self._release:
                self._release, self._values, self._computing = release_id, {}, {}
            if key in self._values:
                return self._values[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if release_id == self._release and key in self._values:
                    return self._values[key]
            value = compute()
            with self._lock:
                if release_id == self._release:
                    self._values[key] = value
        return value


_MEMOS: "WeakKeyDictionary[object, ReleaseMemo]" = WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def per_release(release_store, key, compute: Callable[[], T]) -> T:
    """`compute()` once per (store, release); `release_store` is a ReleaseStore."""
    with _MEMOS_LOCK:
        memo = _MEMOS.get(release_store)
        if memo is None:
            memo = _MEMOS[release_store] = ReleaseMemo()
    return memo.get(release_store.release.identifier, key, compute)
