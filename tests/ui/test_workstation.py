"""The operator workstation driven by keystrokes only, against a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from meldkamer import config
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal
from meldkamer.settings import Settings
from meldkamer.store.db import Store
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from ui.main_window import MainWindow
from ui.ops import Operations

Key = Qt.Key


class Keyboard:
    """Sends keys to whatever has focus, like an operator, and counts them."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has keyboard focus"
        return widget

    def type(self, text: str) -> None:
        for ch in text:
            self.qtbot.keyClicks(self.focus(), ch)
            self.count += 1

    def press(self, key: Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
              ) -> None:
        self.qtbot.keyClick(self.focus(), key, modifiers)
        self.count += 1


@pytest.fixture
def station(sqlite_url: str, ref: Reference, tmp_path: Path) -> Iterator[tuple[Meldkamer, Path]]:
    for core in allowed_steps(demo_core(sqlite_url, ref, "centralist")):
        yield core, tmp_path


def open_window(qtbot: QtBot, core: Meldkamer, home: Path) -> MainWindow:
    ops = Operations()
    win = MainWindow(core, ops, None, Settings(home / "settings.toml"),
                     DraftJournal(home / "draft.json"))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    # An operator who types a place this early sees "loading" (test_intake.py).
    qtbot.waitUntil(lambda: win.intake_dock.location_search is not None, timeout=10_000)
    return win


def test_standard_call_by_keyboard_only(qtbot: QtBot,
                                        station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    win = open_window(qtbot, core, home)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    assert kb.focus() is win.intake_dock.caller
    kb.type("7171234")  # a local number: shown in full once the operator moves on
    kb.press(Key.Key_Tab)
    assert win.intake_dock.caller.text() == "+599 717 1234"
    kb.type("Jan")
    kb.press(Key.Key_Tab)
    assert kb.focus() is win.intake_dock.location_edit
    kb.type("rin")
    kb.press(Key.Key_Return)
    assert win.intake_dock.location is not None
    assert win.intake_dock.location.island == "BO"
    assert kb.focus() is win.intake_dock.class_edit
    kb.type("inb wo")
    kb.press(Key.Key_Return)
    assert win.intake_dock.cls is not None and win.intake_dock.cls.code == "BZ.INB.WON"
    qtbot.waitUntil(lambda: win.intake_dock.proposal_table.rowCount() > 0, timeout=5000)
    proposals = win.intake_dock.session.proposals
    assert proposals is not None and proposals.complete
    turnout = proposals.to_dispatch  # a burglary in a dwelling: two patrol cars
    assert len(turnout) == 2
    top = turnout[0]
    kb.press(Key.Key_F5)  # the whole turnout, without a question: every slot is filled
    qtbot.waitUntil(allowed(lambda: bool(core.incidents.list_incidents(active=True))),
                    timeout=5000)
    standard_call = kb.count
    with db_allowed():
        inc = core.incidents.list_incidents(active=True)[0]
    assert standard_call <= 25
    assert inc.classification == "BZ.INB.WON" and inc.island == "BO"
    assert (inc.calls[0].caller_number, inc.calls[0].caller_name) == ("+5997171234", "Jan")
    qtbot.waitUntil(allowed(lambda: {a.callsign for a in core.incidents.get(
        inc.number).assignments} == set(turnout)), timeout=5000)
    with db_allowed():
        assert core.units.get(top).status == "dispatched"
    qtbot.waitUntil(lambda: win.incidents.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(win.intake_dock.is_empty, timeout=5000)

    for status, expected in (("1", "en_route"), ("2", "on_scene"), ("5", "available_mobile")):
        kb.press(Key.Key_F6)
        assert kb.focus() is win.status_board_dock.command
        kb.type(f"{top} {status}")
        kb.press(Key.Key_Return)
        qtbot.waitUntil(allowed(lambda exp=expected: core.units.get(top).status == exp),
                        timeout=5000)
    second = turnout[1]
    kb.press(Key.Key_F6)
    kb.type(f"{second} 5")  # the second car is not needed after all
    kb.press(Key.Key_Return)
    qtbot.waitUntil(allowed(lambda: core.units.get(second).status == "available_mobile"),
                    timeout=5000)

    qtbot.waitUntil(lambda: win.detail_dock.incident is not None
                    and win.detail_dock.incident.number == inc.number, timeout=5000)
    kb.press(Key.Key_F8)
    kb.press(Key.Key_F12)
    assert kb.focus() is win.detail_dock.disposition
    kb.type("handled")
    kb.press(Key.Key_Return)
    qtbot.waitUntil(allowed(lambda: core.incidents.get(inc.number).state == "closed"),
                    timeout=5000)
    with db_allowed():
        closed = core.incidents.get(inc.number)
    assert closed.disposition == "HANDLED"
    kinds = [e.kind for e in closed.log]
    assert kinds[:3] == ["call", "location", "classification"]
    assert kinds.count("status") == 4 and kinds[-1] == "close"
    assert [t.status for t in closed.assignments[0].times] == [
        "dispatched", "en_route", "on_scene", "available_mobile"]
    qtbot.waitUntil(lambda: win.incidents.rowCount() == 0, timeout=5000)
    with db_allowed():
        assert core.verify_audit().ok


def test_duplicate_call_is_attached(qtbot: QtBot, station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    with db_allowed():
        first = core.incidents.create(caller_number="7175555", lat=12.2376, lon=-68.3306,
                                      classification="BZ.INB.WON")
    win = open_window(qtbot, core, home)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    kb.type("7175555")
    kb.press(Key.Key_Tab)
    qtbot.waitUntil(lambda: win.intake_dock.duplicate_banner.isVisible(), timeout=5000)
    assert first.number in win.intake_dock.duplicate_label.text()
    kb.press(Key.Key_F9)
    qtbot.waitUntil(allowed(lambda: len(core.incidents.get(first.number).calls) == 2),
                    timeout=5000)
    with db_allowed():
        assert len(core.incidents.list_incidents(active=False)) == 1
    qtbot.waitUntil(win.intake_dock.is_empty, timeout=5000)
    # The status bar says what happened: attached, not created.
    qtbot.waitUntil(lambda: win.status.currentMessage() == f"Call attached to {first.number}",
                    timeout=5000)


def test_new_incident_after_dismissing_duplicate(qtbot: QtBot,
                                                 station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    with db_allowed():
        core.incidents.create(caller_number="7175555", lat=12.2376, lon=-68.3306)
    win = open_window(qtbot, core, home)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    kb.type("7175555")
    kb.press(Key.Key_Tab)
    qtbot.waitUntil(lambda: win.intake_dock.duplicate_banner.isVisible(), timeout=5000)
    kb.press(Key.Key_F10)
    assert not win.intake_dock.duplicate_banner.isVisible()
    kb.press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(allowed(lambda: len(core.incidents.list_incidents(active=False)) == 2),
                    timeout=5000)


def test_illegal_status_change_shows_reason(qtbot: QtBot,
                                            station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    win = open_window(qtbot, core, home)
    with db_allowed():
        before = core.units.get("P-101")
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F6)
    kb.type("P-101 2")
    kb.press(Key.Key_Return)
    qtbot.waitUntil(lambda: "not allowed" in win.status_board_dock.error.text(), timeout=5000)
    with db_allowed():
        after = core.units.get("P-101")
    assert (after.status, after.version) == (before.status, before.version)
    assert win.status_board_dock.command.text() == "P-101 2"  # kept, so it can be corrected


def test_draft_survives_a_destroyed_window(qtbot: QtBot,
                                          station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    win = open_window(qtbot, core, home)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    kb.type("7179999")
    kb.press(Key.Key_Tab)
    kb.type("Marta")
    kb.press(Key.Key_Tab)
    kb.type("rinc")
    kb.press(Key.Key_Return)
    journal = home / "draft.json"
    qtbot.waitUntil(lambda: journal.exists() and "Rincon" in journal.read_text(), timeout=5000)
    win.bridge.close()
    win.hide()
    win.deleteLater()  # no closeEvent, no save: as if the workstation crashed
    qtbot.wait(10)
    again = open_window(qtbot, core, home)
    intake = again.intake_dock
    assert intake.caller.text() == "+599 717 9999"  # as it was shown when saved
    assert intake.name.text() == "Marta"
    assert intake.location is not None and "Rincon" in intake.location.label
    with db_allowed():
        assert core.incidents.list_incidents(active=False) == []


def test_a_live_call_is_never_restored_in_training(qtbot: QtBot, sqlite_url: str,
                                                    ref: Reference, tmp_path: Path) -> None:
    """Each window keeps its drafts with its own database (the default journal)."""

    def window_on(core: Meldkamer) -> MainWindow:
        win = MainWindow(core, Operations(), None, Settings(tmp_path / "settings.toml"))
        qtbot.addWidget(win)
        with qtbot.waitSignal(win.loaded, timeout=10_000):
            win.show()
        return win

    with db_allowed():
        live = Meldkamer(Store(sqlite_url), ref, user="centralist")
        load_demo(live, incidents=False)
        training = Meldkamer.open(user="centralist", training=True)
    try:
        taking = window_on(live)
        taking.intake_dock.caller.setText("7171234")
        taking.intake_dock.name.setText("M. Martis")
        taking.close()  # saved for the next start on this database
        taking.ops.wait()
        assert list((config.data_dir() / "drafts" / "centralist").glob("*.json"))

        trainee = window_on(training)
        assert trainee.intake_dock.is_empty() and trainee.intake_dock.name.text() == ""
        trainee.close()
        trainee.ops.wait()

        back = window_on(live)
        assert back.intake_dock.name.text() == "M. Martis"
        back.ops.wait()
    finally:
        with db_allowed():
            training.close()
            live.close()


def test_two_workstations_on_one_database(qtbot: QtBot, sqlite_url: str, ref: Reference,
                                          tmp_path: Path) -> None:
    from meldkamer.runtime import Runtime

    with db_allowed():
        one = Meldkamer(Store(sqlite_url), ref, user="een")
        load_demo(one, incidents=False)
        two = Meldkamer(Store(sqlite_url), ref, user="twee")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    win_one = open_window(qtbot, one, tmp_path / "a")
    win_two = open_window(qtbot, two, tmp_path / "b")
    with db_allowed():
        runtime = Runtime(two).start()
    try:
        with db_allowed():
            inc = one.incidents.create(caller_number="911", lat=17.4830, lon=-62.9864)
        qtbot.waitUntil(lambda: win_two.incidents.rowCount() == 1
                        and win_two.incidents.is_fetched(0), timeout=5000)
        shown = win_two.incidents.incident_at(0)
        assert shown is not None and shown.number == inc.number
        with db_allowed():
            one.units.set_status("P-201", "out_of_service", reason="onderhoud")
        row = next(r for r in range(win_two.units.rowCount())
                   if win_two.units.unit_at(r).callsign == "P-201")
        qtbot.waitUntil(lambda: win_two.units.unit_at(row).status == "out_of_service",
                        timeout=5000)
        assert win_one.incidents.rowCount() == 1
    finally:
        runtime.stop()
        one.close()


def test_training_database_is_unmistakable(qtbot: QtBot, tmp_path: Path, ref: Reference,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELDKAMER_TRAINING_DB", str(tmp_path / "oefen.sqlite3"))
    with db_allowed():
        core = Meldkamer.open(training=True, user="trainee")
    try:
        assert core.training
        win = open_window(qtbot, core, tmp_path)
        assert win.windowTitle().startswith("[TRAINING]")
        corner = win.menuBar().cornerWidget(Qt.Corner.TopRightCorner)
        banner = win.training_banner  # in the corner, beside the attention badge
        assert corner is not None and corner.isAncestorOf(banner) and banner.isVisible()
        assert "TRAINING" in banner.text() and corner.isAncestorOf(win.attention.badge)
    finally:
        core.close()


def test_live_database_with_incidents_cannot_become_training(
        sqlite_url: str, ref: Reference) -> None:
    from meldkamer.errors import StoreError

    with db_allowed():
        core = Meldkamer(Store(sqlite_url), ref, user="x")
        core.incidents.create(caller_number="911")
        with pytest.raises(StoreError, match="training needs its own"):
            core.store.mark_training()
        assert core.store.kind() == "live"
    core.close()


def test_theme_font_and_language_are_remembered(qtbot: QtBot,
                                                station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    win = open_window(qtbot, core, home)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    win.set_theme("light")
    win.set_language("pap")
    again = Settings(home / "settings.toml")
    from meldkamer.settings import FONT_SCALE, LANGUAGE, THEME

    assert again.get(THEME) == "light"
    assert again.get(LANGUAGE) == "pap"
    assert again.get(FONT_SCALE) == pytest.approx(1.1)
    win.set_theme("dark")
    keys = dict(win.shortcut_list())
    assert {"F2", "F5", "F6", "F9", "F10", "F12"} <= set(keys)


def test_filters_by_island_and_discipline(qtbot: QtBot,
                                          station: tuple[Meldkamer, Path]) -> None:
    core, home = station
    with db_allowed():
        core.incidents.create(caller_number="911", lat=12.15, lon=-68.27,
                              classification="BZ.INB.WON")
        core.incidents.create(caller_number="912", lat=17.4830, lon=-62.9864,
                              classification="GZ.ACU.REA")
    win = open_window(qtbot, core, home)
    incidents = win.incidents_dock
    assert incidents.model.rowCount() == 2
    with qtbot.waitSignal(incidents.model.refreshed, timeout=5000):
        incidents.filters.island.setCurrentIndex(incidents.filters.island.findData("SE"))
    assert incidents.model.rowCount() == 1
    qtbot.waitUntil(lambda: incidents.model.is_fetched(0), timeout=5000)
    assert incidents.model.incident_at(0).island == "SE"  # type: ignore[union-attr]
    assert incidents.count.text() == "1 of 2 open"
    with qtbot.waitSignal(incidents.model.refreshed, timeout=5000):
        incidents.filters.island.setCurrentIndex(0)
    with qtbot.waitSignal(incidents.model.refreshed, timeout=5000):
        incidents.filters.discipline.setCurrentIndex(
            incidents.filters.discipline.findData("ambulance"))
    assert incidents.model.rowCount() == 1
    board = win.status_board_dock
    board.filters.discipline.setCurrentIndex(board.filters.discipline.findData("ambulance"))
    shown = {board.model.unit_at(board.proxy.mapToSource(board.proxy.index(r, 0)).row())
             .discipline for r in range(board.proxy.rowCount())}
    assert shown == {"ambulance"}
