"""Faults: how long a silent or refusing PostgreSQL takes to become a plain error, and
how long an online backup of a 100k-incident SQLite database takes.

The database is cut with the tests' TCP proxy (``tests/tcpproxy.py``), never by stopping
the server. Skipped rows say why (no server reachable).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.stats import Row, median
from meldkamer.domain.reference import Reference
from meldkamer.errors import StoreError

RUNS = 3


def _detect(ref: Reference, mode: str) -> list[float]:
    """Milliseconds from a create on a pooled connection to its StoreError, per run."""
    from meldkamer.core import Meldkamer
    from meldkamer.store.db import Store, Timeouts
    from tests.fixtures import drop_pg_database, new_pg_database
    from tests.tcpproxy import TcpProxy

    url = new_pg_database()
    proxy = TcpProxy()
    core = Meldkamer(Store(proxy.url(url), timeouts=Timeouts()), ref, user="bench")
    out: list[float] = []
    try:
        for _ in range(RUNS):
            proxy.set_mode("pass")
            core.incidents.create(caller_number="717 1234", island="BO")
            proxy.set_mode(mode)
            t0 = time.perf_counter()
            try:
                core.incidents.create(caller_number="717 1234", island="BO")
            except StoreError:
                out.append((time.perf_counter() - t0) * 1000)
    finally:
        proxy.set_mode("pass")
        core.close()
        proxy.close()
        drop_pg_database(url)
    return out


def _backup(ref: Reference) -> tuple[float, int]:
    from bench.history import build
    from meldkamer.store.backup import backup

    home = Path(tempfile.gettempdir()) / "meldkamer-bench"
    home.mkdir(exist_ok=True)
    path = build(home / "history.sqlite3", ref, 100_000)
    with tempfile.TemporaryDirectory() as folder:
        result = backup(path, Path(folder))
        return result.seconds * 1000, result.bytes


def run(ref: Reference) -> list[Row]:
    rows: list[Row] = []
    try:
        for mode, budget in (("silent", 10_000.0), ("refuse", 1_000.0)):
            samples = _detect(ref, mode)
            rows.append(Row(f"PostgreSQL {mode}: create -> StoreError", "median",
                            median(samples), budget,
                            f"{len(samples)}/{RUNS} runs ended in a StoreError; "
                            "default timeouts (ping 2.5 s, connect 5 s)"))
    except Exception as exc:  # no server here: say so in the table
        rows.append(Row("PostgreSQL silent/refused detection", "skipped", 0.0, None,
                        f"no PostgreSQL server: {type(exc).__name__}"))
    ms, size = _backup(ref)
    rows.append(Row("online backup, 100k incidents (SQLite)", "once", ms, None,
                    f"{size / 1e6:.0f} MB"))
    return rows
