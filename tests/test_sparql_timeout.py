"""The query time limit really stops runaway queries, and the service keeps answering everyone else."""

from __future__ import annotations

import threading
import time

import requests

RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o . ?p ?q ?r
}"""


def test_two_runaway_queries_are_cut_off_while_a_third_client_gets_answers(limits_server, select):
    expected = select("SELECT (COUNT(*) AS ?n) WHERE { ?p a hg:Project }")[0]["n"]
    outcomes: list[tuple[float, requests.Response]] = []

    def runaway():
        started = time.monotonic()
        response = requests.post(limits_server + "/sparql", data={"query": RUNAWAY}, timeout=60)
        outcomes.append((time.monotonic() - started, response))

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)   # both runaways are now running in workers
    answered = []
    for _ in range(5):
        started = time.monotonic()
        response = requests.get(limits_server + "/sparql",
                                params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?p a hg:Project }"}, timeout=10)
        answered.append(time.monotonic() - started)
        assert response.status_code == 200
        assert response.json()["results"]["bindings"][0]["n"]["value"] == expected
    for thread in threads:
        thread.join(timeout=30)
    # the simple queries did not wait for the runaways
    assert max(answered) < 2.0, answered
    assert len(outcomes) == 2
    for elapsed, response in outcomes:
        assert response.status_code == 503
        assert elapsed < 3 + 2, elapsed
        assert "time limit" in response.text and "3 s" in response.text
        assert "LIMIT" in response.text and "download" in response.text
        assert float(response.headers["X-Hankegraafi-Elapsed"]) >= 2.9
    # the killed workers were replaced: the service still answers, also heavier queries
    for _ in range(4):
        response = requests.get(limits_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert response.json()["boolean"] is True
