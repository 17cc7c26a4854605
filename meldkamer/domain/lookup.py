"""Type-ahead search for the intake: classifications, places and coordinates.

Tolerant of case, accents, word order and small typos (rapidfuzz). Location search is
an interface: the shipped places and the stations now; the maps package adds streets and
addresses through the same ``LocationSource`` protocol. A location search answers
``LocationResults``: the candidates, and when there are none a ``SearchNote`` saying why
(no street data imported for what looks like an address, say), which the intake shows
and the CLI prints.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast, overload

from rapidfuzz import fuzz, process

from meldkamer.domain.reference import Classification, Reference
from meldkamer.domain.text import fold
from meldkamer.i18n import N_, tr

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


# Little words that carry no meaning of their own, in Dutch, English and Papiamentu: they
# count neither for nor against a match ("brand in woning", "vessel in distress").
STOPWORDS = frozenset({
    "de", "het", "een", "en", "of", "in", "op", "van", "bij", "aan", "met", "voor", "door",
    "te", "naar", "uit", "the", "a", "an", "and", "or", "at", "on", "by", "to", "from",
    "with", "for", "di", "den", "ku", "riba", "na", "e", "pa", "un",
})
# How much a reading of a class weighs: its own name says what it is; a term is a synonym
# or a related word; its groups' names (and the path) and terms say where it is filed.
OWN, TERM, GROUP, GROUP_TERM = 1.0, 0.96, 0.935, 0.91
# A group is offered after its level-3 classes when they match as well, since an incident
# is classified to the third level; it still comes first when only it matches.
LEVEL = {1: 0.86, 2: 0.92, 3: 1.0}
# On comparable matches the more urgent class first: passing over a priority-1 class costs
# more than scrolling past it.
URGENCY = {1: 1.0, 2: 0.985, 3: 0.97}
# How a reading's score is made: a share for matching at all, for starting with the first
# typed word (type-ahead is typed from the front), for covering its meaningful words.
BASE, START, COVER = 0.80, 0.12, 0.08


@dataclass(frozen=True)
class _Reading:
    """One way a person names a class: its words, the meaningful ones, and a weight."""

    words: tuple[str, ...]
    content: frozenset[str]
    weight: float


def _reading(text: Sequence[str], weight: float) -> _Reading:
    unique = tuple(dict.fromkeys(text))
    content = frozenset(w for w in unique if w not in STOPWORDS) or frozenset(unique)
    return _Reading(unique, content, weight)


class ClassificationIndex:
    """Type-ahead over the classification tree by code, Dutch, English and Papiamentu
    names, and terms, best match first.

    A class is scored by its best *reading*: one of its names or terms, a name or term of
    one of its groups, or its path ("brand gebouw woning"). Every typed word must match a
    word of the reading; a reading that starts with the first typed word (type-ahead is
    typed from the front), and one whose meaningful words are all typed, scores higher.
    Own names weigh more than own terms, those more than the groups' words, so
    "vaartuig" gives "Vaartuig in nood / zinkend" before "Smokkel / verdacht vaartuig".
    Groups come after their leaves; comparable matches put the more urgent class first,
    equal ones keep the order of the classification file. Words typed across readings
    ("house burglary") still find a class, below any single reading.
    """

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self._entries: list[tuple[Classification, tuple[_Reading, ...], frozenset[str]]] = []
        self._order = {code: i for i, code in enumerate(ref.classifications)}
        holders: dict[str, list[int]] = {}  # word -> the entries that have it
        for cls in ref.classifications.values():
            chain: list[Classification] = []
            node: Classification | None = cls
            while node is not None:
                chain.append(node)
                node = ref.classifications.get(node.parent) if node.parent else None
            readings = [_reading([cls.code.lower(), *cls.code.lower().split(".")], OWN)]
            readings += [_reading(words(name), OWN) for name in cls.names.values()]
            readings += [_reading(words(term), TERM) for term in cls.terms]
            for group in chain[1:]:  # a member of a group answers to the group's words
                readings += [_reading(words(name), GROUP) for name in group.names.values()]
                readings += [_reading(words(term), GROUP_TERM) for term in group.terms]
            for lang in cls.names:
                for top in range(1, len(chain)):  # from the root, and from the parent
                    path = [w for n in reversed(chain[:top + 1]) for w in words(n.name(lang))]
                    readings.append(_reading(path, GROUP))
            unique = tuple(dict.fromkeys(r for r in readings if r.words))
            everything = frozenset(w for r in unique for w in r.words)
            for word in everything:
                holders.setdefault(word, []).append(len(self._entries))
            self._entries.append((cls, unique, everything))
        self._vocabulary = sorted(holders)
        self._holders = {word: frozenset(at) for word, at in holders.items()}
        self._cut: dict[int, list[str]] = {}
        self._token_cache: dict[str, dict[str, float]] = {}

    def _matches(self, token: str) -> dict[str, float]:
        """Words of the index a typed word matches (60 and up), with how well: the same
        scores as ``_token_score``, found by bisection and rapidfuzz rather than a loop."""
        found = self._token_cache.get(token)
        if found is not None:
            return found
        found = {}
        if len(token) >= 4:
            n = len(token) + 1
            cut = self._cut.get(n)
            if cut is None:
                cut = self._cut[n] = [w[:n] for w in self._vocabulary]
            for _, score, i in process.extract(token, cut, scorer=fuzz.ratio, limit=None,
                                               score_cutoff=60 / 0.9):
                found[self._vocabulary[i]] = score * 0.9
        prefix = 96.0 if len(token) >= 2 else 80.0
        for i in range(bisect_left(self._vocabulary, token), len(self._vocabulary)):
            word = self._vocabulary[i]
            if not word.startswith(token):
                break
            found[word] = 100.0 if word == token else prefix
        if len(self._token_cache) > 5000:
            self._token_cache.clear()
        self._token_cache[token] = found
        return found

    def search(self, query: str, *, limit: int = 10, lang: str = "nl") -> list[ClassMatch]:
        """Best classes first (see the class docstring)."""
        typed = words(query)
        if not typed:
            return []
        tokens = [t for t in typed if t not in STOPWORDS] or typed
        matches = [self._matches(t) for t in tokens]
        # Only the classes that have a word for every typed word can match at all.
        candidates: set[int] | None = None
        for match in matches:
            having = set().union(*(self._holders[w] for w in match))
            candidates = having if candidates is None else candidates & having
        code = query.strip().upper()
        exact = {self._order[code]} if code in self._order else set()
        out = []
        for i in sorted((candidates or set()) | exact):
            cls, readings, everything = self._entries[i]
            if cls.code == code:
                score = 200.0
            else:
                score = max((_read(tokens, matches, r) for r in readings), default=0.0)
                if not score:  # words from several readings
                    spread = [max((m.get(w, 0.0) for w in everything), default=0.0)
                              for m in matches]
                    score = 0.72 * (min(spread) + sum(spread) / len(spread)) / 2
                score *= LEVEL.get(cls.level, 1.0) * URGENCY.get(cls.priority, 1.0)
            if score:
                out.append(ClassMatch(cls, cls.path(self.ref, lang), round(score, 2)))
        out.sort(key=lambda m: (-m.score, m.cls.priority, self._order[m.cls.code]))
        return out[:limit]


def _read(tokens: Sequence[str], matches: Sequence[dict[str, float]],
          reading: _Reading) -> float:
    """How well the typed words match one reading of a class (0 when one matches nothing)."""
    best = []
    covered: dict[str, float] = {}
    for token, match in zip(tokens, matches, strict=True):
        top = 0.0
        for word in reading.words:
            score = match.get(word, 0.0)
            if score:
                top = max(top, score)
                if score >= 80 and word in reading.content:
                    # a word typed in full covers it; a prefix only its part of it
                    part = 1.0 if score == 100 else min(1.0, len(token) / len(word))
                    covered[word] = max(covered.get(word, 0.0), part)
        if top < 60:
            return 0.0
        best.append(top)
    base = (min(best) + sum(best) / len(best)) / 2
    starts = matches[0].get(reading.words[0], 0.0) >= 80
    coverage = sum(covered.values()) / len(reading.content)
    return base * (BASE + START * starts + COVER * coverage) * reading.weight


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
    """Anything that can answer a location query (places, stations, a geocoder).

    A source may also have ``explain(query) -> SearchNote | None``: why it found nothing
    for ``query`` when it has a reason of its own (no street data imported, say).
    """

    def search(self, query: str, limit: int) -> list[LocationCandidate]: ...


NO_STREET_DATA = "no_street_data"
STREET_DATA_UNUSABLE = "street_data_unusable"
NOT_FOUND = "not_found"
BAD_COORDINATE = "bad_coordinate"
_NOTES = {
    NO_STREET_DATA: N_("No street data imported: `meldkamer maps import-osm`. Look for a "
                       "place, or type coordinates like 12.15, -68.27"),
    STREET_DATA_UNUSABLE: N_("The imported street data cannot be read ({detail}): only "
                             "places are found. Look for a place, or type coordinates like "
                             "12.15, -68.27"),
    NOT_FOUND: N_("Nothing found for “{query}”: try a place name, or coordinates "
                  "like 12.15, -68.27"),
    BAD_COORDINATE: N_("“{query}” is not a coordinate: latitude runs from -90 to "
                       "90, longitude from -180 to 180 (Kralendijk is 12.15, -68.27)"),
}


@dataclass(frozen=True)
class SearchNote:
    """Why a location search found nothing: a code for scripts, a message for people."""

    code: str
    """``no_street_data``, ``street_data_unusable``, ``not_found`` or ``bad_coordinate``."""
    query: str
    detail: str = ""

    @property
    def template(self) -> str:
        """The English message template (translated when shown)."""
        return _NOTES.get(self.code, _NOTES[NOT_FOUND])

    @property
    def fields(self) -> dict[str, str]:
        return {"query": self.query.strip(), "detail": self.detail}

    def __str__(self) -> str:
        return tr(self.template, **self.fields)


@dataclass(frozen=True)
class LocationResults(Sequence[LocationCandidate]):
    """The candidates for a location query, best first, and why there are none.

    A sequence of ``LocationCandidate``; ``note`` is set when it is empty.
    """

    candidates: tuple[LocationCandidate, ...]
    query: str = ""
    note: SearchNote | None = None

    @overload
    def __getitem__(self, index: int) -> LocationCandidate: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[LocationCandidate, ...]: ...
    def __getitem__(self, index: int | slice) -> LocationCandidate | tuple[
            LocationCandidate, ...]:
        return self.candidates[index]

    def __len__(self) -> int:
        return len(self.candidates)


@dataclass(frozen=True)
class NamedPoint:
    """A named coordinate for the simple sources (places, stations)."""

    name: str
    kind: str
    lat: float
    lon: float
    island: str
    aliases: tuple[str, ...] = ()


def name_score(tokens: Sequence[str], name: Sequence[str]) -> float:
    """How well typed words match a name (0-98): every word must match; the more of the
    name they cover, the better, so "windwardside" matches Windwardside (a place, from
    the gazetteer, 100) before "Politiepost Windwardside" (93). The scale sits just under
    the gazetteer's, so that a post comes after the place it is in while it is typed."""
    score = match_score(tokens, name)
    if not score:
        return 0.0
    content = [w for w in name if w not in STOPWORDS] or list(name)
    covered = 0.0
    for word in content:
        parts = [1.0 if t == word else min(1.0, len(t) / len(word))
                 for t in tokens if _token_score(t, (word,)) >= 80]
        covered += max(parts, default=0.0)
    return score * (0.88 + 0.1 * covered / len(content))


class PointSource:
    """Fuzzy search over a fixed list of named points."""

    def __init__(self, points: Iterable[NamedPoint], source: str) -> None:
        self.source = source
        self._points = [(p, [words(n) for n in (p.name, *p.aliases)]) for p in points]

    def search(self, query: str, limit: int) -> list[LocationCandidate]:
        tokens = words(query)
        found = []
        for point, names in self._points:
            score = max((name_score(tokens, n) for n in names), default=0.0)
            if score:
                found.append(LocationCandidate(point.name, point.kind, point.lat, point.lon,
                                               point.island, round(score, 1), self.source))
        found.sort(key=lambda c: (-c.score, c.label))
        return found[:limit]


# Posts and stations come after the places they are in, on equal scores.
_POSTS = frozenset({"station"})


class LocationSearch:
    """All location sources together, plus typed coordinates ('12.15, -68.27').

    The answer says why it is empty (``LocationResults.note``): a source's own reason
    (no street data for what looks like an address), else nothing found.
    """

    def __init__(self, ref: Reference, sources: Sequence[LocationSource]) -> None:
        self.ref = ref
        self.sources = list(sources)

    def search(self, query: str, limit: int = 10) -> LocationResults:
        if not query.strip():
            return LocationResults((), query)
        coord = _COORD.match(query)
        if coord:
            lat = float(coord.group(1).replace(",", "."))
            lon = float(coord.group(2).replace(",", "."))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                return LocationResults((), query, SearchNote(BAD_COORDINATE, query))
            island = self.ref.island_at(lat, lon)
            return LocationResults((LocationCandidate(
                f"{lat:.5f}, {lon:.5f}", "coordinate", lat, lon,
                island.code if island else None, 100.0, "typed"),), query)
        out: list[LocationCandidate] = []
        for source in self.sources:
            out += source.search(query, limit)
        out.sort(key=lambda c: (-c.score, c.kind in _POSTS, c.label))
        if out:
            return LocationResults(tuple(out[:limit]), query)
        return LocationResults((), query, self.explain(query))

    def explain(self, query: str) -> SearchNote:
        """Why nothing was found for ``query``: the first source's own reason, if any."""
        for source in self.sources:
            explain = getattr(source, "explain", None)
            note = explain(query) if explain is not None else None
            if note is not None:
                return cast(SearchNote, note)
        return SearchNote(NOT_FOUND, query)
