#!/usr/bin/env python3
"""Report text in data/ that copies runs of words from the source documents.

The project describes the documents in its own words: no sentence of a source is copied into a
description. This script checks that. It reads every literal in the RDF files under data/ and every
source text file in the seeds folder, and reports each literal that shares a run of at least N
consecutive words (default 8) with a source document.

Names and titles (skos:prefLabel, skos:altLabel, dcterms:title, schema:name, rdfs:label,
hg:roleTitle) are facts and may match their source; they are listed separately and do not make
the check fail. Everything else (descriptions, goals, editorial notes ...) does.

The seeds are not part of the repository, so this is a maintainer's tool, not a test:

    python scripts/check_copying.py                     # seeds in ../shared/seeds
    python scripts/check_copying.py --seeds DIR -n 6    # another folder, 6-word runs
    python scripts/check_copying.py --names             # also show matching names and titles

Exit status: 0 when no descriptive literal copies N words, 1 when one does, 2 on bad input.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parent.parent
RDF_SUFFIXES = {".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE, ".nq": ox.RdfFormat.N_QUADS,
                ".nt": ox.RdfFormat.N_TRIPLES}
NAME_PROPERTIES = {
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#hiddenLabel",
    "http://www.w3.org/2004/02/skos/core#notation",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "https://schema.org/givenName",
    "https://schema.org/familyName",
}
NAME_SUFFIXES = ("#roleTitle", "#fileName", "#sha256")
# a word: letters/digits, kept together across inner punctuation ("1.8.2024–30.6.2025", "ESR+" -> "esr")
WORD = re.compile(r"\w+(?:[.,'’–-]\w+)*")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass
class Match:
    file: str
    subject: str
    predicate: str
    text: str
    document: str
    run: int          # length of the longest copied run, in words
    copied: str       # that run

    @property
    def is_name(self) -> bool:
        return self.predicate in NAME_PROPERTIES or self.predicate.endswith(NAME_SUFFIXES)


def shingles(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def longest_copied_run(tokens: list[str], source: set[tuple[str, ...]], n: int) -> tuple[int, int]:
    """(start, length) of the longest stretch of `tokens` covered by n-grams found in the source."""
    covered = [False] * len(tokens)
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i:i + n]) in source:
            for j in range(i, i + n):
                covered[j] = True
    best, start, current = (0, 0), 0, 0
    for i, flag in enumerate(covered):
        if flag:
            if current == 0:
                start = i
            current += 1
            if current > best[1]:
                best = (start, current)
        else:
            current = 0
    return best


def literals(folder: Path):
    """(file, subject, predicate, text) of every literal in the RDF files under `folder`."""
    for path in sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES):
        try:
            quads = ox.parse(input=io.BytesIO(path.read_bytes()), format=RDF_SUFFIXES[path.suffix],
                             base_iri="https://w3id.org/hankegraafi/")
            for quad in quads:
                if isinstance(quad.object, ox.Literal):
                    yield path.relative_to(folder.parent), quad.subject.value, quad.predicate.value, quad.object.value
        except SyntaxError as error:
            print(f"{path}: cannot parse: {error}", file=sys.stderr)
            raise SystemExit(2)


def check(data: Path, seeds: Path, n: int) -> list[Match]:
    # one line of a document is one paragraph: runs are not counted across paragraphs
    documents = {p.name: set().union(*(shingles(words(line), n) for line in p.read_text(encoding="utf-8").splitlines()))
                 for p in sorted(seeds.glob("*.txt")) if p.stem[:3].isdigit()}
    if not documents:
        print(f"{seeds}: no source documents (NNN_*.txt) found", file=sys.stderr)
        raise SystemExit(2)
    found: list[Match] = []
    seen: set[tuple[str, str, str]] = set()
    for file, subject, predicate, text in literals(data):
        tokens = words(text)
        if len(tokens) < n or (subject, predicate, text) in seen:
            continue
        seen.add((subject, predicate, text))
        best: Match | None = None
        for name, grams in documents.items():
            if not shingles(tokens, n) & grams:
                continue
            start, length = longest_copied_run(tokens, grams, n)
            if best is None or length > best.run:
                best = Match(str(file), subject, predicate, text, name, length, " ".join(tokens[start:start + length]))
        if best:
            found.append(best)
    return found


def short(iri: str) -> str:
    return iri.split("/id/", 1)[-1] if "/id/" in iri else iri.rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds",
                        help="folder with the source documents NNN_*.txt (default ../shared/seeds)")
    parser.add_argument("--data", type=Path, default=REPO / "data", help="folder with the RDF data (default data/)")
    parser.add_argument("-n", type=int, default=8, help="shortest run of consecutive words to report (default 8)")
    parser.add_argument("--names", action="store_true", help="also list names and titles that match a source")
    args = parser.parse_args(argv)
    if not args.seeds.is_dir():
        print(f"{args.seeds}: no such folder (give --seeds)", file=sys.stderr)
        return 2

    matches = check(args.data, args.seeds, args.n)
    copied = sorted((m for m in matches if not m.is_name), key=lambda m: (-m.run, m.file, m.subject))
    names = sorted((m for m in matches if m.is_name), key=lambda m: (-m.run, m.file, m.subject))
    total = sum(1 for _ in literals(args.data))

    print(f"checked {total} literals in {args.data} against {args.seeds} for runs of {args.n}+ words")
    for m in copied:
        print(f"\nCOPIED {m.run} words  {m.file}  {short(m.subject)}  {short(m.predicate)}  (document {m.document})")
        print(f"  \"{m.copied}\"")
    if args.names:
        for m in names:
            print(f"\nname   {m.run} words  {m.file}  {short(m.subject)}  {short(m.predicate)}  (document {m.document})")
            print(f"  \"{m.copied}\"")
    print(f"\n{len(copied)} descriptive literal(s) copy {args.n}+ consecutive words; "
          f"{len(names)} name(s) or title(s) match a source (allowed{'' if args.names else ', --names to list'}).")
    return 1 if copied else 0


if __name__ == "__main__":
    sys.exit(main())
