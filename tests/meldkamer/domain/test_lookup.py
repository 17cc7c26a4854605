"""The intake type-ahead: which class and which place come first, and why nothing does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import geodata
from meldkamer import i18n
from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import (
    BAD_COORDINATE,
    NO_STREET_DATA,
    NOT_FOUND,
    STREET_DATA_UNUSABLE,
    ClassificationIndex,
    LocationResults,
    LocationSearch,
    NamedPoint,
    PointSource,
    SearchNote,
)
from meldkamer.domain.reference import Reference
from tests.maps.town import write_town

# What an operator types, in Dutch, English or Papiamentu, and the class that must come
# first. A code ending in "." is a group: a generic word ("fire", "kandela") must give one
# of its classes, whichever is most urgent and first in the file.
FIRST_HITS = [
    # Dutch
    ("inbraak", "BZ.INB.WON"),
    ("inbr wo", "BZ.INB.WON"),
    ("brand woning", "BR.GEB.WON"),
    ("brand wo", "BR.GEB.WON"),
    ("woningbrand", "BR.GEB.WON"),
    ("brand", "BR.GEB.WON"),
    ("duikongeval", "WZ.DUI.KAN"),
    ("reanimatie", "GZ.ACU.REA"),
    ("reanim", "GZ.ACU.REA"),
    ("vaartuig", "WZ.VAA.NOO"),
    ("verkeersongeval", "OV.WEG.LET"),
    ("steekpartij", "GW.WAP.STK"),
    ("vechtpartij", "GW.MIS.VEC"),
    ("mishandeling", "GW.MIS.MIS"),
    ("geluidsoverlast", "OO.OVL.GEL"),
    ("vee op de weg", "VK.HIN.VEE"),
    ("verdrinking", "WZ.PER.VER"),
    ("gaslek", "HV.GEV.GAS"),
    ("smokkel", "GB.GRS.SMO"),
    ("diefstal", "BZ.DIE."),
    # English
    ("burglary", "BZ.INB.WON"),
    ("house burglary", "BZ.INB.WON"),
    ("house fire", "BR.GEB.WON"),
    ("car fire", "BR.VOE.VTG"),
    ("fire", "BR."),
    ("accident", "OV."),
    ("diving accident", "WZ.DUI.KAN"),
    ("drowning", "WZ.PER.VER"),
    ("cardiac arrest", "GZ.ACU.REA"),
    ("heart attack", "GZ.ACU.BOR"),
    ("stabbing", "GW.WAP.STK"),
    ("sinking", "WZ.VAA.NOO"),
    ("vessel", "WZ.VAA.NOO"),
    # Papiamentu
    ("kandela", "BR."),
    ("kandela den kas", "BR.GEB.WON"),
    ("aksidente", "OV."),
    ("boto ta sink", "WZ.VAA.NOO"),
    ("bringa", "GW.MIS.VEC"),
    ("atraku", "BZ.OVV."),
    ("hende hogá", "WZ.PER.VER"),
    ("kurason a para", "GZ.ACU.REA"),
    ("sambuyadó pèrdí", "WZ.PER.ZWE"),
    ("mucha pèrdí", "OO.VER.KIN"),
    # codes
    ("BR.GEB.WON", "BR.GEB.WON"),
    ("wz.vaa", "WZ.VAA"),
]


@pytest.fixture(scope="module")
def classes(ref: Reference) -> ClassificationIndex:
    return ClassificationIndex(ref)


@pytest.mark.parametrize(("query", "first"), FIRST_HITS)
def test_the_class_whose_words_match_best_comes_first(classes: ClassificationIndex,
                                                      query: str, first: str) -> None:
    found = classes.search(query, limit=5)
    assert found, query
    code = found[0].cls.code
    assert code.startswith(first) if first.endswith(".") else code == first, (
        query, [(m.cls.code, m.score) for m in found])


def test_vessel_classes_before_border_control(classes: ClassificationIndex) -> None:
    codes = [m.cls.code for m in classes.search("vaartuig", limit=20)]
    vessels = [c for c in codes if c.startswith(("WZ.VAA", "BR.VAA"))]
    assert codes[0] == "WZ.VAA.NOO"
    assert len(vessels) == 8 and codes.index("GB.GRS.SMO") > max(map(codes.index, vessels))


def test_groups_come_after_their_classes(classes: ClassificationIndex) -> None:
    codes = [m.cls.code for m in classes.search("duikongeval")]
    assert codes[:3] == ["WZ.DUI.KAN", "WZ.DUI.ZEE", "WZ.DUI"]
    # a group still comes first when only it is named by its code
    assert classes.search("WZ.DUI")[0].cls.code == "WZ.DUI"


def test_ranking_is_stable_and_scores_fall(classes: ClassificationIndex) -> None:
    found = classes.search("brand", limit=10)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert [m.cls.code for m in found] == [m.cls.code for m in classes.search("brand",
                                                                               limit=10)]
    # on equal matches the more urgent class first (all fire classes match "brand" alike)
    tied = [m for m in found if m.score == found[0].score]
    assert [m.cls.priority for m in tied] == sorted(m.cls.priority for m in tied)


@pytest.mark.parametrize("query", ["", "   ", "xyzzy qwerty", "!!!"])
def test_nonsense_finds_no_class(classes: ClassificationIndex, query: str) -> None:
    assert classes.search(query) == []


def test_path_follows_the_language(classes: ClassificationIndex) -> None:
    assert classes.search("house fire", lang="en")[0].path == "Fire > Building > Dwelling"


# -- locations ---------------------------------------------------------------------------

def labels(found: LocationResults) -> list[str]:
    return [c.label for c in found]


@pytest.mark.parametrize(("query", "first", "then"), [
    ("windwardside", "Windwardside", "Politiepost Windwardside"),
    ("rincon", "Dorp Rincon", "Politiepost Rincon"),
    ("rinc", "Dorp Rincon", "Politiepost Rincon"),
    ("the bottom", "The Bottom", "Politiebureau The Bottom"),
    ("oranjestad", "Oranjestad", "Politiebureau Oranjestad (Sint Eustatius)"),
    ("kralendijk", "Kralendijk", "Brandweerpost Kralendijk"),
])
def test_places_come_before_the_posts_in_them(sqlite_core: Meldkamer, query: str, first: str,
                                              then: str) -> None:
    found = labels(sqlite_core.intake.locations().search(query, limit=8))
    assert found[0] == first and then in found[1:], found


@pytest.mark.parametrize(("query", "first"), [
    ("politiepost windwardside", "Politiepost Windwardside"),
    ("politie windwardside", "Politiepost Windwardside"),
    ("brandweer the bottom", "Brandweerkazerne Saba (The Bottom)"),
])
def test_naming_the_post_finds_the_post(sqlite_core: Meldkamer, query: str,
                                        first: str) -> None:
    assert labels(sqlite_core.intake.locations().search(query))[0] == first


def test_an_address_without_street_data_says_so_in_dutch(sqlite_core: Meldkamer) -> None:
    found = sqlite_core.intake.locations().search("kaya grandi 12")
    assert not found and found.note is not None and found.note.code == NO_STREET_DATA
    i18n.set_language("nl")
    assert str(found.note) == ("Geen straatgegevens geïmporteerd: `meldkamer maps import-osm`."
                               " Zoek een plaats, of typ coördinaten zoals 12.15, -68.27")
    i18n.set_language("en")
    assert str(found.note).startswith("No street data imported: `meldkamer maps import-osm`")


def test_nothing_found_names_the_query_and_hints(sqlite_core: Meldkamer) -> None:
    found = sqlite_core.intake.locations().search("xyzzy")
    assert len(found) == 0 and found.note == SearchNote(NOT_FOUND, "xyzzy")
    i18n.set_language("nl")
    assert str(found.note) == ("Niets gevonden voor “xyzzy”: probeer een plaatsnaam, of "
                               "coördinaten zoals 12.15, -68.27")


def test_a_coordinate_off_the_earth_is_explained(sqlite_core: Meldkamer) -> None:
    search = sqlite_core.intake.locations()
    bad = search.search("95, 200")
    assert not bad and bad.note is not None and bad.note.code == BAD_COORDINATE
    good = search.search("12.15, -68.27")
    assert good.note is None and good[0].kind == "coordinate" and good[0].island == "BO"


def test_found_or_blank_has_no_note(sqlite_core: Meldkamer) -> None:
    search = sqlite_core.intake.locations()
    assert search.search("windwardside").note is None
    assert search.search("   ").note is None and not search.search("   ")


def test_results_behave_as_a_list_of_candidates(sqlite_core: Meldkamer) -> None:
    found = sqlite_core.intake.locations().search("the bottom", limit=3)
    assert len(found) == 3 and found[0] is found.candidates[0]
    assert [c.label for c in found[:2]] == labels(found)[:2] and found[-1] in found
    assert found.query == "the bottom"


def town_geodata(folder: Path) -> Path:
    """The synthetic town of tests/maps imported into ``folder``."""
    geodata.import_osm(write_town(folder.parent / "town.osm"), folder)
    return folder


def test_with_street_data_addresses_are_found_and_unknown_ones_not_blamed_on_it(
        sqlite_core: Meldkamer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELDKAMER_GEODATA", str(town_geodata(tmp_path / "geodata")))
    search = sqlite_core.intake.locations()
    found = search.search("kaya grandi 12")
    assert found.note is None and found[0].label == "Kaya Grandi 12"
    missing = search.search("xq zzyv 5")
    assert not missing and missing.note is not None and missing.note.code == NOT_FOUND


def test_unreadable_street_data_is_named(sqlite_core: Meldkamer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "geodata"
    folder.mkdir()
    (folder / geodata.DB_NAME).write_bytes(b"not a database, not at all" * 200)
    monkeypatch.setenv("MELDKAMER_GEODATA", str(folder))
    search = sqlite_core.intake.locations()
    assert labels(search.search("windwardside"))[0] == "Windwardside"  # places still work
    found = search.search("kaya grandi 12")
    assert found.note is not None and found.note.code == STREET_DATA_UNUSABLE
    assert "database" in found.note.detail and "database" in str(found.note)


def test_a_source_without_its_own_reason_gets_not_found(ref: Reference) -> None:
    post = NamedPoint("Politiepost Rincon", "station", 12.24, -68.33, "BO")
    search = LocationSearch(ref, [PointSource([post], "stations")])
    assert search.search("kaya grandi 12").note == SearchNote(NOT_FOUND, "kaya grandi 12")
    assert labels(search.search("rincon")) == ["Politiepost Rincon"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_safe_query_and_empty_means_a_reason(
        ref: Reference, classes: ClassificationIndex, text: str) -> None:
    post = NamedPoint("Politiepost Rincon", "station", 12.24, -68.33, "BO")
    found = LocationSearch(ref, [PointSource([post], "stations")]).search(text)
    assert (found.note is None) == (bool(found) or not text.strip())
    assert len(classes.search(text, limit=5)) <= 5
