"""Hardware budgets: PEI and NMEA decoding throughput, loopback link tests on loop:// and a pty."""

from __future__ import annotations

import threading

from bench.stats import Row, median, p95, timed
from hardware.linktest import run_link_test
from hardware.lip import encode_lip
from hardware.nmea import parse_nmea
from hardware.pei import PeiDecoder
from hardware.ptys import PtyMaster
from hardware.sds import encode_text
from hardware.transport import LineSplitter

REPEAT = 7
PEI_LINES = 100_000
NMEA_SENTENCES = 50_000


def _pei_lines() -> list[str]:
    """A busy shift's mix: statuses, LIP positions, texts, command results, call signalling."""
    lip = encode_lip(12.15, -68.27, speed_kmh=42, heading_deg=90)[0].hex().upper()
    text_hex, text_bits = encode_text("Ga naar Kaya Grandi 12, Kralendijk", 17)
    block = [
        "+CTSDSR: 13,1001,0,23401,0,16", "8004",
        "+CTSDSR: 12,1002,0,23401,0,84", lip,
        "+CTSDSR: 12,09011638300001003,1,23401,0,84", lip,
        "+CTSDSR: 12,1004,0,23401,0,104", "0201746573746D657373616765",
        "+CTSDSR: 12,1005,0,23401,0," + str(text_bits), text_hex,
        "+CTSDSR: 12,1006,0,23401,0,32", "82100011",
        "OK", "+CTCC: 1,1,1,0,0,1,1", "+CME ERROR: 35", "+CMGS: 0,4,17",
    ]
    return (block * (PEI_LINES // len(block) + 1))[:PEI_LINES]


def _pei_decode(lines: list[str]) -> None:
    decoder = PeiDecoder()
    feed = decoder.feed
    for line in lines:
        feed(line, 0.0)


def _pei_bytes(data: bytes) -> None:
    splitter = LineSplitter()
    decoder = PeiDecoder()
    for i in range(0, len(data), 4096):
        for line in splitter.feed(data[i:i + 4096]):
            decoder.feed(line, 0.0)


def _nmea_sentences() -> list[str]:
    block = ["$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A",
             "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"]
    return block * (NMEA_SENTENCES // 2)


def _decoding() -> list[Row]:
    lines = _pei_lines()
    samples = timed(lambda: _pei_decode(lines), REPEAT)
    rate = PEI_LINES / (median(samples) / 1000)
    rows = [Row("PEI decode, 100k lines (PeiDecoder)", "median", median(samples), 1000,
                f"{rate:,.0f} lines/s (budget >= 100,000); p95 {p95(samples):.0f} ms")]
    data = "".join(line + "\r\n" for line in lines).encode()
    samples = timed(lambda: _pei_bytes(data), REPEAT)
    rate = PEI_LINES / (median(samples) / 1000)
    rows.append(Row("PEI bytes -> messages, 100k lines", "median", median(samples), 1000,
                    f"{rate:,.0f} lines/s incl. line splitting"))
    sentences = _nmea_sentences()
    samples = timed(lambda: [parse_nmea(s) for s in sentences], REPEAT)
    rate = NMEA_SENTENCES / (median(samples) / 1000)
    rows.append(Row("NMEA decode, 50k RMC/GGA", "median", median(samples), 1000,
                    f"{rate:,.0f} sentences/s (budget >= 50,000); p95 {p95(samples):.0f} ms"))
    return rows


def _link_row(name: str, port: str) -> Row:
    result = run_link_test(port, nbytes=65536, pattern="prbs15", probes=200)
    latency = result.latency_ms
    note = (f"{result.throughput_bps / 1000:,.0f} kB/s, {result.bit_errors} bit errors, "
            f"{result.bytes_lost} lost; latency p50 {latency.get('p50') or 0:.3f} ms, "
            f"p99 {latency.get('p99') or 0:.3f} ms; {result.throughput_note}")
    return Row(name, "run", result.duration_s * 1000, None, note)


def _pty_link_row() -> Row:
    master = PtyMaster.create(timeout=0.05)
    stop = threading.Event()

    def echo() -> None:
        while not stop.is_set():
            data = master.read(4096)
            if data:
                master.write(data)

    thread = threading.Thread(target=echo, name="bench-echo", daemon=True)
    thread.start()
    try:
        assert master.slave_path is not None
        return _link_row("link test 64 KiB PRBS15, pty + echo", master.slave_path)
    finally:
        stop.set()
        thread.join(2.0)
        master.close()


def run() -> list[Row]:
    """Every hardware benchmark row."""
    return [*_decoding(), _link_row("link test 64 KiB PRBS15, loop://", "loop://"),
            _pty_link_row()]


if __name__ == "__main__":
    from bench.stats import table

    print(table(run()))
