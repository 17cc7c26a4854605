"""CLI entry points: loopback, capture decoding, monitor and run_simulator."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from hardware.lip import encode_lip
from hardware.tools import decode_capture, loopback, monitor, run_simulator

CAPTURE = (
    b"AT+CTOM=0\r\nOK\r\n"
    b"+CTSDSR: 13,1001,0,23401,0,16\r\n8004\r\n"
    b"+CTSDSR: 12,1002,0,23401,0,84\r\n"
    + encode_lip(12.15, -68.27, speed_kmh=30, heading_deg=45)[0].hex().upper().encode()
    + b"\r\n+CTSDSR: 12,1234567,0,2345678,0,104\r\n0201746573746D657373616765\r\n"
    b"+CTSDSR: 12,1003,0,23401,0,32\r\n82100007\r\n"
    b"+CTCR: 1,1\r\n"
    b"\xff\xfe\xfd\r\n"
    b"+CTSDSR: 13,1001,0,23401,0,16\r\n8G04\r\n"
)


def test_decode_capture_pei(tmp_path: Path) -> None:
    path = tmp_path / "radio.cap"
    path.write_bytes(CAPTURE)
    out = list(decode_capture(path, "pei"))
    summary = out.pop()
    assert [i["type"] for i in out] == ["status", "position", "text", "delivery_report",
                                        "unsolicited"]
    assert out[0]["issi"] == 1001 and out[0]["value"] == 0x8004 and out[0]["value_hex"] == "8004"
    assert out[1]["lat"] == pytest.approx(12.15, abs=1e-4)
    assert out[1]["lon"] == pytest.approx(-68.27, abs=1e-4)
    assert out[2]["text"] == "testmessage"
    assert out[3]["ref"] == 7 and out[3]["delivered"] is True
    # "8G04" is not hex, so it counts as a line between header and payload; the header
    # is then reported without payload at the end of the capture.
    assert summary["decoded"] == 5 and summary["bad"] == 3
    assert summary["by_reason"] == {"unexpected_line": 2, "header_without_payload": 1}
    assert summary["lines"] == 14
    json.dumps([*out, summary])
    with_errors = list(decode_capture(CAPTURE, "pei", include_errors=True))
    assert sum(1 for i in with_errors if i["type"] == "decode_error") == 3


def test_decode_capture_nmea() -> None:
    data = (b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n"
            b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"
            b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*00\r\n"
            b"$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74\r\n"
            b"$GPRMC,123519,A,4807")
    out = list(decode_capture(data, "nmea"))
    summary = out.pop()
    assert [i["type"] for i in out] == ["fix", "fix"]
    assert out[0]["date"] == "1994-03-23" and out[0]["valid"] is True
    assert summary["by_reason"] == {"bad_checksum": 1, "unterminated_line": 1}
    assert summary["other"] == 1


def test_decode_capture_rejects_unknown_protocol() -> None:
    with pytest.raises(ValueError, match="protocol"):
        list(decode_capture(b"", "ais"))


def test_decode_capture_missing_file(tmp_path: Path) -> None:
    out = list(decode_capture(tmp_path / "nope.cap", "pei"))
    assert out[-1]["type"] == "summary" and out[-1]["by_reason"] == {"read_error": 1}


def test_loopback_tool() -> None:
    result = loopback("loop://", nbytes=4096, pattern="prbs15")
    assert result.passed and result.to_dict()["pattern"] == "prbs15"


def test_run_simulator_and_monitor() -> None:
    sim = run_simulator(None, [(1001, 12.15, -68.27)], interval=None)
    try:
        assert sim.pty_path is not None
        events: list[dict[str, object]] = []
        got = threading.Event()
        stop = threading.Event()

        def emit(event: dict[str, object]) -> None:
            events.append(event)
            if event["type"] == "link_up":
                sim.inject_status(1001, 0x8004)
            if event["type"] == "status_received":
                got.set()

        worker = threading.Thread(target=monitor, args=(sim.pty_path, "pei", emit, stop))
        worker.start()
        assert got.wait(10)
        stop.set()
        worker.join(10)
        status = next(e for e in events if e["type"] == "status_received")
        assert status["issi"] == 1001 and status["value"] == 0x8004
        assert events[-1]["type"] == "summary"
        json.dumps(events)
    finally:
        sim.stop()


def test_run_simulator_listening_on_tcp() -> None:
    sim = run_simulator("listen://127.0.0.1:0", [(1001, 12.15, -68.27)], interval=None)
    try:
        assert sim.pty_path is None
        assert sim.port is not None and str(getattr(sim.port, "url", "")).startswith("socket://")
    finally:
        sim.stop()


def test_monitor_rejects_unknown_protocol() -> None:
    with pytest.raises(ValueError, match="protocol"):
        monitor("loop://", "ais", lambda e: None, threading.Event())


def test_passive_monitor_sends_nothing() -> None:
    sim = run_simulator(None, [(1001, 12.15, -68.27)], interval=None)
    try:
        assert sim.pty_path is not None
        got = threading.Event()
        stop = threading.Event()

        def emit(event: dict[str, object]) -> None:
            if event["type"] == "link_up":
                sim.inject_position(1001)
            if event["type"] == "position_received":
                got.set()

        worker = threading.Thread(target=monitor, args=(sim.pty_path, "pei", emit, stop),
                                  kwargs={"passive": True})
        worker.start()
        assert got.wait(10)
        stop.set()
        worker.join(10)
        assert sim.commands == []
    finally:
        sim.stop()
