"""Filling turnout slots: a matching, so a unit with two capabilities goes where it is the
only one; and the shipped island plans fit the units those islands have."""

from __future__ import annotations

import pytest

from meldkamer.demo import demo_roster
from meldkamer.domain.reference import Reference
from meldkamer.services.turnout import match
from meldkamer.store.models import Unit


def units(*caps: tuple[str, ...]) -> list[Unit]:
    """Units in the order given (nearest first), named U1, U2, ..."""
    return [Unit(id=n, callsign=f"U{n}", capabilities=list(c)) for n, c in
            enumerate(caps, start=1)]


def callsigns(filled: dict[int, Unit]) -> dict[int, str]:
    return {i: u.callsign for i, u in sorted(filled.items())}


def test_each_slot_takes_the_nearest_free_unit_with_its_capability() -> None:
    pool = units(("patrol_car",), ("ambulance",), ("patrol_car",), ("patrol_car",))
    caps = ["patrol_car", "patrol_car", "ambulance"]
    assert callsigns(match(caps, range(3), pool)) == {0: "U1", 1: "U3", 2: "U2"}


def test_a_unit_with_two_capabilities_goes_where_only_it_fits() -> None:
    # the engine with rescue gear is nearest, but it is the only rescue unit
    pool = units(("fire_engine", "rescue"), ("fire_engine",), ("fire_engine",))
    caps = ["fire_engine", "fire_engine", "rescue"]
    assert callsigns(match(caps, range(3), pool)) == {0: "U2", 1: "U3", 2: "U1"}
    # two slots, one unit each way round: the augmenting path finds it
    pool = units(("fire_engine", "rescue"), ("fire_engine",))
    assert callsigns(match(["fire_engine", "rescue"], range(2), pool)) == {0: "U2", 1: "U1"}


def test_a_slot_no_unit_can_fill_stays_empty_and_never_takes_another_capability() -> None:
    pool = units(("ambulance",), ("patrol_car",))
    assert callsigns(match(["boat", "ambulance"], range(2), pool)) == {1: "U1"}
    assert match(["fire_engine"], range(1), []) == {}
    assert callsigns(match(["patrol_car"] * 3, [0, 2], pool)) == {0: "U2"}


@pytest.mark.parametrize("island", ["SE", "SA"])
def test_every_turnout_on_the_small_islands_can_be_filled_by_their_units(
        ref: Reference, island: str) -> None:
    """With every unit at rest, no slot of any class stays empty on Statia or Saba."""
    roster = [Unit(id=n, callsign=u["callsign"], capabilities=u["capabilities"])
              for n, u in enumerate(demo_roster()["unit"]) if u["island"] == island]
    short = {}
    for code in ref.classifications:
        needs = ref.turnout(code, island).needs
        filled = match(needs, range(len(needs)), roster)
        if len(filled) < len(needs):
            short[code] = [needs[i] for i in range(len(needs)) if i not in filled]
    assert short == {}
