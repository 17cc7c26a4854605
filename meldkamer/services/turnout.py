"""Filling a turnout: one unit per slot, nearest first, never another capability.

``rank`` is the proposal for one incident (or a call still being taken): units already on
the incident fill the slots they can, the nearest available units with the capability
fill the rest, and each slot left unfilled says why and which committed units (busy on
another incident) could be diverted to it: taken from the least urgent incident first,
then the nearest, and never one with a patient aboard (a status with ``divert = false``).
Units of one island only are ever passed in.

Slots are filled as a bipartite matching (Kuhn's augmenting paths, a dozen lines): a
unit with two capabilities (a fire engine with rescue gear) goes where it is the only
one, so no slot stays empty while some assignment of the units could fill it. With at
most a few dozen units and ten slots this costs nothing; a library would bring more
than it saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from meldkamer.domain.geo import distance_m
from meldkamer.domain.reference import Turnout
from meldkamer.domain.views import DivertCandidate, Proposal, ProposalSet, TurnoutSlot
from meldkamer.store.models import Incident, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

DIVERT_CANDIDATES = 3  # per unfilled slot: enough to choose, few enough to read


def position(unit: Unit) -> tuple[float, float] | None:
    if unit.lat is not None and unit.lon is not None:
        return unit.lat, unit.lon
    if unit.station is not None:
        return unit.station.lat, unit.station.lon
    return None


def _travel(t: Any) -> dict[str, Any]:
    return {} if t is None else {"travel_s": t.seconds, "routed": t.routed}


def _km(metres: float | None) -> str:
    return "distance unknown" if metres is None else f"{metres / 1000:.1f} km"


def match(caps: Sequence[str], slots: Iterable[int], pool: Sequence[Unit]) -> dict[int, Unit]:
    """Fill as many ``slots`` (indexes into ``caps``) as the pool allows, a unit once.

    Each slot takes the earliest unit of ``pool`` (nearest first) that has its capability
    and is still free; scarce capabilities choose first, then augmenting paths move a
    unit to another slot it can fill when that frees it for a slot only it can fill.
    """
    open_slots = list(slots)
    cands = {i: [u for u in pool if caps[i] in u.capabilities] for i in open_slots}
    owner: dict[int, int] = {}
    filled: dict[int, Unit] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for u in cands[i]:
            if u.id in seen:
                continue
            seen.add(u.id)
            j = owner.get(u.id)
            if j is None or augment(j, seen):
                owner[u.id], filled[i] = i, u
                return True
        return False

    for i in sorted(open_slots, key=lambda i: (len(cands[i]), i)):
        u = next((u for u in cands[i] if u.id not in owner), None)
        if u is not None:
            owner[u.id], filled[i] = i, u
    for i in open_slots:
        if i not in filled:
            augment(i, set())
    return filled


def rank(core: Meldkamer, inc: Incident, turnout: Turnout, units: Sequence[Unit],
         assigned: set[int] | None = None) -> ProposalSet:
    """The proposal for ``inc``: its turnout's slots, then alternatives.

    Args:
        units: every unit of the incident's island, with station and incident loaded.
        assigned: ids of the units already on the incident (default: its open assignments).
    """
    ref = core.ref
    needs = list(turnout.needs)
    here = (inc.lat, inc.lon) if inc.lat is not None and inc.lon is not None else None
    if assigned is None:
        assigned = {a.unit_id for a in inc.assignments if a.cleared_at is None}
    distances: dict[int, float | None] = {}
    travel: dict[str, Any] = {}

    def measure(group: Sequence[Unit]) -> None:
        for u in group:
            pos = position(u)
            distances[u.id] = distance_m(here[0], here[1], *pos) if here and pos else None
        if here is not None:
            located = [(u.callsign, *pos, tuple(u.capabilities)) for u in group
                       if (pos := position(u)) is not None]
            if located:
                travel.update(core.geo.travel(here[0], here[1], located))

    def order(u: Unit) -> tuple[bool, float, str]:
        t = travel.get(u.callsign)
        if t is not None:
            return (False, t.seconds, u.callsign)
        d = distances.get(u.id)
        return (d is None, (d or 0.0) * 1e6, u.callsign)

    def least_urgent(u: Unit) -> tuple[bool, int, tuple[bool, float, str]]:
        """Diverting takes from the least urgent: none, then priority 3 before 1; nearest."""
        prio = u.incident.priority if u.incident is not None else None
        return (prio is not None, -(prio or 0), order(u))

    def how(u: Unit) -> str:
        t = travel.get(u.callsign)
        if t is None:
            return _km(distances.get(u.id))
        kind = "by road" if t.routed else "estimate"
        return f"{t.seconds / 60:.0f} min {kind}, {_km(distances.get(u.id))}"

    here_units = sorted((u for u in units if u.id in assigned), key=lambda u: u.callsign)
    avail = [u for u in units if ref.statuses[u.status].available and u.id not in assigned]
    measure(avail)
    avail.sort(key=order)
    on_it = match(needs, range(len(needs)), here_units)
    chosen = match(needs, [i for i in range(len(needs)) if i not in on_it], avail)
    gap_caps = {needs[i] for i in range(len(needs)) if i not in on_it and i not in chosen}
    busy = [u for u in units if ref.statuses[u.status].committed
            and ref.statuses[u.status].divertable and u.id not in assigned
            and gap_caps & set(u.capabilities)]
    if busy:
        measure(busy)
        busy.sort(key=least_urgent)

    proposals: list[Proposal] = []
    slots: list[TurnoutSlot] = []
    for i, cap in enumerate(needs):
        if i in on_it:
            slots.append(TurnoutSlot(cap, assigned=on_it[i].callsign))
            continue
        pick = chosen.get(i)
        if pick is not None:
            p = Proposal(
                callsign=pick.callsign, discipline=pick.discipline, capability=cap,
                distance_m=distances[pick.id], status=pick.status,
                reason=f"needed: {cap}; nearest available ({how(pick)})",
                rank=len(proposals) + 1, **_travel(travel.get(pick.callsign)), basis="needed",
            )
            proposals.append(p)
            slots.append(TurnoutSlot(cap, proposal=p))
            continue
        divert = tuple(
            DivertCandidate(
                callsign=u.callsign, discipline=u.discipline, status=u.status,
                incident=u.incident.number if u.incident is not None else None,
                incident_priority=u.incident.priority if u.incident is not None else None,
                distance_m=distances[u.id], **_travel(travel.get(u.callsign)))
            for u in busy if cap in u.capabilities)[:DIVERT_CANDIDATES]
        slots.append(TurnoutSlot(cap, divert=divert, gap=_gap(core, cap, divert, units,
                                                                assigned)))
    taken = {u.id for u in chosen.values()}
    wanted = set(needs)
    for u in avail:
        if u.id in taken or (wanted and not wanted & set(u.capabilities)):
            continue
        cap = next((c for c in u.capabilities if c in wanted), u.capabilities[0]
                   if u.capabilities else "")
        why = "alternative" if wanted else "no classification yet; available on the island"
        proposals.append(Proposal(
            callsign=u.callsign, discipline=u.discipline, capability=cap,
            distance_m=distances[u.id], status=u.status,
            reason=f"{why}: {cap} ({how(u)})", rank=len(proposals) + 1,
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
    unmet = tuple(s.capability for s in slots if not s.filled)
    return ProposalSet(inc.number, inc.island, inc.classification, tuple(proposals), unmet,
                       method, code, slots=tuple(slots), plan=turnout.plan)


def _gap(core: Meldkamer, cap: str, divert: Sequence[DivertCandidate],
         units: Sequence[Unit], assigned: set[int]) -> str:
    """Why no available unit fills a slot (see views.GAP_REASONS)."""
    if divert:
        return "busy"
    capable = [u for u in units if cap in u.capabilities]
    statuses = core.ref.statuses
    if any(statuses[u.status].committed and u.id not in assigned for u in capable):
        return "cannot_divert"  # busy, each where it cannot be taken away (a patient aboard)
    if any(not statuses[u.status].available and not statuses[u.status].committed
           and u.id not in assigned for u in capable):
        return "out_of_service"
    return "too_few" if capable else "none_on_island"
