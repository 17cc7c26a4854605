"""Emergency alarms: raised by a unit's radio, open until an operator acknowledges.

A repeated emergency from the same radio (the button held, LIP reports with reason
"emergency", several workstations hearing it) updates the open alarm instead of adding
another one. An emergency from a radio that belongs to no unit is still an alarm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain import validate
from meldkamer.domain.views import AlarmView
from meldkamer.errors import InvalidInput, NotFound, Refused
from meldkamer.events import AlarmChanged, IncidentChanged, UnitChanged
from meldkamer.services.common import load_unit
from meldkamer.store.models import Alarm, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

KINDS = ("button", "lip", "operator")


def _who(alarm: Alarm) -> str:
    if alarm.unit is not None:
        return alarm.unit.callsign
    return f"ISSI {alarm.issi}"


def _callsign(alarm: Alarm) -> str | None:
    return alarm.unit.callsign if alarm.unit is not None else None


def _view(alarm: Alarm) -> AlarmView:
    incident = alarm.unit.incident if alarm.unit is not None else None
    return AlarmView(alarm.id, _who(alarm), alarm.kind, alarm.raised_at, alarm.lat, alarm.lon,
                     incident.number if incident else None, alarm.acknowledged_at,
                     alarm.acknowledged_by)


class AlarmService:
    """Raise, list and acknowledge emergency alarms."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    @writes(c.RaiseAlarm, "alarms")
    def raise_alarm(self, callsign: str | None, kind: str, *, lat: float | None = None,
                    lon: float | None = None, issi: int | None = None) -> AlarmView:
        """An emergency from a unit (or an unknown radio); logged on the unit's incident."""
        if callsign is None and issi is None:
            raise InvalidInput("an emergency needs a unit or a radio ISSI")
        if lat is not None and lon is not None:
            lat, lon = validate.coordinate(lat, lon)
        with self.core.transaction() as tx:
            unit = load_unit(tx.session, callsign) if callsign else None
            open_q = select(Alarm).where(Alarm.acknowledged_at.is_(None))
            open_q = open_q.where(Alarm.unit_id == unit.id) if unit is not None \
                else open_q.where(Alarm.issi == issi, Alarm.unit_id.is_(None))
            alarm = tx.session.execute(open_q).scalars().first()
            action = "repeat" if alarm is not None else "raise"
            if alarm is None:
                alarm = Alarm(unit=unit, issi=issi if unit is None else unit.issi,
                              kind=kind if kind in KINDS else "button", raised_at=tx.now)
                tx.session.add(alarm)
                if unit is not None and unit.incident is not None:
                    tx.log(unit.incident, "alarm", "EMERGENCY from {callsign}",
                           callsign=unit.callsign)
            if lat is not None and lon is not None:
                alarm.lat, alarm.lon = lat, lon
            tx.session.flush()
            seq = tx.audit(f"alarm.{action}", "alarm", str(alarm.id), callsign=_who(alarm),
                           kind=alarm.kind, lat=lat, lon=lon)
            tx.publish(AlarmChanged(seq=seq, alarm_id=alarm.id, callsign=_callsign(alarm),
                                    issi=alarm.issi, action=action))
            if unit is not None:
                tx.publish(UnitChanged(seq=seq, callsign=unit.callsign, action="alarm"))
                if unit.incident is not None:
                    tx.publish(IncidentChanged(seq=seq, number=unit.incident.number,
                                               action="alarm"))
            return _view(alarm)

    @writes(c.AcknowledgeAlarm, "alarms")
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
            if alarm.unit is not None and alarm.unit.incident is not None:
                tx.log(alarm.unit.incident, "alarm", "Emergency from {callsign} acknowledged by "
                       "{user}", callsign=alarm.unit.callsign, user=self.core.user)
            seq = tx.audit("alarm.acknowledge", "alarm", str(alarm.id), callsign=_who(alarm))
            tx.publish(AlarmChanged(seq=seq, alarm_id=alarm.id, callsign=_callsign(alarm),
                                    issi=alarm.issi, action="acknowledge"))
            return _view(alarm)

    def active(self) -> list[AlarmView]:
        """Alarms nobody has acknowledged yet, oldest first."""
        with self.core.store.read() as session:
            rows = session.execute(
                select(Alarm).where(Alarm.acknowledged_at.is_(None)).order_by(Alarm.id)
                .options(selectinload(Alarm.unit).selectinload(Unit.incident))
            ).scalars()
            return [_view(a) for a in rows]
