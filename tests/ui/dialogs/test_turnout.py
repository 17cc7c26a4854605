"""The F5 question about a turnout gap: who would be diverted, from where, how far away."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer import i18n
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import DivertCandidate, Proposal, ProposalSet, TurnoutSlot
from ui.dialogs.turnout import TurnoutChoice, TurnoutGapDialog, questions


def sinking(k101: DivertCandidate, number: str = "") -> ProposalSet:
    ambulance = Proposal("A-101", "ambulance", "ambulance", 1200.0, "available_station", "",
                         1, travel_s=120.0)
    return ProposalSet(number, "BO", "WZ.VAA.NOO", (ambulance,), ("boat",),
                       slots=(TurnoutSlot("boat", divert=(k101,), gap="busy"),
                              TurnoutSlot("ambulance", proposal=ambulance)))


def k101(**kw: object) -> DivertCandidate:
    fields: dict[str, object] = {"travel_s": 722.0, "routed": False} | kw
    return DivertCandidate("K-101", "coastguard", "en_route", "BON-2026-000007", 2, 29_600.0,
                           **fields)  # type: ignore[arg-type]


def test_the_question_gives_priority_minutes_and_distance(ref: Reference) -> None:
    ps = sinking(k101())
    assert questions(ref, ps, ps.suggested_diverts()) == [
        ("Boat: no unit available; divert K-101 from BON-2026-000007?",
         "priority 2 · ~12 min · 29.6 km")]
    routed = sinking(k101(routed=True))
    assert questions(ref, routed, routed.suggested_diverts())[0][1] == \
        "priority 2 · 12 min · 29.6 km"  # by road: no '~'
    unknown = sinking(k101(travel_s=None))
    assert questions(ref, unknown, unknown.suggested_diverts())[0][1] == \
        "priority 2 · travel time unknown · 29.6 km"
    i18n.set_language("nl")
    assert questions(ref, ps, ps.suggested_diverts())[0][1] == "prio 2 · ~12 min · 29.6 km"
    assert questions(ref, unknown, unknown.suggested_diverts())[0][1] == \
        "prio 2 · reistijd onbekend · 29.6 km"


def test_the_dialog_names_an_existing_incident_and_sends_the_rest_by_default(
        qtbot: QtBot, ref: Reference) -> None:
    ps = sinking(k101(), "BON-2026-000009")
    dialog = TurnoutGapDialog(None, ref, ps, ps.suggested_diverts())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Turnout of BON-2026-000009 incomplete"
    assert [d.text() for d in dialog.details] == ["priority 2 · ~12 min · 29.6 km"]
    assert dialog.rest_button.isDefault()
    dialog.rest_button.click()
    assert dialog.result() == TurnoutChoice.REST
    call = TurnoutGapDialog(None, ref, sinking(k101()), {})
    qtbot.addWidget(call)
    assert call.windowTitle() == "Turnout incomplete"  # a call not stored yet
    assert not call.divert_button.isVisibleTo(call)


def test_with_no_rest_to_send_enter_cancels(qtbot: QtBot, ref: Reference) -> None:
    boat = TurnoutSlot("boat", divert=(k101(),), gap="busy")
    nothing = ProposalSet("", "BO", "WZ.VAA.NOO", (), ("boat", "ambulance"),
                          slots=(boat, TurnoutSlot("ambulance", gap="out_of_service")))
    for diverts in (nothing.suggested_diverts(), {}):
        dialog = TurnoutGapDialog(None, ref, nothing, diverts)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.rest_button.isVisible() and not dialog.rest_label.isVisible()
        assert dialog.cancel_button.isDefault() and not dialog.rest_button.isDefault()
        assert dialog.divert_button.isVisible() == bool(diverts)
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        assert dialog.result() == TurnoutChoice.CANCEL


def test_asked_again_about_a_turnout_that_changed(qtbot: QtBot, ref: Reference) -> None:
    ambulance = Proposal("A-102", "ambulance", "ambulance", 900.0, "available_station", "",
                         1, travel_s=100.0)
    complete = ProposalSet("BON-2026-000009", "BO", "GZ.ACU.BOR", (ambulance,), (),
                           slots=(TurnoutSlot("ambulance", proposal=ambulance),))
    dialog = TurnoutGapDialog(None, ref, complete, {}, changed=True)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Turnout of BON-2026-000009 changed"
    assert dialog.lines == [] and dialog.rest_label.text() == "Sending dispatches: A-102"
    assert dialog.rest_button.text() == "&Send" and dialog.rest_button.isDefault()
    assert dialog.proposals is complete  # what the answer is about
    i18n.set_language("nl")
    dutch = TurnoutGapDialog(None, ref, sinking(k101()), {}, changed=True)
    qtbot.addWidget(dutch)
    assert dutch.windowTitle() == "Inzet veranderd"
    assert dutch.rest_label.text() == "Rest sturen alarmeert: A-101"
