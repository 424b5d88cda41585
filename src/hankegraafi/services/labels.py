"""Readable names for IRIs: labels in a chosen language with fallback (chosen → fi → en → any),
property and class labels from the ontology, and built-in labels for the standard vocabularies."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SH, SKOS, TIME, VOID, XSD, Namespaces

DEFAULT_GRAPH = ox.DefaultGraph()
LABEL_PREDICATES = (SKOS + "prefLabel", SCHEMA + "name", RDFS + "label", DCTERMS + "title")
FALLBACK_LANGUAGES = ("fi", "en", "sv", "")

# Labels of standard properties and classes the ontology uses without labelling them itself.
STANDARD_LABELS: dict[str, tuple[str, str]] = {
    RDF + "type": ("tyyppi", "type"),
    RDFS + "label": ("nimiö", "label"),
    RDFS + "comment": ("kommentti", "comment"),
    RDFS + "subClassOf": ("yläluokka", "subclass of"),
    RDFS + "subPropertyOf": ("yläominaisuus", "subproperty of"),
    RDFS + "domain": ("määrittelyjoukko", "domain"),
    RDFS + "range": ("arvojoukko", "range"),
    RDFS + "seeAlso": ("katso myös", "see also"),
    OWL + "equivalentClass": ("vastaava luokka", "equivalent class"),
    OWL + "equivalentProperty": ("vastaava ominaisuus", "equivalent property"),
    OWL + "inverseOf": ("käänteisominaisuus", "inverse of"),
    OWL + "versionInfo": ("versio", "version"),
    OWL + "sameAs": ("sama kuin", "same as"),
    SKOS + "prefLabel": ("nimi", "preferred label"),
    SKOS + "altLabel": ("muu nimi tai lyhenne", "alternative label"),
    SKOS + "hiddenLabel": ("piilonimi", "hidden label"),
    SKOS + "definition": ("määritelmä", "definition"),
    SKOS + "scopeNote": ("käyttöhuomautus", "scope note"),
    SKOS + "editorialNote": ("toimituksellinen huomautus", "editorial note"),
    SKOS + "notation": ("tunnus", "notation"),
    SKOS + "broader": ("laajempi käsite", "broader concept"),
    SKOS + "narrower": ("suppeampi käsite", "narrower concept"),
    SKOS + "related": ("liittyvä käsite", "related concept"),
    SKOS + "inScheme": ("sanastossa", "in scheme"),
    SKOS + "topConceptOf": ("sanaston yläkäsite", "top concept of"),
    SKOS + "hasTopConcept": ("yläkäsite", "has top concept"),
    SKOS + "exactMatch": ("täsmälleen sama kuin", "exact match"),
    SKOS + "closeMatch": ("lähes sama kuin", "close match"),
    SKOS + "broadMatch": ("laajempi vastine", "broad match"),
    SKOS + "narrowMatch": ("suppeampi vastine", "narrow match"),
    SKOS + "relatedMatch": ("liittyvä vastine", "related match"),
    SKOS + "Concept": ("käsite", "concept"),
    SKOS + "ConceptScheme": ("käsitejärjestelmä", "concept scheme"),
    SCHEMA + "name": ("nimi", "name"),
    SCHEMA + "givenName": ("etunimi", "given name"),
    SCHEMA + "familyName": ("sukunimi", "family name"),
    SCHEMA + "honorificSuffix": ("oppiarvo tai titteli", "honorific suffix"),
    SCHEMA + "startDate": ("alkaa", "start date"),
    SCHEMA + "endDate": ("päättyy", "end date"),
    SCHEMA + "amount": ("summa", "amount"),
    SCHEMA + "value": ("arvo", "value"),
    SCHEMA + "currency": ("valuutta", "currency"),
    SCHEMA + "funder": ("rahoittaja", "funder"),
    SCHEMA + "fundedItem": ("rahoitettu kohde", "funded item"),
    SCHEMA + "areaServed": ("toiminta-alue", "area served"),
    SCHEMA + "location": ("sijainti", "location"),
    SCHEMA + "organizer": ("järjestäjä", "organiser"),
    SCHEMA + "about": ("aihe", "about"),
    SCHEMA + "url": ("verkko-osoite", "URL"),
    SCHEMA + "encodingFormat": ("tiedostomuoto", "file format"),
    SCHEMA + "eventAttendanceMode": ("osallistumistapa", "attendance mode"),
    SCHEMA + "parentOrganization": ("emo-organisaatio", "parent organisation"),
    SCHEMA + "subOrganization": ("alaorganisaatio", "sub-organisation"),
    SCHEMA + "version": ("versio", "version"),
    SCHEMA + "contactPoint": ("yhteystieto", "contact point"),
    SCHEMA + "telephone": ("puhelin", "telephone"),
    SCHEMA + "email": ("sähköposti", "e-mail"),
    SCHEMA + "MonetaryAmount": ("rahamäärä", "monetary amount"),
    SCHEMA + "Report": ("raportti", "report"),
    SCHEMA + "ContactPoint": ("yhteystieto", "contact point"),
    DCTERMS + "title": ("otsikko", "title"),
    DCTERMS + "description": ("kuvaus", "description"),
    DCTERMS + "subject": ("teema", "subject"),
    DCTERMS + "source": ("lähde", "source"),
    DCTERMS + "publisher": ("julkaisija", "publisher"),
    DCTERMS + "creator": ("tekijä", "creator"),
    DCTERMS + "issued": ("julkaistu", "issued"),
    DCTERMS + "created": ("luotu", "created"),
    DCTERMS + "modified": ("muokattu", "modified"),
    DCTERMS + "date": ("päivämäärä", "date"),
    DCTERMS + "license": ("lisenssi", "licence"),
    DCTERMS + "identifier": ("tunniste", "identifier"),
    DCTERMS + "language": ("kieli", "language"),
    DCTERMS + "type": ("laji", "type"),
    DCTERMS + "spatial": ("alue", "spatial coverage"),
    DCTERMS + "isPartOf": ("osa kokonaisuutta", "is part of"),
    DCTERMS + "hasPart": ("osa", "has part"),
    DCTERMS + "relation": ("liittyy", "relation"),
    DCTERMS + "hasVersion": ("versio", "has version"),
    DCTERMS + "format": ("tiedostomuoto", "format"),
    ORG + "unitOf": ("yksikkö organisaatiossa", "unit of"),
    ORG + "hasUnit": ("yksikkö", "has unit"),
    ORG + "subOrganizationOf": ("alaorganisaatio organisaatiossa", "sub-organisation of"),
    ORG + "hasSubOrganization": ("alaorganisaatio", "has sub-organisation"),
    ORG + "classification": ("organisaation laji", "organisation type"),
    ORG + "memberOf": ("jäsenenä", "member of"),
    ORG + "member": ("jäsen", "member"),
    ORG + "organization": ("organisaatio", "organisation"),
    ORG + "role": ("rooli", "role"),
    ORG + "roleProperty": ("rooliominaisuus", "role property"),
    ORG + "linkedTo": ("yhteydessä", "linked to"),
    PROV + "wasDerivedFrom": ("johdettu lähteestä", "was derived from"),
    PROV + "wasInformedBy": ("perustuu toimintaan", "was informed by"),
    PROV + "wasGeneratedBy": ("tuotettu toiminnassa", "was generated by"),
    PROV + "wasAssociatedWith": ("osallisena", "was associated with"),
    PROV + "wasInfluencedBy": ("vaikuttanut", "was influenced by"),
    PROV + "qualifiedAssociation": ("osallisuus", "qualified association"),
    PROV + "agent": ("toimija", "agent"),
    PROV + "hadRole": ("rooli", "had role"),
    VOID + "Dataset": ("tietoaineisto", "dataset"),
    OWL + "Class": ("luokka", "class"),
    OWL + "ObjectProperty": ("objektiominaisuus", "object property"),
    OWL + "DatatypeProperty": ("tietotyyppiominaisuus", "datatype property"),
    OWL + "FunctionalProperty": ("funktionaalinen ominaisuus", "functional property"),
    OWL + "SymmetricProperty": ("symmetrinen ominaisuus", "symmetric property"),
    OWL + "Ontology": ("ontologia", "ontology"),
    RDF + "Property": ("ominaisuus", "property"),
    SH + "NodeShape": ("solmumuoto", "node shape"),
    SH + "PropertyShape": ("ominaisuusmuoto", "property shape"),
}

EXTRA_PREFIXES = {"frapo": "http://purl.org/cerif/frapo/", "dcat": "http://www.w3.org/ns/dcat#",
                  "cv": "http://data.europa.eu/m8g/", "scoro": "http://purl.org/spar/scoro/"}

_STANDARD_PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "schema": SCHEMA, "foaf": FOAF,
    "org": ORG, "prov": PROV, "dcterms": DCTERMS, "time": TIME, "sh": SH, "void": VOID,
}


def pick_literal(literals, lang: str) -> ox.Literal | None:
    """The literal in `lang`, else fi, en, sv, untagged, else any (stable: smallest value first)."""
    by_lang: dict[str, list[ox.Literal]] = {}
    for literal in literals:
        by_lang.setdefault((literal.language or "").lower(), []).append(literal)
    for code in (lang, *FALLBACK_LANGUAGES):
        if code in by_lang:
            return min(by_lang[code], key=lambda l: l.value)
    rest = [l for values in by_lang.values() for l in values]
    return min(rest, key=lambda l: (l.language or "", l.value)) if rest else None


def objects(store: ox.Store, subject, predicate: str, graph=DEFAULT_GRAPH) -> list:
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph)]


def first_object(store: ox.Store, subject, predicate: str):
    for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, DEFAULT_GRAPH):
        return q.object
    return None


class Labels:
    """Label lookups for one request (cached), in one interface language."""

    def __init__(self, store: ox.Store, ns: Namespaces, lang: str):
        self.store = store
        self.ns = ns
        self.lang = lang
        self._cache: dict[str, ox.Literal | None] = {}
        prefixes = dict(ns.prefixes())
        prefixes.update(EXTRA_PREFIXES)
        self._prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def curie(self, iri: str) -> str:
        for prefix, namespace in self._prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                local = iri[len(namespace):]
                if all(c.isalnum() or c in "-_." for c in local):
                    return f"{prefix}:{local}"
        return iri

    def literal(self, node) -> ox.Literal | None:
        """The best label literal of a node, or None."""
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            return None
        key = str(node)
        if key not in self._cache:
            per_predicate = [[c for c in objects(self.store, node, p) if isinstance(c, ox.Literal)]
                             for p in LABEL_PREDICATES]
            found = None
            for literals in per_predicate:  # the chosen language under any label property first
                exact = [c for c in literals if (c.language or "").lower() == self.lang]
                if exact:
                    found = min(exact, key=lambda l: l.value)
                    break
            if found is None:
                for literals in per_predicate:
                    if literals:
                        found = pick_literal(literals, self.lang)
                        break
            self._cache[key] = found
        return self._cache[key]

    def text(self, node) -> str:
        """A readable name: the label, else a composed one for n-ary nodes, else the prefixed name."""
        if isinstance(node, ox.Literal):
            return node.value
        literal = self.literal(node)
        if literal is not None:
            return literal.value
        if isinstance(node, ox.NamedNode):
            standard = STANDARD_LABELS.get(node.value)
            if standard:
                return standard[0 if self.lang == "fi" else 1]
            composed = self._composed(node)
            if composed:
                return composed
            return self.curie(node.value)
        return str(node)

    def language(self, node) -> str | None:
        literal = self.literal(node)
        return (literal.language or None) if literal is not None else None

    def property_text(self, iri: str) -> str:
        """A property's or class's label in the interface language: from the ontology, else built in."""
        node = ox.NamedNode(iri)
        own = [c for c in objects(self.store, node, RDFS + "label") if isinstance(c, ox.Literal)]
        if own:
            exact = [c for c in own if (c.language or "") == self.lang]
            if exact:
                return exact[0].value
        standard = STANDARD_LABELS.get(iri)
        if standard:
            return standard[0 if self.lang == "fi" else 1]
        if own:
            return pick_literal(own, self.lang).value
        return self.curie(iri)

    def _composed(self, node: ox.NamedNode) -> str | None:
        hg = self.ns.hg
        store = self.store
        document = first_object(store, node, hg + "inDocument")
        line = first_object(store, node, hg + "line")
        if document is not None and line is not None:
            word = "rivi" if self.lang == "fi" else "line"
            return f"{self.text(document)}, {word} {line.value}"
        agent = first_object(store, node, hg + "agent") or first_object(store, node, hg + "holder")
        if agent is not None:
            titles = [c for c in objects(store, node, hg + "roleTitle") if isinstance(c, ox.Literal)]
            role = first_object(store, node, hg + "role")
            title = (pick_literal(titles, self.lang).value if titles and (self.lang == "fi" or role is None)
                     else self.text(role) if role is not None else "")
            where = first_object(store, node, hg + "inProject") or first_object(store, node, hg + "inOrganisation")
            parts = [self.text(agent)]
            if title:
                parts.append(title)
            if where is not None:
                parts.append(self.text(where))
            return ", ".join(parts)
        amount_type = first_object(store, node, hg + "amountType")
        if amount_type is not None:
            target = first_object(store, node, hg + "budgetFor")
            return f"{self.text(amount_type)}: {self.text(target)}" if target is not None else self.text(amount_type)
        funded = first_object(store, node, SCHEMA + "fundedItem")
        if funded is not None:
            funder = first_object(store, node, SCHEMA + "funder")
            word = "rahoitus" if self.lang == "fi" else "funding"
            return f"{word}: {self.text(funder)} → {self.text(funded)}" if funder is not None else f"{word}: {self.text(funded)}"
        descriptions = [o for o in objects(store, node, DCTERMS + "description") if isinstance(o, ox.Literal)]
        if descriptions:
            text = pick_literal(descriptions, self.lang).value
            return text if len(text) <= 90 else text[:88].rsplit(" ", 1)[0] + " …"
        value = first_object(store, node, SCHEMA + "value")
        if value is not None:
            currency = first_object(store, node, SCHEMA + "currency")
            return f"{value.value} {currency.value if currency is not None else ''}".strip()
        return None
