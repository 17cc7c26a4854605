"""Unit services: status changes through the state machine, and loading unit rosters."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain import validate
from meldkamer.domain.source import KINDS, Source
from meldkamer.domain.status_machine import check_transition, timer_state
from meldkamer.domain.views import UnitView
from meldkamer.errors import Conflict, InvalidInput, NotFound
from meldkamer.events import IncidentChanged, RosterChanged, UnitChanged
from meldkamer.services.common import check_version, load_unit, unit_view
from meldkamer.store.models import Assignment, Incident, Station, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer


_UNIT_NOW = (
    select(Unit.id, Unit.callsign, Unit.name, Unit.discipline, Unit.capabilities,
           Station.code.label("station"), Unit.island, Unit.issi, Unit.status,
           Unit.incident_id, Incident.number.label("incident"), Unit.lat, Unit.lon,
           Unit.demo, Unit.version)
    .outerjoin(Station, Unit.station_id == Station.id)
    .outerjoin(Incident, Unit.incident_id == Incident.id)
    .where(Unit.callsign == bindparam("callsign"))
)
_UNIT_MOVE = (
    update(Unit).where(Unit.id == bindparam("unit_id"), Unit.version == bindparam("old_version"))
    .values(status=bindparam("new_status"), status_since=bindparam("since"),
            version=bindparam("new_version"), incident_id=bindparam("new_incident"))
)


class UnitService:
    """Unit statuses and the unit roster."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    def list_units(
        self, *, island: str | None = None, discipline: str | None = None
    ) -> list[UnitView]:
        """All units, by island and callsign."""
        q = select(Unit).options(selectinload(Unit.station), selectinload(Unit.incident))
        if island:
            q = q.where(Unit.island == self.core.ref.island(island).code)
        if discipline:
            if discipline not in self.core.ref.disciplines:
                raise InvalidInput("unknown discipline {discipline!r}; use one of {codes}",
                                   discipline=discipline,
                                   codes=", ".join(self.core.ref.disciplines))
            q = q.where(Unit.discipline == discipline)
        with self.core.store.read() as session:
            units = session.execute(q.order_by(Unit.island, Unit.callsign)).scalars()
            now = self.core.clock()
            return [unit_view(u, self.core.ref, now) for u in units]

    def get(self, callsign: str) -> UnitView:
        """One unit."""
        with self.core.store.read() as session:
            return unit_view(load_unit(session, callsign), self.core.ref, self.core.clock())

    def _source(self, source: Source | str | None) -> Source | None:
        """A source given by kind alone ("radio") as a Source of this workstation's user."""
        if source is None or isinstance(source, Source):
            return source
        if source not in KINDS:
            raise InvalidInput("unknown source {source!r}; use one of {kinds}", source=source,
                               kinds=", ".join(KINDS))
        return Source(source, self.core.user)

    @writes(c.SetUnitStatus, "units")
    def set_status(
        self, callsign: str, status: str, *, reason: str = "",
        source: Source | str | None = None, expected_version: int | None = None,
    ) -> UnitView:
        """Change a unit's status if the state machine allows it; clearing ends its assignment.

        ``source``: who changed it (default: who acts on this thread, see
        ``Meldkamer.acting``); the status row, log line and audit event carry it.

        Written as a few Core statements, not an ORM load and flush: the radio applies
        hundreds a second and the ORM's work was four fifths of the cost. A copy of the unit
        this session already holds is expired, so later reads in the session see the change.
        Every refusal comes before the first write (the guarded update is that write), so in
        a batch it needs no savepoint.
        """
        ref = self.core.ref
        reason = validate.clean_text(reason, "reason", limit=validate.MAX_SHORT)
        key = callsign.strip().upper()
        with self.core.transaction(savepoint=False, source=self._source(source)) as tx:
            session = tx.session
            session.flush()  # pending ORM changes first: the statements below read the rows
            conn = session.connection()
            unit = conn.execute(_UNIT_NOW, {"callsign": key}).one_or_none()
            if unit is None:
                raise NotFound("no unit with callsign {callsign!r}", callsign=key)
            check_version(unit.callsign, unit.version, expected_version)
            new = check_transition(ref, unit.status, status)
            old = unit.status
            release = unit.incident_id is not None and not new.committed
            moved = conn.execute(_UNIT_MOVE, {
                "unit_id": unit.id, "old_version": unit.version, "new_status": new.code,
                "since": tx.now, "new_version": unit.version + 1,
                "new_incident": None if release else unit.incident_id,
            })
            if moved.rowcount != 1:
                raise Conflict("someone else changed this record at the same time; nothing "
                               "was overwritten, reload and try again")
            tx.record_status(dict(
                unit_id=unit.id, incident_id=unit.incident_id, from_status=old,
                to_status=new.code, at=tx.now, user=tx.source.user, source=tx.source.kind,
                reason=reason,
            ))
            held = session.identity_map.get(identity_key(Unit, unit.id))
            if held is not None:
                session.expire(held)
            inc = session.get(Incident, unit.incident_id) if unit.incident_id else None
            if inc is not None:
                if release:
                    # The open-assignment index keeps this O(1) however long the history.
                    assignment = tx.session.execute(
                        select(Assignment).where(Assignment.unit_id == unit.id,
                                                 Assignment.cleared_at.is_(None))
                    ).scalars().first()
                    if assignment is not None:
                        assignment.cleared_at = tx.now
                if release and reason:
                    tx.log(inc, "status", "{callsign}: {status} ({reason}), cleared",
                           callsign=unit.callsign, status=new, reason=reason)
                elif release:
                    tx.log(inc, "status", "{callsign}: {status}, cleared",
                           callsign=unit.callsign, status=new)
                elif reason:
                    tx.log(inc, "status", "{callsign}: {status} ({reason})",
                           callsign=unit.callsign, status=new, reason=reason)
                else:
                    tx.log(inc, "status", "{callsign}: {status}", callsign=unit.callsign,
                           status=new)
            seq = tx.audit("unit.status", "unit", unit.callsign, old=old, new=new.code,
                           incident=inc.number if inc else None, reason=reason)
            tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="status"))
            if inc is not None:
                tx.publish(IncidentChanged(seq=seq, number=inc.number, action="unit.status"))
            return UnitView(
                id=unit.id, callsign=unit.callsign, name=unit.name, discipline=unit.discipline,
                capabilities=tuple(unit.capabilities), station=unit.station,
                island=unit.island, issi=unit.issi, status=new.code, status_since=tx.now,
                incident=None if release else unit.incident, lat=unit.lat, lon=unit.lon,
                demo=unit.demo, version=unit.version + 1,
                timer=timer_state(ref, new.code, tx.now, self.core.clock()),
            )

    def by_issi(self, issi: int) -> UnitView | None:
        """The unit carrying this radio, if any."""
        with self.core.store.read() as session:
            unit = session.execute(
                select(Unit).where(Unit.issi == int(issi))
                .options(selectinload(Unit.station), selectinload(Unit.incident))
            ).scalar_one_or_none()
            return unit_view(unit, self.core.ref, self.core.clock()) if unit else None

    @writes(c.SetUnitPosition, "units")
    def set_position(self, callsign: str, lat: float, lon: float, *,
                     source: Source | str | None = None) -> UnitView:
        """Record where a unit is (from its radio or GPS; the audit event says which)."""
        la, lo = validate.coordinate(lat, lon)
        with self.core.transaction(source=self._source(source)) as tx:
            unit = load_unit(tx.session, callsign)
            # Not through the ORM: a GPS fix is not an edit, so it must not bump the version
            # and turn an operator's concurrent status change into a conflict.
            tx.session.execute(update(Unit).where(Unit.id == unit.id)
                               .values(lat=la, lon=lo, position_at=tx.now))
            seq = tx.audit("unit.position", "unit", unit.callsign, lat=la, lon=lo)
            tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="position"))
            return replace(unit_view(unit, self.core.ref, self.core.clock()), lat=la, lon=lo)

    def import_roster(self, path: Path | None = None, *, data: dict[str, Any] | None = None,
                      demo: bool = False) -> tuple[int, int]:
        """Add or update stations and units from TOML; returns (stations, units) touched."""
        if data is None:
            if path is None:
                raise InvalidInput("give a roster file")
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise InvalidInput("cannot read {path}: {error}", path=path, error=exc) from exc
        return self._import_roster(data, demo=demo)

    @writes(c.ImportRoster, "units")
    def _import_roster(self, data: dict[str, Any], *, demo: bool) -> tuple[int, int]:
        """The roster's data written (the command carries the data, not the file)."""
        return _import(self.core, data, demo=demo)


def _import(core: Meldkamer, data: dict[str, Any], *, demo: bool) -> tuple[int, int]:
    ref = core.ref
    initial = next(s.code for s in ref.statuses.values() if s.available)
    stations_in = data.get("station", [])
    units_in = data.get("unit", [])
    for name, rows in (("station", stations_in), ("unit", units_in)):
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput("the roster needs [[{name}]] tables (a list of them)", name=name)
    with core.transaction() as tx:
        stations = {s.code: s for s in tx.session.execute(select(Station)).scalars()}
        for raw in stations_in:
            where = f"station {raw.get('code')!r}"
            try:
                lat, lon = validate.coordinate(raw["lat"], raw["lon"])
                code, isl = str(raw["code"]), ref.island(str(raw["island"])).code
                disc = str(raw["discipline"])
            except KeyError as exc:
                raise InvalidInput("{where}: missing {key}", where=where, key=exc) from exc
            if disc not in ref.disciplines:
                raise InvalidInput("{where}: unknown discipline {discipline!r}", where=where,
                                   discipline=disc)
            st = stations.get(code) or Station(code=code)
            st.name, st.discipline, st.island = str(raw.get("name", code)), disc, isl
            st.lat, st.lon, st.demo = lat, lon, demo
            if st.id is None:
                tx.session.add(st)
            stations[code] = st
        tx.session.flush()
        units = {u.callsign: u for u in tx.session.execute(select(Unit)).scalars()}
        for raw in units_in:
            where = f"unit {raw.get('callsign')!r}"
            try:
                callsign = str(raw["callsign"]).strip().upper()
                disc = str(raw["discipline"])
                isl = ref.island(str(raw["island"])).code
            except KeyError as exc:
                raise InvalidInput("{where}: missing {key}", where=where, key=exc) from exc
            station = stations.get(str(raw.get("station", "")))
            if raw.get("station") and station is None:
                raise InvalidInput("{where}: unknown station {station!r}", where=where,
                                   station=raw["station"])
            if disc not in ref.disciplines:
                raise InvalidInput("{where}: unknown discipline {discipline!r}", where=where,
                                   discipline=disc)
            unit = units.get(callsign)
            if unit is None:
                unit = Unit(callsign=callsign, status=initial, status_since=tx.now)
                tx.session.add(unit)
                units[callsign] = unit
            unit.name, unit.discipline, unit.island = str(raw.get("name", "")), disc, isl
            unit.capabilities = [str(c) for c in raw.get("capabilities", [])]
            unit.station = station
            try:
                unit.issi = int(raw["issi"]) if raw.get("issi") is not None else None
            except (TypeError, ValueError) as exc:
                raise InvalidInput("{where}: issi must be a number", where=where) from exc
            if unit.lat is None and station is not None:
                unit.lat, unit.lon = station.lat, station.lon
            unit.demo = demo
        seq = tx.audit("roster.import", "roster", "demo" if demo else "site",
                       stations=len(stations_in), units=len(units_in))
        tx.publish(RosterChanged(seq=seq, count=len(units_in)))
    return len(stations_in), len(units_in)
