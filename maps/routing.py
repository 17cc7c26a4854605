"""Travel times over the imported road graph, with a labelled straight-line fallback.

The graph (every vertex of every drivable way, joined where ways share node ids) is
loaded once into adjacency lists; a query runs one Dijkstra from the incident over the
reversed graph, for one unit or for many. Without road data, or when a
point is far from any road or on another part of the network, the answer is the
straight-line distance times a detour factor at an average speed, with
``routed=False`` and ``method="estimate"``. Units are never sent across the sea: points
on different islands (or on Bonaire and Klein Bonaire, by road) give None. A boat reaches
any point in its own island's waters (12 nautical miles), such as a vessel off the coast.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from maps.geo import GridIndex, fast_distance_m
from maps.graph import ChainGraph
from maps.islands import island_near, landmass_near, waters_of

K = TypeVar("K")
INF = math.inf
SNAP_MAX_M = 1_000.0

BASE_KMH: dict[str, float] = {
    "motorway": 80, "trunk": 70, "primary": 60, "secondary": 50, "tertiary": 45,
    "unclassified": 40, "road": 30, "residential": 30, "living_street": 15, "service": 20,
    "track": 15, "motorway_link": 50, "trunk_link": 45, "primary_link": 40,
    "secondary_link": 35, "tertiary_link": 30,
}


@dataclass(frozen=True)
class Profile:
    """How a kind of unit moves: speed factor on roads, or only straight-line estimates."""

    name: str
    road_factor: float  # times BASE_KMH; 0 = does not use roads
    estimate_kmh: float  # average speed for the straight-line estimate
    detour: float = 1.4
    offroad_kmh: float = 15.0  # from a point to the nearest road node
    max_kmh: float = 130.0
    at_sea: bool = False  # a boat: anywhere in its island's waters, never to another island

    def kmh(self, cls: str) -> float:
        return min(self.max_kmh, BASE_KMH.get(cls, 30.0) * self.road_factor)


PROFILES: dict[str, Profile] = {
    "car": Profile("car", 1.0, 40.0),
    "motorcycle": Profile("motorcycle", 1.1, 45.0),
    "ambulance": Profile("ambulance", 1.2, 45.0),
    "fire_engine": Profile("fire_engine", 0.9, 35.0),
    "boat": Profile("boat", 0.0, 35.0, detour=1.2, at_sea=True),
    "none": Profile("none", 0.0, 5.0, detour=1.3),
}


@dataclass(frozen=True)
class Route:
    """A travel time; ``routed`` False means a straight-line estimate."""

    seconds: float
    metres: float
    routed: bool
    method: str  # "route" or "estimate"


class Router:
    """Road graph loaded once; answers travel-time queries by profile."""

    def __init__(self, nodes: Sequence[tuple[float, float]],
                 edges: Iterable[tuple[int, int, float, str, int]]) -> None:
        """Args:
            nodes: (lat, lon) per node index.
            edges: (from index, to index, metres, road class, oneway 1/0).
        """
        self.lat = [p[0] for p in nodes]
        self.lon = [p[1] for p in nodes]
        self._classes: list[str] = []
        class_id: dict[str, int] = {}

        def coded() -> Iterable[tuple[int, int, float, int, int]]:
            for u, v, metres, cls, oneway in edges:
                c = class_id.setdefault(cls, len(class_id))
                if c == len(self._classes):
                    self._classes.append(cls)
                yield u, v, metres, c, oneway

        self.graph = ChainGraph(len(nodes), coded())
        self._adj: dict[tuple[str, bool], list[list[tuple[int, float, float]]]] = {}
        self._component = self._components()
        self._grid: GridIndex[int] = GridIndex(0.002)
        for i, used in enumerate(self.graph.used):
            if used:
                self._grid.add(self.lat[i], self.lon[i], i)

    @classmethod
    def from_db(cls, db_path: str | Path | None) -> Router:
        """The road graph of an imported geodata database; an empty router without one."""
        from maps import geodata

        if not geodata.has_osm(db_path):
            return cls([], [])
        assert db_path is not None
        with geodata.connect(db_path) as conn:
            rows = conn.execute("SELECT id, lat, lon FROM nodes").fetchall()
            index = {osm_id: i for i, (osm_id, _, _) in enumerate(rows)}
            edges = [(index[s], index[d], m, c, o) for s, d, m, c, o in conn.execute(
                "SELECT src, dst, metres, class, oneway FROM edges")]
        return cls([(lat, lon) for _, lat, lon in rows], edges)

    def __len__(self) -> int:
        return len(self.lat)

    @property
    def junctions(self) -> int:
        return sum(1 for j, u in zip(self.graph.junction, self.graph.used, strict=True)
                   if j and u)

    # -- graph preparation ----------------------------------------------------------------

    def _components(self) -> list[int]:
        """Component label per node (undirected), via the chains."""
        graph = self.graph
        parent = list(range(len(self.lat)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for chain in graph.chains:
            root = find(chain.nodes[0])
            for node in chain.nodes[1:]:
                other = find(node)
                if other != root:
                    parent[other] = root
        return [find(i) for i in range(len(parent))]

    def _speeds(self, p: Profile) -> list[float]:
        return [p.kmh(c) / 3.6 for c in self._classes]

    def _adjacency(self, p: Profile, reverse: bool) -> list[list[tuple[int, float, float]]]:
        key = (p.name, reverse)
        adj = self._adj.get(key)
        if adj is None:
            adj = self._adj[key] = self.graph.adjacency(p.name, self._speeds(p), reverse)
        return adj

    def snap(self, lat: float, lon: float) -> tuple[int, float] | None:
        """The nearest graph node within SNAP_MAX_M and its distance."""
        return self._grid.nearest(lat, lon, SNAP_MAX_M)

    # -- queries --------------------------------------------------------------------------

    @staticmethod
    def profile(name: str) -> Profile:
        try:
            return PROFILES[name]
        except KeyError:
            raise ValueError(f"unknown travel profile {name!r}; "
                             f"use one of {', '.join(PROFILES)}") from None

    @staticmethod
    def same_land(p: Profile, from_lat: float, from_lon: float, to_lat: float,
                  to_lon: float) -> bool:
        """Whether this profile may travel between the points at all (never overseas)."""
        if p.at_sea:
            here = waters_of(from_lat, from_lon)
            return here is not None and here == waters_of(to_lat, to_lon)
        a, b = island_near(from_lat, from_lon), island_near(to_lat, to_lon)
        if a is None or b is None or a != b:
            return False
        if p.road_factor == 0:
            return True
        return landmass_near(from_lat, from_lon) == landmass_near(to_lat, to_lon)

    @staticmethod
    def estimate(p: Profile, from_lat: float, from_lon: float, to_lat: float,
                 to_lon: float) -> Route:
        metres = fast_distance_m(from_lat, from_lon, to_lat, to_lon) * p.detour
        return Route(round(metres / (p.estimate_kmh / 3.6), 1), round(metres, 1), False,
                     "estimate")

    def _snapped(self, p: Profile, lat: float, lon: float,
                 other: tuple[int, float] | None) -> tuple[int, float] | None:
        """Snap a point, or None when routing cannot serve it (then: estimate)."""
        if not p.road_factor or other is None:
            return None
        here = self.snap(lat, lon)
        if here is None or self._component[here[0]] != self._component[other[0]]:
            return None
        return here

    def rank(self, to_lat: float, to_lon: float,
             units: Iterable[tuple[K, float, float, str]]) -> list[tuple[K, Route | None]]:
        """Travel times of many units to one point, fastest first (None last).

        Args:
            units: (key, lat, lon, profile name) per unit.

        One Dijkstra per profile from the destination over the reversed graph, stopped
        once every unit's nearest junctions are settled.
        """
        out: list[tuple[K, Route | None]] = []
        pending: dict[str, list[tuple[K, float, float, int, float]]] = {}
        end = self.snap(to_lat, to_lon)
        for key, lat, lon, name in units:
            p = self.profile(name)
            if not self.same_land(p, lat, lon, to_lat, to_lon):
                out.append((key, None))
                continue
            start = self._snapped(p, lat, lon, end)
            if start is None:
                out.append((key, self.estimate(p, lat, lon, to_lat, to_lon)))
            else:
                pending.setdefault(name, []).append((key, lat, lon, *start))
        for name, group in pending.items():
            assert end is not None
            p = PROFILES[name]
            speed = self._speeds(p)
            exits = {node: self.graph.exits(node, name, speed, towards=False)
                     for _, _, _, node, _ in group}
            dist = self._settle(p, end[0], {j for ex in exits.values() for j, _, _ in ex})
            for key, lat, lon, node, snap_m in group:
                options = [(s + dist[j][0], m + dist[j][1]) for j, s, m in exits[node]
                           if j in dist]
                direct = self.graph.along(node, end[0], name, speed)
                if direct is not None:
                    options.append(direct)
                if not options:
                    out.append((key, self.estimate(p, lat, lon, to_lat, to_lon)))
                    continue
                seconds, metres = min(options)
                offroad = snap_m + end[1]
                out.append((key, Route(round(seconds + offroad / (p.offroad_kmh / 3.6), 1),
                                       round(metres + offroad, 1), True, "route")))
        out.sort(key=lambda kr: (kr[1] is None, kr[1].seconds if kr[1] else 0.0))
        return out

    def _settle(self, p: Profile, target: int,
                needed: set[int]) -> dict[int, tuple[float, float]]:
        """Cost from junctions to ``target`` until every needed junction is settled."""
        adj = self._adjacency(p, reverse=True)
        n = len(adj)
        best = [INF] * n
        metres = [0.0] * n
        done = bytearray(n)
        heap: list[tuple[float, int]] = []
        for j, s, m in self.graph.exits(target, p.name, self._speeds(p), towards=True):
            if s < best[j]:
                best[j], metres[j] = s, m
                heap.append((s, j))
        heapq.heapify(heap)
        heappop, heappush = heapq.heappop, heapq.heappush
        remaining = len(needed)
        while heap and remaining:
            g, u = heappop(heap)
            if done[u]:
                continue
            done[u] = 1
            if u in needed:
                remaining -= 1
            mu = metres[u]
            for v, w, m in adj[u]:
                ng = g + w
                if ng < best[v]:
                    best[v] = ng
                    metres[v] = mu + m
                    heappush(heap, (ng, v))
        return {j: (best[j], metres[j]) for j in needed if done[j]}
