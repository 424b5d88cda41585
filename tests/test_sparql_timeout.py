"""The query time limit really stops runaway queries, and the service keeps answering everyone else."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from hankegraafi.sparql.pool import (
    WALL_FACTOR,
    PoolBusy,
    TimeLimitExceeded,
    WorkerPool,
    _answered_within,
)

RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o . ?p ?q ?r
}"""
COUNT_PROJECTS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a hg:Project }"


def test_runaway_queries_are_cut_off_while_other_clients_get_answers(config, start_sparql_server, select):
    """Five runaway queries, more than the 3 workers kept running and than half of the 8 the pool may
    grow to (the defaults), still leave workers for simple queries: those are answered at once, not
    after a runaway query has been stopped at the 10 s limit."""
    _, url = start_sparql_server(config, HANKEGRAAFI_QUERY_TIMEOUT=10)
    expected = select(COUNT_PROJECTS)[0]["n"]
    outcomes: list[tuple[float, requests.Response]] = []

    def runaway():
        started = time.monotonic()
        response = requests.post(url + "/sparql", data={"query": RUNAWAY}, timeout=60)
        outcomes.append((time.monotonic() - started, response))

    threads = [threading.Thread(target=runaway) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)   # every runaway is now running in a worker
    answered = []
    for number in range(5):
        started = time.monotonic()   # each query different, so each runs in a worker, not from the cache
        response = requests.get(url + "/sparql", params={"query": f"{COUNT_PROJECTS} # {number}"}, timeout=30)
        answered.append(time.monotonic() - started)
        assert response.status_code == 200 and "X-Hankegraafi-Cache" not in response.headers
        assert response.json()["results"]["bindings"][0]["n"]["value"] == expected
    # answered well before any runaway query reached its limit: none waited for a worker to be freed
    assert max(answered) < 5.0, answered
    assert all(thread.is_alive() for thread in threads)
    for thread in threads:
        thread.join(timeout=40)
    assert len(outcomes) == 5
    for elapsed, response in outcomes:
        assert response.status_code == 503
        assert elapsed < 10 * WALL_FACTOR + 5, elapsed
        assert "time limit" in response.text and "10 s of processor time (or 30 s in all)" in response.text
        assert "LIMIT" in response.text and "download" in response.text
        assert float(response.headers["X-Hankegraafi-Elapsed"]) >= 9.9
    # the killed workers were replaced: the service still answers, also heavier queries
    for number in range(4):
        response = requests.get(url + "/sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {number}"}, timeout=10)
        assert response.json()["boolean"] is True


def test_pool_grows_up_to_its_size_and_stops_idle_extra_workers(store, ns):
    pool = WorkerPool(size=2, keep=1, queue_wait=0.5, grow_after=0.1, idle_retire=0.3)
    job = {"op": "query", "path": str(store.current_path()), "text": RUNAWAY, "prefixes": ns.prefixes(),
           "spool": pool.spool_path()}
    stopped: list[Exception] = []

    def runaway():
        with pytest.raises(TimeLimitExceeded) as error:
            pool.run(dict(job), 6)
        stopped.append(error.value)

    try:
        kept = pool.run({"op": "ping"}, 10)["pong"]
        first = threading.Thread(target=runaway)
        first.start()
        time.sleep(0.5)
        extra = pool.run({"op": "ping"}, 10)["pong"]   # the kept worker is busy: a second one is started
        assert extra != kept and pool.workers() == 2
        time.sleep(0.5)   # longer than idle_retire: the extra worker is stopped at the next job
        second = threading.Thread(target=runaway)
        second.start()
        assert _eventually(lambda: not _alive(extra))
        assert _eventually(lambda: pool.workers() == 2)   # a new worker for the second runaway query
        with pytest.raises(PoolBusy):   # two workers, both busy: the cap
            pool.run({"op": "ping"}, 10)
        first.join(timeout=20)
        second.join(timeout=20)
        assert len(stopped) == 2
        assert _eventually(lambda: pool.workers() == 1)   # killed workers replaced only up to `keep`
        assert pool.run({"op": "ping"}, 10)["pong"] not in (kept, extra)
        assert pool.workers() == 1
    finally:
        pool.close()


def test_query_workers_run_below_the_web_process_cpu_priority(config):
    pool = WorkerPool(size=1, keep=1, nice=config.query_nice)
    try:
        worker = pool.run({"op": "ping"}, 10)["pong"]
        assert config.query_nice > 0
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + config.query_nice)
    finally:
        pool.close()


def test_a_long_query_yields_the_processors_and_its_worker_gets_its_priority_back(store, ns, monkeypatch):
    from hankegraafi.sparql import pool as pool_module

    monkeypatch.setattr(pool_module, "DEMOTE_AFTER", 0.2)
    # about a second of work: 2 500 x 2 500 solutions counted
    product = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?a ?b ?c } LIMIT 2500 } "
               "{ SELECT * WHERE { ?d ?e ?f } LIMIT 2500 } }")
    pool = WorkerPool(size=1, keep=1, nice=5)
    seen: list[int] = []
    try:
        worker = pool.run({"op": "ping"}, 10)["pong"]
        own = os.getpriority(os.PRIO_PROCESS, worker)
        job = {"op": "query", "path": str(store.current_path()), "text": product, "prefixes": ns.prefixes(),
               "spool": pool.spool_path(), "format": "application/sparql-results+json"}
        running = threading.Thread(target=lambda: seen.append(pool.run(job, 20)))
        running.start()
        assert _eventually(lambda: _priority(worker) == pool_module.DEMOTED_NICE or not running.is_alive())
        demoted = _priority(worker)
        running.join(timeout=30)
        assert seen, "the demoted query still gets its answer"
        assert demoted == pool_module.DEMOTED_NICE
        after = pool.run({"op": "ping"}, 10)["pong"]
        if after == worker:   # raising the priority again is allowed here (root or CAP_SYS_NICE)
            assert os.getpriority(os.PRIO_PROCESS, worker) == own
        else:                 # elsewhere the demoted worker is replaced by one at the normal priority
            assert os.getpriority(os.PRIO_PROCESS, after) == own
    finally:
        pool.close()


def _priority(pid: int) -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, pid)
    except OSError:
        return None


def test_the_limit_counts_processor_time_within_a_wall_clock_bound():
    """A query that waits for the processor (others use it) is not stopped at the limit, only one that
    has used it; whatever happens, nothing waits longer than WALL_FACTOR x the limit."""
    import multiprocessing
    import subprocess
    import sys
    from types import SimpleNamespace

    limit = 0.5
    outcomes = {}
    for name, code in (("waiting", "import time; time.sleep(30)"), ("working", "while True: pass")):
        child = subprocess.Popen([sys.executable, "-c", code])
        silent, _ = multiprocessing.Pipe()
        try:
            started = time.monotonic()
            answered = _answered_within(SimpleNamespace(process=child, conn=silent), limit)
            outcomes[name] = (answered, time.monotonic() - started)
        finally:
            child.kill()
            child.wait()
    assert outcomes["waiting"][0] is False and outcomes["working"][0] is False
    assert outcomes["waiting"][1] >= limit * WALL_FACTOR - 0.05   # no processor time used: the wall bound
    assert outcomes["working"][1] < limit * WALL_FACTOR - 0.2     # the limit in processor time


def test_a_worker_that_keeps_too_much_memory_after_a_job_is_replaced(store, ns):
    job = {"op": "query", "path": str(store.current_path()), "text": COUNT_PROJECTS, "prefixes": ns.prefixes()}
    for recycle, same in ((0, True), (1, False)):   # 1 MiB: every worker is over it after any job
        pool = WorkerPool(size=1, keep=1, recycle_rss=recycle)
        try:
            first = pool.run({"op": "ping"}, 10)["pong"]
            answer = pool.run(dict(job, spool=pool.spool_path()), 10)
            assert b'"value":"' in answer.get("data", b"") or "path" in answer
            assert _eventually(lambda: pool.workers() == 1)
            assert (pool.run({"op": "ping"}, 10)["pong"] == first) is same
        finally:
            pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _eventually(condition, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
