"""PEI gateway against the simulated radio network over a pty pair and over socket://."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import serial

from hardware.events import (
    DecodeFailed,
    DeliveryReport,
    EmergencyReceived,
    LinkDown,
    LinkUp,
    PositionReceived,
    StatusReceived,
    TextReceived,
    UnsolicitedReceived,
)
from hardware.gateway import CommandResult, PeiGateway
from hardware.lip import LAT_STEP, LON_STEP
from hardware.netport import TcpServerPort
from hardware.simulator import RadioSimulator

from .conftest import UNITS, WAIT, Recorder


def statuses(recorder: Recorder) -> list[tuple[int, int]]:
    return [(e.issi, e.value) for e in recorder.of(StatusReceived)]


def test_initialisation_repeats_at_after_cme35(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None, cme35_first=True) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder) as gw:
            (up,) = recorder.wait_count(LinkUp, 1)
            assert up.identity == "09011638300023401"
            assert gw.ready and gw.identity == "09011638300023401"
            assert sim.commands[:3] == ["AT", "AT", "AT+CTOM=0"]
            assert "AT+CNUMF?" in sim.commands
            assert gw.counts["cme35_retries"] == 1


def test_init_goes_on_after_cme_codes_above_45(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None) as sim:
        sim.respond("AT+CTSP=1,3,24", ["+CME ERROR: 120"])
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder) as gw:
            recorder.wait_count(LinkUp, 1)
            assert gw.counts["init_errors"] == 1
            result = gw.command("AT+CTSP=1,3,24")
            assert not result.ok and result.final is not None and result.final.code == 120


def test_status_position_and_text_events(sim: RadioSimulator, gateway: PeiGateway,
                                         recorder: Recorder) -> None:
    sim.inject_status(1001, 0x8004)
    sim.inject_position(1002, 12.1508, -68.2769)
    sim.inject_text(2001, "Brand Kaya Korona", simple=True)
    sim.inject_text(2001, "Ter plaatse")
    (status,) = recorder.wait_count(StatusReceived, 1)
    assert (status.issi, status.value, status.called) == (1001, 0x8004, sim.own_issi)
    (position,) = recorder.wait_count(PositionReceived, 1)
    assert position.issi == 1002
    assert position.lat == pytest.approx(12.1508, abs=LAT_STEP)
    assert position.lon == pytest.approx(-68.2769, abs=LON_STEP)
    texts = recorder.wait_count(TextReceived, 2)
    assert [(t.issi, t.text) for t in texts] == [(2001, "Brand Kaya Korona"),
                                                 (2001, "Ter plaatse")]
    assert texts[1].ref is not None
    assert status.to_dict()["type"] == "status_received"
    assert not recorder.of(DecodeFailed)


def test_emergencies(sim: RadioSimulator, gateway: PeiGateway, recorder: Recorder) -> None:
    sim.inject_emergency(1001)
    sim.inject_status(1002, 0x80FF)  # marked as emergency in the gateway fixture
    sim.inject_status(1002, 0x8003)
    emergencies = recorder.wait_count(EmergencyReceived, 2)
    assert [(e.issi, e.cause) for e in emergencies] == [(1001, "lip"), (1002, "status")]
    assert emergencies[0].lat == pytest.approx(12.15, abs=0.01)
    assert emergencies[1].status_value == 0x80FF
    recorder.wait_count(StatusReceived, 2)
    assert len(recorder.of(EmergencyReceived)) == 2


def test_send_status_and_text_with_delivery_report(sim: RadioSimulator, gateway: PeiGateway,
                                                   recorder: Recorder) -> None:
    result = gateway.send_status(1001, 0x8005)
    assert result.ok, result
    reports: list[DeliveryReport] = []
    got_report = threading.Event()

    def on_report(report: DeliveryReport) -> None:
        reports.append(report)
        got_report.set()

    sent = gateway.send_text(1002, "Ga naar Kaya Grandi 12", on_report=on_report)
    assert sent.ok and sent.ref is not None
    assert got_report.wait(WAIT)
    (event,) = recorder.wait_count(DeliveryReport, 1)
    assert event == reports[0]
    assert (event.issi, event.ref, event.delivered) == (1002, sent.ref, True)
    assert [(r.kind, r.issi) for r in sim.received] == [("status", 1001), ("text", 1002)]
    assert sim.received[0].value == 0x8005
    assert sim.received[1].text == "Ga naar Kaya Grandi 12"
    assert sim.received[1].ref == sent.ref
    second = gateway.send_text(1002, "Tweede")
    assert second.ok and second.ref != sent.ref
    assert sim.commands.count("AT+CTSDS=12,0,0,0,1") == 1  # mode is only selected once


def test_unsolicited_between_command_and_final_result(sim: RadioSimulator,
                                                      gateway: PeiGateway,
                                                      recorder: Recorder) -> None:
    sim.reply_delay = 0.3
    results: list[CommandResult] = []
    worker = threading.Thread(target=lambda: results.append(gateway.command("AT+CTOM?")))
    worker.start()
    assert sim.wait_for(lambda: "AT+CTOM?" in sim.commands)
    sim.inject_status(1001, 0x8002)
    sim.inject_lines("+CTICN: 1,0,0,4,1001,1,1,0,1,1,0,1234567,1,0")
    worker.join(WAIT)
    assert results and results[0].ok and results[0].lines == ("+CTOM: 0",)
    recorder.wait_count(StatusReceived, 1)
    (call,) = recorder.wait_count(UnsolicitedReceived, 1)
    assert call.prefix == "+CTICN"


def test_keepalive_after_idle(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder, keepalive_interval=0.1):
            recorder.wait_count(LinkUp, 1)
            init = len(sim.commands)
            assert sim.wait_for(lambda: sim.commands[init:].count("AT") >= 2)


def test_radio_drop_out_goes_down_and_comes_back(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder, keepalive_interval=0.1,
                        command_timeout=0.3, max_missed=2) as gw:
            recorder.wait_count(LinkUp, 1)
            sim.drop_out(1.0)
            (down,) = recorder.wait_count(LinkDown, 1)
            assert down.reason == "radio not answering"
            assert not gw.ready
            recorder.wait_count(LinkUp, 2)
            sim.inject_status(1001, 0x8003)
            assert recorder.wait_count(StatusReceived, 1)[0].value == 0x8003


def test_garbage_split_lines_and_cr_only(sim: RadioSimulator, gateway: PeiGateway,
                                         recorder: Recorder) -> None:
    sim.send_garbage(300)
    sim.inject_bytes(b"\x00\x00\x00\r\n")
    sim.split_lines = True
    sim.terminator = "\r"
    for value in (0x8001, 0x8002, 0x8003):
        sim.inject_status(1001, value)
    sim.inject_position(1002, 12.2, -68.26)
    recorder.wait_count(StatusReceived, 3)
    assert [v for _, v in statuses(recorder)] == [0x8001, 0x8002, 0x8003]
    recorder.wait_count(PositionReceived, 1)
    result = gateway.send_status(1001, 0x8004)
    assert result.ok, result
    assert gateway.link.reader_thread is not None and gateway.link.reader_thread.is_alive()


def test_header_without_payload(sim: RadioSimulator, recorder: Recorder) -> None:
    assert sim.pty_path is not None
    with PeiGateway(sim.pty_path, on_event=recorder, payload_timeout=0.2):
        recorder.wait_count(LinkUp, 1)
        sim.inject_lines(f"+CTSDSR: 13,1001,0,{sim.own_issi},0,16")
        (failed,) = recorder.wait_count(DecodeFailed, 1)
        assert failed.reason == "header_without_payload"
        sim.inject_lines(f"+CTSDSR: 13,1001,0,{sim.own_issi},0,16",
                         f"+CTSDSR: 13,1002,0,{sim.own_issi},0,16", "8006")
        (status,) = recorder.wait_count(StatusReceived, 1)
        assert (status.issi, status.value) == (1002, 0x8006)
        assert len(recorder.wait_count(DecodeFailed, 2)) == 2


def test_tsi_unknown_status_and_odd_hex(sim: RadioSimulator, gateway: PeiGateway,
                                        recorder: Recorder) -> None:
    sim.inject_lines("+CTSDSR: 13,09011638300001001,1,23401,0,16", "FFFF",
                     "+CTSDSR: 12,1001,0,23401,0,84", "0A0088BD4247F737FFE81",
                     "+CTSDSR: 12,1001,0,23401,0,104", "02017465737")
    (status,) = recorder.wait_count(StatusReceived, 1)
    assert (status.issi, status.value) == (1001, 0xFFFF)
    (position,) = recorder.wait_count(PositionReceived, 1)
    assert position.lon == pytest.approx(12.0181, abs=1e-4)
    assert position.speed_kmh is None and position.position_error_m is None
    (failed,) = recorder.wait_count(DecodeFailed, 1)
    assert failed.reason == "payload_short"


def test_sending_from_an_event_callback_is_refused(sim: RadioSimulator, gateway: PeiGateway,
                                                   recorder: Recorder) -> None:
    errors: list[Exception] = []
    done = threading.Event()

    def misuse(event: object) -> None:
        if isinstance(event, StatusReceived):
            try:
                gateway.send_status(event.issi, 0x8002)
            except RuntimeError as exc:
                errors.append(exc)
            done.set()

    gateway.subscribe(misuse)
    sim.inject_status(1001, 0x8004)
    assert done.wait(WAIT)
    assert errors and "event callback" in str(errors[0])


def test_gateway_takes_an_open_serial_object(sim: RadioSimulator, recorder: Recorder) -> None:
    assert sim.pty_path is not None
    port = serial.Serial(sim.pty_path, 115200, timeout=0.1)
    with PeiGateway(port, on_event=recorder, name="radio-1") as gw:
        (up,) = recorder.wait_count(LinkUp, 1)
        assert up.source == "radio-1"
        assert gw.send_status(1001, 0x8003).ok


def test_send_while_link_is_down_fails_fast(tmp_path: Path) -> None:
    gw = PeiGateway(str(tmp_path / "no-such-radio"), backoff_max=0.1).start()
    try:
        result = gw.send_status(1001, 0x8003)
        assert not result.ok and "link down" in result.error
    finally:
        gw.stop()


def test_device_vanishes_and_comes_back(tmp_path: Path, recorder: Recorder) -> None:
    """A USB radio unplugged and plugged back: the gateway reopens the same path."""
    device = tmp_path / "radio"
    first = RadioSimulator(None, UNITS, interval=None).start()
    assert first.pty_path is not None
    os.symlink(first.pty_path, device)
    gw = PeiGateway(str(device), on_event=recorder, backoff_max=0.2).start()
    second: RadioSimulator | None = None
    try:
        recorder.wait_count(LinkUp, 1)
        for value in (1, 2, 3):
            first.inject_status(1001, value)
        recorder.wait_count(StatusReceived, 3)
        first.stop()
        recorder.wait_count(LinkDown, 1)
        second = RadioSimulator(None, UNITS, interval=None).start()
        assert second.pty_path is not None
        fresh = tmp_path / "radio.new"
        os.symlink(second.pty_path, fresh)
        os.replace(fresh, device)
        recorder.wait_count(LinkUp, 2)
        for value in (4, 5, 6):
            second.inject_status(1001, value)
        recorder.wait_count(StatusReceived, 6)
        assert [v for _, v in statuses(recorder)] == [1, 2, 3, 4, 5, 6]
        # At least one reopen; two when an attempt lands between the new pty's start
        # (which may reuse the old pty's number) and the symlink swap.
        assert gw.link.stats().reconnects >= 1
        assert gw.send_status(1001, 0x8003).ok
    finally:
        gw.stop()
        if second is not None:
            second.stop()


def test_socket_radio_drops_and_is_accepted_again(recorder: Recorder) -> None:
    server = TcpServerPort("127.0.0.1", 0)
    with RadioSimulator(server, UNITS, interval=None) as sim, \
            PeiGateway(server.url, on_event=recorder, backoff_max=0.2) as gw:
        recorder.wait_count(LinkUp, 1)
        for value in (1, 2, 3):
            sim.inject_status(1001, value)
        recorder.wait_count(StatusReceived, 3)
        server.drop()
        recorder.wait_count(LinkDown, 1)
        recorder.wait_count(LinkUp, 2)
        for value in (4, 5, 6):
            sim.inject_status(1001, value)
        recorder.wait_count(StatusReceived, 6)
        assert [v for _, v in statuses(recorder)] == [1, 2, 3, 4, 5, 6]
        assert gw.send_text(1001, "na de storing").ok
        assert recorder.wait_count(DeliveryReport, 1)[0].delivered
