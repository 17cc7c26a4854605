"""Type-ahead search for the intake: classifications, places and coordinates.

Tolerant of case, accents, word order and small typos (rapidfuzz). Location search is
an interface: the shipped places and the stations now; the maps package adds streets and
addresses through the same ``LocationSource`` protocol.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz

from meldkamer.domain.reference import Classification, Reference
from meldkamer.domain.text import fold

_WORDS = re.compile(r"[\w]+", re.UNICODE)
_COORD = re.compile(r"^\s*(-?\d{1,2}(?:[.,]\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*$")


def words(text: str) -> list[str]:
    return _WORDS.findall(fold(text))


def _token_score(token: str, candidates: Sequence[str]) -> float:
    """How well one typed word matches the best of a target's words (0-100)."""
    best = 0.0
    for word in candidates:
        if word == token:
            return 100.0
        if word.startswith(token):
            best = max(best, 96.0 if len(token) >= 2 else 80.0)
        elif len(token) >= 4:
            best = max(best, fuzz.ratio(token, word[: len(token) + 1]) * 0.9)
    return best


def match_score(query_tokens: Sequence[str], target_words: Sequence[str]) -> float:
    """Every typed word must match some word; the score is the weakest match."""
    if not query_tokens:
        return 0.0
    scores = [_token_score(t, target_words) for t in query_tokens]
    return min(scores) if min(scores) >= 60 else 0.0


@dataclass(frozen=True)
class ClassMatch:
    """A class offered by the type-ahead, with its score."""

    cls: Classification
    path: str
    score: float


class ClassificationIndex:
    """Type-ahead over the classification tree by code, Dutch and English names, terms."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self._entries: list[tuple[Classification, list[str], list[str]]] = []
        for cls in ref.classifications.values():
            own = [w for name in cls.names.values() for w in words(name)]
            text: list[str] = [cls.code.lower(), *cls.code.lower().split(".")]
            node: Classification | None = cls
            while node is not None:
                for name in node.names.values():
                    text += words(name)
                node = ref.classifications.get(node.parent) if node.parent else None
            for term in cls.terms:
                text += words(term)
            self._entries.append((cls, text, own))

    def search(self, query: str, *, limit: int = 10, lang: str = "nl") -> list[ClassMatch]:
        """Best classes first; level-3 classes before their groups on equal scores."""
        tokens = words(query)
        if not tokens:
            return []
        out = []
        code = query.strip().upper()
        for cls, text, own in self._entries:
            score = 100.0 if cls.code == code else match_score(tokens, text)
            if score and _token_score(tokens[-1], own) >= 80:
                score += 1.5  # the last word typed names this class itself, not a parent
            if score:
                out.append(ClassMatch(cls, cls.path(self.ref, lang), score + 2 * cls.level))
        out.sort(key=lambda m: (-m.score, m.cls.code))
        return out[:limit]


@dataclass(frozen=True)
class LocationCandidate:
    """A place the operator can pick as the incident location."""

    label: str
    kind: str
    lat: float
    lon: float
    island: str | None
    score: float
    source: str


class LocationSource(Protocol):
    """Anything that can answer a location query (places, stations, a geocoder)."""

    def search(self, query: str, limit: int) -> list[LocationCandidate]: ...


@dataclass(frozen=True)
class NamedPoint:
    """A named coordinate for the simple sources (places, stations)."""

    name: str
    kind: str
    lat: float
    lon: float
    island: str
    aliases: tuple[str, ...] = ()


class PointSource:
    """Fuzzy search over a fixed list of named points."""

    def __init__(self, points: Iterable[NamedPoint], source: str) -> None:
        self.source = source
        self._points = [(p, [words(n) for n in (p.name, *p.aliases)]) for p in points]

    def search(self, query: str, limit: int) -> list[LocationCandidate]:
        tokens = words(query)
        found = []
        for point, names in self._points:
            score = max((match_score(tokens, n) for n in names), default=0.0)
            if score:
                found.append(LocationCandidate(point.name, point.kind, point.lat, point.lon,
                                               point.island, score, self.source))
        found.sort(key=lambda c: (-c.score, c.label))
        return found[:limit]


class LocationSearch:
    """All location sources together, plus typed coordinates ('12.15, -68.27')."""

    def __init__(self, ref: Reference, sources: Sequence[LocationSource]) -> None:
        self.ref = ref
        self.sources = list(sources)

    def search(self, query: str, limit: int = 10) -> list[LocationCandidate]:
        coord = _COORD.match(query)
        if coord:
            lat = float(coord.group(1).replace(",", "."))
            lon = float(coord.group(2).replace(",", "."))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                island = self.ref.island_at(lat, lon)
                return [LocationCandidate(f"{lat:.5f}, {lon:.5f}", "coordinate", lat, lon,
                                          island.code if island else None, 100.0, "typed")]
        out: list[LocationCandidate] = []
        for source in self.sources:
            out += source.search(query, limit)
        out.sort(key=lambda c: (-c.score, c.label))
        return out[:limit]
