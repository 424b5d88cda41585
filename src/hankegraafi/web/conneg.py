"""HTTP content negotiation: parse `Accept` with q-values and pick the best of the server's offers.

Follows RFC 9110 §12.5.1: the most specific media range that matches an offer gives its quality
(`text/turtle` beats `text/*` beats `*/*`; media-type parameters other than `q` must match when the
range names them); an offer with quality 0 is never chosen. Among offers of equal quality the
server's order wins, so the first offer is the default for `*/*` or a missing header.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", ["application/sparql-results+json", "text/csv"])
    'application/sparql-results+json'
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float = 1.0
    params: dict[str, str] = field(default_factory=dict)

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)

    def matches(self, media_type: str, params: dict[str, str] | None = None) -> bool:
        kind, _, sub = media_type.partition("/")
        if self.type != "*" and self.type != kind:
            return False
        if self.subtype != "*" and self.subtype != sub:
            return False
        params = params or {}
        return all(params.get(k) == v for k, v in self.params.items() if k != "charset")


def _split_params(text: str) -> tuple[str, dict[str, str]]:
    parts = [p.strip() for p in text.split(";")]
    params: dict[str, str] = {}
    for part in parts[1:]:
        if "=" in part:
            key, _, value = part.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
    return parts[0].lower(), params


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, malformed entries skipped. None or empty -> `*/*`."""
    if not header or not header.strip():
        return [MediaRange("*", "*")]
    ranges: list[MediaRange] = []
    for item in header.split(","):
        if not item.strip():
            continue
        media, params = _split_params(item)
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        kind, _, sub = media.partition("/")
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 1.0
        quality = min(max(quality, 0.0), 1.0)
        if not kind or not sub or (kind == "*" and sub != "*"):
            continue
        ranges.append(MediaRange(kind, sub, quality, params))
    return ranges


def quality(ranges: list[MediaRange], offer: str) -> float:
    """The quality the client gives `offer` (0 when no range matches)."""
    media, params = _split_params(offer)
    best: MediaRange | None = None
    for candidate in ranges:
        if candidate.matches(media, params) and (best is None or candidate.specificity > best.specificity):
            best = candidate
    return best.quality if best else 0.0


def negotiate(header: str | None, offers: list[str] | tuple[str, ...]) -> str | None:
    """The best offer for the client's Accept header, or None when none is acceptable (406)."""
    ranges = parse_accept(header)
    best, best_quality = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_quality:
            best, best_quality = offer, q
    return best


def preference_order(header: str | None, offers: list[str] | tuple[str, ...]) -> list[str]:
    """The acceptable offers, best first (stable in the server's order among equal qualities)."""
    ranges = parse_accept(header)
    scored = [(quality(ranges, offer), index, offer) for index, offer in enumerate(offers)]
    return [offer for q, _, offer in sorted(scored, key=lambda s: (-s[0], s[1])) if q > 0]
