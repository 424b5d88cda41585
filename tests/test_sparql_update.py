"""Updates (SPARQL 1.1 Update and the Graph Store HTTP Protocol): token only, protected curated
graphs, durable across restarts."""

from __future__ import annotations

import pytest
import requests

TOKEN = "test-token-5f1c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINE = "https://example.org/graph/notes"


@pytest.fixture()
def update_server(private_config, start_sparql_server):
    process, url = start_sparql_server(private_config, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    return private_config, process, url


def ask(url, query) -> bool:
    response = requests.get(url + "/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def update(url, text, headers=AUTH, form=False):
    if form:
        return requests.post(url + "/sparql", data={"update": text}, headers=headers)
    return requests.post(url + "/sparql", data=text.encode(),
                         headers={**headers, "Content-Type": "application/sparql-update"})


def test_update_needs_the_token_and_is_durable_across_restarts(update_server, start_sparql_server):
    config, process, url = update_server
    note = f'INSERT DATA {{ GRAPH <{MINE}> {{ <https://example.org/n1> rdfs:comment "huomio"@fi }} }}'
    assert update(url, note, headers={}).status_code == 401
    assert update(url, note, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert not ask(url, f'ASK {{ GRAPH <{MINE}> {{ ?s ?p "huomio"@fi }} }}')
    response = update(url, note)
    assert response.status_code == 204, response.text
    assert ask(url, f'ASK {{ GRAPH <{MINE}> {{ <https://example.org/n1> rdfs:comment "huomio"@fi }} }}')
    form = update(url, 'INSERT DATA { <https://example.org/n2> rdfs:label "oletusgraafi" }', form=True)
    assert form.status_code == 204
    assert ask(url, 'ASK { <https://example.org/n2> rdfs:label "oletusgraafi" }')
    # the service description now lists SPARQL Update
    assert "SPARQL11Update" in requests.get(url + "/sparql", headers={"Accept": "text/turtle"}).text
    # restart: still there
    start_sparql_server.stop(process)
    _, again = start_sparql_server(config, HANKEGRAAFI_UPDATE_TOKEN=TOKEN)
    assert ask(again, f'ASK {{ GRAPH <{MINE}> {{ <https://example.org/n1> rdfs:comment "huomio"@fi }} }}')
    assert ask(again, 'ASK { <https://example.org/n2> rdfs:label "oletusgraafi" }')
    # and read-only again without the token, with the updates still served
    start_sparql_server.stop(_)
    _, readonly = start_sparql_server(config)
    assert update(readonly, note).status_code == 403
    assert ask(readonly, 'ASK { <https://example.org/n2> rdfs:label "oletusgraafi" }')


def test_curated_graphs_change_only_when_named(update_server, ns, select):
    _, _, url = update_server
    source = ns.graph("source-000")
    project = select(f"SELECT ?p WHERE {{ GRAPH <{source}> {{ ?p a hg:Project }} }} LIMIT 1")[0]["p"]
    # a pattern over every graph would silently change the document's graph: refused, nothing changed
    refused = update(url, f"DELETE WHERE {{ GRAPH ?g {{ <{project}> a hg:Project }} }}")
    assert refused.status_code == 403
    assert "source-000" in refused.text and "names" in refused.text
    assert ask(url, f"ASK {{ GRAPH <{source}> {{ <{project}> a hg:Project }} }}")
    # naming the graph is explicit consent
    named = update(url, f"DELETE DATA {{ GRAPH hgg:source-000 {{ <{project}> a hg:Project }} }}")
    assert named.status_code == 204, named.text
    assert not ask(url, f"ASK {{ GRAPH <{source}> {{ <{project}> a hg:Project }} }}")


def test_bad_updates_are_400_and_change_nothing(update_server):
    _, _, url = update_server
    bad = update(url, "INSERT DATA { <urn:a> <urn:b> }")
    assert bad.status_code == 400 and "Malformed update" in bad.text and "1:" in bad.text
    both = requests.post(url + "/sparql", data={"update": "CLEAR DEFAULT", "query": "ASK {}"}, headers=AUTH)
    assert both.status_code == 400
    load = update(url, "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <urn:x>")
    assert load.status_code == 403 and "does not fetch" in load.text
    assert ask(url, "ASK { ?s a hg:Project }")


def test_graph_store_protocol(update_server):
    _, _, url = update_server
    store = url + "/rdf-graph-store"
    turtle = '<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "eka" .'
    assert requests.put(store, params={"graph": MINE}, data=turtle,
                        headers={"Content-Type": "text/turtle"}).status_code == 401
    assert requests.get(store, params={"graph": MINE}).status_code == 404
    created = requests.put(store, params={"graph": MINE}, data=turtle, headers={**AUTH, "Content-Type": "text/turtle"})
    assert created.status_code == 201
    got = requests.get(store, params={"graph": MINE}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and '"eka"' in got.text
    assert requests.head(store, params={"graph": MINE}).status_code == 200
    added = requests.post(store, params={"graph": MINE},
                          data='<https://example.org/b> <http://www.w3.org/2000/01/rdf-schema#label> "toka" .',
                          headers={**AUTH, "Content-Type": "application/n-triples"})
    assert added.status_code == 204
    text = requests.get(store, params={"graph": MINE}, headers={"Accept": "text/turtle"}).text
    assert '"eka"' in text and '"toka"' in text
    replaced = requests.put(store, params={"graph": MINE}, data=turtle.replace("eka", "uusi"),
                            headers={**AUTH, "Content-Type": "text/turtle"})
    assert replaced.status_code == 204
    text = requests.get(store, params={"graph": MINE}).text
    assert '"uusi"' in text and '"toka"' not in text
    assert requests.delete(store, params={"graph": MINE}, headers=AUTH).status_code == 204
    assert requests.get(store, params={"graph": MINE}).status_code == 404
    assert requests.delete(store, params={"graph": MINE}, headers=AUTH).status_code == 404
    assert requests.get(store).status_code == 400
    assert requests.put(store, params={"graph": MINE}, data="not rdf <",
                        headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 400
    default = requests.get(store, params={"default": ""}, headers={"Accept": "application/n-triples"})
    assert default.status_code == 200 and "ontology#Project" in default.text


def test_repeated_queries_come_from_the_cache_until_an_update_changes_the_data(update_server):
    _, _, url = update_server
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:comment ?c }"
    listing = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5000"   # spooled to a file
    answers = {}
    for query in (count, listing):
        first = requests.get(url + "/sparql", params={"query": query})
        again = requests.get(url + "/sparql", params={"query": query})
        assert first.status_code == again.status_code == 200
        assert "X-Hankegraafi-Cache" not in first.headers
        assert again.headers["X-Hankegraafi-Cache"] == "hit"
        assert again.content == first.content
        answers[query] = first.json()
    # another format is another answer
    csv = requests.get(url + "/sparql", params={"query": count}, headers={"Accept": "text/csv"})
    assert "X-Hankegraafi-Cache" not in csv.headers and csv.text.splitlines()[0] == "n"
    before = int(answers[count]["results"]["bindings"][0]["n"]["value"])
    assert update(url, 'INSERT DATA { <https://example.org/n3> rdfs:comment "uusi" }').status_code == 204
    after = requests.get(url + "/sparql", params={"query": count})
    assert "X-Hankegraafi-Cache" not in after.headers
    assert int(after.json()["results"]["bindings"][0]["n"]["value"]) == before + 1
