"""indexes/extract.py: the queries of the index step, evaluated ahead in background threads."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from hankegraafi.indexes.extract import Prefetch, Stopped

QUERIES = [f"SELECT ?s ?o WHERE {{ ?s <urn:p{n}> ?o }} ORDER BY ?o" for n in range(8)]


class Recording:
    """A store that records which queries were evaluated."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def query(self, query: str):
        with self.lock:
            self.asked.append(query)
        return self.store.query(query)


def small_store() -> ox.Store:
    store = ox.Store()
    for n in range(8):
        store.extend(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode(f"urn:p{n}"),
                             ox.Literal(f"arvo {i} \"{n}\"\t", language="fi") if i % 2 else ox.NamedNode(f"urn:o{i}"))
                     for i in range(5))
    return store


def rows(solutions) -> list[list]:
    return [list(row) for row in solutions]


def test_prefetched_solutions_are_the_store_s_own_in_any_order():
    store = small_store()
    prefetch = Prefetch(store, workers=2, ahead=3)
    try:
        prefetch.plan(QUERIES[:6])
        # asked out of the planned order, and one never planned
        for query in [QUERIES[2], QUERIES[0], QUERIES[7], QUERIES[1], QUERIES[5], QUERIES[3], QUERIES[4]]:
            got = rows(prefetch.solutions(query))
            assert got == rows(store.query(query))
            assert len(got) == 5 and any(isinstance(t, ox.Literal) and t.language == "fi" for r in got for t in r)
    finally:
        prefetch.close()


def test_at_most_ahead_queries_are_evaluated_before_they_are_asked_for():
    recording = Recording(small_store())
    prefetch = Prefetch(recording, workers=2, ahead=2)
    try:
        prefetch.plan(QUERIES)
        first = rows(prefetch.solutions(QUERIES[0]))
        assert first
        with recording.lock:
            asked = list(recording.asked)
        # the one asked for, and at most two more ahead of the reader
        assert QUERIES[0] in asked and len(asked) <= 3
        assert set(asked) <= set(QUERIES[:3])
    finally:
        prefetch.close()


def test_a_stopped_prefetch_refuses_to_answer():
    stop = threading.Event()
    prefetch = Prefetch(small_store(), stop=stop)
    try:
        prefetch.plan(QUERIES)
        assert rows(prefetch.solutions(QUERIES[0]))
        stop.set()
        with pytest.raises(Stopped):
            prefetch.solutions(QUERIES[1])
    finally:
        prefetch.close()


def test_the_index_step_asks_for_every_query_it_evaluates_ahead_and_for_nothing_else(store, ns, tmp_path,
                                                                                     monkeypatch):
    # a planned query that is never asked for is evaluated for nothing and keeps its slot of `ahead`,
    # so every query asked for after it waits for its own evaluation
    import hankegraafi.indexes as indexes

    planned: list[str] = []
    asked: list[str] = []

    class Watched(Prefetch):
        def plan(self, queries):
            planned.extend(queries)
            super().plan(queries)

        def solutions(self, query):
            asked.append(query)
            return super().solutions(query)

    monkeypatch.setattr(indexes, "Prefetch", Watched)
    indexes.write(ox.Store.read_only(str(store.current_path())), tmp_path, ns)
    assert len(asked) > 40
    assert set(asked) == set(planned)
