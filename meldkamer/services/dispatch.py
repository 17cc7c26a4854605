"""Unit proposals and dispatch: the whole turnout, on the same island, nearest first.

A class's turnout (its ``needs``, or the island's plan in turnouts.toml) is a list of
slots, one unit each. ``propose`` fills them (``meldkamer.services.turnout``);
``dispatch_turnout`` sends every filled slot in one transaction, refusing when a slot is
unfilled unless told to send the rest (then the log records the gap) or to divert a
committed unit to it. Given the proposal the operator ``confirmed``, it sends exactly that
or nothing (TurnoutChanged, with the turnout as it is now to ask about again).
``dispatch`` adds single units; ``withdraw`` takes one off again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meldkamer import names
from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.commands.permissions import OVERRIDE_BUSY_UNIT
from meldkamer.domain import validate
from meldkamer.domain.status_machine import check_transition
from meldkamer.domain.views import IncidentView, ProposalSet, TurnoutResult, TurnoutSlot
from meldkamer.errors import Conflict, InvalidInput, Refused
from meldkamer.events import IncidentChanged, UnitChanged, UnitDispatched
from meldkamer.i18n import N_, Names, Text
from meldkamer.services.common import incident_view, load_incident, load_unit
from meldkamer.services.turnout import rank
from meldkamer.store.models import Assignment, Incident, Unit, UnitStatusChange

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer, Tx

Reason = str | Text
"""An override reason: what the operator typed, or a message the core words itself."""


def _island_units(session: Session, island: str) -> Sequence[Unit]:
    return session.execute(
        select(Unit).where(Unit.island == island)
        .options(selectinload(Unit.station), selectinload(Unit.incident))
        .order_by(Unit.callsign)
    ).scalars().all()


_TRIES = 3  # reads of a turnout that the write finds changed, before giving up


class TurnoutChanged(Refused):
    """The turnout is no longer the one the operator confirmed: nothing was dispatched.

    ``proposals`` is the turnout as it is now, to ask about again.
    """

    def __init__(self, proposals: ProposalSet) -> None:
        super().__init__(N_("the turnout changed before it was sent, so nothing was "
                            "dispatched: check it again"))
        self.proposals = proposals


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """What a turnout with these diverts leaves on the incident: to compare a fresh one
    with the one the operator confirmed."""

    island: str
    units: frozenset[str]
    """Every unit on a slot afterwards: already there, proposed or diverted."""
    taken: frozenset[tuple[str, str | None]]
    """Diverted units, with the incident each is taken from (None: a divert that no
    longer fits: no unfilled slot of its capability names it)."""
    unfilled: tuple[str, ...]

    @classmethod
    def of(cls, ps: ProposalSet, diverts: Mapping[str, Sequence[str]]) -> _Outcome:
        gaps = list(ps.gaps)
        units = {s.callsign for s in ps.slots if s.callsign is not None}
        taken: set[tuple[str, str | None]] = set()
        for cap, callsigns in diverts.items():
            for callsign in callsigns:
                if _fills(ps, cap, callsign):
                    continue
                slot = next((s for s in gaps if s.capability == cap
                             and any(d.callsign == callsign for d in s.divert)), None)
                if slot is None:
                    taken.add((callsign, None))
                    continue
                found = next(d for d in slot.divert if d.callsign == callsign)
                units.add(callsign)
                taken.add((callsign, found.incident or ""))
                gaps.remove(slot)
        return cls(ps.island, frozenset(units), frozenset(taken),
                   tuple(sorted(s.capability for s in gaps)))

    def gives(self, shown: _Outcome) -> bool:
        """The operator gets what ``shown`` showed: the same island, units and unfilled
        slots, and no unit taken from an incident other than the one it was shown on (a
        shown divert whose unit now fills its slot by itself takes it from none)."""
        return (self.island, self.units, self.unfilled) == (
            shown.island, shown.units, shown.unfilled) and self.taken <= shown.taken


def _fills(ps: ProposalSet, capability: str, callsign: str) -> bool:
    """The unit fills a slot with this capability already (on the incident or proposed)."""
    return any(s.capability == capability and s.callsign == callsign for s in ps.slots)


@dataclasses.dataclass(frozen=True)
class _Plan:
    """A turnout worked out in a read: what dispatching it sends and leaves unfilled."""

    proposals: ProposalSet
    sent: tuple[tuple[str, Reason], ...]
    """Callsigns in slot order, diverted ones last, each with its override reason."""
    diverted: tuple[str, ...]
    gaps: tuple[TurnoutSlot, ...]
    """The slots left unfilled once the diverts are in."""
    state: tuple[object, ...]
    """What the proposal depends on (``_state``): the write checks it is unchanged."""


def _state(inc: Incident, units: Sequence[Unit]) -> tuple[object, ...]:
    """What a turnout is worked out from, positions aside: the incident's island, class,
    state and units, and every unit of the island's status and incident."""
    return (inc.island, inc.classification, inc.state,
            frozenset(a.unit_id for a in inc.assignments if a.cleared_at is None),
            tuple((u.id, u.status, u.incident_id) for u in units))


def _diverts(divert: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    """{capability: callsign or callsigns} as {capability: [CALLSIGN, ...]}."""
    out: dict[str, list[str]] = {}
    for cap, given in (divert or {}).items():
        callsigns = [given] if isinstance(given, str) else list(given)
        out[cap.strip()] = [c.strip().upper() for c in callsigns if c.strip()]
    return out


class DispatchService:
    """Propose units for an incident and dispatch them."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    # -- proposals ---------------------------------------------------------------------

    def propose(self, number: str) -> ProposalSet:
        """The incident's turnout, slot by slot, then other capable units as alternatives.

        Each slot gets the nearest available unit with its capability on the incident's
        island (a unit already on the incident fills its slot); an unfilled slot carries
        the nearest committed units that could be diverted. A unit on another island is
        never proposed, and a slot is never filled with another capability. A closed
        incident is refused: it has no turnout to send.
        """
        ref = self.core.ref
        with self.core.store.read() as session:
            inc = self._open_incident(session, number)
            return rank(self.core, inc, ref.turnout(inc.classification, inc.island),
                        _island_units(session, inc.island))

    def propose_at(
        self, *, island: str, lat: float | None, lon: float | None,
        classification: str | None,
    ) -> ProposalSet:
        """Proposals for a call still being taken (no incident stored yet)."""
        ref = self.core.ref
        isl = ref.island(island).code
        cls = ref.classification(classification) if classification else None
        probe = Incident(number="", island=isl, lat=lat, lon=lon,
                         classification=cls.code if cls else None)
        with self.core.store.read() as session:
            return rank(self.core, probe, ref.turnout(probe.classification, isl),
                        _island_units(session, isl), assigned=set())

    # -- dispatching -------------------------------------------------------------------

    @writes(c.Dispatch, "dispatch")
    def dispatch(
        self, number: str, callsigns: list[str], *, override_reason: str = ""
    ) -> IncidentView:
        """Assign units to an incident; a unit busy elsewhere needs an override reason."""
        wanted = list(dict.fromkeys(c.strip().upper() for c in callsigns if c.strip()))
        if not wanted:
            raise InvalidInput("give at least one callsign to dispatch")
        reason = validate.clean_text(override_reason, "override reason",
                                     limit=validate.MAX_SHORT)
        with self.core.transaction() as tx:
            inc = self._open_incident(tx.session, number)
            units = [load_unit(tx.session, cs) for cs in wanted]
            self._check(inc, [(u, reason) for u in units])
            pulled = sorted({u.incident.number for u in units if u.incident is not None})
            seq = tx.audit("incident.dispatch", "incident", inc.number, units=wanted,
                           override=reason, previous=pulled)
            self._assign(tx, inc, [(u, reason) for u in units], seq)
            return self._done(tx, inc, seq, "dispatch")

    @writes(c.DispatchTurnout, "dispatch")
    def dispatch_turnout(
        self, number: str, *, partial: bool = False,
        divert: Mapping[str, str | Sequence[str]] | None = None, reason: str = "",
        confirmed: ProposalSet | None = None,
    ) -> TurnoutResult:
        """Dispatch the incident's whole turnout (every filled slot) in one transaction.

        The proposal (travel times, the road graph's first build) is worked out in a read,
        never while holding the write lock; the write then checks that no unit of the
        island and nothing of the incident changed meanwhile, and works it out again if
        something did.

        Args:
            partial: with a slot no unit fills, send the rest and log what was left
                unfilled and why; without it such a turnout is refused and nothing sent.
                With no rest to send (and no divert) it is refused all the same.
            divert: {capability: callsign (or callsigns)}: committed units taken from
                their incidents (the override path) to fill that many unfilled slots.
            reason: the override reason logged for diverted units (default: that no other
                unit with the capability was available).
            confirmed: the proposal the operator was shown and said yes to (with these
                ``partial`` and ``divert``): when the turnout worked out now would send
                other units, leave other slots unfilled, take a unit from another incident
                or is on another island, nothing is sent and TurnoutChanged carries the
                turnout as it is now, to ask again. A divert whose unit now fills its slot
                by itself (it became available) is no divert any more.
        """
        ref = self.core.ref
        diverts = _diverts(divert)
        given = validate.clean_text(reason, "override reason", limit=validate.MAX_SHORT)
        island = ""
        for _ in range(_TRIES):
            plan = self._plan_turnout(number, diverts, given, confirmed)
            number, island = plan.proposals.number, plan.proposals.island  # as stored
            gaps = plan.gaps
            if gaps and not partial:
                raise Refused(
                    "the turnout of {number} is not complete: {gaps}. Divert a unit to it, or "
                    "send the rest (partial)", number=number,
                    gaps=Names((names.gap_message(ref, island, s) for s in gaps), sep="; "))
            if not plan.sent:
                raise Refused(
                    "no unit of the turnout of {number} can be sent: {gaps}. Divert a unit to "
                    "it, or dispatch one by callsign", number=number,
                    gaps=Names((names.gap_message(ref, island, s) for s in gaps), sep="; "))
            with self.core.transaction() as tx:
                inc = self._open_incident(tx.session, number)
                units = _island_units(tx.session, inc.island)
                if _state(inc, units) != plan.state:
                    continue  # changed since the read: nothing written, work it out again
                by_callsign = {u.callsign: u for u in units}
                sent = [(by_callsign.get(c) or load_unit(tx.session, c), why)
                        for c, why in plan.sent]
                self._check(inc, sent)
                pulled = sorted({u.incident.number for u, _ in sent if u.incident is not None})
                seq = tx.audit("incident.dispatch_turnout", "incident", inc.number,
                               units=[u.callsign for u, _ in sent], diverted=list(plan.diverted),
                               unfilled=[s.capability for s in gaps], override=self._en(given),
                               previous=pulled)
                self._assign(tx, inc, sent, seq)
                for slot in gaps:
                    tx.log(inc, "dispatch", "Turnout incomplete: {gap}",
                           gap=names.gap_message(ref, inc.island, slot))
                view = self._done(tx, inc, seq, "dispatch")
                return TurnoutResult(view, tuple(u.callsign for u, _ in sent), plan.diverted,
                                     gaps)
        raise Conflict("the units of {island} kept changing while the turnout of {number} was "
                       "worked out; nothing was dispatched: try again", number=number,
                       island=ref.islands[island].name if island in ref.islands else island)

    def _plan_turnout(self, number: str, diverts: Mapping[str, Sequence[str]], given: str,
                      confirmed: ProposalSet | None) -> _Plan:
        """In a read: the turnout's proposal, what it sends and leaves unfilled, and the
        state it was worked out from. Refuses (nothing written) a divert that does not fit,
        and a turnout that is not the ``confirmed`` one (TurnoutChanged)."""
        ref = self.core.ref
        with self.core.store.read() as session:
            inc = self._open_incident(session, number)
            units = _island_units(session, inc.island)
            turnout = ref.turnout(inc.classification, inc.island)
            if not turnout.needs:
                if inc.classification is None:
                    raise Refused("{number} has no class yet, so no turnout: classify it or "
                                  "dispatch units by callsign", number=inc.number)
                raise Refused("{classification} sends no units by itself: dispatch units by "
                              "callsign", classification=ref.classifications[
                                  inc.classification])
            ps = rank(self.core, inc, turnout, units)
            if not ps.to_dispatch and not ps.gaps:
                raise Refused("every slot of the turnout of {number} is already filled; add "
                              "more units by callsign", number=inc.number)
            if confirmed is not None and not _Outcome.of(ps, diverts).gives(
                    _Outcome.of(confirmed, diverts)):
                raise TurnoutChanged(ps)
            gaps = list(ps.gaps)
            by_callsign = {u.callsign: u for u in units}
            in_turnout = set(ps.to_dispatch)
            sent: list[tuple[str, Reason]] = [(c, "") for c in ps.to_dispatch]
            diverted: list[str] = []
            for cap, wanted in diverts.items():
                callsigns = [c for c in wanted if not _fills(ps, cap, c)]
                open_for = [s for s in gaps if s.capability == cap]
                if len(callsigns) > len(open_for):
                    raise Refused(
                        "the turnout of {number} has {count} unfilled slot(s) for {capability}; "
                        "{callsigns} cannot all be diverted to it", number=inc.number,
                        count=len(open_for), capability=ref.capabilities.get(cap) or cap,
                        callsigns=", ".join(callsigns))
                for callsign, slot in zip(callsigns, open_for, strict=False):
                    unit = by_callsign.get(callsign) or load_unit(session, callsign)
                    if unit.island == inc.island and cap not in unit.capabilities:
                        raise Refused("{callsign} has no {capability}; only a unit with it "
                                      "fills that slot", callsign=unit.callsign,
                                      capability=ref.capabilities.get(cap) or cap)
                    if unit.callsign in in_turnout or unit.callsign in diverted:
                        raise Refused("{callsign} is already in the turnout of {number}",
                                      callsign=unit.callsign, number=inc.number)
                    why: Reason = given or Text(
                        "no other unit available for {capability}",
                        capability=ref.capabilities.get(cap) or cap)
                    sent.append((unit.callsign, why))
                    diverted.append(unit.callsign)
                    gaps.remove(slot)
            return _Plan(ps, tuple(sent), tuple(diverted), tuple(gaps), _state(inc, units))


    @writes(c.Withdraw, "dispatch")
    def withdraw(self, number: str, callsign: str, *, reason: str) -> IncidentView:
        """Take a unit off an incident (dispatched by mistake): it becomes available again.

        The reason is required and logged. A unit diverted from another incident does not
        go back to it by itself: the operator dispatches it there again if need be.
        """
        ref = self.core.ref
        why = validate.clean_text(reason, "reason", limit=validate.MAX_SHORT)
        if not why:
            raise InvalidInput("give a reason for withdrawing {callsign}",
                               callsign=callsign.strip().upper())
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            unit = load_unit(tx.session, callsign)
            assignment = next((a for a in inc.assignments
                               if a.unit_id == unit.id and a.cleared_at is None), None)
            if assignment is None:
                raise Refused("{callsign} is not assigned to {number}", callsign=unit.callsign,
                              number=inc.number)
            before = tx.session.execute(
                select(UnitStatusChange.from_status)
                .where(UnitStatusChange.unit_id == unit.id,
                       UnitStatusChange.incident_id == inc.id,
                       UnitStatusChange.to_status == ref.dispatched_status.code)
                .order_by(UnitStatusChange.id.desc()).limit(1)
            ).scalar_one_or_none()
            current = ref.statuses[unit.status]
            back = ref.statuses.get(before or "")
            if back is None or not back.available or back.code not in current.next:
                # Not known, or it was busy (diverted): the first available status that
                # statuses.toml lets follow the one it is in now.
                back = next((ref.statuses[c] for c in current.next
                             if ref.statuses[c].available), None)
            if back is None:
                raise Refused("{callsign} is {status} and statuses.toml lets no available "
                              "status follow it, so it cannot be withdrawn",
                              callsign=unit.callsign, status=current)
            new = check_transition(ref, unit.status, back.code)
            seq = tx.audit("incident.withdraw", "incident", inc.number, unit=unit.callsign,
                           old=unit.status, new=new.code, reason=why)
            assignment.cleared_at = tx.now
            tx.record_status(dict(
                unit_id=unit.id, incident_id=inc.id, from_status=unit.status,
                to_status=new.code, at=tx.now, user=tx.source.user, source=tx.source.kind,
                reason=why,
            ))
            unit.status, unit.status_since, unit.incident_id = new.code, tx.now, None
            tx.log(inc, "dispatch", "{callsign} withdrawn ({reason}); now {status}",
                   callsign=unit.callsign, reason=why, status=new)
            tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="withdraw"))
            return self._done(tx, inc, seq, "withdraw")

    # -- the parts ---------------------------------------------------------------------

    def _en(self, reason: Reason) -> str:
        """A reason as stored in a column: what was typed, or the message in English."""
        if isinstance(reason, str):
            return reason
        return names.render(reason.template, reason.fields, self.core.ref, "en")

    @staticmethod
    def _open_incident(session: Session, number: str) -> Incident:
        inc = load_incident(session, number)
        if inc.state != "open":
            raise Refused("{number} is closed; open a new incident instead",
                          number=inc.number)
        return inc

    def _check(self, inc: Incident, units: Sequence[tuple[Unit, Reason]]) -> None:
        """Refuse, before anything is written, a unit that may not go to ``inc``."""
        ref = self.core.ref
        target = ref.dispatched_status
        busy_here = {a.unit_id for a in inc.assignments if a.cleared_at is None}
        for unit, reason in units:
            if unit.island != inc.island:
                raise Refused(
                    "{callsign} is on {unit_island} and {number} is on {island}: a unit "
                    "is never sent across the sea", callsign=unit.callsign,
                    unit_island=ref.islands[unit.island].name, number=inc.number,
                    island=ref.islands[inc.island].name,
                )
            if unit.id in busy_here:
                raise Refused("{callsign} is already assigned to {number}",
                              callsign=unit.callsign, number=inc.number)
            if unit.incident is not None and unit.incident.id != inc.id:
                self.core.require(OVERRIDE_BUSY_UNIT, Text(
                    "{callsign} is committed to {number}", callsign=unit.callsign,
                    number=unit.incident.number))
            status = ref.statuses[unit.status]
            if not status.available and not reason:
                raise Refused(
                    "{callsign} is {status} ({number}); dispatching it needs an override "
                    "reason", callsign=unit.callsign, status=status,
                    number=unit.incident.number if unit.incident else "-",
                )
            check_transition(ref, unit.status, target.code, via_dispatch=True)

    def _assign(self, tx: Tx, inc: Incident, units: Sequence[tuple[Unit, Reason]],
                seq: int) -> None:
        """Dispatch checked units; one taken from another incident is logged there too."""
        ref = self.core.ref
        target = ref.dispatched_status
        for unit, why in units:
            reason = self._en(why)
            old = unit.status
            previous = unit.incident
            if previous is not None:
                for a in previous.assignments:
                    if a.unit_id == unit.id and a.cleared_at is None:
                        a.cleared_at = tx.now
                tx.log(previous, "dispatch", "{callsign} taken away to {number}: {reason}",
                       callsign=unit.callsign, number=inc.number, reason=why)
                tx.publish(IncidentChanged(seq=seq, number=previous.number,
                                           action="unit.reassigned"))
            inc.assignments.append(Assignment(
                unit=unit, dispatched_at=tx.now, dispatched_by=self.core.user,
                override_reason=reason if previous or not ref.statuses[old].available
                else "",
            ))
            tx.record_status(dict(
                unit_id=unit.id, incident_id=inc.id, from_status=old, to_status=target.code,
                at=tx.now, user=tx.source.user, source=tx.source.kind, reason=reason,
            ))
            unit.status, unit.status_since, unit.incident_id = target.code, tx.now, inc.id
            if ref.statuses[old].available:
                tx.log(inc, "dispatch", "{callsign} dispatched", callsign=unit.callsign)
            else:
                tx.log(inc, "dispatch", "{callsign} dispatched (override: {reason})",
                       callsign=unit.callsign, reason=why)
            tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="dispatch"))
            tx.publish(UnitDispatched(seq=seq, number=inc.number, callsign=unit.callsign))

    def _done(self, tx: Tx, inc: Incident, seq: int, action: str) -> IncidentView:
        inc.updated_at = tx.now
        tx.publish(IncidentChanged(seq=seq, number=inc.number, action=action))
        tx.session.flush()
        return incident_view(tx.session, inc, self.core.ref)

