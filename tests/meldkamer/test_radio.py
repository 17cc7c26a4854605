"""End to end: a simulated radio network on a pty, the gateway, the core and its store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from hardware.simulator import RadioSimulator
from meldkamer.core import Meldkamer
from meldkamer.errors import InvalidInput, StoreError
from meldkamer.radio import GatewayConfig, RadioLink, load_configs
from meldkamer.store.models import AuditEvent, UnitStatusChange

KRALENDIJK = (12.1500, -68.2667)


@pytest.fixture
def radio(sqlite_core: Meldkamer) -> Iterator[tuple[Meldkamer, RadioSimulator, RadioLink, int]]:
    core = sqlite_core
    issi = core.units.get("P-101").issi
    assert issi is not None
    sim = RadioSimulator(None, [(issi, *KRALENDIJK)], interval=None).start()
    assert sim.pty_path is not None
    link = RadioLink(core, [GatewayConfig("tetra", sim.pty_path, "pei")]).start()
    gw = link.gateways["tetra"]
    poll(lambda: gw.ready)
    yield core, sim, link, issi
    link.stop()
    sim.stop()


def poll(check: object, timeout: float = 10.0) -> None:
    """Wait for a condition another thread makes true (no fixed sleeps)."""
    import time

    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def wait(link: RadioLink, check: object, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        link.wait_idle(1.0)
        if check():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_status_and_position_from_the_radio_reach_the_store(radio: tuple) -> None:
    core, sim, link, issi = radio
    plan = core.ref.radio
    sim.inject_status(issi, plan.value_of(core.ref.statuses["available_mobile"].radio))
    wait(link, lambda: core.units.get("P-101").status == "available_mobile")
    sim.inject_position(issi, 12.1601, -68.2801)
    wait(link, lambda: core.units.get("P-101").lat is not None
         and abs(core.units.get("P-101").lat - 12.1601) < 1e-4)
    unit = core.units.get("P-101")
    assert unit.lon == pytest.approx(-68.2801, abs=1e-4)


def test_illegal_radio_status_is_logged_not_applied(radio: tuple) -> None:
    core, sim, link, issi = radio
    before = core.units.get("P-101")
    sim.inject_status(issi, core.ref.radio.value_of(core.ref.statuses["on_scene"].radio))
    wait(link, lambda: link.counts["refused"] == 1)
    after = core.units.get("P-101")
    assert (after.status, after.version) == (before.status, before.version)
    assert any("not allowed" in n.text for n in link.notes)


def test_emergency_raises_an_alarm_to_acknowledge(radio: tuple) -> None:
    core, sim, link, issi = radio
    sim.inject_emergency(issi)
    wait(link, lambda: len(core.alarms.active()) == 1)
    alarm = core.alarms.active()[0]
    assert alarm.callsign == "P-101"
    core.alarms.acknowledge(alarm.id)
    assert core.alarms.active() == []
    assert core.units.get("P-101").status == "available_station"  # no status change


def test_dispatch_sends_an_sds_and_logs_the_delivery(radio: tuple) -> None:
    core, sim, link, _ = radio
    inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                lon=KRALENDIJK[1], address="Kaya Grandi 12",
                                classification="BZ.INB.WON")
    core.dispatch.dispatch(inc.number, ["P-101"])
    poll(lambda: any(r.kind == "text" and inc.number in (r.text or "")
                     for r in sim.received))
    text = next(r.text for r in sim.received if r.kind == "text")
    assert "BZ.INB.WON" in text and "Kaya Grandi 12" in text
    wait(link, lambda: any("delivered" in e.text for e in core.incidents.get(inc.number).log))
    radio_lines = [e.text for e in core.incidents.get(inc.number).log if e.kind == "radio"]
    assert any(t.startswith("SDS to P-101") for t in radio_lines)


def _source_of_status_rows(core: Meldkamer) -> list[str]:
    with core.store.read() as session:
        return list(session.execute(select(UnitStatusChange.source)
                                    .order_by(UnitStatusChange.id)).scalars())


def test_a_radio_status_is_stored_as_the_radio_not_the_operator(radio: tuple) -> None:
    import json

    from meldkamer import names

    core, sim, link, issi = radio
    inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                lon=KRALENDIJK[1], classification="BZ.INB.WON")
    core.dispatch.dispatch(inc.number, ["P-101"])
    sim.inject_status(issi, core.ref.radio.value_of(core.ref.statuses["en_route"].radio))
    wait(link, lambda: core.units.get("P-101").status == "en_route")
    log = core.incidents.get(inc.number).log
    dispatched = next(e for e in log if e.kind == "dispatch")
    status = next(e for e in log if e.kind == "status")
    assert dispatched.source is not None and dispatched.source.kind == "operator"
    assert status.source is not None
    assert (status.source.kind, status.source.detail) == ("radio", f"P-101 (ISSI {issi})")
    assert names.log_source(status) == f"radio P-101 (ISSI {issi})"  # never "tester"
    assert _source_of_status_rows(core)[-1] == "radio"
    with core.store.read() as session:
        data = json.loads(session.execute(
            select(AuditEvent.data).where(AuditEvent.action == "unit.status")
            .order_by(AuditEvent.seq.desc())).scalars().first() or "{}")
    assert data["source"] == {"kind": "radio", "user": "tester",
                              "detail": f"P-101 (ISSI {issi})"}
    # the SDS the workstation sent is the system's; its delivery report is the radio's
    wait(link, lambda: any("delivered" in e.text for e in core.incidents.get(inc.number).log))
    sds = [e for e in core.incidents.get(inc.number).log if e.kind == "radio"]
    assert {(e.source.kind if e.source else None) for e in sds} == {"system", "radio"}
    assert core.verify_audit().ok


def test_what_the_simulator_sends_is_the_simulators(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    issi = core.units.get("P-101").issi
    assert issi is not None
    sim = RadioSimulator(None, [(issi, *KRALENDIJK)], interval=None).start()
    assert sim.pty_path is not None
    cfg = load_configs([{"name": "sim", "url": sim.pty_path, "simulator": True}])[0]
    link = RadioLink(core, [cfg]).start()
    try:
        poll(lambda: link.gateways["sim"].ready)
        inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                    lon=KRALENDIJK[1], classification="BZ.INB.WON")
        core.dispatch.dispatch(inc.number, ["P-101"])
        sim.inject_status(issi, core.ref.radio.value_of(core.ref.statuses["en_route"].radio))
        wait(link, lambda: core.units.get("P-101").status == "en_route")
        status = next(e for e in core.incidents.get(inc.number).log if e.kind == "status")
        assert status.source is not None
        assert (status.source.kind, status.source.detail) == ("simulator",
                                                              f"P-101 (ISSI {issi})")
        assert _source_of_status_rows(core)[-1] == "simulator"
    finally:
        link.stop()
        sim.stop()


def test_unknown_issi_and_bad_settings() -> None:
    with pytest.raises(InvalidInput):
        load_configs([{"url": "loop://", "protocol": "morse"}])
    with pytest.raises(InvalidInput):
        load_configs([{"protocol": "pei"}])
    with pytest.raises(InvalidInput):
        load_configs([{"url": "/dev/ttyUSB1", "protocol": "nmea"}])
    assert load_configs([]) == []
    cfg = load_configs([{"url": "/dev/ttyUSB0"}])[0]
    assert (cfg.name, cfg.protocol, cfg.baud, cfg.simulator) == ("/dev/ttyUSB0", "pei",
                                                                 115200, False)
    with pytest.raises(InvalidInput, match="simulator"):
        load_configs([{"url": "/dev/ttyUSB0", "simulator": "yes"}])


def test_radio_from_an_unknown_issi_is_counted(radio: tuple) -> None:
    core, sim, link, _ = radio
    sim.inject_status(9999999, core.ref.radio.value_of(5))
    wait(link, lambda: link.counts["unknown_unit"] == 1)


def test_one_bad_gateway_entry_does_not_stop_the_others() -> None:
    from meldkamer.radio import usable_configs

    good, problems = usable_configs([{"url": "/dev/ttyUSB0"}, {"protocol": "morse",
                                                               "url": "x"}, {"name": "y"}])
    assert [c.url for c in good] == ["/dev/ttyUSB0"]
    assert len(problems) == 2 and "morse" not in problems[1]


def test_repeated_emergencies_are_one_alarm_and_unknown_radios_still_alarm(
        radio: tuple) -> None:
    core, sim, link, issi = radio
    sim.inject_emergency(issi)
    sim.inject_emergency(issi)
    sim.inject_emergency(1234999)  # a radio no unit carries
    wait(link, lambda: link.counts["applied"] >= 3)
    alarms = core.alarms.active()
    assert sorted(a.callsign for a in alarms) == ["ISSI 1234999", "P-101"]


def test_a_repeated_status_is_not_refused(radio: tuple) -> None:
    core, sim, link, issi = radio
    value = core.ref.radio.value_of(core.ref.statuses["available_station"].radio)
    sim.inject_status(issi, value)  # the unit already is at its station
    sim.inject_status(issi, value)
    wait(link, lambda: link.counts.get("repeated", 0) == 2)
    assert link.counts["refused"] == 0


# -- batches and the emergency lane -----------------------------------------------------


@contextmanager
def write_lock(core: Meldkamer) -> Iterator[None]:
    """Hold the SQLite write lock from outside, as another workstation's long write would."""
    assert core.store.path is not None
    conn = sqlite3.connect(str(core.store.path), timeout=15, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def audit_trail(core: Meldkamer) -> list[tuple[int, str]]:
    with core.store.read() as session:
        return [(int(seq), str(action)) for seq, action in session.execute(
            select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq))]


def history_rows(core: Meldkamer) -> int:
    with core.store.read() as session:
        return len(session.execute(select(UnitStatusChange.id)).all())


def toggles(core: Meldkamer, count: int) -> list[int]:
    """Radio values for ``count`` legal changes of a unit at its station: mobile, station..."""
    plan, st = core.ref.radio, core.ref.statuses
    values = [plan.value_of(st["available_mobile"].radio),
              plan.value_of(st["available_station"].radio)]
    return [values[i % 2] for i in range(count)]


def burst(sim: RadioSimulator, issi: int, values: list[int]) -> None:
    """Send statuses as fast as the pty takes them (in chunks the simulator can buffer)."""
    for start in range(0, len(values), 250):
        lines = sim.sent_lines
        chunk = values[start:start + 250]
        for value in chunk:
            sim.inject_status(issi, value)
        poll(lambda: sim.sent_lines >= lines + 2 * len(chunk))  # noqa: B023
        assert sim.link.flush(10.0)


@pytest.fixture
def batching(sqlite_core: Meldkamer) -> Iterator[tuple[Meldkamer, RadioSimulator, RadioLink,
                                                      int]]:
    """Like ``radio``, with batches bounded by size only (whatever waits goes in one)."""
    core = sqlite_core
    issi = core.units.get("P-101").issi
    assert issi is not None
    sim = RadioSimulator(None, [(issi, *KRALENDIJK)], interval=None).start()
    assert sim.pty_path is not None
    link = RadioLink(core, [GatewayConfig("tetra", sim.pty_path, "pei")],
                     batch_seconds=3600.0).start()
    poll(lambda: link.gateways["tetra"].ready)
    yield core, sim, link, issi
    link.stop()
    sim.stop()


def test_a_batch_with_an_illegal_status_applies_the_others_and_logs_each(
        batching: tuple) -> None:
    core, sim, link, issi = batching
    inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                lon=KRALENDIJK[1], classification="BZ.INB.WON")
    core.dispatch.dispatch(inc.number, ["P-101"])
    # The SDS and its delivery report are logged first: they must not mix in below.
    wait(link, lambda: link.counts["sent"] == 1 and len(
        [e for e in core.incidents.get(inc.number).log if e.kind == "radio"]) == 2)
    logged = len(core.incidents.get(inc.number).log)
    status = core.ref.statuses
    plan = core.ref.radio
    en_route, on_scene = (plan.value_of(status[c].radio) for c in ("en_route", "on_scene"))
    transporting = plan.value_of(status["transporting"].radio)  # not allowed from en route
    history = history_rows(core)
    batches = link.counts["batches"]
    with write_lock(core):
        for value in (en_route, transporting, on_scene):
            sim.inject_status(issi, value)
        # The first is taken (and waits for the lock); the other two queue behind it.
        poll(lambda: link.backlog == 2)
    wait(link, lambda: link.counts["applied"] == 2 and link.counts["refused"] == 1)
    assert link.counts["batches"] == batches + 1  # all three in one transaction
    assert core.units.get("P-101").status == "on_scene"
    log = core.incidents.get(inc.number).log[logged:]
    assert [e.kind for e in log] == ["status", "radio", "status"]  # each, in order
    assert history_rows(core) == history + 2  # each applied status has its own row
    report = core.verify_audit()
    assert report.ok, report.problem


def test_an_emergency_behind_a_thousand_queued_statuses_is_stored_before_them(
        batching: tuple) -> None:
    core, sim, link, issi = batching
    with write_lock(core):
        burst(sim, issi, toggles(core, 1001))
        poll(lambda: link.backlog == 1000)  # one taken (waiting for the lock), 1000 queued
        sim.inject_emergency(issi)
        poll(lambda: link.emergencies_pending == 1)
    wait(link, lambda: len(core.alarms.active()) == 1 and link.backlog == 0
         and link.counts["applied"] >= 1001 + 2, timeout=60)
    trail = audit_trail(core)
    alarm = next(seq for seq, action in trail if action == "alarm.raise")
    after = [seq for seq, action in trail if action == "unit.status" and seq > alarm]
    assert len(after) >= 1000


def test_a_burst_of_statuses_loses_none(radio: tuple) -> None:
    core, sim, link, issi = radio
    before = [a for _, a in audit_trail(core)].count("unit.status")
    burst(sim, issi, toggles(core, 2000))
    wait(link, lambda: link.counts["applied"] == 2000, timeout=120)
    assert link.counts["refused"] == link.counts["repeated"] == 0
    assert [a for _, a in audit_trail(core)].count("unit.status") == before + 2000
    assert core.units.get("P-101").status == "available_station"  # an even number of changes
    assert link.backlog == 0


def test_a_status_is_told_applied_only_once_committed(radio: tuple) -> None:
    core, sim, link, issi = radio
    assert core.store.path is not None
    committed: list[str] = []

    def applied(event: object, _at: float) -> None:
        # A connection of its own sees only what has been committed.
        conn = sqlite3.connect(str(core.store.path))
        try:
            committed.append(conn.execute(
                "SELECT status FROM unit WHERE callsign = 'P-101'").fetchone()[0])
        finally:
            conn.close()

    link.on_applied = applied
    sim.inject_status(issi, toggles(core, 1)[0])
    wait(link, lambda: committed)
    assert committed == ["available_mobile"]


def test_an_emergency_retry_waits_on_its_own_lane_not_on_the_statuses(
        sqlite_core: Meldkamer, monkeypatch: pytest.MonkeyPatch) -> None:
    core = sqlite_core
    issi = core.units.get("P-101").issi
    assert issi is not None
    real = core.alarms.raise_alarm
    attempts: list[int] = []

    def busy_once(*args: object, **kwargs: object) -> object:
        attempts.append(1)
        if len(attempts) == 1:
            raise StoreError("the database is busy")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(core.alarms, "raise_alarm", busy_once)
    sim = RadioSimulator(None, [(issi, *KRALENDIJK)], interval=None).start()
    assert sim.pty_path is not None
    # A pause far longer than the test: the retry is only made at stop.
    link = RadioLink(core, [GatewayConfig("tetra", sim.pty_path, "pei")],
                     alarm_retries=(3600.0,)).start()
    try:
        poll(lambda: link.gateways["tetra"].ready)
        sim.inject_emergency(issi)
        poll(lambda: attempts == [1])
        sim.inject_status(issi, toggles(core, 1)[0])
        wait(link, lambda: core.units.get("P-101").status == "available_mobile")
        assert link.emergencies_pending == 1 and core.alarms.active() == []
    finally:
        link.stop()
        sim.stop()
    assert len(attempts) == 2  # stopping tries what waits once more, at once
    assert [a.callsign for a in core.alarms.active()] == ["P-101"]


def test_a_batch_that_fails_is_applied_again_message_by_message(
        radio: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    core, sim, link, issi = radio
    real = core.batch
    failed: list[int] = []

    @contextmanager
    def failing_once() -> Iterator[object]:
        with real() as tx:
            yield tx
            if not failed:
                failed.append(1)
                raise StoreError("disk I/O error")

    monkeypatch.setattr(core, "batch", failing_once)
    before = [a for _, a in audit_trail(core)].count("unit.status")
    sim.inject_status(issi, toggles(core, 1)[0])
    wait(link, lambda: link.counts["applied"] == 1)
    assert failed == [1]
    assert core.units.get("P-101").status == "available_mobile"
    assert [a for _, a in audit_trail(core)].count("unit.status") == before + 1


def test_a_failing_hook_does_not_stop_the_worker(radio: tuple) -> None:
    core, sim, link, issi = radio

    def broken(_event: object, _at: float) -> None:
        raise RuntimeError("hook failed")

    link.on_applied = broken
    for value in toggles(core, 3):
        sim.inject_status(issi, value)
    wait(link, lambda: link.counts["applied"] == 3)
    assert core.units.get("P-101").status == "available_mobile"
