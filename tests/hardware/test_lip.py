"""LIP short location report: the spec's test vector, sign handling, and round-trip properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.codec import BitReader, DecodeError
from hardware.lip import (
    LAT_STEP,
    LON_STEP,
    SHORT_REPORT_BITS,
    LipReport,
    decode_lip,
    encode_lip,
    velocity_from_code,
    velocity_to_code,
)

VECTOR = bytes.fromhex("0A0088BD4247F737FFE810")


def decoded(data: bytes, bits: int = SHORT_REPORT_BITS) -> LipReport:
    report = decode_lip(data, bits)
    assert isinstance(report, LipReport), report
    return report


def test_spec_vector() -> None:
    report = decoded(VECTOR)
    assert report.lon == pytest.approx(12.0181, abs=1e-4)
    assert report.lat == pytest.approx(51.3251, abs=1e-4)
    assert report.reason == 129
    assert report.position_error_m is None  # code 7: unknown
    assert report.speed_kmh is None  # code 127: unknown
    assert report.time_elapsed_s == 5
    assert not report.emergency


def test_vector_re_encodes_to_the_same_bits() -> None:
    report = decoded(VECTOR)
    payload, bits = encode_lip(report.lat, report.lon, time_elapsed_code=0,
                               position_error_code=7, speed_kmh=None,
                               heading_deg=report.heading_deg, reason=129)
    assert bits == 84
    assert payload.hex().upper() == "0A0088BD4247F737FFE810"


def test_kralendijk_has_a_negative_longitude() -> None:
    payload, bits = encode_lip(12.15, -68.27, speed_kmh=40, heading_deg=90)
    report = decoded(payload, bits)
    assert report.lat == pytest.approx(12.15, abs=LAT_STEP)
    assert report.lon == pytest.approx(-68.27, abs=LON_STEP)
    reader = BitReader.from_bytes(payload, bits)
    reader.read(12)
    assert reader.read(1) == 1  # sign bit of the longitude is set
    assert report.heading_deg == 90
    assert report.speed_kmh == pytest.approx(40, rel=0.04)


def test_emergency_reason() -> None:
    payload, bits = encode_lip(17.48, -62.98, reason=2)
    report = decoded(payload, bits)
    assert report.emergency and report.reason == 2


@pytest.mark.parametrize(("code", "kmh"), [(0, 0.0), (28, 28.0), (127, None)])
def test_velocity_table(code: int, kmh: float | None) -> None:
    assert velocity_from_code(code) == kmh


def test_velocity_formula_above_28() -> None:
    assert velocity_from_code(29) == pytest.approx(16 * 1.038 ** 16)
    assert velocity_from_code(126) == pytest.approx(16 * 1.038 ** 113)
    assert velocity_to_code(None) == 127
    assert velocity_to_code(-1) == 127
    assert velocity_to_code(float("nan")) == 127
    assert velocity_to_code(5000) == 126
    for code in range(29, 127):
        assert velocity_to_code(velocity_from_code(code)) == code


@pytest.mark.parametrize(("data", "bits", "reason"), [
    (bytes.fromhex("0A4088BD4247F737FFE810"), 84, "lip_unsupported_pdu"),
    (bytes.fromhex("0AC088BD4247F737FFE810"), 84, "lip_unsupported_pdu"),
    (VECTOR, 80, "lip_short"),
    (VECTOR, 9, "lip_short"),
    (VECTOR[:5], 84, "payload_short"),
    (bytes.fromhex("0B0088BD4247F737FFE810"), 84, "lip_not_lip"),
    (b"", 0, "lip_not_lip"),
])
def test_bad_reports(data: bytes, bits: int, reason: str) -> None:
    result = decode_lip(data, bits)
    assert isinstance(result, DecodeError) and result.reason == reason


def test_encode_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        encode_lip(float("nan"), 0.0)


def test_edges_of_the_globe() -> None:
    for lat, lon in [(90.0, 180.0), (-90.0, -180.0), (0.0, 179.99999), (-0.0, -0.0)]:
        report = decoded(*encode_lip(lat, lon))
        assert report.lat == pytest.approx(lat, abs=LAT_STEP)
        lon_error = abs((report.lon - lon + 180.0) % 360.0 - 180.0)
        assert lon_error <= LON_STEP


# Bonaire, Curacao-adjacent waters, Sint Eustatius and Saba with margin.
caribbean_lat = st.floats(min_value=11.5, max_value=18.5)
caribbean_lon = st.floats(min_value=-70.0, max_value=-62.0)


@given(caribbean_lat, caribbean_lon, st.floats(min_value=0, max_value=300),
       st.floats(min_value=0, max_value=359.9), st.integers(0, 255))
def test_round_trip_caribbean(lat: float, lon: float, speed: float, heading: float,
                              reason: int) -> None:
    report = decoded(*encode_lip(lat, lon, speed_kmh=speed, heading_deg=heading,
                                 reason=reason))
    assert abs(report.lat - lat) <= LAT_STEP / 2 + 1e-12
    assert abs(report.lon - lon) <= LON_STEP / 2 + 1e-12
    assert report.lon < 0
    assert report.reason == reason
    assert report.speed_kmh is not None
    assert abs(report.speed_kmh - speed) <= max(0.5, speed * 0.02)


@given(st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180))
def test_round_trip_globe(lat: float, lon: float) -> None:
    report = decoded(*encode_lip(lat, lon))
    assert abs(report.lat - lat) <= LAT_STEP
    assert abs((report.lon - lon + 180.0) % 360.0 - 180.0) <= LON_STEP / 2 + 1e-9


@given(st.binary(max_size=16), st.integers(min_value=-10, max_value=200))
def test_decode_never_raises(data: bytes, bits: int) -> None:
    result = decode_lip(data, bits)
    assert isinstance(result, LipReport | DecodeError)
