"""The one bridge that carries core events (from any thread) onto the GUI thread."""

from __future__ import annotations

from collections.abc import Callable

from meldkamer.events import AlarmChanged, DomainEvent, EventBus, IncidentChanged, UnitChanged
from ui.qt import QObject, Signal


class EventBridge(QObject):
    """Re-emits domain events as Qt signals; receivers run on the GUI thread."""

    incident_changed = Signal(str)
    """An incident (by number) changed: reload that row."""
    unit_changed = Signal(str)
    """A unit (by callsign, or '*' for the whole roster) changed: reload it."""
    alarm_changed = Signal(int, str, str)
    """An emergency alarm (id, callsign, action) was raised or acknowledged."""

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] = bus.subscribe(self._on_event)

    def _on_event(self, event: DomainEvent) -> None:
        if isinstance(event, IncidentChanged):
            self.incident_changed.emit(event.number)
        elif isinstance(event, UnitChanged):
            self.unit_changed.emit(event.callsign)
        elif isinstance(event, AlarmChanged):
            self.alarm_changed.emit(event.alarm_id, event.callsign, event.action)

    def close(self) -> None:
        self._unsubscribe()
