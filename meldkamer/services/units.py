"""Unit services: status changes through the state machine, and loading unit rosters."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
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
from meldkamer.errors import Conflict, InvalidInput, NotFound, Refused
from meldkamer.events import IncidentChanged, RosterChanged, UnitChanged
from meldkamer.services.common import check_version, load_unit, unit_view
from meldkamer.store.models import Assignment, Incident, Station, Unit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from meldkamer.core import Meldkamer, Tx
    from meldkamer.exchange.schemas import Roster


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
        """Add or update stations and units from TOML; returns (stations, units) in it."""
        diff = self.roster_diff(path, data=data, demo=demo, apply=True)
        return diff.stations, diff.units

    def roster_diff(self, path: Path | None = None, *, data: dict[str, Any] | None = None,
                    demo: bool = False, apply: bool = False) -> RosterDiff:
        """What a roster would change (added, changed field by field, unchanged), written
        only with ``apply``. Fields the file leaves out keep their values; a unit busy on an
        incident is never moved to another island (Refused, nothing written)."""
        from meldkamer import files
        from meldkamer.exchange.schemas import validate_roster

        name = str(path) if path is not None else "roster"
        if data is None:
            if path is None:
                raise InvalidInput("give a roster file")
            text = files.read_text(path, files.ROSTER_LIMIT)
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise InvalidInput("{path} is not valid TOML: {error}", path=name,
                                   error=str(exc)) from None
            except RecursionError:
                raise InvalidInput("{path} is nested too deeply to read", path=name) from None
        roster = validate_roster(data, file=name, ref=self.core.ref)
        if not apply:
            with self.core.store.read() as session:
                return _plan(self.core, session, roster, name, demo=demo, apply=False)
        return self._apply_roster(data, demo=demo, file=name)

    @writes(c.ImportRoster, "units")
    def _apply_roster(self, data: dict[str, Any], *, demo: bool, file: str) -> RosterDiff:
        """The roster's data written (the command carries the data, not the file)."""
        from meldkamer.exchange.schemas import validate_roster

        roster = validate_roster(data, file=file, ref=self.core.ref)
        name = file
        with self.core.transaction() as tx:
            # Every check first, on what is stored now: a refusal comes before any write.
            _plan(self.core, tx.session, roster, name, demo=demo, apply=False)
            diff = _plan(self.core, tx.session, roster, name, demo=demo, apply=True, tx=tx)
            seq = tx.audit("roster.import", "roster", "demo" if demo else "site",
                           stations=diff.stations, units=diff.units,
                           added=len(diff.added), changed=len(diff.changed))
            tx.publish(RosterChanged(seq=seq, count=diff.units))
        return diff


@dataclass(frozen=True)
class RosterDiff:
    """A roster against the database: keys added, fields changed (old, new), unchanged."""

    stations: int
    units: int
    added: tuple[str, ...] = ()
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    unchanged: tuple[str, ...] = ()
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"stations": self.stations, "units": self.units, "added": list(self.added),
                "changed": {k: {f: {"old": o, "new": n} for f, (o, n) in v.items()}
                            for k, v in self.changed.items()},
                "unchanged": list(self.unchanged), "applied": self.applied}


def _set(obj: Any, key: str, values: dict[str, Any], changes: dict[str, dict[str, Any]],
         *, new: bool, apply: bool) -> None:
    """Compare the named fields with ``obj`` and, with ``apply``, set them."""
    for name, value in values.items():
        old = getattr(obj, name, None) if obj is not None else None
        if isinstance(old, list):
            old = list(old)
        if new or old != value:
            if not new:
                changes.setdefault(key, {})[name] = (old, value)
            if apply and obj is not None:
                setattr(obj, name, value)


def _plan(core: Meldkamer, session: Session, roster: Roster, name: str, *, demo: bool,
          apply: bool, tx: Tx | None = None) -> RosterDiff:
    """Check the roster against the stored stations and units; with ``apply`` write it."""
    ref = core.ref
    added: dict[str, None] = {}  # in file order, and a quick "is it new?"
    changes: dict[str, dict[str, Any]] = {}
    stations = {s.code: s for s in session.execute(select(Station)).scalars()}
    for n, raw in enumerate(roster.station, start=1):
        named = {k: getattr(raw, k) for k in raw.model_fields_set
                 if k in ("name", "island", "discipline", "lat", "lon")}
        st = stations.get(raw.code)
        key = f"station {raw.code}"
        if st is None:
            missing = [k for k in ("island", "discipline", "lat", "lon") if named.get(k) is None]
            if missing:
                raise InvalidInput("{file}: {entry}: {field} is required for a new station",
                                   file=name, entry=f"station {n} ({raw.code})",
                                   field=missing[0])
            named.setdefault("name", raw.code)
            added[key] = None
            st = Station(code=raw.code) if apply else None
            if st is not None:
                session.add(st)
                stations[raw.code] = st
        if demo:
            named["demo"] = True
        _set(st, key, named, changes, new=key in added, apply=apply)
    if apply:
        session.flush()
    units = {u.callsign: u for u in session.execute(
        select(Unit).options(selectinload(Unit.station))).scalars()}
    by_issi = {u.issi: u.callsign for u in units.values() if u.issi is not None}
    known_stations = set(stations) | {s.code for s in roster.station}
    initial = next(s.code for s in ref.statuses.values() if s.available)
    for n, row in enumerate(roster.unit, start=1):
        entry = f"unit {n} ({row.callsign})"
        named = {k: getattr(row, k) for k in row.model_fields_set
                 if k in ("name", "island", "discipline", "capabilities", "issi", "demo")}
        if demo:
            named["demo"] = True
        unit = units.get(row.callsign)
        key = f"unit {row.callsign}"
        if row.issi is not None and by_issi.get(row.issi, row.callsign) != row.callsign:
            raise InvalidInput("{file}: {entry}: issi {issi} already belongs to {other}",
                               file=name, entry=entry, issi=row.issi, other=by_issi[row.issi])
        if row.station is not None and row.station not in known_stations:
            raise InvalidInput("{file}: {entry}: station: unknown station {station!r}",
                               file=name, entry=entry, station=row.station)
        if unit is None:
            missing = [k for k in ("discipline", "island") if named.get(k) is None]
            if missing:
                raise InvalidInput("{file}: {entry}: {field} is required for a new unit",
                                   file=name, entry=entry, field=missing[0])
            added[key] = None
            if apply:
                since = tx.now if tx is not None else core.clock()
                unit = Unit(callsign=row.callsign, status=initial, status_since=since,
                            capabilities=[], name="", demo=False)
                session.add(unit)
                units[row.callsign] = unit
        elif "island" in named and named["island"] != unit.island:
            busy = unit.incident_id is not None or (
                unit.status in ref.statuses and ref.statuses[unit.status].committed)
            if busy:
                raise Refused("{file}: {entry}: island: {callsign} is busy ({status}) on "
                              "{island}; it is not moved to {to} while committed. Nothing "
                              "was changed", file=name, entry=entry, callsign=unit.callsign,
                              status=unit.status, island=unit.island, to=named["island"])
        if row.station is not None:
            named["station_code"] = row.station
        _set_unit(unit, key, named, changes, stations, new=key in added, apply=apply)
    unchanged = [f"station {s.code}" for s in roster.station] + [
        f"unit {u.callsign}" for u in roster.unit]
    unchanged = [k for k in unchanged if k not in changes and k not in added]
    return RosterDiff(stations=len(roster.station), units=len(roster.unit),
                      added=tuple(added), changed={k: dict(v) for k, v in changes.items()},
                      unchanged=tuple(unchanged), applied=apply)


def _set_unit(unit: Unit | None, key: str, named: dict[str, Any],
              changes: dict[str, dict[str, Any]], stations: dict[str, Station], *,
              new: bool, apply: bool) -> None:
    """A unit's named fields; its station by code (and its position from there at first)."""
    code = named.pop("station_code", None)
    _set(unit, key, named, changes, new=new, apply=apply)
    if code is None:
        return
    old = unit.station.code if unit is not None and unit.station is not None else None
    if old != code and not new:
        changes.setdefault(key, {})["station"] = (old, code)
    if apply and unit is not None:
        station = stations[code]
        unit.station = station
        if unit.lat is None:
            unit.lat, unit.lon = station.lat, station.lon
