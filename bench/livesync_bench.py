"""Issue 11: a change seen by another workstation, PostgreSQL LISTEN vs the poll, p50/p99.

Workstation A creates incidents; workstation B (a second core on the same database) runs
its change watcher either woken by LISTEN/NOTIFY (``ChangeListener``) or on the runtime's
poll interval alone, as the runtime does when the listener is down and on SQLite. The
latency is from the start of A's create to B publishing the event, so it includes A's
write. Run alone: ``python -m bench.livesync_bench`` (needs the PostgreSQL server on
127.0.0.1:5432; SQLite rows run without it).
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.stats import Row, median, p99, table
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.events import DomainEvent, IncidentChanged
from meldkamer.runtime import CHANGES_INTERVAL_S
from meldkamer.services.changes import ChangeWatcher
from meldkamer.services.listen import ChangeListener
from meldkamer.store.db import Store

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SAMPLES = 60


def _measure(url: str, ref: Reference, listen: bool) -> list[float]:
    a = Meldkamer(Store(url), ref, user="bench-a")
    load_demo(a, incidents=False)
    b = Meldkamer(Store(url), ref, user="bench-b")
    watcher = ChangeWatcher(b)
    seen: dict[str, float] = {}
    arrived = threading.Event()

    def on(event: DomainEvent) -> None:
        if isinstance(event, IncidentChanged) and event.number not in seen:
            seen[event.number] = time.perf_counter()
            arrived.set()

    b.bus.subscribe(on)
    stop = threading.Event()
    listener = ChangeListener(url, watcher.poll).start() if listen else None
    if listener is not None:
        listener.wait_live(10)

    def poll() -> None:
        while not stop.wait(CHANGES_INTERVAL_S):
            watcher.poll()

    poller = None if listen else threading.Thread(target=poll, daemon=True)
    if poller is not None:
        poller.start()
    out = []
    try:
        for _ in range(SAMPLES):
            arrived.clear()
            t0 = time.perf_counter()
            number = a.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                        classification="BZ.INB.WON").number
            if not arrived.wait(10) or number not in seen:
                raise RuntimeError(f"{number} never reached the other workstation")
            out.append((seen[number] - t0) * 1000)
            time.sleep(0.05)  # not in phase with the poll
    finally:
        stop.set()
        if listener is not None:
            listener.stop()
        a.close()
        b.close()
    return out


def _pg_database() -> str | None:
    try:
        import psycopg

        name = f"mk_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(ADMIN, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception:
        return None


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def run(ref: Reference) -> list[Row]:
    rows: list[Row] = []

    def add(label: str, samples: list[float]) -> None:
        note = f"{len(samples)} changes, from the start of the write"
        rows.append(Row(f"change seen by another workstation, {label}", "p50",
                        median(samples), 1000.0, note))
        rows.append(Row(f"change seen by another workstation, {label}", "p99",
                        p99(samples), 1000.0))

    for listen, label in ((True, "PostgreSQL LISTEN"), (False, "PostgreSQL poll")):
        url = _pg_database()
        if url is None:
            break
        try:
            add(label, _measure(url, ref, listen))
        finally:
            _drop(url)
    with tempfile.TemporaryDirectory() as tmp:
        add("SQLite poll", _measure(str(Path(tmp) / "bench.sqlite3"), ref, False))
    return rows


if __name__ == "__main__":
    print(table(run(load_reference(None))))
