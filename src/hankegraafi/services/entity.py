"""One entity's description: its data (for RDF), and its page (statements grouped by property with
their sources, time-qualified roles as sentences, budgets with disagreeing sources side by side,
incoming links paged).

Every lookup is a small index lookup on the store (`quads_for_pattern`) or a small query: entity
pages never run a join over the whole graph (see docs/linked-data.md and the performance notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from ..namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKOS, XSD, Namespaces
from .labels import DEFAULT_GRAPH, Labels, first_object, objects, pick_literal
from .provenance import Provenance, Source

RDF_TYPE = ox.NamedNode(RDF + "type")
PAGE_SIZE = 50
MAX_NARY_NODES = 500


# ---------------------------------------------------------------------------------------------------
# the data of an entity (what /data/... serialises)

def exists(store: ox.Store, iri: str) -> bool:
    node = ox.NamedNode(iri)
    for _ in store.quads_for_pattern(node, None, None, DEFAULT_GRAPH):
        return True
    for _ in store.quads_for_pattern(None, None, node, DEFAULT_GRAPH):
        return True
    return False


def nary_classes(ns: Namespaces) -> set[str]:
    """Classes of the nodes that qualify a relation (a role held for a time, a sum of money stated
    by one document ...): their description belongs with the entities they point at."""
    hg = ns.hg
    return {hg + "Engagement", hg + "Position", hg + "BudgetItem", hg + "Funding", hg + "FundingDecision",
            hg + "ImplementerHandover", hg + "OrganisationalSuccession", SCHEMA + "MonetaryAmount", hg + "Evidence",
            SCHEMA + "ContactPoint"}


def _attached_predicates(ns: Namespaces) -> set[str]:
    return {SCHEMA + "amount", ns.hg + "evidence", SCHEMA + "contactPoint"}


def describe(store: ox.Store, ns: Namespaces, iri: str, with_labels: bool = True) -> list[ox.Triple]:
    """The entity's outgoing triples, the n-ary nodes that point at it (engagements, budget items,
    fundings ...) with their amounts and evidence, and the labels of everything it links to.
    From the default graph (the merge of the public graphs)."""
    node = ox.NamedNode(iri)
    triples: dict[ox.Triple, None] = {}
    described: set = {node}
    referenced: set = set()
    attached = _attached_predicates(ns)
    nary = nary_classes(ns)

    def add_outgoing(subject, depth: int):
        for quad in store.quads_for_pattern(subject, None, None, DEFAULT_GRAPH):
            triples[ox.Triple(quad.subject, quad.predicate, quad.object)] = None
            obj = quad.object
            if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
                if depth > 0 and obj not in described and (
                        quad.predicate.value in attached or isinstance(obj, ox.BlankNode)):
                    described.add(obj)
                    add_outgoing(obj, depth - 1)
                else:
                    referenced.add(obj)

    add_outgoing(node, 2)
    count = 0
    # nodes that qualify a relation of this entity (not of a concept or class: those are used by
    # everything, and their users are listed on the page instead)
    incoming = store.quads_for_pattern(None, None, node, DEFAULT_GRAPH) if iri.startswith(ns.base + "id/") else ()
    for quad in incoming:
        subject = quad.subject
        if subject in described or count >= MAX_NARY_NODES:
            continue
        types = {q.object.value for q in store.quads_for_pattern(subject, RDF_TYPE, None, DEFAULT_GRAPH)}
        if types & nary and not types & {ns.hg + "Evidence", SCHEMA + "MonetaryAmount"}:
            described.add(subject)
            count += 1
            add_outgoing(subject, 1)
    if with_labels:
        label = ox.NamedNode(RDFS + "label")
        for other in referenced - described:
            if isinstance(other, ox.NamedNode) and other.value.startswith(ns.base) and other.value != RDF + "type":
                for quad in store.quads_for_pattern(other, label, None, DEFAULT_GRAPH):
                    triples[ox.Triple(quad.subject, quad.predicate, quad.object)] = None
    return list(triples)


def graph_triples(store: ox.Store, graph: str) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]


# ---------------------------------------------------------------------------------------------------
# the page of an entity

@dataclass
class Value:
    term: ox.NamedNode | ox.Literal | ox.BlankNode
    text: str
    lang: str | None = None
    kind: str = "literal"            # literal | date | number | boolean | iri | external | amount | bnode
    datatype: str | None = None
    amount: "Amount | None" = None
    sources: list[Source] = field(default_factory=list)
    inferred: bool = False

    @property
    def iri(self) -> str | None:
        return self.term.value if isinstance(self.term, ox.NamedNode) else None


@dataclass
class Amount:
    value: str
    currency: str
    rounded: bool = False


@dataclass
class PropertyGroup:
    iri: str
    label: str
    curie: str
    values: list[Value]
    differs: bool = False            # several values, stated by different documents


@dataclass
class Period:
    start: str | None = None
    end: str | None = None
    earliest_start: str | None = None
    latest_start: str | None = None
    earliest_end: str | None = None
    latest_end: str | None = None
    attested: str | None = None

    @property
    def sort_key(self) -> str:
        return self.start or self.earliest_start or self.latest_start or self.attested or "9999"

    @property
    def empty(self) -> bool:
        return not any((self.start, self.end, self.earliest_start, self.latest_start, self.earliest_end,
                        self.latest_end, self.attested))


@dataclass
class Link:
    iri: str
    text: str
    lang: str | None = None


@dataclass
class RoleLine:
    """A time-qualified role: `agent: title, project, period` (or a position in an organisation)."""

    node: Link
    kind: str                         # engagement | position
    agent: Link | None
    title: str
    title_lang: str | None
    where: Link | None                # the project, or the organisation of a position
    on_behalf: Link | None
    period: Period
    sources: list[Source]


@dataclass
class BudgetLine:
    node: Link
    kind: str                         # budget | funding | decision
    what: str                         # amount type, or "funding"/"decision" label
    amount: Amount | None
    target: Link | None
    holder: Link | None
    funder: Link | None
    scheme: Link | None
    period: Period
    sources: list[Source]
    differs: bool = False


@dataclass
class Incoming:
    subject: Link
    property: Link
    inferred: bool


@dataclass
class IncomingPage:
    total: int
    page: int
    pages: int
    items: list[Incoming]
    inferred: int = 0                 # links only the build inferred (not listed)


@dataclass
class CitedLine:
    line: int
    evidence: Link
    citing: list[Link]


@dataclass
class EntityView:
    iri: str
    curie: str
    title: str
    title_lang: str | None
    alt_labels: list[Value]
    types: list[Link]
    description: Value | None
    statements: list[PropertyGroup]
    inferred: list[PropertyGroup]
    roles: list[RoleLine]
    budgets: list[BudgetLine]
    incoming: IncomingPage
    documents: list[Link]             # every document cited on the page, for the sources list
    cited_lines: list[CitedLine]      # on a source document's page: its lines and who cites them
    kind: str                         # the entity kind (project, organisation, ... vocab, graph, ontology)
    own_lines: dict[str, list[int]] = field(default_factory=dict)  # document -> lines stating this entity
    curated: list = field(default_factory=list)  # dcterms:source of the curators' statements


def _literal_value(literal: ox.Literal) -> Value:
    datatype = literal.datatype.value if literal.datatype is not None else None
    lang = literal.language or None
    kind = "literal"
    if datatype == XSD + "date" or datatype == XSD + "dateTime":
        kind = "date"
    elif datatype in (XSD + "decimal", XSD + "integer", XSD + "positiveInteger", XSD + "nonNegativeInteger",
                      XSD + "double", XSD + "float", XSD + "int", XSD + "long"):
        kind = "number"
    elif datatype == XSD + "boolean":
        kind = "boolean"
    elif datatype == XSD + "gYearMonth":
        kind = "yearmonth"
    return Value(literal, literal.value, lang, kind, datatype)


class EntityPages:
    """Builds entity pages for one request."""

    def __init__(self, release_store, ns: Namespaces, lang: str):
        self.release_store = release_store
        self.store: ox.Store = release_store.store
        self.ns = ns
        self.lang = lang
        self.labels = Labels(self.store, ns, lang)
        self.provenance = Provenance(release_store, ns)
        self._documents: dict[str, Link] = {}
        self._inferred_graph = ns.graph("inferred")

    # -- helpers --------------------------------------------------------------------------------

    def link(self, node) -> Link:
        return Link(node.value if isinstance(node, ox.NamedNode) else str(node), self.labels.text(node),
                    self.labels.language(node))

    def _amount(self, node) -> Amount | None:
        value = first_object(self.store, node, SCHEMA + "value")
        if value is None:
            return None
        currency = first_object(self.store, node, SCHEMA + "currency")
        rounded = first_object(self.store, node, self.ns.hg + "isRounded")
        return Amount(value.value, currency.value if currency is not None else "",
                      rounded is not None and rounded.value == "true")

    def value(self, term, graphs: list[str], sources: dict[str, Source]) -> Value:
        if isinstance(term, ox.Literal):
            value = _literal_value(term)
        elif isinstance(term, ox.NamedNode):
            amount = self._amount(term)
            if amount is not None:
                value = Value(term, amount.value, None, "amount", amount=amount)
            else:
                internal = term.value.startswith(self.ns.base)
                label = self.labels.literal(term)
                value = Value(term, self.labels.text(term), label.language or None if label is not None else None,
                              "iri" if internal else "external")
        else:
            value = Value(term, str(term), None, "bnode")
        value.sources = self.provenance.sources_for(graphs, sources)
        value.inferred = all(g == self._inferred_graph for g in graphs) if graphs else False
        for source in value.sources:
            for document in source.documents:
                self._remember_document(document)
        return value

    def _remember_document(self, document: str) -> None:
        if document not in self._documents:
            self._documents[document] = self.link(ox.NamedNode(document))

    def period(self, node) -> Period:
        hg = self.ns.hg
        get = lambda p: (lambda o: o.value if o is not None else None)(first_object(self.store, node, p))
        return Period(get(SCHEMA + "startDate"), get(SCHEMA + "endDate"), get(hg + "earliestStart"),
                      get(hg + "latestStart"), get(hg + "earliestEnd"), get(hg + "latestEnd"),
                      get(hg + "attestedOn"))

    def node_sources(self, node) -> list[Source]:
        _, sources = self.provenance.statements(node)
        chosen = [s for s in sources.values() if s.kind not in ("inferred",)]
        for source in chosen:
            for document in source.documents:
                self._remember_document(document)
        return sorted(chosen, key=Source.sort_key)

    # -- the page -------------------------------------------------------------------------------

    def view(self, iri: str, in_page: int = 1, in_size: int = PAGE_SIZE) -> EntityView:
        node = ox.NamedNode(iri)
        by_statement, sources = self.provenance.statements(node)
        default = [(q.predicate, q.object) for q in self.store.quads_for_pattern(node, None, None, DEFAULT_GRAPH)]
        hidden = {RDF + "type", self.ns.hg + "evidence"}
        groups: dict[str, list[Value]] = {}
        inferred_groups: dict[str, list[Value]] = {}
        types: list[Link] = []
        for predicate, obj in default:
            graphs = by_statement.get((predicate, obj), [])
            value = self.value(obj, graphs, sources)
            if predicate.value == RDF + "type":
                if not value.inferred:
                    types.append(Link(obj.value, self.labels.property_text(obj.value)))
                else:
                    inferred_groups.setdefault(predicate.value, []).append(value)
                continue
            if predicate.value in hidden:
                continue
            target = inferred_groups if value.inferred else groups
            target.setdefault(predicate.value, []).append(value)

        title_literal = self.labels.literal(node)
        description = None
        descriptions = [o for p, o in default if p.value == DCTERMS + "description" and isinstance(o, ox.Literal)]
        if descriptions:
            chosen = pick_literal(descriptions, self.lang)
            description = Value(chosen, chosen.value, chosen.language or None)
        alt = [v for v in groups.get(SKOS + "altLabel", [])]

        kind = self._kind(iri)
        roles = self.roles(node)
        budgets = self.budgets(node) if kind == "project" else []
        cited = self.cited_lines(node) if self._is_document(node) else []
        # the subject's own sources: documents with the lines that state its facts, curators' sources
        own_lines: dict[str, list[int]] = {}
        curated: dict[str, ox.NamedNode | ox.Literal] = {}
        for source in sources.values():
            for document in source.documents:
                self._remember_document(document)
                own_lines.setdefault(document, [])
                own_lines[document] = sorted(set(own_lines[document]) | set(source.lines.get(document, [])))
            for note in source.notes:
                curated[note.value] = note
        return EntityView(
            iri=iri,
            curie=self.labels.curie(iri),
            title=title_literal.value if title_literal is not None else self.labels.text(node),
            title_lang=(title_literal.language or None) if title_literal is not None else None,
            alt_labels=alt,
            types=sorted(types, key=lambda l: l.text.lower()),
            description=description,
            statements=self._groups(groups),
            inferred=self._groups(inferred_groups),
            roles=roles,
            budgets=budgets,
            incoming=self.incoming(node, in_page, in_size),
            documents=sorted(self._documents.values(), key=lambda l: l.iri),
            cited_lines=cited,
            kind=kind,
            own_lines=own_lines,
            curated=sorted(curated.values(), key=lambda n: n.value),
        )

    def _kind(self, iri: str) -> str:
        rest = iri[len(self.ns.base):] if iri.startswith(self.ns.base) else ""
        if rest.startswith("id/"):
            return rest.split("/")[1]
        return rest.split("/")[0].split("#")[0] or "other"

    def _is_document(self, node) -> bool:
        return any(True for _ in self.store.quads_for_pattern(
            node, RDF_TYPE, ox.NamedNode(self.ns.hg + "SourceDocument"), DEFAULT_GRAPH))

    def _groups(self, groups: dict[str, list[Value]]) -> list[PropertyGroup]:
        result = []
        for predicate, values in groups.items():
            values.sort(key=lambda v: (v.lang != self.lang, v.lang or "", v.text.lower()))
            documents = [tuple(sorted(s.graph for s in v.sources if s.kind == "document")) for v in values]
            differs = (len(values) > 1 and all(documents) and len(set(documents)) > 1
                       and not any(v.lang for v in values) and predicate in self._single_valued())
            result.append(PropertyGroup(predicate, self.labels.property_text(predicate),
                                        self.labels.curie(predicate), values, differs))
        order = self._property_order()
        return sorted(result, key=lambda g: (order.get(g.iri, 50), g.label.lower()))

    def _single_valued(self) -> set[str]:
        hg = self.ns.hg
        return {SCHEMA + "startDate", SCHEMA + "endDate", hg + "earliestStart", hg + "latestStart",
                hg + "earliestEnd", hg + "latestEnd", SCHEMA + "value", SCHEMA + "amount", hg + "attendeeCount",
                hg + "respondentCount", hg + "effectiveDate", hg + "decisionDate"}

    def _property_order(self) -> dict[str, int]:
        hg = self.ns.hg
        first = [SKOS + "prefLabel", SCHEMA + "name", SKOS + "altLabel", DCTERMS + "title", SCHEMA + "givenName",
                 SCHEMA + "familyName", DCTERMS + "description", SKOS + "definition", SCHEMA + "startDate",
                 SCHEMA + "endDate", hg + "earliestStart", hg + "latestStart", hg + "earliestEnd", hg + "latestEnd"]
        last = [SKOS + "editorialNote", RDFS + "label"]
        order = {iri: i for i, iri in enumerate(first)}
        order.update({iri: 90 + i for i, iri in enumerate(last)})
        return order

    # -- roles ----------------------------------------------------------------------------------

    def roles(self, node) -> list[RoleLine]:
        """Engagements and positions that involve the entity (as agent, project, employer or holder)."""
        hg = self.ns.hg
        found: dict[str, str] = {}
        for predicate, kind in ((hg + "agent", "engagement"), (hg + "inProject", "engagement"),
                                (hg + "onBehalfOf", "engagement"), (hg + "holder", "position"),
                                (hg + "inOrganisation", "position")):
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), node, DEFAULT_GRAPH):
                if isinstance(quad.subject, ox.NamedNode):
                    found.setdefault(quad.subject.value, kind)
        lines = [self._role_line(ox.NamedNode(n), kind) for n, kind in list(found.items())[:MAX_NARY_NODES]]
        return sorted(lines, key=lambda r: (r.period.sort_key, r.period.end or r.period.latest_end or "9999",
                                            r.agent.text if r.agent else "", r.title))

    def _role_line(self, node, kind: str) -> RoleLine:
        hg = self.ns.hg
        store = self.store
        agent = first_object(store, node, hg + ("agent" if kind == "engagement" else "holder"))
        where = first_object(store, node, hg + ("inProject" if kind == "engagement" else "inOrganisation"))
        behalf = first_object(store, node, hg + "onBehalfOf")
        role = first_object(store, node, hg + "role")
        titles = [o for o in objects(store, node, hg + "roleTitle") if isinstance(o, ox.Literal)]
        title, title_lang = "", None
        exact = [t for t in titles if (t.language or "") == self.lang]
        if exact:
            title, title_lang = exact[0].value, exact[0].language
        elif role is not None and (self.labels.language(role) == self.lang or not titles):
            title, title_lang = self.labels.text(role), self.labels.language(role)
        elif titles:
            chosen = pick_literal(titles, self.lang)
            title, title_lang = chosen.value, chosen.language or None
        return RoleLine(
            node=self.link(node), kind=kind,
            agent=self.link(agent) if agent is not None else None,
            title=title, title_lang=title_lang,
            where=self.link(where) if where is not None else None,
            on_behalf=self.link(behalf) if behalf is not None and behalf != where else None,
            period=self.period(node), sources=self.node_sources(node))

    # -- budgets and funding ----------------------------------------------------------------------

    def budgets(self, node) -> list[BudgetLine]:
        hg = self.ns.hg
        store = self.store
        lines: list[BudgetLine] = []
        for quad in store.quads_for_pattern(None, ox.NamedNode(hg + "budgetFor"), node, DEFAULT_GRAPH):
            item = quad.subject
            amount_node = first_object(store, item, SCHEMA + "amount")
            amount_type = first_object(store, item, hg + "amountType")
            holder = first_object(store, item, hg + "budgetHolder")
            lines.append(BudgetLine(
                self.link(item), "budget", self.labels.text(amount_type) if amount_type is not None else "",
                self._amount(amount_node) if amount_node is not None else None, self.link(node),
                self.link(holder) if holder is not None else None, None, None,
                self.period(item), self.node_sources(item)))
        fundings = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(SCHEMA + "fundedItem"), node, DEFAULT_GRAPH)]
        for funding in fundings:
            lines.append(self._funding_line(funding, "funding"))
            for quad in store.quads_for_pattern(None, ox.NamedNode(hg + "concernsFunding"), funding, DEFAULT_GRAPH):
                lines.append(self._funding_line(quad.subject, "decision"))
        # the same kind of sum for the same holder, stated differently by different documents
        groups: dict[tuple, list[BudgetLine]] = {}
        for line in lines:
            groups.setdefault((line.kind, line.what, line.holder.iri if line.holder else None), []).append(line)
        for group in groups.values():
            values = {Decimal(l.amount.value) for l in group if l.amount is not None and _is_number(l.amount.value)}
            if len(values) > 1:
                for line in group:
                    line.differs = True
        kind_order = {"budget": 0, "funding": 1, "decision": 2}
        return sorted(lines, key=lambda l: (kind_order[l.kind], l.what, l.holder.text if l.holder else "",
                                            l.period.sort_key, l.node.iri))

    def _funding_line(self, node, kind: str) -> BudgetLine:
        hg = self.ns.hg
        store = self.store
        amount_node = first_object(store, node, SCHEMA + "amount")
        funder = first_object(store, node, SCHEMA + "funder") or first_object(store, node, hg + "decidedBy")
        scheme = first_object(store, node, hg + "fundingScheme")
        what_node = first_object(store, node, hg + "decisionType")
        what = self.labels.text(what_node) if what_node is not None else ""
        period = self.period(node)
        decided = first_object(store, node, hg + "decisionDate")
        if decided is not None and not period.start:
            period.start = period.end = decided.value
        return BudgetLine(self.link(node), kind, what,
                          self._amount(amount_node) if amount_node is not None else None, None, None,
                          self.link(funder) if funder is not None else None,
                          self.link(scheme) if scheme is not None else None, period, self.node_sources(node))

    # -- incoming links -------------------------------------------------------------------------

    def incoming(self, node, page: int = 1, size: int = PAGE_SIZE) -> IncomingPage:
        """Links to the entity stated by some source (what the build only inferred, such as the
        superproperties and inverses of those links, is counted apart and not listed)."""
        stated: dict[tuple, None] = {}
        inferred_only: dict[tuple, None] = {}
        for quad in self.store.quads_for_pattern(None, None, node, None):
            key = (quad.subject, quad.predicate)
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            if quad.graph_name.value == self._inferred_graph:
                if key not in stated:
                    inferred_only[key] = None
            else:
                stated[key] = None
                inferred_only.pop(key, None)
        total = len(stated)
        size = min(max(size, 5), 500)
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        ordered = sorted(stated, key=lambda sp: (sp[1].value, str(sp[0])))
        chosen = ordered[(page - 1) * size: page * size]
        items = [Incoming(self.link(subject), Link(predicate.value, self.labels.property_text(predicate.value)), False)
                 for subject, predicate in chosen]
        return IncomingPage(total, page, pages, items, len(inferred_only))

    # -- source documents -----------------------------------------------------------------------

    def cited_lines(self, document) -> list[CitedLine]:
        hg = self.ns.hg
        result = []
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(hg + "inDocument"), document, DEFAULT_GRAPH):
            evidence = quad.subject
            line = first_object(self.store, evidence, hg + "line")
            if line is None:
                continue
            citing = sorted((self.link(q.subject) for q in self.store.quads_for_pattern(
                None, ox.NamedNode(hg + "evidence"), evidence, DEFAULT_GRAPH)), key=lambda l: l.text.lower())
            result.append(CitedLine(int(line.value), self.link(evidence), citing))
        return sorted(result, key=lambda c: c.line)


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except InvalidOperation:
        return False


# ---------------------------------------------------------------------------------------------------
# SPARQL that reproduces a page (for the "show as SPARQL" link)

def statements_query(iri: str, ns: Namespaces) -> str:
    return f"""PREFIX hg: <{ns.hg}>
# The statements about <{iri}>, each with the graph that states it
# and the source document and line behind it.
SELECT ?property ?value ?graph ?document ?line WHERE {{
  GRAPH ?graph {{ <{iri}> ?property ?value }}
  OPTIONAL {{
    GRAPH ?graph {{ <{iri}> hg:evidence ?evidence }}
    ?evidence hg:inDocument ?document ; hg:line ?line .
  }}
}}
ORDER BY ?property STR(?value) ?graph ?line
"""


def roles_query(iri: str, ns: Namespaces) -> str:
    return f"""PREFIX hg: <{ns.hg}>
PREFIX schema: <{SCHEMA}>
PREFIX rdfs: <{RDFS}>
# Time-qualified roles of <{iri}>: who, what, where and when.
SELECT ?role ?agentName ?title ?whereName ?start ?end WHERE {{
  {{ ?role hg:agent|hg:inProject|hg:onBehalfOf <{iri}> ; hg:agent ?agent ; hg:inProject ?where . }}
  UNION
  {{ ?role hg:holder|hg:inOrganisation <{iri}> ; hg:holder ?agent ; hg:inOrganisation ?where . }}
  OPTIONAL {{ ?role hg:roleTitle ?title }}
  OPTIONAL {{ ?role schema:startDate ?start }}
  OPTIONAL {{ ?role schema:endDate ?end }}
  OPTIONAL {{ ?agent rdfs:label ?agentName }}
  OPTIONAL {{ ?where rdfs:label ?whereName FILTER(LANG(?whereName) IN ("fi", "")) }}
}}
ORDER BY ?start ?end
"""


def describe_query(iri: str) -> str:
    return f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}\n"
