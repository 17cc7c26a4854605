"""Travel times: the road graph, the straight-line fallback, never across the sea."""

from __future__ import annotations

import heapq
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.geo import fast_distance_m
from maps.routing import PROFILES, Route, Router
from tests.maps.town import GRANDI, KORTU_END, LARGU, house

SABA = (17.6300, -63.2400)
KLEIN_BONAIRE = (12.16, -68.31)


@pytest.fixture
def router(town_db: Path) -> Router:
    return Router.from_db(town_db)


def travel(router: Router, from_lat: float, from_lon: float, to_lat: float, to_lon: float,
           profile: str = "car") -> Route | None:
    """One unit's travel time, as a proposal computes it."""
    return router.rank(to_lat, to_lon, [(0, from_lat, from_lon, profile)])[0][1]


def test_takes_the_shorter_road(router: Router) -> None:
    route = travel(router, *GRANDI[5], *KORTU_END)
    assert route is not None and route.routed and route.method == "route"
    assert route.metres == pytest.approx(600, abs=1)  # Kaya Kortu, not Kaya Largu (1.6 km)
    assert route.seconds == pytest.approx(600 / (30 / 3.6), abs=0.2)


def test_from_a_house_to_the_far_end(router: Router) -> None:
    h = house("Kaya Grandi", "12")
    route = travel(router, h.lat, h.lon, *KORTU_END, "ambulance")
    assert route is not None and route.routed
    # From the nearest road node (node 3, 49 m away) along Kaya Grandi to node 5 (300 m),
    # then Kaya Kortu (600 m).
    assert route.metres == pytest.approx(49 + 300 + 600, abs=2)
    car = travel(router, h.lat, h.lon, *KORTU_END, "car")
    assert car is not None and car.seconds > route.seconds


def test_points_on_two_islands_give_none(router: Router) -> None:
    assert travel(router, *GRANDI[1], *SABA) is None
    assert travel(router, *GRANDI[1], *SABA, "boat") is None
    assert travel(router, *GRANDI[1], *KLEIN_BONAIRE) is None  # no road over the sea
    boat = travel(router, *GRANDI[1], *KLEIN_BONAIRE, "boat")
    assert boat is not None and not boat.routed


def test_a_boat_reaches_a_vessel_off_its_own_island_only(router: Router) -> None:
    off_bonaire = (12.30, -68.50)  # the sinking vessel of issue 9, 9 km off the coast
    boat = travel(router, *GRANDI[1], *off_bonaire, "boat")
    assert boat is not None and not boat.routed and boat.method == "estimate"
    metres = fast_distance_m(*GRANDI[1], *off_bonaire) * PROFILES["boat"].detour
    assert boat.seconds == pytest.approx(metres / (35 / 3.6), abs=1)
    assert travel(router, *GRANDI[1], *off_bonaire, "ambulance") is None  # no road at sea
    assert travel(router, *GRANDI[1], 12.60, -68.90, "boat") is None  # the open sea
    between = (17.58, -63.17)  # between Saba and Statia, nearer to Saba
    assert travel(router, *SABA, *between, "boat") is not None
    assert travel(router, 17.4830, -62.9864, *between, "boat") is None  # from Statia


def test_without_road_data_it_is_a_labelled_estimate(tmp_path: Path) -> None:
    router = Router.from_db(tmp_path / "nothing")
    route = travel(router, *GRANDI[1], *KORTU_END)
    assert route is not None and not route.routed and route.method == "estimate"
    straight = fast_distance_m(*GRANDI[1], *KORTU_END)
    assert route.metres == pytest.approx(straight * PROFILES["car"].detour, rel=1e-3)
    assert route.seconds == pytest.approx(route.metres / (40 / 3.6), rel=1e-3)


def test_far_from_any_road_is_an_estimate(router: Router) -> None:
    route = travel(router, 12.25, -68.36, *KORTU_END)  # Washington Slagbaai, no roads
    assert route is not None and route.method == "estimate"


def test_unknown_profile_is_refused(router: Router) -> None:
    with pytest.raises(ValueError, match="profile"):
        travel(router, *GRANDI[1], *KORTU_END, "helicopter")


def test_rank_orders_units_by_travel_time(router: Router) -> None:
    units = [("P-101", *GRANDI[1], "car"), ("A-101", *GRANDI[5], "ambulance"),
             ("P-301", *SABA, "car"), ("K-101", *GRANDI[3], "boat"),
             ("P-102", *LARGU[41], "car")]
    ranked = router.rank(*KORTU_END, units)
    order = [key for key, _ in ranked]
    assert order[0] == "A-101" and order[-1] == "P-301"
    routes = dict(ranked)
    assert routes["P-301"] is None
    assert routes["K-101"] is not None and not routes["K-101"].routed
    for key, lat, lon, profile in units:
        single = travel(router, lat, lon, *KORTU_END, profile)
        assert routes[key] == single, key


def test_oneway_is_respected() -> None:
    a, b, c = (12.150, -68.262), (12.150, -68.258), (12.154, -68.260)
    router = Router([a, b, c], [(0, 1, 435.0, "residential", 1),
                                (1, 2, 500.0, "residential", 0),
                                (2, 0, 500.0, "residential", 0)])
    forward = travel(router, *a, *b)
    back = travel(router, *b, *a)
    assert forward is not None and back is not None
    assert forward.metres == pytest.approx(435)
    assert back.metres == pytest.approx(1000)


# -- property test: the chain-folded search equals plain Dijkstra on the raw graph --------

def _reference(n: int, edges: list[tuple[int, int, float, str, int]], profile: str,
               source: int) -> list[float]:
    p = PROFILES[profile]
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for u, v, m, cls, oneway in edges:
        adj[u].append((v, m / (p.kmh(cls) / 3.6)))
        if not oneway:
            adj[v].append((u, m / (p.kmh(cls) / 3.6)))
    dist = [math.inf] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u]:
            if d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return dist


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[tuple[float, float]],
                                     list[tuple[int, int, float, str, int]]]:
    n = draw(st.integers(2, 14))
    cells = draw(st.lists(st.integers(0, 99), min_size=n, max_size=n, unique=True))
    nodes = [(12.140 + (c // 10) * 0.002, -68.268 + (c % 10) * 0.002) for c in cells]
    edges = []
    for _ in range(draw(st.integers(1, 2 * n))):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u == v:
            continue
        straight = fast_distance_m(*nodes[u], *nodes[v])
        edges.append((u, v, straight * draw(st.floats(1.0, 2.0)),
                      draw(st.sampled_from(["primary", "residential", "track"])),
                      int(draw(st.booleans()) and draw(st.booleans()))))
    return nodes, edges


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_routes_equal_plain_dijkstra(graph: tuple[list[tuple[float, float]],
                                                  list[tuple[int, int, float, str, int]]],
                                     data: st.DataObject) -> None:
    nodes, edges = graph
    router = Router(nodes, edges)
    profile = data.draw(st.sampled_from(["car", "ambulance"]))
    target = data.draw(st.integers(0, len(nodes) - 1))
    used = {u for e in edges for u in e[:2]}
    for source in range(len(nodes)):
        if source not in used or target not in used:
            continue
        expected = _reference(len(nodes), edges, profile, source)[target]
        got = travel(router, *nodes[source], *nodes[target], profile)
        assert got is not None
        if math.isinf(expected):
            assert not got.routed
        else:
            assert got.routed, (source, target)
            assert got.seconds == pytest.approx(expected, abs=0.06), (source, target)
    units = [(i, *nodes[i], profile) for i in range(len(nodes)) if i in used]
    if target in used:
        for key, route in router.rank(*nodes[target], units):
            assert route == travel(router, *nodes[key], *nodes[target], profile), key
