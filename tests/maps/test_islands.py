"""The shipped island outlines and the look-ups on them."""

from __future__ import annotations

from importlib import resources

import pytest

from maps import islands


def test_outlines_hold_the_four_landmasses() -> None:
    features = islands.outlines()["features"]
    names = {(f["properties"]["name"], f["properties"]["island"]) for f in features}
    assert names == {("Bonaire", "BO"), ("Klein Bonaire", "BO"), ("Sint Eustatius", "SE"),
                     ("Saba", "SA")}
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) > 50


def test_outline_file_is_small_and_licensed() -> None:
    data = resources.files("maps").joinpath("data")
    assert len(data.joinpath("islands.geojson").read_bytes()) < 40_000
    notice = data.joinpath("LICENSE-GSHHG.txt").read_text("utf-8")
    assert "Wessel" in notice and "Smith" in notice and "GSHHG" in notice
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in notice


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (12.15000, -68.26667, "BO"),  # Kralendijk
    (12.23762, -68.33059, "BO"),  # Rincon
    (12.16, -68.31, "BO"),  # Klein Bonaire
    (17.48303, -62.98640, "SE"),  # Oranjestad
    (17.62652, -63.24971, "SA"),  # The Bottom
    (12.15, -68.35, None),  # at sea west of Klein Bonaire
    (15.0, -65.0, None),  # the Caribbean Sea
])
def test_island_of(lat: float, lon: float, code: str | None) -> None:
    assert islands.island_of(lat, lon) == code


def test_landmass_tells_klein_bonaire_from_bonaire() -> None:
    assert islands.landmass_near(12.16, -68.31) == "Klein Bonaire"
    assert islands.landmass_near(12.15, -68.2667) == "Bonaire"
    assert islands.landmass_near(17.63, -63.24) == "Saba"


def test_island_near_accepts_the_coast_but_not_the_open_sea() -> None:
    assert islands.island_near(12.15, -68.30) == "BO"  # in the channel off Kralendijk
    assert islands.island_near(17.3, -62.0) is None


def test_waters_reach_twelve_miles_out_to_the_nearest_island_only() -> None:
    assert islands.waters_of(12.15, -68.2667) == "BO"  # on land
    assert islands.waters_of(12.30, -68.50) == "BO"  # 9 km off Washington-Slagbaai
    assert islands.island_near(12.30, -68.50) is None  # beyond the coast's margin
    assert islands.waters_of(12.60, -68.90) is None  # the open sea
    assert islands.waters_of(17.58, -63.17) == "SA"  # between Saba and Statia, nearer Saba
    assert islands.waters_of(17.53, -63.02) == "SE"


def test_boxes_and_centres() -> None:
    for code in ("BO", "SE", "SA"):
        south, west, north, east = islands.bbox(code)
        lat, lon = islands.centre(code)
        assert south < lat < north and west < lon < east
        assert islands.island_of(lat, lon) == code
    assert list(islands.islands()) == ["BO", "SE", "SA"]
    assert islands.landmass_names()["Klein Bonaire"] == "BO"
