"""The turnout of an existing incident in the detail dock: its slots, and F5 sending it again.

The situation of issue 9: the radio cleared every unit of an incident that is still open
(flagged ``unattended``), and the operator sends its turnout again from the detail dock,
by keyboard. Real widgets, a real event bridge, a real SQLite database; nothing reads the
database on the GUI thread (the guard of tests/ui/conftest.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from tests.ui.test_main_window import clipped
from tests.ui.test_workstation import Keyboard, open_window
from ui.bridge import EventBridge
from ui.docks.detail import DetailDock
from ui.ops import Operations

Key = Qt.Key
VESSEL = (12.30, -68.50)  # 9 km off Bonaire's west coast
KRALENDIJK = (12.15, -68.27)


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref, "centralist"))


@pytest.fixture
def dock(qtbot: QtBot, core: Meldkamer) -> Iterator[DetailDock]:
    """The detail dock on its own, following the core's events like the workstation's."""
    ops = Operations()
    bridge = EventBridge(core.bus)
    dock = DetailDock(core, ops)
    dock.follow(bridge)
    qtbot.addWidget(dock)
    dock.resize(900, 800)
    dock.show()
    dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock, timeout=5000)
    try:
        yield dock
    finally:
        ops.wait()
        bridge.close()


def cleared(core: Meldkamer, classification: str, lat: float,
            lon: float) -> tuple[str, tuple[str, ...]]:
    """An incident whose turnout went out and whose units the radio then all cleared."""
    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=lat, lon=lon,
                                       classification=classification).number
        sent = core.dispatch.dispatch_turnout(number, partial=True).dispatched
        for callsign in sent:
            core.units.set_status(callsign, "available_mobile", source="radio")
        clock, grace = core.clock, timedelta(seconds=60)  # flagged after a grace
        core.clock = lambda: clock() + grace  # type: ignore[method-assign]
        assert core.incidents.get(number).attention == ("unattended",)
    return number, sent


def busy_boat(core: Meldkamer) -> str:
    """K-101, Bonaire's only boat, on its way to a drifting vessel (priority 2)."""
    with db_allowed():
        other = core.incidents.create(caller_number="911", lat=12.10, lon=-68.28,
                                      classification="WZ.VAA.DRI").number
        core.dispatch.dispatch(other, ["K-101"])
    return other


def shown(qtbot: QtBot, dock: DetailDock, number: str) -> None:
    dock.load(number)
    qtbot.waitUntil(lambda: dock.incident is not None and dock.incident.number == number
                    and dock.turnout.proposals is not None, timeout=5000)


def incident(core: Meldkamer, number: str) -> IncidentView:
    with db_allowed():
        return core.incidents.get(number)


def active(core: Meldkamer, number: str) -> list[str]:
    return [a.callsign for a in incident(core, number).assignments if a.active]


def cells(dock: DetailDock, column: int) -> list[str]:
    table = dock.turnout.table
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_a_cleared_house_fire_shows_its_slots_and_f5_sends_them_again(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    number, sent = cleared(core, "BR.GEB.WON", *KRALENDIJK)
    needs = core.ref.classification("BR.GEB.WON").needs
    assert len(sent) == len(needs)
    shown(qtbot, dock, number)
    ps = dock.turnout.proposals
    assert ps is not None
    assert [s.state for s in ps.slots] == ["proposed"] * len(needs)
    assert dock.turnout.isVisible() and not dock.turnout.gaps.isVisible()
    assert cells(dock, 1)[:len(needs)] == list(ps.to_dispatch)
    assert "Attention: no unit (F7)" in dock.header.text()
    messages: list[str] = []
    dock.message.connect(messages.append)
    dock.log.setFocus()
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F5)
    qtbot.waitUntil(lambda: len(active(core, number)) == len(needs), timeout=5000)
    assert dock.turnout.dialog is None  # complete: nothing to ask
    assert sorted(active(core, number)) == sorted(ps.to_dispatch)
    qtbot.waitUntil(lambda: dock.turnout.proposals is not None and all(
        s.state == "assigned" for s in dock.turnout.proposals.slots), timeout=5000)
    # the table and the message follow the proposals on the next turns of the event loop
    qtbot.waitUntil(lambda: cells(dock, 0)[:len(needs)] == ["✓"] * len(needs), timeout=5000)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == [f"Turnout dispatched to {number}: {', '.join(ps.to_dispatch)}"]
    assert incident(core, number).attention == ()
    kb.press(Key.Key_F5)  # every slot is filled now: the core says so
    qtbot.waitUntil(lambda: dock.error.text() != "", timeout=5000)
    assert dock.error.text() == (f"every slot of the turnout of {number} is already filled; "
                                 "add more units by callsign")
    # extra units, one by one: the number keys in the list dispatch the alternatives
    extra = dock.turnout.table.callsigns()[0]
    dock.turnout.table.setFocus()
    kb.type("1")
    qtbot.waitUntil(lambda: extra in active(core, number), timeout=5000)
    # the message follows the stored dispatch on a later turn of the event loop
    qtbot.waitUntil(lambda: messages[-1] == f"{extra} dispatched", timeout=5000)


@pytest.mark.parametrize("answer", ["divert", "rest", "cancel"])
def test_with_k101_busy_the_sinking_vessel_asks_first(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock, answer: str) -> None:
    other = busy_boat(core)
    number, sent = cleared(core, "WZ.VAA.NOO", *VESSEL)
    ambulance = sent[0]
    shown(qtbot, dock, number)
    # the unfilled slot is prominent, with the unit that could be diverted and its time
    ps = dock.turnout.proposals
    assert ps is not None
    assert [(s.capability, s.state) for s in ps.slots] == [("boat", "unfilled"),
                                                           ("ambulance", "proposed")]
    assert dock.turnout.gaps.isVisible()
    assert re.search(rf"K-101 on {other} \(priority 2\) · ~\d+ min \(estimate\) · 29\.6 km",
                     dock.turnout.gaps.text())
    assert cells(dock, 1)[:2] == ["no unit", ps.to_dispatch[0]]
    qtbot.waitUntil(lambda: not dock.turnout.columns._timer.isActive(), timeout=5000)
    assert clipped(dock.turnout.table) == []  # whole columns; the long reason has a tooltip
    messages: list[str] = []
    dock.message.connect(messages.append)
    kb = Keyboard(qtbot)
    dock.units.setFocus()
    kb.press(Key.Key_F5)
    qtbot.waitUntil(lambda: dock.turnout.dialog is not None, timeout=5000)
    dialog = dock.turnout.dialog
    assert dialog is not None
    # Enter is the safe choice: help goes out, nothing is taken from another incident
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rest_button, timeout=5000)
    assert QApplication.activeModalWidget() is dialog
    assert dialog.windowTitle() == f"Turnout of {number} incomplete"
    assert [q.text() for q in dialog.lines] == [
        f"Boat: no unit available; divert K-101 from {other}?"]
    assert re.fullmatch(r"priority 2 · ~\d+ min · 29\.6 km", dialog.details[0].text())
    dock.send_turnout()  # asked once: F5 again (from the menu, say) does not ask again
    assert dock.turnout.dialog is dialog
    if answer == "divert":
        kb.press(Key.Key_D, Qt.KeyboardModifier.AltModifier)
    elif answer == "rest":
        kb.press(Key.Key_Return)
    else:
        kb.press(Key.Key_Escape)
    qtbot.waitUntil(lambda: dock.turnout.dialog is None and not dock.turnout.busy,
                    timeout=5000)
    qtbot.waitUntil(lambda: dock.ops.pending == 0, timeout=5000)
    with db_allowed():
        k101 = core.units.get("K-101").incident
    inc = incident(core, number)
    gap_lines = [e.text for e in inc.log if e.text.startswith("Turnout incomplete")]
    if answer == "cancel":
        assert active(core, number) == [] and k101 == other
        assert gap_lines == [f"Turnout incomplete: Boat: no unit available; K-101 busy on "
                             f"{other}"]  # from the first dispatch only
        assert messages == [f"Nothing dispatched to {number}"]
        return
    if answer == "divert":
        assert active(core, number) == [ps.to_dispatch[0], "K-101"] and k101 == number
        assert len(gap_lines) == 1  # nothing left unfilled this time
        assert messages == [f"Turnout dispatched to {number}: {ps.to_dispatch[0]}, K-101; "
                            "diverted: K-101"]
        assert any(e.text == f"K-101 taken away to {number}: no other unit available for Boat"
                   for e in incident(core, other).log)
    else:
        assert active(core, number) == [ps.to_dispatch[0]] and k101 == other
        assert len(gap_lines) == 2  # the log records the gap again
        assert messages == [f"Turnout dispatched to {number}: {ps.to_dispatch[0]}; "
                            "left unfilled: Boat"]
    assert ambulance.startswith("A-")
    qtbot.waitUntil(lambda: dock.incident is not None
                    and len([a for a in dock.incident.assignments if a.active])
                    == len(active(core, number)), timeout=5000)


def test_a_turnout_that_changed_while_asking_is_asked_about_again(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    busy_boat(core)
    number, _ = cleared(core, "WZ.VAA.NOO", *VESSEL)
    shown(qtbot, dock, number)
    kb = Keyboard(qtbot)
    dock.units.setFocus()
    kb.press(Key.Key_F5)
    qtbot.waitUntil(lambda: dock.turnout.dialog is not None, timeout=5000)
    first = dock.turnout.dialog
    assert first is not None
    ambulance = first.proposals.to_dispatch[0]
    with db_allowed():  # another operator sends that ambulance elsewhere meanwhile
        elsewhere = core.incidents.create(caller_number="112", lat=KRALENDIJK[0],
                                          lon=KRALENDIJK[1], classification="GZ.ACU.BOR")
        core.dispatch.dispatch(elsewhere.number, [ambulance])
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first.rest_button, timeout=5000)
    kb.press(Key.Key_Return)  # "send the rest": of a turnout that is no longer this one
    qtbot.waitUntil(lambda: dock.turnout.dialog not in (None, first), timeout=5000)
    again = dock.turnout.dialog
    assert again is not None and dock.turnout.busy
    assert again.windowTitle() == f"Turnout of {number} changed"
    assert active(core, number) == []  # nothing was sent
    instead = again.proposals.to_dispatch[0]
    assert instead != ambulance
    assert again.rest_label.text() == f"Sending the rest dispatches: {instead}"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is again.rest_button, timeout=5000)
    kb.press(Key.Key_Return)
    qtbot.waitUntil(lambda: active(core, number) == [instead] and not dock.turnout.busy,
                    timeout=5000)


def test_the_slots_follow_units_and_the_incidents_they_are_on(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    other = busy_boat(core)
    number, _ = cleared(core, "WZ.VAA.NOO", *VESSEL)
    shown(qtbot, dock, number)
    with db_allowed():
        core.incidents.change_priority(other, 1, "opvarenden in het water")
    qtbot.waitUntil(lambda: f"K-101 on {other} (priority 1)" in dock.turnout.gaps.text(),
                    timeout=5000)
    with db_allowed():
        core.units.set_status("K-101", "available_mobile", source="radio")
    qtbot.waitUntil(lambda: not dock.turnout.gaps.isVisible(), timeout=5000)
    ps = dock.turnout.proposals
    assert ps is not None and ps.slots[0].callsign == "K-101"
    assert cells(dock, 1)[0] == "K-101"


def test_many_unit_changes_ask_for_few_proposals(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, _ = cleared(core, "BR.GEB.WON", *KRALENDIJK)
    shown(qtbot, dock, number)
    asked: list[str] = []
    propose = core.dispatch.propose

    def counted(n: str) -> object:
        asked.append(n)
        return propose(n)

    monkeypatch.setattr(core.dispatch, "propose", counted)
    gate = threading.Event()
    dock.ops.run(gate.wait)  # the worker is busy: the changes pile up meanwhile
    for _ in range(20):
        dock.turnout.refresh()
    gate.set()
    qtbot.waitUntil(lambda: dock.ops.pending == 0, timeout=5000)
    assert asked == [number, number]  # the one asked, and one more for the rest


def test_gps_fixes_of_units_not_shown_and_other_islands_ask_for_no_proposal(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, _ = cleared(core, "BR.GEB.WON", *KRALENDIJK)
    shown(qtbot, dock, number)
    qtbot.waitUntil(lambda: "BO" in dock.turnout._islands, timeout=5000)
    ps = dock.turnout.proposals
    assert ps is not None and "P-131" not in {p.callsign for p in ps.proposals}
    asked: list[str] = []
    propose = core.dispatch.propose

    def counted(n: str) -> object:
        asked.append(n)
        return propose(n)

    monkeypatch.setattr(core.dispatch, "propose", counted)

    def after(step: object) -> list[str]:
        with db_allowed():
            step()  # type: ignore[operator]
        qtbot.waitUntil(lambda: dock.ops.pending == 0, timeout=5000)
        return list(asked)

    # a detective's GPS fix (not in the list), a Saba engine going out of service
    assert after(lambda: core.units.set_position("P-131", 12.16, -68.27)) == []
    assert after(lambda: core.units.set_status("B-301", "out_of_service",
                                               reason="test")) == []
    # a GPS fix of a unit the list shows, and a status on the island: a fresh proposal
    assert after(lambda: core.units.set_position(ps.to_dispatch[0], 12.16, -68.27)) == [
        number]
    assert after(lambda: core.units.set_status("P-131", "out_of_service",
                                               reason="test")) == [number, number]


@pytest.mark.parametrize("case", ["no class", "closed", "none selected"])
def test_f5_without_a_turnout_to_send_says_why(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock, case: str) -> None:
    messages: list[str] = []
    dock.message.connect(messages.append)
    if case == "none selected":
        dock.send_turnout()
        assert messages == ["Select an incident first (F3)"]
        return
    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=KRALENDIJK[0],
                                       lon=KRALENDIJK[1],
                                       classification=None if case == "no class"
                                       else "BR.GEB.WON").number
        if case == "closed":
            core.incidents.close(number, next(iter(core.ref.dispositions)))
    dock.load(number)
    qtbot.waitUntil(lambda: dock.incident is not None, timeout=5000)
    assert dock.turnout.isVisible() == (case == "no class")
    dock.log.setFocus()
    qtbot.keyClick(dock.log, Key.Key_F5)
    qtbot.waitUntil(lambda: dock.error.text() != "", timeout=5000)
    assert dock.error.text() == (
        f"{number} has no class yet, so no turnout: classify it or dispatch units by callsign"
        if case == "no class" else f"{number} is closed; open a new incident instead")
    assert active(core, number) == [] and dock.turnout.dialog is None


def test_in_the_workstation_f5_in_the_incident_list_and_the_menu_send_it(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path) -> None:
    number, _ = cleared(core, "BR.GEB.WON", *KRALENDIJK)
    win = open_window(qtbot, core, tmp_path)
    try:
        action = win.detail_dock.turnout_action
        menus = [m.menu() for m in win.menuBar().actions() if m.menu() is not None]
        assert any(action in menu.actions() for menu in menus)  # Call
        # F1 names where each F5 works: the call's at intake, this one in the list and detail
        assert set(dict(win.shortcut_list())["F5"].split("; ")) == {
            "Create and dispatch the turnout (Call intake)",
            "Dispatch the rest of the incident's turnout (Incident, Active incidents)"}
        kb = Keyboard(qtbot)
        kb.press(Key.Key_F3)
        assert kb.focus() is win.incidents_dock.view
        win.incidents_dock.select(number)
        qtbot.waitUntil(lambda: win.detail_dock.incident is not None
                        and win.detail_dock.turnout.proposals is not None, timeout=5000)
        kb.press(Key.Key_F5)
        needs = len(core.ref.classification("BR.GEB.WON").needs)
        qtbot.waitUntil(allowed(lambda: len(active(core, number)) == needs), timeout=5000)
        assert win.intake_dock.is_empty()  # the intake's F5 was not the one
        qtbot.waitUntil(lambda: win.detail_dock.turnout.proposals is not None and all(
            s.state == "assigned" for s in win.detail_dock.turnout.proposals.slots),
            timeout=5000)
        for callsign in active(core, number):
            with db_allowed():
                core.units.set_status(callsign, "available_mobile", source="radio")
        qtbot.waitUntil(lambda: win.detail_dock.turnout.proposals is not None and all(
            s.state == "proposed" for s in win.detail_dock.turnout.proposals.slots),
            timeout=5000)
        action.trigger()  # Call > Dispatch the rest of the incident's turnout
        qtbot.waitUntil(allowed(lambda: len(active(core, number)) == needs), timeout=5000)
    finally:
        win.ops.wait()


def test_an_operator_may_not_divert_a_busy_unit_and_a_supervisor_may(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    from meldkamer.roles import Actor, Role

    other = busy_boat(core)
    number, _sent = cleared(core, "WZ.VAA.NOO", *VESSEL)
    core.set_actor(Actor("jansen", Role.OPERATOR, core.workstation))  # as the login does
    shown(qtbot, dock, number)
    messages: list[str] = []
    dock.message.connect(messages.append)
    kb = Keyboard(qtbot)
    dock.units.setFocus()
    kb.press(Key.Key_F5)
    qtbot.waitUntil(lambda: dock.turnout.dialog is not None, timeout=5000)
    dialog = dock.turnout.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rest_button, timeout=5000)
    kb.press(Key.Key_D, Qt.KeyboardModifier.AltModifier)  # divert K-101: not an operator's
    qtbot.waitUntil(lambda: dock.error.text() != "" and not dock.turnout.busy, timeout=5000)
    text = dock.error.text()
    assert text.startswith("the role operator may not take a unit committed to another "
                           f"incident: K-101 is committed to {other}; a supervisor may")
    assert messages == [text]
    assert active(core, number) == []  # nothing sent, not even the rest
    with db_allowed():
        assert core.units.get("K-101").incident == other
    core.set_actor(Actor("sup", Role.SUPERVISOR, core.workstation))
    dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock, timeout=5000)
    dock.units.setFocus()
    kb.press(Key.Key_F5)
    qtbot.waitUntil(lambda: dock.turnout.dialog is not None, timeout=5000)
    dialog = dock.turnout.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rest_button, timeout=5000)
    kb.press(Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dock.turnout.busy, timeout=5000)
    qtbot.waitUntil(allowed(lambda: core.units.get("K-101").incident == number), timeout=5000)
    assert "K-101" in active(core, number)
