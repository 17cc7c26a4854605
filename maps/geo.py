"""Small geodesy helpers and a grid (bucket) index for nearest-point look-ups."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Generic, TypeVar

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG_LAT = 111_195.0

T = TypeVar("T")


def fast_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in metres; within 0.1 % of the great circle over a few km.

    Every distance inside maps/ is between points of one island, so this is the only one
    needed here (the core's great-circle distance is meldkamer.domain.geo.distance_m).
    """
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(x, y)


def point_segment_m(lat: float, lon: float, lat1: float, lon1: float,
                    lat2: float, lon2: float) -> tuple[float, float, float]:
    """Distance from a point to a segment and the nearest point on it (metres, lat, lon)."""
    k = math.cos(math.radians(lat))
    ax, ay = (lon1 - lon) * k, lat1 - lat
    bx, by = (lon2 - lon) * k, lat2 - lat
    dx, dy = bx - ax, by - ay
    norm = dx * dx + dy * dy
    t = 0.0 if norm == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / norm))
    plat, plon = lat1 + t * (lat2 - lat1), lon1 + t * (lon2 - lon1)
    return fast_distance_m(lat, lon, plat, plon), plat, plon


class GridIndex(Generic[T]):
    """Items bucketed by a fixed lat/lon cell; finds the nearest item in widening rings."""

    def __init__(self, cell_deg: float = 0.002) -> None:
        self.cell = cell_deg
        self._cells: dict[tuple[int, int], list[tuple[float, float, T]]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.cell), math.floor(lon / self.cell)

    def add(self, lat: float, lon: float, item: T) -> None:
        self._cells.setdefault(self._key(lat, lon), []).append((lat, lon, item))
        self._count += 1

    def _ring(self, ci: int, cj: int, r: int) -> Iterator[tuple[float, float, T]]:
        if r == 0:
            yield from self._cells.get((ci, cj), ())
            return
        for i in range(ci - r, ci + r + 1):
            for j in (cj - r, cj + r):
                yield from self._cells.get((i, j), ())
        for j in range(cj - r + 1, cj + r):
            for i in (ci - r, ci + r):
                yield from self._cells.get((i, j), ())

    def nearest(self, lat: float, lon: float,
                max_m: float = 5_000.0) -> tuple[T, float] | None:
        """The nearest item within ``max_m`` metres and its distance, or None."""
        if not self._count:
            return None
        ci, cj = self._key(lat, lon)
        cell_m = self.cell * M_PER_DEG_LAT * max(0.2, math.cos(math.radians(lat)))
        best: tuple[T, float] | None = None
        max_r = int(max_m / cell_m) + 1
        for r in range(max_r + 1):
            for ilat, ilon, item in self._ring(ci, cj, r):
                d = fast_distance_m(lat, lon, ilat, ilon)
                if d <= max_m and (best is None or d < best[1]):
                    best = (item, d)
            # Everything in rings beyond r lies at least r cells away.
            if best is not None and best[1] <= r * cell_m:
                break
        return best

    def within(self, lat: float, lon: float, radius_m: float) -> list[tuple[T, float]]:
        """Every item within ``radius_m`` metres, nearest first."""
        ci, cj = self._key(lat, lon)
        cell_m = self.cell * M_PER_DEG_LAT * max(0.2, math.cos(math.radians(lat)))
        out: list[tuple[T, float]] = []
        for r in range(int(radius_m / cell_m) + 2):
            for ilat, ilon, item in self._ring(ci, cj, r):
                d = fast_distance_m(lat, lon, ilat, ilon)
                if d <= radius_m:
                    out.append((item, d))
        out.sort(key=lambda x: x[1])
        return out
