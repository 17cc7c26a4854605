"""Issue 11: ``audit verify`` of 100,000 events with replay, and the cost of a checkpoint.

The trail is written through the core's own write primitives (rows inserted, their
digests collected by ``audit_rows.collect``, each event sealed with its HMAC), many events
per commit so that making 100,000 of them takes a minute, not the hours the services
would take on a shared machine: one event in four opens an incident with a call, the
others add a log line to one of the last open incidents. Each event carries the digests
of what it wrote, as a service's would.

Run alone: ``python -m bench --only audit`` (PostgreSQL rows when 127.0.0.1:5432 answers).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.stats import Row, median, timed
from meldkamer.services import anchors, audit, audit_rows
from meldkamer.store.db import Store
from meldkamer.store.models import AuditEvent, Call, Incident, LogEntry

EVENTS = int(os.environ.get("MELDKAMER_BENCH_AUDIT_EVENTS", "100000"))
BUDGET_MS = 10_000 / 2  # issue 11: 200,000 events in 10 s, so 100,000 in 5 s
CHUNK = 2_000
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def fill(store: Store, events: int) -> None:
    """Write ``events`` audit events, each with the rows it wrote and their digests."""
    at = datetime(2026, 6, 1, tzinfo=UTC)
    open_ids: list[int] = []
    made = 0
    while made < events:
        with store.write() as session:
            conn = session.connection()
            head = audit.read_head(session)
            rows: list[dict[str, object]] = []
            for _ in range(min(CHUNK, events - made)):
                made += 1
                at += timedelta(seconds=7)
                if made % 4 == 1 or not open_ids:
                    inc = conn.execute(insert(Incident).returning(Incident.id), {
                        "number": f"BON-2026-{made:06d}", "island": "BO", "year": 2026,
                        "state": "open", "location_state": "unknown", "address": "Kaya 1",
                        "classification": "BZ.INB.WON", "priority": 2, "created_at": at,
                        "updated_at": at, "created_by": "bench", "version": 1,
                        "attention_noted": ""}).scalar_one()
                    conn.execute(insert(Call), {"incident_id": inc, "at": at,
                                                "caller_number": "+5997171234",
                                                "caller_name": "Bench", "taken_by": "bench"})
                    open_ids = [*open_ids[-20:], inc]
                    audit_rows.touch(session, [inc])
                    action, key = "incident.create", f"BON-2026-{made:06d}"
                else:
                    inc = open_ids[made % len(open_ids)]
                    line = conn.execute(insert(LogEntry).returning(LogEntry.id), {
                        "incident_id": inc, "at": at, "user": "bench", "kind": "note",
                        "text": f"note {made}"}).scalar_one()
                    audit_rows.added_lines(session, [line])
                    action, key = "incident.note", str(inc)
                head, row = audit.pending(head, at=at, user="bench", action=action,
                                          entity="incident", key=key,
                                          data={"source": {"kind": "operator"}})
                row["data"]["rows"] = audit_rows.collect(session)  # type: ignore[index]
                head = audit.seal([row])
                rows.append(row)
            audit.insert_events(session, rows)  # type: ignore[arg-type]
            audit.store_head(session, head)


def _measure(label: str, url: str) -> list[Row]:
    store = Store(url)
    try:
        t0 = time.perf_counter()
        fill(store, EVENTS)
        fill_s = time.perf_counter() - t0
        with store.read() as session:
            t0 = time.perf_counter()
            report = audit.verify(session)
            full_ms = (time.perf_counter() - t0) * 1000
            assert report.ok and report.events == EVENTS, report
            t0 = time.perf_counter()
            assert audit.verify(session, replay=False).ok
            chain_ms = (time.perf_counter() - t0) * 1000
            back = EVENTS - 100
            stored = session.execute(select(AuditEvent.hash)
                                     .where(AuditEvent.seq == back)).scalar_one()
            t0 = time.perf_counter()
            assert audit.verify(session, since=(back, stored)).ok
            cheap_ms = (time.perf_counter() - t0) * 1000
            facts = audit.facts(session)
        chain = facts["audit_chain_id"]
        point = [0]

        def append() -> None:
            point[0] += 1
            anchors.append(chain, seq=point[0], digest="0" * 64, workstation="bench",
                           keyed_from=1, reason="bench")

        append_ms = median(timed(append, 200))
    finally:
        store.dispose()
    note = f"{EVENTS:,} events (written in {fill_s:.0f} s)"
    return [
        Row(f"audit verify with replay ({label})", "once", full_ms, BUDGET_MS, note),
        Row(f"audit verify, chain and checkpoints only ({label})", "once", chain_ms, None,
            note),
        Row(f"scheduled verify from a checkpoint 100 events back ({label})", "once",
            cheap_ms, None),
        Row(f"checkpoint appended and fsynced ({label})", "median", append_ms, None),
    ]


def _pg_url() -> str | None:
    try:
        import psycopg

        name = f"mk_bench_audit_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception:  # no server here: the SQLite rows only
        return None


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as home:
        os.environ["MELDKAMER_CONFIG_DIR"] = str(Path(home) / "config")
        os.environ["MELDKAMER_DATA_DIR"] = str(Path(home) / "data")
        rows = _measure("SQLite", str(Path(home) / "bench.sqlite3"))
        url = _pg_url()
        if url is not None:
            try:
                rows += _measure("PostgreSQL", url)
            finally:
                _drop(url)
        return rows


if __name__ == "__main__":
    from bench.stats import table

    print(table(run()))
