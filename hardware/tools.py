"""Thin entry points for the technician CLI: loopback test, capture decoding, monitor, simulator."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from hardware.codec import DecodeError
from hardware.events import HardwareEvent
from hardware.gateway import PeiGateway
from hardware.linktest import LinkTestResult, Progress, run_link_test
from hardware.netport import TcpServerPort
from hardware.nmea import Fix, NmeaGateway, OtherSentence, parse_nmea
from hardware.pei import (
    CmgsReply,
    CommandEcho,
    FinalResult,
    OtherUnsolicited,
    PeiDecoder,
    PeiItem,
    ResponseLine,
    SdsReceived,
)
from hardware.sds import (
    AckMessage,
    DeliveryReportMessage,
    LocationMessage,
    StatusMessage,
    TextMessage,
)
from hardware.simulator import RadioSimulator
from hardware.transport import LineSplitter

PROTOCOLS = ("pei", "nmea")
_CHUNK = 1 << 16


def loopback(url: str, baud: int = 115200, nbytes: int = 65536, pattern: str = "prbs9",
             progress: Progress | None = None) -> LinkTestResult:
    """Run the link test on a port with a loopback plug (or ``loop://``)."""
    return run_link_test(url, baudrate=baud, nbytes=nbytes, pattern=pattern, progress=progress)


def _chunks(source: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray):
        for i in range(0, len(source), _CHUNK):
            yield bytes(source[i:i + _CHUNK])
        return
    with Path(source).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def sds_to_dict(item: SdsReceived) -> dict[str, object]:
    """JSON-ready form of one received SDS."""
    base: dict[str, object] = {"issi": item.header.calling_issi,
                               "called": item.header.called_issi}
    payload = item.payload
    if isinstance(payload, StatusMessage):
        return {"type": "status", **base, "value": payload.value,
                "value_hex": f"{payload.value:04X}"}
    if isinstance(payload, LocationMessage):
        rep = payload.report
        return {"type": "position", **base, "lat": rep.lat, "lon": rep.lon,
                "speed_kmh": rep.speed_kmh, "heading_deg": rep.heading_deg,
                "position_error_m": rep.position_error_m, "time_elapsed_s": rep.time_elapsed_s,
                "reason": rep.reason, "emergency": rep.emergency}
    if isinstance(payload, TextMessage):
        return {"type": "text", **base, "text": payload.text, "ref": payload.ref,
                "pid": payload.pid, "coding": payload.coding}
    if isinstance(payload, DeliveryReportMessage):
        return {"type": "delivery_report", **base, "ref": payload.ref,
                "delivered": payload.delivered, "status": payload.status}
    assert isinstance(payload, AckMessage)
    return {"type": "sds_ack", **base, "ref": payload.ref, "status": payload.status}


def fix_to_dict(fix: Fix) -> dict[str, object]:
    """JSON-ready form of one fix."""
    return {"type": "fix", "sentence": fix.sentence, "talker": fix.talker, "valid": fix.valid,
            "lat": fix.lat, "lon": fix.lon,
            "time": fix.time.isoformat() if fix.time else None,
            "date": fix.date.isoformat() if fix.date else None, "speed_kmh": fix.speed_kmh,
            "course_deg": fix.course_deg, "quality": fix.quality, "satellites": fix.satellites,
            "hdop": fix.hdop, "altitude_m": fix.altitude_m}


def decode_capture(source: str | os.PathLike[str] | bytes, protocol: str = "pei", *,
                   include_errors: bool = False) -> Iterator[dict[str, object]]:
    """Decode a captured byte stream: one dict per message, then a summary dict.

    Never raises on the content. Bad lines are counted by reason in the summary (and
    yielded as ``decode_error`` dicts with ``include_errors``).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
    splitter = LineSplitter(max_line=4096 if protocol == "pei" else 1024)
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    decoder = PeiDecoder(payload_timeout=float("inf"))
    number = 0

    def classify(items: Iterable[PeiItem | Fix | OtherSentence]) -> Iterator[dict[str, object]]:
        for item in items:
            if isinstance(item, SdsReceived):
                counts["decoded"] += 1
                yield {**sds_to_dict(item), "line": number}
            elif isinstance(item, Fix):
                counts["decoded"] += 1
                yield {**fix_to_dict(item), "line": number}
            elif isinstance(item, OtherUnsolicited):
                counts["decoded"] += 1
                yield {"type": "unsolicited", "prefix": item.prefix, "text": item.line,
                       "line": number}
            elif isinstance(item, DecodeError) or (
                    isinstance(item, ResponseLine) and not item.line.startswith("+")):
                error = item if isinstance(item, DecodeError) else DecodeError(
                    "unexpected_line", "not a PEI result or unsolicited line", item.line[:120])
                counts["bad"] += 1
                reasons[error.reason] += 1
                if include_errors:
                    yield {**error.to_dict(), "line": number}
            elif isinstance(item, FinalResult | CmgsReply | CommandEcho | ResponseLine
                            | OtherSentence):
                counts["other"] += 1

    try:
        for chunk in _chunks(source):
            for line in splitter.feed(chunk):
                number += 1
                if protocol == "pei":
                    yield from classify(decoder.feed(line))
                else:
                    yield from classify([parse_nmea(line)])
        if splitter.pending:
            number += 1
            counts["bad"] += 1
            reasons["unterminated_line"] += 1
    except OSError as exc:
        reasons["read_error"] += 1
        counts["bad"] += 1
        counts["read_error"] += 1
        yield {"type": "decode_error", "reason": "read_error", "detail": str(exc), "line": number}
    yield from classify(decoder.reset())
    yield {"type": "summary", "protocol": protocol, "lines": number,
           "decoded": counts["decoded"], "bad": counts["bad"], "other": counts["other"],
           "cut_lines": splitter.cut_lines, "by_reason": dict(reasons)}


def monitor(url: str, protocol: str, emit: Callable[[dict[str, object]], None],
            stop_event: threading.Event, *, baudrate: int | None = None,
            passive: bool = False, emergency_statuses: Iterable[int] = ()) -> dict[str, object]:
    """Run a gateway on ``url`` and hand every event to ``emit`` as a dict until stopped.

    Returns (and emits) a summary with the gateway's counters.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")

    def forward(event: HardwareEvent) -> None:
        emit(event.to_dict())

    gateway: PeiGateway | NmeaGateway
    if protocol == "pei":
        gateway = PeiGateway(url, baudrate=baudrate or 115200, on_event=forward,
                             passive=passive, emergency_statuses=emergency_statuses)
    else:
        gateway = NmeaGateway(url, baudrate=baudrate or 9600, on_event=forward)
    gateway.start()
    try:
        stop_event.wait()
    finally:
        gateway.stop()
    summary: dict[str, object] = {"type": "summary", "protocol": protocol, **gateway.stats()}
    emit(summary)
    return summary


def run_simulator(url_or_pty: str | None, units: list[tuple[int, float, float]], *,
                  interval: float | None = 5.0, status_interval: float | None = None,
                  seed: int | None = None, cme35_first: bool = False) -> RadioSimulator:
    """Start a simulated radio network and return it (it has ``pty_path`` and ``stop()``).

    ``url_or_pty``: None or "pty" for a new pty pair (the gateway opens ``pty_path``);
    ``listen://HOST:PORT`` to accept a gateway's ``socket://HOST:PORT`` over TCP; any
    other value is a pyserial URL or device the simulator opens itself.
    """
    port: str | TcpServerPort | None
    if url_or_pty in (None, "", "pty"):
        port = None
    elif url_or_pty.startswith("listen://"):
        host, _, number = url_or_pty[len("listen://"):].rpartition(":")
        port = TcpServerPort(host or "127.0.0.1", int(number))
    else:
        port = url_or_pty
    return RadioSimulator(port, units, interval=interval, status_interval=status_interval,
                          seed=seed, cme35_first=cme35_first).start()
