"""The intake dock by keyboard: it drives the session and shows what the session holds.

Before its location search is built, the first keystroke shows "loading" and never waits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from meldkamer import i18n, names
from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import LocationSearch
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from meldkamer.drafts import DraftJournal
from meldkamer.intake import Part
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from tests.ui.test_workstation import Keyboard, open_window
from ui.docks.intake import IntakeDock
from ui.main_window import MainWindow
from ui.ops import Operations

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, sqlite_url: str, ref: Reference,
           tmp_path: Path) -> Iterator[tuple[MainWindow, Meldkamer]]:
    for core in allowed_steps(demo_core(sqlite_url, ref, "centralist")):
        win = open_window(qtbot, core, tmp_path)
        yield win, core
        win.ops.wait()


def classify_burglary(kb: Keyboard, win: MainWindow) -> None:
    kb.press(Key.Key_F2)
    kb.type("7171234")
    win.intake_dock.class_edit.setFocus()
    kb.type("inbr wo")
    kb.press(Key.Key_Return)
    assert win.intake_dock.session.form.classification == "BZ.INB.WON"


def test_questions_answered_by_keyboard_reach_the_log(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    kb = Keyboard(qtbot)
    classify_burglary(kb, win)
    qtbot.waitUntil(lambda: win.intake_dock.questions.fields()[0].isVisible(), timeout=5000)
    kb.press(Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert kb.focus().objectName() == "question_in_progress"
    kb.type("y")  # the answers read in the operator's language (English here): Yes
    assert win.intake_dock.session.answers == {"in_progress": "ja"}
    kb.press(Key.Key_S, CTRL)
    qtbot.waitUntil(allowed(lambda: bool(core.incidents.list_incidents(active=True))),
                    timeout=5000)
    with db_allowed():
        inc = core.incidents.get(core.incidents.list_incidents(active=True)[0].number)
    assert any("Is de dader nog ter plaatse? Ja" in names.log_text(core.ref, e, "nl")
               for e in inc.log)
    qtbot.waitUntil(win.intake_dock.is_empty, timeout=5000)
    assert win.intake_dock.questions.fields() == []


def test_another_priority_asks_for_a_reason(qtbot: QtBot,
                                            window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    classify_burglary(kb, win)
    assert not intake.reason.isVisible()
    intake.priority.setFocus()
    kb.press(Key.Key_Up)  # priority 2 -> 1
    assert intake.session.form.priority == 1 and intake.session.needs_reason
    assert intake.reason.isVisible() and kb.focus() is intake.reason
    kb.type("wapen gezien")
    kb.press(Key.Key_S, CTRL)
    qtbot.waitUntil(allowed(lambda: bool(core.incidents.list_incidents(active=True))),
                    timeout=5000)
    with db_allowed():
        inc = core.incidents.list_incidents(active=True)[0]
        log = core.incidents.get(inc.number).log
    assert inc.priority == 1
    assert any("wapen gezien" in e.text for e in log)


def test_f5_without_a_proposal_and_f9_without_a_duplicate_say_why(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    kb.type("7170001")
    kb.press(Key.Key_F5)
    assert intake.error.text() != ""
    kb.press(Key.Key_F9)
    assert intake.error.text() != ""
    qtbot.waitUntil(lambda: win.ops.pending == 0, timeout=5000)
    with db_allowed():
        assert core.incidents.list_incidents(active=False) == []
    assert intake.caller.text() == "7170001"


def test_escape_discards_after_asking(qtbot: QtBot, window: tuple[MainWindow, Meldkamer],
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    win, _ = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    classify_burglary(kb, win)
    intake.save_draft()
    assert (tmp_path / "draft.json").exists()
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: answers.pop(0))
    kb.press(Key.Key_Escape)
    assert intake.caller.text() == "+599 717 1234"  # "No": the call stays
    kb.press(Key.Key_Escape)
    assert intake.is_empty() and intake.caller.text() == "" and intake.class_edit.text() == ""
    assert intake.proposal_table.rowCount() == 0
    assert not (tmp_path / "draft.json").exists()


def test_a_restored_draft_shows_everything_it_held(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, _ = window
    intake = win.intake_dock
    intake.restore({
        "caller": "7179999", "name": "Marta", "callback": "7179998",
        "location_text": "Dorp Rincon",
        "location": {"label": "Dorp Rincon", "kind": "town", "lat": 12.23762,
                     "lon": -68.33059, "island": "BO", "source": "places"},
        "classification": "BZ.INB.WON", "class_text": "BZ.INB.WON  Inbraak woning",
        "priority": 1, "reason": "kinderen", "answers": {"in_progress": "ja"},
    })
    assert (intake.caller.text(), intake.name.text(), intake.callback.text()) == (
        "7179999", "Marta", "7179998")
    assert intake.location_edit.text() == "Dorp Rincon" and "BO" in intake.island_label.text()
    assert intake.class_edit.text() == "BZ.INB.WON  Inbraak woning"
    assert intake.priority.currentData() == 1 and intake.reason.text() == "kinderen"
    assert intake.questions.answers() == {"in_progress": "ja"}
    qtbot.waitUntil(lambda: intake.proposal_table.rowCount() > 0, timeout=5000)
    qtbot.waitUntil(lambda: intake.history.text() != "", timeout=5000)


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref, "centralist"))


def test_first_keystroke_shows_loading_then_the_places(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    build = core.intake.locations

    def slow_build() -> LocationSearch:
        gate.wait(30)  # map data still being read on the worker
        return build()

    monkeypatch.setattr(core.intake, "locations", slow_build)
    i18n.set_language("nl")
    ops = Operations()
    try:
        dock = IntakeDock(core, ops, DraftJournal(tmp_path / "draft.json"))
        qtbot.addWidget(dock)
        dock.show()
        edit = dock.location_edit
        edit.setFocus()
        qtbot.keyClicks(edit, "rinc")  # the worker is still held: this must not wait for it
        assert edit.results.count() == 1
        loading = edit.results.item(0)
        assert loading.text() == "Plaatsen en adressen laden…"
        assert not loading.flags() & Qt.ItemFlag.ItemIsEnabled
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert dock.location is None  # nothing to take yet
        with qtbot.waitSignal(dock.locations_ready, timeout=10_000):
            gate.set()
        assert "Rincon" in edit.results.item(0).text()  # the pending query has run
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert dock.location is not None and dock.location.island == "BO"
    finally:
        gate.set()
        i18n.set_language("en")
        ops.wait()


def test_a_location_that_finds_nothing_says_why_in_the_list(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path) -> None:
    i18n.set_language("nl")
    ops = Operations()
    try:
        dock = IntakeDock(core, ops, DraftJournal(tmp_path / "draft.json"))
        qtbot.addWidget(dock)
        with qtbot.waitSignal(dock.locations_ready, timeout=10_000):
            dock.show()
        edit = dock.location_edit
        edit.setFocus()
        qtbot.keyClicks(edit, "kaya grandi 12")
        assert edit.results.isVisible() and edit.results.count() == 1
        line = edit.results.item(0)
        assert line.text() == edit.note == ("Geen straatgegevens geïmporteerd: `meldkamer maps "
                                            "import-osm`. Zoek een plaats, of typ coördinaten "
                                            "zoals 12.15, -68.27")
        assert not line.flags() & Qt.ItemFlag.ItemIsEnabled and line.font().italic()
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert dock.location is None  # the reason is read, never taken
        edit.clear()
        qtbot.keyClicks(edit, "xyzzy")
        assert edit.results.item(0).text().startswith("Niets gevonden voor “xyzzy”")
        i18n.set_language("en")
        edit.refresh_if_open()  # the reason follows the language like the labels do
        assert edit.results.item(0).text().startswith("Nothing found for “xyzzy”")
        edit.clear()
        qtbot.keyClicks(edit, "windwardside")
        assert edit.note == "" and edit.results.item(0).text().startswith("Windwardside")
        assert "Politiepost Windwardside" in edit.results.item(1).text()
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert dock.location is not None and dock.location.kind == "town"
    finally:
        i18n.set_language("en")
        ops.wait()


# -- F5: the whole turnout, and the one question about a gap ---------------------------


def take_call(kb: Keyboard, win: MainWindow, where: str, what: str, qtbot: QtBot) -> None:
    """F2, a number, typed coordinates and a class, all by keyboard; then the proposal."""
    intake = win.intake_dock
    kb.press(Key.Key_F2)
    kb.type("7171234")
    intake.location_edit.setFocus()
    kb.type(where)
    kb.press(Key.Key_Return)
    assert intake.location is not None
    assert kb.focus() is intake.class_edit
    kb.type(what)
    kb.press(Key.Key_Return)
    qtbot.waitUntil(lambda: intake.session.proposals is not None
                    and not intake.session.pending(Part.PROPOSALS), timeout=5000)


def the_incident(win: MainWindow, core: Meldkamer, qtbot: QtBot) -> IncidentView:
    """The incident the call became, once its dispatch is done too."""
    session = win.intake_dock.session
    qtbot.waitUntil(lambda: session.outcome is not None, timeout=5000)
    assert session.outcome is not None
    with db_allowed():
        return core.incidents.get(session.outcome.number)


def test_f5_on_a_house_fire_dispatches_the_whole_plan(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    take_call(kb, win, "12.15, -68.27", "woningbrand", qtbot)
    assert intake.session.form.classification == "BR.GEB.WON"
    planned = intake.session.proposals.to_dispatch  # type: ignore[union-attr]
    assert len(planned) == len(core.ref.classification("BR.GEB.WON").needs)
    assert not intake.gap_banner.isVisible()
    kb.press(Key.Key_F5)
    assert intake.turnout_dialog is None  # nothing to ask
    qtbot.waitUntil(intake.is_empty, timeout=5000)
    inc = the_incident(win, core, qtbot)
    assert [a.callsign for a in inc.assignments] == list(planned)
    with db_allowed():
        assert all(core.units.get(c).status == "dispatched" for c in planned)


@pytest.mark.parametrize("answer", ["divert", "rest", "cancel"])
def test_f5_on_a_sinking_vessel_asks_first(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer], answer: str) -> None:
    win, core = window
    intake = win.intake_dock
    with db_allowed():
        other = core.incidents.create(caller_number="112", lat=12.10, lon=-68.28,
                                      classification="WZ.VAA.DRI").number
        core.dispatch.dispatch(other, ["K-101"])
    kb = Keyboard(qtbot)
    take_call(kb, win, "12.30, -68.50", "zinkend", qtbot)
    assert intake.session.form.classification == "WZ.VAA.NOO"
    # the gap is prominent, with the unit that could be diverted
    assert intake.gap_banner.isVisible()
    assert f"K-101 on {other} (priority 2)" in intake.gap_banner.text()
    assert intake.error.text() == ""
    kb.press(Key.Key_F5)
    dialog = intake.turnout_dialog
    assert dialog is not None
    # Enter is the safe choice: help goes out, nothing is taken from another incident
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rest_button, timeout=5000)
    assert QApplication.activeModalWidget() is dialog
    assert [q.text() for q in dialog.lines] == [
        f"Boat: no unit available; divert K-101 from {other}?"]
    # the boat's time at sea in minutes, beside the distance (as in the detail dock)
    assert re.fullmatch(r"priority 2 · ~\d+ min · 29\.6 km", dialog.details[0].text())
    kb.press(Key.Key_F5)  # asked once: a second F5 does not ask again
    assert intake.turnout_dialog is dialog
    if answer == "divert":
        kb.press(Key.Key_D, Qt.KeyboardModifier.AltModifier)
    elif answer == "rest":
        kb.press(Key.Key_Return)
    else:
        kb.press(Key.Key_Escape)
    qtbot.waitUntil(lambda: intake.turnout_dialog is None, timeout=5000)  # answered
    if answer == "cancel":
        qtbot.waitUntil(lambda: win.ops.pending == 0, timeout=5000)
        with db_allowed():
            assert [i.number for i in core.incidents.list_incidents(active=True)] == [other]
            assert core.units.get("K-101").incident == other
        assert intake.session.form.classification == "WZ.VAA.NOO"  # the call stays
        # the keyboard is back in the call: F5 asks again, and Enter now sends the rest
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                        and intake.isAncestorOf(QApplication.focusWidget()), timeout=2000)
        kb.press(Key.Key_F5)
        again = intake.turnout_dialog
        assert again is not None and again is not dialog
        qtbot.waitUntil(lambda: QApplication.focusWidget() is again.rest_button, timeout=5000)
        kb.press(Key.Key_Return)
        inc = the_incident(win, core, qtbot)
        assert [e.text for e in inc.log if e.text.startswith("Turnout incomplete")] == [
            f"Turnout incomplete: Boat: no unit available; K-101 busy on {other}"]
        return
    inc = the_incident(win, core, qtbot)
    callsigns = [a.callsign for a in inc.assignments]
    assert callsigns[0].startswith("A-")
    with db_allowed():
        k101 = core.units.get("K-101").incident
    if answer == "divert":
        assert callsigns[1:] == ["K-101"] and k101 == inc.number
        assert not any(e.text.startswith("Turnout incomplete") for e in inc.log)
    else:
        assert len(callsigns) == 1 and k101 == other
        gap = [e for e in inc.log if e.text.startswith("Turnout incomplete")]
        assert [e.text for e in gap] == [
            f"Turnout incomplete: Boat: no unit available; K-101 busy on {other}"]


def test_a_turnout_that_changed_while_asking_stores_nothing_and_asks_again(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    with db_allowed():
        other = core.incidents.create(caller_number="112", lat=12.10, lon=-68.28,
                                      classification="WZ.VAA.DRI").number
        core.dispatch.dispatch(other, ["K-101"])
    kb = Keyboard(qtbot)
    take_call(kb, win, "12.30, -68.50", "zinkend", qtbot)
    kb.press(Key.Key_F5)
    first = intake.turnout_dialog
    assert first is not None
    ambulance = first.proposals.to_dispatch[0]
    with db_allowed():  # another operator sends that ambulance elsewhere meanwhile
        elsewhere = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                          classification="GZ.ACU.BOR").number
        core.dispatch.dispatch(elsewhere, [ambulance])
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first.rest_button, timeout=5000)
    kb.press(Key.Key_Return)
    qtbot.waitUntil(lambda: intake.turnout_dialog not in (None, first), timeout=5000)
    again = intake.turnout_dialog
    assert again is not None and again.windowTitle() == "Turnout changed"
    with db_allowed():  # nothing stored: not the incident either
        assert sorted(i.number for i in core.incidents.list_incidents(active=True)) == sorted(
            [other, elsewhere])
    assert intake.session.form.classification == "WZ.VAA.NOO"
    assert intake.error.text() == ("the turnout changed before it was sent, so nothing was "
                                   "dispatched: check it again")
    instead = again.proposals.to_dispatch[0]
    assert instead != ambulance
    qtbot.waitUntil(lambda: QApplication.focusWidget() is again.rest_button, timeout=5000)
    kb.press(Key.Key_Return)
    inc = the_incident(win, core, qtbot)
    assert [a.callsign for a in inc.assignments] == [instead]


def test_a_number_key_still_dispatches_one_unit(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    take_call(kb, win, "12.15, -68.27", "woningbrand", qtbot)
    assert kb.focus() is intake.proposal_table
    second = intake.proposal_table.callsigns()[1]
    kb.type("2")
    inc = the_incident(win, core, qtbot)
    assert [a.callsign for a in inc.assignments] == [second]


def test_after_a_priority_1_call_the_empty_form_shows_no_priority(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, core = window
    intake = win.intake_dock
    assert intake.priority.currentIndex() == -1  # nothing chosen: nothing shown
    kb = Keyboard(qtbot)
    classify_burglary(kb, win)
    assert intake.priority.currentData() == 2
    intake.priority.setFocus()
    kb.press(Key.Key_Up)  # priority 2 -> 1
    kb.type("wapen gezien")
    kb.press(Key.Key_S, CTRL)
    qtbot.waitUntil(intake.is_empty, timeout=5000)
    with db_allowed():
        assert core.incidents.list_incidents(active=True)[0].priority == 1
    assert intake.priority.currentIndex() == -1 and intake.priority.currentText() == ""
    assert not intake.reason.isVisible() and intake.reason.text() == ""
    classify_burglary(kb, win)  # the next call starts from its own class's priority
    assert intake.priority.currentData() == 2 and not intake.reason.isVisible()


def test_old_error_lines_go_once_they_no_longer_apply(
        qtbot: QtBot, window: tuple[MainWindow, Meldkamer]) -> None:
    win, _ = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    i18n.set_language("nl")
    kb.press(Key.Key_F2)
    kb.type("717 12345")
    kb.press(Key.Key_Tab)  # leaving the field checks the number
    assert intake.caller_problem.isVisible()
    assert intake.caller_problem.text().startswith(
        "nummer van de melder „717 12345” heeft 8 cijfers")
    intake.caller.setFocus()
    kb.press(Key.Key_Backspace)  # 717 1234: right, so the line goes at once
    assert not intake.caller_problem.isVisible() and intake.caller_problem.text() == ""
    kb.press(Key.Key_Tab)
    assert intake.caller.text() == "+599 717 1234"
    kb.press(Key.Key_F5)  # no location, no class: nothing to dispatch yet
    assert intake.error.text() != ""
    intake.location_edit.setFocus()
    kb.type("rinc")
    kb.press(Key.Key_Return)
    assert intake.error.text() == ""  # the call changed: the refusal no longer applies
    kb.type("inbr wo")
    kb.press(Key.Key_Return)
    qtbot.waitUntil(lambda: intake.proposal_table.rowCount() > 0, timeout=5000)
    assert intake.error.text() == ""


def test_the_discard_dialog_defaults_to_no(qtbot: QtBot,
                                           window: tuple[MainWindow, Meldkamer]) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    win, _ = window
    intake = win.intake_dock
    kb = Keyboard(qtbot)
    classify_burglary(kb, win)
    seen: list[QMessageBox.StandardButton] = []

    def answer_with_enter() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(20, answer_with_enter)
            return
        default = dialog.defaultButton()
        seen.append(dialog.standardButton(default))
        qtbot.keyClick(dialog, Key.Key_Return)  # an operator's reflex

    QTimer.singleShot(0, answer_with_enter)
    kb.press(Key.Key_Escape)
    assert seen == [QMessageBox.StandardButton.No]
    assert not intake.is_empty() and intake.caller.text() == "+599 717 1234"


def test_a_call_restored_after_closing_keeps_its_priority(
        qtbot: QtBot, sqlite_url: str, ref: Reference, tmp_path: Path) -> None:
    for core in allowed_steps(demo_core(sqlite_url, ref, "centralist")):
        win = open_window(qtbot, core, tmp_path)
        kb = Keyboard(qtbot)
        classify_burglary(kb, win)
        win.intake_dock.priority.setFocus()
        kb.press(Key.Key_Down)  # priority 2 -> 3, with a reason
        kb.type("dader al weg")
        taken = win.intake_dock.session.form
        win.close()  # the draft is saved as it stands
        win.ops.wait()
        again = open_window(qtbot, core, tmp_path)
        intake = again.intake_dock
        assert intake.session.form == taken
        assert intake.priority.currentData() == 3 and intake.reason.isVisible()
        assert intake.reason.text() == "dader al weg"
        assert intake.caller.text() == "+599 717 1234"
        again.ops.wait()
