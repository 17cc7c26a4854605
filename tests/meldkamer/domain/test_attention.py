"""Attention flags as a pure function of stored times and an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from meldkamer.domain.attention import (
    ALL_CLEARED,
    NO_UNIT,
    UNIT_ESCALATED,
    UNIT_OVERDUE,
    UnitOnIncident,
    assess,
    cleared_grace,
    reminder_after,
    unattended_after,
)
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.errors import ReferenceDataError

T0 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def flags(ref: Reference, *, now: float, priority: int = 1, urgency: str | None = None,
          units: tuple[UnitOnIncident, ...] = (), state: str = "open",
          acks: dict[str, datetime | None] | None = None) -> tuple[str, ...]:
    return assess(ref, state=state, priority=priority, urgency=urgency, created_at=T0,
                  units=units, acknowledged=acks or {}, now=at(now)).codes


def unit(status: str = "en_route", *, dispatched: float = 10, since: float = 10,
         cleared: float | None = None, callsign: str = "P-101") -> UnitOnIncident:
    return UnitOnIncident(callsign, at(dispatched), None if cleared is None else at(cleared),
                          status, at(since))


def test_priority_one_without_a_unit_is_flagged_at_sixty_seconds(ref: Reference) -> None:
    assert flags(ref, now=59.999) == ()
    assert flags(ref, now=60) == ("unattended",)
    raised = assess(ref, state="open", priority=1, urgency=None, created_at=T0, units=(),
                    acknowledged={}, now=at(61)).raised
    assert [(r.code, r.reason, r.onset, r.seconds) for r in raised] == [
        ("unattended", NO_UNIT, at(60), 60.0)]


def test_each_priority_has_its_own_threshold(ref: Reference) -> None:
    assert unattended_after(ref, 1, None) == 60
    assert unattended_after(ref, 2, None) == 300
    assert unattended_after(ref, 3, None) is None
    assert flags(ref, priority=2, now=299) == ()
    assert flags(ref, priority=2, now=300) == ("unattended",)
    assert flags(ref, priority=3, now=86_400) == ()  # routine: never for want of a unit


def test_urgency_a0_and_a1_are_watched_like_priority_one(ref: Reference) -> None:
    # An A1 whose priority an operator lowered to 2 still waits 60 s, not 5 minutes.
    assert unattended_after(ref, 2, "A1") == 60
    assert flags(ref, priority=2, urgency="A1", now=61) == ("unattended",)
    assert flags(ref, priority=1, urgency="A0", now=60) == ("unattended",)
    assert unattended_after(ref, 2, "A2") == 300  # A2 follows its priority (2)


def test_a_unit_assigned_in_time_keeps_it_quiet(ref: Reference) -> None:
    assert flags(ref, now=3600, units=(unit("on_scene", since=100),)) == ()


def test_the_last_unit_cleared_flags_an_open_incident_after_a_grace(ref: Reference) -> None:
    assert cleared_grace(ref, 3) == cleared_grace(ref, 1) == 60
    cleared = (unit("available_mobile", since=200, cleared=200),)
    assert flags(ref, priority=3, now=200, units=cleared) == ()  # time to close it first
    assert flags(ref, priority=3, now=259.999, units=cleared) == ()
    assert flags(ref, priority=3, now=260, units=cleared) == ("unattended",)
    raised = assess(ref, state="open", priority=3, urgency=None, created_at=T0, units=cleared,
                    acknowledged={}, now=at(261)).raised
    assert [(r.reason, r.onset, r.seconds) for r in raised] == [(ALL_CLEARED, at(260), 60.0)]
    # one of two cleared: the other is still on it
    assert flags(ref, now=300, units=(*cleared, unit("on_scene", callsign="A-101"))) == ()
    assert flags(ref, now=300, units=cleared, state="closed") == ()


def test_a_unit_past_its_status_timer_is_overdue(ref: Reference) -> None:
    limit = ref.statuses["en_route"].timer_minutes * 60
    assert limit > 0
    on_way = (unit("en_route", since=100),)
    assert flags(ref, now=100 + limit) == ("unattended",)  # (no unit at all, for contrast)
    assert flags(ref, now=100 + limit, units=on_way) == ()
    assert flags(ref, now=100 + limit + 1, units=on_way) == ("overdue",)
    late = assess(ref, state="open", priority=1, urgency=None, created_at=T0, units=on_way,
                  acknowledged={}, now=at(100 + limit * 1.5 + 1)).raised
    assert [(r.reason, r.callsign, r.status) for r in late] == [
        (UNIT_ESCALATED, "P-101", "en_route")]
    ok = assess(ref, state="open", priority=1, urgency=None, created_at=T0, units=on_way,
                acknowledged={}, now=at(100 + limit + 1)).raised
    assert ok[0].reason == UNIT_OVERDUE
    # each status has its own limit: on scene for the same time is not overdue
    assert ref.statuses["on_scene"].timer_minutes * 60 > limit + 1
    assert flags(ref, now=100 + limit + 1, units=(unit("on_scene", since=100),)) == ()


def test_an_acknowledged_flag_stays_quiet_until_it_arises_again(ref: Reference) -> None:
    acks: dict[str, datetime | None] = {"unattended": at(70)}
    assert flags(ref, now=90, acks=acks) == ()
    quiet = assess(ref, state="open", priority=1, urgency=None, created_at=T0, units=(),
                   acknowledged=acks, now=at(90))
    assert quiet.quiet == ("unattended",) and quiet.codes == ()
    # a unit came and was cleared after the acknowledgement: the flag rises again
    later = (unit("available_mobile", dispatched=100, since=400, cleared=400),)
    assert flags(ref, now=461, units=later, acks=acks) == ("unattended",)
    assert flags(ref, now=471, units=later, acks={"unattended": at(470)}) == ()


def test_an_acknowledged_no_unit_flag_rises_again_after_one_more_threshold(
        ref: Reference) -> None:
    assert reminder_after(ref, 1, None) == 60 and reminder_after(ref, 2, None) == 300
    assert reminder_after(ref, 3, None) is None
    assert reminder_after(ref, 2, "A1") == 60  # an A1 lowered to 2: reminded like an A1
    acks: dict[str, datetime | None] = {"unattended": at(70)}
    assert flags(ref, now=129.999, acks=acks) == ()
    assert flags(ref, now=130, acks=acks) == ("unattended",)  # a snooze, not a mute
    again = assess(ref, state="open", priority=1, urgency=None, created_at=T0, units=(),
                   acknowledged=acks, now=at(131)).raised
    assert [(r.reason, r.onset, r.again, r.seconds) for r in again] == [
        (NO_UNIT, at(130), True, 60.0)]
    assert flags(ref, now=180, acks={"unattended": at(131)}) == ()  # acknowledged again
    assert flags(ref, now=191, acks={"unattended": at(131)}) == ("unattended",)
    assert flags(ref, priority=2, now=609, acks={"unattended": at(310)}) == ()
    assert flags(ref, priority=2, now=610, acks={"unattended": at(310)}) == ("unattended",)
    # the last unit cleared: reminded the same way; routine (priority 3): never
    cleared = (unit("available_mobile", since=200, cleared=200),)
    later = {"unattended": at(265)}
    assert flags(ref, now=324, units=cleared, acks=later) == ()
    assert flags(ref, now=325, units=cleared, acks=later) == ("unattended",)
    assert flags(ref, priority=3, now=86_400, units=cleared, acks=later) == ()
    # a unit on it: nothing to remind of (and an overdue is not reminded)
    limit = ref.statuses["en_route"].timer_minutes * 60
    on_way = (unit("en_route", since=0),)
    assert flags(ref, now=limit + 100, units=on_way,
                 acks={"unattended": at(70), "overdue": at(limit + 5)}) == ()


def test_the_reminder_comes_from_the_sites_priorities(tmp_path: Path) -> None:
    site = tmp_path / "reference"
    site.mkdir()
    text = (Path(__file__).parents[3] / "meldkamer" / "data" / "priorities.toml").read_text()
    (site / "priorities.toml").write_text(
        text.replace("reminder_seconds = 60", "reminder_seconds = 0", 1)
        .replace("reminder_seconds = 300", "reminder_seconds = 600"))
    ref = load_reference(site)
    assert (reminder_after(ref, 1, None), reminder_after(ref, 2, None)) == (None, 600)
    assert flags(ref, now=86_400, acks={"unattended": at(70)}) == ()  # 0: never again
    bare = "\n".join(line for line in text.splitlines()
                     if not line.startswith("reminder_seconds"))
    (site / "priorities.toml").write_text(
        bare.replace("unattended_seconds = 300", "unattended_seconds = 120"))
    ref = load_reference(site)  # left out: one more threshold
    assert (reminder_after(ref, 1, None), reminder_after(ref, 2, None)) == (60, 120)
    assert reminder_after(ref, 3, None) is None
    (site / "priorities.toml").write_text(text.replace(
        'code = "A1"\npriority = 1\n', 'code = "A1"\npriority = 1\nreminder_seconds = 30\n'))
    assert reminder_after(load_reference(site), 1, "A1") == 30
    (site / "priorities.toml").write_text(
        text.replace("reminder_seconds = 300", "reminder_seconds = -1"))
    with pytest.raises(ReferenceDataError, match="reminder_seconds"):
        load_reference(site)


def test_an_acknowledged_overdue_rises_again_when_it_escalates(ref: Reference) -> None:
    limit = ref.statuses["en_route"].timer_minutes * 60
    on_way = (unit("en_route", since=0),)
    acks: dict[str, datetime | None] = {"overdue": at(limit + 5)}
    assert flags(ref, now=limit + 10, units=on_way, acks=acks) == ()
    assert flags(ref, now=limit * 1.5 + 1, units=on_way, acks=acks) == ("overdue",)
    # an acknowledged overdue is not an acknowledged unattended
    assert flags(ref, now=3600, acks={"overdue": at(3000)}) == ("unattended",)


def test_thresholds_come_from_the_sites_priorities(tmp_path: Path) -> None:
    shipped = load_reference(None)
    site = tmp_path / "reference"
    site.mkdir()
    text = (Path(__file__).parents[3] / "meldkamer" / "data" / "priorities.toml").read_text()
    (site / "priorities.toml").write_text(
        text.replace("unattended_seconds = 300", "unattended_seconds = 120"))
    ref = load_reference(site)
    assert unattended_after(ref, 2, None) == 120 != unattended_after(shipped, 2, None)
    # a site file without the key gets the defaults
    bare = "\n".join(line for line in text.splitlines()
                     if not line.startswith("unattended_seconds"))
    (site / "priorities.toml").write_text(bare)
    ref = load_reference(site)
    assert (unattended_after(ref, 1, None), unattended_after(ref, 2, None)) == (60, 300)
    assert unattended_after(ref, 3, None) is None
    (site / "priorities.toml").write_text(
        text.replace("unattended_seconds = 300", "unattended_seconds = -5"))
    with pytest.raises(ReferenceDataError, match="unattended_seconds"):
        load_reference(site)


def test_the_grace_after_the_last_clearing_comes_from_the_sites_priorities(
        tmp_path: Path) -> None:
    site = tmp_path / "reference"
    site.mkdir()
    text = (Path(__file__).parents[3] / "meldkamer" / "data" / "priorities.toml").read_text()
    (site / "priorities.toml").write_text(text.replace(
        "unattended_seconds = 60\ncleared_grace_seconds = 60",
        "unattended_seconds = 60\ncleared_grace_seconds = 0", 1))
    ref = load_reference(site)
    assert (cleared_grace(ref, 1), cleared_grace(ref, 2)) == (0, 60)
    cleared = (unit("available_mobile", since=200, cleared=200),)
    assert flags(ref, priority=1, now=200, units=cleared) == ("unattended",)  # at once
    bare = "\n".join(line for line in text.splitlines()
                     if not line.startswith("cleared_grace_seconds"))
    (site / "priorities.toml").write_text(bare)
    assert cleared_grace(load_reference(site), 1) == 60  # the default
    (site / "priorities.toml").write_text(
        text.replace("cleared_grace_seconds = 60", "cleared_grace_seconds = 90000"))
    with pytest.raises(ReferenceDataError, match="cleared_grace_seconds"):
        load_reference(site)


def test_an_unknown_status_is_not_a_crash(ref: Reference) -> None:
    odd = unit()._replace(status="retired_in_a_newer_version")
    assert flags(ref, now=5000, units=(odd,)) == ()
