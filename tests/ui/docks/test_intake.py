"""The intake dock by keyboard: it drives the session and shows what the session holds.

Before its location search is built, the first keystroke shows "loading" and never waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from meldkamer import i18n, names
from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import LocationSearch
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal
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
