"""LIP short location report (ETSI TS 100 392-18, PID 0x0A): decode and encode.

Layout after the PID, most significant bit first (84 bits with the PID): PDU type 2,
time elapsed 2, longitude 25 (two's complement, x 360/2^25 degrees), latitude 24 (two's
complement, x 180/2^24 degrees), position error 3, horizontal velocity 7, direction of
travel 4, type of additional data 1, additional data 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hardware.codec import BitReader, BitWriter, DecodeError

PID_LIP = 0x0A
SHORT_REPORT_BITS = 84
LON_STEP = 360.0 / (1 << 25)
LAT_STEP = 180.0 / (1 << 24)

# Upper bound of each time-elapsed code in seconds; None = unknown.
TIME_ELAPSED_S: tuple[int | None, ...] = (5, 300, 1800, None)
# Upper bound of each position-error code in metres; None = unknown (7) or unbounded (6).
POSITION_ERROR_M: tuple[float | None, ...] = (2, 20, 200, 2000, 20000, 200000, None, None)
VELOCITY_UNKNOWN = 127

REASON_POWER_ON = 0
REASON_POWER_OFF = 1
REASON_EMERGENCY = 2
REASON_IMMEDIATE_REQUEST = 32
REASON_MAX_INTERVAL = 129


@dataclass(frozen=True, slots=True)
class LipReport:
    """One decoded short location report; unknown fields are None."""

    lat: float
    lon: float
    time_elapsed_code: int
    position_error_code: int
    velocity_code: int
    direction_code: int
    additional_data_type: int
    additional_data: int

    @property
    def time_elapsed_s(self) -> int | None:
        """Upper bound of the report's age in seconds."""
        return TIME_ELAPSED_S[self.time_elapsed_code]

    @property
    def position_error_m(self) -> float | None:
        """Upper bound of the position error in metres (None: unknown or over 200 km)."""
        return POSITION_ERROR_M[self.position_error_code]

    @property
    def speed_kmh(self) -> float | None:
        """Horizontal speed in km/h, None when the radio did not know it."""
        return velocity_from_code(self.velocity_code)

    @property
    def heading_deg(self) -> float:
        """Direction of travel, 22.5 degree steps."""
        return self.direction_code * 22.5

    @property
    def reason(self) -> int | None:
        """Reason for sending, when the additional data carries one."""
        return self.additional_data if self.additional_data_type == 0 else None

    @property
    def emergency(self) -> bool:
        """True when the radio sent this report because of its emergency button."""
        return self.reason == REASON_EMERGENCY


def velocity_from_code(code: int) -> float | None:
    """Speed in km/h for a 7-bit velocity code (127 = unknown)."""
    if code == VELOCITY_UNKNOWN:
        return None
    if code <= 28:
        return float(code)
    return 16.0 * 1.038 ** (code - 13)


def velocity_to_code(speed_kmh: float | None) -> int:
    """Nearest 7-bit velocity code for a speed (None or negative: unknown)."""
    if speed_kmh is None or speed_kmh < 0 or math.isnan(speed_kmh):
        return VELOCITY_UNKNOWN
    if speed_kmh < 28.5:
        return round(speed_kmh)
    code = round(13 + math.log(speed_kmh / 16.0) / math.log(1.038))
    return max(29, min(126, code))


def _wrap_lon(lon: float) -> int:
    raw = round(lon / LON_STEP)
    # 180 and -180 are the same meridian; keep the value inside the 25-bit range.
    return (raw + (1 << 24)) % (1 << 25) - (1 << 24)


def _clamp_lat(lat: float) -> int:
    return max(-(1 << 23), min((1 << 23) - 1, round(lat / LAT_STEP)))


def decode_lip(payload: bytes, nbits: int) -> LipReport | DecodeError:
    """Decode a LIP PDU whose first byte is the PID; ``nbits`` is the declared length."""
    if nbits < 8 or not payload or payload[0] != PID_LIP:
        return DecodeError("lip_not_lip", "payload does not start with PID 0x0A")
    if nbits > len(payload) * 8:
        return DecodeError("payload_short", f"declared {nbits} bits, have {len(payload) * 8}")
    reader = BitReader.from_bytes(payload, nbits)
    reader.read(8)
    if reader.remaining < 2:
        return DecodeError("lip_short", f"LIP with {nbits} bits")
    pdu_type = reader.read(2)
    if pdu_type != 0:
        return DecodeError("lip_unsupported_pdu",
                           f"LIP PDU type {pdu_type} (long report or extension) not supported")
    if nbits < SHORT_REPORT_BITS:
        return DecodeError("lip_short", f"short report needs {SHORT_REPORT_BITS} bits, got {nbits}")
    time_elapsed = reader.read(2)
    lon = reader.read_signed(25) * LON_STEP
    lat = reader.read_signed(24) * LAT_STEP
    return LipReport(lat=lat, lon=lon, time_elapsed_code=time_elapsed,
                     position_error_code=reader.read(3), velocity_code=reader.read(7),
                     direction_code=reader.read(4), additional_data_type=reader.read(1),
                     additional_data=reader.read(8))


def encode_lip(lat: float, lon: float, *, time_elapsed_code: int = 0,
               position_error_code: int = 1, speed_kmh: float | None = None,
               heading_deg: float | None = None, reason: int = REASON_MAX_INTERVAL,
               ) -> tuple[bytes, int]:
    """Encode a short location report with its PID; returns (payload, bit count 84)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"position must be finite, got {lat}, {lon}")
    direction = 0 if heading_deg is None else round((heading_deg % 360.0) / 22.5) % 16
    writer = (BitWriter().write(PID_LIP, 8).write(0, 2).write(time_elapsed_code & 3, 2)
              .write(_wrap_lon(lon), 25).write(_clamp_lat(lat), 24)
              .write(position_error_code & 7, 3).write(velocity_to_code(speed_kmh), 7)
              .write(direction, 4).write(0, 1).write(reason & 0xFF, 8))
    return writer.to_bytes(), writer.nbits
