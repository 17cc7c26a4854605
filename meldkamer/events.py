"""Typed domain events: published in-process after commit, stored for other workstations.

Every event type is a frozen dataclass registered under a stable name with
``@register("name")``. The registry is the one place that says how an event is stored
and read back: a transaction stores the events it publishes (``change_event`` table,
written in the same transaction as the change itself), and the change feed of another
workstation reads them back into the same typed objects (``meldkamer.services.changes``).
Nothing is ever rebuilt from audit text.

Events marked ``shared=False`` stay in the process that made them: a dispatch SDS is sent
by the workstation that dispatched, and unit timer and attention flags are computed by
every workstation's own scheduler from the same stored data.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Base of all events; ``seq`` is the audit sequence number of the change."""

    seq: int

    type_name: ClassVar[str] = ""
    shared: ClassVar[bool] = True

    def payload(self) -> dict[str, Any]:
        """The event's fields (without ``seq``), as JSON-safe plain values."""
        data = dataclasses.asdict(self)
        data.pop("seq", None)
        return data


E = TypeVar("E", bound=type[DomainEvent])
EVENT_TYPES: dict[str, type[DomainEvent]] = {}


def register(name: str, *, shared: bool = True) -> Callable[[E], E]:
    """Register an event class under a stable name (stored in the database: never reuse)."""

    def decorate(cls: E) -> E:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
            raise ValueError("an event type name is registered twice", name)
        cls.type_name = name
        cls.shared = shared
        EVENT_TYPES[name] = cls
        return cls

    return decorate


class UnknownEvent(ValueError):
    """A stored event this version cannot read: an unknown type (a newer workstation wrote
    it) or fields missing. For the log, not for operators."""

    def __init__(self, type_name: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(type_name, missing)
        self.type_name, self.missing = type_name, missing


def from_record(type_name: str, seq: int, payload: dict[str, Any]) -> DomainEvent:
    """Rebuild a typed event from what a transaction stored."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEvent(type_name)
    names = {f.name for f in dataclasses.fields(cls)} - {"seq"}
    values = {k: v for k, v in payload.items() if k in names}
    missing = names - values.keys()
    if missing:
        raise UnknownEvent(type_name, tuple(sorted(missing)))
    return cls(seq=seq, **values)


@register("incident.changed")
@dataclass(frozen=True)
class IncidentChanged(DomainEvent):
    """An incident was created or changed (located, classified, dispatched, closed...)."""

    number: str
    action: str


@register("unit.changed")
@dataclass(frozen=True)
class UnitChanged(DomainEvent):
    """A unit's status, assignment or position changed."""

    callsign: str
    action: str


@register("roster.changed")
@dataclass(frozen=True)
class RosterChanged(DomainEvent):
    """Units were added or changed in bulk (an import): reload the whole board."""

    count: int


@register("alarm.changed")
@dataclass(frozen=True)
class AlarmChanged(DomainEvent):
    """An emergency alarm was raised, repeated or acknowledged."""

    alarm_id: int
    callsign: str | None
    issi: int | None
    action: str


@register("caller.flagged")
@dataclass(frozen=True)
class CallerFlagged(DomainEvent):
    """A telephone number was flagged (a known risk, a repeat caller)."""

    number: str
    kind: str


@register("audit.broken")
@dataclass(frozen=True)
class AuditBroken(DomainEvent):
    """A workstation found the audit trail broken: every workstation raises the alarm."""

    problem: str
    workstation: str


@register("unit.dispatched", shared=False)
@dataclass(frozen=True)
class UnitDispatched(DomainEvent):
    """A unit was dispatched to an incident (this workstation's radio sends the details)."""

    number: str
    callsign: str


@register("unit.timer", shared=False)
@dataclass(frozen=True)
class UnitTimerChanged(DomainEvent):
    """A unit's status timer changed state: "ok", "overdue" (flag) or "escalated"."""

    callsign: str
    status: str
    state: str
    minutes: float


@register("incident.attention", shared=False)
@dataclass(frozen=True)
class AttentionChanged(DomainEvent):
    """An open incident's attention flags changed: the codes up now (empty: none).

    Local: every workstation's runtime computes the flags from the same stored data.
    """

    number: str
    codes: tuple[str, ...]


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
