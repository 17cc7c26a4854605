"""The offline map page: folium builds it, every asset comes from installed packages.

Leaflet's JavaScript, CSS and images come from XStatic-Leaflet and are copied beside the
page with the live-layer API (static/meldkamer-map.js, which also keeps unit labels
from piling up); folium's CDN defaults (jQuery, Bootstrap, Font Awesome,
awesome-markers) are dropped. Places carry their names as labels. Tiles come only from a local
source (a custom URL scheme or a file URL). The page never references the network.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure
from folium.template import Template

from maps import islands
from maps.tiles import TileStore

ASSET_FILES = ("leaflet.js", "leaflet.css", "meldkamer-map.js", "meldkamer-map.css")
LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png",
                  "marker-shadow.png")
MAX_ZOOM = 19
LAYERS = ("islands", "roads", "places", "stations", "tiles", "units", "incidents")

DISCIPLINE_STYLE: dict[str, tuple[str, str]] = {
    "police": ("P", "#1a237e"), "fire": ("B", "#c62828"), "ambulance": ("A", "#f9a825"),
    "kmar": ("M", "#37474f"), "coastguard": ("K", "#0277bd"),
}
MAJOR_KINDS = frozenset({"neighbourhood", "airport", "harbour", "hospital"})
"""Places whose names show from a middle zoom (towns always, the rest close in)."""
KIND_NL: dict[str, str] = {
    "town": "plaats", "neighbourhood": "wijk", "hospital": "ziekenhuis", "harbour": "haven",
    "airport": "vliegveld", "beach": "strand", "park": "park", "dive_site": "duikstek",
    "school": "school", "government": "overheid", "landmark": "herkenningspunt",
    "police": "politie", "fire_station": "brandweer", "church": "kerk",
}


class _OfflineMap(folium.Map):
    """folium.Map with local Leaflet only (the class defaults point at CDNs)."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


class _LiveApi(folium.MacroElement):
    """Hands the map and its named layers to window.meldkamerMap."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            meldkamerMap.init({{ this._parent.get_name() }}, {
                {%- for name, layer in this.layers.items() %}
                {{ name|tojson }}: {{ layer.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
    """)

    def __init__(self, layers: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "MeldkamerLiveApi"
        self.layers = dict(layers)
        self.config = dict(config)


def leaflet_dir() -> Path:
    """Leaflet's files as installed by XStatic-Leaflet."""
    import xstatic.pkg.leaflet as xleaflet

    return Path(xleaflet.BASE_DIR)


def copy_assets(dest: Path) -> Path:
    """Copy Leaflet and the live-layer API into ``dest``; returns ``dest``."""
    src = leaflet_dir()
    (dest / "images").mkdir(parents=True, exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copyfile(src / name, dest / name)
    for name in LEAFLET_IMAGES:
        shutil.copyfile(src / "images" / name, dest / "images" / name)
    static = resources.files("maps").joinpath("static")
    for name in ("meldkamer-map.js", "meldkamer-map.css"):
        (dest / name).write_bytes(static.joinpath(name).read_bytes())
    return dest


def _tiles_config(tiles: Mapping[str, Any] | str | Path | None) -> dict[str, Any] | None:
    if tiles is None:
        return None
    if isinstance(tiles, Mapping):
        cfg = dict(tiles)
    else:
        text = str(tiles)
        if "{z}" not in text and Path(text).is_dir():
            text = Path(text).resolve().as_uri() + "/{z}/{x}/{y}.png"
        cfg = {"url": text}
        if "{z}" not in text:
            raise ValueError(f"tiles: {text} is neither a tile folder, an MBTiles file nor "
                             "a {z}/{x}/{y} URL template")
    url = str(cfg.get("url", ""))
    if url.lower().startswith(("http:", "https:", "ftp:", "ws:", "wss:", "//")):
        raise ValueError("tiles must come from a local source, not from the network")
    return cfg


def label_tier(kind: str) -> str:
    """When a place's name shows: towns always, then the larger places, the rest closest."""
    if kind == "town":
        return "town"
    return "major" if kind in MAJOR_KINDS else "minor"


def _places_layer(places: Iterable[Mapping[str, Any]]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="places")
    for p in places:
        kind = str(p.get("kind", ""))
        label = f"{p['name']} ({KIND_NL.get(kind, kind)})" if kind else str(p["name"])
        folium.CircleMarker([float(p["lat"]), float(p["lon"])], radius=4, weight=1,
                            color="#333333", fill=True, fill_color="#ffffff",
                            fill_opacity=0.9, tooltip=label).add_to(group)
    return group


def place_labels(places: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The names the page writes beside the places (one list: the page makes the labels,
    far less script than a folium marker each)."""
    return [{"name": str(p["name"]), "lat": float(p["lat"]), "lon": float(p["lon"]),
             "tier": label_tier(str(p.get("kind", "")))} for p in places]


def _stations_layer(stations: Iterable[Mapping[str, Any]]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="stations")
    for s in stations:
        letter, colour = DISCIPLINE_STYLE.get(str(s.get("discipline", "")), ("?", "#546e7a"))
        icon = folium.DivIcon(
            html=f'<div class="mk-station" style="background:{colour}">{letter}</div>',
            class_name="mk-station-icon", icon_size=None)
        folium.Marker([float(s["lat"]), float(s["lon"])], icon=icon, z_index_offset=-500,
                      tooltip=str(s.get("name", s.get("code", "")))).add_to(group)  # under units
    return group


def config(island: str | None, tiles: Mapping[str, Any] | str | Path | None,
           places: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The page configuration handed to meldkamerMap.init."""
    return {
        "labels": place_labels(places),
        "island": island or next(iter(islands.islands())),
        "islands": {code: {"bbox": list(isl.bbox), "centre": list(isl.centre)}
                    for code, isl in islands.islands().items()},
        "tiles": _tiles_config(tiles),
        "maxZoom": MAX_ZOOM,
    }


def build(*, island: str | None = None, places: Iterable[Mapping[str, Any]] = (),
          stations: Iterable[Mapping[str, Any]] = (),
          tiles: Mapping[str, Any] | str | Path | None = None,
          roads: Mapping[str, Any] | None = None, assets: str = "assets") -> str:
    """The page's HTML, with assets referenced under the relative folder ``assets``."""
    if island is not None and island not in islands.islands():
        # A programmer's error in this standalone library (callers validate what people
        # type through the core's reference data); the value and the choices ride along.
        raise ValueError("unknown island code", island, tuple(islands.islands()))
    places = list(places)
    cfg = config(island, tiles, places)
    centre = islands.centre(cfg["island"])
    m = _OfflineMap(location=list(centre), zoom_start=12, tiles=None, control_scale=True,
                    attribution_control=False, min_zoom=6, max_zoom=MAX_ZOOM,
                    font_size="12px")
    for name in ("leaflet.css", "meldkamer-map.css"):
        m.add_css_link(name, f"{assets}/{name}")
    for name in ("leaflet.js", "meldkamer-map.js"):
        m.add_js_link(name, f"{assets}/{name}")
    outline = folium.GeoJson(
        islands.outlines(), name="islands", interactive=False,
        style_function=lambda _f: {"color": "#7a6a4f", "weight": 1.5, "fillColor": "#f3ecd9",
                                   "fillOpacity": 1.0})
    layers: dict[str, Any] = {"islands": folium.FeatureGroup(name="islands")}
    outline.add_to(layers["islands"])
    layers["roads"] = folium.FeatureGroup(name="roads")
    if roads is not None:
        folium.GeoJson(roads, name="roads_data", interactive=False, style_function=lambda f: {
            "color": "#e0a030" if f["properties"].get("class") in (
                "primary", "secondary", "trunk") else "#ffffff", "weight": 2}).add_to(
            layers["roads"])
    layers["places"] = _places_layer(places)
    layers["stations"] = _stations_layer(stations)
    for layer in layers.values():
        layer.add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.html.add_child(folium.Element('<div id="mk-click"></div>'))
    m.add_child(_LiveApi(layers, cfg))
    html: str = root.render()
    return html


def render(out_path: str | Path, *, island: str | None = None,
           places: Iterable[Mapping[str, Any]] = (),
           stations: Iterable[Mapping[str, Any]] = (),
           tiles: Mapping[str, Any] | str | Path | None = None,
           roads: Mapping[str, Any] | None = None) -> Path:
    """Write a standalone page and its assets (in ``<stem>_files`` beside it).

    Args:
        places, stations: dicts with name, kind/discipline, lat, lon, island.
        tiles: an MBTiles file (unpacked beside the page), a tile folder, a local tile
            URL template (a custom scheme or file URL), or a dict with url, minZoom,
            maxZoom; None for outlines only.
        roads: a GeoJSON FeatureCollection of roads (maps.geodata.roads_geojson).
    """
    out = Path(out_path).resolve()
    assets = f"{out.stem}_files"
    copy_assets(out.parent / assets)
    if isinstance(tiles, str | Path) and str(tiles).endswith(".mbtiles"):
        # A browser cannot read MBTiles: unpack the tiles beside the page.
        store = TileStore(tiles)
        store.export(out.parent / assets / "tiles")
        tiles = {"url": f"{assets}/tiles/{{z}}/{{x}}/{{y}}.{store.info.format}",
                 "maxNativeZoom": store.info.max_zoom}
    html = build(island=island, places=places, stations=stations, tiles=tiles, roads=roads,
                 assets=assets)
    out.write_text(html, encoding="utf-8")
    return out


def dumps(message: Mapping[str, Any]) -> str:
    """A compact JSON message for the page's ``meldkamerMap.handle``."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
