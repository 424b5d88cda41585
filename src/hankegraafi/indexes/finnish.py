"""Finnish morphology for search: base forms and compound parts from Voikko.

Voikko (Debian `libvoikko1` + `voikko-fi`, loaded through the ctypes binding in PyPI `libvoikko`)
analyses an inflected word into its readings; each gives the base form (BASEFORM:
"lastensuojelun" -> "lastensuojelu") and the morphemes of that base form (WORDBASES:
"+lasten(lapsi)+suojel(suojella)+u(+u)"). For the index a word becomes the base forms of all
its readings plus its compound parts and every run of adjacent parts ("lasten", "lapsi",
"suojelu"; "kokemusasiantuntijatoiminta" also gives "asiantuntija" and "toiminta"), so a query
for a part finds the compound. A query word becomes only its base forms, so "suojelu" finds
"lastensuojelun" but "lastensuojelu" does not find every text about "suojelu".

Words Voikko does not know (names such as "Soite", abbreviations, English words) fall back to
the lower-cased word and its Snowball Finnish stem ("Soiten" and "Soite" share "soit").

Voikko handles are not thread-safe: every call goes through one lock. Analyses are cached.
"""

from __future__ import annotations

import functools
import re
import threading
from functools import lru_cache

import snowballstemmer

# longest run of compound parts joined into an extra token (bounds the tokens per word)
MAX_PARTS = 6


class VoikkoUnavailable(RuntimeError):
    """libvoikko or its Finnish dictionary is not installed (scripts/install-system-deps.sh)."""


def normalise(token: str) -> str:
    """Lower-case, without hyphens, colons and other punctuation: one FTS token."""
    return re.sub(r"[^\w]", "", token.lower())


_WORDBASE = re.compile(r"\+([^+()]*)(?:\(([^()]*)\))?")


def compound_groups(wordbases: str) -> list[tuple[str, str | None]]:
    """The parts of a base form from Voikko's WORDBASES, derivational suffixes joined to their stem:
    "+lasten(lapsi)+suojel(suojella)+u(+u)" -> [("lasten", "lapsi"), ("suojelu", None)]."""
    groups: list[list] = []  # [surface, base or None, morpheme count]
    for surface, base in _WORDBASE.findall(wordbases):
        if surface in ("", "-", ":"):
            groups.append(None)  # a hyphen separates parts
            continue
        suffix = base.startswith("+") if base else len(surface) <= 2
        if suffix and groups and groups[-1] is not None:
            groups[-1][0] += surface
            groups[-1][2] += 1
        else:
            groups.append([surface, base or None, 1])
    result = []
    for group in groups:
        if group is None:
            continue
        surface, base, count = group
        # a single morpheme keeps its base ("lasten" -> "lapsi"); a derived stem has none of its own
        result.append((surface, base.replace("=", "") if base and count == 1 else None))
    return result


class FinnishAnalyser:
    """Voikko's analyses turned into index and query tokens."""

    def __init__(self):
        try:
            import libvoikko
        except ImportError as error:  # pragma: no cover - the dependency is in pyproject.toml
            raise VoikkoUnavailable("the Python package 'libvoikko' is not installed") from error
        try:
            self._voikko = libvoikko.Voikko("fi")
        except (OSError, libvoikko.VoikkoException) as error:
            raise VoikkoUnavailable(
                "cannot load Voikko with a Finnish dictionary; install the Debian packages libvoikko1 and "
                f"voikko-fi (scripts/install-system-deps.sh): {error}") from error
        self.version = libvoikko.Voikko.getVersion()
        self._lock = threading.Lock()
        self._stemmer = snowballstemmer.stemmer("finnish")
        self._stem_lock = threading.Lock()
        self.analyse = lru_cache(maxsize=200_000)(self._analyse)

    def _analyse(self, word: str) -> tuple[dict, ...]:
        with self._lock:
            return tuple(dict(reading) for reading in self._voikko.analyze(word))

    def stem(self, word: str) -> str:
        with self._stem_lock:
            return self._stemmer.stemWord(word.lower())

    def base_forms(self, word: str) -> set[str]:
        """The base forms of a word's readings (lower case), or {} when Voikko does not know it."""
        forms = set()
        for reading in self.analyse(word):
            base = reading.get("BASEFORM")
            if base:
                forms.add(normalise(base))
        forms.discard("")
        return forms

    def _unknown(self, word: str) -> set[str]:
        lower = normalise(word)
        return {t for t in (lower, normalise(self.stem(lower))) if t}

    def query_tokens(self, word: str) -> set[str]:
        """What a query word must match: its base forms (or, unknown to Voikko, word and stem)."""
        forms = self.base_forms(word)
        if not forms and ("-" in word or ":" in word):
            # a hyphenated word Voikko does not know as a whole: its parts' base forms, joined
            parts = [self.query_tokens(p) for p in re.split(r"[-:]", word) if p]
            return {normalise(word)} | set().union(*parts) if parts else set()
        return forms or self._unknown(word)

    def index_tokens(self, word: str) -> set[str]:
        """Everything a word in the data is findable by: base forms, compound parts and runs of parts."""
        readings = self.analyse(word)
        tokens: set[str] = set()
        for reading in readings:
            base = reading.get("BASEFORM")
            if base:
                tokens.add(normalise(base))
            wordbases = reading.get("WORDBASES")
            if not wordbases:
                continue
            groups = compound_groups(wordbases)
            for surface, part_base in groups:
                tokens.add(normalise(surface))
                if part_base:
                    tokens.add(normalise(part_base))
                elif len(groups) > 1:
                    # a derived part such as "suojelu" or "terveys": its own base forms
                    tokens |= self.base_forms(surface)
            if 2 < len(groups) <= MAX_PARTS:
                surfaces = [normalise(s) for s, _ in groups]
                for start in range(len(surfaces)):
                    for end in range(start + 2, len(surfaces) + 1):
                        if end - start < len(surfaces):
                            tokens.add("".join(surfaces[start:end]))
        if not readings:
            tokens |= self._unknown(word)
            if "-" in word or ":" in word:
                for part in re.split(r"[-:]", word):
                    if part:
                        tokens |= self.index_tokens(part)
        tokens.discard("")
        return tokens


@functools.lru_cache(maxsize=1)
def analyser() -> FinnishAnalyser:
    """The process-wide analyser (loading Voikko's dictionary once)."""
    return FinnishAnalyser()
