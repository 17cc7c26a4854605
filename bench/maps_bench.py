"""Map benchmarks: page load, marker updates, geocoding, routing, unit proposals.

Run alone with ``QT_QPA_PLATFORM=offscreen python -m bench.maps_bench``. All data is
synthetic and made here: 20,000 addresses on 800 streets, a road network of about
20,000 nodes on Bonaire.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.stats import Row, median, p95, table, timed

M_LAT = 111_195.0
FIRST = ["Grandi", "Kortu", "Largu", "Nobo", "Bieu", "Preciosa", "Flamboyan", "Palu",
         "Kabritu", "Sentro", "Porto", "Lora", "Kunuku", "Chikitu", "Dushi", "Bunita",
         "Ariba", "Abou", "Playa", "Seru", "Lagun", "Rincon", "Sorobon", "Kaktus",
         "Watapana", "Mangel", "Indjan", "Santu", "Gobernador", "Kolibri"]
SECOND = ["", "Norte", "Zuid", "Pabou", "Riba", "Mei", "I", "II", "Nobo", "di Laman",
          "di Playa", "Kòrsou", "Bonaire", "Sabana", "Tera", "Kora", "Hato", "Belnem",
          "Antriol", "Nikiboko", "Amboina", "Lima", "Bari", "Kaya", "Sero", "Mar", "Wind"]


# -- synthetic data ---------------------------------------------------------------------

def synthetic_addresses(n_streets: int = 800, per_street: int = 25, seed: int = 1
                        ) -> tuple[list[tuple[str, str | None, list[tuple[float, float]]]],
                                   list[tuple[str, str, float, float, str | None]]]:
    """Streets (name, island, geometry) and addresses (street, number, lat, lon, island)."""
    rnd = random.Random(seed)
    names = sorted({f"Kaya {a} {b}".strip() for a in FIRST for b in SECOND})
    rnd.shuffle(names)
    streets: list[tuple[str, str | None, list[tuple[float, float]]]] = []
    addresses: list[tuple[str, str, float, float, str | None]] = []
    m_lon = M_LAT * math.cos(math.radians(12.15))
    for name in names[:n_streets]:
        lat0, lon0 = rnd.uniform(12.10, 12.25), rnd.uniform(-68.33, -68.22)
        bearing = rnd.uniform(0, math.pi)
        dlat, dlon = math.cos(bearing) * 20 / M_LAT, math.sin(bearing) * 20 / m_lon
        geometry = [(lat0 + i * dlat, lon0 + i * dlon) for i in range(per_street + 1)]
        streets.append((name, "BO", geometry))
        for i in range(per_street):
            lat, lon = geometry[i]
            addresses.append((name, str(i + 1), lat + dlon * 0.5, lon - dlat * 0.5, "BO"))
    return streets, addresses


def _typo(text: str, rnd: random.Random) -> str:
    i = rnd.randrange(5, len(text))  # never in "Kaya "
    return text[:i] + rnd.choice("aeiouy") + text[i + 1:]


def synthetic_roads(junctions: int = 51, shape: tuple[int, int] = (2, 5), spacing: float = 110,
                    seed: int = 1) -> tuple[list[tuple[float, float]],
                                            list[tuple[int, int, float, str, int]]]:
    """A jittered street grid on Bonaire with shape nodes between junctions."""
    rnd = random.Random(seed)
    m_lon = M_LAT * math.cos(math.radians(12.15))
    lat0, lon0 = 12.12, -68.285
    nodes: list[tuple[float, float]] = []
    grid: dict[tuple[int, int], int] = {}
    for i in range(junctions):
        for j in range(junctions):
            grid[i, j] = len(nodes)
            nodes.append((lat0 + (i * spacing + rnd.uniform(-15, 15)) / M_LAT,
                          lon0 + (j * spacing + rnd.uniform(-15, 15)) / m_lon))
    edges: list[tuple[int, int, float, str, int]] = []
    for (i, j), a in grid.items():
        for di, dj in ((0, 1), (1, 0)):
            b = grid.get((i + di, j + dj))
            if b is None:
                continue
            main = (i % 10 == 0 and di == 0) or (j % 10 == 0 and dj == 0)
            cls = "primary" if main else rnd.choice(["residential"] * 5 + ["tertiary"])
            oneway = int(not main and rnd.random() < 0.05)
            chain = [a]
            for k in range(1, (rnd.randint(*shape) if shape[1] else 0) + 1):
                t = k / (shape[1] + 1)
                la = nodes[a][0] + t * (nodes[b][0] - nodes[a][0]) + rnd.uniform(-8, 8) / M_LAT
                lo = nodes[a][1] + t * (nodes[b][1] - nodes[a][1]) + rnd.uniform(-8, 8) / m_lon
                chain.append(len(nodes))
                nodes.append((la, lo))
            chain.append(b)
            for u, v in pairwise(chain):
                dist = math.hypot((nodes[u][0] - nodes[v][0]) * M_LAT,
                                  (nodes[u][1] - nodes[v][1]) * m_lon)
                edges.append((u, v, dist, cls, oneway))
    return nodes, edges


# -- benchmarks -------------------------------------------------------------------------

def bench_geocode() -> list[Row]:
    from maps.geocode import Gazetteer

    streets, addresses = synthetic_addresses()
    t0 = time.perf_counter()
    gazetteer = Gazetteer((), streets, addresses)
    build_ms = (time.perf_counter() - t0) * 1000
    rnd = random.Random(2)
    queries = []
    for street, number, _, _, _ in rnd.sample(addresses, 300):
        form = rnd.randrange(4)
        text = (f"{street} {number}", f"{number} {street}", f"{_typo(street, rnd)} {number}",
                f"{street.lower()} {number}, Bonaire")[form]
        queries.append((text, street, number))
    hits = 0

    def one(q: tuple[str, str, str]) -> None:
        nonlocal hits
        best = gazetteer.search(q[0])
        hits += bool(best) and (best[0].street, best[0].housenumber) == (q[1], q[2])

    it = iter(queries * 2)
    samples = timed(lambda: one(next(it)), len(queries))
    note = f"{len(addresses)} addresses, top-1 correct {100 * hits / len(queries):.0f} %"
    return [Row("maps: geocode index build", "once", build_ms, None, note),
            Row("maps: geocode query", "p95", p95(samples), 20, note),
            Row("maps: geocode query", "median", median(samples), None)]


def _route_rows(label: str, nodes: list[tuple[float, float]],
                edges: list[tuple[int, int, float, str, int]], budget: bool) -> list[Row]:
    from maps.routing import Router

    t0 = time.perf_counter()
    router = Router(nodes, edges)
    build_ms = (time.perf_counter() - t0) * 1000
    rnd = random.Random(3)
    points = [nodes[rnd.randrange(len(nodes))] for _ in range(2000)]
    router.rank(*points[1], [(0, *points[0], "car")])  # builds the weighted adjacency once
    pairs = iter(zip(points[::2], points[1::2], strict=True))

    def route() -> None:
        a, b = next(pairs)
        router.rank(*b, [(0, *a, "car")])  # one unit's travel time

    routes = timed(route, 400)
    units = [(f"U{k}", *points[k], rnd.choice(["car", "car", "ambulance", "motorcycle"]))
             for k in range(100)]
    for name in ("car", "ambulance", "motorcycle"):
        router.rank(*points[0], [(0, *points[1], name)])
    targets = iter(points[100:])
    ranks = timed(lambda: router.rank(*next(targets), units), 100)
    note = (f"{len(router)} nodes, {router.junctions} junctions"
            + ("" if budget else "; worst case, not a budget"))
    return [Row(f"maps: {label} build", "once", build_ms, None, note),
            Row(f"maps: {label} route query", "p95", p95(routes), 10 if budget else None, note),
            Row(f"maps: {label} route query", "median", median(routes), None),
            Row(f"maps: {label} proposal, 100 units", "p95", p95(ranks),
                50 if budget else None, note),
            Row(f"maps: {label} proposal, 100 units", "median", median(ranks), None)]


def bench_routing() -> list[Row]:
    rows = _route_rows("road graph", *synthetic_roads(), budget=True)
    # Every node a junction (141 x 141): nothing to fold, the slowest shape of network.
    rows += _route_rows("junction grid", *synthetic_roads(141, (0, 0), 35.0), budget=False)
    return rows


def _wait(signal: Any, ready: Callable[[], bool], timeout_ms: int = 20_000) -> None:
    """Run the Qt event loop until ``ready()``, woken by ``signal``."""
    from ui.map.webengine import QEventLoop
    from ui.qt import QTimer

    deadline = time.perf_counter() + timeout_ms / 1000
    loop = QEventLoop()

    def wake(*_: object) -> None:
        if ready():
            loop.quit()

    signal.connect(wake)
    timer = QTimer()
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    try:
        while not ready():
            if time.perf_counter() > deadline:
                raise TimeoutError("the map page did not answer in time")
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(wake)


def bench_page() -> list[Row]:
    import ui.map  # registers the tile scheme, before any QApplication
    from ui.map.webengine import QEvent
    from ui.qt import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    places = [{"name": f"Plaats {i}", "kind": "town", "lat": 12.1 + i * 0.002,
               "lon": -68.3 + i * 0.002, "island": "BO"} for i in range(60)]
    loads = []
    docks = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(6):
            t0 = time.perf_counter()
            dock = ui.map.MapDock(None, places, [], cache_dir=Path(tmp) / f"c{i}")
            dock.resize(1000, 700)
            dock.show()
            _wait(dock.ready, lambda d=dock: bool(d.is_ready))  # type: ignore[misc]
            loads.append((time.perf_counter() - t0) * 1000)
            docks.append(dock)
        warm = loads[1:]
        dock = docks[-1]
        rnd = random.Random(4)
        base: list[dict[str, Any]] = [
            {"callsign": f"U-{i:03d}", "lat": rnd.uniform(12.05, 12.30),
             "lon": rnd.uniform(-68.40, -68.20), "status": "available_mobile"}
            for i in range(200)]
        done: list[int] = []
        dock.applied.connect(done.append)
        dock.set_units(base)
        updates = []
        for _ in range(60):
            moved = [{**u, "lat": u["lat"] + rnd.uniform(-1e-3, 1e-3),
                      "status": rnd.choice(["available_mobile", "en_route", "on_scene"])}
                     for u in base]
            t0 = time.perf_counter()
            seq = dock.set_units(moved)
            _wait(dock.applied, lambda s=seq: s in done)  # type: ignore[misc]
            updates.append((time.perf_counter() - t0) * 1000)
        dock.applied.disconnect(done.append)
        for d in docks:
            d.close()
            d.deleteLater()
        # Pages go before the profile, or Qt crashes on the way out.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del dock, docks
    note = "dock built, page rendered and loaded, channel connected"
    return [Row("maps: page load to ready", "median", median(warm), 500, note),
            Row("maps: page load to ready", "first", loads[0], None, "cold engine"),
            Row("maps: 200 unit markers applied", "p95", p95(updates), 16,
                "set_units -> page applied (round trip)"),
            Row("maps: 200 unit markers applied", "median", median(updates), None)]


def run() -> list[Row]:
    """Every map benchmark, as table rows."""
    return [*bench_page(), *bench_geocode(), *bench_routing()]


if __name__ == "__main__":
    print(table(run()))
