"""Reading an OpenStreetMap extract (.osm or .osm.pbf) into plain rows with pyosmium.

Collects named roads, the drivable road graph (ways that share node ids), addresses
(nodes and building ways with addr:street/addr:place + addr:housenumber) and places
(place=* and a few landmarks a control room needs). Writing them is geodata's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import osmium

from maps.errors import MapDataError
from maps.geo import fast_distance_m
from maps.islands import island_near

Progress = Callable[[str, int], None]

# Highway classes that carry vehicles, and those only worth a name in the gazetteer.
DRIVABLE = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "track", "road", "motorway_link", "trunk_link",
    "primary_link", "secondary_link", "tertiary_link",
})
NAMED_ONLY = frozenset({"pedestrian", "footway", "path", "cycleway", "steps", "bridleway"})

# OSM tag -> gazetteer kind, for landmarks the intake looks for by kind.
LANDMARK_KINDS: dict[tuple[str, str], str] = {
    ("amenity", "hospital"): "hospital", ("amenity", "clinic"): "hospital",
    ("amenity", "police"): "police", ("amenity", "fire_station"): "fire_station",
    ("amenity", "school"): "school", ("amenity", "place_of_worship"): "church",
    ("amenity", "ferry_terminal"): "harbour", ("aeroway", "aerodrome"): "airport",
    ("harbour", "yes"): "harbour", ("leisure", "marina"): "harbour",
    ("natural", "beach"): "beach", ("leisure", "park"): "park",
    ("boundary", "national_park"): "park", ("amenity", "townhall"): "government",
    ("tourism", "hotel"): "hotel", ("amenity", "fuel"): "fuel",
    ("shop", "supermarket"): "shop",
}


@dataclass
class OsmData:
    """Everything read from one extract, as plain tuples ready for SQL."""

    roads: list[tuple[int, str | None, str, str | None, str, int]] = field(default_factory=list)
    """(way id, name, class, island, geometry JSON [[lat, lon], ...], oneway)"""
    addresses: list[tuple[str, str, float, float, str | None, str, int]] = field(
        default_factory=list)
    """(street, housenumber, lat, lon, island, osm type, osm id)"""
    places: list[tuple[str, str, float, float, str | None, int]] = field(default_factory=list)
    """(name, kind, lat, lon, island, osm id)"""
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    edges: list[tuple[int, int, float, str, int]] = field(default_factory=list)
    """(from node, to node, metres, class, oneway: 1 forward only, 0 both ways)"""
    objects: int = 0


def _oneway(tags: Any, cls: str) -> int:
    value = tags.get("oneway", "")
    if value in ("yes", "true", "1"):
        return 1
    if value == "-1":
        return -1
    if cls in ("motorway", "motorway_link") or tags.get("junction") == "roundabout":
        return 1 if value != "no" else 0
    return 0


def _landmark_kind(tags: Any) -> str | None:
    place = tags.get("place")
    if place:
        return "town" if place in ("city", "town", "village") else (
            "neighbourhood" if place in ("suburb", "neighbourhood", "quarter", "hamlet",
                                         "locality", "isolated_dwelling") else place)
    for (key, value), kind in LANDMARK_KINDS.items():
        if tags.get(key) == value:
            return kind
    return None


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Area centroid of a ring of (lat, lon); the vertex mean when degenerate."""
    # Relative to the first vertex: raw degrees cancel catastrophically for small rings.
    oy, ox = points[0]
    rel = [(y - oy, x - ox) for y, x in points]
    area = cx = cy = 0.0
    for (y0, x0), (y1, x1) in zip(rel, rel[1:] + rel[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-18:
        n = len(points)
        return sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    return oy + cy / (3 * area), ox + cx / (3 * area)


class _Collector(osmium.SimpleHandler):
    def __init__(self, progress: Progress | None) -> None:
        super().__init__()
        self.data = OsmData()
        self.progress = progress

    def _tick(self, phase: str) -> None:
        self.data.objects += 1
        if self.progress is not None and self.data.objects % 10_000 == 0:
            self.progress(phase, self.data.objects)

    def node(self, n: Any) -> None:
        self._tick("nodes")
        tags = n.tags
        if not len(tags) or not n.location.valid():
            return
        lat, lon = n.location.lat, n.location.lon
        number = tags.get("addr:housenumber")
        street = tags.get("addr:street") or tags.get("addr:place")
        if number and street:
            self.data.addresses.append((street, number, lat, lon, island_near(lat, lon),
                                        "node", n.id))
        name = tags.get("name")
        kind = _landmark_kind(tags)
        if name and kind:
            self.data.places.append((name, kind, lat, lon, island_near(lat, lon), n.id))

    def way(self, w: Any) -> None:
        self._tick("ways")
        tags = w.tags
        highway = tags.get("highway")
        number = tags.get("addr:housenumber")
        street = tags.get("addr:street") or tags.get("addr:place")
        name = tags.get("name")
        kind = None if highway else _landmark_kind(tags)
        if not (highway in DRIVABLE or (highway in NAMED_ONLY and name)
                or (number and street) or (name and kind)):
            return
        points: list[tuple[float, float]] = []
        refs: list[int] = []
        for nr in w.nodes:
            loc = nr.location
            if not loc.valid():
                continue
            points.append((loc.lat, loc.lon))
            refs.append(nr.ref)
        if len(points) < 2:
            return
        if highway in DRIVABLE or highway in NAMED_ONLY:
            self._road(w.id, name, str(highway), tags, points, refs)
            return
        lat, lon = _centroid(points[:-1] if points[0] == points[-1] else points)
        island = island_near(lat, lon)
        if number and street:
            self.data.addresses.append((street, number, lat, lon, island, "way", w.id))
        if name and kind:
            self.data.places.append((name, kind, lat, lon, island, w.id))

    def _road(self, way_id: int, name: str | None, cls: str, tags: Any,
              points: list[tuple[float, float]], refs: list[int]) -> None:
        mid = points[len(points) // 2]
        oneway = _oneway(tags, cls)
        geometry = "[" + ",".join(f"[{lat:.6f},{lon:.6f}]" for lat, lon in points) + "]"
        self.data.roads.append((way_id, name, cls, island_near(*mid), geometry, oneway))
        if cls not in DRIVABLE:
            return
        if oneway == -1:
            points, refs = points[::-1], refs[::-1]
        nodes = self.data.nodes
        for i, ref in enumerate(refs):
            nodes[ref] = points[i]
        for i in range(len(refs) - 1):
            if refs[i] == refs[i + 1]:
                continue
            metres = fast_distance_m(*points[i], *points[i + 1])
            self.data.edges.append((refs[i], refs[i + 1], metres, cls, 1 if oneway else 0))


def read_osm(path: str | Path, progress: Progress | None = None) -> OsmData:
    """Read an .osm or .osm.pbf extract; MapDataError when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise MapDataError(f"OpenStreetMap file not found: {path}")
    if path.stat().st_size == 0:
        raise MapDataError(f"{path.name} is empty")
    handler = _Collector(progress)
    try:
        handler.apply_file(str(path), locations=True)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        raise MapDataError(f"{path.name} is damaged, truncated or not an OpenStreetMap "
                           f"file: {exc}") from exc
    if handler.data.objects == 0:
        raise MapDataError(f"{path.name} holds no OpenStreetMap data")
    return handler.data
