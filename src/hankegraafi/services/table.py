"""Plain-text tables of query solutions, with IRIs shortened to prefixed names."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import Namespaces


def shorten(term, ns: Namespaces) -> str:
    """A compact, readable form of an RDF term: prefixed names for IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = max(((p, iri) for p, iri in ns.prefixes().items() if term.value.startswith(iri)),
                   key=lambda item: len(item[1]), default=None)
        return f"{best[0]}:{term.value[len(best[1]):]}" if best else f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def render_table(solutions: ox.QuerySolutions, ns: Namespaces) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[shorten(solution[name], ns) for name in names] for solution in solutions]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    line = lambda cells: " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()
    out = [line(names), "-+-".join("-" * w for w in widths)] + [line(row) for row in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
