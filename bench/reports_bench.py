"""KPI report over one year with 100,000 incidents (budget 2 s), SQLite and PostgreSQL.

The incidents and their response times (``incident_response``) go into a fresh, migrated
database with bulk inserts; the figures are then computed as ``report kpi`` does, for the
whole year and all islands, with percentiles in the database.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.stats import Row, median, timed
from meldkamer.reports import kpi
from meldkamer.store.db import Store
from meldkamer.store.models import Incident, IncidentResponse

BUDGET_MS = 2000.0
INCIDENTS = 100_000
ISLANDS = ("BO", "BO", "BO", "BO", "SE", "SA")
DISCIPLINES = ("police", "ambulance", "fire")


def fill(store: Store, incidents: int = INCIDENTS, seed: int = 12) -> None:
    """A year (2026) of incidents, with one to two disciplines dispatched to most."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    span = 365 * 86400
    rows, responses = [], []
    # Numbers are handed out in time order, as in the control room: ids follow time.
    times = sorted(rng.randrange(span) for _ in range(incidents))
    for n, offset in enumerate(times, start=1):
        at = start + timedelta(seconds=offset)
        island = rng.choice(ISLANDS)
        priority = rng.choice((1, 2, 2, 3, 3, 3))
        rows.append(dict(id=n, number=f"{island}-2026-{n:06d}", island=island, year=2026,
                         state="closed", location_state="known", address="", priority=priority,
                         urgency="A1" if priority == 1 and rng.random() < 0.3 else None,
                         created_at=at, updated_at=at, created_by="bench",
                         disposition=rng.choice(("HANDLED", "HANDLED", "CANCELLED")),
                         duplicate_of_id=None, version=1, attention_noted=""))
        if rng.random() < 0.05:
            continue  # never dispatched: every interval missing
        for discipline in rng.sample(DISCIPLINES, rng.choice((1, 1, 2))):
            dispatched = at + timedelta(seconds=rng.uniform(15, 240))
            scene = (dispatched + timedelta(seconds=rng.uniform(120, 1800))
                     if rng.random() < 0.95 else None)
            responses.append(dict(
                incident_id=n, discipline=discipline, call_at=at, dispatched_at=dispatched,
                on_scene_at=scene, processing_seconds=(dispatched - at).total_seconds(),
                travel_seconds=None if scene is None else (scene - dispatched).total_seconds(),
                total_seconds=None if scene is None else (scene - at).total_seconds()))
    with store.write() as session:
        session.execute(insert(Incident.__table__), rows)
        session.execute(insert(IncidentResponse.__table__), responses)


def _measure(store: Store, label: str) -> list[Row]:
    targets = kpi.load_targets()

    def once() -> object:
        with store.read() as session:
            return kpi.compute(session, date(2026, 1, 1), date(2026, 12, 31),
                               targets=targets)

    report = once()
    samples = timed(once, 5)
    figures = len(report.figures)  # type: ignore[attr-defined]
    return [Row(f"reports: KPI one year, 100k incidents ({label})", "median",
                median(samples), BUDGET_MS, f"{figures} figure rows, 5 runs"),
            Row(f"reports: KPI one year, 100k incidents ({label})", "max", max(samples),
                None)]


def run() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="meldkamer-kpi-bench-") as tmp:
        store = Store(str(Path(tmp) / "kpi.sqlite3"))
        try:
            fill(store)
            rows += _measure(store, "SQLite")
        finally:
            store.dispose()
    from tests.fixtures import _pg_available, drop_pg_database, new_pg_database

    if _pg_available():
        url = new_pg_database()
        store = Store(url)
        try:
            fill(store)
            rows += _measure(store, "PostgreSQL")
        finally:
            store.dispose()
            drop_pg_database(url)
    else:
        rows.append(Row("reports: KPI on PostgreSQL", "skipped", 0.0, None,
                        "no server on 127.0.0.1:5432"))
    return rows


if __name__ == "__main__":
    from bench.stats import table

    print(table(run()))
