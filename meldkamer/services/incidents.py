"""Incident services: take a call, locate, classify, annotate, link duplicates, close."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain import phone, validate
from meldkamer.domain.reference import Classification, Island, Reference
from meldkamer.domain.views import LOCAL, IncidentView, SearchHit
from meldkamer.errors import InvalidInput, NotFound, Refused
from meldkamer.events import IncidentChanged
from meldkamer.i18n import N_, Names, Text
from meldkamer.services import audit_rows, search
from meldkamer.services.common import (
    check_version,
    incident_view,
    load_incident,
    normalise_number,
)
from meldkamer.store.models import (
    Assignment,
    Call,
    Incident,
    IncidentCounter,
    Unit,
    UnitStatusChange,
)

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer, Tx

BUSY_UNIT = N_("{callsign} ({status})")
ANSWER = N_("{question} {answer}")


def _utc(value: object) -> datetime | None:
    """An aggregate's time (SQLite returns text, PostgreSQL a datetime) as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# What the incident list can be sorted by, one per column of the table.
INCIDENT_SORTS = ("number", "priority", "classification", "island", "location", "units",
                  "age", "since_status", "disciplines")


def _classes_needing(ref: Reference, discipline: str) -> list[str]:
    """Classification codes whose first response needs this discipline."""
    return [c.code for c in ref.classifications.values()
            if discipline in ref.disciplines_for(c.needs)]


def _had_units_of(discipline: str) -> ColumnElement[bool]:
    """A unit of this discipline is or was assigned to the incident."""
    return exists().where(Assignment.incident_id == Incident.id,
                          Assignment.unit_id == Unit.id, Unit.discipline == discipline)


Key = tuple[ColumnElement[Any] | InstrumentedAttribute[Any], bool]  # term, ascending?


def _nulls_last(expr: ColumnElement[Any]) -> list[Key]:
    """Rows without a value after those with one, on every dialect."""
    return [(case((expr.is_(None), 1), else_=0), True), (expr, True)]


def _sort_keys(ref: Reference, sort: str) -> list[Key]:
    """ORDER BY terms for a sort of the incident list; ties by priority, then oldest.

    Each key orders the way the table's column reads: age and time since the last status
    ascend from the most recent, location puts addresses (A-Z) before coordinates before
    unknown, units and disciplines sort by the first one shown and rows without last.
    """
    ties: list[Key] = [(Incident.priority, True), (Incident.id, True)]
    if sort == "priority":
        return ties
    if sort == "number":
        return [(Incident.number, True)]
    if sort == "classification":
        return [(func.coalesce(Incident.classification, ""), True), *ties]
    if sort == "island":
        return [(Incident.island, True), *ties]
    if sort == "location":
        kind = case((Incident.address != "", 0), (Incident.lat.is_not(None), 1), else_=2)
        return [(kind, True), (Incident.address, True), (Incident.lat, True),
                (Incident.lon, True), *ties]
    if sort == "units":
        first = (select(Unit.callsign).join(Assignment, Assignment.unit_id == Unit.id)
                 .where(Assignment.incident_id == Incident.id, Assignment.cleared_at.is_(None))
                 .order_by(Assignment.id).limit(1).scalar_subquery())
        return [*_nulls_last(first), *ties]
    if sort == "age":
        return [(Incident.created_at, False), (Incident.id, False)]
    if sort == "since_status":
        last = (select(func.max(UnitStatusChange.at))
                .where(UnitStatusChange.incident_id == Incident.id).scalar_subquery())
        return [(func.coalesce(last, Incident.created_at), False), (Incident.id, False)]
    if sort == "disciplines":
        first_disc = case(*[(or_(Incident.classification.in_(_classes_needing(ref, d.code)),
                                 _had_units_of(d.code)), d.short)
                            for d in ref.disciplines.values()], else_=None)
        return [*_nulls_last(first_disc), *ties]
    raise InvalidInput("cannot sort incidents by {sort!r}; use one of {known}",
                       sort=sort, known=", ".join(INCIDENT_SORTS))


def _next_number(session: Session, island: Island, year: int) -> str:
    """Hand out the next number for this island and year (row-locked counter)."""
    # The dialect's own insert (for ON CONFLICT), imported here: loading SQLAlchemy's
    # PostgreSQL dialect costs a SQLite workstation's CLI ~50 ms on every start.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect  # type: ignore[no-redef]
    last = session.execute(
        dialect.insert(IncidentCounter).values(island=island.code, year=year, last=1)
        .on_conflict_do_update(index_elements=["island", "year"],
                               set_={"last": IncidentCounter.last + 1})
        .returning(IncidentCounter.last)
    ).scalar_one()
    return f"{island.prefix}-{year}-{last:06d}"


def _caller_data(caller: phone.CallerNumber) -> str:
    """The caller as audit data holds it: a keyed digest of a number, a state as it is."""
    return audit_rows.personal("caller", caller.number) if caller.known else caller.state


class IncidentService:
    """Everything an operator does to an incident."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    # -- helpers -----------------------------------------------------------------------

    def _done(self, tx: Tx, inc: Incident, action: str, **data: object) -> None:
        inc.updated_at = tx.now
        seq = tx.audit(action, "incident", inc.number, **data)
        tx.publish(IncidentChanged(seq=seq, number=inc.number, action=action))

    def _located(
        self, lat: float | None, lon: float | None, island: str | None
    ) -> tuple[str, Island, tuple[float, float] | None]:
        """Location state, responsible island and coordinate from what the operator gave."""
        ref = self.core.ref
        chosen = ref.island(island) if island else None
        if lat is None and lon is None:
            return "unknown", chosen or ref.islands[ref.home_island], None
        la, lo = validate.coordinate(lat, lon)
        found = ref.island_at(la, lo)
        if found is None:
            return "outside", chosen or ref.islands[ref.home_island], (la, lo)
        return "island", found, (la, lo)

    def _classify(
        self, tx: Tx, inc: Incident, cls: Classification, priority: int | None, reason: str,
        urgency: str | None,
    ) -> None:
        ref = self.core.ref
        reason = validate.clean_text(reason, "reason", limit=validate.MAX_SHORT)
        if urgency is not None:
            urgency = urgency.strip().upper()
            if urgency not in ref.urgencies:
                raise InvalidInput("unknown urgency {urgency!r}; use {codes}", urgency=urgency,
                                   codes=", ".join(ref.urgencies))
        urgency = urgency or cls.urgency
        default = ref.urgencies[urgency].priority if urgency else cls.priority
        prio = default if priority is None else int(priority)
        if prio not in ref.priorities:
            raise InvalidInput("priority must be one of {levels}, not {priority}",
                               levels=", ".join(map(str, sorted(ref.priorities))), priority=prio)
        if prio != default and not reason:
            raise InvalidInput(
                "priority {priority} differs from the default {default} for {code}: give a reason",
                priority=prio, default=default, code=cls.code,
            )
        inc.classification, inc.priority, inc.urgency = cls.code, prio, urgency
        if prio == default and not urgency:
            tx.log(inc, "classification", "Classification {classification}, priority {priority}",
                   classification=cls, priority=prio)
        elif prio == default:
            tx.log(inc, "classification",
                   "Classification {classification}, priority {priority}, urgency {urgency}",
                   classification=cls, priority=prio, urgency=urgency)
        elif not urgency:
            tx.log(inc, "classification", "Classification {classification}, priority "
                   "{priority} (instead of {default}: {reason})",
                   classification=cls, priority=prio, default=default, reason=reason)
        else:
            tx.log(inc, "classification", "Classification {classification}, priority "
                   "{priority}, urgency {urgency} (instead of {default}: {reason})",
                   classification=cls, priority=prio, urgency=urgency, default=default,
                   reason=reason)

    # -- services ----------------------------------------------------------------------

    @writes(c.CreateIncident, "incidents")
    def create(
        self,
        *,
        caller_number: str | None = None,
        caller_name: str = "",
        callback_number: str = "",
        lat: float | None = None,
        lon: float | None = None,
        address: str = "",
        island: str | None = None,
        classification: str | None = None,
        priority: int | None = None,
        priority_reason: str = "",
        urgency: str | None = None,
        note: str = "",
        answers: Mapping[str, str] | None = None,
    ) -> IncidentView:
        """Create an incident from a call, optionally located, classified and annotated.

        ``answers``: the intake questions answered, by question id (answer codes or text).
        """
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        caller = validate.caller(caller_number)
        name = validate.clean_text(caller_name, "caller name", limit=validate.MAX_SHORT)
        callback = validate.phone(callback_number, "callback number")
        addr = validate.clean_text(address, "address", limit=validate.MAX_SHORT)
        state, isl, coord = self._located(lat, lon, island)
        cls = self.core.ref.classification(classification) if classification else None
        with self.core.transaction() as tx:
            year = tx.now.astimezone(LOCAL).year
            inc = Incident(
                number=_next_number(tx.session, isl, year), island=isl.code, year=year,
                state="open", location_state=state, lat=coord[0] if coord else None,
                lon=coord[1] if coord else None, address=addr, priority=3,
                created_at=tx.now, updated_at=tx.now, created_by=self.core.user,
            )
            inc.calls.append(Call(at=tx.now, caller_number=caller.stored, caller_name=name,
                                  callback_number=callback, taken_by=self.core.user))
            inc.assignments = []
            tx.session.add(inc)
            if name:
                tx.log(inc, "call", "Call from {caller} ({name})", caller=caller.in_log(),
                       name=name)
            else:
                tx.log(inc, "call", "Call from {caller}", caller=caller.in_log())
            if state != "unknown":
                self._log_location(tx, inc)
            if cls is not None:
                self._classify(tx, inc, cls, priority, priority_reason, urgency)
                self._log_answers(tx, inc, cls, answers)
            if note:
                tx.note(inc, "note", note)
            self._done(tx, inc, "incident.create", caller=_caller_data(caller), island=isl.code,
                       location=state, classification=inc.classification)
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    def _log_answers(self, tx: Tx, inc: Incident, cls: Classification | None,
                     answers: Mapping[str, str] | None) -> None:
        """The intake answers as one log line, shown in each reader's language."""
        if cls is None or not answers:
            return
        ref = self.core.ref
        given = [Text(ANSWER, question=q, answer=ref.answers.get(str(answers[q.id]))
                      or validate.clean_text(str(answers[q.id]), "note", limit=validate.MAX_SHORT))
                 for q in cls.questions if str(answers.get(q.id) or "").strip()]
        if given:
            tx.log(inc, "questions", "Questions: {answers}", answers=Names(given, sep="; "))

    @staticmethod
    def _log_location(tx: Tx, inc: Incident) -> None:
        where = f"{inc.lat:.5f}, {inc.lon:.5f}" if inc.lat is not None else ""
        if inc.address:
            where = f"{inc.address} ({where})" if where else inc.address
        if inc.location_state == "outside":
            tx.log(inc, "location", "Location {where}: outside the area (responsible: "
                   "{island})", where=where, island=inc.island)
        else:
            tx.log(inc, "location", "Location {where} [{island}]", where=where,
                   island=inc.island)

    @writes(c.Locate, "incidents")
    def locate(
        self, number: str, *, lat: float | None = None, lon: float | None = None,
        address: str | None = None, island: str | None = None,
        expected_version: int | None = None,
    ) -> IncidentView:
        """Set the location; the island follows from the coordinates."""
        addr = None if address is None else validate.clean_text(
            address, "address", limit=validate.MAX_SHORT)
        if lat is None and lon is None and not addr:
            raise InvalidInput("give coordinates, an address, or both")
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            check_version(inc.number, inc.version, expected_version)
            self._open(inc)
            if lat is not None or lon is not None:
                state, isl, coord = self._located(lat, lon, island or inc.island)
                assert coord is not None
                inc.location_state, inc.island = state, isl.code
                inc.lat, inc.lon = coord
            elif inc.location_state == "unknown":
                inc.location_state = "address"
            if addr is not None:
                inc.address = addr
            self._log_location(tx, inc)
            self._done(tx, inc, "incident.locate", lat=inc.lat, lon=inc.lon,
                       address=inc.address, island=inc.island, location=inc.location_state)
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.Classify, "incidents")
    def classify(
        self, number: str, code: str, *, priority: int | None = None, reason: str = "",
        urgency: str | None = None, expected_version: int | None = None,
    ) -> IncidentView:
        """Set the class; the priority follows, and a different priority needs a reason."""
        cls = self.core.ref.classification(code)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            check_version(inc.number, inc.version, expected_version)
            self._open(inc)
            self._classify(tx, inc, cls, priority, reason, urgency)
            self._done(tx, inc, "incident.classify", classification=cls.code,
                       priority=inc.priority, urgency=inc.urgency, reason=reason)
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.ChangePriority, "incidents")
    def change_priority(
        self, number: str, priority: int, reason: str, *, expected_version: int | None = None
    ) -> IncidentView:
        """Change the priority; always needs a reason, which goes into the log."""
        reason = validate.clean_text(reason, "reason", limit=validate.MAX_SHORT, required=True)
        if priority not in self.core.ref.priorities:
            raise InvalidInput("priority must be one of {levels}",
                               levels=", ".join(map(str, sorted(self.core.ref.priorities))))
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            check_version(inc.number, inc.version, expected_version)
            self._open(inc)
            old, inc.priority = inc.priority, priority
            tx.log(inc, "priority", "Priority {old} -> {new}: {reason}", old=old, new=priority,
                   reason=reason)
            self._done(tx, inc, "incident.priority", old=old, new=priority, reason=reason)
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.AddNote, "incidents")
    def add_note(self, number: str, text: str, *, kind: str = "note") -> IncidentView:
        """Add a free-text note (or a radio line) to the incident log."""
        note = validate.clean_text(text, "note", limit=validate.MAX_NOTE, required=True)
        if kind not in ("note", "radio"):
            raise InvalidInput("a log line is a note or a radio line, not {kind!r}", kind=kind)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            tx.note(inc, kind, note)
            self._done(tx, inc, "incident.note", length=len(note))
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.LogMessage, "incidents")
    def log_message(self, number: str, kind: str, template: str, /,
                    **fields: object) -> IncidentView:
        """Add a line the system writes (a radio event, ...) as a template with fields.

        Unlike a note, it is shown in each reader's language (see ``Tx.log``).
        """
        if kind not in ("note", "radio"):
            raise InvalidInput("a log line is a note or a radio line, not {kind!r}", kind=kind)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            tx.log(inc, kind, template, **fields)
            self._done(tx, inc, "incident.note", length=len(template))
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.AttachCall, "incidents")
    def attach_call(
        self, number: str, *, caller_number: str | None = None, caller_name: str = "",
        callback_number: str = "", note: str = "", reported_address: str = "",
        classification: str | None = None, answers: Mapping[str, str] | None = None,
    ) -> IncidentView:
        """Link another call about the same event to an existing incident.

        ``reported_address``, ``classification`` and ``answers``: what this caller said.
        """
        caller = validate.caller(caller_number)
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        name = validate.clean_text(caller_name, "caller name", limit=validate.MAX_SHORT)
        callback = validate.phone(callback_number, "callback number")
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            self._open(inc)
            inc.calls.append(Call(at=tx.now, caller_number=caller.stored, caller_name=name,
                                  callback_number=callback, taken_by=self.core.user))
            if name:
                tx.log(inc, "call", "Another call from {caller} ({name})",
                       caller=caller.in_log(), name=name)
            else:
                tx.log(inc, "call", "Another call from {caller}", caller=caller.in_log())
            where = validate.clean_text(reported_address, "address", limit=validate.MAX_SHORT)
            if where:
                tx.log(inc, "location", "Location according to the caller: {address}",
                       address=where)
            self._log_answers(tx, inc, self.core.ref.classifications.get(classification or ""),
                              answers)
            if note:
                tx.note(inc, "note", note)
            self._done(tx, inc, "incident.attach_call", caller=_caller_data(caller))
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    @writes(c.MarkDuplicate, "incidents")
    def mark_duplicate(self, number: str, of: str) -> IncidentView:
        """Close an incident as a duplicate of another, moving its calls' record there."""
        with self.core.transaction() as tx:
            dup = load_incident(tx.session, number)
            main = load_incident(tx.session, of)
            if dup.id == main.id:
                raise InvalidInput("an incident cannot duplicate itself")
            self._open(dup)
            self._open(main)
            self._no_units(dup)
            dup.duplicate_of_id, dup.state, dup.closed_at = main.id, "closed", tx.now
            dup.disposition = "DUPLICATE" if "DUPLICATE" in self.core.ref.dispositions else None
            tx.log(dup, "link", "Duplicate of {number}; closed", number=main.number)
            tx.log(main, "link", "Duplicate {number} attached", number=dup.number)
            self._done(tx, dup, "incident.duplicate", of=main.number)
            self._done(tx, main, "incident.linked", duplicate=dup.number)
            return incident_view(tx.session, dup, self.core.ref, now=tx.now)

    @writes(c.CloseIncident, "incidents")
    def close(self, number: str, disposition: str, *, note: str = "") -> IncidentView:
        """Close with a disposition code; refused while any unit is still assigned."""
        disp = self.core.ref.disposition(disposition)
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            self._open(inc)
            self._no_units(inc)
            inc.state, inc.closed_at, inc.disposition = "closed", tx.now, disp.code
            if note:
                tx.log(inc, "close", "Closed: {disposition}. {note}", disposition=disp,
                       note=note)
            else:
                tx.log(inc, "close", "Closed: {disposition}", disposition=disp)
            self._done(tx, inc, "incident.close", disposition=disp.code)
            return incident_view(tx.session, inc, self.core.ref, now=tx.now)

    def _open(self, inc: Incident) -> None:
        ref = self.core.ref
        if inc.state != "open":
            raise Refused("{number} is closed ({disposition}); it cannot be changed",
                          number=inc.number,
                          disposition=ref.dispositions.get(inc.disposition or "", "-"))

    def _no_units(self, inc: Incident) -> None:
        ref = self.core.ref
        busy = [a for a in inc.assignments if a.cleared_at is None]
        if busy:
            raise Refused("{number} still has units assigned: {units}; clear them first",
                          number=inc.number,
                          units=Names(Text(BUSY_UNIT, callsign=a.unit.callsign,
                                           status=ref.statuses[a.unit.status])
                                      for a in busy))

    # -- reading -----------------------------------------------------------------------

    def get(self, number: str) -> IncidentView:
        """One incident with its calls, units, their times, and the whole log."""
        with self.core.store.read() as session:
            return incident_view(session, load_incident(session, number), self.core.ref,
                                 detail=True, now=self.core.clock())

    def list_incidents(
        self, *, active: bool = True, island: str | None = None, limit: int = 500,
        attention_first: bool = True,
    ) -> list[IncidentView]:
        """Active incidents (or the newest ones): those with an attention flag first
        (unless not ``attention_first``: no attention read), then highest priority and
        oldest first."""
        limit = max(1, min(int(limit), 10_000))
        q = select(Incident.id)
        if island:
            q = q.where(Incident.island == self.core.ref.island(island).code)
        now = self.core.clock()  # one reading: the order and the flags shown agree
        with self.core.store.read() as session:
            if active:
                q = q.where(Incident.state == "open").order_by(
                    *(self._attention_first(session, now) if attention_first else ()),
                    Incident.priority, Incident.id)
            else:
                q = q.order_by(Incident.id.desc())
            ids = list(session.execute(q.limit(limit)).scalars())
            return self._summaries(session, ids, now)

    def summary(self, number: str) -> IncidentView:
        """One incident without its log, as the tables show it."""
        with self.core.store.read() as session:
            iid = session.execute(
                select(Incident.id).where(Incident.number == normalise_number(number))
            ).scalar_one_or_none()
            if iid is None:
                raise NotFound("no incident {number}", number=normalise_number(number))
            return self._summaries(session, [iid])[0]

    def active_ids(
        self, *, island: str | None = None, discipline: str | None = None,
        sort: str = "priority", descending: bool = False, attention_first: bool = True,
    ) -> list[int]:
        """Ids of the open incidents on an island and/or of a discipline, in a sort order.

        For big tables: sorted and filtered by the database, the rows fetched later by
        ``summaries``. ``sort`` is one of ``INCIDENT_SORTS`` (see ``_sort_keys``); the
        default is highest priority, then oldest, first. Incidents with an attention flag
        come first in any sort and either direction (``attention_first``).
        """
        q = select(Incident.id).where(Incident.state == "open")
        if island:
            q = q.where(Incident.island == self.core.ref.island(island).code)
        if discipline:
            q = q.where(self._involves(discipline))
        keys = [expr.asc() if ascending != descending else expr.desc()
                for expr, ascending in _sort_keys(self.core.ref, sort)]
        with self.core.store.read() as session:
            first = self._attention_first(session, self.core.clock()) if attention_first else []
            return list(session.execute(q.order_by(*first, *keys)).scalars())

    def _attention_first(self, session: Session, now: datetime) -> list[ColumnElement[Any]]:
        """An ORDER BY term that puts the incidents flagged at ``now`` first (none when
        none is)."""
        flagged = self.core.attention.flagged_ids(session, now)
        return [case((Incident.id.in_(flagged), 0), else_=1).asc()] if flagged else []

    def active_count(self) -> int:
        """How many incidents are open (on every island, of every discipline)."""
        with self.core.store.read() as session:
            return int(session.scalar(select(func.count()).select_from(Incident)
                                      .where(Incident.state == "open")) or 0)

    def _involves(self, discipline: str) -> ColumnElement[bool]:
        """The incident concerns this discipline: its class needs it, or it had its units.

        The same rule as ``IncidentView.disciplines`` (services.common._disciplines).
        """
        ref = self.core.ref
        if discipline not in ref.disciplines:
            raise InvalidInput("unknown discipline {discipline!r}; use one of {known}",
                               discipline=discipline, known=", ".join(ref.disciplines))
        return or_(Incident.classification.in_(_classes_needing(ref, discipline)),
                   _had_units_of(discipline))

    def summaries_of(self, numbers: list[str]) -> list[IncidentView]:
        """Views of these incidents by number (without logs); unknown numbers skipped."""
        wanted = [normalise_number(n) for n in numbers]
        with self.core.store.read() as session:
            ids = list(session.execute(
                select(Incident.id).where(Incident.number.in_(wanted)).order_by(Incident.id)
            ).scalars())
            return self._summaries(session, ids)

    def summaries(self, ids: list[int]) -> list[IncidentView]:
        """Views of these incidents (without logs), in the order given; missing ids skipped."""
        with self.core.store.read() as session:
            return self._summaries(session, ids)

    def _summaries(self, session: Session, ids: list[int],
                   now: datetime | None = None) -> list[IncidentView]:
        """The views, with their attention at ``now`` (the clock's reading if not given)."""
        if not ids:
            return []
        rows = session.execute(
            select(Incident).where(Incident.id.in_(ids)).options(
                selectinload(Incident.calls),
                selectinload(Incident.assignments).selectinload(Assignment.unit),
            )
        ).scalars()
        by_id = {inc.id: inc for inc in rows}
        last = dict(session.execute(
            select(UnitStatusChange.incident_id, func.max(UnitStatusChange.at))
            .where(UnitStatusChange.incident_id.in_(ids))
            .group_by(UnitStatusChange.incident_id)
        ).all())
        if now is None:
            now = self.core.clock()
        return [incident_view(session, by_id[i], self.core.ref,
                              last_status_at=_utc(last.get(i)), now=now)
                for i in ids if i in by_id]

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Full-text search over incident logs and notes, newest first."""
        limit = max(1, min(int(limit), 1_000))
        with self.core.store.read() as session:
            return search.search_log(session, text, limit=limit)
