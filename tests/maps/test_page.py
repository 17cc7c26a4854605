"""The offline page: built by folium from installed assets only, with a live-layer API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from maps import page
from tests.maps.helpers import make_mbtiles, png_bytes

URL = re.compile(rb"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'<>)]*", re.IGNORECASE)
SCHEME = re.compile(rb"https?://", re.IGNORECASE)

# Strings in Leaflet's own files that look like URLs but are never fetched: the SVG
# namespace (an identifier), the attribution link (the attribution control is off) and a
# comment in the stylesheet.
LEAFLET_ALLOWED = {
    "leaflet.js": {b"http://www.w3.org/2000/svg", b"https://leafletjs.com"},
    "leaflet.css": {b"https://bugzilla.mozilla.org/show_bug.cgi?id=888319"},
}

STATIONS = [{"code": "BO-POL-PLAYA", "name": "Politiebureau Playa", "discipline": "police",
             "island": "BO", "lat": 12.152, "lon": -68.2755}]


@pytest.fixture
def rendered(tmp_path: Path, shipped_places: list[dict[str, Any]]) -> Path:
    return page.render(tmp_path / "kaart.html", island="BO", places=shipped_places,
                       stations=STATIONS)


def test_render_writes_the_page_and_its_assets(rendered: Path) -> None:
    assets = rendered.parent / "kaart_files"
    for name in ("leaflet.js", "leaflet.css", "meldkamer-map.js", "meldkamer-map.css",
                 "images/layers.png", "images/marker-icon.png"):
        assert (assets / name).is_file(), name
    html = rendered.read_text("utf-8")
    assert 'src="kaart_files/leaflet.js"' in html
    assert "meldkamerMap.init(" in html


def test_page_and_own_assets_reference_no_network(rendered: Path) -> None:
    own = [rendered, *(rendered.parent / "kaart_files").glob("meldkamer-map.*")]
    for path in own:
        data = path.read_bytes()
        assert SCHEME.findall(data) == [], path.name
        assert URL.findall(data) == [], path.name
    html = rendered.read_text("utf-8").lower()
    for cdn in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers",
                "cdn.", "googleapis", "openstreetmap", "tile.", "@import", "url("):
        assert cdn not in html, cdn


def test_leaflet_assets_hold_only_inert_url_strings(rendered: Path) -> None:
    assets = rendered.parent / "kaart_files"
    for path in assets.rglob("*"):
        if path.suffix not in (".js", ".css", ".html"):
            continue
        found = {m.group(0) for m in re.finditer(rb"https?://[^\s\"'<>)]*", path.read_bytes())}
        assert found <= LEAFLET_ALLOWED.get(path.name, set()), (path.name, found)
    css = (assets / "leaflet.css").read_text("utf-8")
    for ref in re.findall(r"url\(([^)]*)\)", css):
        assert ref.startswith(("images/", "#")), ref


def test_page_has_every_layer_and_the_live_api(rendered: Path) -> None:
    html = rendered.read_text("utf-8")
    for layer in ("islands", "roads", "places", "stations"):
        assert f'"{layer}": feature_group_' in html
    api = (rendered.parent / "kaart_files" / "meldkamer-map.js").read_text("utf-8")
    for fn in ("setUnits", "upsertIncident", "removeIncident", "setIncidents", "centreOn",
               "showIsland", "setLayerVisible", "setTiles", "handle"):
        assert f"api.{fn} =" in api or f"api.{fn}=" in api, fn
    assert "qrc:///qtwebchannel/qwebchannel.js" in api
    assert "Kralendijk" in html and "Politiebureau Playa" in html


def test_remote_tiles_are_refused(tmp_path: Path) -> None:
    for url in ("https://tile.example.org/{z}/{x}/{y}.png", "//cdn.example/{z}/{x}/{y}",
                {"url": "http://127.0.0.1/{z}/{x}/{y}.png"}):
        with pytest.raises(ValueError, match="local"):
            page.render(tmp_path / "x.html", tiles=url)


def test_local_tile_folder_becomes_a_file_url(tmp_path: Path) -> None:
    (tmp_path / "tegels").mkdir()
    out = page.render(tmp_path / "x.html", island="SA", tiles=tmp_path / "tegels")
    html = out.read_text("utf-8")
    assert '"url": "file:///' in html and '"island": "SA"' in html


def test_unknown_island_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="island"):
        page.render(tmp_path / "x.html", island="CW")


def test_mbtiles_are_unpacked_beside_a_standalone_page(tmp_path: Path) -> None:
    source = make_mbtiles(tmp_path / "bo.mbtiles", [(10, 317, 480), (11, 635, 961)])
    out = page.render(tmp_path / "kaart.html", tiles=source)
    assert (tmp_path / "kaart_files" / "tiles" / "10" / "317" / "480.png").read_bytes() \
        == png_bytes()
    assert (tmp_path / "kaart_files" / "tiles" / "11" / "635" / "961.png").is_file()
    html = out.read_text("utf-8")
    assert '"url": "kaart_files/tiles/{z}/{x}/{y}.png"' in html
    assert '"maxNativeZoom": 11' in html


def test_tiles_must_be_a_template_folder_or_mbtiles(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tile folder"):
        page.render(tmp_path / "x.html", tiles=tmp_path / "nothing-here")



def test_places_come_with_their_names_by_zoom_tier(shipped_places: list[dict[str, Any]]) -> None:
    labels = page.config("BO", None, shipped_places)["labels"]
    assert len(labels) == len(shipped_places)  # the caller's names, every one
    tiers = {label["name"]: label["tier"] for label in labels}
    assert tiers["Kralendijk"] == "town"
    assert tiers["Dorp Nikiboko"] == "major"  # a neighbourhood, from a middle zoom
    assert set(tiers.values()) == {"town", "major", "minor"}
    html = page.build(island="BO", places=shipped_places)
    assert '"labels": [' in html and "Kralendijk" in html
