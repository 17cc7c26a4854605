"""NMEA 0183 GPS/AVL input: RMC and GGA to ``Fix`` (on pynmea2), and a gateway on a serial link.

Checksums are required, a line is resynchronised on its last ``$`` (receivers interleave
binary protocols such as u-blox UBX), sentences over 82 characters are rejected, and an
RMC with status V or empty fields, or a GGA with quality 0, gives an invalid fix with no
position (never 0,0). Nothing here raises on input from the wire.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pynmea2

from hardware.codec import DecodeError, clip
from hardware.events import (
    DecodeFailed,
    EventCallback,
    EventHub,
    FixReceived,
    LinkDown,
    LinkUp,
)
from hardware.transport import PortLike, SerialLink

log = logging.getLogger(__name__)

MAX_SENTENCE = 82
KNOT_KMH = 1.852


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report from RMC or GGA; ``lat``/``lon`` are None when not valid."""

    sentence: str
    talker: str
    valid: bool
    lat: float | None = None
    lon: float | None = None
    time: dt.time | None = None
    date: dt.date | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    quality: int | None = None
    satellites: int | None = None
    hdop: float | None = None
    altitude_m: float | None = None

    @property
    def timestamp(self) -> dt.datetime | None:
        """UTC date and time when the sentence carried both (RMC)."""
        if self.date is None or self.time is None:
            return None
        return dt.datetime.combine(self.date, self.time, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class OtherSentence:
    """A well-formed sentence we do not turn into a fix (GSV, GSA, VTG, proprietary...)."""

    sentence: str
    talker: str


NmeaResult = Fix | OtherSentence | DecodeError


def _float(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() else None


def _coordinate(value: str, hemisphere: str, max_degrees: int) -> float | DecodeError | None:
    """Degrees from ``DDMM.MMM``/``DDDMM.MMM``; None when empty, DecodeError when malformed."""
    if not value and not hemisphere:
        return None
    number = _float(value)
    if number is None or number < 0 or hemisphere not in ("N", "S", "E", "W"):
        return DecodeError("bad_coordinate", f"coordinate {value!r} {hemisphere!r}")
    degrees = int(number // 100)
    minutes = number - degrees * 100
    result = degrees + minutes / 60.0
    if minutes >= 60 or result > max_degrees:
        return DecodeError("bad_coordinate", f"coordinate {value!r} out of range")
    return -result if hemisphere in ("S", "W") else result


def _time(text: str) -> dt.time | None:
    if len(text) < 6 or not text[:6].isdigit():
        return None
    seconds = _float(text[4:]) or 0.0
    try:
        return dt.time(int(text[:2]), int(text[2:4]), int(seconds),
                       round((seconds % 1) * 1e6) % 1_000_000, tzinfo=dt.UTC)
    except ValueError:
        return None


def _date(text: str) -> dt.date | None:
    if len(text) != 6 or not text.isdigit():
        return None
    year = int(text[4:])
    try:
        return dt.date(year + (2000 if year < 69 else 1900), int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def _position(data: list[str], first: int) -> tuple[float | None, float | None] | DecodeError:
    lat = _coordinate(data[first], data[first + 1], 90)
    lon = _coordinate(data[first + 2], data[first + 3], 180)
    if isinstance(lat, DecodeError):
        return lat
    if isinstance(lon, DecodeError):
        return lon
    return lat, lon


def _rmc(msg: pynmea2.NMEASentence, talker: str) -> Fix | DecodeError:
    data = msg.data
    if len(data) < 9:
        return DecodeError("missing_fields", f"RMC with {len(data)} fields")
    position = _position(data, 2)
    if isinstance(position, DecodeError):
        return position
    lat, lon = position
    mode_invalid = len(data) > 11 and data[11] == "N"
    valid = data[1] == "A" and lat is not None and lon is not None and not mode_invalid
    speed = _float(data[6])
    return Fix("RMC", talker, valid, lat if valid else None, lon if valid else None,
               _time(data[0]), _date(data[8]), None if speed is None else speed * KNOT_KMH,
               _float(data[7]))


def _gga(msg: pynmea2.NMEASentence, talker: str) -> Fix | DecodeError:
    data = msg.data
    if len(data) < 9:
        return DecodeError("missing_fields", f"GGA with {len(data)} fields")
    position = _position(data, 1)
    if isinstance(position, DecodeError):
        return position
    lat, lon = position
    quality = _int(data[5])
    valid = bool(quality) and lat is not None and lon is not None
    return Fix("GGA", talker, valid, lat if valid else None, lon if valid else None,
               _time(data[0]), None, quality=quality, satellites=_int(data[6]),
               hdop=_float(data[7]), altitude_m=_float(data[8]))


def parse_nmea(line: str) -> NmeaResult:
    """Decode one received line; never raises."""
    start = line.rfind("$")
    if start < 0:
        return DecodeError("no_sentence", "no '$' in line", clip(line))
    sentence = line[start:].rstrip()
    if len(sentence) > MAX_SENTENCE:
        return DecodeError("too_long", f"{len(sentence)} characters", clip(line))
    star = sentence.rfind("*")
    if star < 0 or len(sentence) - star != 3:
        return DecodeError("missing_checksum", "no *HH checksum", clip(line))
    try:
        msg = pynmea2.parse(sentence, check=True)
    except pynmea2.ChecksumError:
        return DecodeError("bad_checksum", "checksum mismatch", clip(line))
    except pynmea2.SentenceTypeError:
        return OtherSentence(sentence[3:6], sentence[1:3])
    except pynmea2.ParseError:
        return DecodeError("malformed", "not an NMEA sentence", clip(line))
    except Exception as exc:  # pynmea2 has raised odd errors on odd input
        return DecodeError("malformed", f"{type(exc).__name__}: {exc}", clip(line))
    kind = getattr(msg, "sentence_type", "")
    talker = getattr(msg, "talker", "")
    try:
        if kind == "RMC":
            result = _rmc(msg, talker)
        elif kind == "GGA":
            result = _gga(msg, talker)
        else:
            return OtherSentence(str(kind or type(msg).__name__), str(talker))
    except Exception as exc:  # belt and braces: garbage must never escape
        return DecodeError("malformed", f"{type(exc).__name__}: {exc}", clip(line))
    if isinstance(result, DecodeError):
        return DecodeError(result.reason, result.detail, clip(line))
    return result


class NmeaGateway:
    """A GPS/AVL receiver on a serial link publishing FixReceived, LinkUp/LinkDown, DecodeFailed."""

    def __init__(self, port: str | PortLike, *, name: str | None = None, baudrate: int = 9600,
                 on_event: EventCallback | None = None, publish_failures: bool = True,
                 reconnect: bool = True) -> None:
        self.name = name or (port if isinstance(port, str) else type(port).__name__)
        self.events = EventHub()
        if on_event is not None:
            self.events.subscribe(on_event)
        self.publish_failures = publish_failures
        self.counts: Counter[str] = Counter()
        self.link = SerialLink(port, baudrate=baudrate, name=self.name, on_line=self._on_line,
                               on_up=self._on_up, on_down=self._on_down, max_line=1024,
                               reconnect=reconnect)

    def start(self) -> NmeaGateway:
        """Open the port in the background and start reading."""
        self.link.start()
        return self

    def stop(self) -> None:
        """Stop reading and close the port."""
        self.link.stop()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Receive every event; returns an unsubscribe function."""
        return self.events.subscribe(callback)

    def stats(self) -> dict[str, object]:
        """Gateway and link counters, JSON-ready."""
        return {"counts": dict(self.counts), "link": self.link.stats().to_dict()}

    def _on_up(self) -> None:
        self.events.publish(LinkUp(source=self.name))

    def _on_down(self, reason: str) -> None:
        self.events.publish(LinkDown(source=self.name, reason=reason))

    def _on_line(self, line: str) -> None:
        result = parse_nmea(line)
        if isinstance(result, Fix):
            self.counts["fixes" if result.valid else "invalid_fixes"] += 1
            self.events.publish(FixReceived(source=self.name, fix=result))
        elif isinstance(result, OtherSentence):
            self.counts["other_sentences"] += 1
        else:
            self.counts["decode_failed"] += 1
            self.counts[f"failed:{result.reason}"] += 1
            if self.publish_failures:
                self.events.publish(DecodeFailed(source=self.name, reason=result.reason,
                                                 detail=result.detail, line=result.line))
