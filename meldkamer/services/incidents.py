"""Incident services: take a call, locate, classify, annotate, link duplicates, close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from meldkamer.domain import validate
from meldkamer.domain.reference import Classification, Island, Reference
from meldkamer.domain.views import LOCAL, IncidentView, SearchHit
from meldkamer.errors import InvalidInput, NotFound, Refused
from meldkamer.events import IncidentChanged
from meldkamer.services import search
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
                raise InvalidInput(f"unknown urgency {urgency!r}; use {', '.join(ref.urgencies)}")
        urgency = urgency or cls.urgency
        default = ref.urgencies[urgency].priority if urgency else cls.priority
        prio = default if priority is None else int(priority)
        if prio not in ref.priorities:
            raise InvalidInput(f"priority must be one of {sorted(ref.priorities)}, not {prio}")
        if prio != default and not reason:
            raise InvalidInput(
                "priority {priority} differs from the default {default} for {code}: give a reason",
                priority=prio, default=default, code=cls.code,
            )
        inc.classification, inc.priority, inc.urgency = cls.code, prio, urgency
        text = f"Classificatie {cls.code} {cls.path(ref)}, prio {prio}"
        if urgency:
            text += f", urgentie {urgency}"
        if prio != default:
            text += f" (afwijkend van {default}: {reason})"
        tx.log(inc, "classification", text)

    # -- services ----------------------------------------------------------------------

    def create(
        self,
        *,
        caller_number: str | None,
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
    ) -> IncidentView:
        """Create an incident from a call, optionally located, classified and annotated."""
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        number_in = validate.phone(caller_number)
        name = validate.clean_text(caller_name, "caller name", limit=validate.MAX_SHORT)
        callback = validate.phone(callback_number, "callback number", required=False)
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
            inc.calls.append(Call(at=tx.now, caller_number=number_in, caller_name=name,
                                  callback_number=callback, taken_by=self.core.user))
            inc.assignments = []
            tx.session.add(inc)
            tx.log(inc, "call", f"Melding van {number_in}" + (f" ({name})" if name else ""))
            if state != "unknown":
                tx.log(inc, "location", self._location_text(inc))
            if cls is not None:
                self._classify(tx, inc, cls, priority, priority_reason, urgency)
            if note:
                tx.log(inc, "note", note)
            self._done(tx, inc, "incident.create", caller=number_in, island=isl.code,
                       location=state, classification=inc.classification)
            return incident_view(tx.session, inc, self.core.ref)

    def _location_text(self, inc: Incident) -> str:
        where = f"{inc.lat:.5f}, {inc.lon:.5f}" if inc.lat is not None else ""
        if inc.address:
            where = f"{inc.address} ({where})" if where else inc.address
        if inc.location_state == "outside":
            return f"Locatie {where}: buiten het gebied (verantwoordelijk {inc.island})"
        return f"Locatie {where} [{inc.island}]"

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
            tx.log(inc, "location", self._location_text(inc))
            self._done(tx, inc, "incident.locate", lat=inc.lat, lon=inc.lon,
                       address=inc.address, island=inc.island, location=inc.location_state)
            return incident_view(tx.session, inc, self.core.ref)

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
            return incident_view(tx.session, inc, self.core.ref)

    def change_priority(
        self, number: str, priority: int, reason: str, *, expected_version: int | None = None
    ) -> IncidentView:
        """Change the priority; always needs a reason, which goes into the log."""
        reason = validate.clean_text(reason, "reason", limit=validate.MAX_SHORT, required=True)
        if priority not in self.core.ref.priorities:
            raise InvalidInput(f"priority must be one of {sorted(self.core.ref.priorities)}")
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            check_version(inc.number, inc.version, expected_version)
            self._open(inc)
            old, inc.priority = inc.priority, priority
            tx.log(inc, "priority", f"Prioriteit {old} -> {priority}: {reason}")
            self._done(tx, inc, "incident.priority", old=old, new=priority, reason=reason)
            return incident_view(tx.session, inc, self.core.ref)

    def add_note(self, number: str, text: str, *, kind: str = "note") -> IncidentView:
        """Add a free-text note (or a radio line) to the incident log."""
        note = validate.clean_text(text, "note", limit=validate.MAX_NOTE, required=True)
        if kind not in ("note", "radio"):
            raise InvalidInput("a log line is a note or a radio line, not {kind!r}", kind=kind)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            tx.log(inc, kind, note)
            self._done(tx, inc, "incident.note", length=len(note))
            return incident_view(tx.session, inc, self.core.ref)

    def attach_call(
        self, number: str, *, caller_number: str | None, caller_name: str = "",
        callback_number: str = "", note: str = "",
    ) -> IncidentView:
        """Link another call about the same event to an existing incident."""
        num = validate.phone(caller_number)
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        name = validate.clean_text(caller_name, "caller name", limit=validate.MAX_SHORT)
        callback = validate.phone(callback_number, "callback number", required=False)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            self._open(inc)
            inc.calls.append(Call(at=tx.now, caller_number=num, caller_name=name,
                                  callback_number=callback, taken_by=self.core.user))
            tx.log(inc, "call", f"Extra melding van {num}" + (f" ({name})" if name else ""))
            if note:
                tx.log(inc, "note", note)
            self._done(tx, inc, "incident.attach_call", caller=num)
            return incident_view(tx.session, inc, self.core.ref)

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
            tx.log(dup, "link", f"Dubbele melding van {main.number}; gesloten")
            tx.log(main, "link", f"Dubbele melding {dup.number} gekoppeld")
            self._done(tx, dup, "incident.duplicate", of=main.number)
            self._done(tx, main, "incident.linked", duplicate=dup.number)
            return incident_view(tx.session, dup, self.core.ref)

    def close(self, number: str, disposition: str, *, note: str = "") -> IncidentView:
        """Close with a disposition code; refused while any unit is still assigned."""
        disp = self.core.ref.disposition(disposition)
        note = validate.clean_text(note, "note", limit=validate.MAX_NOTE)
        with self.core.transaction() as tx:
            inc = load_incident(tx.session, number)
            self._open(inc)
            self._no_units(inc)
            inc.state, inc.closed_at, inc.disposition = "closed", tx.now, disp.code
            tx.log(inc, "close", f"Gesloten: {disp.code} {disp.name('nl')}"
                   + (f". {note}" if note else ""))
            self._done(tx, inc, "incident.close", disposition=disp.code)
            return incident_view(tx.session, inc, self.core.ref)

    @staticmethod
    def _open(inc: Incident) -> None:
        if inc.state != "open":
            raise Refused("{number} is closed ({disposition}); it cannot be changed",
                          number=inc.number, disposition=inc.disposition)

    @staticmethod
    def _no_units(inc: Incident) -> None:
        busy = [a for a in inc.assignments if a.cleared_at is None]
        if busy:
            names = ", ".join(f"{a.unit.callsign} ({a.unit.status})" for a in busy)
            raise Refused("{number} still has units assigned: {units}; clear them first",
                          number=inc.number, units=names)

    # -- reading -----------------------------------------------------------------------

    def get(self, number: str) -> IncidentView:
        """One incident with its calls, units, their times, and the whole log."""
        with self.core.store.read() as session:
            return incident_view(session, load_incident(session, number), self.core.ref,
                                 detail=True)

    def list_incidents(
        self, *, active: bool = True, island: str | None = None, limit: int = 500
    ) -> list[IncidentView]:
        """Active incidents (or the newest ones), highest priority and oldest first."""
        limit = max(1, min(int(limit), 10_000))
        q = select(Incident.id)
        if active:
            q = q.where(Incident.state == "open").order_by(Incident.priority, Incident.id)
        else:
            q = q.order_by(Incident.id.desc())
        if island:
            q = q.where(Incident.island == self.core.ref.island(island).code)
        with self.core.store.read() as session:
            ids = list(session.execute(q.limit(limit)).scalars())
            return self._summaries(session, ids)

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
        sort: str = "priority", descending: bool = False,
    ) -> list[int]:
        """Ids of the open incidents on an island and/or of a discipline, in a sort order.

        For big tables: sorted and filtered by the database, the rows fetched later by
        ``summaries``. ``sort`` is one of ``INCIDENT_SORTS`` (see ``_sort_keys``); the
        default is highest priority, then oldest, first.
        """
        q = select(Incident.id).where(Incident.state == "open")
        if island:
            q = q.where(Incident.island == self.core.ref.island(island).code)
        if discipline:
            q = q.where(self._involves(discipline))
        q = q.order_by(*(expr.asc() if ascending != descending else expr.desc()
                         for expr, ascending in _sort_keys(self.core.ref, sort)))
        with self.core.store.read() as session:
            return list(session.execute(q).scalars())

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

    def _summaries(self, session: Session, ids: list[int]) -> list[IncidentView]:
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
        return [incident_view(session, by_id[i], self.core.ref,
                              last_status_at=_utc(last.get(i)))
                for i in ids if i in by_id]

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Full-text search over incident logs and notes, newest first."""
        limit = max(1, min(int(limit), 1_000))
        with self.core.store.read() as session:
            return search.search_log(session, text, limit=limit)
