"""Attention services: which open incidents are flagged, acknowledging, logging a raised flag.

The flags themselves are computed by ``meldkamer.domain.attention`` from stored times and
the core's clock. ``AttentionService.read`` reads what that needs in two queries over the
open incidents that may be flagged (the state index, then a superset of the domain's
rule in SQL), so neither years of closed incidents nor hundreds of open ones slow the
active list, its order or the runtime's watch.

The rule for acknowledging: an operator acknowledges the flags an incident shows now; the
time is stored per code, and each flag stays quiet until its condition arises again
after that time (a later clearing, another unit overdue, an escalation), or, for
``unattended`` while the incident still has no unit, until the priority's reminder has
passed (``reminder_seconds``, by default one more threshold). Acknowledging is
logged on the incident and in the audit trail; a raised flag is logged once, by the
system, however many workstations watch (``note``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import BindParameter, and_, bindparam, exists, false, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain import attention
from meldkamer.domain.attention import Attention, Raised, UnitOnIncident
from meldkamer.domain.reference import Reference
from meldkamer.domain.status_machine import ESCALATE_FACTOR
from meldkamer.domain.views import IncidentView
from meldkamer.errors import Refused
from meldkamer.events import IncidentChanged
from meldkamer.i18n import Names, Text
from meldkamer.names import ATTENTION
from meldkamer.services.common import assess, incident_view, load_incident, normalise_number
from meldkamer.store.models import Assignment, Incident, Unit, UTCDateTime

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer, Tx

ACK_COLUMNS = {"unattended": "unattended_ack_at", "overdue": "overdue_ack_at"}


@dataclass(frozen=True)
class Watched:
    """One open incident's attention, with the rises the system last logged for it."""

    id: int
    number: str
    attention: Attention
    noted: Mapping[str, int | None]  # code -> onset (see ``_stamp``) last logged

    @property
    def codes(self) -> tuple[str, ...]:
        return self.attention.codes

    @property
    def unlogged(self) -> tuple[Raised, ...]:
        """The flags up whose rise the system has not logged yet (``note`` logs them)."""
        return _unlogged(self.attention, self.noted)


# ``incident.attention_noted``: per code, the onset of the rise last logged, as whole
# epoch seconds: "unattended@1796158860,overdue@1796158920" (40 characters at most, the
# column's width). Onsets come from stored times alone, so every workstation computes
# the same one whatever its clock says: a rise is logged once, when its onset is later
# than the one logged, and nothing is cleared or written because one workstation's clock
# says a flag is not up (yet). A bare code (written before onsets were kept) counts as
# logged before any onset: its flag is logged once more.
def _stamp(onset: datetime) -> int:
    return math.floor(onset.timestamp())


def _noted(text: str) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for part in text.split(","):
        code, _, stamp = part.partition("@")
        if code:
            out[code] = int(stamp) if stamp.isdigit() else None
    return out


def _noted_text(noted: Mapping[str, int | None]) -> str:
    return ",".join(c if noted[c] is None else f"{c}@{noted[c]}"
                    for c in attention.CODES if c in noted)


def _unlogged(flags: Attention, noted: Mapping[str, int | None]) -> tuple[Raised, ...]:
    out = []
    for r in flags.raised:
        if r.code not in flags.codes:
            continue  # held but acknowledged: quiet, nothing to log
        last = noted.get(r.code)
        if last is None or _stamp(r.onset) > last:
            out.append(r)
    return tuple(out)


class _Queries:
    """The two statements ``AttentionService.read`` runs, built once per core.

    The candidate condition is a superset of the domain's rule, in SQL: an active list of
    hundreds with a few flagged reads a few, not all; ``attention.assess`` decides on
    those alone. Every cut-off time is a bound parameter, so the statements are built
    (and compiled) once and run with the times of each call.
    """

    def __init__(self, ref: Reference) -> None:
        self.cuts: dict[str, timedelta] = {}

        def cut(name: str, delta: timedelta) -> BindParameter[datetime]:
            self.cuts[name] = delta
            return bindparam(name, type_=UTCDateTime())

        active = exists().where(Assignment.incident_id == Incident.id,
                                Assignment.cleared_at.is_(None))
        had_one = exists().where(Assignment.incident_id == Incident.id)
        waited = []
        for level in ref.priorities:
            limit = attention.priority_unattended_after(ref, level)
            if limit is not None:
                waited.append(and_(Incident.priority == level, Incident.created_at
                                   <= cut(f"p{level}", timedelta(seconds=limit))))
        for n, code in enumerate(ref.urgencies):
            limit = attention.urgency_unattended_after(ref, code)
            if limit is not None:
                waited.append(and_(Incident.urgency == code, Incident.created_at
                                   <= cut(f"u{n}", timedelta(seconds=limit))))
        # ``<=`` where the domain tests ``>``: never fewer than it could flag.
        timers = [and_(Unit.status == st.code, Unit.status_since
                       <= cut(f"s{n}", timedelta(minutes=st.timer_minutes)))
                  for n, st in enumerate(ref.statuses.values()) if st.timer_minutes > 0]
        late = exists().where(Assignment.incident_id == Incident.id,
                              Assignment.cleared_at.is_(None), Assignment.unit_id == Unit.id,
                              or_(false(), *timers))
        candidate = or_(and_(~active, or_(had_one, *waited)), late)
        self.incidents = (
            select(Incident.id, Incident.number, Incident.priority, Incident.urgency,
                   Incident.created_at, Incident.unattended_ack_at, Incident.overdue_ack_at,
                   Incident.attention_noted)
            .where(Incident.state == "open", candidate).order_by(Incident.id))
        self.units = (
            select(Assignment.incident_id, Unit.callsign, Assignment.dispatched_at,
                   Assignment.cleared_at, Unit.status, Unit.status_since)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.incident_id.in_(bindparam("ids", expanding=True))))

    def params(self, now: datetime) -> dict[str, datetime]:
        return {name: now - delta for name, delta in self.cuts.items()}


def _duration(seconds: float) -> str:
    """'60 s', '5 min': a threshold as a log line shows it (the units read the same in
    every language of the room)."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:g} min"


def _log_raised(tx: Tx, inc: Incident, r: Raised) -> None:
    if r.again:
        tx.log(inc, "attention", "Attention again: still no unit {limit} after it was "
               "acknowledged", limit=_duration(r.seconds))
    elif r.reason == attention.NO_UNIT:
        tx.log(inc, "attention", "Attention: no unit assigned {limit} after the call",
               limit=_duration(r.seconds))
    elif r.reason == attention.ALL_CLEARED:
        tx.log(inc, "attention", "Attention: the last unit was cleared and the incident is "
               "still open")
    else:
        factor = ESCALATE_FACTOR if r.reason == attention.UNIT_ESCALATED else 1.0
        tx.log(inc, "attention", "Attention: {callsign} has been {status} for more than "
               "{limit}", callsign=r.callsign, status=tx.core.ref.statuses[r.status],
               limit=_duration(r.seconds * factor))


class AttentionService:
    """The flagged incidents, their acknowledgement, and the log of a raised flag."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self._queries = _Queries(core.ref)

    def read(self, session: Session, now: datetime) -> list[Watched]:
        """The attention at ``now`` of the open incidents that may have a flag up, oldest
        first (two indexed queries over those alone)."""
        q = self._queries
        incs = session.execute(q.incidents, q.params(now)).all()
        if not incs:
            return []
        units: dict[int, list[UnitOnIncident]] = defaultdict(list)
        for row in session.execute(q.units, {"ids": [r.id for r in incs]}):
            units[row.incident_id].append(UnitOnIncident(row.callsign, row.dispatched_at,
                                                         row.cleared_at, row.status,
                                                         row.status_since))
        ref = self.core.ref
        return [Watched(r.id, r.number, attention.assess(
            ref, state="open", priority=r.priority, urgency=r.urgency,
            created_at=r.created_at, units=units.get(r.id, ()),
            acknowledged={"unattended": r.unattended_ack_at, "overdue": r.overdue_ack_at},
            now=now), _noted(r.attention_noted or "")) for r in incs]

    def flagged_ids(self, session: Session, now: datetime) -> list[int]:
        """Ids of the open incidents with a flag up (for the list's order)."""
        return [w.id for w in self.read(session, now) if w.codes]

    def watch(self) -> list[Watched]:
        """The open incidents' attention now (the runtime's watch reads this); those that
        cannot have a flag up are left out."""
        with self.core.store.read() as session:
            return self.read(session, self.core.clock())

    def flagged(self) -> dict[str, tuple[str, ...]]:
        """The open incidents with a flag up: number -> codes (the header's badge)."""
        return {w.number: w.codes for w in self.watch() if w.codes}

    @writes(c.AcknowledgeAttention, "attention")
    def acknowledge(self, number: str) -> IncidentView:
        """The operator has seen the incident's flags: they go quiet until they arise again.

        Refused when nothing is flagged (already acknowledged, or no flag at all).
        """
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            if inc.state != "open":
                raise Refused("{number} is closed; it has no attention flags",
                              number=inc.number)
            flags = assess(self.core.ref, inc, tx.now)
            if not flags.codes:
                raise Refused("{number} has no attention flag to acknowledge",
                              number=inc.number)
            # Never before the flag's onset: an onset from stored times written by a
            # workstation whose clock runs ahead must not leave the flag up.
            onsets = {r.code: r.onset for r in flags.raised}
            values = {ACK_COLUMNS[c]: max(tx.now, onsets[c]) for c in flags.codes}
            # Not through the ORM: an acknowledgement is not an edit of the incident, so it
            # must not turn an operator's concurrent change into a version conflict.
            tx.session.execute(update(Incident).where(Incident.id == inc.id).values(**values))
            for column, value in values.items():
                set_committed_value(inc, column, value)
            shown = Names(Text(ATTENTION[c]) for c in flags.codes)
            tx.log(inc, "attention", "Attention acknowledged: {flags}", flags=shown)
            seq = tx.audit("incident.acknowledge", "incident", inc.number,
                           codes=list(flags.codes))
            tx.publish(IncidentChanged(seq=seq, number=inc.number, action="acknowledge"))
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    def note(self, number: str) -> tuple[str, ...]:
        """Log the flags raised since the system last logged them (``_note``), as the system."""
        with self.core.acting(self.core.system("attention")):
            return self._note(number)

    @writes(c.NoteAttention, "attention")
    def _note(self, number: str) -> tuple[str, ...]:
        """Log the flags raised since the system last logged this incident's, as the system.

        Called by the runtime's watch on every workstation: the incident's row is locked
        and each flag's onset compared with the one logged, so each rise is logged once
        (see ``_stamp``). A flag that went quiet or away is not logged, nor written: what
        one workstation's clock does not show yet may be up on another's. Returns the
        flags up now.
        """
        key = normalise_number(number)
        with self.core.transaction() as tx:
            noted_text = tx.session.execute(
                select(Incident.attention_noted).where(Incident.number == key)
                .with_for_update()).scalar_one_or_none()
            inc = load_incident(tx.session, key)
            flags = assess(self.core.ref, inc, tx.now)
            noted = _noted(noted_text or "")
            new = _unlogged(flags, noted)
            if not new:
                return flags.codes
            for r in new:
                noted[r.code] = _stamp(r.onset)
            tx.session.execute(update(Incident).where(Incident.id == inc.id)
                               .values(attention_noted=_noted_text(noted)))
            for r in new:
                _log_raised(tx, inc, r)
            seq = tx.audit("incident.attention", "incident", inc.number,
                           codes=list(flags.codes), raised=[r.code for r in new])
            tx.publish(IncidentChanged(seq=seq, number=inc.number, action="attention"))
            return flags.codes
