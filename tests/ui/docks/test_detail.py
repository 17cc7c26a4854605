"""The incident detail dock: a unit dispatched by mistake is withdrawn with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from ui.docks import detail
from ui.docks.detail import DetailDock
from ui.ops import Operations


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref, "centralist"))


def test_delete_withdraws_the_selected_unit_after_asking_why(
        qtbot: QtBot, core: Meldkamer, monkeypatch: pytest.MonkeyPatch) -> None:
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
    ops = Operations()
    try:
        dock = DetailDock(core, ops)
        qtbot.addWidget(dock)
        dock.show()
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
    finally:
        ops.wait()


def test_a_priority_changed_meanwhile_elsewhere_is_named_and_the_reason_kept(
        qtbot: QtBot, core: Meldkamer, ref: Reference, sqlite_url: str) -> None:
    from tests.fixtures import open_core

    with db_allowed():
        number = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                       classification="BZ.INB.WON").number
    ops = Operations()
    try:
        dock = DetailDock(core, ops)
        qtbot.addWidget(dock)
        dock.show()
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
    finally:
        ops.wait()
