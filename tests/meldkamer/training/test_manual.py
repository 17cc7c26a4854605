"""A call made by hand in the trainer console: each wrong field named, a right one rung."""

from __future__ import annotations

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.training import parse
from meldkamer.training.engine import Engine
from meldkamer.training.manual import CallForm, FieldError, leaf_classes, manual_call
from meldkamer.training.scoring import score_call
from tests.meldkamer.training.test_training import CALL, HEAD, FakeWall, tcore  # noqa: F401

GOOD = CallForm(caller="+599 555 9100", location="Dorp Antriol", island="BO",
                classification="BZ.INB.WON")


def field_of(ref: Reference, form: CallForm) -> str:
    with pytest.raises(FieldError) as caught:
        manual_call(ref, form, ["T1"])
    return caught.value.field


def test_each_wrong_field_is_named(ref: Reference) -> None:
    from dataclasses import replace

    assert field_of(ref, replace(GOOD, caller="bel me")) == "caller"
    assert field_of(ref, replace(GOOD, language="fr")) == "language"
    assert field_of(ref, replace(GOOD, island="XX")) == "island"
    assert field_of(ref, replace(GOOD, location="")) == "location"
    assert field_of(ref, replace(GOOD, location="Nergenshuizen")) == "location"
    assert field_of(ref, replace(GOOD, location="Dorp Antriol", island="SA")) == "location"
    assert field_of(ref, replace(GOOD, location="17.63, -63.23")) == "location"  # Saba
    assert field_of(ref, replace(GOOD, classification="XX.NOPE")) == "classification"
    assert field_of(ref, replace(GOOD, priority=9)) == "priority"
    assert field_of(ref, replace(GOOD, units=("dragon",))) == "units"
    assert field_of(ref, replace(GOOD, point=(17.63, -63.23), location="Kaya 1")) == "island"


def test_a_right_form_is_a_call_the_engine_rings_and_scores(
        tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    from dataclasses import replace

    call = manual_call(ref, replace(GOOD, units=("patrol_car",), says=("help", " ")),
                       ["T1", "c1"])
    assert call.id == "T2" and call.says == ("help",) and call.priority == 2
    assert call.island == "BO" and call.location == "Dorp Antriol"
    typed = manual_call(ref, replace(GOOD, location="12.15, -68.27"), [])
    assert (typed.lat, typed.lon) == (12.15, -68.27) and typed.id == "T1"
    assert "BZ.INB.WON" in leaf_classes(ref) and "BZ" not in leaf_classes(ref)
    engine = Engine(tcore, parse(HEAD + CALL, ref), speed=1, wall=FakeWall())
    engine.start()
    record = engine.inject_call(call)
    assert record.call.id == "T2" and record in engine.ringing
    assert score_call(record).score == 0  # not answered yet
    engine.close()
