"""End to end: a simulated radio network on a pty, the gateway, the core and its store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware.simulator import RadioSimulator
from meldkamer.core import Meldkamer
from meldkamer.errors import InvalidInput
from meldkamer.radio import GatewayConfig, RadioLink, load_configs

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


def test_unknown_issi_and_bad_settings() -> None:
    with pytest.raises(InvalidInput):
        load_configs([{"url": "loop://", "protocol": "morse"}])
    with pytest.raises(InvalidInput):
        load_configs([{"protocol": "pei"}])
    with pytest.raises(InvalidInput):
        load_configs([{"url": "/dev/ttyUSB1", "protocol": "nmea"}])
    assert load_configs([]) == []
    cfg = load_configs([{"url": "/dev/ttyUSB0"}])[0]
    assert (cfg.name, cfg.protocol, cfg.baud) == ("/dev/ttyUSB0", "pei", 115200)


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
