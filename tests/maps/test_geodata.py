"""Importing OSM extracts and MBTiles: atomic, validated, the previous import kept on error."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from maps import geodata
from maps.errors import MapDataError
from maps.geocode import Gazetteer
from maps.routing import Router
from maps.tiles import TileStore
from tests.maps.helpers import make_mbtiles, png_bytes
from tests.maps.town import GRANDI, KORTU_END


def _works(folder: Path) -> None:
    """The import in ``folder`` answers geocoding and routing questions."""
    assert Gazetteer.from_db(folder).search("Kaya Grandi 12")[0].housenumber == "12"
    [(_, route)] = Router.from_db(folder).rank(*KORTU_END, [("P-101", *GRANDI[1], "car")])
    assert route is not None and route.routed


@pytest.mark.parametrize("which", ["xml", "pbf"])
def test_import_osm_counts_features(tmp_path: Path, town_files: tuple[Path, Path],
                                    which: str) -> None:
    source = town_files[0 if which == "xml" else 1]
    seen: list[str] = []
    result = geodata.import_osm(source, tmp_path / "geo", progress=lambda p, n: seen.append(p))
    osm = result["osm"]
    assert osm["source"] == str(source.resolve())
    assert osm["roads"] == 6 and osm["addresses"] == 22 and osm["places"] == 1
    assert osm["nodes"] == 12 and osm["edges"] == 11
    assert seen[-1] == "done"
    assert geodata.info(tmp_path / "geo") == result
    _works(tmp_path / "geo")


def test_features_are_tagged_with_their_island(town_db: Path) -> None:
    with geodata.connect(town_db) as conn:
        rows = dict(conn.execute("SELECT street, island FROM addresses").fetchall())
        roads = dict(conn.execute("SELECT name, island FROM roads").fetchall())
    assert rows["Kaya Grandi"] == "BO" and rows["The Road"] == "SA"
    assert roads["Kaya Kortu"] == "BO" and roads["The Road"] == "SA"


def test_building_address_uses_its_centroid(town_db: Path) -> None:
    with geodata.connect(town_db) as conn:
        kind, = conn.execute("SELECT osm_type FROM addresses WHERE street='Kaya Grandi' "
                             "AND housenumber='12'").fetchone()
    assert kind == "way"


def test_reimport_replaces_cleanly(tmp_path: Path, town_files: tuple[Path, Path]) -> None:
    folder = tmp_path / "geo"
    geodata.import_osm(town_files[0], folder)
    again = geodata.import_osm(town_files[1], folder)
    assert again["osm"]["addresses"] == 22  # replaced, not appended
    assert sorted(p.name for p in folder.iterdir()) == ["geodata.sqlite3"]


def _truncated(path: Path, out: Path) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_OSM: dict[str, Callable[[Path, Path, Path], Path]] = {
    "truncated-xml": lambda xml, pbf, d: _truncated(xml, d / "half.osm"),
    "truncated-pbf": lambda xml, pbf, d: _truncated(pbf, d / "half.osm.pbf"),
    "random-pbf": lambda xml, pbf, d: _written(d / "noise.osm.pbf", os.urandom(4096)),
    "bad-xml": lambda xml, pbf, d: _written(d / "noise.osm", b"<osm><node id='1' lat='x'"),
    "empty": lambda xml, pbf, d: _written(d / "empty.osm", b""),
    "missing": lambda xml, pbf, d: d / "missing.osm",
}


@pytest.mark.parametrize("case", sorted(BAD_OSM))
def test_bad_osm_file_keeps_previous_import(tmp_path: Path, town_db: Path,
                                            town_files: tuple[Path, Path], case: str) -> None:
    before = geodata.info(town_db)
    bad = BAD_OSM[case](*town_files, tmp_path)
    with pytest.raises(MapDataError) as err:
        geodata.import_osm(bad, town_db)
    assert bad.name in str(err.value)
    assert geodata.info(town_db) == before
    assert sorted(p.name for p in town_db.iterdir()) == ["geodata.sqlite3"]
    _works(town_db)


def test_damaged_database_gives_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "geo"
    folder.mkdir()
    (folder / "geodata.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(MapDataError, match="damaged"):
        geodata.info(folder)
    with pytest.raises(MapDataError, match="no map data"), geodata.connect(tmp_path / "nope"):
        pass
    assert geodata.info(tmp_path / "elsewhere")["osm"] is None


def test_import_mbtiles_and_read_tiles(tmp_path: Path) -> None:
    source = make_mbtiles(tmp_path / "bonaire.mbtiles", [(10, 317, 480), (11, 635, 961)])
    result = geodata.import_mbtiles(source, tmp_path / "geo")
    tiles = result["tiles"]
    assert tiles["count"] == 2 and tiles["format"] == "png" and tiles["max_zoom"] == 11
    assert tiles["source"] == str(source.resolve()) and tiles["imported_at"]
    assert result["osm"] is None
    store = TileStore(geodata.tiles_file(tmp_path / "geo"))
    assert store.tile(10, 317, 480) == png_bytes()  # XYZ row, stored as TMS
    assert store.tile(10, 317, 1023 - 480) is None
    assert store.tile(3, 99, 0) is None


def _no_tiles_table(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.commit()
    conn.close()
    return path


BAD_MBTILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "random": (lambda d: _written(d / "noise.mbtiles", os.urandom(8192)), "not an MBTiles"),
    "truncated": (lambda d: _truncated(
        make_mbtiles(d / "full.mbtiles", [(z, 0, 0) for z in range(12)]), d / "half.mbtiles"),
        "damaged"),
    "no-tiles-table": (lambda d: _no_tiles_table(d / "plain.sqlite"), "missing table"),
    "vector": (lambda d: make_mbtiles(d / "vector.mbtiles", [(0, 0, 0)], fmt="pbf"), "format"),
    "not-png": (lambda d: make_mbtiles(d / "fake.mbtiles", [(0, 0, 0)], data=b"GIF89a"),
                "not png"),
    "empty": (lambda d: make_mbtiles(d / "empty.mbtiles", []), "no tiles"),
    "missing": (lambda d: d / "missing.mbtiles", "not found"),
}


@pytest.mark.parametrize("case", sorted(BAD_MBTILES))
def test_bad_mbtiles_keeps_previous_tiles(tmp_path: Path, case: str) -> None:
    make_bad, message = BAD_MBTILES[case]
    folder = tmp_path / "geo"
    geodata.import_mbtiles(make_mbtiles(tmp_path / "good.mbtiles", [(10, 317, 480)]), folder)
    before = geodata.info(folder)
    with pytest.raises(MapDataError, match=message):
        geodata.import_mbtiles(make_bad(tmp_path), folder)
    assert geodata.info(folder) == before
    assert TileStore(geodata.tiles_file(folder)).tile(10, 317, 480) == png_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["tiles.mbtiles"]


def test_roads_geojson_for_the_map(town_db: Path) -> None:
    roads = geodata.roads_geojson(town_db)
    names = {f["properties"]["name"] for f in roads["features"]}
    assert {"Kaya Grandi", "Kaya Kortu", "Kaya Largu", "The Road"} <= names
    lon, lat = roads["features"][0]["geometry"]["coordinates"][0]
    assert 12 < lat < 18 and -69 < lon < -62
    assert len(geodata.roads_geojson(town_db, island="SA")["features"]) == 1
