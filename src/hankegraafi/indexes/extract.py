"""What the indexes need from a built store, fetched with a few simple queries.

Every query here is a plain basic graph pattern without OPTIONAL or ORDER BY (the shapes that stay
fast on Oxigraph as the graph grows, see shared/research/performance-notes.md); joins, fallbacks and
inheritance happen in Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
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


class GraphData:
    """Labels, descriptions, types and dates of everything in the store, keyed by IRI."""

    def __init__(self, store: ox.Store, ns: Namespaces):
        self.store = store
        self.ns = ns
        self.prologue = ns.sparql_prologue()
        self.texts: dict[str, Texts] = defaultdict(Texts)
        self.types: dict[str, set[str]] = defaultdict(set)
        self.dates: dict[str, dict[str, str]] = defaultdict(dict)
        self.parents: dict[str, str] = {}  # project -> the project it is a sub-project of
        self.engagements: dict[str, tuple[str, str]] = {}  # engagement -> (agent, project)
        self._organisation_kinds: set[str] | None = None
        self._load()

    def select(self, body: str) -> list[list]:
        """Solutions of a SELECT as lists of terms (None for unbound)."""
        # a solution iterates its values in the order of the variables (None where unbound); faster
        # than looking each one up by name (a fifth of the index step's reading at 100 000 projects)
        return [list(row) for row in self.store.query(self.prologue + body)]

    def pairs(self, body: str) -> list[tuple[str, str]]:
        """(?e, ?v) string pairs of a pattern, distinct."""
        return [(_value(e), _value(v)) for e, v in self.select(f"SELECT DISTINCT ?e ?v WHERE {{ {body} }}")
                if e is not None and v is not None]

    def _load(self) -> None:
        which = {"skos:prefLabel": "pref", "skos:altLabel": "alt", "schema:name": "name",
                 "dcterms:title": "title", "rdfs:label": "rdfs"}
        prefixes = self.ns.prefixes()

        def expand(curie: str) -> str:
            prefix, _, local = curie.partition(":")
            return prefixes[prefix] + local

        kinds = {expand(c): k for c, k in which.items()}
        rows = self.select("SELECT ?s ?p ?o WHERE { VALUES ?p { skos:prefLabel skos:altLabel schema:name "
                           "dcterms:title rdfs:label } ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o)) }")
        seen = set()
        for s, p, o in rows:
            key = (s.value, o.value, o.language or "", kinds[p.value])
            if key not in seen:
                seen.add(key)
                self.texts[s.value].labels.append((o.value, o.language or "", kinds[p.value]))
        for s, o in self.select("SELECT ?s ?o WHERE { ?s dcterms:description ?o FILTER(isIRI(?s) && isLiteral(?o)) }"):
            self.texts[s.value].descriptions.append((o.value, o.language or ""))
        # role titles of engagements and positions describe their agent too ("hankepäällikkö")
        for a, t in self.select("SELECT DISTINCT ?a ?t WHERE { { ?m hg:agent ?a } UNION { ?m hg:holder ?a } "
                                "?m hg:roleTitle ?t }"):
            self.texts[a.value].notes.append((t.value, t.language or ""))
        for s, t in self.select("SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s)) }"):
            self.types[s.value].add(t.value)
        for s, p, d in self.select(
                "SELECT ?s ?p ?d WHERE { VALUES ?p { schema:startDate schema:endDate hg:earliestStart hg:latestStart "
                "hg:earliestEnd hg:latestEnd } ?s ?p ?d }"):
            if re.match(r"\d{4}-\d{2}-\d{2}", d.value):
                self.dates[s.value][p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]] = d.value[:10]
        for child, parent in self.select("SELECT ?c ?p WHERE { ?c hg:subProjectOf ?p }"):
            self.parents.setdefault(child.value, parent.value)
        for m, a, p in self.select("SELECT ?m ?a ?p WHERE { ?m hg:agent ?a ; hg:inProject ?p }"):
            self.engagements[m.value] = (a.value, p.value)

    def organisation_kinds(self) -> set[str]:
        """The subclasses of hg:Organisation."""
        if self._organisation_kinds is None:
            self._organisation_kinds = {v.value for (v,) in self.select(
                "SELECT ?v WHERE { ?v rdfs:subClassOf hg:Organisation FILTER(?v != hg:Organisation) }")}
        return self._organisation_kinds

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
