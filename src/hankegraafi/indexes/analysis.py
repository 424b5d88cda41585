"""Text analysis shared by the index builder and the query side: words, Finnish and English tokens.

Finnish goes through Voikko (finnish.py); English through the Snowball English (Porter 2) stemmer;
text without a language tag (people's names) through both. The same functions analyse the data at
build time and the query at request time, and decide which words of a snippet to highlight.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from .finnish import FinnishAnalyser, analyser as finnish_analyser, normalise

# a word: letters and digits, with inner hyphens or colons ("Etelä-Savon", "EU:n")
WORD = re.compile(r"\w+(?:[-:]\w+)*")

STOPWORDS = {
    "fi": {"ja", "tai", "sekä", "on", "ovat", "oli", "ei", "että", "se", "ne", "joka", "jonka", "jotka",
           "mutta", "kuin", "myös", "sen", "niiden", "kun"},
    "en": {"a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "by", "at", "from", "is",
           "are", "was", "its", "as", "into", "that", "this"},
}

LANGS = ("fi", "en")


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for every word of a text."""
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text or "")]


class EnglishAnalyser:
    """Snowball English stems; hyphenated words also as their parts."""

    def __init__(self):
        self._stemmer = snowballstemmer.stemmer("english")
        self._lock = threading.Lock()
        self.stem = lru_cache(maxsize=100_000)(self._stem)

    def _stem(self, word: str) -> str:
        with self._lock:
            return normalise(self._stemmer.stemWord(word.lower()))

    def tokens(self, word: str) -> set[str]:
        parts = [p for p in re.split(r"[-:]", word) if p]
        tokens = {self.stem(p) for p in parts}
        if len(parts) > 1:
            tokens.add(normalise(word))
        tokens.discard("")
        return tokens


@dataclass
class QueryWord:
    """One word of a query: what it must match in each language."""

    text: str
    tokens: dict[str, set[str]] = field(default_factory=dict)  # lang -> alternatives


class Analyser:
    """Finnish and English analysis behind one interface."""

    def __init__(self, finnish: FinnishAnalyser | None = None):
        self.fi = finnish or finnish_analyser()
        self.en = EnglishAnalyser()
        self.word_tokens = lru_cache(maxsize=300_000)(self._word_tokens)

    # ------------------------------------------------------------------ index side
    def _word_tokens(self, word: str, lang: str) -> frozenset[str]:
        if lang == "fi":
            return frozenset(self.fi.index_tokens(word))
        if lang == "en":
            return frozenset(self.en.tokens(word))
        return frozenset({normalise(word)} - {""})

    def text_tokens(self, text: str, lang: str) -> list[str]:
        """Every token of a text for one language's index column."""
        out: list[str] = []
        for _, _, word in words(text):
            out.extend(sorted(self.word_tokens(word, lang)))
        return out

    def label_key(self, text: str, lang: str) -> str:
        """A whole label (or query) as one token of its words' base forms: "Kainuun hyvinvointialue"
        and "Kainuun hyvinvointialueella" give the same key, so a query naming an entity ranks it first."""
        parts = []
        for _, _, word in words(text):
            if lang == "fi":
                forms = self.fi.base_forms(word)
                parts.append(min(forms) if forms else normalise(word))
            else:
                parts.append(self.en.stem(word))
        return lang + "".join(parts) if parts else ""

    # ------------------------------------------------------------------ query side
    def query_words(self, query: str, langs: tuple[str, ...] = LANGS) -> list[QueryWord]:
        """The query's words with their alternatives per language; stopwords dropped unless the
        query is nothing but stopwords."""
        found = [w for _, _, w in words(query)]
        content = [w for w in found if not any(w.lower() in STOPWORDS[lang] for lang in langs)]
        result = []
        for word in content or found:
            if "-" in word and "en" in langs and "fi" not in langs:
                # an English hyphenated query word is its parts ("child-protection")
                result.extend(self._query_word(part, langs) for part in word.split("-") if part)
            else:
                result.append(self._query_word(word, langs))
        return result

    def _query_word(self, word: str, langs: tuple[str, ...]) -> QueryWord:
        tokens: dict[str, set[str]] = {}
        for lang in langs:
            if lang == "fi":
                tokens["fi"] = self.fi.query_tokens(word)
            elif lang == "en":
                tokens["en"] = self.en.tokens(word)
        tokens["other"] = {normalise(word)} - {""}
        return QueryWord(word, tokens)

    # ------------------------------------------------------------------ highlighting
    def matches(self, word: str, lang: str | None, query: list[QueryWord]) -> bool:
        """Whether a word of a text (in `lang`, None for untagged) matches any query word."""
        other = set().union(*(q.tokens.get("other", set()) for q in query)) if query else set()
        if normalise(word) in other:
            return True
        for language in ([lang] if lang in LANGS else list(LANGS)):
            wanted = set().union(*(q.tokens.get(language, set()) for q in query))
            if wanted and self.word_tokens(word, language) & wanted:
                return True
        return False


@functools.lru_cache(maxsize=1)
def analyser() -> Analyser:
    """The process-wide analyser."""
    return Analyser()
