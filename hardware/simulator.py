"""A simulated TETRA radio network on the far end of a port, for tests, demos and trainers.

Answers the PEI commands a gateway sends like a radio would, accepts status and text
sends (with delivery reports for texts), records everything it received, and emits
statuses and LIP positions for simulated units that wander around their start point.
Misbehaviour on request: garbage bytes, drop-outs, slow replies, split lines, CR-only
terminators. Runs in its own thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hardware.codec import DecodeError, hex_to_bits
from hardware.lip import REASON_EMERGENCY, REASON_MAX_INTERVAL, encode_lip
from hardware.netport import TcpServerPort
from hardware.pei import issi_from_identity
from hardware.sds import (
    DeliveryReportMessage,
    TextMessage,
    decode_sds,
    encode_report,
    encode_simple_text,
    encode_status,
    encode_text,
)
from hardware.transport import PortLike, SerialLink

if TYPE_CHECKING:
    from hardware.ptys import PtyMaster

log = logging.getLogger(__name__)

METRES_PER_DEGREE = 111_320.0


@dataclass
class SimUnit:
    """A simulated radio: ISSI, position and how it moves (metres per second, degrees)."""

    issi: int
    lat: float
    lon: float
    speed_ms: float = 5.0
    heading: float = 0.0
    home: tuple[float, float] = (0.0, 0.0)
    radius_m: float = 1500.0
    target: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.home == (0.0, 0.0):
            self.home = (self.lat, self.lon)

    def step(self, seconds: float, rng: random.Random) -> None:
        """Move for ``seconds``: towards the target if any, else a random walk near home."""
        goal = self.target
        if goal is None and _distance_m(self.lat, self.lon, *self.home) > self.radius_m:
            goal = self.home
        if goal is not None:
            self.heading = _bearing(self.lat, self.lon, *goal)
            if _distance_m(self.lat, self.lon, *goal) < self.speed_ms * seconds:
                self.lat, self.lon = goal
                self.target = None
                return
        else:
            self.heading = (self.heading + rng.gauss(0.0, 25.0)) % 360.0
        metres = self.speed_ms * seconds
        rad = math.radians(self.heading)
        self.lat += metres * math.cos(rad) / METRES_PER_DEGREE
        self.lon += metres * math.sin(rad) / (METRES_PER_DEGREE * math.cos(math.radians(self.lat)))


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lon2 - lon1) * METRES_PER_DEGREE * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = lat2 - lat1
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.degrees(math.atan2(dx, dy)) % 360.0


@dataclass(frozen=True, slots=True)
class ReceivedSds:
    """An SDS the simulated network received from the gateway."""

    kind: str  # "status", "text" or "other"
    issi: int
    value: int | None = None
    text: str | None = None
    ref: int | None = None
    hex: str = ""


@dataclass(order=True)
class _Scheduled:
    at: float
    seq: int
    data: bytes = field(compare=False)


class RadioSimulator:
    """A radio and the network behind it, speaking PEI on ``port`` (a new pty if None).

    Args:
        units: (ISSI, lat, lon) tuples or SimUnit objects.
        interval: seconds between position reports of each unit (None: only on inject).
        status_interval: seconds between random status changes (None: only on inject).
        cme35_first: answer the very first command with ``+CME ERROR: 35``.
    """

    def __init__(self, port: str | PortLike | None = None,
                 units: Iterable[tuple[int, float, float] | SimUnit] = (), *,
                 own_identity: str = "09011638300023401", interval: float | None = 5.0,
                 status_interval: float | None = None,
                 status_values: Sequence[int] = (0x8002, 0x8003, 0x8004, 0x8005, 0x8006),
                 seed: int | None = None, cme35_first: bool = False,
                 report_delay: float = 0.05) -> None:
        self.rng = random.Random(seed)
        self.pty: PtyMaster | None = None
        if port is None:
            from hardware.ptys import PtyMaster  # POSIX only

            self.pty = PtyMaster.create()
            port = self.pty
        self.units = {u.issi: u for u in (self._unit(x) for x in units)}
        self.own_identity = own_identity
        self.own_issi = issi_from_identity(own_identity) or 0
        self.interval = interval
        self.status_interval = status_interval
        self.status_values = tuple(status_values)
        self.cme35_first = cme35_first
        self.report_delay = report_delay
        self.terminator = "\r\n"
        self.split_lines = False
        self.reply_delay = 0.0
        self.deliver_reports = True
        self.responses: dict[str, list[str]] = {}
        self.received: list[ReceivedSds] = []
        self.commands: list[str] = []
        self.sent_lines = 0
        self._cond = threading.Condition()
        self._inbox: queue.Queue[str | Callable[[], None]] = queue.Queue()
        self._out: list[_Scheduled] = []
        self._seq = itertools.count()
        self._dropout_until = 0.0
        self._split_tail = 0.0
        self._first_command = True
        self._mode: int | None = None
        self._cmgs: tuple[str, int] | None = None
        self._next_ref = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = port
        self.link = SerialLink(port, name="simulator", on_line=self._inbox.put,
                               terminators=b"\r\n\x1a", reconnect=self.pty is None)

    def _unit(self, spec: tuple[int, float, float] | SimUnit) -> SimUnit:
        if isinstance(spec, SimUnit):
            return spec
        issi, lat, lon = spec
        return SimUnit(int(issi), float(lat), float(lon), speed_ms=self.rng.uniform(2.0, 12.0),
                       heading=self.rng.uniform(0.0, 360.0))

    @property
    def pty_path(self) -> str | None:
        """The path a gateway opens when the simulator created its own pty."""
        return self.pty.slave_path if self.pty is not None else None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> RadioSimulator:
        """Open the port and start the simulator thread."""
        if self._thread is None:
            self.link.start()
            self._thread = threading.Thread(target=self._run, name="radio-simulator",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close the port (a gateway on the pty sees the device vanish)."""
        self._stop.set()
        self._inbox.put(lambda: None)
        if self._thread is not None:
            self._thread.join(5.0)
        self.link.stop()
        if isinstance(self.port, TcpServerPort):
            self.port.shutdown()

    def __enter__(self) -> RadioSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate()`` holds (checked whenever something is recorded)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # -- injects (thread-safe) -------------------------------------------------------
    def inject_status(self, issi: int, value: int) -> None:
        """Unit ``issi`` sends status ``value`` now."""
        hex_payload, bits = encode_status(value)
        self._inbox.put(lambda: self._unsolicited(13, issi, bits, hex_payload))

    def inject_position(self, issi: int, lat: float | None = None, lon: float | None = None, *,
                        reason: int = REASON_MAX_INTERVAL) -> None:
        """Unit ``issi`` reports its position now (its simulated one unless given)."""
        self._inbox.put(lambda: self._send_position(issi, lat, lon, reason))

    def inject_emergency(self, issi: int) -> None:
        """Unit ``issi`` presses its emergency button (LIP with reason 2)."""
        self.inject_position(issi, reason=REASON_EMERGENCY)

    def inject_text(self, issi: int, text: str, *, simple: bool = False) -> None:
        """Unit ``issi`` sends a text (simple PID 0x02 or SDS-TL PID 0x82)."""
        if simple:
            hex_payload, bits = encode_simple_text(text)
        else:
            hex_payload, bits = encode_text(text, self._allocate_ref(), report=0)
        self._inbox.put(lambda: self._unsolicited(12, issi, bits, hex_payload))

    def inject_lines(self, *lines: str) -> None:
        """Send raw lines (unsolicited results of any kind) with the current terminator."""
        self._inbox.put(lambda: self._emit(list(lines)))

    def inject_bytes(self, data: bytes) -> None:
        """Send raw bytes exactly as given."""
        self._inbox.put(lambda: self._schedule(data, 0.0))

    def send_garbage(self, nbytes: int = 64, terminate: bool = True) -> None:
        """Line noise: random bytes, then a terminator so the next line starts clean."""
        noise = bytes(self.rng.randrange(256) for _ in range(nbytes))
        self.inject_bytes(noise + (self.terminator.encode() if terminate else b""))

    def drop_out(self, seconds: float) -> None:
        """Stop answering and sending for ``seconds`` (a radio out of coverage or hung)."""
        self._dropout_until = time.monotonic() + seconds

    # -- simulator thread ------------------------------------------------------------
    def _run(self) -> None:
        now = time.monotonic()
        next_position = now + (self.interval or 0.0)
        next_status = now + (self.status_interval or 0.0)
        last_step = now
        while not self._stop.is_set():
            now = time.monotonic()
            wake = [next_position if self.interval else now + 0.5,
                    next_status if self.status_interval else now + 0.5]
            if self._out:
                wake.append(self._out[0].at)
            try:
                item = self._inbox.get(timeout=max(0.0, min(wake) - now))
            except queue.Empty:
                item = None
            try:
                if callable(item):
                    item()
                elif item is not None:
                    self._on_line(item)
            except Exception:
                log.exception("simulator: handling %r failed", item)
            now = time.monotonic()
            if self.interval and now >= next_position:
                self._move_all(now - last_step)
                last_step = now
                for issi in self.units:
                    self._send_position(issi, None, None, REASON_MAX_INTERVAL)
                next_position = now + self.interval
            if self.status_interval and now >= next_status and self.units:
                issi = self.rng.choice(list(self.units))
                self.inject_status(issi, self.rng.choice(self.status_values))
                next_status = now + self.status_interval
            self._flush_due(now)

    def _move_all(self, seconds: float) -> None:
        for unit in self.units.values():
            unit.step(seconds, self.rng)

    def _flush_due(self, now: float) -> None:
        while self._out and self._out[0].at <= now:
            self.link.write(heapq.heappop(self._out).data)

    def _schedule(self, data: bytes, delay: float) -> None:
        if time.monotonic() < self._dropout_until:
            return
        at = time.monotonic() + delay
        if not self.split_lines or len(data) < 2:
            heapq.heappush(self._out, _Scheduled(at, next(self._seq), data))
            return
        # Pieces of one write go out 20 ms apart and never interleave with the next write.
        at = max(at, self._split_tail)
        cuts = sorted(self.rng.sample(range(1, len(data)), min(3, len(data) - 1)))
        for i, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(data)], strict=True)):
            heapq.heappush(self._out, _Scheduled(at + 0.02 * i, next(self._seq), data[a:b]))
        self._split_tail = at + 0.02 * len(cuts) + 0.001

    def _emit(self, lines: list[str], delay: float = 0.0) -> None:
        self.sent_lines += len(lines)
        data = "".join(line + self.terminator for line in lines).encode("latin-1")
        self._schedule(data, delay)

    def _unsolicited(self, ai_service: int, issi: int, bits: int, hex_payload: str) -> None:
        header = f"+CTSDSR: {ai_service},{issi},0,{self.own_issi},0,{bits}"
        self._emit([header, hex_payload])

    def _send_position(self, issi: int, lat: float | None, lon: float | None,
                       reason: int) -> None:
        unit = self.units.get(issi)
        if unit is None:
            unit = self.units[issi] = SimUnit(issi, lat or 0.0, lon or 0.0, speed_ms=0.0)
        if lat is not None and lon is not None:
            unit.lat, unit.lon = lat, lon
        payload, bits = encode_lip(unit.lat, unit.lon, speed_kmh=unit.speed_ms * 3.6,
                                   heading_deg=unit.heading, reason=reason)
        self._unsolicited(12, issi, bits, payload.hex().upper())

    def _allocate_ref(self) -> int:
        self._next_ref = self._next_ref % 255 + 1
        return self._next_ref

    # -- PEI command handling --------------------------------------------------------
    def _on_line(self, line: str) -> None:
        if time.monotonic() < self._dropout_until:
            return
        if self._cmgs is not None and not line.upper().startswith("AT"):
            target, bits = self._cmgs
            self._cmgs = None
            self._sds_from_gateway(target, bits, line.strip())
            return
        self._cmgs = None
        command = line.strip()
        if not command.upper().startswith("AT"):
            return
        with self._cond:
            self.commands.append(command)
            self._cond.notify_all()
        if self._first_command:
            self._first_command = False
            if self.cme35_first:
                self._reply(["+CME ERROR: 35"])
                return
        self._reply(self._answer(command))

    def _reply(self, lines: list[str]) -> None:
        self._emit(lines, self.reply_delay)

    def respond(self, command: str, lines: list[str]) -> None:
        """Answer ``command`` (exact, case-insensitive) with ``lines`` from now on."""
        self.responses[command.strip().upper()] = list(lines)

    def _answer(self, command: str) -> list[str]:
        upper = command.upper()
        if upper in self.responses:
            return list(self.responses[upper])
        name, _, args = upper.partition("=")
        if upper in ("AT", "ATZ", "ATE0", "ATE1", "AT&F") or name in ("AT+CTOM", "AT+CTSP"):
            return ["OK"]
        if upper == "AT+CTOM?":
            return ["+CTOM: 0", "OK"]
        if upper == "AT+CNUMF?":
            return [f"+CNUMF: 6,{self.own_identity}", "OK"]
        if name == "AT+CTSDS":
            self._mode = _first_int(args)
            return ["OK"]
        if name == "AT+CMGS":
            fields = args.split(",")
            bits = _first_int(fields[1]) if len(fields) > 1 else None
            if bits is None or not fields[0].strip():
                return ["+CME ERROR: 35"]
            self._cmgs = (fields[0].strip(), bits)
            return []
        return ["+CME ERROR: 4"]

    def _sds_from_gateway(self, target: str, bits: int, hex_payload: str) -> None:
        issi = issi_from_identity(target) or 0
        decoded = hex_to_bits(hex_payload, bits)
        if isinstance(decoded, DecodeError):
            self._reply(["+CMS ERROR: 304"])
            return
        value, nbits = decoded
        if self._mode == 13 or (self._mode is None and nbits == 16):
            record = ReceivedSds("status", issi, value=value >> (nbits - 16) if nbits >= 16
                                 else value, hex=hex_payload)
            ref = self._allocate_ref()
        else:
            pad = -nbits % 8
            payload = decode_sds((value << pad).to_bytes((nbits + pad) // 8, "big"), nbits)
            if isinstance(payload, TextMessage):
                record = ReceivedSds("text", issi, text=payload.text, ref=payload.ref,
                                     hex=hex_payload)
                ref = payload.ref if payload.ref is not None else self._allocate_ref()
            else:
                kind = "report" if isinstance(payload, DeliveryReportMessage) else "other"
                record = ReceivedSds(kind, issi, hex=hex_payload)
                ref = self._allocate_ref()
        with self._cond:
            self.received.append(record)
            self._cond.notify_all()
        self._reply([f"+CMGS: 0,4,{ref}", "OK"])
        if record.kind == "text" and record.ref is not None and self.deliver_reports:
            report_hex, report_bits = encode_report(record.ref)
            header = f"+CTSDSR: 12,{issi},0,{self.own_issi},0,{report_bits}"
            self._emit([header, report_hex], self.reply_delay + self.report_delay)


def _first_int(text: str) -> int | None:
    head = text.split(",")[0].strip()
    return int(head) if head.isdigit() else None
