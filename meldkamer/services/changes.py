"""The change feed: other workstations' changes, read from the audit trail, as events.

Every service call appends audit events in its own transaction, so the audit sequence is
a complete, ordered feed of changes. A watcher polls it (an indexed range query, cheap at
any history size) and publishes events for changes this process did not make itself.
PostgreSQL LISTEN/NOTIFY can shorten the wait later; polling stays as the fallback.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from meldkamer.errors import MeldkamerError
from meldkamer.events import AlarmChanged, DomainEvent, IncidentChanged, UnitChanged
from meldkamer.store.models import AuditEvent

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)


def latest_seq(core: Meldkamer) -> int:
    """The newest audit sequence number in the store."""
    with core.store.read() as session:
        return int(session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0)


def changes_since(core: Meldkamer, seq: int, limit: int = 1000) -> list[DomainEvent]:
    """Events for audit entries after ``seq`` (all of them, local or not), oldest first."""
    with core.store.read() as session:
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.entity, AuditEvent.entity_key,
                   AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(limit)
        ).all()
    events: list[DomainEvent] = []
    for s, entity, key, action, data in rows:
        if entity == "incident":
            events.append(IncidentChanged(seq=s, number=key, action=action))
            if action == "incident.dispatch":
                import json

                payload = json.loads(data)
                for callsign in payload.get("units", []):
                    events.append(UnitChanged(seq=s, callsign=callsign, action=action))
                for number in payload.get("previous", []):
                    events.append(IncidentChanged(seq=s, number=number, action=action))
        elif entity == "unit":
            events.append(UnitChanged(seq=s, callsign=key, action=action))
            incident = _incident_of(data)
            if incident:
                events.append(IncidentChanged(seq=s, number=incident, action=action))
        elif entity == "alarm":
            import json

            callsign = json.loads(data).get("callsign", "")
            events.append(AlarmChanged(seq=s, alarm_id=int(key), callsign=callsign,
                                       action=action))
            if not callsign.startswith("ISSI "):
                events.append(UnitChanged(seq=s, callsign=callsign, action=action))
        elif entity == "roster":
            events.append(UnitChanged(seq=s, callsign="*", action=action))
    return events


def _incident_of(data: str) -> str | None:
    import json

    try:
        value = json.loads(data).get("incident")
    except ValueError:
        return None
    return value if isinstance(value, str) else None


class ChangeWatcher:
    """A daemon thread that publishes other processes' changes on the core's bus."""

    def __init__(self, core: Meldkamer, interval: float = 0.25) -> None:
        self.core = core
        self.interval = interval
        self.seq = latest_seq(core)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def poll(self) -> int:
        """Publish what changed since the last poll; returns how many events."""
        events = changes_since(self.core, self.seq)
        published = 0
        first = self.seq
        for event in events:
            self.seq = max(self.seq, event.seq)
            if event.seq in self.core.local_seqs:
                continue
            self.core.bus.publish(event)
            published += 1
        # Our own changes up to the cursor have been seen: forget them (bounded memory).
        self.core.local_seqs.difference_update(range(first + 1, self.seq + 1))
        return published

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except MeldkamerError as exc:  # database briefly unreachable: try again later
                log.warning("change feed: %s", exc)
