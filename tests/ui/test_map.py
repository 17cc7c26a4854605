"""The map dock in a real QtWebEngine: offline, live markers, clicks, islands, local tiles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from maps import geodata, islands
from maps.geo import fast_distance_m
from tests.maps.helpers import make_mbtiles, tiles_covering
from tests.maps.town import write_town
from ui.map import MapBridge, MapDock
from ui.map.guard import LOCAL_SCHEMES
from ui.map.webengine import (
    QEvent,
    QPoint,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from ui.qt import QApplication, Qt

PLACES = [{"name": "Kralendijk", "kind": "town", "island": "BO", "lat": 12.15, "lon": -68.26667},
          {"name": "The Bottom", "kind": "town", "island": "SA", "lat": 17.62652,
           "lon": -63.24971}]
STATIONS = [{"code": "BO-POL-PLAYA", "name": "Politiebureau Playa", "discipline": "police",
             "island": "BO", "lat": 12.152, "lon": -68.2755}]
UNITS = [{"callsign": "P-101", "lat": 12.152, "lon": -68.2755, "status": "available_mobile"},
         {"callsign": "A-101", "lat": 12.140, "lon": -68.260, "status": "en_route"},
         {"callsign": "B-101", "lat": 12.170, "lon": -68.280, "status": "on_scene"},
         {"callsign": "K-101", "lat": None, "lon": None, "status": "available_station"}]
INCIDENT = {"number": "BON-2026-000042", "lat": 12.16, "lon": -68.27, "priority": 1,
            "title": "Inbraak woning"}
TIMEOUT = 20_000
# P-101's label, alone or in a stack of grouped units.
LABEL = ("(e => [e.textContent, getComputedStyle(e).backgroundColor])"
         "([...document.querySelectorAll('.mk-unit')].find(e => e.textContent === 'P-101'))")


class Recorder(QWebEngineUrlRequestInterceptor):
    """Records every URL the engine requests (and lets the page's own guard decide)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        self.urls.append(info.requestUrl().toString())


def open_dock(qtbot: QtBot, tmp_path: Path, geodata_path: Path | None = None,
              before_ready: Callable[[MapDock], None] | None = None) -> MapDock:
    dock = MapDock(None, PLACES, STATIONS, geodata_path=geodata_path,
                   cache_dir=tmp_path / "cache")
    dock.resize(800, 600)
    if before_ready is not None:
        before_ready(dock)
    with qtbot.waitSignal(dock.ready, timeout=TIMEOUT):
        dock.show()
    return dock


def close_dock(dock: MapDock) -> None:
    """Delete the dock (and its page) now: the profile must outlive every page."""
    dock.close()
    dock.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def dock(qtbot: QtBot, tmp_path: Path) -> Iterator[MapDock]:
    d = open_dock(qtbot, tmp_path)
    yield d
    close_dock(d)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    profile = QWebEngineProfile.defaultProfile()
    profile.setUrlRequestInterceptor(rec)
    yield rec
    profile.setUrlRequestInterceptor(None)


def js(qtbot: QtBot, dock: MapDock, expression: str) -> Any:
    """Evaluate an expression in the page and return its JSON value."""
    box: list[str] = []
    dock.web_page.runJavaScript(f"JSON.stringify({expression})", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=TIMEOUT)
    return json.loads(box[0])


def applied(qtbot: QtBot, dock: MapDock, send: Callable[[], int]) -> None:
    """Send an update and wait until the page says it has applied it."""
    done: list[int] = []
    dock.applied.connect(done.append)
    try:
        seq = send()
        assert seq > 0
        qtbot.waitUntil(lambda: seq in done, timeout=TIMEOUT)
    finally:
        dock.applied.disconnect(done.append)


def test_page_loads_offline_with_remote_access_allowed(qtbot: QtBot, dock: MapDock,
                                                      recorder: Recorder) -> None:
    # With this switched off Chromium would not even try a remote URL, and the test
    # could not fail; switched on, any remote reference in the page would show up.
    dock.web_page.settings().setAttribute(
        QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
    applied(qtbot, dock, lambda: dock.set_units(UNITS))
    with qtbot.waitSignal(dock.ready, timeout=TIMEOUT):
        dock.view.reload()
    assert js(qtbot, dock, "typeof L") == "object"
    assert js(qtbot, dock, "meldkamerMap.count('units')") == 3  # replayed after the reload
    assert recorder.urls, "the interceptor saw nothing: it is not installed"
    assert any(u.endswith("/leaflet.js") for u in recorder.urls)
    schemes = {u.split(":", 1)[0] for u in recorder.urls}
    assert schemes <= LOCAL_SCHEMES, recorder.urls
    assert dock.guard.blocked_urls == []

    # The same set-up does catch a remote reference (loopback: nothing leaves the machine).
    dock.web_page.runJavaScript(
        "var i = new Image(); i.src = 'http://127.0.0.1:9/probe.png';")
    qtbot.waitUntil(lambda: bool(dock.guard.blocked_urls), timeout=TIMEOUT)
    assert "http://127.0.0.1:9/probe.png" in recorder.urls
    assert dock.guard.blocked_urls == ["http://127.0.0.1:9/probe.png"]


def test_markers_follow_updates(qtbot: QtBot, dock: MapDock) -> None:
    applied(qtbot, dock, lambda: dock.set_units(UNITS))
    applied(qtbot, dock, lambda: dock.upsert_incident(INCIDENT))
    assert js(qtbot, dock, "[meldkamerMap.count('units'), meldkamerMap.count('incidents')]") \
        == [3, 1]
    # Label by callsign, colour by status.
    assert js(qtbot, dock, LABEL) == ["P-101", "rgb(67, 160, 71)"]  # #43a047, available
    moved = {**UNITS[0], "lat": 12.155, "status": "dispatched"}
    applied(qtbot, dock, lambda: dock.set_units([moved, UNITS[1]]))
    assert js(qtbot, dock, "meldkamerMap.count('units')") == 2
    assert js(qtbot, dock, LABEL) == ["P-101", "rgb(249, 168, 37)"]  # #f9a825, dispatched
    assert js(qtbot, dock, "meldkamerMap.position('units', 'P-101')") == [12.155, -68.2755]
    applied(qtbot, dock, lambda: dock.upsert_incident({**INCIDENT, "lat": 12.161}))
    assert js(qtbot, dock, f"meldkamerMap.position('incidents', '{INCIDENT['number']}')") \
        == [12.161, -68.27]
    applied(qtbot, dock, lambda: dock.remove_incident(INCIDENT["number"]))
    assert js(qtbot, dock, "meldkamerMap.count('incidents')") == 0


def test_click_on_the_map_gives_a_location(qtbot: QtBot, dock: MapDock) -> None:
    target = (12.1523, -68.2711)
    applied(qtbot, dock, lambda: dock.centre_on(12.1520, -68.2700, 16))
    point = js(qtbot, dock, f"meldkamerMap.map().latLngToContainerPoint([{target[0]}, "
                            f"{target[1]}])")
    surface = dock.view.focusProxy()
    assert surface is not None
    with qtbot.waitSignal(dock.clicked, timeout=TIMEOUT) as click:
        QTest.mouseClick(surface, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(round(point["x"]), round(point["y"])))
    lat, lon = click.args
    assert fast_distance_m(lat, lon, *target) < 10  # a pixel is about 2.3 m at zoom 16


def test_island_buttons_and_layer_switches(qtbot: QtBot, dock: MapDock) -> None:
    with qtbot.waitSignal(dock.applied, timeout=TIMEOUT):
        qtbot.mouseClick(dock.island_buttons["SA"], Qt.MouseButton.LeftButton)
    lat, lon = js(qtbot, dock, "[meldkamerMap.map().getCenter().lat, "
                               "meldkamerMap.map().getCenter().lng]")
    south, west, north, east = islands.bbox("SA")
    assert south < lat < north and west < lon < east
    assert dock.island == "SA" and dock.island_buttons["SA"].isChecked()

    assert js(qtbot, dock, "meldkamerMap.isLayerVisible('units')") is True
    with qtbot.waitSignal(dock.applied, timeout=TIMEOUT):
        dock.toggles["units"].trigger()  # the Layers menu's entry
    assert js(qtbot, dock, "meldkamerMap.isLayerVisible('units')") is False
    applied(qtbot, dock, lambda: dock.set_layer_visible("places", False))
    assert not dock.toggles["places"].isChecked()
    assert js(qtbot, dock, "meldkamerMap.isLayerVisible('places')") is False
    assert not dock.toggles["tiles"].isEnabled() and not dock.toggles["roads"].isEnabled()


def test_imported_roads_and_local_tiles(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "geodata"
    geodata.import_osm(write_town(tmp_path / "town.osm"), folder)
    south, west, north, east = islands.bbox("BO")
    geodata.import_mbtiles(make_mbtiles(tmp_path / "bo.mbtiles", tiles_covering(
        south, west, north, east, range(8, 13))), folder)
    dock = open_dock(qtbot, tmp_path, folder,
                     before_ready=lambda d: (d.set_units(UNITS), d.upsert_incident(INCIDENT)))
    assert dock.toggles["tiles"].isEnabled() and dock.toggles["roads"].isEnabled()
    qtbot.waitUntil(lambda: dock.tiles.served > 0, timeout=TIMEOUT)
    assert js(qtbot, dock, "meldkamerMap.count('roads')") == 1
    # Updates made before the page was ready were delivered once it was.
    assert js(qtbot, dock, "[meldkamerMap.count('units'), meldkamerMap.count('incidents')]") \
        == [3, 1]
    loaded = js(qtbot, dock, "document.querySelectorAll('img.leaflet-tile-loaded').length")
    assert loaded > 0
    assert dock.guard.blocked_urls == []
    close_dock(dock)


def test_page_stays_on_the_map_and_reports_bad_updates(qtbot: QtBot, dock: MapDock) -> None:
    with qtbot.waitSignal(dock.web_page.navigation_refused, timeout=TIMEOUT) as refused:
        dock.web_page.runJavaScript("location.href = 'file:///etc/hostname';")
    assert refused.args == ["file:///etc/hostname"]
    assert js(qtbot, dock, "typeof meldkamerMap") == "object"
    with qtbot.waitSignal(dock.bridge.failed, timeout=TIMEOUT) as failed:
        seq = dock.bridge.send({"op": "teleport"})
    assert failed.args[0] == seq and "teleport" in failed.args[1]


def test_bridge_ignores_garbage(qtbot: QtBot) -> None:
    bridge = MapBridge()
    with qtbot.assertNotEmitted(bridge.clicked):
        for text in ("", "not json", "[]", '{"event": "click"}', '{"event": "click", "lat": "x"}'):
            bridge.receive(text)
    with qtbot.waitSignal(bridge.clicked) as click:
        bridge.receive('{"event": "click", "lat": 12.15, "lon": -68.27}')
    assert click.args == [12.15, -68.27]



STATION = (12.1525, -68.2757)  # every unit at the station has exactly its coordinates
CROWD = [{"callsign": f"P-1{n:02d}", "lat": STATION[0], "lon": STATION[1],
          "status": "available_station"} for n in range(1, 7)]
CROWD += [{"callsign": "A-101", "lat": 12.1530, "lon": -68.2750, "status": "on_scene"},
          {"callsign": "K-101", "lat": 12.30, "lon": -68.40, "status": "en_route"}]
# The unit labels on screen (shown, and inside the map), with their boxes.
BOXES = ("[...document.querySelectorAll('.mk-unit')].filter(e => e.offsetParent !== null)"
         ".map(e => { const r = e.getBoundingClientRect(); "
         "return [e.textContent, r.left, r.top, r.right, r.bottom]; })"
         ".filter(b => b[3] > 0 && b[4] > 0 && b[1] < innerWidth && b[2] < innerHeight)")


def overlapping(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def test_units_in_one_place_are_grouped_never_piled(qtbot: QtBot, dock: MapDock) -> None:
    size = "meldkamerMap.map().getSize()"
    qtbot.waitUntil(lambda: js(qtbot, dock, size)["y"] > 500, timeout=TIMEOUT)  # laid out
    applied(qtbot, dock, lambda: dock.set_units(CROWD))
    applied(qtbot, dock, lambda: dock.show_island("BO"))  # the whole island: zoom 11 or so
    assert js(qtbot, dock, "meldkamerMap.map().getZoom()") == 11
    groups = js(qtbot, dock, "meldkamerMap.clusters()")
    assert [(g["kind"], g["count"], g["units"]) for g in groups] == [
        ("badge", 7, ["A-101", *(u["callsign"] for u in CROWD[:6])])]
    assert abs(groups[0]["lat"] - STATION[0]) < 1e-3
    shown = js(qtbot, dock, BOXES)
    assert [b[0] for b in shown] == ["K-101"]  # the rest are in the badge
    assert js(qtbot, dock, "document.querySelector('.mk-cluster').textContent") == "7"
    # Closer in, the same units stand in a stack: every label readable, none on another.
    applied(qtbot, dock, lambda: dock.centre_on(*STATION, 17))
    groups = js(qtbot, dock, "meldkamerMap.clusters()")
    assert [(g["kind"], g["count"]) for g in groups] == [("stack", 6)]  # A-101 stands apart
    shown = js(qtbot, dock, BOXES)
    assert sorted(b[0] for b in shown) == sorted(u["callsign"] for u in CROWD[:7])
    assert overlapping(shown) == []
    assert js(qtbot, dock, "meldkamerMap.position('units', 'P-103')") == list(STATION)
    # A unit leaving the station leaves the group at once.
    applied(qtbot, dock, lambda: dock.upsert_unit({**CROWD[0], "lat": 12.1600}))
    assert [g["count"] for g in js(qtbot, dock, "meldkamerMap.clusters()")] == [5]


def test_places_are_named_more_of_them_closer_in(qtbot: QtBot, tmp_path: Path) -> None:
    places = [*PLACES,
              {"name": "Dorp Nikiboko", "kind": "neighbourhood", "island": "BO",
               "lat": 12.14444, "lon": -68.26121},
              {"name": "Te Amo Beach", "kind": "beach", "island": "BO", "lat": 12.1399,
               "lon": -68.2822}]
    dock = MapDock(None, places, STATIONS, cache_dir=tmp_path / "cache")
    dock.resize(800, 600)
    with qtbot.waitSignal(dock.ready, timeout=TIMEOUT):
        dock.show()
    try:
        labels = "meldkamerMap.placeLabels().sort()"
        assert js(qtbot, dock, labels) == ["Kralendijk", "The Bottom"]  # towns: always
        applied(qtbot, dock, lambda: dock.centre_on(12.145, -68.27, 13))
        assert js(qtbot, dock, labels) == ["Dorp Nikiboko", "Kralendijk", "The Bottom"]
        applied(qtbot, dock, lambda: dock.centre_on(12.145, -68.27, 15))
        assert js(qtbot, dock, labels) == ["Dorp Nikiboko", "Kralendijk", "Te Amo Beach",
                                           "The Bottom"]
        applied(qtbot, dock, lambda: dock.set_layer_visible("places", False))
        assert js(qtbot, dock, labels) == []  # the Places switch takes the names along
    finally:
        close_dock(dock)
