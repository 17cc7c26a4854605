"""Training scenarios: the file format, the engine on an injected clock, the autopilot
through the intake session, scoring, and the CLI, on real SQLite training databases."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.lookup import LocationCandidate
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput, Refused
from meldkamer.intake import IntakeSession
from meldkamer.store.db import Store
from meldkamer.training import load, parse, play, shipped
from meldkamer.training.engine import CallRecord, Engine
from meldkamer.training.scenario import ScenarioError
from meldkamer.training.scoring import POINTS, score_run

HEAD = """format = 1

[scenario]
name = "test"
title = "Test"
islands = ["BO"]
start = 2026-06-11T19:00:00-04:00
seed = 5
"""

CALL = """
[[call]]
id = "c1"
at = "00:01:00"
caller = "+599 555 9001"
place = "Dorp Antriol"
class = "BZ.VNM.VAN"
units = ["patrol_car"]
"""


class FakeWall:
    """The wall clock, moved by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def training_core(url: str, ref: Reference) -> Meldkamer:
    store = Store(url)
    store.mark_training()
    core = Meldkamer(store, ref, user="trainee")
    load_demo(core, incidents=False)
    return core


@pytest.fixture
def tcore(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    core = training_core(sqlite_url, ref)
    yield core
    core.close()


def fresh(tmp_path: Path, sqlite_template: Path, name: str) -> str:
    path = tmp_path / f"{name}.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return str(path)


# -- the file format -------------------------------------------------------------------

def error_of(text: str, ref: Reference) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse(text, ref, name="x.toml")
    return caught.value


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_every_shipped_scenario_validates(ref: Reference) -> None:
    names = {load(p, ref).name for p in shipped()}
    assert {"quiet-evening-bonaire", "saba-medevac-statia-fire", "hurricane-night-bonaire",
            "pursuit-radio-outage"} <= names


def test_an_unknown_unit_is_refused_at_its_line(ref: Reference) -> None:
    text = HEAD + CALL + '\n[[event]]\nat = 300\nunit = "X-999"\nstatus = "en_route"\n'
    err = error_of(text, ref)
    assert (err.file, err.line, err.field) == ("x.toml", line_of(text, "X-999"),
                                               "event[0].unit")
    assert "X-999" in str(err) and "line" in str(err)
    assert err.exit_code == 2


def test_an_unknown_class_is_refused_at_its_line(ref: Reference) -> None:
    text = HEAD + CALL + CALL.replace("c1", "c2").replace("BZ.VNM.VAN", "XX.NOPE")
    err = error_of(text, ref)
    assert (err.line, err.field) == (line_of(text, "XX.NOPE"), "call[1].class")


@pytest.mark.parametrize(("change", "needle", "field"), [
    (('answers = {}', 'answers = { source = "nooit" }'), "nooit", "call[0].answers"),
    (('at = "00:01:00"', 'at = "soon"'), "soon", "call[0].at"),
    (('place = "Dorp Antriol"', 'place = "Atlantis"'), "Atlantis", "call[0].place"),
    (('units = ["patrol_car"]', 'units = ["tank"]'), "tank", "call[0].units"),
    (('caller = "+599 555 9001"', 'caller = "call me"'), "call me", "call[0].caller"),
    (('place = "Dorp Antriol"', 'place = "Windwardside"'), "Windwardside", "call[0].place"),
])
def test_bad_fields_name_their_line(ref: Reference, change: tuple[str, str], needle: str,
                                    field: str) -> None:
    call = CALL.replace("BZ.VNM.VAN", "OO.OVL.GEL").replace("units", "answers = {}\nunits")
    text = HEAD + call.replace(*change)
    err = error_of(text, ref)
    assert (err.line, err.field) == (line_of(text, needle), field)


def test_broken_toml_and_wrong_format_are_refused(ref: Reference) -> None:
    text = HEAD + CALL + "oops = = 1\n"
    assert error_of(text, ref).line == line_of(text, "oops")
    err = error_of(HEAD.replace("format = 1", "format = 2"), ref)
    assert (err.line, err.field) == (1, "format")


def test_a_bad_hurricane_template_is_refused_at_its_line(ref: Reference) -> None:
    path = next(p for p in shipped() if p.stem == "hurricane-night-bonaire")
    text = path.read_text(encoding="utf-8").replace('class = "GZ.LET.VAL"',
                                                    'class = "GZ.LET.NOPE"')
    err = error_of(text, ref)
    assert (err.line, err.field) == (line_of(text, "GZ.LET.NOPE"),
                                     "disturbance.template[2].class")


def test_the_hurricane_is_seeded(ref: Reference) -> None:
    path = next(p for p in shipped() if p.stem == "hurricane-night-bonaire")
    text = path.read_text(encoding="utf-8")
    one, two = parse(text, ref), parse(text, ref)
    other = parse(text.replace("seed = 2026", "seed = 2027"), ref)
    assert one.calls == two.calls and one.calls != other.calls
    assert len(one.calls) >= 150 and max(c.at for c in one.calls) <= 3 * 3600


# -- the engine ------------------------------------------------------------------------

def test_a_live_database_is_refused(sqlite_url: str, ref: Reference) -> None:
    core = Meldkamer(Store(sqlite_url), ref, user="trainee")
    try:
        with pytest.raises(Refused):
            Engine(core, parse(HEAD + CALL, ref))
    finally:
        core.close()


def test_speed_is_honoured_on_an_injected_clock(tcore: Meldkamer, ref: Reference) -> None:
    text = HEAD + CALL + CALL.replace("c1", "c2").replace('"00:01:00"', '"00:10:00"')
    wall = FakeWall()
    engine = Engine(tcore, parse(text, ref), speed=10, wall=wall)
    rang: list[CallRecord] = []
    engine.listeners.append(rang.append)
    engine.start()
    wall.t += 5.9  # 59 simulated seconds
    assert engine.tick() == 0 and engine.now == pytest.approx(59)
    wall.t += 0.1
    engine.tick()
    assert [r.call.id for r in rang] == ["c1"] and engine.now == pytest.approx(60)
    assert tcore.clock() == engine.sim_time()  # the core writes the scenario's time
    engine.pause()
    wall.t += 1000
    engine.tick()
    assert engine.now == pytest.approx(60)
    engine.resume()
    engine.set_speed(60)
    wall.t += 9
    engine.tick()
    assert engine.now == pytest.approx(600) and [r.call.id for r in rang] == ["c1", "c2"]
    with pytest.raises(InvalidInput):
        engine.set_speed(61)
    with pytest.raises(InvalidInput):
        engine.jump(10)
    engine.jump(700)
    assert engine.finished
    engine.close()


def test_same_scenario_and_seed_same_event_log(tmp_path: Path, sqlite_template: Path,
                                               ref: Reference) -> None:
    logs = []
    for name in ("quiet-evening-bonaire", "pursuit-radio-outage"):
        scenario = load(next(p for p in shipped() if p.stem == name), ref)
        runs = []
        for n in range(2):
            core = training_core(fresh(tmp_path, sqlite_template, f"{name}{n}"), ref)
            try:
                engine, _ = play(core, scenario)
                runs.append(engine.log)
            finally:
                core.close()
        assert runs[0] == runs[1] and runs[0]
        logs.append(runs[0])
    assert logs[0] != logs[1]


def test_a_radio_outage_holds_the_units_messages(tcore: Meldkamer, ref: Reference) -> None:
    scenario = load(next(p for p in shipped() if p.stem == "pursuit-radio-outage"), ref)
    engine, _ = play(tcore, scenario)
    held = [e for e in engine.log if e["kind"] == "held"]
    assert held == [{"at": 420, "kind": "held", "unit": "P-102"},
                    {"at": 600, "kind": "held", "unit": "P-101"}]
    arrived = [(e["unit"], e["status"]) for e in engine.log
               if e["kind"] == "status" and e["at"] == 720]  # when the outage ends
    assert arrived == [("P-102", "en_route"), ("P-101", "on_scene")]
    assert tcore.units.get("P-101").status == "on_scene"


def test_unit_events_are_written_as_the_scenario(tcore: Meldkamer, ref: Reference) -> None:
    scenario = load(next(p for p in shipped() if p.stem == "pursuit-radio-outage"), ref)
    play(tcore, scenario)
    from sqlalchemy import select

    from meldkamer.store.models import UnitStatusChange

    with tcore.store.read() as s:
        kinds = set(s.scalars(select(UnitStatusChange.source)))
    assert "scenario" in kinds


def test_statuses_can_take_the_radio_path_over_a_pty(tcore: Meldkamer, ref: Reference) -> None:
    """The simulator on a real pty pair, the PEI gateway, the radio worker: the statuses
    arrive as the simulator's, in the same order as written directly."""
    from sqlalchemy import select

    from meldkamer.store.models import UnitStatusChange

    scenario = load(next(p for p in shipped() if p.stem == "pursuit-radio-outage"), ref)
    engine, score = play(tcore, scenario, radio=True)
    assert score.score == 100.0
    by_radio = [(e["unit"], e["status"]) for e in engine.log if e.get("via") == "radio"]
    assert by_radio == [("P-101", "en_route"), ("P-102", "en_route"), ("P-101", "on_scene")]
    assert not [e for e in engine.log if e["kind"] == "refused"]
    with tcore.store.read() as s:
        sources = {(row.to_status, row.source) for row in s.scalars(select(UnitStatusChange))}
    assert ("on_scene", "simulator") in sources and ("en_route", "simulator") in sources


# -- autopilot and scoring -------------------------------------------------------------

@pytest.mark.parametrize("name", [p.stem for p in shipped()])
def test_the_autopilot_scores_100_on_every_shipped_scenario(
        name: str, tmp_path: Path, sqlite_template: Path, ref: Reference) -> None:
    scenario = load(next(p for p in shipped() if p.stem == name), ref)
    core = training_core(fresh(tmp_path, sqlite_template, name), ref)
    try:
        _, score = play(core, scenario)
        assert score.score == 100.0, [c.as_data() for c in score.calls if c.score < 100]
        assert len(score.calls) == len(scenario.calls)
        made = core.incidents.list_incidents(active=False, limit=10_000)
        duplicates = [c for c in scenario.calls if c.duplicate_of]
        # every call became an incident, but a duplicate is attached to its original's
        assert len(made) == len(scenario.calls) - len(duplicates)
    finally:
        core.close()


def trainee_call(core: Meldkamer, ref: Reference, *, cls: str, units: tuple[str, ...] = (),
                 late: float = 0.0) -> dict[str, float]:
    """A trainee takes the one call by hand through the intake session; its points."""
    wall = FakeWall()
    engine = Engine(core, parse(HEAD + CALL, ref), speed=1, wall=wall)
    rang: list[CallRecord] = []
    engine.listeners.append(rang.append)
    engine.start()
    engine.jump(60)
    session = IntakeSession(core, None)
    session.start()
    engine.take(rang[0], session)
    session.set_caller(rang[0].call.caller)
    session.set_location(LocationCandidate("Dorp Antriol", "place", 12.1663, -68.2704, "BO",
                                           1.0, "places"))
    session.set_classification(cls)
    engine.jump(60 + late)
    outcome = (session.create(units=units) if units else session.create(turnout=True))
    assert outcome is not None and not outcome.problem
    engine.close()
    return score_run(engine.records).calls[0].points


def test_the_right_call_scores_full_points(tcore: Meldkamer, ref: Reference) -> None:
    assert trainee_call(tcore, ref, cls="BZ.VNM.VAN") == POINTS


def test_a_wrong_class_loses_exactly_the_class_points(tcore: Meldkamer,
                                                       ref: Reference) -> None:
    # BZ.INB.AUT: same priority and turnout as the true class (BZ.VNM.VAN), no questions.
    assert ref.classifications["BZ.INB.AUT"].priority == \
        ref.classifications["BZ.VNM.VAN"].priority
    points = trainee_call(tcore, ref, cls="BZ.INB.AUT")
    assert points == {**POINTS, "class": 0.0}
    assert sum(points.values()) == 100 - POINTS["class"]


def test_a_wrong_unit_loses_exactly_the_unit_points(tcore: Meldkamer, ref: Reference) -> None:
    points = trainee_call(tcore, ref, cls="BZ.VNM.VAN", units=("A-101",))  # an ambulance
    assert points == {**POINTS, "units": 0.0}


def test_a_late_dispatch_loses_the_time_points(tcore: Meldkamer, ref: Reference) -> None:
    assert trainee_call(tcore, ref, cls="BZ.VNM.VAN", late=61) == {**POINTS, "on_time": 0.0}


DUPLICATE = CALL + """
[[call]]
id = "c2"
at = "00:03:00"
caller = "+599 555 9002"
place = "Dorp Antriol"
class = "BZ.VNM.VAN"
duplicate_of = "c1"
"""


@pytest.mark.parametrize("attach", [True, False])
def test_a_duplicate_scores_only_when_attached(tcore: Meldkamer, ref: Reference,
                                               attach: bool) -> None:
    engine = Engine(tcore, parse(HEAD + DUPLICATE, ref), speed=1, wall=FakeWall())
    rang: list[CallRecord] = []
    engine.listeners.append(rang.append)
    engine.start()
    session = IntakeSession(tcore, None)
    for record, at in zip((0, 1), (60, 180), strict=True):
        engine.jump(at)
        session.start()
        engine.take(rang[record], session)
        session.set_caller(rang[record].call.caller)
        session.set_location(LocationCandidate("Dorp Antriol", "place", 12.1663, -68.2704,
                                               "BO", 1.0, "places"))
        session.set_classification("BZ.VNM.VAN")
        if record == 1 and attach:
            assert [d.number for d in session.duplicates] == [rang[0].incident]
            session.attach_to()  # F9
        else:
            session.create(turnout=True)
    engine.close()
    run = score_run(engine.records)
    assert run.calls[0].score == 100.0
    assert run.calls[1].points == ({"duplicate": 85.0, "on_time": 15.0} if attach
                                   else {"duplicate": 0.0, "on_time": 0.0})
    assert run.as_data()["duplicates_recognised"] == (1 if attach else 0)


def test_a_duplicate_must_name_an_earlier_call(ref: Reference) -> None:
    text = HEAD + DUPLICATE.replace('duplicate_of = "c1"', 'duplicate_of = "c9"')
    err = error_of(text, ref)
    assert (err.line, err.field) == (line_of(text, "c9"), "call[1].duplicate_of")


def test_an_unanswered_call_scores_nothing(tcore: Meldkamer, ref: Reference) -> None:
    _, score = play(tcore, parse(HEAD + CALL, ref), autopilot=False)
    assert score.score == 0.0 and score.calls[0].time_to_answer is None


# -- the CLI and the live database -----------------------------------------------------

def test_cli_list_validate_and_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["scenario", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in listed} >= {"quiet-evening-bonaire", "hurricane-night-bonaire"}
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + CALL.replace("BZ.VNM.VAN", "XX.NOPE"), encoding="utf-8")
    assert main(["scenario", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"line {line_of(bad.read_text(), 'XX.NOPE')}" in err and "call[0].class" in err
    assert main(["scenario", "validate", "quiet-evening-bonaire"]) == 0
    capsys.readouterr()
    assert main(["scenario", "run", "saba-medevac-statia-fire", "--headless", "--autopilot",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == 100.0 and result["calls"] == 3


def test_nothing_from_a_training_run_reaches_the_live_database(
        capsys: pytest.CaptureFixture[str], ref: Reference) -> None:
    live = Meldkamer.open(user="centralist")
    try:
        load_demo(live, incidents=False)
        assert live.store.kind() == "live"
        training = Meldkamer.open(user="trainee", training=True)
        try:
            load_demo(training, incidents=False)
            scenario = load(next(p for p in shipped() if p.stem == "quiet-evening-bonaire"),
                            ref)
            _, score = play(training, scenario)
            assert score.score == 100.0
            assert len(training.incidents.list_incidents(active=False)) == 5  # 6 calls
        finally:
            training.close()
        assert main(["scenario", "run", "pursuit-radio-outage", "--headless",
                     "--autopilot", "--json"]) == 0
        capsys.readouterr()
        assert live.incidents.list_incidents(active=False) == []
        assert {u.status for u in live.units.list_units()} == {"available_station"}
    finally:
        live.close()


def test_from_db_turns_a_shift_into_a_scenario_without_its_callers(
        tmp_path: Path, sqlite_template: Path, ref: Reference,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A generated shift (the quiet evening, played by the autopilot) becomes a scenario
    that validates, replays to the same classes and unit types, and names no caller."""
    source = load(next(p for p in shipped() if p.stem == "quiet-evening-bonaire"), ref)
    url = fresh(tmp_path, sqlite_template, "shift")
    core = training_core(url, ref)
    try:
        engine, _ = play(core, source)
        went = {r.call.classification: sorted(c[0] for c in r.capabilities)
                for r in engine.records if not r.call.duplicate_of}
    finally:
        core.close()
    start = source.start.isoformat()
    end = (source.start + timedelta(hours=3)).isoformat()
    out = tmp_path / "recorded.toml"
    assert main(["scenario", "from-db", "--db", url, "--from", start, "--to", end,
                 "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["calls"] == len(source.calls)
    text = out.read_text(encoding="utf-8")
    for call in source.calls:
        assert call.caller not in text and (not call.name or call.name not in text)
        assert all(line not in text for line in call.says)
    recorded = load(out, ref)
    assert sum(1 for c in recorded.calls if c.duplicate_of) == 1
    replay = training_core(fresh(tmp_path, sqlite_template, "replay"), ref)
    try:
        engine, score = play(replay, recorded)
        again = {r.call.classification: sorted(c[0] for c in r.capabilities)
                 for r in engine.records if not r.call.duplicate_of}
    finally:
        replay.close()
    assert again == went and score.score == 100.0


def test_from_db_refuses_a_period_that_is_not_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "from-db", "--training", "--from", "2026-06-11T22:00-04:00",
                 "--to", "2026-06-11T19:00-04:00"]) == 2
    assert "is not after" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:  # argparse: no UTC offset
        main(["scenario", "from-db", "--from", "2026-06-11T19:00", "--to",
              "2026-06-11T22:00-04:00"])
    assert caught.value.code == 2
