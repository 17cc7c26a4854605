"""The one bridge that carries core events (from any thread) onto the GUI thread.

Every domain event crosses through one signal; views subscribe by event type
(``bridge.subscribe(UnitChanged, self.reload_unit)``) and their handlers run on the GUI
thread, like Electrum's ``QtEventListener``. Events from other threads wait in a queue
and the GUI thread takes all that are there at once, so a burst of radio statuses costs
the event loop one crossing into Python, not one per event.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from meldkamer.events import DomainEvent, EventBus
from ui.qt import QObject, Signal

E = TypeVar("E", bound=DomainEvent)


class EventBridge(QObject):
    """Re-emits every domain event through one signal; handlers run on the GUI thread."""

    event_received = Signal(object)
    """A domain event (any type) has reached the GUI thread."""
    _waiting = Signal()
    """Events are queued (emitted by the publishing thread when the queue was empty)."""

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handlers: dict[type[DomainEvent], list[Callable[[], Any]]] = {}
        self.event_received.connect(self._dispatch)
        self._queue: deque[DomainEvent] = deque()
        self._lock = threading.Lock()
        self._waiting.connect(self._drain)
        self._unsubscribe: Callable[[], None] = bus.subscribe(self._post)

    def _post(self, event: DomainEvent) -> None:
        with self._lock:
            self._queue.append(event)
            wake = len(self._queue) == 1
        if wake:
            self._waiting.emit()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    return
                event = self._queue.popleft()
            try:
                self.event_received.emit(event)
            except BaseException:
                self._waiting.emit()  # the rest still gets delivered
                raise

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler`` on the GUI thread for every event of ``event_type`` (or a subclass).

        A bound method is held weakly, as Qt holds a slot: subscribing a view never keeps
        it alive after its window is gone.
        """
        ref: Callable[[], Any] = (
            weakref.WeakMethod(handler) if hasattr(handler, "__self__")  # type: ignore[arg-type]
            else lambda: handler)
        self._handlers.setdefault(event_type, []).append(ref)

    def _dispatch(self, event: DomainEvent) -> None:
        for cls in type(event).__mro__:
            for ref in self._handlers.get(cls, ()):
                handler = ref()
                if handler is not None:
                    handler(event)

    def close(self) -> None:
        self._unsubscribe()
