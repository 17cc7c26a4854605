"""The incident list sorted and filtered by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.views import IncidentView
from meldkamer.errors import InvalidInput
from meldkamer.services.incidents import INCIDENT_SORTS

KRALENDIJK = (12.1500, -68.2667)
RINCON = (12.2376, -68.3306)
ORANJESTAD = (17.4830, -62.9864)
THE_BOTTOM = (17.6265, -63.2497)


@pytest.fixture
def shift(core: Meldkamer) -> Meldkamer:
    """Open incidents on all islands, of several disciplines, some with units."""
    make = core.incidents.create
    fire = make(caller_number="911", lat=KRALENDIJK[0], lon=KRALENDIJK[1],
                address="Kaya Grandi 12", classification="BR.GEB.WON")
    cardiac = make(caller_number="912", lat=ORANJESTAD[0], lon=ORANJESTAD[1],
                   classification="GZ.ACU.REA")
    burglary = make(caller_number="913", lat=RINCON[0], lon=RINCON[1],
                    classification="BZ.INB.WON")
    make(caller_number="914", lat=THE_BOTTOM[0], lon=THE_BOTTOM[1],
         address="Fort Road", classification="BZ.INB.WON", priority=1, priority_reason="x")
    now = core.clock
    core.clock = lambda: now() - timedelta(minutes=2)  # type: ignore[method-assign]
    unknown = make(caller_number="915")  # (its unit cleared before the grace, below)
    core.clock = now  # type: ignore[method-assign]
    make(caller_number="916", address="Kaya Amsterdam 3")
    closed = make(caller_number="917", lat=RINCON[0], lon=RINCON[1])
    core.incidents.close(closed.number, "HANDLED")
    core.dispatch.dispatch(burglary.number, ["P-103", "A-101"], override_reason="test")
    core.dispatch.dispatch(fire.number, ["B-101"])
    core.units.set_status("B-101", "en_route")
    # An ambulance that came and went: the incident still concerns the ambulance (and
    # is flagged: cleared two minutes ago, past the grace to close it).
    core.clock = lambda: now() - timedelta(minutes=2)  # type: ignore[method-assign]
    core.dispatch.dispatch(unknown.number, ["A-102"], override_reason="test")
    core.units.set_status("A-102", "available_mobile")
    core.clock = now  # type: ignore[method-assign]
    core.dispatch.dispatch(cardiac.number, ["P-201"], override_reason="test")
    return core


def views(core: Meldkamer, *, attention_first: bool = True) -> list[IncidentView]:
    return core.incidents.summaries(core.incidents.active_ids(
        attention_first=attention_first))


def first_active(inc: IncidentView) -> str | None:
    return next((a.callsign for a in inc.assignments if a.active), None)


def expected_order(core: Meldkamer, sort: str) -> list[int]:
    """What each column's order means, in Python, from the views the table shows."""
    ref = core.ref
    shorts = {d: ref.disciplines[d].short for d in ref.disciplines}
    ties: Callable[[IncidentView], tuple[Any, ...]] = lambda v: (v.priority, v.id)  # noqa: E731
    keys: dict[str, Callable[[IncidentView], Any]] = {
        "priority": ties,
        "number": lambda v: v.number,
        "classification": lambda v: (v.classification or "", *ties(v)),
        "island": lambda v: (v.island, *ties(v)),
        "location": lambda v: (0 if v.address else 1 if v.lat is not None else 2, v.address,
                               v.lat or 0, v.lon or 0, *ties(v)),
        "units": lambda v: (first_active(v) is None, first_active(v) or "", *ties(v)),
        "age": lambda v: (-v.created_at.timestamp(), -v.id),
        "since_status": lambda v: (-(v.last_status_at or v.created_at).timestamp(), -v.id),
        "disciplines": lambda v: (not v.disciplines,
                                  shorts[v.disciplines[0]] if v.disciplines else "", *ties(v)),
    }
    assert set(keys) == set(INCIDENT_SORTS)
    return [v.id for v in sorted(views(core, attention_first=False), key=keys[sort])]


@pytest.mark.parametrize("sort", INCIDENT_SORTS)
def test_every_column_sorts_in_sql(shift: Meldkamer, sort: str) -> None:
    ids = shift.incidents.active_ids(sort=sort, attention_first=False)
    assert len(ids) == 6
    assert ids == expected_order(shift, sort)
    assert shift.incidents.active_ids(sort=sort, descending=True,
                                      attention_first=False) == ids[::-1]


@pytest.mark.parametrize("sort", INCIDENT_SORTS)
def test_flagged_incidents_come_first_in_every_sort_and_direction(shift: Meldkamer,
                                                                  sort: str) -> None:
    flagged = {v.id for v in views(shift) if v.attention}
    assert len(flagged) == 1  # the one whose ambulance came and went
    for descending in (False, True):
        plain = shift.incidents.active_ids(sort=sort, descending=descending,
                                           attention_first=False)
        ids = shift.incidents.active_ids(sort=sort, descending=descending)
        assert ids == [i for i in plain if i in flagged] + [i for i in plain
                                                            if i not in flagged]


def test_default_order_is_attention_then_priority_then_oldest(shift: Meldkamer) -> None:
    listed = shift.incidents.list_incidents(active=True)
    assert shift.incidents.active_ids() == [v.id for v in listed]
    assert listed[0].attention == ("unattended",) and listed[0].calls[0].caller_number \
        .endswith("915")
    rest = [(v.priority, v.id) for v in listed[1:]]
    assert rest == sorted(rest) and rest[0][0] == 1


def test_filter_by_island(shift: Meldkamer) -> None:
    for island in ("BO", "SE", "SA"):
        ids = shift.incidents.active_ids(island=island)
        assert ids == [v.id for v in views(shift) if v.island == island]
        assert ids
    assert shift.incidents.active_ids(island="se", sort="age") == \
        shift.incidents.active_ids(island="SE")


@pytest.mark.parametrize("discipline", ["police", "fire", "ambulance", "kmar", "coastguard"])
def test_filter_by_discipline_means_what_the_table_shows(shift: Meldkamer,
                                                          discipline: str) -> None:
    ids = shift.incidents.active_ids(discipline=discipline, sort="number",
                                     attention_first=False)
    shown = sorted((v for v in views(shift) if discipline in v.disciplines),
                   key=lambda v: v.number)
    assert ids == [v.id for v in shown]


def test_discipline_from_class_and_from_units(shift: Meldkamer) -> None:
    by_caller = {v.calls[0].caller_number: v.id for v in views(shift)}
    ambulance = set(shift.incidents.active_ids(discipline="ambulance"))
    assert by_caller["912"] in ambulance  # resuscitation needs an ambulance
    assert by_caller["913"] in ambulance  # an ambulance was sent to the burglary
    assert by_caller["915"] in ambulance  # and one came and went here
    assert by_caller["916"] not in ambulance
    police = set(shift.incidents.active_ids(discipline="police"))
    assert by_caller["912"] in police  # P-201 was sent to the cardiac arrest


def test_island_and_discipline_together(shift: Meldkamer) -> None:
    ids = shift.incidents.active_ids(island="BO", discipline="fire", sort="age")
    expected = [v.id for v in views(shift) if v.island == "BO" and "fire" in v.disciplines]
    assert sorted(ids) == sorted(expected) and len(ids) == 1


def test_unknown_sort_or_discipline_is_refused(core: Meldkamer) -> None:
    with pytest.raises(InvalidInput, match="cannot sort"):
        core.incidents.active_ids(sort="colour")
    with pytest.raises(InvalidInput, match="unknown discipline"):
        core.incidents.active_ids(discipline="navy")


def test_active_count_ignores_filters(shift: Meldkamer) -> None:
    assert shift.incidents.active_count() == len(shift.incidents.active_ids()) == 6


def test_summaries_by_number(shift: Meldkamer) -> None:
    some = views(shift)[:3]
    wanted = [v.number for v in some] + ["BON-1999-000001"]
    found = shift.incidents.summaries_of([n.lower() for n in wanted])
    assert sorted(v.number for v in found) == sorted(v.number for v in some)
