"""The training channel: an engine in one process rings a trainee in another.

Two cores on one SQLite training file, each with its own change watcher, polled by the
test (no sleeps): what the engine in A publishes reaches the trainee in B, and what the
trainee does in B comes back to A's records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import insert

from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import LocationCandidate
from meldkamer.domain.reference import Reference
from meldkamer.errors import Refused
from meldkamer.intake import IntakeSession
from meldkamer.services.changes import ChangeWatcher, latest_cursor
from meldkamer.store.db import Store
from meldkamer.store.models import ChangeEvent
from meldkamer.training import parse
from meldkamer.training.channel import (
    Trainee,
    TrainingCall,
    TrainingClock,
    publish,
    recent,
)
from meldkamer.training.engine import Engine
from meldkamer.training.scoring import POINTS, score_run
from tests.fixtures import open_core
from tests.meldkamer.training.test_training import HEAD, FakeWall, tcore, training_core  # noqa: F401

BURGLARY = """
[[call]]
id = "c1"
at = "00:01:00"
caller = "+599 555 1104"
name = "Fam. de Vries"
language = "nl"
place = "Belnem"
says = ["We komen thuis en de achterdeur is opengebroken.", "Ik hoor nog iets in de tuin."]
answers = { in_progress = "ja", persons_home = "ja", weapon = "onbekend" }
class = "BZ.INB.WON"
units = ["patrol_car", "patrol_car"]

[[call]]
id = "c2"
at = "00:02:00"
caller = "+599 555 9002"
place = "Dorp Antriol"
class = "BZ.VNM.VAN"
units = ["patrol_car"]
"""


class Pair:
    """The trainer's process (A, the engine) and the trainee's (B), one training file."""

    def __init__(self, url: str, ref: Reference) -> None:
        self.wall = FakeWall()
        self.a = training_core(url, ref)
        self.b = open_core(url, ref, user="trainee-b")
        self.watch_a, self.watch_b = ChangeWatcher(self.a), ChangeWatcher(self.b)
        self.scenario = parse(HEAD + BURGLARY, ref)
        self.engine = Engine(self.a, self.scenario, speed=1, wall=self.wall,
                             epoch=self.wall, publish=True)
        self.trainee = Trainee(self.b, wall=self.wall)

    def later(self, seconds: float) -> None:
        """The wall clock moves on; the engine ticks; both watchers poll."""
        self.wall.t += seconds
        self.engine.tick()
        self.poll()

    def poll(self) -> None:
        self.watch_b.poll()
        self.watch_a.poll()

    def close(self) -> None:
        self.engine.close()
        self.trainee.close()
        self.a.close()
        self.b.close()


@pytest.fixture
def pair(sqlite_url: str, ref: Reference) -> Iterator[Pair]:
    p = Pair(sqlite_url, ref)
    yield p
    p.close()


def belnem() -> LocationCandidate:
    return LocationCandidate("Belnem", "place", 12.0866, -68.2437, "BO", 1.0, "places")


def test_a_call_rings_in_the_other_process_and_is_scored(pair: Pair) -> None:
    engine, trainee, b = pair.engine, pair.trainee, pair.b
    engine.start()
    pair.poll()
    assert trainee.running and trainee.ringing == []
    pair.later(60)  # c1 rings at 1:00
    assert [c.id for c in trainee.ringing] == ["c1"]
    call = trainee.ringing[0]
    assert (call.caller, call.name, call.language) == ("+599 555 1104", "Fam. de Vries", "nl")
    assert call.says[0].startswith("We komen thuis") and call.answers["weapon"] == "onbekend"
    assert call.location == "Belnem" and call.rang_at == 60
    # B's core reads the scenario's time: its incidents carry it
    assert b.clock() == pair.scenario.start + timedelta(seconds=60)
    pair.later(5)
    assert trainee.waited(call) == 5
    session = IntakeSession(b, None)
    session.start()  # F2
    assert trainee.answer("c1", session) == call
    assert trainee.ringing == [] and trainee.answering == call
    session.set_caller(call.caller)
    pair.poll()
    record = engine.records[0]
    assert record.answered_at == 65 and record not in engine.ringing
    pair.later(10)
    session.set_location(belnem())
    session.set_classification("BZ.INB.WON")
    for qid, answer in call.answers.items():
        session.answer(qid, answer)
    pair.poll()
    assert record.classified_at == 75 and record.classification == "BZ.INB.WON"
    assert record.answered == {"in_progress", "persons_home", "weapon"}
    pair.later(20)
    outcome = session.create(turnout=True, partial=True)  # F5
    assert outcome is not None and not outcome.problem and len(outcome.dispatched) == 2
    assert trainee.answering is None
    pair.poll()
    assert record.incident == outcome.number and record.dispatched == outcome.dispatched
    assert record.done_at == record.dispatched_at == 95
    inc = b.incidents.get(outcome.number)
    assert inc.created_at == pair.scenario.start + timedelta(seconds=95)
    scored = score_run(engine.records).calls[0]
    assert scored.points == POINTS and scored.score == 100
    assert (scored.time_to_answer, scored.time_to_classify, scored.time_to_dispatch) == \
        (5, 10, 30)
    assert [e["kind"] for e in engine.log if e.get("call") == "c1"] == \
        ["ring", "answer", "incident"]


def test_the_trainees_clock_follows_pause_and_speed(pair: Pair) -> None:
    engine, b, start = pair.engine, pair.b, pair.scenario.start
    real = b.clock()
    assert abs((real - b.clock()).total_seconds()) < 5  # no run yet: the real time
    engine.start()
    pair.later(30)
    assert b.clock() == start + timedelta(seconds=30)
    engine.pause()
    pair.later(100)
    assert b.clock() == start + timedelta(seconds=30) and pair.trainee.clock is not None
    assert pair.trainee.clock.paused
    engine.resume()
    engine.set_speed(10)
    pair.later(3)
    assert b.clock() == start + timedelta(seconds=60)
    pair.wall.t += 1  # between the engine's ticks the trainee's clock runs on by itself
    assert b.clock() == start + timedelta(seconds=70)
    engine.jump(600)
    pair.poll()
    assert b.clock() == start + timedelta(seconds=600)
    engine.close()  # the run ends: the trainee's core has its own clock again
    pair.poll()
    assert not pair.trainee.running
    assert abs((b.clock() - real).total_seconds()) < 60


def test_a_call_taken_at_another_workstation_stops_ringing(pair: Pair, sqlite_url: str,
                                                           ref: Reference) -> None:
    c = open_core(sqlite_url, ref, user="trainee-c")
    watch_c = ChangeWatcher(c)
    other = Trainee(c, wall=pair.wall)
    try:
        pair.engine.start()
        pair.later(120)
        watch_c.poll()
        assert [x.id for x in other.ringing] == [x.id for x in pair.trainee.ringing] \
            == ["c1", "c2"]
        assert pair.trainee.oldest() is not None and pair.trainee.oldest().id == "c1"
        session = IntakeSession(pair.b, None)
        pair.trainee.answer("c1", session)
        watch_c.poll()
        assert [x.id for x in other.ringing] == ["c2"]
        # the other trainee answers it too late: the engine keeps the first one's
        late = IntakeSession(c, None)
        assert other.answer("c1", late) is None
        pair.poll()
        assert pair.engine.records[0].answered_at == 120
    finally:
        other.close()
        c.close()


def test_a_live_database_is_refused(sqlite_url: str, ref: Reference) -> None:
    live = Meldkamer(Store(sqlite_url), ref, user="live")
    try:
        with pytest.raises(Refused):
            Trainee(live)
        clock = TrainingClock(0, run="r", scenario="s", start="2026-06-11T19:00:00-04:00",
                              now=0.0, wall=0.0, speed=1.0, paused=False, ended=False)
        with pytest.raises(Refused):
            publish(live, clock)
    finally:
        live.close()


GARBAGE = [
    ("training.call", {"run": "RUN", "call": None}),  # fields missing
    ("training.call", {"run": "RUN", "call": "x1", "caller": "+599 555 1", "name": "",
                       "language": "nl", "location": "", "says": 5, "answers": {},
                       "rang_at": 1.0}),
    ("training.call", {"run": "RUN", "call": "x2", "caller": "+599 555 1", "name": "",
                       "language": "nl", "location": "", "says": [], "answers": {"a": 1},
                       "rang_at": "soon"}),
    ("training.clock", {"run": "RUN", "scenario": "s", "start": "yesterday", "now": -5,
                        "wall": "x", "speed": 1e9, "paused": "no", "ended": False}),
    ("training.taken", {"run": "RUN", "call": ["c1"], "by": 3, "user": "", "at": None}),
    ("training.nonsense", {"run": "RUN"}),
]


def test_garbage_on_the_channel_is_dropped(pair: Pair, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    pair.engine.start()
    pair.later(60)
    assert [c.id for c in pair.trainee.ringing] == ["c1"]
    clock_before = pair.trainee.clock
    # Rows another (broken or newer) process could have stored, as they are in the table.
    seq, _ = latest_cursor(pair.a)  # as if written with the last change
    with pair.a.store.write() as session:
        session.execute(insert(ChangeEvent), [
            {"seq": seq, "at": pair.a.clock(), "origin": "elsewhere", "type": t,
             "payload": {k: (pair.engine.run_id if v == "RUN" else v) for k, v in p.items()}}
            for t, p in GARBAGE])
    pair.poll()
    assert [c.id for c in pair.trainee.ringing] == ["c1"]
    assert pair.trainee.clock == clock_before
    assert pair.engine.records[0].answered_at is None
    assert any("dropped training.call" in r.message for r in caplog.records)
    # what comes after the garbage still arrives
    pair.later(60)
    assert [c.id for c in pair.trainee.ringing] == ["c1", "c2"]


def test_a_workstation_started_during_a_run_catches_up(pair: Pair, sqlite_url: str,
                                                       ref: Reference) -> None:
    pair.engine.start()
    pair.later(120)
    session = IntakeSession(pair.b, None)
    pair.trainee.answer("c1", session)
    late = open_core(sqlite_url, ref, user="late")
    trainee = Trainee(late, wall=pair.wall)
    try:
        assert trainee.clock is None
        trainee.catch_up(recent(late))
        assert trainee.running and [c.id for c in trainee.ringing] == ["c2"]
        assert late.clock() == pair.scenario.start + timedelta(seconds=120)
        # an older clock after a newer one changes nothing
        stale = next(e for e in recent(late) if isinstance(e, TrainingClock))
        pair.engine.pause()
        trainee.catch_up(recent(late))
        assert trainee.clock is not None and trainee.clock.paused
        trainee.catch_up([stale])
        assert trainee.clock.paused
        assert [e.call for e in recent(late) if isinstance(e, TrainingCall)] == ["c1", "c2"]
    finally:
        trainee.close()
        late.close()


def test_a_headless_run_publishes_nothing(pair: Pair, ref: Reference) -> None:
    from meldkamer.services.changes import count

    before = count(pair.a)
    engine = Engine(pair.a, parse(HEAD + BURGLARY, ref), speed=None)
    engine.run()
    engine.close()
    assert [e for e in recent(pair.a) if getattr(e, "run", "") == engine.run_id] == []
    assert count(pair.a) == before
    seen: list[None] = []
    observed = Engine(pair.a, parse(HEAD + BURGLARY, ref), speed=1, wall=pair.wall)
    observed.observers.append(lambda: seen.append(None))
    observed.start()
    observed.jump(120)
    assert len(seen) >= 2  # the calls rang: the console is told
    observed.close()


def test_one_process_engine_and_trainee_share_a_core(tcore: Meldkamer,  # noqa: F811
                                                    ref: Reference) -> None:
    """The trainer's window in the workstation: no change feed, the local bus only."""
    wall = FakeWall()
    trainee = Trainee(tcore, wall=wall)
    engine = Engine(tcore, parse(HEAD + BURGLARY, ref), speed=1, wall=wall, epoch=wall,
                    publish=True)
    try:
        engine.start()
        wall.t += 60
        engine.tick()
        assert [c.id for c in trainee.ringing] == ["c1"]
        session = IntakeSession(tcore, None)
        session.start()
        trainee.answer("c1", session)
        session.set_caller("+599 555 1104")
        session.set_location(belnem())
        session.set_classification("BZ.INB.WON")
        outcome = session.create(turnout=True, partial=True)
        assert outcome is not None and engine.records[0].incident == outcome.number
        assert engine.records[0].dispatched == outcome.dispatched
        # a call the engine's own listener takes (the autopilot) stops ringing here too
        engine.listeners.append(lambda record: engine.take(record, IntakeSession(tcore)))
        wall.t += 60
        engine.tick()
        assert engine.records[1].answered_at == 120 and trainee.ringing == []
    finally:
        engine.close()
        trainee.close()
    assert not trainee.running


def test_a_discarded_call_is_not_followed_into_the_next(tcore: Meldkamer,  # noqa: F811
                                                        ref: Reference) -> None:
    """One session takes call after call: a call let go leaves its record as it was."""
    wall = FakeWall()
    trainee = Trainee(tcore, wall=wall)
    engine = Engine(tcore, parse(HEAD + BURGLARY, ref), speed=1, wall=wall, epoch=wall,
                    publish=True)
    try:
        engine.start()
        engine.jump(120)
        session = IntakeSession(tcore, None)
        for call in ("c1", "c2"):
            session.start()
            trainee.answer(call, session)
            session.set_caller("+599 555 1104")
            session.set_location(belnem())
            session.set_classification("BZ.INB.WON")
            if call == "c1":
                session.discard()  # Esc: the caller is let go
                assert trainee.answering is None
        outcome = session.create(turnout=True, partial=True)
        assert outcome is not None
        first, second = engine.records
        assert first.answered_at == 120 and first.incident is None and first.dispatched == ()
        assert second.incident == outcome.number
        # the engine's own take() lets a discarded call go the same way
        engine.inject_call(replace(engine.scenario.calls[0], id="x1"))
        engine.inject_call(replace(engine.scenario.calls[0], id="x2"))
        x1, x2 = engine.records[-2:]
        for record in (x1, x2):
            session.start()
            engine.take(record, session)
            session.set_caller("+599 555 1104")
            session.set_location(belnem())
            session.set_classification("BZ.INB.WON")
            if record is x1:
                session.discard()
        done = session.create(turnout=True, partial=True)
        assert done is not None and x2.incident == done.number
        assert x1.incident is None and x1.classification == "BZ.INB.WON"
    finally:
        engine.close()
        trainee.close()


def test_an_engine_on_the_runtimes_scheduler_publishes(pair: Pair, ref: Reference) -> None:
    from meldkamer.runtime import Runtime

    engine = Engine(pair.a, parse(HEAD + BURGLARY, ref), speed=1, wall=pair.wall,
                    epoch=pair.wall)
    runtime = Runtime(pair.a).start()
    try:
        engine.attach(runtime)  # the channel opens with it
        assert "training" in runtime.job_ids()
        engine.start()
        pair.watch_b.poll()
        assert pair.trainee.clock is not None and pair.trainee.clock.run == engine.run_id
        engine.detach()
        pair.watch_b.poll()
        assert pair.trainee.clock.paused
    finally:
        engine.close()
        runtime.stop()
    pair.watch_b.poll()
    assert not pair.trainee.running
