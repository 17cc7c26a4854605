"""Issue 2 budgets: service calls with an empty history and with 100,000 incidents."""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import history
from bench.stats import Row, median, p95, timed
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store

RESULTS = Path(__file__).parent / "results"
REPEAT = 200
ACTIVE = 25  # open incidents during a busy shift
FTS_QUERIES = ["kaya grandi", "blauwe pick", "P-103 ter plaatse", "inbraak woning", "duiker",
               "hond geit", "geluid ruzie", "ongeval letsel", "Kaya Korona 7", "storm boom",
               "vuur rook", "portemonnee tas", "+599 712", "gealarmeerd", "scoot"]


def _ops(core: Meldkamer, label: str) -> list[Row]:
    """Create, dispatch, status change and list, each through the real services."""
    bo_units = [u.callsign for u in core.units.list_units(island="BO")
                if "patrol_car" in u.capabilities or "ambulance" in u.capabilities]
    numbers: list[str] = []

    def create() -> None:
        inc = core.incidents.create(caller_number="+599 717 1234", lat=12.15, lon=-68.27,
                                    address="Kaya Grandi 12", classification="BZ.INB.WON")
        numbers.append(inc.number)

    create_ms = timed(create, REPEAT)
    dispatch_ms: list[float] = []
    status_ms: list[float] = []
    units = itertools.cycle(bo_units)
    for number in numbers:
        unit = next(units)
        t0 = time.perf_counter()
        core.dispatch.dispatch(number, [unit])
        dispatch_ms.append((time.perf_counter() - t0) * 1000)
        for status in ("en_route", "available_mobile"):  # a move, then clearing the unit
            t0 = time.perf_counter()
            core.units.set_status(unit, status)
            status_ms.append((time.perf_counter() - t0) * 1000)
    for number in numbers[ACTIVE:]:
        core.incidents.close(number, "HANDLED")
    list_ms = timed(lambda: core.incidents.list_incidents(active=True), REPEAT)
    assert len(core.incidents.list_incidents(active=True)) == ACTIVE
    # Their units were cleared: once the grace after a clear has passed, every active
    # incident is flagged, the list's worst case (the core's clock is moved past it).
    clock = core.clock
    grace = max(p.cleared_grace_s for p in core.ref.priorities.values())
    core.clock = lambda: clock() + timedelta(seconds=grace + 60)
    try:
        assert len(core.attention.flagged()) == ACTIVE
        ids_ms = timed(lambda: core.incidents.active_ids(), REPEAT)
        watch_ms = timed(core.attention.watch, REPEAT)
    finally:
        core.clock = clock
    return [
        Row(f"create incident ({label})", "median", median(create_ms), 5),
        Row(f"dispatch a unit ({label})", "median", median(dispatch_ms), 5),
        Row(f"change unit status ({label})", "median", median(status_ms), 5),
        Row(f"list {ACTIVE} active incidents ({label})", "median", median(list_ms), 10),
        Row(f"active ids, flagged first ({label})", "median", median(ids_ms), 5),
        Row(f"attention of {ACTIVE} active incidents ({label})", "median", median(watch_ms), 5),
    ]


def _fts(core: Meldkamer) -> Row:
    samples: list[float] = []
    for _ in range(10):
        for q in FTS_QUERIES:
            samples += timed(lambda q=q: core.incidents.search(q, limit=50), 1)
    return Row("full-text search, 1,000,000 log lines", "p95", p95(samples), 50,
               f"{len(samples)} queries")


def _help() -> Row:
    exe = Path(sys.executable).with_name("meldkamer")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "meldkamer", "--help"]
    subprocess.run(cmd, capture_output=True, check=True)
    samples = timed(lambda: subprocess.run(cmd, capture_output=True, check=True), 15)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from meldkamer.cli import build_parser; "
         "build_parser(); print('PySide6' in sys.modules, 'sqlalchemy' in sys.modules)"],
        capture_output=True, text=True, check=True).stdout.split()
    return Row("meldkamer --help, new process", "median", median(samples), 300,
               f"Qt imported: {probe[0]}, SQLAlchemy imported: {probe[1]}")


def _execute(core: Meldkamer) -> list[Row]:
    """What the one write path adds: its checks before a command runs, and a repeated id."""
    from meldkamer.commands import CreateIncident, base, permissions

    cmd = CreateIncident.build(core, caller_number="+599 717 1234", lat=12.15, lon=-68.27,
                               classification="BZ.INB.WON", note="x" * 200)

    def checks() -> None:
        permissions.check(core.actor.role, cmd.source_kind, cmd.name, training=core.training)
        base.check_values(cmd)

    check_ms = timed(checks, REPEAT * 5)
    core.execute(cmd)
    again_ms = timed(lambda: core.execute(cmd), REPEAT)
    return [Row("execute: role and field checks of a command (before it runs)", "p50",
                median(check_ms), None),
            Row("execute: a repeated command id returns the stored result (no write)", "p50",
                median(again_ms), None)]


def run(ref: Reference) -> list[Row]:
    RESULTS.mkdir(exist_ok=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.sqlite3"
        core = Meldkamer(Store(str(empty)), ref, user="bench")
        load_demo(core, incidents=False)
        empty_rows = _ops(core, "empty")
        execute_rows = _execute(core)
        core.close()
        print("building/reusing 100,000-incident history (first run takes a few minutes)...",
              file=sys.stderr)
        src = history.build(RESULTS / "history-100k.sqlite3", ref)
        big = history.copy(src, Path(tmp) / "big.sqlite3")
        core = Meldkamer(Store(str(big)), ref, user="bench")
        big_rows = _ops(core, "100k history")
        fts = _fts(core)
        t0 = time.perf_counter()
        verified = core.verify_audit()
        verify_ms = (time.perf_counter() - t0) * 1000
        core.close()
    for e, b in zip(empty_rows, big_rows, strict=True):
        ratio = b.value_ms / e.value_ms if e.value_ms else float("inf")
        b.note = f"x{ratio:.2f} of empty (budget x1.2: {'ok' if ratio <= 1.2 else 'OVER'})"
        rows += [e, b]
    rows += execute_rows
    rows.append(fts)
    rows.append(_help())
    rows.append(Row("audit verify, whole chain (100k history)", "once", verify_ms, None,
                    f"{verified.events} events, {'intact' if verified.ok else 'BROKEN'}"))
    return rows
