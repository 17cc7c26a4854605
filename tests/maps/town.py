"""A small synthetic town on Bonaire (and one street on Saba) written as OSM XML.

Layout (not to scale), all on land east of Kralendijk::

    Kaya Grandi  1 ---- 2 ---- 3 ---- 4 ---- 5 ===== Kaya Kortu (shortcut) ===== 40
    (houses 1-20)                            |                                  |
                                             41 -------- Kaya Largu ---------- 42

Kaya Largu (a primary road, 1.6 km) and Kaya Kortu (residential, 600 m) both join node 5
to node 40; the router should take Kaya Kortu. Kaya Gob. N. Debrot also has a number 12,
so "12 Kaya Grandi" must pick the right street. Ways share node ids where they meet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

ORIGIN = (12.1500, -68.2640)
M_LAT = 111_195.0
M_LON = M_LAT * math.cos(math.radians(ORIGIN[0]))


def at(east_m: float, north_m: float, origin: tuple[float, float] = ORIGIN) -> tuple[float,
                                                                                      float]:
    """A point ``east_m``/``north_m`` metres from the origin, as (lat, lon)."""
    return origin[0] + north_m / M_LAT, origin[1] + east_m / M_LON


@dataclass(frozen=True)
class House:
    street: str
    number: str
    lat: float
    lon: float


GRANDI = {i + 1: at(i * 150.0, 0.0) for i in range(5)}  # nodes 1..5, 600 m long
KORTU_END = at(1200.0, 0.0)  # node 40
LARGU = {41: at(600.0, -500.0), 42: at(1200.0, -500.0)}
DEBROT = {60: at(0.0, 300.0), 61: at(400.0, 300.0)}
HOSPITAL = at(300.0, 150.0)
SABA_ROAD = {80: (17.6300, -63.2400), 81: (17.6320, -63.2380)}


def houses() -> list[House]:
    """House numbers 1..20 along Kaya Grandi (odd north side, even south), plus others."""
    out = []
    for n in range(1, 21):
        lat, lon = at(15.0 + (n - 1) * 30.0, 20.0 if n % 2 else -20.0)
        out.append(House("Kaya Grandi", str(n), lat, lon))
    out.append(House("Kaya Gob. N. Debrot", "12", *at(200.0, 320.0)))
    out.append(House("The Road", "1", 17.6311, -63.2391))
    return out


def house(street: str, number: str) -> House:
    return next(h for h in houses() if h.street == street and h.number == number)


def osm_xml() -> str:
    nodes: dict[int, tuple[float, float]] = {**GRANDI, 40: KORTU_END, **LARGU, **DEBROT,
                                             **SABA_ROAD}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="meldkamer-tests">']
    for nid, (lat, lon) in sorted(nodes.items()):
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    # Kaya Grandi 12 is a building way (four corners), every other house a node.
    next_id = 1000
    building: list[int] = []
    for h in houses():
        if (h.street, h.number) == ("Kaya Grandi", "12"):
            for de, dn in ((-5, -5), (5, -5), (5, 5), (-5, 5)):
                lat, lon = h.lat + dn / M_LAT, h.lon + de / M_LON
                lines.append(f'  <node id="{next_id}" version="1" lat="{lat:.7f}" '
                             f'lon="{lon:.7f}"/>')
                building.append(next_id)
                next_id += 1
            continue
        lines.append(f'  <node id="{next_id}" version="1" lat="{h.lat:.7f}" lon="{h.lon:.7f}">')
        lines.append(f'    <tag k="addr:street" v={quoteattr(h.street)}/>')
        lines.append(f'    <tag k="addr:housenumber" v="{h.number}"/>')
        lines.append("  </node>")
        next_id += 1
    lat, lon = HOSPITAL
    lines.append(f'  <node id="{next_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
    lines.append('    <tag k="amenity" v="hospital"/>')
    lines.append('    <tag k="name" v="Hospital San Francisco"/>')
    lines.append("  </node>")

    def way(wid: int, refs: list[int], tags: dict[str, str]) -> None:
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </way>")

    way(500, [1, 2, 3, 4, 5], {"highway": "residential", "name": "Kaya Grandi"})
    way(501, [5, 40], {"highway": "residential", "name": "Kaya Kortu"})
    way(502, [5, 41, 42, 40], {"highway": "primary", "name": "Kaya Largu"})
    way(503, [60, 61], {"highway": "residential", "name": "Kaya Gob. N. Debrot"})
    way(504, [1, 60], {"highway": "residential"})
    way(505, [*building, building[0]], {"building": "house", "addr:street": "Kaya Grandi",
                                        "addr:housenumber": "12"})
    way(506, [80, 81], {"highway": "secondary", "name": "The Road"})
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_town(path: Path) -> Path:
    path.write_text(osm_xml(), encoding="utf-8")
    return path


def write_pbf(xml_path: Path, pbf_path: Path) -> Path:
    """Convert the XML town to .osm.pbf with pyosmium's writer."""
    import osmium

    writer = osmium.SimpleWriter(str(pbf_path))
    try:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    finally:
        writer.close()
    return pbf_path
