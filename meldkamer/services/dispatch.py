"""Unit proposals and dispatch: the right units, on the same island, nearest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meldkamer.domain import validate
from meldkamer.domain.geo import distance_m
from meldkamer.domain.status_machine import check_transition
from meldkamer.domain.views import IncidentView, Proposal, ProposalSet
from meldkamer.errors import InvalidInput, Refused
from meldkamer.events import IncidentChanged, UnitChanged, UnitDispatched
from meldkamer.services.common import incident_view, load_incident, load_unit
from meldkamer.store.models import Assignment, Incident, Unit, UnitStatusChange

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer


def _position(unit: Unit) -> tuple[float, float] | None:
    if unit.lat is not None and unit.lon is not None:
        return unit.lat, unit.lon
    if unit.station is not None:
        return unit.station.lat, unit.station.lon
    return None


def _travel(t: Any) -> dict[str, Any]:
    return {} if t is None else {"travel_s": t.seconds, "routed": t.routed}


def _km(metres: float | None) -> str:
    return "distance unknown" if metres is None else f"{metres / 1000:.1f} km"


class DispatchService:
    """Propose units for an incident and dispatch them."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    def propose(self, number: str) -> ProposalSet:
        """Available units with the needed capabilities on the incident's island, nearest first.

        Each need of the class gets the nearest unit that has it; other capable units
        follow as alternatives. A unit on another island is never proposed.
        """
        ref = self.core.ref
        with self.core.store.read() as session:
            inc = load_incident(session, number)
            cls = ref.classifications.get(inc.classification or "")
            units = session.execute(
                select(Unit).where(Unit.island == inc.island)
                .options(selectinload(Unit.station)).order_by(Unit.callsign)
            ).scalars().all()
            return self._rank(inc, cls.needs if cls else (), units)

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
            units = session.execute(
                select(Unit).where(Unit.island == isl)
                .options(selectinload(Unit.station)).order_by(Unit.callsign)
            ).scalars().all()
            return self._rank(probe, cls.needs if cls else (), units, assigned=set())

    def _rank(
        self, inc: Incident, needs: tuple[str, ...], units: Sequence[Unit],
        assigned: set[int] | None = None,
    ) -> ProposalSet:
        ref = self.core.ref
        here = (inc.lat, inc.lon) if inc.lat is not None and inc.lon is not None else None
        if assigned is None:
            assigned = {a.unit_id for a in inc.assignments if a.cleared_at is None}

        def dist(u: Unit) -> float | None:
            pos = _position(u)
            return distance_m(here[0], here[1], *pos) if here and pos else None

        avail = [u for u in units if ref.statuses[u.status].available and u.id not in assigned]
        distances = {u.id: dist(u) for u in avail}
        travel: dict[str, Any] = {}
        if here is not None:
            located = [(u.callsign, *pos, tuple(u.capabilities)) for u in avail
                       if (pos := _position(u)) is not None]
            travel = self.core.geo.travel(here[0], here[1], located)

        def order(u: Unit) -> tuple[bool, float, str]:
            t = travel.get(u.callsign)
            if t is not None:
                return (False, t.seconds, u.callsign)
            return (distances[u.id] is None, (distances[u.id] or 0.0) * 1e6, u.callsign)

        avail.sort(key=order)

        def how(u: Unit) -> str:
            t = travel.get(u.callsign)
            if t is None:
                return _km(distances[u.id])
            kind = "by road" if t.routed else "estimate"
            return f"{t.seconds / 60:.0f} min {kind}, {_km(distances[u.id])}"
        chosen: list[Proposal] = []
        taken: set[int] = set()
        unmet: list[str] = []
        for cap in needs:
            pick = next((u for u in avail if cap in u.capabilities and u.id not in taken), None)
            if pick is None:
                unmet.append(cap)
                continue
            taken.add(pick.id)
            chosen.append(Proposal(
                callsign=pick.callsign, discipline=pick.discipline, capability=cap,
                distance_m=distances[pick.id], status=pick.status,
                reason=f"needed: {cap}; nearest available ({how(pick)})",
                rank=len(chosen) + 1, **_travel(travel.get(pick.callsign)), basis="needed",
            ))
        wanted = set(needs)
        for u in avail:
            if u.id in taken or (wanted and not wanted & set(u.capabilities)):
                continue
            cap = next((c for c in u.capabilities if c in wanted), u.capabilities[0]
                       if u.capabilities else "")
            why = "alternative" if wanted else "no classification yet; available on the island"
            chosen.append(Proposal(
                callsign=u.callsign, discipline=u.discipline, capability=cap,
                distance_m=distances[u.id], status=u.status,
                reason=f"{why}: {cap} ({how(u)})", rank=len(chosen) + 1,
                **_travel(travel.get(u.callsign)),
                basis="alternative" if wanted else "unclassified",
            ))
        # ``reason`` and ``method`` are English for scripts; people see names, rendered
        # from ``basis`` and ``method_code`` (meldkamer.names).
        if not here:
            method, code = "no coordinates: order by callsign", "no_coordinates"
        elif any(t.routed for t in travel.values()):
            method, code = "travel time by road (estimates where no road connects)", "by_road"
        else:
            method = "travel time estimated from straight-line distance (no road data)"
            code = "straight_line"
        return ProposalSet(inc.number, inc.island, inc.classification, tuple(chosen),
                           tuple(unmet), method, code)

    def dispatch(
        self, number: str, callsigns: list[str], *, override_reason: str = ""
    ) -> IncidentView:
        """Assign units to an incident; a unit busy elsewhere needs an override reason."""
        ref = self.core.ref
        wanted = list(dict.fromkeys(c.strip().upper() for c in callsigns if c.strip()))
        if not wanted:
            raise InvalidInput("give at least one callsign to dispatch")
        reason = validate.clean_text(override_reason, "override reason",
                                     limit=validate.MAX_SHORT)
        target = ref.dispatched_status
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            if inc.state != "open":
                raise Refused("{number} is closed; open a new incident instead",
                              number=inc.number)
            units = [load_unit(tx.session, cs) for cs in wanted]
            busy_here = {a.unit_id for a in inc.assignments if a.cleared_at is None}
            for unit in units:
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
                status = ref.statuses[unit.status]
                if not status.available and not reason:
                    raise Refused(
                        "{callsign} is {status} ({number}); dispatching it needs an override "
                        "reason", callsign=unit.callsign, status=status,
                        number=unit.incident.number if unit.incident else "-",
                    )
                check_transition(ref, unit.status, target.code, via_dispatch=True)
            pulled = sorted({u.incident.number for u in units if u.incident is not None})
            seq = tx.audit("incident.dispatch", "incident", inc.number, units=wanted,
                           override=reason, previous=pulled)
            for unit in units:
                old = unit.status
                previous = unit.incident
                if previous is not None:
                    for a in previous.assignments:
                        if a.unit_id == unit.id and a.cleared_at is None:
                            a.cleared_at = tx.now
                    tx.log(previous, "dispatch", "{callsign} taken away to {number}: {reason}",
                           callsign=unit.callsign, number=inc.number, reason=reason)
                    tx.publish(IncidentChanged(seq=seq, number=previous.number,
                                               action="unit.reassigned"))
                inc.assignments.append(Assignment(
                    unit=unit, dispatched_at=tx.now, dispatched_by=self.core.user,
                    override_reason=reason if previous or not ref.statuses[old].available
                    else "",
                ))
                tx.session.add(UnitStatusChange(
                    unit_id=unit.id, incident_id=inc.id, from_status=old, to_status=target.code,
                    at=tx.now, user=self.core.user, source="dispatch", reason=reason,
                ))
                unit.status, unit.status_since, unit.incident_id = target.code, tx.now, inc.id
                if ref.statuses[old].available:
                    tx.log(inc, "dispatch", "{callsign} dispatched", callsign=unit.callsign)
                else:
                    tx.log(inc, "dispatch", "{callsign} dispatched (override: {reason})",
                           callsign=unit.callsign, reason=reason)
                tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="dispatch"))
                tx.publish(UnitDispatched(seq=seq, number=inc.number, callsign=unit.callsign))
            inc.updated_at = tx.now
            tx.publish(IncidentChanged(seq=seq, number=inc.number, action="dispatch"))
            tx.session.flush()
            return incident_view(tx.session, inc, self.core.ref)
