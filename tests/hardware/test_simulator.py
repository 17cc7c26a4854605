"""The simulated radio network: movement, timers, replies and misbehaviour switches."""

from __future__ import annotations

import math
import random
import threading

import pytest

from hardware.events import LinkUp, PositionReceived, StatusReceived
from hardware.gateway import PeiGateway
from hardware.ptys import PtyMaster
from hardware.simulator import RadioSimulator, SimUnit
from hardware.transport import SerialLink

from .conftest import UNITS, WAIT, Recorder


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (b[0] - a[0]) * 111_320
    dx = (b[1] - a[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_units_move_a_few_metres_per_second_and_stay_near_home() -> None:
    rng = random.Random(3)
    unit = SimUnit(1001, 12.15, -68.27, speed_ms=8.0, radius_m=500.0)
    previous = (unit.lat, unit.lon)
    for _ in range(2000):
        unit.step(1.0, rng)
        here = (unit.lat, unit.lon)
        assert metres(previous, here) == pytest.approx(8.0, rel=0.01)
        previous = here
        assert metres(unit.home, here) < 500.0 + 8.0 * 2


def test_unit_drives_to_a_target() -> None:
    unit = SimUnit(1001, 12.15, -68.27, speed_ms=10.0, target=(12.16, -68.27))
    rng = random.Random(1)
    steps = 0
    while unit.target is not None and steps < 500:
        unit.step(1.0, rng)
        steps += 1
    assert (unit.lat, unit.lon) == (12.16, -68.27)
    assert steps == math.ceil(metres((12.15, -68.27), (12.16, -68.27)) / 10.0)


def test_timer_emits_positions_for_every_unit(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=0.05, seed=5) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder):
            recorder.wait_count(LinkUp, 1)
            recorder.wait_for(lambda: {e.issi for e in recorder.of(PositionReceived)}
                              == {1001, 1002, 2001})
            saba = [e for e in recorder.of(PositionReceived) if e.issi == 2001]
            assert saba[0].lat == pytest.approx(17.48, abs=0.01)
            assert saba[0].lon == pytest.approx(-62.98, abs=0.01)


def test_timer_emits_statuses(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None, status_interval=0.05,
                        status_values=[0x8007]) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder):
            statuses = recorder.wait_count(StatusReceived, 2)
            assert {s.value for s in statuses} == {0x8007}


def test_replies_like_a_radio() -> None:
    with RadioSimulator(None, UNITS, interval=None) as sim:
        assert sim.pty_path is not None
        lines: list[str] = []
        cond = threading.Condition()

        def collect(line: str) -> None:
            with cond:
                lines.append(line)
                cond.notify_all()

        link = SerialLink(sim.pty_path, on_line=collect).start()
        try:
            assert link.wait_up(WAIT)
            for command in ("AT", "AT+CNUMF?", "AT+BOGUS", "AT+CMGS=1001,16\r\n8004\x1a"):
                link.write(command if command.endswith("\x1a") else command + "\r")
            with cond:
                assert cond.wait_for(lambda: len(lines) >= 6, WAIT), lines
            assert lines[:6] == ["OK", "+CNUMF: 6,09011638300023401", "OK", "+CME ERROR: 4",
                                 "+CMGS: 0,4,1", "OK"]
            assert sim.received[0].kind == "status" and sim.received[0].value == 0x8004
        finally:
            link.stop()


def test_cr_only_terminator_reaches_a_raw_reader() -> None:
    master = PtyMaster.create()
    sim = RadioSimulator(master, [], interval=None).start()
    assert master.slave_path is not None
    data = bytearray()
    got = threading.Event()

    def collect(chunk: bytes) -> None:
        data.extend(chunk)
        if data.count(b"\r") >= 2:
            got.set()

    link = SerialLink(master.slave_path, on_data=collect).start()
    try:
        assert link.wait_up(WAIT)
        sim.terminator = "\r"
        sim.inject_status(1001, 0x8004)
        assert got.wait(WAIT)
        assert bytes(data) == b"+CTSDSR: 13,1001,0,23401,0,16\r8004\r"
    finally:
        link.stop()
        sim.stop()
