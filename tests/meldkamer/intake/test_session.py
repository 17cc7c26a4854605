"""The intake session driven without Qt, against a real SQLite database with the demo roster.

These are the keyboard's steps (F2 to F5, F9, F10, Esc) as the dock, training's autopilot
and scripts take them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meldkamer import names
from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import LocationCandidate
from meldkamer.drafts import DraftJournal
from meldkamer.errors import InvalidInput, NotFound
from meldkamer.intake import IntakeSession, Part
from meldkamer.services.dispatch import TurnoutChanged

RINCON = (12.2376, -68.3306)
Job = tuple[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]]


class Worker:
    """A runner that holds jobs until told, like the ops worker under load."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def __call__(self, fetch: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[Exception], None]) -> None:
        self.jobs.append((fetch, on_done, on_error))

    def finish(self, *, newest_first: bool = False) -> None:
        """Run every queued job (and any they queue) and deliver the results."""
        while self.jobs:
            job = self.jobs.pop(-1 if newest_first else 0)
            fetch, done, failed = job
            try:
                result = fetch()
            except Exception as exc:
                failed(exc)
            else:
                done(result)


@pytest.fixture
def journal(tmp_path: Path) -> DraftJournal:
    return DraftJournal(tmp_path / "draft.json")


@pytest.fixture
def session(sqlite_core: Meldkamer, journal: DraftJournal) -> IntakeSession:
    return IntakeSession(sqlite_core, journal)


def take_burglary_at_rincon(session: IntakeSession, caller: str = "7171234") -> None:
    session.start()
    session.set_caller(caller)
    session.set_name("Marta")
    place = session.search_locations("rinc")[0]
    session.set_location(place)
    session.set_classification(session.search_classes("inbr wo")[0].cls)


def test_a_standard_call_from_f2_to_the_top_unit_dispatched(
        session: IntakeSession, sqlite_core: Meldkamer, journal: DraftJournal) -> None:
    seen: list[frozenset[Part]] = []
    session.subscribe(seen.append)
    assert session.start() is False  # nothing in progress
    session.set_caller("7171234")  # a local number: shown back in full
    assert session.form.caller == "+599 717 1234"
    assert session.history is not None and session.history.incidents == ()
    session.set_name("Marta")
    place = session.search_locations("rinc")[0]
    session.set_location(place)
    assert session.island == "BO" and session.nearby == ()
    match = session.search_classes("inbr wo")[0]
    session.set_classification(match.cls)
    assert session.form.classification == "BZ.INB.WON"
    assert session.form.priority == session.default_priority == match.cls.priority
    assert not session.needs_reason
    assert [q.id for q in session.questions][:1] == ["in_progress"]
    assert session.proposals is not None and session.proposals.island == "BO"
    top = session.top_unit
    assert top is not None and top == session.proposals.proposals[0].callsign
    saved = json.loads(journal.path.read_text(encoding="utf-8"))
    assert saved["caller"] == "+599 717 1234" and saved["classification"] == "BZ.INB.WON"
    assert saved["location"]["label"] == place.label

    session.answer("in_progress", "ja")
    outcome = session.create(dispatch_top=True)

    assert outcome is not None and outcome.dispatched == (top,) and not outcome.problem
    inc = sqlite_core.incidents.get(outcome.number)
    assert (inc.classification, inc.island, inc.address) == ("BZ.INB.WON", "BO", place.label)
    assert inc.calls[0].caller_number == "+5997171234" and inc.calls[0].caller_name == "Marta"
    assert [a.callsign for a in inc.assignments] == [top]
    assert any(e.kind == "questions"
               and names.log_text(sqlite_core.ref, e, "nl")
               == "Vragen: Is de dader nog ter plaatse? Ja" for e in inc.log)
    assert sqlite_core.units.get(top).status == "dispatched"
    assert session.is_empty() and session.outcome == outcome
    assert not journal.path.exists()
    assert any(Part.DONE in parts for parts in seen)
    assert sqlite_core.verify_audit().ok


def test_create_without_dispatching(session: IntakeSession, sqlite_core: Meldkamer) -> None:
    take_burglary_at_rincon(session)
    outcome = session.create()
    assert outcome is not None and outcome.dispatched == ()
    assert sqlite_core.incidents.get(outcome.number).assignments == ()


def test_a_refused_dispatch_still_creates_the_incident(session: IntakeSession,
                                                      sqlite_core: Meldkamer) -> None:
    take_burglary_at_rincon(session)
    statia = next(u.callsign for u in sqlite_core.units.list_units() if u.island == "SE")
    outcome = session.create(units=[statia])
    assert outcome is not None and outcome.problem and outcome.dispatched == ()
    assert sqlite_core.incidents.get(outcome.number).assignments == ()
    assert sqlite_core.units.get(statia).status != "dispatched"


def test_a_second_call_from_the_same_number_is_attached(
        session: IntakeSession, sqlite_core: Meldkamer, journal: DraftJournal) -> None:
    first = sqlite_core.incidents.create(caller_number="7175555", lat=RINCON[0], lon=RINCON[1],
                                         classification="BZ.INB.WON")
    session.set_caller("7175555")
    assert [d.number for d in session.duplicates] == [first.number]
    session.set_name("Jan")
    outcome = session.attach_to()
    assert outcome is not None and outcome.attached and outcome.number == first.number
    calls = sqlite_core.incidents.get(first.number).calls
    assert [c.caller_name for c in calls] == ["", "Jan"]
    assert len(sqlite_core.incidents.list_incidents(active=False)) == 1
    assert session.is_empty() and not journal.path.exists()


def test_continue_as_new_keeps_the_duplicate_away(session: IntakeSession,
                                                  sqlite_core: Meldkamer) -> None:
    first = sqlite_core.incidents.create(caller_number="7175555", lat=RINCON[0], lon=RINCON[1],
                                         classification="BZ.INB.WON")
    session.set_caller("7175555")
    assert session.duplicates
    session.continue_as_new()
    assert session.duplicates == ()
    session.set_location(session.search_locations("rinc")[0])  # close by, same caller
    assert first.number not in [d.number for d in session.duplicates]
    outcome = session.create()
    assert outcome is not None and outcome.number != first.number
    assert len(sqlite_core.incidents.list_incidents(active=True)) == 2


def test_attach_without_a_duplicate_is_a_clear_error(session: IntakeSession,
                                                     sqlite_core: Meldkamer) -> None:
    session.set_caller("7170000")
    assert session.attach_to() is None
    assert isinstance(session.error, InvalidInput)
    assert session.form.caller == "+599 717 0000"
    assert session.attach_to("BON-2026-999999") is None  # a script naming no incident
    assert isinstance(session.error, NotFound) and session.form.caller == "+599 717 0000"


def test_discard_forgets_the_call_and_its_draft(
        session: IntakeSession, sqlite_core: Meldkamer, journal: DraftJournal) -> None:
    take_burglary_at_rincon(session)
    assert journal.path.exists()
    assert session.discard() is True
    assert session.is_empty() and session.proposals is None and session.history is None
    assert not journal.path.exists()
    assert sqlite_core.incidents.list_incidents(active=False) == []
    assert session.discard() is False  # nothing left to discard


def test_a_call_in_progress_is_restored_after_a_crash(sqlite_core: Meldkamer,
                                                      journal: DraftJournal) -> None:
    before = IntakeSession(sqlite_core, journal)
    take_burglary_at_rincon(before, caller="7179999")
    before.set_priority(1, reason="kinderen alleen thuis")
    before.answer("in_progress", "ja")
    before.set_callback("7179998")
    del before  # as if the workstation went down: only the journal is left

    after = IntakeSession(sqlite_core, journal)
    assert after.recover() is True
    form = after.form
    assert (form.caller, form.name, form.callback) == ("+599 717 9999", "Marta", "7179998")
    assert form.location is not None and "Rincon" in form.location.label
    assert (form.classification, form.priority) == ("BZ.INB.WON", 1)
    assert after.needs_reason and form.priority_reason == "kinderen alleen thuis"
    assert after.answers == {"in_progress": "ja"}
    assert after.history is not None and after.proposals is not None  # asked again
    outcome = after.create()
    assert outcome is not None
    inc = sqlite_core.incidents.get(outcome.number)
    assert inc.priority == 1
    assert any("kinderen alleen thuis" in e.text for e in inc.log)


def test_a_draft_from_the_dock_before_the_session_restores(
        session: IntakeSession, journal: DraftJournal) -> None:
    journal.save({  # the format the intake dock wrote (no "note")
        "caller": "+599 717 4455", "name": "M. Martis", "callback": "",
        "location_text": "Dorp Rincon",
        "location": {"label": "Dorp Rincon", "kind": "town", "lat": 12.23762,
                     "lon": -68.33059, "island": "BO", "source": "places"},
        "classification": "BZ.INB.WON", "class_text": "BZ.INB.WON  Inbraak woning",
        "priority": 2, "reason": "", "answers": {"in_progress": "nee"},
    })
    assert session.recover() is True
    assert session.form.location_text == "Dorp Rincon"
    assert session.form.class_text == "BZ.INB.WON  Inbraak woning"
    assert session.answers == {"in_progress": "nee"} and session.form.note == ""


def test_a_damaged_draft_is_set_aside(session: IntakeSession, journal: DraftJournal) -> None:
    journal.save({"caller": "7171234", "location": {"label": "x", "lat": "north"}})
    assert session.recover() is False
    assert session.is_empty()
    moved = journal.rejected  # into rejected/ beside the journal, kept for a technician
    assert moved is not None and moved.parent == journal.path.parent / "rejected"
    assert moved.exists() and not journal.path.exists()
    assert session.recover() is None


def test_stale_lookup_results_are_dropped(sqlite_core: Meldkamer,
                                          journal: DraftJournal) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, journal, run=worker)
    session.prepare()
    worker.finish()
    session.set_location(session.search_locations("rinc")[0])
    session.set_classification("BR.GEB.WON")  # house fire
    session.set_classification("BZ.INB.WON")  # no: a burglary
    assert session.pending(Part.PROPOSALS) and session.top_unit is None
    worker.finish(newest_first=True)  # the older answer arrives last
    assert session.proposals is not None
    assert session.proposals.classification == "BZ.INB.WON"
    assert not session.pending(Part.PROPOSALS)

    fire = sqlite_core.dispatch.propose_at(island="BO", lat=None, lon=None,
                                           classification="BR.GEB.WON")
    old = session.revision(Part.PROPOSALS)
    assert old is not None and session.apply_proposals(fire, for_revision=old - 1) is False
    assert session.proposals.classification == "BZ.INB.WON"

    session.set_caller("7171234")  # asked, then the call is discarded before the answer
    session.discard()
    worker.finish()
    assert session.history is None and session.duplicates == ()


def test_f5_before_the_proposal_arrives_dispatches_nothing(sqlite_core: Meldkamer) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, run=worker)
    session.prepare()
    worker.finish()
    session.set_caller("7171234", lookup=False)
    session.set_location(session.search_locations("rinc")[0])
    session.set_classification("BZ.INB.WON")
    assert session.create(dispatch_top=True) is None
    assert isinstance(session.error, InvalidInput)
    worker.finish()
    assert session.top_unit is not None
    assert session.create(dispatch_top=True) is None  # queued on the worker: not yet done
    assert session.busy and session.create() is None  # a second F5 is ignored
    worker.finish()
    assert session.outcome is not None and session.outcome.dispatched
    assert len(sqlite_core.incidents.list_incidents(active=True)) == 1


def test_the_first_keystroke_never_waits_for_the_location_index(
        sqlite_core: Meldkamer) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, run=worker)
    seen: list[frozenset[Part]] = []
    session.subscribe(seen.append)
    session.prepare()
    assert session.search_locations("rinc") is None  # being built on the worker
    session.set_caller("7171234", lookup=False)
    session.discard()  # the index is not the call's: it stays on its way
    worker.finish()
    assert any(Part.SEARCH in parts for parts in seen)
    found = session.search_locations("rinc")
    assert found and found[0].island == "BO"


def test_a_location_search_that_finds_nothing_carries_why(session: IntakeSession) -> None:
    found = session.search_locations("kaya grandi 12")
    assert found is not None and not found
    assert found.note is not None and found.note.code == "no_street_data"
    assert "meldkamer maps import-osm" in str(found.note)
    nothing = session.search_locations("xyzzy")
    assert nothing is not None and nothing.note is not None and nothing.note.code == "not_found"
    rincon = session.search_locations("rinc")
    assert rincon is not None and rincon.note is None and rincon[0].label == "Dorp Rincon"


def test_a_map_click_sets_the_location_unless_creating(sqlite_core: Meldkamer) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, run=worker)
    assert session.locate_at(12.30, -68.40) is True
    assert session.locate_at(RINCON[0], RINCON[1]) is True  # a second click wins
    worker.finish(newest_first=True)
    loc = session.form.location
    assert loc is not None and loc.island == "BO" and loc.source == "map"
    assert abs(loc.lat - RINCON[0]) < 1e-9
    session.set_caller("7171234", lookup=False)
    session.create()
    assert session.busy and session.locate_at(12.30, -68.40) is False


def test_a_place_picked_after_a_map_click_wins(sqlite_core: Meldkamer) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, run=worker)
    session.prepare()
    worker.finish()
    session.locate_at(12.30, -68.40)
    picked = session.search_locations("rinc")[0]
    session.set_location(picked)
    worker.finish()  # the map's answer arrives after the pick
    assert session.form.location == picked


def test_bad_input_is_refused_and_nothing_is_lost(
        session: IntakeSession, sqlite_core: Meldkamer, journal: DraftJournal) -> None:
    take_burglary_at_rincon(session, caller="not a number")
    assert isinstance(session.caller_problem, InvalidInput) and session.history is None
    assert session.create() is None
    assert isinstance(session.error, InvalidInput) and "not a number" in str(session.error)
    assert sqlite_core.incidents.list_incidents(active=False) == []
    assert session.form.classification == "BZ.INB.WON" and not session.busy
    assert json.loads(journal.path.read_text(encoding="utf-8"))["caller"] == "not a number"

    before = session.form
    with pytest.raises(NotFound):
        session.set_classification("XX.NOPE")
    with pytest.raises(InvalidInput):
        session.set_priority(9)
    with pytest.raises(InvalidInput):
        session.set_location(LocationCandidate("sea", "map", 95.0, -68.0, None, 1.0, "map"))
    with pytest.raises(InvalidInput):
        session.answer("in_progress", "misschien")
    with pytest.raises(InvalidInput):
        session.answer("no_such_question", "ja")
    assert session.form == before

    session.set_priority(1)  # differs from the class: the service wants a reason
    assert session.needs_reason
    session.set_caller("7171234")
    assert session.create() is None and "give a reason" in str(session.error)
    session.set_priority_reason("wapen gezien")
    outcome = session.create()
    assert outcome is not None and sqlite_core.incidents.get(outcome.number).priority == 1


def test_typing_over_a_pick_undoes_it(session: IntakeSession) -> None:
    take_burglary_at_rincon(session)
    assert session.proposals is not None
    session.type_classification("brand")
    assert session.form.classification is None and session.proposals is None
    assert session.questions == () and session.top_unit is None
    session.type_location("kaya")
    assert session.form.location is None and session.nearby is None
    assert session.island == session.core.ref.home_island


def test_answers_to_shared_questions_survive_a_change_of_class(session: IntakeSession) -> None:
    session.set_classification("BR.GEB.WON")  # house fire
    session.answer("injured", "ja")
    session.answer("persons_inside", "nee")
    session.set_classification("BZ.OVV.WIN")  # no: a robbery, which also asks who is hurt
    assert session.answers == {"injured": "ja"}
    session.set_classification("BR.GEB.WON")
    assert session.answers == {"injured": "ja", "persons_inside": "nee"}
    session.answer("injured", "")
    assert session.answers == {"persons_inside": "nee"}


def test_only_its_own_thread_drives_a_session(session: IntakeSession) -> None:
    failures: list[BaseException] = []

    def elsewhere() -> None:
        try:
            session.set_name("Marta")
        except RuntimeError as exc:
            failures.append(exc)

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert len(failures) == 1 and "thread" in str(failures[0])


def test_a_script_without_a_journal(sqlite_core: Meldkamer) -> None:
    session = IntakeSession(sqlite_core)
    take_burglary_at_rincon(session)
    session.set_note("Melder belt vanaf de buren")
    outcome = session.create(dispatch_top=True)
    assert outcome is not None and outcome.dispatched
    log = sqlite_core.incidents.get(outcome.number).log
    assert any("Melder belt vanaf de buren" in e.text for e in log)


# -- F5: the whole turnout ---------------------------------------------------------------

KAYA_GRANDI = LocationCandidate("Kaya Grandi 12", "address", 12.15, -68.27, "BO", 100.0, "test")
SINKING = LocationCandidate("12.30000, -68.50000", "coordinate", 12.30, -68.50, None, 100.0,
                            "typed")


def take(session: IntakeSession, where: LocationCandidate, cls: str) -> None:
    session.start()
    session.set_caller("7171234")
    session.set_location(where)
    session.set_classification(cls)


def boat_busy(core: Meldkamer) -> str:
    other = core.incidents.create(caller_number="112", lat=12.10, lon=-68.28,
                                  classification="WZ.VAA.DRI").number
    core.dispatch.dispatch(other, ["K-101"])
    return other


def test_f5_sends_the_whole_turnout_of_a_house_fire(session: IntakeSession,
                                                   sqlite_core: Meldkamer) -> None:
    take(session, KAYA_GRANDI, "BR.GEB.WON")
    assert session.turnout_gaps() == ()
    planned = session.proposals.to_dispatch if session.proposals else ()
    assert len(planned) == len(sqlite_core.ref.classification("BR.GEB.WON").needs)
    outcome = session.create(turnout=True)
    assert outcome is not None and not outcome.problem and outcome.unfilled == ()
    assert outcome.dispatched == planned
    inc = sqlite_core.incidents.get(outcome.number)
    assert [a.callsign for a in inc.assignments] == list(planned)


@pytest.mark.parametrize("answer", ["rest", "divert"])
def test_a_gap_in_the_turnout_is_named_and_the_answer_is_followed(
        session: IntakeSession, sqlite_core: Meldkamer, answer: str) -> None:
    other = boat_busy(sqlite_core)
    take(session, SINKING, "WZ.VAA.NOO")
    assert session.island == "BO"  # outside the area: Bonaire answers
    gaps = session.turnout_gaps()
    assert [(g.capability, [d.callsign for d in g.divert]) for g in gaps] == [
        ("boat", ["K-101"])]
    assert gaps[0].divert[0].incident == other
    diverts = session.suggested_diverts()
    assert diverts == {"boat": ("K-101",)}
    if answer == "rest":
        outcome = session.create(turnout=True, partial=True)
        assert outcome is not None and outcome.unfilled == ("boat",)
        assert sqlite_core.units.get("K-101").incident == other
    else:
        outcome = session.create(turnout=True, partial=True, divert=diverts)
        assert outcome is not None and outcome.unfilled == () and outcome.diverted == ("K-101",)
        assert sqlite_core.units.get("K-101").incident == outcome.number
    assert not outcome.problem
    log = sqlite_core.incidents.get(outcome.number).log
    assert any(e.text.startswith("Turnout incomplete: Boat") for e in log) == (
        answer == "rest")


def test_a_gap_nobody_was_asked_about_sends_nothing(session: IntakeSession,
                                                   sqlite_core: Meldkamer) -> None:
    boat_busy(sqlite_core)
    take(session, SINKING, "WZ.VAA.NOO")
    outcome = session.create(turnout=True)  # not partial: the dock always asks first
    assert outcome is not None and "not complete" in outcome.problem
    assert sqlite_core.incidents.get(outcome.number).assignments == ()


def test_a_turnout_that_changed_after_the_question_stores_nothing_and_asks_again(
        session: IntakeSession, sqlite_core: Meldkamer) -> None:
    other = boat_busy(sqlite_core)
    take(session, SINKING, "WZ.VAA.NOO")
    shown = session.proposals
    assert shown is not None and [g.capability for g in shown.gaps] == ["boat"]
    seen: list[frozenset[Part]] = []
    session.subscribe(seen.append)
    for callsign in ("A-101", "A-102", "A-103"):  # meanwhile: no ambulance left
        sqlite_core.units.set_status(callsign, "out_of_service", reason="test")
    assert session.create(turnout=True, partial=True, confirmed=shown) is None
    assert isinstance(session.error, TurnoutChanged)
    assert Part.TURNOUT in seen[-1] and not session.busy
    # nothing stored, not even the incident: the call is still in the form
    assert [i.number for i in sqlite_core.incidents.list_incidents(active=True)] == [other]
    assert session.form.classification == "WZ.VAA.NOO" and session.outcome is None
    now = session.proposals
    assert now is not None and now.number == ""
    assert [g.capability for g in session.turnout_gaps()] == ["boat", "ambulance"]


def test_a_divert_whose_unit_became_available_is_sent_as_asked(
        session: IntakeSession, sqlite_core: Meldkamer) -> None:
    boat_busy(sqlite_core)
    take(session, SINKING, "WZ.VAA.NOO")
    shown, diverts = session.proposals, session.suggested_diverts()
    assert shown is not None and diverts == {"boat": ("K-101",)}
    sqlite_core.units.set_status("K-101", "available_mobile", source="radio")
    outcome = session.create(turnout=True, partial=True, divert=diverts, confirmed=shown)
    assert outcome is not None and not outcome.problem
    assert set(outcome.dispatched) == {shown.to_dispatch[0], "K-101"}
    assert outcome.unfilled == () and outcome.diverted == ()


def test_f5_names_what_is_really_missing(sqlite_core: Meldkamer) -> None:
    worker = Worker()
    session = IntakeSession(sqlite_core, None, run=worker)
    session.start()
    session.set_caller("7171234")
    assert session.create(turnout=True) is None
    assert "No class yet" in str(session.error)
    session.set_location(KAYA_GRANDI)
    session.set_classification("GZ.ACU.BOR")  # chest pain: one ambulance
    assert session.create(turnout=True) is None
    assert "still being worked out" in str(session.error)
    worker.finish()
    assert session.turnout_gaps() == ()
    for callsign in ("A-101", "A-102", "A-103"):
        sqlite_core.units.set_status(callsign, "out_of_service", reason="test")
    session.set_classification("GZ.ACU.BOR")
    worker.finish()
    assert [g.gap for g in session.turnout_gaps()] == ["out_of_service"]
    assert session.create(dispatch_top=True) is None
    assert str(session.error) == ("No available unit for this class on Bonaire: Ctrl+D "
                                  "dispatches a unit by callsign")
    assert "give a location" not in str(session.error)


def test_the_caller_number_is_shown_normalised(session: IntakeSession) -> None:
    seen: list[frozenset[Part]] = []
    session.subscribe(seen.append)
    session.set_caller("318 2333")  # Statia, typed locally
    assert session.form.caller == "+599 318 2333" and any(Part.FORM in p for p in seen)
    assert session.history is not None and session.history.number == "+5993182333"
    session.set_caller("0031 6 12345678")
    assert session.form.caller == "+31 6 12345678"
    session.set_caller("Anoniem")
    assert session.form.caller == "withheld" and session.caller_problem is None
    assert session.history is not None and session.history.number_state == "withheld"
    session.set_caller("")
    assert session.history is None and session.caller_problem is None


def test_a_wrong_number_is_said_in_dutch_until_it_is_put_right(
        session: IntakeSession, sqlite_core: Meldkamer) -> None:
    from meldkamer import i18n

    i18n.set_language("nl")
    session.set_caller("717 12345")
    problem = session.caller_problem
    assert isinstance(problem, InvalidInput)
    assert str(problem).startswith("nummer van de melder „717 12345” heeft 8 cijfers")
    session.set_caller("717 123", lookup=False)  # still wrong while typing: it stays
    assert session.caller_problem is problem
    session.set_caller("717 1234", lookup=False)  # right now: the line goes at once
    assert session.caller_problem is None
    session.set_caller("abc")
    assert "is geen telefoonnummer" in str(session.caller_problem)
    session.discard()
    assert session.caller_problem is None


def test_an_error_goes_once_the_call_changes(session: IntakeSession) -> None:
    session.set_caller("7171234")
    assert session.create(dispatch_top=True) is None  # no location, no class yet
    assert session.error is not None
    seen: list[frozenset[Part]] = []
    session.subscribe(seen.append)
    session.set_location(session.search_locations("rinc")[0])
    assert session.error is None and any(Part.ERROR in p for p in seen)
    session.set_classification("BZ.INB.WON")
    assert session.top_unit is not None and session.error is None
    with pytest.raises(InvalidInput) as refused:
        session.answer("in_progress", "misschien")
    session.report(refused.value)  # as the dock does with a refused step
    assert session.error is refused.value
    session.answer("in_progress", "ja")
    assert session.error is None


def test_after_a_priority_1_call_the_form_has_no_priority(
        session: IntakeSession, sqlite_core: Meldkamer) -> None:
    take_burglary_at_rincon(session)
    session.set_priority(1, reason="wapen gezien")
    outcome = session.create()
    assert outcome is not None and sqlite_core.incidents.get(outcome.number).priority == 1
    assert session.form.priority is None and session.form.priority_reason == ""
    assert not session.needs_reason and session.default_priority is None


def test_a_restored_draft_is_exactly_the_call_as_it_was(sqlite_core: Meldkamer,
                                                        journal: DraftJournal) -> None:
    before = IntakeSession(sqlite_core, journal)
    take_burglary_at_rincon(before, caller="416 3288")
    before.set_priority(3, reason="dader al weg")  # lower than the class implies
    before.answer("in_progress", "nee")
    before.answer("suspect_description", "rode pet")
    before.set_note("achterdeur open")
    before.set_callback("0031 6 12345678")
    taken = before.form
    del before

    after = IntakeSession(sqlite_core, journal)
    assert after.recover() is True
    assert after.form == taken
    assert (after.form.priority, after.form.priority_reason) == (3, "dader al weg")
    assert after.needs_reason and after.form.note == "achterdeur open"
    assert after.answers == {"in_progress": "nee", "suspect_description": "rode pet"}
