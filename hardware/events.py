"""Hardware events: frozen dataclasses a gateway publishes from its own threads.

The integration re-emits them onto the GUI thread through its one bridge; nothing here
knows about Qt or the domain. Identities are ISSIs (ints); status values stay raw, their
meaning lives in reference data.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardware.nmea import Fix

log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@dataclass(frozen=True, slots=True, kw_only=True)
class HardwareEvent:
    """Base of every hardware event: which gateway, and when (UTC) it was received."""

    source: str
    received: dt.datetime = field(default_factory=_utcnow)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``type`` is the snake-case class name)."""
        data: dict[str, object] = {"type": _snake(type(self).__name__)}
        for key, value in asdict(self).items():
            data[key] = _jsonable(value)
        return data


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReceived(HardwareEvent):
    """A unit sent a 16-bit status value."""

    issi: int
    value: int
    called: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionReceived(HardwareEvent):
    """A unit reported its position (LIP); unknown speed or error are None."""

    issi: int
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading_deg: float | None = None
    position_error_m: float | None = None
    time_elapsed_s: int | None = None
    reason: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TextReceived(HardwareEvent):
    """A unit sent a text message."""

    issi: int
    text: str
    ref: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReport(HardwareEvent):
    """The network reports on a text we sent: delivered, or the status code why not."""

    issi: int
    ref: int
    delivered: bool
    status: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyReceived(HardwareEvent):
    """A unit raised an emergency (LIP reason 2, or a status value marked as emergency).

    Published in addition to the PositionReceived or StatusReceived that carried it.
    """

    issi: int
    cause: str
    lat: float | None = None
    lon: float | None = None
    status_value: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsolicitedReceived(HardwareEvent):
    """An unsolicited result the gateway only logs (incoming call, call released...)."""

    prefix: str
    line: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkUp(HardwareEvent):
    """The device answers and is initialised; ``identity`` is its own number if known."""

    identity: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkDown(HardwareEvent):
    """The device vanished or stopped answering."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodeFailed(HardwareEvent):
    """Input that could not be decoded (counted and logged, never raised)."""

    reason: str
    detail: str = ""
    line: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FixReceived(HardwareEvent):
    """A GPS/AVL receiver produced a fix; ``fix.valid`` False means no position."""

    fix: Fix


EventCallback = Callable[[HardwareEvent], None]


class EventHub:
    """Fan-out of events to subscribers; a failing subscriber is logged, never propagated."""

    def __init__(self) -> None:
        self._subscribers: tuple[EventCallback, ...] = ()
        self._lock = threading.Lock()
        self.errors = 0

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it again."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def publish(self, event: HardwareEvent) -> None:
        """Call every subscriber with ``event`` on the calling thread."""
        for callback in self._subscribers:
            try:
                callback(event)
            except Exception:
                self.errors += 1
                log.exception("event subscriber %r failed on %s", callback,
                              type(event).__name__)
