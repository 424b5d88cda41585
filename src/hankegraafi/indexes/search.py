"""Full-text search over every label and description, Finnish- and English-aware.

Build time: each entity's labels and descriptions are analysed (analysis.py) and the tokens go
into a contentless FTS5 table with one column per language and role (fi_label, fi_text, en_label,
en_text, other). Request time: the query is analysed the same way; each query word becomes a
group of alternatives (its base forms per language), the groups are combined with AND (falling back
to OR over the words and their compound parts when nothing has them all), and FTS5's BM25 ranks
the hits with labels weighing more than descriptions and main kinds (projects, organisations,
regions) a little more than the rest. Highlighting re-analyses the words of the shown text and
marks those that match: the text is escaped first, then the matches are wrapped in <mark>.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from ..namespaces import Namespaces
from .analysis import Analyser, QueryWord, words
from .db import Entities, kind_of
from .extract import GraphData

# what search covers: entities under id/<kind>/ with these kinds, and the themes
SEARCH_KINDS = ("project", "organisation", "person", "scheme", "region", "theme", "event", "publication",
                "document", "change", "goal", "funding", "decision", "budget")
KIND_WEIGHT = {"project": 1.6, "organisation": 1.6, "region": 1.6, "person": 1.4, "scheme": 1.4, "theme": 1.3,
               "event": 1.1, "publication": 1.1}
# BM25 column weights: fi_label, fi_text, en_label, en_text, other, names (whole labels as keys)
COLUMN_WEIGHTS = (10.0, 1.5, 10.0, 1.5, 6.0, 40.0)
COLUMNS = {"fi": "{fi_label fi_text}", "en": "{en_label en_text}", "other": "{other}"}


# ====================================================================== build time

# things without a label get a title from their kind and what they are about
DERIVED_TITLES = {
    "goal": (("Tavoite", "Goal"), "?v hg:hasGoal ?e ."),
    "funding": (("Rahoitus", "Funding"), "?e schema:fundedItem ?v ."),
    "budget": (("Budjetti", "Budget"), "?e hg:budgetFor ?v ."),
    "decision": (("Rahoituspäätös", "Funding decision"), "?e hg:concernsFunding ?f . ?f schema:fundedItem ?v ."),
}


def _derived_titles(data: GraphData) -> dict[str, tuple[str, str]]:
    titles = {}
    for (fi, en), pattern in DERIVED_TITLES.values():
        for e, v in data.pairs(pattern):
            titles.setdefault(e, (f"{fi}: {data.label(v, 'fi')}", f"{en}: {data.label(v, 'en')}"))
    return titles


def write(conn: sqlite3.Connection, data: GraphData, entities: Entities, ns: Namespaces,
          analyser: Analyser) -> int:
    """Index every searchable entity; returns how many."""
    count = 0
    titles = _derived_titles(data)
    themes = {e for e, _ in data.pairs("?e skos:inScheme hgv:themes . BIND(1 AS ?v)")}
    for iri, texts in list(data.texts.items()):
        kind = kind_of(iri, ns)
        if kind not in SEARCH_KINDS or not (texts.labels or texts.descriptions):
            continue
        if kind == "theme" and iri not in themes:
            continue
        entity = entities.id(iri, kind)
        if not texts.labels and iri in titles:
            conn.execute("UPDATE entity SET label_fi = ?, label_en = ? WHERE id = ?", (*titles[iri], entity))
        columns = {"fi_label": [], "fi_text": [], "en_label": [], "en_text": [], "other": [], "names": []}
        for text, lang, which in texts.labels:
            if which == "rdfs" and any(w != "rdfs" for _, _, w in texts.labels):
                continue  # materialised from prefLabel
            if lang in ("fi", ""):
                columns["fi_label"] += analyser.text_tokens(text, "fi")
            if lang in ("en", ""):
                columns["en_label"] += analyser.text_tokens(text, "en")
            columns["other"] += analyser.text_tokens(text, "other")
            if which in ("pref", "alt", "name"):
                columns["names"] += [analyser.label_key(text, key_lang) for key_lang in ("fi", "en")
                                     if lang in (key_lang, "")]
        for text, lang in texts.descriptions + texts.notes:
            if lang in ("fi", ""):
                columns["fi_text"] += analyser.text_tokens(text, "fi")
            if lang in ("en", ""):
                columns["en_text"] += analyser.text_tokens(text, "en")
        conn.execute("INSERT INTO search(rowid, fi_label, fi_text, en_label, en_text, other, names) "
                     "VALUES (?,?,?,?,?,?,?)", (entity, *(" ".join(columns[c]) for c in columns)))
        conn.execute("UPDATE entity SET weight = ? WHERE id = ?", (KIND_WEIGHT.get(kind, 1.0), entity))
        count += 1
    return count


# ====================================================================== request time

@dataclass
class Hit:
    iri: str
    kind: str
    label: str
    label_html: Markup
    snippet: str
    snippet_html: Markup
    also: list[Markup]
    score: float


@dataclass
class Results:
    query: str
    langs: tuple[str, ...]
    total: int
    hits: list[Hit]
    kinds: dict[str, int] = field(default_factory=dict)
    relaxed: bool = False  # no entity had every word: ranked by any of them


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _expression(query: list[QueryWord], langs: tuple[str, ...], any_word: bool, analyser: Analyser,
                text: str = "") -> str:
    groups = []
    for word in query:
        parts = []
        for lang in (*langs, "other"):
            tokens = set(word.tokens.get(lang, ()))
            if any_word and lang == "fi":
                tokens |= analyser.fi.index_tokens(word.text)  # compound parts of the query word too
            if tokens:
                parts.append(f"{COLUMNS[lang]} : ({' OR '.join(_quote(t) for t in sorted(tokens))})")
        if parts:
            groups.append("(" + " OR ".join(parts) + ")")
    expression = (" OR " if any_word else " AND ").join(groups)
    keys = sorted({analyser.label_key(text, lang) for lang in langs} - {""})
    if expression and keys:
        # an entity whose whole label is the query ranks first (it matches the words anyway)
        expression = f"({expression}) OR {{names}} : ({' OR '.join(_quote(k) for k in keys)})"
    return expression


def search(conn: sqlite3.Connection, analyser: Analyser, text: str, langs: tuple[str, ...] = ("fi", "en"),
           display_lang: str = "fi", kind: str | None = None, limit: int = 20, offset: int = 0) -> Results:
    text = (text or "").strip()[:200]
    query = analyser.query_words(text, langs)
    results = Results(text, langs, 0, [])
    if not query:
        return results
    for relaxed in (False, True):
        expression = _expression(query, langs, relaxed, analyser, text)
        if not expression:
            return results
        kinds = dict(conn.execute(
            "SELECT e.kind, COUNT(*) FROM search JOIN entity e ON e.id = search.rowid WHERE search MATCH ? "
            "GROUP BY e.kind", (expression,)).fetchall())
        if kinds or relaxed or len(query) == 1:
            break
    results.kinds = kinds
    results.relaxed = relaxed and bool(kinds)
    results.total = sum(n for k, n in kinds.items() if kind is None or k == kind)
    where, params = "search MATCH ?", [expression]
    if kind:
        where += " AND e.kind = ?"
        params.append(kind)
    rows = conn.execute(
        f"SELECT e.*, bm25(search, {', '.join(map(str, COLUMN_WEIGHTS))}) * e.weight AS rank FROM search "
        f"JOIN entity e ON e.id = search.rowid WHERE {where} ORDER BY rank, e.sort_fi, e.iri LIMIT ? OFFSET ?",
        params + [int(limit), int(offset)]).fetchall()
    for row in rows:
        results.hits.append(_hit(row, query, analyser, display_lang))
    return results


def highlight(text: str, lang: str | None, query: list[QueryWord], analyser: Analyser) -> tuple[Markup, bool]:
    """The text escaped, with the words that match the query wrapped in <mark>; and whether any did."""
    out, position, found = [], 0, False
    for start, end, word in words(text):
        if analyser.matches(word, lang, query):
            out.append(escape(text[position:start]))
            out.append(Markup("<mark>") + escape(word) + Markup("</mark>"))
            position, found = end, True
    out.append(escape(text[position:]))
    return Markup("").join(out), found


def _window(text: str, lang: str, query: list[QueryWord], analyser: Analyser, size: int = 28) -> str | None:
    """A part of a description around its first matching word (whole text when short)."""
    spans = words(text)
    first = next((i for i, (_, _, w) in enumerate(spans) if analyser.matches(w, lang, query)), None)
    if first is None:
        return None
    if len(spans) <= size:
        return text
    begin = max(0, first - size // 3)
    end = min(len(spans), begin + size)
    begin = max(0, end - size)
    piece = text[spans[begin][0]:spans[end - 1][1]]
    return ("… " if begin > 0 else "") + piece + (" …" if end < len(spans) else "")


def _hit(row, query: list[QueryWord], analyser: Analyser, lang: str) -> Hit:
    other = "en" if lang == "fi" else "fi"
    label = row[f"label_{lang}"] or row[f"label_{other}"] or row["iri"]
    own_lang = lang if row[f"own_{lang}"] == label else (other if row[f"own_{other}"] == label else None)
    label_html, _ = highlight(label, own_lang, query, analyser)
    snippet, snippet_html = "", Markup("")
    for language in (lang, other):
        description = row[f"desc_{language}"]
        if description:
            piece = _window(description, language, query, analyser)
            if piece:
                snippet = piece
                snippet_html, _ = highlight(piece, language, query, analyser)
                break
    if not snippet:
        description = row[f"desc_{lang}"] or row[f"desc_{other}"] or ""
        snippet = description if len(description) <= 200 else description[:200].rsplit(" ", 1)[0] + " …"
        snippet_html = escape(snippet)
    also = []
    for language in (lang, other):
        own = row[f"own_{language}"]
        if own and own != label:
            marked, found = highlight(own, language, query, analyser)
            if found:
                also.append(marked)
    for text, language in [tuple(a) for a in json.loads(row["alt"] or "[]")] + [
            tuple(n) for n in json.loads(row["notes"] or "[]")]:
        marked, found = highlight(text, language or None, query, analyser)
        if found and marked not in also:
            also.append(marked)
    return Hit(row["iri"], row["kind"], label, label_html, snippet, snippet_html, also, round(-row["rank"], 6))
