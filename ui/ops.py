"""Operations: database work on one worker thread, results back on the GUI thread.

Like Anki's CollectionOp: ``ops.run(lambda: core.x(...), on_done, on_error)``. The
callable must not touch widgets; the callbacks run on the GUI thread.

Results wait in a queue and the GUI thread takes all that are there at once: each
crossing into Python on the GUI thread has to win the interpreter lock from the worker
threads, and one crossing per result, hundreds a second under radio traffic, starved
the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from meldkamer.errors import MeldkamerError
from ui.qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    ready = Signal()
    """Results are waiting in the queue (emitted by the worker when it was empty)."""


Result = tuple[Callable[[Any], None] | None, Any, Exception | None]


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], post: Callable[[Result], None],
                 on_done: Callable[[Any], None] | None,
                 on_error: Callable[[Exception], None] | None) -> None:
        super().__init__()
        self.fn, self.post, self.on_done, self.on_error = fn, post, on_done, on_error

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            if not isinstance(exc, MeldkamerError):
                log.exception("operation failed")
            self.post((self.on_error, None, exc))
            return
        self.post((self.on_done, result, None))


class Operations(QObject):
    """Runs core calls one at a time off the GUI thread."""

    failed = Signal(str)
    """An operation failed without its own error handler; the message is for the operator."""
    delivered = Signal()
    """Results have been handed to their callbacks (on the GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.ready.connect(self._deliver_all)
        self._results: deque[Result] = deque()
        self._lock = threading.Lock()
        self.pending = 0  # operations started whose results have not been delivered yet

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> None:
        self.pending += 1
        self.pool.start(_Job(fn, self._post, on_done, on_error))

    def _post(self, result: Result) -> None:
        """On the worker: queue a result; wake the GUI thread if it has nothing queued."""
        with self._lock:
            self._results.append(result)
            wake = len(self._results) == 1
        if wake:
            self._relay.ready.emit()

    def _deliver_all(self) -> None:
        while True:
            with self._lock:
                if not self._results:
                    break
                result = self._results.popleft()
            try:
                self._deliver(*result)
            except BaseException:
                self._relay.ready.emit()  # the rest still gets delivered
                raise
        self.delivered.emit()

    def _deliver(self, callback: Any, result: Any, error: Any) -> None:
        self.pending -= 1
        if error is not None:
            if callback is not None:
                callback(error)
            else:
                self.failed.emit(str(error))
        elif callback is not None:
            callback(result)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued operations finished (start-up, tests, shutdown)."""
        return bool(self.pool.waitForDone(msecs))
