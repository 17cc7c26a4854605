"""The workstation runtime: scheduler jobs, status timers as core data, start and stop order."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.status_machine import timer_state
from meldkamer.events import DomainEvent, IncidentChanged, UnitTimerChanged
from meldkamer.runtime import AttentionWatch, Runtime, UnitTimers
from tests.fixtures import open_core


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_timer_state_flags_at_the_threshold_and_escalates_at_one_and_a_half(
        ref: Reference) -> None:
    since = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert ref.statuses["dispatched"].timer_minutes == 3
    assert timer_state(ref, "dispatched", since, since + timedelta(minutes=2)) == "ok"
    assert timer_state(ref, "dispatched", since, since + timedelta(minutes=3.1)) == "overdue"
    assert timer_state(ref, "dispatched", since, since + timedelta(minutes=4.4)) == "overdue"
    assert timer_state(ref, "dispatched", since, since + timedelta(minutes=4.6)) == "escalated"
    assert timer_state(ref, "available_station", since, since + timedelta(days=9)) == "none"


def test_unit_timers_publish_flag_escalation_and_clearing(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    clock = Clock(core.clock())
    core.clock = clock  # type: ignore[method-assign]
    inc = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                classification="BZ.INB.WON")
    core.dispatch.dispatch(inc.number, ["P-101"])
    timers = UnitTimers(core)
    seen: list[DomainEvent] = []
    core.bus.subscribe(seen.append)
    assert timers.check() == []  # the starting point is not news
    clock.now += timedelta(minutes=3, seconds=10)
    flagged = timers.check()
    assert [(e.callsign, e.state) for e in flagged] == [("P-101", "overdue")]
    assert timers.check() == []  # said once
    clock.now += timedelta(minutes=1, seconds=30)
    assert [(e.callsign, e.state) for e in timers.check()] == [("P-101", "escalated")]
    # the same flag is core data: the unit list (and so --json) shows it
    assert core.units.get("P-101").timer == "escalated"
    core.units.set_status("P-101", "en_route")
    assert [(e.callsign, e.state) for e in timers.check()] == [("P-101", "ok")]
    assert [e for e in seen if isinstance(e, UnitTimerChanged)] != []


def test_attention_watch_publishes_when_a_flag_rises_or_goes(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    clock = Clock(core.clock())
    core.clock = clock  # type: ignore[method-assign]
    seen: list[DomainEvent] = []
    core.bus.subscribe(seen.append)
    inc = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                classification="GZ.ACU.REA")
    watch = AttentionWatch(core)
    assert watch.check() == []  # the starting point is not news
    clock.now += timedelta(seconds=59)
    assert watch.check() == []
    clock.now += timedelta(seconds=2)
    risen = watch.check()
    assert [(e.number, e.codes) for e in risen] == [(inc.number, ("unattended",))]
    assert not risen[0].shared  # every workstation computes it from the store
    assert watch.check() == []  # said once
    # the watch logged it, as the system, with its own audit event and change
    line = core.incidents.get(inc.number).log[-1]
    assert line.kind == "attention" and line.source is not None
    assert line.source.kind == "system"
    assert any(isinstance(e, IncidentChanged) and e.action == "attention" for e in seen)
    core.attention.acknowledge(inc.number)
    assert [(e.number, e.codes) for e in watch.check()] == [(inc.number, ())]
    clock.now += timedelta(seconds=5)
    core.dispatch.dispatch(inc.number, ["A-101"])
    assert watch.check() == []
    clock.now += timedelta(minutes=3, seconds=1)  # dispatched for longer than its timer
    assert [(e.number, e.codes) for e in watch.check()] == [(inc.number, ("overdue",))]


def test_runtime_schedules_its_jobs_and_stops_in_order(sqlite_url: str,
                                                       ref: Reference) -> None:
    core = open_core(sqlite_url, ref)
    runtime = Runtime(core).start()
    try:
        assert runtime.job_ids() == ["attention", "audit-checkpoint", "audit-verify",
                                     "backup", "changes", "checkpoint", "prune-changes",
                                     "retention", "retention-start", "unit-timers"]
        with pytest.raises(RuntimeError):
            Runtime(core).add_job(lambda: None, "x", seconds=1)
    finally:
        assert runtime.stop() is True
    assert runtime.scheduler is None and not runtime.started


def test_runtime_change_feed_delivers_another_workstations_change(
        sqlite_url: str, ref: Reference) -> None:
    import threading

    core = open_core(sqlite_url, ref, user="een")
    other = open_core(sqlite_url, ref, user="twee")
    arrived = threading.Event()
    got: list[DomainEvent] = []

    def on(event: DomainEvent) -> None:
        if isinstance(event, IncidentChanged):
            got.append(event)
            arrived.set()

    core.bus.subscribe(on)
    with Runtime(core):
        inc = other.incidents.create(caller_number="911", lat=17.4830, lon=-62.9864)
        assert arrived.wait(10)
    assert got[0].number == inc.number
    other.close()


def test_a_failing_job_is_logged_and_keeps_its_schedule(sqlite_url: str, ref: Reference,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    import threading

    from meldkamer.errors import StoreError

    core = open_core(sqlite_url, ref)
    calls: list[int] = []
    twice = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) >= 2:
            twice.set()
        raise StoreError("cannot reach the database")

    with Runtime(core) as runtime:
        runtime.add_job(flaky, "flaky", seconds=0.05)
        assert twice.wait(10)
    assert any("flaky" in r.getMessage() for r in caplog.records)


def test_serve_runs_headless_and_prints_events(sqlite_url: str, tmp_path: Path) -> None:
    import os

    env = dict(os.environ, MELDKAMER_DB=sqlite_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "meldkamer", "serve", "--json", "--no-gateways", "--for", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None and proc.stdout is not None
        started = proc.stderr.readline()
        assert "runtime started" in started and "unit-timers" in started
        subprocess.run([sys.executable, "-m", "meldkamer", "incident", "create",
                        "--caller", "911", "--lat", "12.15", "--lon", "-68.27"],
                       env=env, check=True, capture_output=True)
        line = json.loads(proc.stdout.readline())
        assert line["type"] == "incident.changed" and line["number"].startswith("BON-")
    finally:
        proc.terminate()
        assert proc.wait(20) == 0


def test_unit_list_shows_the_same_timer_flags(sqlite_core: Meldkamer, sqlite_url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import update

    from meldkamer.cli import main
    from meldkamer.store.models import Unit

    core = sqlite_core
    inc = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                classification="BZ.INB.WON")
    core.dispatch.dispatch(inc.number, ["P-101"])
    with core.store.write() as session:  # dispatched ten minutes ago: well past 3 min
        session.execute(update(Unit).where(Unit.callsign == "P-101").values(
            status_since=core.clock() - timedelta(minutes=10)))
    assert main(["unit", "list", "--db", sqlite_url, "--json"]) == 0
    units = {u["callsign"]: u for u in json.loads(capsys.readouterr().out)}
    assert units["P-101"]["timer"] == "escalated"
    assert units["P-102"]["timer"] == "none"
    assert main(["unit", "list", "--db", sqlite_url]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("P-101"))
    assert " !!" in row


def test_runtime_backup_job_writes_a_private_rotated_backup(sqlite_url: str,
                                                            ref: Reference) -> None:
    import stat

    from meldkamer.store.backup import backup_dir, backups

    core = open_core(sqlite_url, ref)
    runtime = Runtime(core, watch=False).start()
    try:
        assert runtime.scheduler is not None
        job = runtime.scheduler.get_job("backup")
        job.func()  # the scheduled run, now rather than in an hour
    finally:
        runtime.stop()
    found = backups(backup_dir(), "meldkamer")
    assert len(found) == 1
    assert stat.S_IMODE(found[0][1].stat().st_mode) == 0o600
