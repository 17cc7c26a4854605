"""The spec's "Input a gateway must survive" list as a corpus, plus fuzzing of every decoder.

Covered elsewhere: a device that vanishes (test_gateway, test_transport), a pty that
refuses ioctls (test_linktest), a line that never ends at the transport level
(test_transport).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.codec import DecodeError
from hardware.events import DecodeFailed, LinkUp, StatusReceived
from hardware.gateway import PeiGateway
from hardware.pei import PeiDecoder, parse_sds_header
from hardware.sds import decode_sds
from hardware.simulator import RadioSimulator
from hardware.tools import decode_capture
from hardware.transport import LineSplitter

from .conftest import UNITS, Recorder

Check = Callable[[list[dict[str, object]], dict[str, object]], bool]


def kinds(items: list[dict[str, object]]) -> list[object]:
    return [i["type"] for i in items]


def count(summary: dict[str, object], key: str) -> int:
    value = summary[key]
    assert isinstance(value, int)
    return value


def reasons(summary: dict[str, object]) -> dict[str, int]:
    by_reason = summary["by_reason"]
    assert isinstance(by_reason, dict)
    return by_reason


PEI_CORPUS: list[tuple[str, bytes, Check]] = [
    ("declared bits shorter than hex",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n80040000\r\n",
     lambda items, s: items[0]["value"] == 0x8004),
    ("declared bits longer than hex",
     b"+CTSDSR: 12,1001,0,2,0,104\r\n0201\r\n",
     lambda items, s: reasons(s) == {"payload_short": 1}),
    ("odd-length hex (21-digit LIP)",
     b"+CTSDSR: 12,1001,0,2,0,84\r\n0A0088BD4247F737FFE81\r\n",
     lambda items, s: kinds(items) == ["position"]),
    ("odd-length garbage hex",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n800\r\n",
     lambda items, s: reasons(s) == {"payload_short": 1}),
    ("header with no payload line",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n",
     lambda items, s: reasons(s) == {"header_without_payload": 1}),
    ("header followed by another header",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n+CTSDSR: 13,1002,0,2,0,16\r\n8004\r\n",
     lambda items, s: items[0]["issi"] == 1002 and count(s, "bad") == 1),
    ("another line between header and payload",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n+CTCC: 1,1,1\r\n8004\r\n",
     lambda items, s: kinds(items) == ["unsolicited", "status"]),
    ("short ISSI and 17-digit TSI",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n8004\r\n"
     b"+CTSDSR: 13,09011638300001001,1,2,0,16\r\n8004\r\n",
     lambda items, s: [i["issi"] for i in items] == [1001, 1001]),
    ("CR-only, LF-only and NUL terminators",
     b"+CTSDSR: 13,1001,0,2,0,16\r8004\r+CTSDSR: 13,1002,0,2,0,16\n8005\n\x00\x00"
     b"+CTSDSR: 13,1003,0,2,0,16\x00\r\n\x008006\x00\n\r",
     lambda items, s: [i["value"] for i in items] == [0x8004, 0x8005, 0x8006]),
    ("CME codes above 45 and CMS errors",
     b"+CME ERROR: 46\r\n+CME ERROR: 255\r\n+CMS ERROR: 500\r\nOK\r\n",
     lambda items, s: items == [] and s["other"] == 4 and s["bad"] == 0),
    ("unsolicited in the middle of a command",
     b"AT+CNUMF?\r\n+CTSDSR: 13,1001,0,2,0,16\r\n8004\r\n+CNUMF: 6,09011638300023401\r\nOK\r\n",
     lambda items, s: kinds(items) == ["status"] and s["other"] == 3),
    ("LIP PDU type 1, velocity 127, position error 7",
     b"+CTSDSR: 12,1001,0,2,0,84\r\n0A4088BD4247F737FFE810\r\n"
     b"+CTSDSR: 12,1001,0,2,0,84\r\n0A0088BD4247F737FFE810\r\n",
     lambda items, s: reasons(s) == {"lip_unsupported_pdu": 1}
     and items[0]["speed_kmh"] is None and items[0]["position_error_m"] is None),
    ("unknown status values",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n0000\r\n+CTSDSR: 13,1001,0,2,0,16\r\nFFFF\r\n",
     lambda items, s: [i["value"] for i in items] == [0, 0xFFFF]),
    ("non-Latin-1 text coding",
     b"+CTSDSR: 12,1001,0,2,0,56\r\n0205BFE0D8D2D5\r\n"
     b"+CTSDSR: 12,1001,0,2,0,40\r\n027F616263\r\n",
     lambda items, s: [i["text"] for i in items] == ["Привет"[:5], "abc"]),
    ("a line that never ends",
     b"+CTSDSR: 13,1001,0,2,0,16\r\n" + b"8" * 10000 + b"\r\n+CTSDSR: 13,1002,0,2,0,16\r\n8004\r\n",
     lambda items, s: [i["issi"] for i in items] == [1002] and s["cut_lines"] == 1),
    ("binary noise between messages",
     bytes(range(256)) * 4 + b"\r\n+CTSDSR: 13,1001,0,2,0,16\r\n8004\r\n",
     lambda items, s: kinds(items) == ["status"] and count(s, "bad") >= 1),
]


@pytest.mark.parametrize(("stream", "check"), [(s, c) for _, s, c in PEI_CORPUS],
                         ids=[name for name, _, _ in PEI_CORPUS])
def test_pei_corpus(stream: bytes, check: Check) -> None:
    out = list(decode_capture(stream, "pei"))
    summary = out.pop()
    assert summary["type"] == "summary"
    assert check(out, summary), (out, summary)


def nmea(body: str) -> bytes:
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}\r\n".encode()


NMEA_CORPUS: list[tuple[str, bytes, Check]] = [
    ("garbage", b"\xff\xfe\x00garbage\r\n!!$$$\r\n",
     lambda items, s: items == [] and s["bad"] == 2),
    ("bad checksum", nmea("GPGGA,1,2,3")[:-4] + b"00\r\n",
     lambda items, s: reasons(s) == {"bad_checksum": 1}),
    ("missing checksum", b"$GPRMC,123519,A,4807.038,N,01131.000,E,,,230394,,\r\n",
     lambda items, s: reasons(s) == {"missing_checksum": 1}),
    ("over 82 characters", nmea("GPTXT," + "x" * 90),
     lambda items, s: reasons(s) == {"too_long": 1}),
    ("empty fields", nmea("GPRMC,,,,,,,,,,,"),
     lambda items, s: items[0]["valid"] is False and items[0]["lat"] is None),
    ("status V", nmea("GPRMC,123519,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
     lambda items, s: items[0]["valid"] is False and items[0]["lat"] is None),
    ("UBX frame glued to a sentence",
     bytes.fromhex("B56201070400DEADBEEF")
     + nmea("GPGGA,123519,1209.000,N,06816.200,W,1,08,0.9,5.0,M,,M,,"),
     lambda items, s: items[0]["valid"] is True and str(items[0]["lon"]).startswith("-")),
]


@pytest.mark.parametrize(("stream", "check"), [(s, c) for _, s, c in NMEA_CORPUS],
                         ids=[name for name, _, _ in NMEA_CORPUS])
def test_nmea_corpus(stream: bytes, check: Check) -> None:
    out = list(decode_capture(stream, "nmea"))
    summary = out.pop()
    assert check(out, summary), (out, summary)


def test_live_gateway_survives_the_whole_corpus(recorder: Recorder) -> None:
    with RadioSimulator(None, UNITS, interval=None) as sim:
        assert sim.pty_path is not None
        with PeiGateway(sim.pty_path, on_event=recorder, payload_timeout=0.2) as gw:
            recorder.wait_count(LinkUp, 1)
            for _, stream, _ in PEI_CORPUS:
                sim.inject_bytes(stream)
            for _, stream, _ in NMEA_CORPUS:
                sim.inject_bytes(stream)
            sim.inject_status(1001, 0x8009)
            recorder.wait_for(lambda: any(e.value == 0x8009 for e in recorder.of(StatusReceived)))
            assert recorder.of(DecodeFailed)
            assert gw.send_status(1001, 0x8002).ok
            assert gw.link.reader_thread is not None and gw.link.reader_thread.is_alive()
            assert gw.link.stats().callback_errors == 0


@settings(max_examples=300)
@given(st.lists(st.text(max_size=60), max_size=12))
def test_pei_decoder_never_raises_on_text(lines: list[str]) -> None:
    decoder = PeiDecoder()
    for now, line in enumerate(lines):
        decoder.feed(line, float(now))
    decoder.expire(1e9)
    decoder.reset()


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["+CTSDSR: ", "12", "13", ",", "1001", "0", "84", "16", "104",
                                 "0A", "82", "02", "8A", "00", "FF", "7E", "10", "C9", "8D",
                                 "\r\n", "OK", "+CME ERROR: ", "AT"]), max_size=40))
def test_pei_decoder_never_raises_on_near_pei(parts: list[str]) -> None:
    decoder = PeiDecoder()
    for line in "".join(parts).split("\r\n"):
        decoder.feed(line)


@given(st.binary(max_size=64), st.integers(min_value=-8, max_value=600))
def test_sds_decoder_never_raises(data: bytes, bits: int) -> None:
    result = decode_sds(data, min(bits, len(data) * 8))
    assert result is not None


@given(st.text(max_size=80))
def test_header_parser_never_raises(text: str) -> None:
    assert parse_sds_header("+CTSDSR:" + text) is not None


@given(st.lists(st.binary(max_size=300), max_size=10))
def test_splitter_bounds_lines(chunks: list[bytes]) -> None:
    splitter = LineSplitter(max_line=100)
    for chunk in chunks:
        for line in splitter.feed(chunk):
            assert 0 < len(line) <= 100
            assert not any(ord(c) < 0x20 for c in line)
        assert splitter.pending <= 100


@settings(max_examples=100)
@given(st.binary(max_size=2000), st.sampled_from(["pei", "nmea"]))
def test_decode_capture_never_raises_on_binary(data: bytes, protocol: str) -> None:
    out = list(decode_capture(data, protocol))
    assert out[-1]["type"] == "summary"
    assert all(isinstance(item, dict) for item in out)


def test_decode_error_is_plain_data() -> None:
    error = DecodeError("bad_hex", "x", "line")
    assert error.to_dict() == {"type": "decode_error", "reason": "bad_hex", "detail": "x",
                               "line": "line"}
