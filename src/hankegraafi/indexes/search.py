"""Full-text search over every label and description, Finnish- and English-aware.

Build time: each entity's labels and descriptions are analysed (analysis.py) and the tokens go
into a contentless FTS5 table with one column per language and role (fi_label, fi_text, en_label,
en_text, other, names), each token prefixed with its column group's letter. The FTS rowids are
assigned in prominence order: kind by kind (each kind one contiguous rowid range, `search_kind`),
within a kind the documents with the fewest tokens first, which BM25 favours; `search_doc` maps a
rowid to its entity.

Request time: the query is analysed the same way; each query word becomes a group of alternatives
(its base forms per language), the groups are combined with AND (falling back to OR over the words
and their compound parts when nothing has them all), and FTS5's BM25 ranks the hits with labels
weighing more than descriptions and main kinds (projects, organisations, regions) a little more than
the rest. Per-kind counts are FTS5 counts over each kind's rowid range. Ranking computes BM25 for
every match, except for a kind with more than RANK_CAP matches while the page asked for lies
within the first RANK_CAP hits: that kind is ranked on its first RANK_CAP matches in prominence
order plus, per tier (a query word's alternatives of one language in a label column, the whole
label), that tier's first RANK_CAP matches after them (`_rank`). Highlighting re-analyses the
words of the shown text and marks those that match: the text is escaped first, then the matches are
wrapped in <mark>.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from ..namespaces import Namespaces
from .analysis import Analyser, QueryWord, words
from .db import Entities, kind_of
from .extract import GraphData, pairs_query

# what search covers: entities under id/<kind>/ with these kinds, and the themes
SEARCH_KINDS = ("project", "organisation", "person", "scheme", "region", "theme", "event", "publication",
                "document", "change", "goal", "funding", "decision", "budget")
KIND_WEIGHT = {"project": 1.6, "organisation": 1.6, "region": 1.6, "person": 1.4, "scheme": 1.4, "theme": 1.3,
               "event": 1.1, "publication": 1.1}
# BM25 column weights: fi_label, fi_text, en_label, en_text, other, names (whole labels as keys)
COLUMN_WEIGHTS = (10.0, 1.5, 10.0, 1.5, 6.0, 40.0)
# every token carries its column group's letter, so a group's tokens are their own FTS terms: a query
# word's phrases need no column filter, and "hanke" as a Finnish base form, as an English stem and as a
# label's surface form are three doclists instead of one scanned three times
PREFIX = {"fi_label": "f", "fi_text": "f", "en_label": "e", "en_text": "e", "other": "o", "names": "n"}
LANG_PREFIX = {"fi": "f", "en": "e", "other": "o"}
# the label column of each language's tokens ("o" tokens are only in `other`, the labels' surface forms)
LABEL_COLUMN = {"fi": "fi_label", "en": "en_label", "other": None}
# ranking works on at most this many matches per kind and tier (see `_rank`): 25 pages of 20
RANK_CAP = 500


# ====================================================================== build time

# things without a label get a title from their kind and what they are about
DERIVED_TITLES = {
    "goal": (("Tavoite", "Goal"), "?v hg:hasGoal ?e ."),
    "funding": (("Rahoitus", "Funding"), "?e schema:fundedItem ?v ."),
    "budget": (("Budjetti", "Budget"), "?e hg:budgetFor ?v ."),
    "decision": (("Rahoituspäätös", "Funding decision"), "?e hg:concernsFunding ?f . ?f schema:fundedItem ?v ."),
}


THEMES = "?e skos:inScheme hgv:themes . BIND(1 AS ?v)"


def queries() -> list[str]:
    """The SELECTs (without prologue) `write` asks GraphData for, in order (to evaluate them ahead)."""
    return [pairs_query(pattern) for _, pattern in DERIVED_TITLES.values()] + [pairs_query(THEMES)]


def _derived_titles(data: GraphData) -> dict[str, tuple[str, str]]:
    titles = {}
    for (fi, en), pattern in DERIVED_TITLES.values():
        for e, v in data.pairs(pattern):
            titles.setdefault(e, (f"{fi}: {data.label(v, 'fi')}", f"{en}: {data.label(v, 'en')}"))
    return titles


# what unicode61 takes for one token: letters and digits (our tokens can also hold "_", which splits)
_FTS_TOKEN = re.compile(r"[^\W_]+")


def write(conn: sqlite3.Connection, data: GraphData, entities: Entities, ns: Namespaces,
          analyser: Analyser) -> int:
    """Index every searchable entity; returns how many.

    The documents are staged first and go into the FTS table afterwards in prominence order (see
    the module notes): kind by kind, each kind one contiguous range of FTS rowids (`search_kind`),
    within a kind the shortest documents first; `search_doc` maps an FTS rowid to its entity."""
    conn.execute("CREATE TABLE search_stage(entity INTEGER PRIMARY KEY, size INTEGER NOT NULL, "
                 "fi_label TEXT, fi_text TEXT, en_label TEXT, en_text TEXT, other TEXT, names TEXT)")
    count = 0
    titles = _derived_titles(data)
    themes = {e for e, _ in data.pairs(THEMES)}
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
        texts_of = {column: " ".join(PREFIX[column] + t for t in tokens if t)
                    for column, tokens in columns.items()}
        size = sum(len(_FTS_TOKEN.findall(text)) for text in texts_of.values())  # as FTS5 counts them
        conn.execute("INSERT INTO search_stage VALUES (?,?,?,?,?,?,?,?)", (entity, size, *texts_of.values()))
        count += 1
    # prominence order: kinds by weight, within a kind shorter documents first (ties: by label). The
    # kind is the entity table's (a listing's kind where the entity is listed), as shown in the hits
    order = sorted(SEARCH_KINDS, key=lambda k: -KIND_WEIGHT.get(k, 1.0))
    conn.execute("CREATE TEMP TABLE search_kind_order(kind TEXT PRIMARY KEY, position INTEGER, weight REAL)")
    conn.executemany("INSERT INTO search_kind_order VALUES (?, ?, ?)",
                     [(k, i, KIND_WEIGHT.get(k, 1.0)) for i, k in enumerate(order)])
    conn.execute("INSERT INTO search_doc(entity) SELECT s.entity FROM search_stage s "
                 "JOIN entity e ON e.id = s.entity LEFT JOIN search_kind_order o ON o.kind = e.kind "
                 "ORDER BY coalesce(o.position, 1000), e.kind, s.size, e.sort_fi, e.iri")
    conn.execute("INSERT INTO search(rowid, fi_label, fi_text, en_label, en_text, other, names) "
                 "SELECT d.rowid, s.fi_label, s.fi_text, s.en_label, s.en_text, s.other, s.names "
                 "FROM search_doc d JOIN search_stage s ON s.entity = d.entity ORDER BY d.rowid")
    conn.execute("INSERT INTO search_kind(kind, lo, hi, weight) "
                 "SELECT e.kind, min(d.rowid), max(d.rowid), coalesce(o.weight, 1.0) FROM search_doc d "
                 "JOIN entity e ON e.id = d.entity LEFT JOIN search_kind_order o ON o.kind = e.kind "
                 "GROUP BY e.kind")
    conn.execute("DROP TABLE search_stage")
    conn.execute("DROP TABLE search_kind_order")
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
    capped: bool = False  # some kind had more than RANK_CAP matches: ranked on its most prominent ones


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


@dataclass
class _Query:
    expression: str  # what a hit matches: every word (or any, relaxed) or the whole label
    tiers: list[str]  # subsets of it that rank high: a word in a label column, the whole label


def _query(query: list[QueryWord], langs: tuple[str, ...], any_word: bool, analyser: Analyser,
           text: str = "") -> _Query:
    groups, tiers = [], []
    for word in query:
        phrases = []
        for lang in (*langs, "other"):
            tokens = set(word.tokens.get(lang, ()))
            if any_word and lang == "fi":
                tokens |= analyser.fi.index_tokens(word.text)  # compound parts of the query word too
            alternatives = [_quote(LANG_PREFIX[lang] + t) for t in sorted(tokens) if t]
            if alternatives:
                phrases += alternatives
                column = LABEL_COLUMN[lang]
                tiers.append((f"{{{column}}} : " if column else "") + f"({' OR '.join(alternatives)})")
        if phrases:
            groups.append("(" + " OR ".join(phrases) + ")")
    expression = (" OR " if any_word else " AND ").join(groups)
    if len(groups) > 1 and not any_word:
        tiers = [f"({expression}) AND {tier}" for tier in tiers]
    keys = sorted({analyser.label_key(text, lang) for lang in langs} - {""})
    if expression and keys:
        # an entity whose whole label is the query ranks first (it matches the words anyway)
        names = "(" + " OR ".join(_quote(PREFIX["names"] + k) for k in keys) + ")"
        expression = f"({expression}) OR {names}"
        tiers.append(names)
    return _Query(expression, tiers)


def _expression(query: list[QueryWord], langs: tuple[str, ...], any_word: bool, analyser: Analyser,
                text: str = "") -> str:
    """The FTS5 expression a hit of the query matches."""
    return _query(query, langs, any_word, analyser, text).expression


_COUNT = "SELECT count(*) FROM search WHERE search MATCH ? AND rowid BETWEEN ? AND ?"
_NTH = "SELECT rowid FROM search WHERE search MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT 1 OFFSET ?"
_FIRST = "SELECT rowid FROM search WHERE search MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?"
_BM25 = f"bm25(search, {', '.join(map(str, COLUMN_WEIGHTS))})"


def search(conn: sqlite3.Connection, analyser: Analyser, text: str, langs: tuple[str, ...] = ("fi", "en"),
           display_lang: str = "fi", kind: str | None = None, limit: int = 20, offset: int = 0) -> Results:
    text = (text or "").strip()[:200]
    query = analyser.query_words(text, langs)
    results = Results(text, langs, 0, [])
    if not query:
        return results
    ranges = conn.execute("SELECT kind, lo, hi, weight FROM search_kind ORDER BY lo").fetchall()
    for relaxed in (False, True):
        parts = _query(query, langs, relaxed, analyser, text)
        if not parts.expression:
            return results
        # per kind: a rowid range, counted by FTS5 itself (no join)
        counts = {k: n for k, lo, hi, _ in ranges
                  if (n := conn.execute(_COUNT, (parts.expression, lo, hi)).fetchone()[0])}
        if counts or relaxed or len(query) == 1:
            break
    results.kinds = dict(sorted(counts.items()))
    results.relaxed = relaxed and bool(counts)
    results.total = sum(n for k, n in counts.items() if kind is None or k == kind)
    if not results.total or limit <= 0:
        return results
    ranked, results.capped = _rank(conn, parts, ranges, counts, kind, int(limit), max(0, int(offset)))
    if not ranked:
        return results
    docs = [doc for doc, _ in ranked]
    rows = {row["doc"]: row for row in conn.execute(
        f"SELECT d.rowid AS doc, e.* FROM search_doc d JOIN entity e ON e.id = d.entity "
        f"WHERE d.rowid IN ({', '.join('?' * len(docs))})", docs)}
    for doc, score in ranked:
        results.hits.append(_hit(rows[doc], score, query, analyser, display_lang))
    return results


def _rank(conn: sqlite3.Connection, parts: _Query, ranges: list, counts: dict[str, int], kind: str | None,
          limit: int, offset: int) -> tuple[list[tuple[int, float]], bool]:
    """The rowids and scores of one page of hits, best first, and whether the ranking was capped.

    A kind with more than RANK_CAP matches, when the page ends within the first RANK_CAP hits, is
    ranked among candidates: its first RANK_CAP matches in rowid (prominence) order and, of each tier,
    the first RANK_CAP matches after those. Otherwise every match of the kind is ranked. One FTS5
    statement computes BM25 (the same formula and whole-index statistics either way) for the matches
    in the candidates' rowid ranges, in score then rowid order; a set of single rowids is only used
    for a tier whose matches are spread out, as testing it costs more per match than a range."""
    cap = RANK_CAP
    spans, points, capped = [], [], False
    for k, lo, hi, _ in ranges:
        if kind is not None and k != kind:
            continue
        if counts.get(k, 0) > cap and offset + limit <= cap:
            capped = True
            cut = conn.execute(_NTH, (parts.expression, lo, hi, cap - 1)).fetchone()[0]
            spans.append([lo, cut])
            for tier in parts.tiers:
                found = [r for (r,) in conn.execute(_FIRST, (tier, cut + 1, hi, cap))]
                if found and _close_together(conn, parts.expression, found):
                    spans.append([found[0], found[-1]])
                else:
                    points += found
        else:
            spans.append([lo, hi])
    if not spans:
        return [], False
    spans.sort()
    merged = [spans[0]]
    for lo, hi in spans[1:]:
        if lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    high = max([merged[-1][1], *points])
    where, params = "search MATCH ? AND rowid BETWEEN ? AND ?", [parts.expression, merged[0][0], high]
    if len(merged) > 1 or points:
        conditions = [f"+rowid BETWEEN {int(lo)} AND {int(hi)}" for lo, hi in merged]
        if points:
            conditions.append("+rowid IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(set(points))))
        where += " AND (" + " OR ".join(conditions) + ")"
    weights = []  # CASE branches by rowid, consecutive kinds of one weight together
    for _, lo, hi, weight in ranges:
        if weights and weights[-1][1] == weight:
            weights[-1][0] = hi
        else:
            weights.append([hi, weight])
    weight = repr(float(weights[-1][1]))
    if len(weights) > 1:
        weight = ("CASE " + " ".join(f"WHEN rowid <= {int(hi)} THEN {float(w)!r}" for hi, w in weights[:-1])
                  + f" ELSE {weight} END")
    rows = conn.execute(
        f"SELECT rowid, {_BM25} * {weight} AS score FROM search WHERE {where} "
        f"ORDER BY score, rowid LIMIT ? OFFSET ?", params + [limit, offset]).fetchall()
    return [(doc, score) for doc, score in rows], capped


def _close_together(conn: sqlite3.Connection, expression: str, found: list[int]) -> bool:
    """Whether ranking every match from the first of these rowids to the last adds few matches:
    a tier's first matches usually lie close together, and a range costs less to test than a set."""
    if len(found) == 1:
        return True
    return conn.execute(_COUNT, (expression, found[0], found[-1])).fetchone()[0] <= 2 * len(found) + 50


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


def _hit(row, score: float, query: list[QueryWord], analyser: Analyser, lang: str) -> Hit:
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
    return Hit(row["iri"], row["kind"], label, label_html, snippet, snippet_html, also, round(-score, 6))
