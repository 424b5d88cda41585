"""What the indexes need from a built store, fetched with a few simple queries.

Every query here is a plain basic graph pattern without OPTIONAL or ORDER BY (the shapes that stay
fast on Oxigraph as the graph grows, see shared/research/performance-notes.md); joins, fallbacks and
inheritance happen in Python.

Evaluating the queries is two thirds of the index step, so `Prefetch` evaluates the ones planned
ahead in background threads while Python works through the results of earlier ones.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import Namespaces

LABEL_PRIORITY = ("pref", "name", "title", "rdfs")


@dataclass
class Texts:
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (text, lang or "", which)
    descriptions: list[tuple[str, str]] = field(default_factory=list)  # (text, lang or "")
    notes: list[tuple[str, str]] = field(default_factory=list)  # role titles and similar short texts

    def label(self, lang: str) -> str | None:
        """The best label in `lang` ("" = untagged): prefLabel, then name, title, rdfs:label."""
        for which in LABEL_PRIORITY:
            for text, language, kind in self.labels:
                if kind == which and language == lang:
                    return text
        return None

    def display(self, lang: str) -> str | None:
        """A label in the wanted language, falling back fi -> en -> untagged -> any."""
        for language in (lang, "fi", "en", ""):
            found = self.label(language)
            if found:
                return found
        return next((text for text, _, kind in self.labels if kind != "alt"), None)

    def alt_labels(self) -> list[tuple[str, str]]:
        return [(text, lang) for text, lang, kind in self.labels if kind == "alt"]

    def description(self, lang: str) -> str | None:
        return next((text for text, language in self.descriptions if language == lang), None)


def _value(term) -> str | None:
    return None if term is None else term.value


def pairs_query(body: str) -> str:
    """The SELECT of `GraphData.pairs`."""
    return f"SELECT DISTINCT ?e ?v WHERE {{ {body} }}"


LOAD_QUERIES = {
    "labels": "SELECT ?s ?p ?o WHERE { VALUES ?p { skos:prefLabel skos:altLabel schema:name dcterms:title "
              "rdfs:label } ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o)) }",
    "descriptions": "SELECT ?s ?o WHERE { ?s dcterms:description ?o FILTER(isIRI(?s) && isLiteral(?o)) }",
    "role titles": "SELECT DISTINCT ?a ?t WHERE { { ?m hg:agent ?a } UNION { ?m hg:holder ?a } ?m hg:roleTitle ?t }",
    # the only types the indexes use (a tenth of a second where all types took minutes at 100 000 projects)
    "organisation kinds": "SELECT ?s ?t WHERE { ?t rdfs:subClassOf hg:Organisation . FILTER(?t != hg:Organisation) "
                          "?s a ?t FILTER(isIRI(?s)) }",
    "dates": "SELECT ?s ?p ?d WHERE { VALUES ?p { schema:startDate schema:endDate hg:earliestStart hg:latestStart "
             "hg:earliestEnd hg:latestEnd } ?s ?p ?d }",
    "parents": "SELECT ?c ?p WHERE { ?c hg:subProjectOf ?p }",
    "engagements": "SELECT ?m ?a ?p WHERE { ?m hg:agent ?a ; hg:inProject ?p }",
}


class Stopped(RuntimeError):
    """The index step was told to stop (the build failed elsewhere)."""


class Prefetch:
    """Query solutions, evaluated ahead of being asked for: the queries planned with `plan` run in
    `workers` background threads, at most `ahead` of them beyond the one being read.

    A worker serialises the solutions to TSV inside Oxigraph, without the GIL; the reader only parses
    them back (a third of the cost of iterating the query itself, which holds the GIL for most of it).
    Once `stop` is set, asking for solutions raises Stopped."""

    FORMAT = ox.QueryResultsFormat.TSV

    def __init__(self, store: ox.Store, workers: int = 2, ahead: int = 3, stop: threading.Event | None = None):
        self.store = store
        self.ahead = ahead
        self.stop = stop or threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prefetch")
        self._planned: deque[str] = deque()
        self._started: dict[str, Future] = {}
        self._lock = threading.Lock()

    def plan(self, queries: list[str]) -> None:
        """Queries that will be asked for, in about this order."""
        with self._lock:
            for query in queries:
                if query not in self._started and query not in self._planned:
                    self._planned.append(query)
        self._top_up()

    def solutions(self, query: str) -> ox.QuerySolutions:
        if self.stop.is_set():
            raise Stopped("the index step was stopped")
        with self._lock:
            future = self._started.pop(query, None)
            if future is None and query in self._planned:
                self._planned.remove(query)
        self._top_up()
        serialised = (future or self._pool.submit(self._evaluate, query)).result()
        return ox.parse_query_results(serialised, format=self.FORMAT)

    def close(self) -> None:
        with self._lock:
            self._planned.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _evaluate(self, query: str) -> bytes:
        return self.store.query(query).serialize(format=self.FORMAT)

    def _top_up(self) -> None:
        with self._lock:
            while self._planned and len(self._started) < self.ahead:
                query = self._planned.popleft()
                if query not in self._started:
                    self._started[query] = self._pool.submit(self._evaluate, query)


class GraphData:
    """Labels, descriptions and dates of everything in the store, and organisations' kinds, keyed by IRI."""

    def __init__(self, prefetch: Prefetch, ns: Namespaces, then: list[str] = ()):
        """Reads the store through `prefetch`; `then`: full queries that will be asked for after the
        data is loaded, to evaluate ahead."""
        self.ns = ns
        self.prologue = ns.sparql_prologue()
        self.prefetch = prefetch
        self.plan(list(LOAD_QUERIES.values()))
        self.prefetch.plan(list(then))
        self.texts: dict[str, Texts] = defaultdict(Texts)
        self.kinds: dict[str, set[str]] = defaultdict(set)  # organisation -> its hg:Organisation subclasses
        self.dates: dict[str, dict[str, str]] = defaultdict(dict)
        self.parents: dict[str, str] = {}  # project -> the project it is a sub-project of
        self.engagements: dict[str, tuple[str, str]] = {}  # engagement -> (agent, project)
        self._load()

    def plan(self, bodies: list[str]) -> None:
        """SELECTs (without the prologue) that `select` will be asked for, in about this order."""
        self.prefetch.plan([self.prologue + body for body in bodies])

    def solutions(self, query: str) -> ox.QuerySolutions:
        """The solutions of a full query (evaluated ahead if it was planned)."""
        return self.prefetch.solutions(query)

    def select(self, body: str) -> list[list]:
        """Solutions of a SELECT as lists of terms (None for unbound)."""
        # a solution iterates its values in the order of the variables (None where unbound); faster
        # than looking each one up by name (a fifth of the index step's reading at 100 000 projects)
        return [list(row) for row in self.solutions(self.prologue + body)]

    def pairs(self, body: str) -> list[tuple[str, str]]:
        """(?e, ?v) string pairs of a pattern, distinct."""
        return [(_value(e), _value(v)) for e, v in self.select(pairs_query(body))
                if e is not None and v is not None]

    def _load(self) -> None:
        which = {"skos:prefLabel": "pref", "skos:altLabel": "alt", "schema:name": "name",
                 "dcterms:title": "title", "rdfs:label": "rdfs"}
        prefixes = self.ns.prefixes()

        def expand(curie: str) -> str:
            prefix, _, local = curie.partition(":")
            return prefixes[prefix] + local

        kinds = {expand(c): k for c, k in which.items()}
        seen = set()
        for s, p, o in self.select(LOAD_QUERIES["labels"]):
            key = (s.value, o.value, o.language or "", kinds[p.value])
            if key not in seen:
                seen.add(key)
                self.texts[s.value].labels.append((o.value, o.language or "", kinds[p.value]))
        for s, o in self.select(LOAD_QUERIES["descriptions"]):
            self.texts[s.value].descriptions.append((o.value, o.language or ""))
        # role titles of engagements and positions describe their agent too ("hankepäällikkö")
        for a, t in self.select(LOAD_QUERIES["role titles"]):
            self.texts[a.value].notes.append((t.value, t.language or ""))
        for s, t in self.select(LOAD_QUERIES["organisation kinds"]):
            self.kinds[s.value].add(t.value)
        for s, p, d in self.select(LOAD_QUERIES["dates"]):
            if re.match(r"\d{4}-\d{2}-\d{2}", d.value):
                self.dates[s.value][p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]] = d.value[:10]
        for child, parent in self.select(LOAD_QUERIES["parents"]):
            self.parents.setdefault(child.value, parent.value)
        for m, a, p in self.select(LOAD_QUERIES["engagements"]):
            self.engagements[m.value] = (a.value, p.value)

    # ------------------------------------------------------------------ labels
    def label(self, iri: str, lang: str) -> str:
        texts = self.texts.get(iri)
        found = texts.display(lang) if texts else None
        return found or local_name(iri)

    def label_in(self, iri: str, lang: str) -> str | None:
        texts = self.texts.get(iri)
        return texts.label(lang) if texts else None

    # ------------------------------------------------------------------ periods
    def own_period(self, iri: str) -> tuple[str | None, str | None, bool]:
        """(start, end, approximate) from the item's own dates and bounds."""
        d = self.dates.get(iri, {})
        start = d.get("startDate") or d.get("earliestStart") or d.get("latestStart")
        end = d.get("endDate") or d.get("latestEnd") or d.get("earliestEnd")
        approximate = bool((start and not d.get("startDate")) or (end and not d.get("endDate")))
        return start, end, approximate

    def period(self, iri: str) -> tuple[str | None, str | None, bool]:
        """The period of a project or engagement: its own dates; a sub-project without dates takes its
        parent's; an engagement without dates (or without an end) takes its project's."""
        start, end, approximate = self.own_period(iri)
        if iri in self.engagements and (start is None or end is None):
            p_start, p_end, _ = self.period(self.engagements[iri][1])
            if start is None and end is None:
                return p_start, p_end, bool(p_start or p_end)
            if end is None and start is not None and p_end and p_end >= start:
                return start, p_end, True
            if start is None and end is not None and p_start and p_start <= end:
                return p_start, end, True
            return start, end, approximate
        seen = {iri}
        parent = self.parents.get(iri)
        while start is None and end is None and parent and parent not in seen:
            seen.add(parent)
            start, end, _ = self.own_period(parent)
            approximate = bool(start or end)
            parent = self.parents.get(parent)
        return start, end, approximate

    def years(self, iri: str) -> list[int]:
        start, end, _ = self.period(iri)
        if not start and not end:
            return []
        first = int((start or end)[:4])
        last = int((end or start)[:4])
        if last < first:
            first, last = last, first
        return list(range(first, min(last, first + 100) + 1))


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


def fi_sort_key(text: str) -> str:
    """A sort key in Finnish alphabetical order (å, ä, ö after z), case-insensitive."""
    key = (text or "").casefold()
    return key.replace("å", "{").replace("ä", "|").replace("ö", "}").replace("ü", "y")


def en_sort_key(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
