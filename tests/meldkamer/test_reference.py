"""Reference data: islands, classification tree, statuses, demo roster."""

from __future__ import annotations

from pathlib import Path

import pytest

from meldkamer.demo import demo_roster
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.errors import InvalidInput, NotFound, ReferenceDataError

CAPABILITIES = {"patrol_car", "motorcycle", "k9", "detective", "fire_engine", "water_tender",
                "rescue", "ambulance", "rapid_responder", "kmar_patrol", "boat"}


def test_islands_codes_prefixes_and_lookup(ref: Reference) -> None:
    assert {i.code: i.prefix for i in ref.islands.values()} == {
        "BO": "BON", "SE": "STA", "SA": "SAB"}
    for text in ("BO", "bo", "BQ-BO", "BON", "Bonaire"):
        assert ref.island(text).code == "BO"
    with pytest.raises(InvalidInput):
        ref.island("Curaçao")
    assert ref.island_at(12.15, -68.2667).code == "BO"  # Kralendijk
    assert ref.island_at(12.16, -68.31).code == "BO"  # Klein Bonaire
    assert ref.island_at(17.4830, -62.9864).code == "SE"  # Oranjestad
    assert ref.island_at(17.6265, -63.2497).code == "SA"  # The Bottom
    assert ref.island_at(12.5, -68.7) is None  # at sea
    assert ref.island_at(12.1696, -68.99) is None  # Curaçao is not ours


def test_places_and_stations_lie_on_their_island(ref: Reference) -> None:
    for place in ref.places:
        found = ref.island_at(place.lat, place.lon)
        assert found is not None and found.code == place.island, place.name
    for st in demo_roster()["station"]:
        found = ref.island_at(st["lat"], st["lon"])
        assert found is not None and found.code == st["island"], st["code"]


def test_classification_tree(ref: Reference) -> None:
    leaves = [c for c in ref.classifications.values() if c.level == 3]
    assert len(leaves) >= 50
    assert {c.level for c in ref.classifications.values()} == {1, 2, 3}
    woning = ref.classification("br.geb.won")
    assert woning.path(ref, "nl") == "Brand > Gebouw > Woning"
    assert woning.path(ref, "en") == "Fire > Building > Dwelling"
    for cls in ref.classifications.values():
        assert set(cls.needs) <= CAPABILITIES, cls.code
        assert cls.priority in ref.priorities
        assert cls.names["nl"] and cls.names["en"]
        if cls.urgency:
            assert cls.urgency in ref.urgencies
    assert all(c.terms for c in leaves)
    with pytest.raises(NotFound):
        ref.classification("NOPE")


def test_statuses_and_radio_codes(ref: Reference) -> None:
    assert ref.status("2").code == "on_scene"
    assert ref.status("Ter plaatse").code == "on_scene"
    assert ref.status("vrij").code == "available_mobile"
    assert ref.status_of_radio(1).code == "en_route"
    assert ref.statuses["on_scene"].timer_minutes == 60
    assert ref.dispatched_status.code == "dispatched"


def test_demo_roster_is_consistent(ref: Reference) -> None:
    roster = demo_roster()
    stations = {s["code"]: s for s in roster["station"]}
    callsigns, issis = set(), set()
    for unit in roster["unit"]:
        assert unit["callsign"] not in callsigns
        callsigns.add(unit["callsign"])
        assert unit["issi"] not in issis
        issis.add(unit["issi"])
        assert stations[unit["station"]]["island"] == unit["island"]
        assert set(unit["capabilities"]) <= CAPABILITIES
        assert unit["discipline"] in ref.disciplines
    for island in ref.islands:
        assert any(u["island"] == island for u in roster["unit"])


def test_site_override_and_bad_site_file(tmp_path: Path) -> None:
    (tmp_path / "dispositions.toml").write_text(
        '[[disposition]]\ncode = "KLAAR"\nname_nl = "Klaar"\nname_en = "Done"\n')
    ref = load_reference(tmp_path)
    assert list(ref.dispositions) == ["KLAAR"]
    assert ref.sources["dispositions.toml"] == str(tmp_path / "dispositions.toml")
    (tmp_path / "statuses.toml").write_text("this is [not toml")
    with pytest.raises(ReferenceDataError, match=r"statuses\.toml"):
        load_reference(tmp_path)
    (tmp_path / "statuses.toml").write_text(
        '[[status]]\ncode = "a"\nradio = 1\nname_nl = "A"\nname_en = "A"\n'
        'category = "available"\nnext = ["b"]\n')
    with pytest.raises(ReferenceDataError, match="unknown next"):
        load_reference(tmp_path)


def test_islands_by_other_names(ref: Reference) -> None:
    for text in ("Statia", "st. eustatius", "EUX", "  sint-eustatius "):
        assert ref.island(text).code == "SE"
    assert ref.island("Boneiru").code == "BO"
    assert ref.island_words()["Statia"] == "SE"


def test_each_island_area_holds_its_outline(ref: Reference) -> None:
    from maps import islands as outlines

    assert list(outlines.islands()) == list(ref.islands)
    for code, island in ref.islands.items():
        south, west, north, east = outlines.bbox(code)
        assert island.contains(south, west) and island.contains(north, east), code


@pytest.mark.parametrize(("name", "text", "says"), [
    ("statuses.toml", '[[status]]\nradio = 1\nname_nl = "A"\nname_en = "A"\n'
     'category = "available"\n', "[[status]] 1: code is missing"),
    ("statuses.toml", '[[status]]\ncode = "a"\nradio = "one"\nname_nl = "A"\n'
     'name_en = "A"\ncategory = "available"\n',
     "[[status]] 1 'a': radio must be a whole number, not 'one'"),
    ("islands.toml", '[[island]]\ncode = "BO"\nname = "Bonaire"\nprefix = "BON"\n'
     'bbox = [12.0, -68.4]\ncentre = [12.1, -68.2]\n',
     "[[island]] 1 'BO': bbox must be 4 numbers, not [12.0, -68.4]"),
    ("places.toml", '[[place]]\nname = "Kerk"\nisland = "BO"\nlat = 12.1\n',
     "[[place]] 1 'Kerk': lon is missing"),
    ("classification.toml", '[[class]]\ncode = "BR"\nname_en = "Fire"\n',
     "[[class]] 1 'BR': name_nl is missing"),
    ("dispositions.toml", 'disposition = "HANDLED"\n',
     "disposition must be a list of [[disposition]] tables"),
    ("radio.toml", 'status_offset = "0x8002"\n',
     "status_offset must be a whole number, not '0x8002'"),
])
def test_a_broken_site_file_is_named_with_its_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str,
        says: str) -> None:
    from meldkamer import config

    (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("MELDKAMER_REFERENCE_DIR", str(tmp_path))
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(config.reference_dir())
    path = tmp_path / name
    assert str(caught.value) == (f"{path} {says}" if says.startswith("[[") else f"{path}: {says}")
    assert caught.value.exit_code == 7


def test_parsed_reference_is_cached_until_a_file_changes(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    disp = site / "dispositions.toml"
    disp.write_text('[[disposition]]\ncode = "KLAAR"\nname_nl = "Klaar"\nname_en = "Done"\n')
    first = load_reference(site, cache_dir=cache)
    assert (cache / "reference.pickle").is_file()
    again = load_reference(site, cache_dir=cache)
    assert again == first and again is not first
    assert again == load_reference(site)  # the cache holds exactly what parsing gives

    disp.write_text('[[disposition]]\ncode = "OVER"\nname_nl = "Over"\nname_en = "Handed over"\n')
    assert list(load_reference(site, cache_dir=cache).dispositions) == ["OVER"]
    disp.unlink()  # back to the shipped file
    assert "HANDLED" in load_reference(site, cache_dir=cache).dispositions


def test_a_damaged_cache_is_parsed_again(tmp_path: Path, ref: Reference) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "reference.pickle").write_bytes(b"not a pickle")
    assert load_reference(None, cache_dir=cache) == ref
    assert load_reference(None, cache_dir=cache) == ref  # rewritten, and read back


def test_a_broken_site_file_is_reported_even_with_a_cache(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    load_reference(site, cache_dir=cache)
    (site / "radio.toml").write_text("status_offset = [")
    with pytest.raises(ReferenceDataError, match=r"radio\.toml"):
        load_reference(site, cache_dir=cache)


def test_a_cache_others_could_write_is_not_read(tmp_path: Path, ref: Reference) -> None:
    import pickle

    from meldkamer.domain.reference import _cache_key

    cache = tmp_path / "cache"
    load_reference(None, cache_dir=cache)
    pickled = cache / "reference.pickle"
    assert pickled.stat().st_mode & 0o077 == 0
    forged = Reference(**{**ref.__dict__, "home_island": "SA"})
    pickled.write_bytes(pickle.dumps((_cache_key(None), forged)))
    pickled.chmod(0o600)
    assert load_reference(None, cache_dir=cache).home_island == "SA"  # ours: it is used
    pickled.write_bytes(pickle.dumps((_cache_key(None), forged)))
    pickled.chmod(0o666)
    assert load_reference(None, cache_dir=cache).home_island == "BO"  # parsed, not loaded


# -- turnouts (turnouts.toml) ------------------------------------------------------------


def test_an_island_plan_covers_the_classes_under_it(ref: Reference) -> None:
    standard = ref.turnout("BR.GEB.WON", "BO")
    assert standard.needs == ref.classification("BR.GEB.WON").needs and standard.plan is None
    statia = ref.turnout("BR.GEB.WON", "SE")
    assert statia.needs == ("fire_engine", "ambulance", "patrol_car")
    assert statia.plan == "BR.GEB.WON"
    robbery = ref.turnout("BZ.OVV.WIN", "SE")  # no plan of its own: its parent's
    assert (robbery.plan, robbery.needs) == ("BZ.OVV", ("patrol_car", "patrol_car"))
    saba = ref.turnout("WZ.VAA.NOO", "SA")  # Saba has a boat: the standard turnout
    assert saba.needs == ("boat", "ambulance") and saba.plan is None
    assert ref.turnout(None, "BO").needs == ()
    for island in ref.turnouts.values():
        for needs in island.values():
            assert needs and set(needs) <= CAPABILITIES


def test_a_site_turnouts_file_replaces_the_shipped_plans(tmp_path: Path) -> None:
    (tmp_path / "turnouts.toml").write_text(
        'version = 1\n[SA]\n"BR" = ["fire_engine", "fire_engine"]\n'
        '[BO]\n"wz.vaa.noo" = ["boat", "boat", "ambulance"]\n', encoding="utf-8")
    ref = load_reference(tmp_path)
    assert ref.sources["turnouts.toml"] == str(tmp_path / "turnouts.toml")
    assert ref.turnout("BR.GEB.WON", "SA").needs == ("fire_engine", "fire_engine")
    assert ref.turnout("BR.VOE.VTG", "SA").plan == "BR"
    assert ref.turnout("WZ.VAA.NOO", "BO").needs == ("boat", "boat", "ambulance")
    assert ref.turnout("BR.GEB.WON", "SE").plan is None  # the shipped SE plans are gone


@pytest.mark.parametrize(("text", "says"), [
    ('[XX]\n"BR" = ["fire_engine"]\n', ": [XX] is not an island; use one of BO, SE, SA"),
    ('SE = ["fire_engine"]\n', ": SE must be a table of class codes ([SE])"),
    ('[SE]\n"BR.NOPE" = ["fire_engine"]\n',
     " [SE]: unknown class 'BR.NOPE'; 'meldkamer classification list' shows them"),
    ('[SE]\n"BR" = ["fire_engine", "helicopter"]\n',
     " [SE]: 'BR': unknown capability 'helicopter'; use one of"),
    ('[SE]\n"BR" = []\n', " [SE]: 'BR' sends no unit; give at least one capability"),
    ('[SE]\n"BR" = "fire_engine"\n', " [SE]: BR must be a list, not 'fire_engine'"),
    ('[SE]\n"BR" = ["fire_engine"]\n"br" = ["patrol_car"]\n', " [SE]: 'br' is given twice"),
])
def test_a_broken_turnouts_file_names_file_entry_and_key(
        tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "turnouts.toml"
    path.write_text("version = 1\n" + text, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(tmp_path)
    assert str(caught.value).startswith(f"{path}{says}"), str(caught.value)
    assert caught.value.exit_code == 7
