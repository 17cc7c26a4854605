"""The maps integration: geodata in the user data directory, geocoding, travel times.

The core asks for locations through ``LocationSource`` and for travel times through
``TravelTimes``; this module answers both from the ``maps`` package. Without imported
road data the router gives straight-line estimates (labelled so), and the gazetteer
still knows the shipped places and the stations.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maps import geodata
from maps.errors import MapDataError
from maps.geocode import Gazetteer, Match
from maps.routing import Router
from meldkamer import config
from meldkamer.domain.lookup import (
    NO_STREET_DATA,
    STREET_DATA_UNUSABLE,
    LocationCandidate,
    SearchNote,
)

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)

# Unit capability -> travel profile of the router (first match wins).
PROFILES = (
    ("boat", "boat"),
    ("ambulance", "ambulance"),
    ("rapid_responder", "ambulance"),
    ("fire_engine", "fire_engine"),
    ("water_tender", "fire_engine"),
    ("rescue", "fire_engine"),
    ("motorcycle", "motorcycle"),
)


def geodata_dir() -> Path:
    """Where imported map data lives (MELDKAMER_GEODATA or the user data directory)."""
    import os

    override = os.environ.get("MELDKAMER_GEODATA")
    return Path(override) if override else config.data_dir() / "geodata"


def profile_for(capabilities: Iterable[str]) -> str:
    caps = set(capabilities)
    return next((profile for cap, profile in PROFILES if cap in caps), "car")


@dataclass(frozen=True)
class Travel:
    """How long a unit needs to a place, and whether that was routed or estimated."""

    seconds: float
    metres: float
    routed: bool
    method: str


def place_dicts(core: Meldkamer) -> list[dict[str, Any]]:
    """The shipped places, as the maps package wants them."""
    return [{"name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon, "island": p.island,
             "aliases": list(p.aliases)} for p in core.ref.places]


def station_dicts(core: Meldkamer) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from meldkamer.store.models import Station

    with core.store.read() as session:
        return [{"name": s.name, "kind": "station", "lat": s.lat, "lon": s.lon,
                 "island": s.island, "discipline": s.discipline, "code": s.code}
                for s in session.execute(select(Station)).scalars()]


class Geo:
    """Geocoder and router for one workstation, built once on first use."""

    def __init__(self, core: Meldkamer, path: Path | None = None) -> None:
        self.core = core
        self.path = path or geodata_dir()
        # Two locks: a router being built for a proposal never holds up the type-ahead.
        self._gazetteer_lock = threading.Lock()
        self._router_lock = threading.Lock()
        self._gazetteer: Gazetteer | None = None
        self._router: Router | None = None
        self.problem = ""

    def _db(self) -> Path | None:
        try:
            return self.path if geodata.has_osm(self.path) else None
        except (MapDataError, OSError, sqlite3.Error) as exc:
            self.problem = str(exc)
            return None

    @property
    def gazetteer(self) -> Gazetteer:
        with self._gazetteer_lock:
            if self._gazetteer is None:
                places = place_dicts(self.core)
                words = self.core.ref.island_words()
                try:
                    self._gazetteer = Gazetteer.from_db(self._db(), places, island_words=words)
                except (MapDataError, sqlite3.Error, KeyError, ValueError) as exc:
                    self.problem = str(exc)
                    log.error("map data unusable, using shipped places only: %s", exc)
                    self._gazetteer = Gazetteer(places, island_words=words)
            return self._gazetteer

    @property
    def router(self) -> Router:
        with self._router_lock:
            if self._router is None:
                try:
                    self._router = Router.from_db(self._db())
                except (MapDataError, sqlite3.Error, KeyError, ValueError) as exc:
                    self.problem = str(exc)
                    log.error("road data unusable, estimating travel times: %s", exc)
                    self._router = Router([], [])
            return self._router

    def reload(self) -> None:
        """Forget the indexes after a re-import."""
        with self._gazetteer_lock, self._router_lock:
            self._gazetteer = self._router = None

    def search(self, query: str, limit: int) -> list[LocationCandidate]:
        """LocationSource: addresses, streets and places."""
        return [_candidate(m) for m in self.gazetteer.search(query, limit=limit)]

    def explain(self, query: str) -> SearchNote | None:
        """Why an address is not found: no street data imported, or it cannot be read
        (None when street data is there or the query does not look like an address)."""
        gazetteer = self.gazetteer
        if gazetteer.has_streets or not gazetteer.looks_like_address(query):
            return None
        if self.problem:
            return SearchNote(STREET_DATA_UNUSABLE, query, self.problem)
        return SearchNote(NO_STREET_DATA, query)

    def reverse(self, lat: float, lon: float) -> LocationCandidate:
        """What is at a map click: nearest address, street or place, or the coordinate."""
        match = self.gazetteer.nearest(lat, lon)
        island = self.core.ref.island_at(lat, lon)
        code = island.code if island else None
        label = f"{lat:.5f}, {lon:.5f}"
        if match is not None:
            dist = f" ({match.distance_m:.0f} m)" if match.distance_m else ""
            label = f"{_name(match)}{dist}"
        return LocationCandidate(label, "map", lat, lon, code, 100.0, "map")

    def travel(self, lat: float, lon: float,
               units: list[tuple[str, float, float, tuple[str, ...]]]) -> dict[str, Travel]:
        """TravelTimes: by road where road data exists, else a labelled estimate."""
        ranked = self.router.rank(lat, lon, [(cs, la, lo, profile_for(caps))
                                             for cs, la, lo, caps in units])
        return {cs: Travel(r.seconds, r.metres, r.routed, r.method)
                for cs, r in ranked if r is not None}


def _name(m: Match) -> str:
    if m.housenumber and m.street:
        return f"{m.street} {m.housenumber}"
    return m.name


def _candidate(m: Match) -> LocationCandidate:
    return LocationCandidate(_name(m), m.kind, m.lat, m.lon, m.island, float(m.score), "maps")
