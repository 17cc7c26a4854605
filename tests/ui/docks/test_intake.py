"""The intake dock by keyboard: it drives the session and shows what the session holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core
from tests.ui.test_workstation import Keyboard, open_window
from ui.main_window import MainWindow

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, sqlite_url: str, ref: Reference,
           tmp_path: Path) -> Iterator[tuple[MainWindow, Meldkamer]]:
    for core in demo_core(sqlite_url, ref, "centralist"):
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
    kb.type("j")
    assert win.intake_dock.session.answers == {"in_progress": "ja"}
    kb.press(Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: bool(core.incidents.list_incidents(active=True)), timeout=5000)
    inc = core.incidents.get(core.incidents.list_incidents(active=True)[0].number)
    assert any("Is de dader nog ter plaatse? ja" in e.text for e in inc.log)
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
    qtbot.waitUntil(lambda: bool(core.incidents.list_incidents(active=True)), timeout=5000)
    inc = core.incidents.list_incidents(active=True)[0]
    assert inc.priority == 1
    assert any("wapen gezien" in e.text for e in core.incidents.get(inc.number).log)


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
    assert intake.caller.text() == "7171234"  # "No": the call stays
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
