"""A light lexical look at a query or update, before it runs.

pyoxigraph parses and runs in one call and would fetch `SERVICE` and `LOAD` targets over HTTP by
itself, so the endpoint scans the text first: which IRIs it names (full, relative or prefixed)
and which remote sources it would fetch. Comments and string literals are skipped, so a keyword
inside a string is not mistaken for one. The parser proper is still pyoxigraph's: anything this
scan lets through is parsed (and rejected with line and column) there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7-\uffff]*)?:(?:[\w:%\-\u00b7-\uffff]|\\.|\.(?=[\w:%\-]))*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Scan:
    iris: set[str] = field(default_factory=set)        # every IRI named, resolved
    remote: list[tuple[str, str | None]] = field(default_factory=list)  # (SERVICE|LOAD, IRI or None for a variable)
    keywords: set[str] = field(default_factory=set)    # upper-cased bare words


def scan(text: str, prefixes: dict[str, str] | None = None, base_iri: str | None = None) -> Scan:
    prefixes = dict(prefixes or {})
    base = base_iri
    result = Scan()
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    tokens = [(kind, value) for kind, value in tokens if kind not in ("space", "comment")]

    def resolve(kind: str, value: str) -> str | None:
        if kind == "iri":
            iri = value[1:-1]
            return urljoin(base, iri) if base and ":" not in iri.split("/")[0] else iri
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        upper = value.upper() if kind == "word" else ""
        if upper:
            result.keywords.add(upper)
        if upper == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1][0] == "pname" \
                and tokens[index + 2][0] == "iri":
            name = tokens[index + 1][1].rstrip(":").split(":")[0]
            prefixes[name] = resolve("iri", tokens[index + 2][1])
            index += 3
            continue
        if upper == "BASE" and index + 1 < len(tokens) and tokens[index + 1][0] == "iri":
            base = resolve("iri", tokens[index + 1][1])
            index += 2
            continue
        if upper in ("SERVICE", "LOAD"):
            following = index + 1
            if following < len(tokens) and tokens[following][1].upper() == "SILENT":
                following += 1
            target = tokens[following] if following < len(tokens) else ("other", "")
            result.remote.append((upper, resolve(*target)))
        if kind in ("iri", "pname"):
            iri = resolve(kind, value)
            if iri:
                result.iris.add(iri)
        index += 1
    return result


def allowed(iri: str | None, allowlist: tuple[str, ...] | list[str]) -> bool:
    """An allow-list entry admits that exact IRI, or every IRI under it when it ends with `/`."""
    if not iri:
        return False
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allowlist)


def refused_remote(found: Scan, allowlist) -> list[str]:
    """Human-readable reasons for every SERVICE or LOAD the allow-list does not admit."""
    reasons = []
    for keyword, iri in found.remote:
        if not allowed(iri, allowlist):
            reasons.append(f"{keyword} <{iri}>" if iri else f"{keyword} with a variable or unknown target")
    return reasons
