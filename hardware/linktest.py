"""Loopback link test for technicians: PRBS bit error rate, latency, throughput, modem lines.

Patterns follow ITU-T O.150: PRBS9 (x^9 + x^5 + 1) and PRBS15 (x^15 + x^14 + 1, sent
inverted as O.150 specifies). Bits go on the line least significant bit first, so each
byte carries the next eight pattern bits in wire order.

Confidence: with k errored bits in n, the BER upper bound is the one-sided 95% exact
Poisson limit lambda_u(k)/n (lambda_u(0) = 2.996, hence "BER < 3/n" with zero errors);
above 1000 errors the Wilson-Hilferty approximation of that limit is used.
"""

from __future__ import annotations

import errno
import functools
import math
import os
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import serial

from hardware.transport import open_port

PATTERNS: dict[str, tuple[int, int, bool]] = {"prbs9": (9, 5, False), "prbs15": (15, 14, True)}
NOT_SUPPORTED = "not supported by this port"
_TIOCGICOUNT = 0x545D
_ICOUNT_FIELDS = ("cts", "dsr", "rng", "dcd", "rx", "tx", "frame", "overrun", "parity", "brk",
                  "buf_overrun")

Progress = Callable[[float], None]


@functools.lru_cache(maxsize=4)
def _period(pattern: str) -> bytes:
    order, tap, invert = PATTERNS[pattern]
    mask = (1 << order) - 1
    state = mask
    nbits = mask * 8  # the byte sequence repeats after (2^order - 1) bytes
    out = bytearray(mask)
    for i in range(nbits):
        bit = ((state >> (order - 1)) ^ (state >> (tap - 1))) & 1
        state = ((state << 1) | bit) & mask
        if bit ^ invert:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def prbs_bytes(pattern: str, nbytes: int) -> bytes:
    """The first ``nbytes`` of the pattern (``"prbs9"`` or ``"prbs15"``)."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; choose one of {sorted(PATTERNS)}")
    period = _period(pattern)
    reps = nbytes // len(period) + 1
    return (period * reps)[:nbytes]


def poisson_upper(errors: int, confidence: float = 0.95) -> float:
    """One-sided upper confidence limit of a Poisson mean after observing ``errors``."""
    alpha = 1.0 - confidence
    if errors > 1000:
        z = _normal_quantile(confidence)
        k = errors + 1
        return k * (1 - 1 / (9 * k) + z / (3 * math.sqrt(k))) ** 3

    def cdf(lam: float) -> float:
        term = total = math.exp(-lam)
        for i in range(1, errors + 1):
            term *= lam / i
            total += term
        return total

    lo, hi = 0.0, errors + 20.0 * math.sqrt(errors + 1) + 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > alpha else (lo, mid)
    return hi


def _normal_quantile(p: float) -> float:
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 0.5 * math.erfc(-mid / math.sqrt(2)) < p else (lo, mid)
    return hi


def confidence_statement(errors: int, bits: int) -> tuple[float, str]:
    """(BER upper bound at 95%, the sentence a technician reads)."""
    if bits <= 0:
        return 1.0, "no bits compared: no statement possible"
    upper = min(1.0, poisson_upper(errors) / bits)
    if errors == 0:
        return upper, (f"no errors in {bits} bits: BER < {upper:.1e} at 95% confidence "
                       f"(about 3/{bits})")
    return upper, (f"{errors} errored bits in {bits}: BER {errors / bits:.1e}, below "
                   f"{upper:.1e} at 95% confidence (one-sided exact Poisson limit)")


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class LinkTestResult:
    """Everything one link test measured, JSON-ready through ``to_dict``."""

    port: str
    pattern: str
    baudrate: int
    bytes_sent: int = 0
    bytes_received: int = 0
    bytes_lost: int = 0
    bytes_extra: int = 0
    bit_errors: int = 0
    bits_compared: int = 0
    ber: float = 0.0
    ber_upper_95: float = 1.0
    confidence: str = ""
    throughput_bps: float = 0.0
    ceiling_bps: float = 0.0
    ceiling_enforced: bool = True
    throughput_note: str = ""
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    probes_sent: int = 0
    probes_lost: int = 0
    modem_lines: dict[str, str] = field(default_factory=dict)
    line_counters: dict[str, int] | str = NOT_SUPPORTED
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No bit errors, nothing lost, every probe answered."""
        return (self.bit_errors == 0 and self.bytes_lost == 0 and self.probes_lost == 0
                and not self.errors)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {**asdict(self), "passed": self.passed}


def baud_enforced(port_name: str) -> tuple[bool, str]:
    """Whether the line rate limits this port, and what to tell the technician."""
    if port_name.startswith("loop://"):
        return False, "loop:// is an in-memory queue: the baud rate is not enforced"
    if port_name.startswith("socket://"):
        return False, "socket:// runs over TCP: the baud rate is not enforced"
    real = os.path.realpath(port_name) if port_name.startswith("/") else port_name
    if real.startswith(("/dev/pts/", "/dev/ptmx", "/dev/ttyp")) or port_name == "pty":
        return False, "a pty ignores the baud rate: the figure is not a line measurement"
    return True, ""


def check_modem_lines(port: object, settle: float = 0.02) -> dict[str, str]:
    """Toggle RTS and DTR and read CTS, DSR and CD back (a DB9 loopback plug wires them)."""
    results: dict[str, str] = {}
    for output, inputs in (("rts", ("cts",)), ("dtr", ("dsr", "cd"))):
        try:
            setattr(port, output, True)
            time.sleep(settle)
            high = [bool(getattr(port, name)) for name in inputs]
            setattr(port, output, False)
            time.sleep(settle)
            low = [bool(getattr(port, name)) for name in inputs]
            setattr(port, output, True)
        except (OSError, serial.SerialException, AttributeError, ValueError) as exc:
            for name in inputs:
                results[f"{output.upper()}->{name.upper()}"] = f"{NOT_SUPPORTED} ({exc})"
            continue
        for name, hi, lo in zip(inputs, high, low, strict=True):
            key = f"{output.upper()}->{name.upper()}"
            results[key] = ("follows" if hi and not lo else "inverted" if lo and not hi
                            else "stuck high" if hi else "stuck low")
    return results


def read_line_counters(port: object) -> dict[str, int] | str:
    """Linux TIOCGICOUNT (frame, overrun, parity, break...) where the port offers it."""
    fileno = getattr(port, "fileno", None)
    if not sys.platform.startswith("linux") or not callable(fileno):
        return NOT_SUPPORTED
    import fcntl  # Linux only, checked above

    try:
        raw = fcntl.ioctl(fileno(), _TIOCGICOUNT, bytes(80))
    except (OSError, ValueError, serial.SerialException) as exc:
        code = getattr(exc, "errno", None)
        return NOT_SUPPORTED + (f" ({errno.errorcode.get(code, code)})" if code else "")
    values = struct.unpack("20i", raw)
    return dict(zip(_ICOUNT_FIELDS, values, strict=False))


def _bulk(port: serial.SerialBase, data: bytes, chunk: int, deadline: float,
          idle_limit: float, progress: Progress | None) -> tuple[bytes, float, list[str]]:
    """Write ``data`` from a thread while reading it back; (received, seconds, errors)."""
    errors: list[str] = []

    def writer() -> None:
        try:
            for i in range(0, len(data), chunk):
                port.write(data[i:i + chunk])
        except Exception as exc:  # reported in the result, not raised
            errors.append(f"write: {exc or type(exc).__name__}")

    received = bytearray()
    thread = threading.Thread(target=writer, name="linktest-writer", daemon=True)
    start = last = time.perf_counter()
    thread.start()
    reported = 0.0
    while len(received) < len(data):
        now = time.perf_counter()
        if now > deadline or now - last > idle_limit:
            break
        try:
            waiting = port.in_waiting
            got = port.read(min(waiting, len(data) - len(received)) if waiting else 1)
        except (OSError, serial.SerialException) as exc:
            errors.append(f"read: {exc}")
            break
        if got:
            received += got
            last = time.perf_counter()
            fraction = len(received) / len(data)
            if progress is not None and fraction - reported >= 0.01:
                reported = fraction
                progress(0.8 * fraction)
    elapsed = (last - start) or 1e-9
    thread.join(1.0)
    return bytes(received), elapsed, errors


def _probes(port: serial.SerialBase, count: int, size: int, timeout: float,
            progress: Progress | None) -> tuple[list[float], int]:
    samples: list[float] = []
    lost = 0
    for i in range(count):
        frame = bytes([0xA5, i & 0xFF]) + bytes((i + k) & 0xFF for k in range(max(0, size - 2)))
        t0 = time.perf_counter()
        port.write(frame)
        got = bytearray()
        while len(got) < len(frame) and time.perf_counter() - t0 < timeout:
            got += port.read(len(frame) - len(got))
        if bytes(got) == frame:
            samples.append((time.perf_counter() - t0) * 1000)
        else:
            lost += 1
            reset = getattr(port, "reset_input_buffer", None)
            if callable(reset):
                reset()
        if progress is not None:
            progress(0.8 + 0.2 * (i + 1) / count)
    return samples, lost


def run_link_test(port: str | serial.SerialBase, *, baudrate: int = 115200,
                  nbytes: int = 65536, pattern: str = "prbs9", probes: int = 100,
                  probe_size: int = 8, chunk: int = 256, progress: Progress | None = None,
                  idle_timeout: float | None = None) -> LinkTestResult:
    """Send ``nbytes`` of the pattern through a looped-back port and measure what returns.

    Reading stops when everything came back or nothing arrived for ``idle_timeout``
    seconds (default: 1 s or the time 20 chunks take at the baud rate, if longer).
    """
    data = prbs_bytes(pattern, nbytes)
    name = port if isinstance(port, str) else str(getattr(port, "port", None) or "port")
    own = isinstance(port, str)
    ser = open_port(port, baudrate, timeout=0.1) if isinstance(port, str) else port
    result = LinkTestResult(port=name, pattern=pattern, baudrate=baudrate)
    t_start = time.perf_counter()
    try:
        counters_before = read_line_counters(ser)
        ser.reset_input_buffer()
        enforced, note = baud_enforced(name)
        ceiling = baudrate / 10.0
        expected = nbytes / ceiling if enforced else 0.0
        idle = idle_timeout if idle_timeout is not None else max(1.0, 20 * chunk / ceiling)
        received, elapsed, errors = _bulk(ser, data, chunk,
                                          time.perf_counter() + expected * 3 + 10.0, idle,
                                          progress)
        result.errors += errors
        compared = min(len(received), nbytes)
        diff = (int.from_bytes(data[:compared], "big")
                ^ int.from_bytes(received[:compared], "big")).bit_count()
        result.bytes_sent = nbytes
        result.bytes_received = len(received)
        result.bytes_lost = nbytes - compared
        result.bytes_extra = max(0, len(received) - nbytes)
        result.bits_compared = nbytes * 8
        result.bit_errors = diff + 8 * result.bytes_lost
        result.ber = result.bit_errors / result.bits_compared if nbytes else 0.0
        result.ber_upper_95, result.confidence = confidence_statement(result.bit_errors,
                                                                      result.bits_compared)
        result.throughput_bps = len(received) / elapsed
        result.ceiling_bps = ceiling
        result.ceiling_enforced = enforced
        result.throughput_note = note or (
            f"{100 * result.throughput_bps / ceiling:.0f}% of the 8N1 ceiling of "
            f"{ceiling:.0f} bytes/s")
        samples, lost = _probes(ser, probes, probe_size, max(1.0, 100 * probe_size / ceiling),
                                progress)
        result.probes_sent, result.probes_lost = probes, lost
        result.latency_ms = {"p50": percentile(samples, 50), "p95": percentile(samples, 95),
                             "p99": percentile(samples, 99),
                             "min": min(samples) if samples else None,
                             "max": max(samples) if samples else None}
        result.modem_lines = check_modem_lines(ser)
        counters_after = read_line_counters(ser)
        if isinstance(counters_before, dict) and isinstance(counters_after, dict):
            result.line_counters = {k: counters_after[k] - counters_before[k]
                                    for k in counters_after}
        else:
            result.line_counters = counters_after if isinstance(counters_after, str) \
                else NOT_SUPPORTED
    except (OSError, serial.SerialException) as exc:
        result.errors.append(str(exc))
    finally:
        if own:
            ser.close()
    result.duration_s = time.perf_counter() - t_start
    if progress is not None:
        progress(1.0)
    return result
