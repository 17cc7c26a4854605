"""The incident detail dock: a unit dispatched by mistake is withdrawn with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.roles import Actor, Role
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from ui.docks import detail
from ui.docks.detail import DetailDock
from ui.ops import Operations
from ui.qt import QApplication, QInputDialog, QTimer


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref, "centralist"))


@pytest.fixture
def dock(qtbot: QtBot, core: Meldkamer) -> Iterator[DetailDock]:
    ops = Operations()
    dock = DetailDock(core, ops)
    qtbot.addWidget(dock)
    dock.resize(900, 700)
    dock.show()
    dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock, timeout=5000)
    try:
        yield dock
    finally:
        ops.wait()


def test_delete_withdraws_the_selected_unit_after_asking_why(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                       classification="BR.GEB.WON").number
        sent = core.dispatch.dispatch_turnout(number).dispatched
    asked: list[str] = []
    answers = [None, "verkeerde eenheid"]  # first cancelled: nothing happens

    def ask(_parent: object, question: str) -> str | None:
        asked.append(question)
        return answers.pop(0)

    monkeypatch.setattr(detail, "ask_reason", ask)
    dock.load(number)
    qtbot.waitUntil(lambda: dock.incident is not None, timeout=5000)
    last = len(sent) - 1
    dock.units.setFocus()
    dock.units.setCurrentCell(last, 0)
    qtbot.keyClick(dock.units, Qt.Key.Key_Delete)
    assert asked == [f"Why withdraw {sent[last]} from {number}?"]
    qtbot.keyClick(dock.units, Qt.Key.Key_Delete)
    qtbot.waitUntil(allowed(lambda: core.units.get(sent[last]).incident is None),
                    timeout=5000)
    qtbot.waitUntil(lambda: dock.incident is not None
                    and not dock.incident.assignments[last].active, timeout=5000)
    assert f"{sent[last]} withdrawn (verkeerde eenheid)" in dock.log.toPlainText()
    with db_allowed():
        assert [a.callsign for a in core.incidents.get(number).assignments
                if a.active] == list(sent[:last])


def test_a_priority_changed_meanwhile_elsewhere_is_named_and_the_reason_kept(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock, ref: Reference,
        sqlite_url: str) -> None:
    from tests.fixtures import open_core

    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                       classification="BZ.INB.WON").number
    dock.load(number)
    qtbot.waitUntil(lambda: dock.incident is not None, timeout=5000)
    shown = dock.incident
    assert shown is not None
    with db_allowed():  # another workstation changes the incident meanwhile
        other = open_core(sqlite_url, ref, user="collega")
        other.incidents.change_priority(number, 1, "wapen gezien")
        other.close()
    dock.priority.setCurrentIndex(dock.priority.findData(3))
    qtbot.keyClicks(dock.priority_reason, "rustig nu")
    with qtbot.waitSignal(dock.conflicted, timeout=5000) as lost:
        qtbot.keyClick(dock.priority_reason, Qt.Key.Key_Return)
    assert lost.args[0] == number
    text = dock.error.text()
    assert f"{number} was changed by someone else" in text
    assert "last changed by collega" in text
    assert dock.priority_reason.text() == "rustig nu"  # nothing typed is lost
    # the incident is reloaded as it is now, and the message stays
    qtbot.waitUntil(lambda: dock.incident is not None
                    and dock.incident.version != shown.version, timeout=5000)
    assert dock.priority.currentData() == 1
    assert "collega" in dock.error.text()
    with db_allowed():
        assert core.incidents.get(number).priority == 1  # nothing overwritten


def _audit_count(core: Meldkamer) -> int:
    from sqlalchemy import func, select

    from meldkamer.store.models import AuditEvent

    with db_allowed(), core.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _answer_inputs(answers: list[str]) -> QTimer:
    """Type each answer into the real input dialogs as they open, and press OK."""
    timer = QTimer()

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QInputDialog) and answers:
            box.setTextValue(answers.pop(0))
            box.accept()

    timer.timeout.connect(look)
    timer.start(20)
    return timer


def test_a_technician_closing_with_f12_is_refused_by_role_and_nothing_changes(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                       classification="BZ.INB.WON").number
    code = next(iter(core.ref.dispositions))
    core.set_actor(Actor("monteur", Role.TECHNICIAN, core.workstation))  # as the login does
    before = _audit_count(core)
    messages: list[str] = []
    dock.message.connect(messages.append)
    dock.load(number)
    qtbot.waitUntil(lambda: dock.incident is not None, timeout=5000)
    dock.log.setFocus()
    qtbot.keyClick(dock.log, Qt.Key.Key_F12)
    assert QApplication.focusWidget() is dock.disposition
    qtbot.keyClicks(dock.disposition, code)
    qtbot.waitUntil(dock.disposition.results.isVisible, timeout=5000)
    qtbot.keyClick(dock.disposition, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dock.error.text() != "", timeout=5000)
    text = dock.error.text()
    assert text == ("the role technician may not close an incident (incident.close); "
                    "nothing was changed")
    assert messages == [text]  # the status bar says it too
    with db_allowed():
        assert core.incidents.get(number).state == "open"
    assert _audit_count(core) == before
    # the same dock for an operator closes it
    core.set_actor(Actor("jansen", Role.OPERATOR, core.workstation))
    dock.apply_role()
    dock.disposition.setFocus()
    qtbot.keyClicks(dock.disposition, code)
    qtbot.waitUntil(dock.disposition.results.isVisible, timeout=5000)
    qtbot.keyClick(dock.disposition, Qt.Key.Key_Return)
    qtbot.waitUntil(allowed(lambda: core.incidents.get(number).state == "closed"),
                    timeout=5000)


def test_apply_role_disables_closing_for_a_technician(core: Meldkamer,
                                                      dock: DetailDock) -> None:
    core.set_actor(Actor("monteur", Role.TECHNICIAN, core.workstation))
    dock.apply_role()
    assert not dock.close_action.isEnabled() and not dock.turnout_action.isEnabled()
    assert "incident.close" in dock.denied
    core.set_actor(Actor("jansen", Role.OPERATOR, core.workstation))
    dock.apply_role()
    assert dock.close_action.isEnabled() and dock.turnout_action.isEnabled()
    assert dock.denied == frozenset()


def test_an_operator_taking_a_unit_busy_elsewhere_is_told_a_supervisor_may(
        qtbot: QtBot, core: Meldkamer, dock: DetailDock) -> None:
    with db_allowed():
        first = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                      classification="BZ.INB.WON").number
        core.dispatch.dispatch(first, ["P-101"])
        second = core.incidents.create(caller_number="911", lat=12.15, lon=-68.27,
                                       classification="BZ.INB.WON").number
    core.set_actor(Actor("jansen", Role.OPERATOR, core.workstation))
    before = _audit_count(core)
    messages: list[str] = []
    lost: list[str] = []
    dock.message.connect(messages.append)
    dock.conflicted.connect(lambda _n, text: lost.append(text))
    dock.load(second)
    qtbot.waitUntil(lambda: dock.incident is not None, timeout=5000)
    answers = ["P-101", "overval heterdaad"]  # the callsign, then why take it anyway
    timer = _answer_inputs(answers)
    try:
        dock.log.setFocus()
        qtbot.keyClick(dock.log, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: dock.error.text() != "", timeout=5000)
    finally:
        timer.stop()
    assert answers == []
    text = dock.error.text()
    assert text.startswith("the role operator may not take a unit committed to another "
                           f"incident: P-101 is committed to {first}; a supervisor may")
    assert "dispatched by" not in text and lost == []  # not shown as a race
    assert messages == [text]
    with db_allowed():
        assert core.units.get("P-101").incident == first
    assert _audit_count(core) == before
    # a supervisor may
    core.set_actor(Actor("sup", Role.SUPERVISOR, core.workstation))
    answers += ["P-101", "overval heterdaad"]
    dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock, timeout=5000)
    dock.log.setFocus()
    timer = _answer_inputs(answers)
    try:
        qtbot.keyClick(dock.log, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(allowed(lambda: core.units.get("P-101").incident == second),
                        timeout=5000)
    finally:
        timer.stop()
    assert answers == []
