"""The autopilot as a trainee in the console's own process (demonstrations and tests)."""

from __future__ import annotations

from typing import Any

from meldkamer.errors import MeldkamerError
from meldkamer.training.engine import Engine


class PilotThread:
    """An autopilot trainee on a thread of its own (demonstrations and tests).

    An intake session is driven from one thread only, while calls ring on the scheduler's
    threads (the tick) and on the console's worker (injects): each ringing call is handed
    to this thread, where the autopilot takes it as soon as it can, as a trainee in
    another process would."""

    def __init__(self, engine: Engine) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from meldkamer.training.autopilot import Autopilot

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autopilot")
        self.pilot: Autopilot = self.pool.submit(Autopilot, engine).result()
        engine.listeners.remove(self.pilot.take)
        engine.listeners.append(self.ring)

    def ring(self, record: Any) -> None:
        self.pool.submit(self._take, record)

    def _take(self, record: Any) -> None:
        try:
            self.pilot.take(record)
        except MeldkamerError as exc:  # the call stays unanswered, as a trainee's might
            record.problem = str(exc)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
