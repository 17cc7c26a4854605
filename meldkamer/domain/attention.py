"""Attention flags: the incidents no one may forget, computed from stored times and a clock.

Two codes, in this order:

- ``unattended``: an open incident with no unit on it, either
  - never had one, and the priority's (or urgency's) threshold has passed since it was
    created (``unattended_seconds`` in priorities.toml: 60 s for priority 1, A0 and A1,
    5 min for priority 2, never for priority 3), or
  - had units, and the last one was cleared a grace period ago while the incident is
    still open (``cleared_grace_seconds`` in priorities.toml, 60 s for every priority:
    time to close it, so an ordinary close raises no flag; 0: at once);
- ``overdue``: a unit on it is past its status timer (``timer_state``: overdue or
  escalated).

Each condition has an onset: the moment it arose (creation plus the threshold, the last
clearing plus the grace, the unit's status time plus its limit, or plus one and a half
times its limit once escalated). Acknowledging stores the time per code; an
acknowledged flag stays quiet while its onset lies before the acknowledgement, and
rises again when the condition arises anew: a later clearing, another unit overdue, an
escalation. An acknowledgement of ``unattended`` is a snooze, not a mute: while the
incident still has no unit the flag rises again ``reminder_seconds`` after it (by
default one more threshold: 60 s for priority 1, 5 min for priority 2; never for
priority 3), its onset the acknowledgement plus the reminder.

One pure function for the CLI, the list's order, the runtime's watch and every
workstation, so they all agree for the same stored data and clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from meldkamer.domain.reference import DEFAULT_CLEARED_GRACE, Reference
from meldkamer.domain.status_machine import ESCALATE_FACTOR, timer_state

CODES = ("unattended", "overdue")
# Why a code was raised (a reason code, shown by name: meldkamer.names.attention_reason).
NO_UNIT, ALL_CLEARED, UNIT_OVERDUE, UNIT_ESCALATED = (
    "no_unit", "all_cleared", "unit_overdue", "unit_escalated")


class UnitOnIncident(NamedTuple):
    """One assignment of a unit to the incident, with the unit's status now."""

    callsign: str
    dispatched_at: datetime
    cleared_at: datetime | None
    status: str
    status_since: datetime


@dataclass(frozen=True)
class Raised:
    """A condition that holds now: since when, why, and about which unit (if any)."""

    code: str
    onset: datetime
    reason: str
    callsign: str = ""
    status: str = ""
    seconds: float = 0.0  # the threshold: after creation or the last clearing, the unit's
    # status limit, or (``again``) the reminder after the acknowledgement
    again: bool = False  # acknowledged, and risen again: its incident still has no unit


@dataclass(frozen=True)
class Attention:
    """The conditions that hold, and the codes that are flagged (not acknowledged)."""

    raised: tuple[Raised, ...] = ()  # a reminder's with its own onset (``again``)
    codes: tuple[str, ...] = ()
    quiet: tuple[str, ...] = field(default=())  # held, but acknowledged since they arose


def _positive(seconds: int | None) -> float | None:
    return float(seconds) if seconds else None  # 0 and None: no limit


def _stricter(*limits: float | None) -> float | None:
    given = [s for s in limits if s is not None]
    return min(given) if given else None


def priority_unattended_after(ref: Reference, level: int) -> float | None:
    """Seconds a never-dispatched incident of this priority may wait; None: no limit."""
    prio = ref.priorities.get(level)
    return _positive(prio.unattended_s) if prio is not None else None


def urgency_unattended_after(ref: Reference, code: str | None) -> float | None:
    """Seconds a never-dispatched incident of this urgency may wait: its own threshold,
    or else its priority's; None: no limit (or no such urgency)."""
    urg = ref.urgencies.get(code or "")
    if urg is None:
        return None
    if urg.unattended_s is None:
        return priority_unattended_after(ref, urg.priority)
    return _positive(urg.unattended_s)


def unattended_after(ref: Reference, priority: int, urgency: str | None) -> float | None:
    """Seconds a never-dispatched incident may wait for a unit; None: no limit.

    The stricter of the priority's and the urgency's threshold, so an A1 incident whose
    priority an operator lowered is still watched like an A1. (``AttentionService``'s SQL
    narrows with the same two functions.)
    """
    return _stricter(priority_unattended_after(ref, priority),
                     urgency_unattended_after(ref, urgency))


def reminder_after(ref: Reference, priority: int, urgency: str | None) -> float | None:
    """Seconds after an acknowledgement that an ``unattended`` flag whose incident still
    has no unit rises again; None: never (it stays quiet until it arises anew).

    ``reminder_seconds`` in priorities.toml, by default the priority's own threshold (one
    more ``unattended_seconds``); the stricter of the priority's and the urgency's, as
    for the threshold (an urgency without its own follows its priority).
    """
    def of_priority(level: int) -> float | None:
        prio = ref.priorities.get(level)
        return _positive(prio.reminder_s) if prio is not None else None

    urg = ref.urgencies.get(urgency or "")
    own = None
    if urg is not None:
        own = of_priority(urg.priority) if urg.reminder_s is None else _positive(urg.reminder_s)
    return _stricter(of_priority(priority), own)


def cleared_grace(ref: Reference, priority: int) -> float:
    """Seconds an open incident whose last unit was cleared waits before it is flagged."""
    prio = ref.priorities.get(priority)
    return float(prio.cleared_grace_s if prio is not None else DEFAULT_CLEARED_GRACE)


def raised(ref: Reference, *, state: str, priority: int, urgency: str | None,
           created_at: datetime, units: Iterable[UnitOnIncident],
           now: datetime) -> tuple[Raised, ...]:
    """The conditions that hold at ``now`` (acknowledged or not), in ``CODES`` order."""
    if state != "open":
        return ()
    units = list(units)
    active = [u for u in units if u.cleared_at is None]
    out: list[Raised] = []
    if not active:
        cleared = [u.cleared_at for u in units if u.cleared_at is not None]
        if cleared:
            grace = cleared_grace(ref, priority)
            onset = max(cleared) + timedelta(seconds=grace)
            if now >= onset:
                out.append(Raised("unattended", onset, ALL_CLEARED, seconds=grace))
        else:
            limit = unattended_after(ref, priority, urgency)
            if limit is not None and now >= created_at + timedelta(seconds=limit):
                out.append(Raised("unattended", created_at + timedelta(seconds=limit),
                                  NO_UNIT, seconds=limit))
    late: Raised | None = None
    for u in active:
        if u.status not in ref.statuses:
            continue
        state_now = timer_state(ref, u.status, u.status_since, now)
        if state_now not in ("overdue", "escalated"):
            continue
        minutes = ref.statuses[u.status].timer_minutes
        factor = ESCALATE_FACTOR if state_now == "escalated" else 1.0
        onset = u.status_since + timedelta(minutes=minutes * factor)
        if late is None or onset > late.onset:
            late = Raised("overdue", onset,
                          UNIT_ESCALATED if state_now == "escalated" else UNIT_OVERDUE,
                          callsign=u.callsign, status=u.status, seconds=minutes * 60.0)
    if late is not None:
        out.append(late)
    return tuple(out)


def assess(ref: Reference, *, state: str, priority: int, urgency: str | None,
           created_at: datetime, units: Iterable[UnitOnIncident],
           acknowledged: Mapping[str, datetime | None], now: datetime) -> Attention:
    """The incident's attention at ``now``, given when each code was last acknowledged."""
    held = raised(ref, state=state, priority=priority, urgency=urgency,
                  created_at=created_at, units=units, now=now)
    remind = reminder_after(ref, priority, urgency)
    out: list[Raised] = []
    codes: list[str] = []
    quiet: list[str] = []
    for r in held:
        ack = acknowledged.get(r.code)
        if ack is not None and ack >= r.onset:
            again = (ack + timedelta(seconds=remind)
                     if r.code == "unattended" and remind is not None else None)
            if again is None or now < again:
                out.append(r)
                quiet.append(r.code)
                continue
            r = replace(r, onset=again, again=True, seconds=remind or 0.0)
        out.append(r)
        codes.append(r.code)
    return Attention(tuple(out), tuple(codes), tuple(quiet))
