"""NMEA codec and gateway: the spec's RMC example, invalid fixes, garbage, interleaved UBX."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.codec import DecodeError
from hardware.events import DecodeFailed, FixReceived, LinkUp
from hardware.nmea import Fix, NmeaGateway, OtherSentence, parse_nmea
from hardware.ptys import PtyMaster
from hardware.transport import SerialLink

from .conftest import Recorder

RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"


def with_checksum(body: str) -> str:
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def fix_of(line: str) -> Fix:
    result = parse_nmea(line)
    assert isinstance(result, Fix), result
    return result


def test_rmc_example() -> None:
    fix = fix_of(RMC)
    assert fix.valid
    assert fix.lat == pytest.approx(48 + 7.038 / 60)
    assert fix.lon == pytest.approx(11 + 31.0 / 60)
    assert fix.speed_kmh == pytest.approx(22.4 * 1.852)
    assert fix.course_deg == pytest.approx(84.4)
    assert fix.timestamp == dt.datetime(1994, 3, 23, 12, 35, 19, tzinfo=dt.UTC)


def test_gga_example() -> None:
    fix = fix_of(GGA)
    assert fix.valid and fix.quality == 1 and fix.satellites == 8
    assert fix.hdop == pytest.approx(0.9) and fix.altitude_m == pytest.approx(545.4)
    assert fix.timestamp is None  # GGA has no date


def test_caribbean_west_and_fractional_seconds() -> None:
    fix = fix_of(with_checksum("GNRMC,153000.25,A,1209.000,N,06816.200,W,5.0,270.0,010126,,,A"))
    assert fix.lat == pytest.approx(12.15) and fix.lon == pytest.approx(-68.27)
    assert fix.time == dt.time(15, 30, 0, 250000, tzinfo=dt.UTC)
    assert fix.date == dt.date(2026, 1, 1)
    assert fix.talker == "GN"


@pytest.mark.parametrize("line", [
    with_checksum("GPRMC,123519,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
    with_checksum("GPRMC,,V,,,,,,,,,,N"),
    with_checksum("GPRMC,123519,A,,,,,,,230394,,,"),
    with_checksum("GPRMC,123519,A,4807.038,N,01131.000,E,0.0,0.0,230394,,,N"),
    with_checksum("GPGGA,123519,4807.038,N,01131.000,E,0,00,,,M,,M,,"),
    with_checksum("GPGGA,,,,,,0,,,,,,,,"),
])
def test_invalid_fix_never_zero_zero(line: str) -> None:
    fix = fix_of(line)
    assert not fix.valid
    assert fix.lat is None and fix.lon is None


@pytest.mark.parametrize(("line", "reason"), [
    (RMC[:-1] + "B", "bad_checksum"),
    (RMC[:-3], "missing_checksum"),
    (RMC[:-2], "missing_checksum"),
    ("no dollar here", "no_sentence"),
    ("$" + "A" * 79 + "*00", "too_long"),
    (with_checksum("GPRMC,123519,A,48x7.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
     "bad_coordinate"),
    (with_checksum("GPRMC,123519,A,4877.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
     "bad_coordinate"),
    (with_checksum("GPRMC,123519,A,9107.038,N,01131.000,E,,,230394,,"), "bad_coordinate"),
    (with_checksum("GPRMC,123519,A,4807.038,Q,01131.000,E,,,230394,,"), "bad_coordinate"),
    (with_checksum("GPRMC,123519,A,nan,N,inf,E,,,230394,,"), "bad_coordinate"),
    (with_checksum("GPRMC,1,A"), "missing_fields"),
    (with_checksum("GPGGA,1,2"), "missing_fields"),
])
def test_bad_sentences(line: str, reason: str) -> None:
    result = parse_nmea(line)
    assert isinstance(result, DecodeError), result
    assert result.reason == reason


def test_82_characters_is_the_limit() -> None:
    body = "GPTXT,01,01,02," + "x" * 60
    line = with_checksum(body)
    assert len(line) <= 82 and isinstance(parse_nmea(line), OtherSentence)
    assert isinstance(parse_nmea(with_checksum(body + "x" * 10)), DecodeError)


def test_resync_on_dollar_after_binary() -> None:
    ubx = "\xb5\x62\x01\x07\x5c\x00" + "\xff" * 10
    assert fix_of(ubx + RMC).valid
    assert fix_of("$GPRMC,1234" + RMC).valid  # a truncated sentence before a full one


def test_other_sentences() -> None:
    gsv = "$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74"
    assert parse_nmea(gsv) == OtherSentence("GSV", "GP")
    assert isinstance(parse_nmea(with_checksum("GPZZZ,1,2")), OtherSentence)
    assert isinstance(parse_nmea(with_checksum("PUBX,00,junk")), OtherSentence | DecodeError)


@given(st.text(max_size=120))
def test_never_raises_on_text(text: str) -> None:
    assert isinstance(parse_nmea(text), Fix | OtherSentence | DecodeError)


@given(st.lists(st.sampled_from(["$GP", "RMC", "GGA", ",", "A", "V", "N", "W", "*", "4807.038",
                                 "1", "", "0", ".", "-", "x", "99"]), max_size=20))
def test_never_raises_on_near_nmea(parts: list[str]) -> None:
    body = "".join(parts).lstrip("$")
    for line in (with_checksum(body), "$" + body, "$" + body + "*00"):
        assert isinstance(parse_nmea(line), Fix | OtherSentence | DecodeError)


@pytest.fixture
def gps_pair(recorder: Recorder) -> Iterator[tuple[SerialLink, NmeaGateway]]:
    master = PtyMaster.create()
    receiver = SerialLink(master, name="gps", reconnect=False).start()
    assert master.slave_path is not None
    gateway = NmeaGateway(master.slave_path, on_event=recorder).start()
    recorder.wait_count(LinkUp, 1)
    assert receiver.wait_up(5)
    yield receiver, gateway
    gateway.stop()
    receiver.stop()


def test_gateway_with_ubx_interleaved(gps_pair: tuple[SerialLink, NmeaGateway],
                                      recorder: Recorder) -> None:
    receiver, gateway = gps_pair
    ubx = bytes.fromhex("B562010714000102030405060708090A0B0C0D0E0F10111213DEAD")
    stream = (ubx + RMC.encode() + b"\r\n" + ubx + b"\r\n\x00" + GGA.encode() + b"\r\n"
              + with_checksum("GPRMC,,V,,,,,,,,,,N").encode() + b"\r\n"
              + b"$GPRMC,garbage*00\r\n" + b"\xb5\x62" + b"x" * 300 + b"\r\n")
    receiver.write(stream)
    fixes = recorder.wait_count(FixReceived, 3)
    assert [f.fix.valid for f in fixes] == [True, True, False]
    recorder.wait_for(lambda: len(recorder.of(DecodeFailed)) >= 2)
    assert gateway.counts["fixes"] == 2 and gateway.counts["invalid_fixes"] == 1
    assert fixes[0].to_dict()["type"] == "fix_received"


def test_gateway_event_is_thread_safe_to_consume(gps_pair: tuple[SerialLink, NmeaGateway],
                                                 recorder: Recorder) -> None:
    receiver, _ = gps_pair
    seen = threading.Event()
    unsubscribe = gps_pair[1].subscribe(lambda e: seen.set() if isinstance(e, FixReceived)
                                        else None)
    receiver.write((RMC + "\r").encode())
    assert seen.wait(5)
    unsubscribe()
