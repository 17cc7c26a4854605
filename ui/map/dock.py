"""The map dock: the offline Leaflet page in a web view, updated through a web channel.

The page is generated once (maps.page, folium) into a cache folder on the operations
worker, never on the GUI thread, and loaded from a file URL when it is written.
After that only small JSON messages go to it: unit and incident markers, the island to
show, layer switches. Clicks on the map come back as ``clicked(lat, lon)``. The dock keeps
the markers and switches it has been given and replays them whenever the page (re)loads,
so updates made before the page is ready, or across a reload, are never lost.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from maps import geodata, page
from maps import islands as map_islands
from maps.errors import MapDataError
from meldkamer.i18n import N_, tr
from ui.map.bridge import MapBridge
from ui.map.guard import TILE_URL, LocalOnlyGuard, tile_handler
from ui.map.webengine import (
    QButtonGroup,
    QHBoxLayout,
    QToolButton,
    QUrl,
    QWebChannel,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineView,
    schemes_registered,
)
from ui.ops import Operations
from ui.qt import QAction, QDockWidget, QMenu, Qt, QVBoxLayout, QWidget, Signal

_log = logging.getLogger(__name__)

LAYER_TOGGLES = (("units", N_("Units")), ("incidents", N_("Incidents")),
                 ("places", N_("Places")), ("stations", N_("Stations")), ("roads", N_("Roads")),
                 ("tiles", N_("Map image")))


def _unit_message(unit: Mapping[str, Any]) -> dict[str, Any] | None:
    lat, lon = unit.get("lat"), unit.get("lon")
    if lat is None or lon is None or not unit.get("callsign"):
        return None
    out = {"callsign": str(unit["callsign"]), "lat": float(lat), "lon": float(lon),
           "status": str(unit.get("status", ""))}
    for key in ("colour", "label", "title"):
        if unit.get(key):
            out[key] = str(unit[key])
    return out


def _incident_message(incident: Mapping[str, Any]) -> dict[str, Any] | None:
    lat, lon = incident.get("lat"), incident.get("lon")
    if lat is None or lon is None or not incident.get("number"):
        return None
    out: dict[str, Any] = {"number": str(incident["number"]), "lat": float(lat),
                           "lon": float(lon)}
    if incident.get("priority") is not None:
        out["priority"] = int(incident["priority"])
    for key in ("colour", "label", "title"):
        if incident.get(key):
            out[key] = str(incident[key])
    return out


def _roads(folder: Path | None) -> dict[str, Any] | None:
    """The imported roads for the map, if any (read on the worker with the page)."""
    if not geodata.has_osm(folder):
        return None
    try:
        return geodata.roads_geojson(folder)  # type: ignore[arg-type]
    except MapDataError as exc:
        _log.warning("roads not shown: %s", exc)
        return None


class MapPage(QWebEnginePage):
    """The map's web page: it never navigates away from the generated map file."""

    navigation_refused = Signal(str)
    """The page tried to leave the map for this URL and was stopped."""

    def __init__(self, profile: QWebEngineProfile, parent: QWidget | None = None) -> None:
        super().__init__(profile, parent)
        self.home: QUrl | None = None

    def acceptNavigationRequest(self, url: QUrl | str, kind: QWebEnginePage.NavigationType,
                                is_main_frame: bool) -> bool:
        if not is_main_frame or self.home is None:
            return True
        target = QUrl(url) if isinstance(url, str) else url
        if target.scheme() == "file" and target.path() == self.home.path():
            return True
        _log.warning("the map page refused to navigate to %s", target.toString())
        self.navigation_refused.emit(target.toString())
        return False


class MapDock(QDockWidget):
    """Units, incidents, places and stations on the offline island map."""

    clicked = Signal(float, float)
    """The operator clicked the map at (lat, lon)."""
    ready = Signal()
    """The page has loaded; updates now show at once."""
    applied = Signal(int)
    """The page has applied the update with this sequence number."""
    incident_clicked = Signal(str)
    """An incident marker (by number) was clicked."""
    page_written = Signal()
    """The page has been generated (off the GUI thread) and starts loading."""

    def __init__(self, parent: QWidget | None, places: Iterable[Mapping[str, Any]],
                 stations: Iterable[Mapping[str, Any]],
                 geodata_path: str | Path | None = None, island: str = "BO",
                 cache_dir: str | Path | None = None,
                 islands: Iterable[tuple[str, str]] = (), ops: Operations | None = None) -> None:
        """Args:
            islands: (code, name) of each island button; the outlines' codes when empty.
            ops: where the page is written (off the GUI thread); the dock's own if None.
        """
        super().__init__(tr("Map"), parent)
        self.setObjectName("dock_map")
        self.geodata_path = Path(geodata_path) if geodata_path else None
        self.island = island
        self.is_ready = False
        self._units: dict[str, dict[str, Any]] = {}
        self._incidents: dict[str, dict[str, Any]] = {}
        self._hidden: set[str] = set()
        self._pending: list[dict[str, Any]] = []
        self._roads: dict[str, Any] | None = None
        self.ops = ops or Operations(self)
        self.page_path: Path | None = None
        # A folder of our own is removed with the dock, or at the latest at exit.
        self._tmp = None if cache_dir else tempfile.TemporaryDirectory(prefix="meldkamer-map-")
        self.cache_dir = Path(cache_dir or self._tmp.name)  # type: ignore[union-attr]

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._islands = list(islands) or [(code, code) for code in map_islands.islands()]
        layout.addLayout(self._build_controls(body))
        self.view = QWebEngineView(body)
        self.view.setObjectName("map_view")
        layout.addWidget(self.view, 1)
        self.setWidget(body)

        profile = QWebEngineProfile.defaultProfile()
        self.tiles = tile_handler()
        has_tiles = (schemes_registered() and geodata.has_tiles(self.geodata_path)
                     and self.tiles.set_source(
                         geodata.tiles_file(self.geodata_path)))  # type: ignore[arg-type]
        self.toggles["tiles"].setEnabled(bool(has_tiles))
        self.toggles["roads"].setEnabled(geodata.has_osm(self.geodata_path))

        self.web_page = MapPage(profile, self.view)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        settings = self.web_page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
                              False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls,
                              True)
        self.guard = LocalOnlyGuard(self)
        self.web_page.setUrlRequestInterceptor(self.guard)
        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self.web_page)
        self.channel.registerObject("mapBridge", self.bridge)
        self.web_page.setWebChannel(self.channel)
        self.view.setPage(self.web_page)
        self.bridge.ready.connect(self._on_ready)
        self.bridge.clicked.connect(self.clicked)
        self.bridge.applied.connect(self.applied)
        self.bridge.incident_clicked.connect(self.incident_clicked)
        self.web_page.loadStarted.connect(self._on_load_started)
        self.web_page.loadFinished.connect(self._on_load_finished)
        if self._tmp is not None:
            self.destroyed.connect(lambda *_, tmp=self._tmp: tmp.cleanup())

        tiles = None
        if has_tiles:
            ts = self.tiles.store.info  # type: ignore[union-attr]
            tiles = {"url": TILE_URL, "minZoom": 0, "maxZoom": 19,
                     "maxNativeZoom": ts.max_zoom}
        out, folder = self.cache_dir / "map.html", self.geodata_path
        spec = {"island": island, "places": list(places), "stations": list(stations),
                "tiles": tiles}

        def write() -> tuple[Path, dict[str, Any] | None]:
            return page.render(out, **spec), _roads(folder)  # type: ignore[arg-type]

        self.ops.run(write, self._page_ready,
                     lambda e: _log.error("the map page could not be written: %s", e))

    def _page_ready(self, result: tuple[Path, dict[str, Any] | None]) -> None:
        self.page_path, self._roads = result
        self.web_page.home = QUrl.fromLocalFile(str(self.page_path))
        self.view.load(self.web_page.home)
        self.page_written.emit()

    # -- controls -------------------------------------------------------------------------

    def _build_controls(self, parent: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        self.island_buttons: dict[str, QToolButton] = {}
        group = QButtonGroup(parent)
        group.setExclusive(True)
        for code, name in self._islands:
            button = QToolButton(parent)
            button.setText(code)
            button.setToolTip(tr("Show {island}", island=name))
            button.setCheckable(True)
            button.setChecked(code == self.island)
            button.setObjectName(f"map_island_{code}")
            button.clicked.connect(lambda _=False, c=code: self.show_island(c))
            group.addButton(button)
            row.addWidget(button)
            self.island_buttons[code] = button
        self._island_group = group
        row.addSpacing(12)
        # The layers in a menu: the map can sit in a narrow column beside the units.
        self.layers_button = QToolButton(parent)
        self.layers_button.setObjectName("map_layers")
        self.layers_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.layers_menu = QMenu(self.layers_button)
        self.layers_button.setMenu(self.layers_menu)
        self.toggles: dict[str, QAction] = {}
        for name, label in LAYER_TOGGLES:
            action = self.layers_menu.addAction(tr(label))
            action.setCheckable(True)
            action.setChecked(True)
            action.setObjectName(f"map_layer_{name}")
            action.toggled.connect(lambda on, n=name: self.set_layer_visible(n, on))
            self.toggles[name] = action
        self._layers_text()
        row.addWidget(self.layers_button)
        row.addStretch(1)
        return row

    def retranslate(self) -> None:
        """Title and controls in the current language (the page itself has no words)."""
        self.setWindowTitle(tr("Map"))
        names = dict(self._islands)
        for code, button in self.island_buttons.items():
            button.setToolTip(tr("Show {island}", island=names.get(code, code)))
        for name, label in LAYER_TOGGLES:
            self.toggles[name].setText(tr(label))
        self._layers_text()

    def _layers_text(self) -> None:
        self.layers_button.setText(tr("Layers"))
        self.layers_button.setToolTip(tr("Show or hide units, incidents, places, stations, "
                                         "roads and the map image"))

    # -- page life cycle ------------------------------------------------------------------

    def _on_load_started(self) -> None:
        self.is_ready = False

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            _log.error("the map page did not load: %s", self.page_path)

    def _on_ready(self) -> None:
        self.is_ready = True
        self._replay()
        self.ready.emit()

    def _replay(self) -> None:
        """Send everything the page should show: after the first load and any reload."""
        roads = self._road_data()
        if roads is not None:
            self.bridge.send({"op": "roads", "geojson": roads})
        self.bridge.send({"op": "units", "units": list(self._units.values())})
        self.bridge.send({"op": "incidents", "incidents": list(self._incidents.values())})
        for name in sorted(self._hidden):
            self.bridge.send({"op": "layer", "name": name, "visible": False})
        self.bridge.send({"op": "island", "code": self.island})
        pending, self._pending = self._pending, []
        for message in pending:
            self.bridge.send(message)

    def _road_data(self) -> dict[str, Any] | None:
        return self._roads  # read with the page, off the GUI thread

    def _send(self, message: dict[str, Any], keep: bool = False) -> int:
        """Send now when the page is ready; otherwise drop it (replayed from state) or,
        with ``keep``, deliver it after the replay."""
        if self.is_ready:
            return self.bridge.send(message)
        if keep:
            self._pending.append(message)
        return 0

    # -- public API -----------------------------------------------------------------------

    def set_units(self, units: Iterable[Mapping[str, Any]]) -> int:
        """Show exactly these units (callsign, lat, lon, status; colour, label optional).

        Units without a position are left off. Returns the message's sequence number
        (0 while the page is still loading).
        """
        messages = [m for m in map(_unit_message, units) if m is not None]
        self._units = {m["callsign"]: m for m in messages}
        return self._send({"op": "units", "units": messages})

    def upsert_unit(self, unit: Mapping[str, Any]) -> int:
        """Add or move one unit marker; one without a position is removed."""
        message = _unit_message(unit)
        if message is None:
            return self.remove_unit(str(unit.get("callsign", "")))
        self._units[message["callsign"]] = message
        return self._send({"op": "unit", "unit": message})

    def remove_unit(self, callsign: str) -> int:
        self._units.pop(callsign, None)
        return self._send({"op": "remove_unit", "callsign": callsign})

    def set_incidents(self, incidents: Iterable[Mapping[str, Any]]) -> int:
        """Show exactly these incidents (number, lat, lon, priority; title optional)."""
        messages = [m for m in map(_incident_message, incidents) if m is not None]
        self._incidents = {m["number"]: m for m in messages}
        return self._send({"op": "incidents", "incidents": messages})

    def upsert_incident(self, incident: Mapping[str, Any]) -> int:
        """Add or move one incident marker; one without a position is removed."""
        message = _incident_message(incident)
        if message is None:
            return self.remove_incident(str(incident.get("number", "")))
        self._incidents[message["number"]] = message
        return self._send({"op": "incident", "incident": message})

    def remove_incident(self, number: str) -> int:
        self._incidents.pop(number, None)
        return self._send({"op": "remove_incident", "number": number})

    def centre_on(self, lat: float, lon: float, zoom: int | None = None) -> int:
        """Centre the map on a point (an incident), zooming in to at least street level."""
        return self._send({"op": "centre", "lat": lat, "lon": lon, "zoom": zoom}, keep=True)

    def reveal(self, lat: float, lon: float, zoom: int = 15, centre: bool = True) -> int:
        """Put a point (the location of a call) in the middle, at ``zoom`` at least; with
        ``centre`` False a point already well in view (a click) leaves the map as it is."""
        return self._send({"op": "reveal", "lat": lat, "lon": lon, "zoom": zoom,
                           "centre": centre}, keep=True)

    def show_island(self, code: str) -> int:
        """Frame one island: BO, SE or SA."""
        if code not in self.island_buttons:
            raise ValueError(f"unknown island {code!r}")
        self.island = code
        self.island_buttons[code].setChecked(True)
        return self._send({"op": "island", "code": code})

    def set_layer_visible(self, name: str, visible: bool) -> int:
        """Show or hide a layer: units, incidents, places, stations, roads, tiles, islands."""
        box = self.toggles.get(name)
        if box is not None and box.isChecked() != visible:
            box.blockSignals(True)
            box.setChecked(visible)
            box.blockSignals(False)
        if visible:
            self._hidden.discard(name)
        else:
            self._hidden.add(name)
        return self._send({"op": "layer", "name": name, "visible": visible})

    def set_pin(self, lat: float | None, lon: float | None = None) -> int:
        """Mark the location being entered (None removes the mark)."""
        return self._send({"op": "pin", "lat": lat, "lon": lon}, keep=True)
