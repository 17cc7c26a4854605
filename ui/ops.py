"""Operations: database work on one worker thread, results back on the GUI thread.

Like Anki's CollectionOp: ``ops.run(lambda: core.x(...), on_done, on_error)``. The
callable must not touch widgets; the callbacks run on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from meldkamer.errors import MeldkamerError
from ui.qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    finished = Signal(object, object, object)
    """(callback, result, error) delivered on the GUI thread."""


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay,
                 on_done: Callable[[Any], None] | None,
                 on_error: Callable[[Exception], None] | None) -> None:
        super().__init__()
        self.fn, self.relay, self.on_done, self.on_error = fn, relay, on_done, on_error

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            if not isinstance(exc, MeldkamerError):
                log.exception("operation failed")
            self.relay.finished.emit(self.on_error, None, exc)
            return
        self.relay.finished.emit(self.on_done, result, None)


class Operations(QObject):
    """Runs core calls one at a time off the GUI thread."""

    failed = Signal(str)
    """An operation failed without its own error handler; the message is for the operator."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self.pending = 0  # operations started whose results have not been delivered yet

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> None:
        self.pending += 1
        self.pool.start(_Job(fn, self._relay, on_done, on_error))

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
