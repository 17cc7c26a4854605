"""The shipped island outlines (GSHHG, see data/LICENSE-GSHHG.txt) and look-ups on them.

This module owns the geometry: each outline carries its island code (BO, SE, SA) and its
landmass name, and an island's box and centre follow from its outlines. What the islands
are called, their number prefixes and other names for them are reference data of the
application using this library (``meldkamer/data/islands.toml``), passed in where needed.

Bonaire, Sint Eustatius and Saba lie hundreds of kilometres apart, so the island a point
belongs to follows from bounding boxes with a margin; only Bonaire and Klein Bonaire
share a box and need a point-in-polygon test to tell them apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from maps.geo import M_PER_DEG_LAT, point_segment_m

DEFAULT_MARGIN_M = 3_000.0
TERRITORIAL_SEA_M = 22_224.0
"""Twelve nautical miles: how far off its coast a point still lies in an island's waters."""

BBox = tuple[float, float, float, float]  # south, west, north, east


@dataclass(frozen=True)
class Landmass:
    """One polygon of the outlines: Bonaire, Klein Bonaire, Sint Eustatius or Saba."""

    name: str
    island: str
    ring: tuple[tuple[float, float], ...]  # (lat, lon), closed
    bbox: BBox

    def contains(self, lat: float, lon: float) -> bool:
        south, west, north, east = self.bbox
        if not (south <= lat <= north and west <= lon <= east):
            return False
        inside = False
        ring = self.ring
        j = len(ring) - 1
        for i in range(len(ring)):
            yi, xi = ring[i]
            yj, xj = ring[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        return inside

    def coast_distance_m(self, lat: float, lon: float) -> float:
        """Distance to the coastline (0 when on land)."""
        if self.contains(lat, lon):
            return 0.0
        ring = self.ring
        return min(point_segment_m(lat, lon, *ring[i], *ring[i + 1])[0]
                   for i in range(len(ring) - 1))

    def near_box(self, lat: float, lon: float, margin_m: float) -> bool:
        south, west, north, east = self.bbox
        dlat = margin_m / M_PER_DEG_LAT
        dlon = dlat / max(0.2, math.cos(math.radians(lat)))
        return south - dlat <= lat <= north + dlat and west - dlon <= lon <= east + dlon


@dataclass(frozen=True)
class Island:
    """An island code with its landmasses, bounding box and centre."""

    code: str
    landmasses: tuple[Landmass, ...]

    @property
    def bbox(self) -> BBox:
        boxes = [m.bbox for m in self.landmasses]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    @property
    def centre(self) -> tuple[float, float]:
        south, west, north, east = max(self.landmasses, key=_box_area).bbox
        return (south + north) / 2, (west + east) / 2


def _box_area(m: Landmass) -> float:
    return (m.bbox[2] - m.bbox[0]) * (m.bbox[3] - m.bbox[1])


@lru_cache(maxsize=1)
def outlines() -> dict[str, Any]:
    """The shipped outlines as a GeoJSON FeatureCollection (properties: island, name)."""
    text = resources.files("maps").joinpath("data/islands.geojson").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def landmasses() -> tuple[Landmass, ...]:
    out = []
    for feature in outlines()["features"]:
        ring = tuple((float(lat), float(lon))
                     for lon, lat in feature["geometry"]["coordinates"][0])
        lats = [p[0] for p in ring]
        lons = [p[1] for p in ring]
        out.append(Landmass(feature["properties"]["name"], feature["properties"]["island"],
                            ring, (min(lats), min(lons), max(lats), max(lons))))
    return tuple(out)


@lru_cache(maxsize=1)
def islands() -> dict[str, Island]:
    """Every island code of the outlines with its landmasses, in the outlines' order."""
    codes = dict.fromkeys(m.island for m in landmasses())
    return {code: Island(code, tuple(m for m in landmasses() if m.island == code))
            for code in codes}


def landmass_names() -> dict[str, str]:
    """Each landmass name of the outlines ('Klein Bonaire') with its island code."""
    return {m.name: m.island for m in landmasses()}


def island_of(lat: float, lon: float) -> str | None:
    """The island a point lies on (strictly on land), or None when it is at sea."""
    for m in landmasses():
        if m.contains(lat, lon):
            return m.island
    return None


def landmass_near(lat: float, lon: float, margin_m: float = 500.0) -> str | None:
    """The landmass a point lies on or near: Bonaire, Klein Bonaire, Sint Eustatius, Saba.

    Boxes decide when only one is near; polygons only where boxes overlap (Bonaire and
    Klein Bonaire). Results are cached per ~10 m cell: units are looked up again and again.
    """
    return _landmass_cell(round(lat, 4), round(lon, 4), margin_m)


@lru_cache(maxsize=65_536)
def _landmass_cell(lat: float, lon: float, margin_m: float) -> str | None:
    candidates = [m for m in landmasses() if m.near_box(lat, lon, margin_m)]
    if len(candidates) <= 1:
        return candidates[0].name if candidates else None
    for m in candidates:
        if m.contains(lat, lon):
            return m.name
    # At sea between two landmasses (the channel off Kralendijk): the nearest coast.
    return min(candidates, key=lambda m: m.coast_distance_m(lat, lon)).name


def island_near(lat: float, lon: float, margin_m: float = DEFAULT_MARGIN_M) -> str | None:
    """The island a point belongs to: on land, or at sea within about ``margin_m`` of it.

    Uses bounding boxes only (the islands are far apart), so it is cheap enough to tag
    every node of an OpenStreetMap import.
    """
    for m in landmasses():
        if m.near_box(lat, lon, margin_m):
            return m.island
    return None


def waters_of(lat: float, lon: float, reach_m: float = TERRITORIAL_SEA_M) -> str | None:
    """The island whose waters a point lies in: the nearest within ``reach_m`` of its box.

    Wider than ``island_near``: a boat is sent to a vessel well off the coast, but only
    from the island nearest to it (Saba and Sint Eustatius lie some 30 km apart).
    """
    best: tuple[float, str] | None = None
    for m in landmasses():
        metres = _box_distance_m(m.bbox, lat, lon)
        if metres <= reach_m and (best is None or metres < best[0]):
            best = (metres, m.island)
    return best[1] if best is not None else None


def _box_distance_m(box: BBox, lat: float, lon: float) -> float:
    south, west, north, east = box
    dlat = max(south - lat, 0.0, lat - north) * M_PER_DEG_LAT
    dlon = (max(west - lon, 0.0, lon - east) * M_PER_DEG_LAT
            * max(0.2, math.cos(math.radians(lat))))
    return math.hypot(dlat, dlon)


def bbox(code: str) -> BBox:
    """(south, west, north, east) of an island code."""
    return islands()[code].bbox


def centre(code: str) -> tuple[float, float]:
    """The centre of an island's main landmass as (lat, lon)."""
    return islands()[code].centre
