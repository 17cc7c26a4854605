"""The gazetteer: forward search over addresses, streets and places, and reverse look-ups.

Forward search fuzzy-matches the query (rapidfuzz) against the distinct street and place
names only, then looks the house number up in a dictionary, so its cost depends on the
number of names, not of addresses. Accents, case, typos, word order ("12 Kaya Grandi"),
island names and Dutch, English and Papiamentu words for kinds of places are handled.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from maps.geo import GridIndex, fast_distance_m
from maps.islands import island_near, landmass_names

# Words for kinds of places, in Dutch, English and Papiamentu (folded, no accents).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "hospital": ("ziekenhuis", "hospitaal", "hospital", "ospital", "kliniek", "clinic",
                 "klinika", "medical centre", "medical center", "sentro mediko"),
    "harbour": ("haven", "harbour", "harbor", "haf", "port", "pier", "marina", "waf",
                "steiger", "jachthaven"),
    "airport": ("vliegveld", "luchthaven", "airport", "aeropuerto", "aeropuerto",
                "airstrip", "vlieghaven"),
    "church": ("kerk", "church", "misa", "iglesia", "kapel", "chapel", "kapilla"),
    "police": ("politie", "politiebureau", "police", "polis", "police station",
               "warda polis"),
    "fire_station": ("brandweer", "brandweerkazerne", "fire station", "fire brigade",
                     "bombero", "bomberos"),
    "school": ("school", "skol", "scholengemeenschap"),
    "beach": ("strand", "beach", "playa"),
    "park": ("park", "parke", "nationaal park", "national park"),
    "government": ("bestuurskantoor", "gezaghebber", "government", "gobierno",
                   "gemeentehuis", "town hall", "townhall"),
    "fuel": ("tankstation", "gas station", "petrol station", "pomp di gasolin", "gasolin"),
    "shop": ("supermarkt", "supermarket", "supermerkado", "winkel", "shop", "tienda"),
    "hotel": ("hotel", "resort"),
    "dive_site": ("duikstek", "dive site", "dive spot", "sitio di bus"),
}
KIND_ALIASES = {"clinic": "hospital", "fire": "fire_station", "ferry_terminal": "harbour"}
# Words that make a query a street or an address ("kaya grandi", "concordiaweg 3"), in
# Papiamentu, Dutch and English (folded), and the endings of Dutch street names.
STREET_WORDS = frozenset({"kaya", "kaminda", "kam", "avenida", "boulevard", "blvd", "weg",
                          "straat", "laan", "plein", "kade", "steeg", "road", "rd", "street",
                          "st", "lane", "avenue", "ave", "drive", "way"})
STREET_ENDINGS = ("weg", "straat", "laan", "plein", "kade", "steeg")
_NUMBER = re.compile(r"(?:^|\s)(\d{1,5})(?:\s?([a-z]))?(?=\s|$)")
_PUNCT = re.compile(r"[^\w]+")
SCORE_CUTOFF = 65.0


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_PUNCT.sub(" ", plain).replace("_", " ").split())


@dataclass(frozen=True)
class Match:
    """One search or reverse look-up result."""

    name: str
    kind: str  # address, street, or a place kind (town, hospital, harbour, ...)
    lat: float
    lon: float
    island: str | None
    score: float
    housenumber: str | None = None
    street: str | None = None
    distance_m: float | None = None


@dataclass
class _Street:
    name: str
    island: str | None
    lat: float
    lon: float
    numbers: dict[str, tuple[str, float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # folded, without the house number and island words
    full: str  # folded, without the island words
    number: str | None
    island: str | None
    island_word: str  # the island as typed (folded), when one was named
    kinds: frozenset[str]
    rest: str  # text without the kind words


def island_phrases(island_words: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Folded words for islands ('statia' -> 'SE'), longest first, as queries name them.

    Args:
        island_words: names, other names and codes of islands, each with its island code;
            the landmass names of the outlines when None. Two-letter codes are left out:
            "sa" or "bo" in a query is more often part of a name than an island.
    """
    words = landmass_names() if island_words is None else island_words
    phrases = {fold(word): code for word, code in words.items() if len(fold(word)) > 2}
    return sorted(phrases.items(), key=lambda kv: -len(kv[0]))


def parse_query(query: str, phrases: Sequence[tuple[str, str]] | None = None) -> ParsedQuery:
    """Split a query into street/place text, house number, island and kinds.

    Args:
        phrases: island words from ``island_phrases`` (default: the landmass names).
    """
    text = f" {fold(query)} "
    island = None
    island_word = ""
    after_comma = fold(query.rsplit(",", 1)[1]) if "," in query else ""
    for phrase, code in island_phrases() if phrases is None else phrases:
        if f" {phrase} " in text and text.strip() != phrase:
            # "..., Bonaire" only names the island; without the comma it may be part of
            # a street name, so the search also tries it that way.
            island, island_word = code, ("" if after_comma == phrase else phrase)
            text = text.replace(f" {phrase} ", " ", 1)
            break
    full = " ".join(text.split())
    number = None
    found = _NUMBER.search(text)
    if found:
        number = found.group(1) + (found.group(2) or "")
        text = text[:found.start()] + " " + text[found.end():]
    text = " ".join(text.split())
    kinds = set()
    rest = f" {text} "
    for kind, words in KIND_WORDS.items():
        for word in sorted(words, key=len, reverse=True):
            if f" {word} " in rest:
                kinds.add(kind)
                rest = rest.replace(f" {word} ", " ")
    return ParsedQuery(text, full, number, island, island_word, frozenset(kinds),
                  " ".join(rest.split()))


def looks_like_address(query: str, phrases: Sequence[tuple[str, str]] | None = None) -> bool:
    """Whether a query names a street or an address: a street word ("kaya", "weg",
    "road"), a Dutch street ending ("Concordiaweg") or words with a house number.

    Args:
        phrases: island words from ``island_phrases`` (default: the landmass names).
    """
    q = parse_query(query, phrases)
    names = q.text.split()
    if any(w in STREET_WORDS or (len(w) > 5 and w.endswith(STREET_ENDINGS)) for w in names):
        return True
    return q.number is not None and any(c.isalpha() for c in q.rest)


def similarity(query: str, name: str) -> float:
    """0-100: how well a folded query matches a folded name.

    Plain and word-order similarity always count. Matching only some words of the name,
    or its start while typing, counts only when the query has fewer words or letters, so
    "kaya bieu ribo" prefers "kaya bieu riba" to "kaya bieu".
    """
    score = max(fuzz.ratio(query, name), fuzz.token_sort_ratio(query, name))
    if len(set(query.split())) < len(set(name.split())):
        score = max(score, 0.95 * fuzz.token_set_ratio(query, name))
    if len(query) < len(name):
        score = max(score, 0.9 * fuzz.partial_ratio(query, name))
    return float(score)


def _number_key(number: str) -> str:
    return fold(number).replace(" ", "")


def _numeric(number: str) -> int | None:
    digits = re.match(r"\d+", number)
    return int(digits.group()) if digits else None


class Gazetteer:
    """Search over imported addresses, streets and places plus the shipped places."""

    def __init__(self, places: Iterable[Mapping[str, Any]] = (),
                 streets: Iterable[tuple[str, str | None, list[tuple[float, float]]]] = (),
                 addresses: Iterable[tuple[str, str, float, float, str | None]] = (), *,
                 island_words: Mapping[str, str] | None = None) -> None:
        """Build every index once.

        Args:
            places: dicts with name, kind, lat, lon, island and optionally aliases.
            streets: (name, island, geometry as [(lat, lon), ...]) per road way.
            addresses: (street, housenumber, lat, lon, island).
            island_words: names a query may use for an island ("Statia"), with its code
                (see ``island_phrases``).
        """
        self._island_phrases = island_phrases(island_words)
        self._names: list[str] = []
        self._targets: list[list[_Street | Match]] = []
        self._slot: dict[str, int] = {}
        self._streets: dict[tuple[str, str | None], _Street] = {}
        self._places: list[Match] = []
        self._address_grid: GridIndex[Match] = GridIndex(0.001)
        self._street_grid: GridIndex[tuple[str, str | None]] = GridIndex(0.002)
        self._place_grid: GridIndex[Match] = GridIndex(0.02)
        self._add_streets(streets)
        self._add_addresses(addresses)
        for p in places:
            self._add_place(p)

    @classmethod
    def from_db(cls, db_path: str | Path | None, places: Iterable[Mapping[str, Any]] = (), *,
                island_words: Mapping[str, str] | None = None) -> Gazetteer:
        """A gazetteer over an imported geodata database (if any) and the given places."""
        from maps import geodata

        if not geodata.has_osm(db_path):
            return cls(places, island_words=island_words)
        assert db_path is not None
        with geodata.connect(db_path) as conn:
            streets = [(name, island, [tuple(p) for p in json.loads(geometry)])
                       for name, island, geometry in conn.execute(
                           "SELECT name, island, geometry FROM roads WHERE name IS NOT NULL")]
            addresses = conn.execute(
                "SELECT street, housenumber, lat, lon, island FROM addresses").fetchall()
            osm_places = [{"name": n, "kind": k, "lat": la, "lon": lo, "island": i}
                          for n, k, la, lo, i in conn.execute(
                              "SELECT name, kind, lat, lon, island FROM places")]
        return cls([*places, *osm_places], streets, addresses, island_words=island_words)

    def __len__(self) -> int:
        return len(self._address_grid) + len(self._streets) + len(self._places)

    @property
    def has_streets(self) -> bool:
        """Whether street or address data was loaded (an OSM import), not only places."""
        return bool(self._streets)

    def looks_like_address(self, query: str) -> bool:
        """``looks_like_address`` with this gazetteer's island words."""
        return looks_like_address(query, self._island_phrases)

    # -- building -------------------------------------------------------------------------

    def _index_name(self, name: str, target: _Street | Match) -> None:
        key = fold(name)
        if not key:
            return
        slot = self._slot.get(key)
        if slot is None:
            slot = self._slot[key] = len(self._names)
            self._names.append(key)
            self._targets.append([])
        if target not in self._targets[slot]:
            self._targets[slot].append(target)

    def _street(self, name: str, island: str | None, lat: float, lon: float) -> _Street:
        key = (fold(name), island)
        street = self._streets.get(key)
        if street is None:
            street = self._streets[key] = _Street(name, island, lat, lon)
            self._index_name(name, street)
        return street

    def _add_streets(self, rows: Iterable[tuple[str, str | None,
                                                list[tuple[float, float]]]]) -> None:
        longest: dict[tuple[str, str | None], float] = {}
        for name, island, geometry in rows:
            if not geometry:
                continue
            key = (fold(name), island)
            length = sum(fast_distance_m(*a, *b) for a, b in pairwise(geometry))
            mid = geometry[len(geometry) // 2]
            street = self._street(name, island, *mid)
            if length > longest.get(key, -1.0):
                longest[key] = length
                street.lat, street.lon = mid
            for (la1, lo1), (la2, lo2) in pairwise(geometry):
                # Points every ~50 m so the nearest street is found from its segments.
                steps = max(1, int(fast_distance_m(la1, lo1, la2, lo2) // 50))
                for s in range(steps):
                    t = s / steps
                    self._street_grid.add(la1 + t * (la2 - la1), lo1 + t * (lo2 - lo1), key)
            self._street_grid.add(*geometry[-1], key)

    def _add_addresses(self, rows: Iterable[tuple[str, str, float, float, str | None]]) -> None:
        for street_name, number, lat, lon, island in rows:
            street = self._streets.get((fold(street_name), island)) or self._street(
                street_name, island, lat, lon)
            for part in re.split(r"[;,]", number):
                part = part.strip()
                if part:
                    street.numbers.setdefault(_number_key(part), (part, lat, lon))
            self._address_grid.add(lat, lon, Match(
                f"{street.name} {number}", "address", lat, lon, island, 0.0, number,
                street.name))

    def _add_place(self, place: Mapping[str, Any]) -> None:
        lat, lon = float(place["lat"]), float(place["lon"])
        island = place.get("island") or island_near(lat, lon)
        kind = str(place.get("kind") or "place")
        match = Match(str(place["name"]), KIND_ALIASES.get(kind, kind), lat, lon, island, 0.0)
        if any(m.name == match.name and fast_distance_m(m.lat, m.lon, lat, lon) < 100
               for m in self._places):
            return  # the same place from the shipped list and from OSM
        self._places.append(match)
        self._place_grid.add(lat, lon, match)
        self._index_name(match.name, match)
        for alias in place.get("aliases", ()) or ():
            self._index_name(str(alias), match)

    # -- forward search -------------------------------------------------------------------

    def search(self, query: str, island: str | None = None, limit: int = 10) -> list[Match]:
        """Best matches first; ``island`` (or an island named in the query) restricts."""
        q = parse_query(query, self._island_phrases)
        island = island or q.island
        best: dict[tuple[str, str, float, float], Match] = {}

        def offer(m: Match) -> None:
            if island is not None and m.island != island:
                return
            m = replace(m, score=round(m.score, 1))
            key = (m.kind, m.name, round(m.lat, 6), round(m.lon, 6))
            if key not in best or best[key].score < m.score:
                best[key] = m

        exact = self._slot.get(q.text)
        if exact is not None:
            self._offer_slot(exact, 100.0, q, offer, whole=True)
        texts = {q.rest} if q.rest else set()
        if q.number and q.full != q.text:
            texts.add(q.full)  # names with digits in them, like "1000 Steps"
        if q.island and q.island_word:
            texts.add(f"{q.rest} {q.island_word}".strip())  # "Kaya Bonaire" is a street
        for text in texts:
            for slot, score in self._fuzzy(text).items():
                self._offer_slot(slot, score, q, offer)
        if q.kinds:
            for place in self._places:
                if place.kind in q.kinds:
                    similar = fuzz.WRatio(q.rest, fold(place.name)) if q.rest else 100.0
                    offer(replace(place, score=round(60.0 + 0.35 * similar, 1)))
        order = {"address": 0, "street": 1}
        # Equal exact matches: the longer name matched more of what was typed ("Kaya
        # Watapana Bonaire 4" over "Kaya Watapana 4"); otherwise the shorter name is closer.
        ranked = sorted(best.values(), key=lambda m: (
            -m.score, order.get(m.kind, 2), -len(m.name) if m.score >= 100 else len(m.name)))
        return ranked[:limit]

    def _fuzzy(self, text: str) -> dict[int, float]:
        """Slot -> score for the names like ``text``: candidates from rapidfuzz's fast
        scorers, then each scored once by ``similarity``."""
        candidates: set[int] = set()
        for scorer, weight in ((fuzz.ratio, 1.0), (fuzz.token_sort_ratio, 1.0),
                               (fuzz.token_set_ratio, 0.95), (fuzz.partial_ratio, 0.9)):
            for _, _, slot in process.extract(text, self._names, scorer=scorer, limit=30,
                                              score_cutoff=SCORE_CUTOFF / weight):
                candidates.add(slot)
        scores = {slot: similarity(text, self._names[slot]) for slot in candidates}
        return {slot: score for slot, score in scores.items() if score >= SCORE_CUTOFF}

    def _offer_slot(self, slot: int, score: float, q: ParsedQuery,
                    offer: Callable[[Match], None], whole: bool = False) -> None:
        """Offer what a name stands for; ``whole``: the query is that name exactly."""
        for target in self._targets[slot]:
            if isinstance(target, _Street):
                for m in self._street_matches(target, score, q.number):
                    offer(m)
            else:
                # "politie windwardside" asks for the police there, not the village: a
                # place of another kind than the query names comes after those that are.
                bonus = 5.0 if target.kind in q.kinds else (
                    -15.0 if q.kinds and not whole else 0.0)
                offer(replace(target, score=round(min(100.0, score + bonus), 1)))

    def _street_matches(self, street: _Street, score: float,
                        number: str | None) -> list[Match]:
        base = Match(street.name, "street", street.lat, street.lon, street.island, score,
                     street=street.name)
        if number is None:
            return [base]
        exact = street.numbers.get(_number_key(number))
        if exact is not None:
            shown, lat, lon = exact
            return [Match(f"{street.name} {shown}", "address", lat, lon, street.island,
                          min(100.0, score + 2.0), shown, street.name),
                    replace(base, score=score - 15.0)]
        wanted = _numeric(number)
        near = [(abs(n - wanted), v) for v in street.numbers.values()
                if wanted is not None and (n := _numeric(v[0])) is not None]
        if not near:
            return [replace(base, score=score - 5.0)]
        _, (shown, lat, lon) = min(near, key=lambda x: x[0])
        return [Match(f"{street.name} {shown}", "address", lat, lon, street.island,
                      score - 10.0, shown, street.name), replace(base, score=score - 5.0)]

    # -- reverse look-up ------------------------------------------------------------------

    def nearest(self, lat: float, lon: float, address_m: float = 75.0,
                street_m: float = 250.0, place_m: float = 25_000.0) -> Match | None:
        """The nearest address within ``address_m``, else street, else place."""
        found = self._address_grid.nearest(lat, lon, address_m)
        if found is not None:
            return replace(found[0], score=100.0, distance_m=round(found[1], 1))
        street_hit = self._street_grid.nearest(lat, lon, street_m)
        if street_hit is not None:
            street = self._streets[street_hit[0]]
            return Match(street.name, "street", street.lat, street.lon, street.island, 100.0,
                         street=street.name, distance_m=round(street_hit[1], 1))
        place_hit = self._place_grid.nearest(lat, lon, place_m)
        if place_hit is not None:
            return replace(place_hit[0], score=100.0, distance_m=round(place_hit[1], 1))
        return None

    def places(self, kind: str | None = None, island: str | None = None) -> Sequence[Match]:
        """The places known, optionally of one kind or island."""
        return [p for p in self._places
                if (kind is None or p.kind == kind) and (island is None or p.island == island)]
