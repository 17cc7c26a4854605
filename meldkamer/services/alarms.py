"""Emergency alarms: raised by a unit's radio, open until an operator acknowledges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meldkamer.domain import validate
from meldkamer.domain.views import AlarmView
from meldkamer.errors import NotFound, Refused
from meldkamer.events import AlarmChanged, IncidentChanged, UnitChanged
from meldkamer.services.common import load_unit
from meldkamer.store.models import Alarm, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

KINDS = ("button", "lip", "operator")


def _view(alarm: Alarm) -> AlarmView:
    return AlarmView(alarm.id, alarm.unit.callsign, alarm.kind, alarm.raised_at, alarm.lat,
                     alarm.lon, alarm.unit.incident.number if alarm.unit.incident else None,
                     alarm.acknowledged_at, alarm.acknowledged_by)


class AlarmService:
    """Raise, list and acknowledge emergency alarms."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    def raise_alarm(self, callsign: str, kind: str, *, lat: float | None = None,
                    lon: float | None = None) -> AlarmView:
        """An emergency from a unit; logged on its incident when it has one."""
        if lat is not None and lon is not None:
            lat, lon = validate.coordinate(lat, lon)
        with self.core.transaction() as tx:
            unit = load_unit(tx.session, callsign)
            alarm = Alarm(unit=unit, kind=kind if kind in KINDS else "button",
                          raised_at=tx.now, lat=lat, lon=lon)
            tx.session.add(alarm)
            if lat is not None and lon is not None:
                unit.lat, unit.lon, unit.position_at = lat, lon, tx.now
            if unit.incident is not None:
                tx.log(unit.incident, "alarm", f"NOODOPROEP van {unit.callsign}")
            tx.session.flush()
            seq = tx.audit("alarm.raise", "alarm", str(alarm.id), callsign=unit.callsign,
                           kind=alarm.kind, lat=lat, lon=lon)
            tx.publish(AlarmChanged(seq=seq, alarm_id=alarm.id, callsign=unit.callsign,
                                    action="raise"))
            tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="alarm"))
            if unit.incident is not None:
                tx.publish(IncidentChanged(seq=seq, number=unit.incident.number,
                                           action="alarm"))
            return _view(alarm)

    def acknowledge(self, alarm_id: int) -> AlarmView:
        """The operator has seen the emergency and is acting on it."""
        with self.core.transaction() as tx:
            alarm = tx.session.execute(
                select(Alarm).where(Alarm.id == int(alarm_id))
                .options(selectinload(Alarm.unit).selectinload(Unit.incident))
            ).scalar_one_or_none()
            if alarm is None:
                raise NotFound("no alarm {id}", id=alarm_id)
            if alarm.acknowledged_at is not None:
                raise Refused("alarm {id} was already acknowledged by {user}", id=alarm_id,
                              user=alarm.acknowledged_by)
            alarm.acknowledged_at, alarm.acknowledged_by = tx.now, self.core.user
            if alarm.unit.incident is not None:
                tx.log(alarm.unit.incident, "alarm",
                       f"Noodoproep {alarm.unit.callsign} bevestigd door {self.core.user}")
            seq = tx.audit("alarm.acknowledge", "alarm", str(alarm.id),
                           callsign=alarm.unit.callsign)
            tx.publish(AlarmChanged(seq=seq, alarm_id=alarm.id, callsign=alarm.unit.callsign,
                                    action="acknowledge"))
            return _view(alarm)

    def active(self) -> list[AlarmView]:
        """Alarms nobody has acknowledged yet, oldest first."""
        with self.core.store.read() as session:
            rows = session.execute(
                select(Alarm).where(Alarm.acknowledged_at.is_(None)).order_by(Alarm.id)
                .options(selectinload(Alarm.unit).selectinload(Unit.incident))
            ).scalars()
            return [_view(a) for a in rows]
