"""The trainer's hand on a running engine: injects, and the clock on the runtime's scheduler."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput, MeldkamerError
from meldkamer.runtime import Runtime
from meldkamer.training import parse
from meldkamer.training.engine import CallRecord, Engine
from tests.fixtures import seed_tester
from tests.meldkamer.training.test_training import CALL, HEAD, FakeWall, tcore  # noqa: F401


def test_an_injected_call_rings_now(tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    wall = FakeWall()
    scenario = parse(HEAD + CALL, ref)
    engine = Engine(tcore, scenario, speed=1, wall=wall)
    rang: list[CallRecord] = []
    engine.listeners.append(rang.append)
    engine.start()
    wall.t += 20
    engine.tick()
    record = engine.inject_call(replace(scenario.calls[0], id="t1", at=999))
    assert rang == [record] and record.rang_at == pytest.approx(20)
    assert record.call.at == pytest.approx(20) and record in engine.ringing
    assert {"at": 20, "kind": "inject", "what": "call", "call": "t1"} in engine.log
    with pytest.raises(InvalidInput):  # the scenario's own id
        engine.inject_call(scenario.calls[0])
    engine.close()


def test_an_injected_status_and_outage(tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    engine = Engine(tcore, parse(HEAD + CALL, ref), speed=1, wall=FakeWall())
    engine.start()
    engine.inject_status("P-101", "on_scene")  # not from the station: refused, and noted
    assert tcore.units.get("P-101").status == "available_station"
    assert engine.log[-1]["kind"] == "refused" and engine.log[-1]["status"] == "on_scene"
    engine.inject_status("P-101", "out_of_service")
    assert tcore.units.get("P-101").status == "out_of_service"
    engine.inject_disturbance("radio_outage", 60)
    engine.inject_status("P-101", "available_mobile")
    assert tcore.units.get("P-101").status == "out_of_service"  # held
    assert engine.log[-1] == {"at": 0, "kind": "held", "unit": "P-101"}
    engine.jump(61)
    assert tcore.units.get("P-101").status == "available_mobile"
    with pytest.raises(MeldkamerError):
        engine.inject_status("X-999", "on_scene")
    with pytest.raises(InvalidInput):
        engine.inject_status("P-101", "flying")
    with pytest.raises(InvalidInput):
        engine.inject_disturbance("earthquake", 60)
    with pytest.raises(InvalidInput):
        engine.inject_disturbance("gateway_drop", 0)
    engine.close()


def test_the_runtime_scheduler_moves_the_clock(tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    """The engine runs as the runtime's ``training`` job; the wall clock is injected, the
    scheduler's interval is real (waited for, not slept on a fixed time)."""
    wall = FakeWall()
    engine = Engine(tcore, parse(HEAD + CALL, ref), speed=60, wall=wall)
    runtime = Runtime(tcore, watch=False).start()
    try:
        engine.attach(runtime, seconds=0.05)
        assert "training" in runtime.job_ids()
        engine.start()
        wall.t += 1.0  # 60 simulated seconds: the call at 00:01:00 comes due
        deadline = time.monotonic() + 10
        while not engine.records and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [r.call.id for r in engine.records] == ["c1"]
        engine.detach()
        assert "training" not in runtime.job_ids() and engine.paused
    finally:
        engine.close()
        runtime.scheduler and runtime.scheduler.shutdown(wait=True)
        runtime.scheduler = None


def test_a_headless_engine_is_not_attached(tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    engine = Engine(tcore, parse(HEAD + CALL, ref), speed=None)
    with pytest.raises(InvalidInput):
        engine.attach(Runtime(tcore, watch=False))


def test_the_engine_job_keeps_to_one_thread(tcore: Meldkamer, ref: Reference) -> None:  # noqa: F811
    """Listeners (an autopilot's intake session) are called on one thread, every tick."""
    calls = "".join(CALL.replace("c1", f"c{n}").replace('"00:01:00"', f'"00:0{n}:00"')
                    for n in range(1, 7))
    wall = FakeWall()
    engine = Engine(tcore, parse(HEAD + calls, ref), speed=60, wall=wall)
    threads: list[int] = []
    engine.listeners.append(lambda _record: threads.append(threading.get_ident()))
    runtime = Runtime(tcore, watch=False).start()
    try:
        engine.attach(runtime, seconds=0.02)
        engine.start()
        for n in range(1, 7):
            wall.t += 1.0  # one simulated minute: the next call
            deadline = time.monotonic() + 10
            while len(threads) < n and time.monotonic() < deadline:
                time.sleep(0.005)
        assert len(threads) == 6
        assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
        job = runtime.scheduler.get_job("training") if runtime.scheduler else None
        assert job is not None and job.executor == "training"
    finally:
        engine.detach()
        engine.close()
        runtime.scheduler and runtime.scheduler.shutdown(wait=True)
        runtime.scheduler = None


def test_scenario_run_in_real_time_rings_for_trainees(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, ref: Reference) -> None:
    """Not headless, ``scenario run`` plays on the runtime's scheduler and publishes on the
    training channel: a trainee's core on the same database sees the call ring."""
    import json

    from meldkamer.cli import main
    from meldkamer.store.db import Store
    from meldkamer.training.channel import TrainingCall, TrainingClock, TrainingTaken, recent

    db = tmp_path / "training.sqlite3"
    scenario = tmp_path / "one.toml"
    scenario.write_text(HEAD + CALL, encoding="utf-8")
    assert main(["--db", str(db), "scenario", "run", str(scenario), "--speed", "60",
                 "--autopilot"]) == 11  # a database of its own has no one to act as yet
    assert "user init" in capsys.readouterr().err
    seed_tester(str(db))  # the test supervisor's token logs the run in
    assert main(["--db", str(db), "scenario", "run", str(scenario), "--speed", "60",
                 "--autopilot", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == 100.0 and result["calls"] == 1
    trainee_core = Meldkamer(Store(str(db)), ref, user="trainee")
    try:
        # What a trainee's workstation on this database received over the change feed.
        events = recent(trainee_core)
        rang = [e.call for e in events if isinstance(e, TrainingCall)]
        taken = [e.call for e in events if isinstance(e, TrainingTaken)]
        clocks = [e for e in events if isinstance(e, TrainingClock)]
        assert rang == ["c1"] and taken == ["c1"]
        assert clocks and clocks[0].speed == 60
    finally:
        trainee_core.close()


def test_the_answer_time_is_reported_against_nfpa_1225(ref: Reference) -> None:
    """Calls answered within 15 s of ringing, as a share of the calls (not scored)."""
    from meldkamer.training.scoring import score_run

    scenario = parse(HEAD + CALL, ref)
    call = scenario.calls[0]
    records = [CallRecord(replace(call, id=f"q{n}"), rang_at=100.0, answered_at=100.0 + wait)
               for n, wait in enumerate((0.0, 15.0, 15.5, 40.0))]
    records.append(CallRecord(replace(call, id="never"), rang_at=100.0))  # never answered
    run = score_run(records)
    assert run.answered_in_time == pytest.approx(2 / 5)
    assert run.as_data()["answered_within_15s"] == 0.4
    assert score_run([]).answered_in_time == 1.0
