"""The outage journal: how long journaling a command takes (fsynced), and replay speed.

1,000 pending commands (250 calls, each: create, a note, a class, a location) are
journaled, then replayed into a fresh database; exactly-once is checked by counting
incidents and command records, and by a second replay that must do nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.stats import Row, median, p95
from meldkamer.domain.reference import Reference

CALLS = 250  # four commands each: 1,000 pending commands


def _journal(ref: Reference, url: str, folder: Path) -> tuple[list[float], float, str]:
    """Per-command journaling times (ms), the replay's seconds, and the exactly-once check."""
    from meldkamer.commands import catalogue as c
    from meldkamer.core import Meldkamer
    from meldkamer.demo import load_demo
    from meldkamer.journal.outage import Outage
    from meldkamer.journal.store import JournalFile
    from meldkamer.store.db import Store
    from meldkamer.store.models import CommandRecord, Incident

    core = Meldkamer(Store(url), ref, user="bench")
    load_demo(core, incidents=False)
    journal = JournalFile(folder / "journal.sqlite3")
    outage = Outage.attach(core, journal)
    outage.down = True  # as after a failed write: kept commands go straight to the journal
    times: list[float] = []
    try:
        for n in range(CALLS):
            t0 = time.perf_counter()
            number = core.execute(c.CreateIncident.build(core, caller_number="717 1234",
                                                         island="BO")).number
            times.append((time.perf_counter() - t0) * 1000)
            for cmd in (c.AddNote.build(core, number=number, text=f"call {n}"),
                        c.Classify.build(core, number=number, code="BR.GEB.WON"),
                        c.Locate.build(core, number=number, address="Kaya Grandi 1")):
                t0 = time.perf_counter()
                core.execute(cmd)
                times.append((time.perf_counter() - t0) * 1000)
        pending = journal.count("pending")
        t0 = time.perf_counter()
        report = outage.replay()
        seconds = time.perf_counter() - t0
        again = outage.replay()
        with core.store.read() as s:
            incidents = s.scalar(select(func.count()).select_from(Incident))
            records = s.scalar(select(func.count()).select_from(CommandRecord))
        ok = (pending == 4 * CALLS and report.replayed == pending and again.replayed == 0
              and incidents == CALLS)
        check = (f"{report.replayed}/{pending} replayed, {incidents} incidents, "
                 f"{records} command records, second replay {again.replayed}: "
                 + ("exactly once" if ok else "NOT exactly once"))
        return times, seconds, check
    finally:
        journal.close()
        core.close()


def run(ref: Reference) -> list[Row]:
    from meldkamer.store.db import Store

    rows: list[Row] = []
    targets: list[tuple[str, str | None]] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        Store(str(path)).dispose()
        targets.append(("SQLite", str(path)))
        pg: str | None = None
        try:
            from tests.fixtures import new_pg_database

            pg = new_pg_database()
            targets.append(("PostgreSQL", pg))
        except Exception as exc:  # no server here: say so in the table
            rows.append(Row("journal replay (PostgreSQL)", "skipped", 0.0, None,
                            f"no PostgreSQL server: {type(exc).__name__}"))
        try:
            for name, url in targets:
                assert url is not None
                sub = Path(folder) / name
                sub.mkdir()
                times, seconds, check = _journal(ref, url, sub)
                rows.append(Row(f"journal a command ({name} away, fsynced)", "median",
                                median(times), None, f"p95 {p95(times):.2f} ms"))
                rows.append(Row(f"replay {4 * CALLS} journaled commands ({name})", "once",
                                seconds * 1000, None,
                                f"{4 * CALLS / seconds:.0f} commands/s; {check}"))
        finally:
            if pg is not None:
                from tests.fixtures import drop_pg_database

                drop_pg_database(pg)
    return rows
