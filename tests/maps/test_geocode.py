"""The gazetteer: forgiving forward search and reverse look-ups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maps.geo import fast_distance_m
from maps.geocode import Gazetteer, fold, island_phrases, looks_like_address, parse_query
from tests.maps.town import house


@pytest.fixture
def gazetteer(town_db: Path, shipped_places: list[dict[str, Any]],
              island_words: dict[str, str]) -> Gazetteer:
    return Gazetteer.from_db(town_db, shipped_places, island_words=island_words)


@pytest.mark.parametrize("query", [
    "Kaya Grandi 12", "12 Kaya Grandi", "kaya grandy 12", "KAYA GRANDI 12", "Kaya Grándi 12",
    "kaia grandi 12", "Kaya Grandi 12, Bonaire", "12, kaya grandi",
])
def test_finds_the_house_within_ten_metres(gazetteer: Gazetteer, query: str) -> None:
    best = gazetteer.search(query)[0]
    target = house("Kaya Grandi", "12")
    assert (best.kind, best.street, best.housenumber) == ("address", "Kaya Grandi", "12")
    assert fast_distance_m(best.lat, best.lon, target.lat, target.lon) < 10


def test_the_street_decides_between_equal_numbers(gazetteer: Gazetteer) -> None:
    best = gazetteer.search("Kaya Gob N Debrot 12")[0]
    assert best.street == "Kaya Gob. N. Debrot" and best.housenumber == "12"
    assert best.name == "Kaya Gob. N. Debrot 12"


def test_unknown_number_falls_back_to_street_and_nearest_number(gazetteer: Gazetteer) -> None:
    results = gazetteer.search("Kaya Grandi 99")
    assert results[0].kind == "street" and results[0].name == "Kaya Grandi"
    assert any(m.kind == "address" and m.housenumber == "20" for m in results)


def test_island_restricts(gazetteer: Gazetteer) -> None:
    assert all(m.island == "SA" for m in gazetteer.search("The Road 1", island="SA"))
    assert gazetteer.search("The Road 1")[0].island == "SA"
    assert not [m for m in gazetteer.search("kaya grandi 12 saba") if m.kind == "address"]
    assert gazetteer.search("ziekenhuis statia")[0].island == "SE"


@pytest.mark.parametrize(("words", "kind"), [
    (("ziekenhuis", "hospital", "ospital"), "hospital"),
    (("haven", "harbour", "haf"), "harbour"),
    (("vliegveld", "airport", "aeropuerto"), "airport"),
])
def test_kind_words_in_three_languages(gazetteer: Gazetteer, words: tuple[str, ...],
                                       kind: str) -> None:
    for word in words:
        results = gazetteer.search(word)
        assert results and results[0].kind == kind, word
        on_saba = gazetteer.search(f"{word} saba")
        assert on_saba and all(m.island == "SA" for m in on_saba), word


def test_church_words_find_churches(tmp_path: Path) -> None:
    g = Gazetteer([{"name": "Iglesia San Bernardo", "kind": "church", "lat": 12.1503,
                    "lon": -68.2760, "island": "BO"},
                   {"name": "Sacred Heart Church", "kind": "church", "lat": 17.6266,
                    "lon": -63.2488, "island": "SA"}])
    for word in ("kerk", "church", "misa"):
        assert {m.name for m in g.search(word)} == {"Iglesia San Bernardo",
                                                    "Sacred Heart Church"}
    assert [m.name for m in g.search("kerk saba")] == ["Sacred Heart Church"]


def test_places_from_osm_and_aliases(gazetteer: Gazetteer) -> None:
    assert gazetteer.search("Hospital San Fransisco")[0].name == "Hospital San Francisco"
    assert gazetteer.search("kralendyk")[0].name == "Kralendijk"
    assert gazetteer.search("Tera Cora")[0].name == "Dorp Tera Kora"
    assert gazetteer.search("1000 steps")[0].name == "1000 Steps"


def test_reverse_finds_address_then_street_then_place(gazetteer: Gazetteer) -> None:
    h = house("Kaya Grandi", "7")
    near = gazetteer.nearest(h.lat + 0.00005, h.lon)
    assert near is not None and near.name == "Kaya Grandi 7" and near.distance_m is not None
    assert near.distance_m < 10
    street = gazetteer.nearest(12.1500, -68.2530)  # on Kaya Kortu, no houses there
    assert street is not None and (street.kind, street.name) == ("street", "Kaya Kortu")
    place = gazetteer.nearest(12.2300, -68.3800)  # in the national park, no roads
    assert place is not None and place.kind not in ("address", "street")
    assert place.distance_m is not None and place.distance_m > 250


def test_without_imported_data_the_shipped_places_still_work(
        shipped_places: list[dict[str, Any]]) -> None:
    g = Gazetteer.from_db(None, shipped_places)
    assert g.search("rincon")[0].name == "Dorp Rincon"
    assert g.search("Kaya Grandi 12") == [] or g.search("Kaya Grandi 12")[0].kind != "address"


def test_query_parsing(island_words: dict[str, str]) -> None:
    q = parse_query("12a Kaya Grandi, Bonaire")
    assert (q.text, q.number, q.island) == ("kaya grandi", "12a", "BO")
    q = parse_query("Ziekenhuis op Sint Eustatius")
    assert q.island == "SE" and q.kinds == {"hospital"}
    assert parse_query("ziekenhuis statia").island is None  # the outlines know no "Statia"
    q = parse_query("ziekenhuis statia", island_phrases(island_words))
    assert q.island == "SE" and q.text == "ziekenhuis"
    assert fold("  Kaya  Gob.  N. Debrot ") == "kaya gob n debrot"
    assert fold("Ñandú Rincón") == "nandu rincon"


@given(st.text(max_size=60))
def test_any_text_is_a_safe_query(text: str) -> None:
    g = Gazetteer([{"name": "Kralendijk", "kind": "town", "lat": 12.15, "lon": -68.27}])
    results = g.search(text)
    assert len(results) <= 10
    assert fold(fold(text)) == fold(text)
    assert looks_like_address(text) in (True, False)


@pytest.mark.parametrize(("query", "address"), [
    ("kaya grandi 12", True), ("12 Kaya Grandi", True), ("kaya gr", True),
    ("Concordiaweg", True), ("the road 3", True), ("Kaya Grandi 12, Bonaire", True),
    ("windwardside", False), ("The Bottom", False), ("ziekenhuis", False), ("12", False),
    ("", False), ("St. Johns", True),
])
def test_which_queries_look_like_an_address(query: str, address: bool,
                                            island_words: dict[str, str]) -> None:
    assert looks_like_address(query, island_phrases(island_words)) is address


def test_has_streets_only_with_street_data(gazetteer: Gazetteer,
                                           shipped_places: list[dict[str, Any]]) -> None:
    assert gazetteer.has_streets
    assert not Gazetteer.from_db(None, shipped_places).has_streets


def test_a_kind_named_puts_places_of_that_kind_first(shipped_places: list[dict[str, Any]],
                                                     island_words: dict[str, str]) -> None:
    post = {"name": "Politie Windwardside", "kind": "police", "lat": 17.6290,
            "lon": -63.2240, "island": "SA"}
    g = Gazetteer([*shipped_places, post], island_words=island_words)
    assert [m.name for m in g.search("windwardside")][:2] == ["Windwardside",
                                                              "Politie Windwardside"]
    assert g.search("politie windwardside")[0].name == "Politie Windwardside"
    assert g.search("polis windwardside")[0].name == "Politie Windwardside"
    # the whole query naming a place is that place, kind word or not ("Playa" is Kralendijk)
    assert g.search("playa")[0].name == "Kralendijk"
