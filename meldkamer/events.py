"""In-process publish/subscribe for domain events; any thread may publish.

Services publish after their transaction commits. The UI re-emits each event on the GUI
thread through one bridge object; other processes' changes arrive through the store's
change feed (see ``meldkamer.services.changes``) as the same events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Base of all events; ``seq`` is the audit sequence number of the change."""

    seq: int


@dataclass(frozen=True)
class IncidentChanged(DomainEvent):
    """An incident was created or changed (located, classified, dispatched, closed...)."""

    number: str
    action: str


@dataclass(frozen=True)
class UnitChanged(DomainEvent):
    """A unit's status, assignment or position changed, or the unit was added."""

    callsign: str
    action: str


@dataclass(frozen=True)
class AlarmChanged(DomainEvent):
    """An emergency alarm was raised or acknowledged."""

    alarm_id: int
    callsign: str
    action: str


@dataclass(frozen=True)
class UnitDispatched(DomainEvent):
    """A unit was dispatched to an incident (the radio sends it the details)."""

    number: str
    callsign: str


Handler = Callable[[DomainEvent], None]


class EventBus:
    """Thread-safe fan-out of domain events to subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Register ``handler``; returns a function that unsubscribes it."""
        with self._lock:
            self._handlers.append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers:
                    self._handlers.remove(handler)

        return unsubscribe

    def publish(self, event: DomainEvent) -> None:
        """Deliver ``event`` to every subscriber; one failing handler does not stop others."""
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %r", handler, event)
