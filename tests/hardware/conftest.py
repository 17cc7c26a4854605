"""Hardware test helpers: an event recorder that waits on conditions, simulator + gateway pairs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from hardware.events import HardwareEvent, LinkUp
from hardware.gateway import PeiGateway
from hardware.simulator import RadioSimulator

E = TypeVar("E", bound=HardwareEvent)

KRALENDIJK = (12.15, -68.27)
UNITS = [(1001, 12.15, -68.27), (1002, 12.20, -68.26), (2001, 17.48, -62.98)]
WAIT = 10.0  # generous: tests wait on conditions, never on the clock


class Recorder:
    """Collects events from any thread; tests block on conditions, not on sleeps."""

    def __init__(self) -> None:
        self.events: list[HardwareEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: HardwareEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_count(self, kind: type[E], count: int, timeout: float = WAIT) -> list[E]:
        assert self.wait_for(lambda: len(self.of(kind)) >= count, timeout), (
            f"expected {count} {kind.__name__}, got {self.of(kind)}; all: {self.events[-10:]}")
        return self.of(kind)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sim() -> Iterator[RadioSimulator]:
    simulator = RadioSimulator(None, UNITS, interval=None, seed=7).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def gateway(sim: RadioSimulator, recorder: Recorder) -> Iterator[PeiGateway]:
    assert sim.pty_path is not None
    gw = PeiGateway(sim.pty_path, on_event=recorder, emergency_statuses={0x80FF},
                    keepalive_interval=30.0).start()
    recorder.wait_count(LinkUp, 1)
    yield gw
    gw.stop()
