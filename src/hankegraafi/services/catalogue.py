"""The example queries in `queries/`: their titles and descriptions (fi/en) and runnable text.

A query file is SPARQL with a header of `# key@lang: text` comment lines (title@fi, title@en,
description@fi, description@en). Files do not declare the project's prefixes: the catalogue
prepends a PREFIX line for every known prefix the query uses, so the queries follow the
configured base IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..namespaces import Namespaces

_HEADER = re.compile(r"^#\s*(title|description)@(fi|en):\s*(.*)$")
_PREFIXED = re.compile(r"(?<![\w<\"'])([A-Za-z][\w-]*):(?=[\w-]*)")


@dataclass(frozen=True)
class ExampleQuery:
    slug: str
    body: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("fi") or self.slug

    def text(self, ns: Namespaces) -> str:
        """The full query: the used prefixes declared, then the body."""
        declared = set(re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):", self.body))
        used = set(_PREFIXED.findall(_strip_strings_and_iris(self.body)))
        prefixes = ns.prefixes()
        lines = [f"PREFIX {p}: <{prefixes[p]}>" for p in prefixes if p in used and p not in declared]
        return "\n".join(lines + [self.body.strip()]) + "\n"


def _strip_strings_and_iris(text: str) -> str:
    text = re.sub(r"(?m)#.*$", "", text)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    text = re.sub(r"'(?:[^'\\\n]|\\.)*'", "''", text)
    return re.sub(r"<[^<>\s]*>", "<>", text)


def parse_query_file(path: Path) -> ExampleQuery:
    title: dict[str, str] = {}
    description: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match:
            target = title if match.group(1) == "title" else description
            target[match.group(2)] = (target.get(match.group(2), "") + " " + match.group(3)).strip()
        else:
            body.append(line)
    return ExampleQuery(path.stem, "\n".join(body).strip() + "\n", title, description)


def load_catalogue(folder: Path) -> list[ExampleQuery]:
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]
