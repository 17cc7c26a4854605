"""Link test: PRBS patterns, confidence bounds, loop:// and a pty with an echo thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import serial

from hardware.linktest import (
    NOT_SUPPORTED,
    LinkTestResult,
    baud_enforced,
    confidence_statement,
    percentile,
    poisson_upper,
    prbs_bytes,
    run_link_test,
)
from hardware.ptys import PtyMaster


def bits_of(data: bytes) -> list[int]:
    return [(data[i >> 3] >> (i & 7)) & 1 for i in range(len(data) * 8)]


@pytest.mark.parametrize(("pattern", "order", "tap", "invert"), [
    ("prbs9", 9, 5, 0), ("prbs15", 15, 14, 1)])
def test_prbs_recurrence_and_period(pattern: str, order: int, tap: int, invert: int) -> None:
    period = (1 << order) - 1
    bits = [b ^ invert for b in bits_of(prbs_bytes(pattern, period // 8 * 2 + 8))]
    assert all(bits[k] == bits[k - order] ^ bits[k - tap] for k in range(order, len(bits)))
    assert sum(bits[:period]) == 1 << (order - 1)  # a maximal sequence: one more 1 than 0
    assert bits[period:2 * period] == bits[:period]
    assert prbs_bytes(pattern, 10) == prbs_bytes(pattern, 20)[:10]


def test_unknown_pattern() -> None:
    with pytest.raises(ValueError, match="prbs"):
        prbs_bytes("prbs7", 10)


def test_confidence_bounds() -> None:
    assert poisson_upper(0) == pytest.approx(2.9957, abs=1e-3)
    assert poisson_upper(1) == pytest.approx(4.7439, abs=1e-3)
    assert poisson_upper(10) == pytest.approx(16.962, abs=1e-2)
    assert poisson_upper(5000) == pytest.approx(5000 + 1.645 * 5000 ** 0.5, rel=0.01)
    upper, text = confidence_statement(0, 1_000_000)
    assert upper == pytest.approx(3e-6, rel=0.01) and "BER <" in text and "95%" in text
    upper, text = confidence_statement(4, 1_000_000)
    assert upper > 4e-6 and "4 errored bits" in text
    assert confidence_statement(0, 0)[0] == 1.0


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    samples = [float(i) for i in range(1, 101)]
    assert (percentile(samples, 50), percentile(samples, 95), percentile(samples, 99)) == (
        50.0, 95.0, 99.0)


def test_baud_enforcement_is_reported_honestly() -> None:
    assert baud_enforced("loop://")[0] is False
    assert baud_enforced("socket://127.0.0.1:7000")[0] is False
    assert baud_enforced("/dev/pts/3")[0] is False
    assert baud_enforced("/dev/ttyUSB0") == (True, "")


def test_loop_zero_errors_and_modem_lines() -> None:
    progress: list[float] = []
    result = run_link_test("loop://", nbytes=32768, pattern="prbs15", probes=50,
                           progress=progress.append)
    assert result.passed, result
    assert result.bit_errors == 0 and result.bytes_received == 32768
    assert "BER <" in result.confidence
    assert result.ber_upper_95 == pytest.approx(3 / (32768 * 8), rel=0.01)
    assert not result.ceiling_enforced and "not enforced" in result.throughput_note
    assert result.modem_lines["RTS->CTS"] == "follows"
    assert result.modem_lines["DTR->DSR"] == "follows"
    assert result.line_counters == NOT_SUPPORTED
    assert result.probes_lost == 0 and result.latency_ms["p99"] is not None
    assert progress == sorted(progress) and progress[-1] == 1.0
    json.dumps(result.to_dict())


@pytest.fixture
def echo_pty() -> Iterator[str]:
    master = PtyMaster.create(timeout=0.05)
    stop = threading.Event()

    def echo() -> None:
        while not stop.is_set():
            data = master.read(4096)
            if data:
                master.write(data)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    assert master.slave_path is not None
    yield master.slave_path
    stop.set()
    thread.join(2)
    master.close()


def test_pty_with_echo_thread(echo_pty: str) -> None:
    result = run_link_test(echo_pty, nbytes=65536, pattern="prbs9", probes=30)
    assert result.passed, result
    assert result.bit_errors == 0
    assert not result.ceiling_enforced and "pty" in result.throughput_note
    assert all(v.startswith(NOT_SUPPORTED) for v in result.modem_lines.values())
    assert set(result.modem_lines) == {"RTS->CTS", "DTR->DSR", "DTR->CD"}
    assert isinstance(result.line_counters, str) and result.line_counters.startswith(
        NOT_SUPPORTED)


class FlakyLoop:
    """loop:// that flips one bit in every 1000th byte and loses the tail."""

    def __init__(self) -> None:
        self.port = serial.serial_for_url("loop://", timeout=0.05)
        self.count = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.port, name)

    def write(self, data: bytes) -> int:
        out = bytearray(data)
        for i in range(len(out)):
            self.count += 1
            if self.count % 1000 == 0:
                out[i] ^= 0x10
        if self.count > 9000:
            out = out[: max(0, len(out) - (self.count - 9000))]
        self.port.write(bytes(out))
        return len(data)


def test_errors_and_losses_are_counted() -> None:
    port = FlakyLoop()
    result = run_link_test(port, nbytes=10000, probes=0,
                           idle_timeout=0.2)
    assert isinstance(result, LinkTestResult)
    assert result.bytes_lost == 1000
    assert result.bit_errors == 9 + 8 * 1000
    assert not result.passed
    assert "errored bits" in result.confidence
    assert result.ber_upper_95 > result.ber > 0
