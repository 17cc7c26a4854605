"""The main window shows what matters: incident rows, whole columns, every key, the menus.

The window is shown offscreen at a real size (the control room's 1920x1080 and the
default), with a real shift in a real database; rows and columns are measured on the
real widgets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal
from meldkamer.settings import Settings
from tests.fixtures import open_core
from tests.ui.dbguard import allowed_steps, db_allowed
from tests.ui.dialogs.test_confirm import answer
from tests.ui.test_workstation import Keyboard
from ui.main_window import LAYOUT_VERSION, MainWindow
from ui.ops import Operations
from ui.qt import QSettings, Qt, QTimer

Key = Qt.Key
ROLE_TIP = Qt.ItemDataRole.ToolTipRole
HD = Qt.Orientation.Horizontal


def _shift(url: str, ref: Reference) -> Iterator[Meldkamer]:
    core = open_core(url, ref, "centralist")
    load_demo(core)  # a running shift: units out, incidents open
    while len(core.incidents.list_incidents(active=True)) < 12:
        core.incidents.create(caller_number="+599 717 1234", lat=12.1452, lon=-68.2655,
                              address="Kaya Gobernador Nicolaas Debrot 12, Kralendijk",
                              classification="BR.GEB.WON")
    yield core
    core.close()


@pytest.fixture
def shift(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(_shift(sqlite_url, ref))


@pytest.fixture
def app_font() -> Iterator[None]:
    """Ctrl++ scales the application's font: every test after this one gets it back."""
    font = QApplication.font()
    yield
    QApplication.setFont(font)


def open_window(qtbot: QtBot, core: Meldkamer, home: Path, size: tuple[int, int] | None,
                settings: QSettings | None = None) -> MainWindow:
    win = MainWindow(core, Operations(), settings, Settings(home / "settings.toml"),
                     DraftJournal(home / "draft.json"))
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    signals = [win.loaded] if settings is not None and win._sized else [win.loaded,
                                                                         win.arranged]
    with qtbot.waitSignals(signals, timeout=10_000):
        win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    model = win.incidents
    qtbot.waitUntil(lambda: all(model.is_fetched(r) for r in range(model.rowCount())),
                    timeout=5000)
    return win


def whole_rows(view: QTableView) -> int:
    """Rows shown from top to bottom, without the one cut off at the bottom edge."""
    height = view.viewport().height()
    return sum(1 for r in range(view.model().rowCount())
               if view.rowViewportPosition(r) >= 0
               and view.rowViewportPosition(r) + view.rowHeight(r) <= height)


@pytest.mark.parametrize("size", [(1920, 1080), None], ids=["1920x1080", "default"])
def test_the_incident_list_shows_at_least_ten_rows(qtbot: QtBot, shift: Meldkamer,
                                                   tmp_path: Path,
                                                   size: tuple[int, int] | None) -> None:
    win = open_window(qtbot, shift, tmp_path, size)
    assert (win.width(), win.height()) == (size or (1600, 900))
    assert win.incidents.rowCount() == 12
    assert whole_rows(win.incidents_dock.view) >= 10


def test_an_older_saved_arrangement_is_not_restored(qtbot: QtBot, shift: Meldkamer,
                                                    tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = open_window(qtbot, shift, tmp_path, (1920, 1080))
    first.resizeDocks([first.incidents_dock, first.detail_dock], [60, 900], Qt.Orientation.Vertical)
    settings.setValue("window/state", first.saveState(LAYOUT_VERSION - 1))  # three rows
    settings.setValue("window/geometry", first.saveGeometry())
    first.close()
    again = open_window(qtbot, shift, tmp_path, None, settings)
    assert whole_rows(again.incidents_dock.view) >= 10
    # Its own arrangement comes back as the operator left it.
    again.resizeDocks([again.incidents_dock, again.detail_dock], [150, 800],
                      Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: whole_rows(again.incidents_dock.view) < 10, timeout=5000)
    again.close()
    third = MainWindow(shift, Operations(), settings, Settings(tmp_path / "settings.toml"),
                       DraftJournal(tmp_path / "draft.json"))
    qtbot.addWidget(third)
    assert third._sized  # restored, so the first-start sizes are not applied
    with qtbot.waitSignal(third.loaded, timeout=10_000):
        third.show()
    assert whole_rows(third.incidents_dock.view) < 10


def clipped(view: QTableView) -> list[str]:
    """Each visible header and cell narrower than its text and without it as a tooltip."""
    problems = []
    model, header, delegate = view.model(), view.horizontalHeader(), view.itemDelegate()
    width, height = view.viewport().width(), view.viewport().height()
    for col in range(model.columnCount()):
        x, size = header.sectionViewportPosition(col), header.sectionSize(col)
        if view.isColumnHidden(col) or x >= width or x + size <= 0:
            continue
        title = str(model.headerData(col, HD) or "")
        if x + size > width:
            problems.append(f"{view.objectName()} {title!r}: runs past the edge")
        whole = title.replace("\n", " ")
        if size < header.sectionSizeFromContents(col).width() \
                and model.headerData(col, HD, ROLE_TIP) != whole:
            problems.append(f"{view.objectName()} header {title!r}: cut, no tooltip")
        for row in range(model.rowCount()):
            y = view.rowViewportPosition(row)
            index = model.index(row, col)
            text = str(index.data() or "")
            if y < 0 or y >= height or not text:
                continue
            if size < view.sizeHintForIndex(index).width() \
                    and text not in delegate.tooltip(view, index):  # type: ignore[attr-defined]
                problems.append(f"{view.objectName()} {title!r} row {row}: {text!r} cut")
    return problems


@pytest.mark.parametrize("larger", [False, True], ids=["default text", "Ctrl++"])
def test_no_column_is_clipped(qtbot: QtBot, shift: Meldkamer, tmp_path: Path,
                              app_font: None, larger: bool) -> None:
    win = open_window(qtbot, shift, tmp_path, (1920, 1080))
    kb = Keyboard(qtbot)
    top = win.incidents.incident_at(0)
    assert top is not None and top.assignments  # a unit on it: the detail has its times
    win.incidents_dock.select(top.number)
    qtbot.waitUntil(lambda: win.detail_dock.units.rowCount() > 0, timeout=5000)
    views = [win.incidents_dock.view, win.status_board_dock.view, win.detail_dock.units]
    fitters = [win.incidents_dock.columns, win.status_board_dock.columns,
               win.detail_dock.unit_columns]
    if larger:
        before = [v.columnWidth(0) for v in views]
        with qtbot.waitSignal(win.arranged, timeout=5000):  # the list kept its ten rows
            kb.press(Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: [v.columnWidth(0) for v in views] > before, timeout=5000)
    qtbot.waitUntil(lambda: not any(f._timer.isActive() for f in fitters), timeout=5000)
    problems = [p for view in views for p in clipped(view)]
    assert problems == [], "\n".join(problems)
    numbers = views[0]
    assert numbers.columnWidth(0) >= numbers.sizeHintForIndex(win.incidents.index(0, 0)).width()
    assert whole_rows(numbers) >= 10  # larger text, still ten incidents


def test_f12_closes_the_selected_incident_from_anywhere(qtbot: QtBot, shift: Meldkamer,
                                                        tmp_path: Path) -> None:
    win = open_window(qtbot, shift, tmp_path, None)
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    assert kb.focus() is win.intake_dock.caller
    kb.press(Key.Key_F12)  # nothing selected yet: it says so, and the call keeps the focus
    assert "F3" in win.statusBar().currentMessage()
    assert kb.focus() is win.intake_dock.caller
    top = win.incidents.incident_at(0)
    assert top is not None
    win.incidents_dock.select(top.number)
    kb.press(Key.Key_F4)  # the focus somewhere else again: the unit board
    assert kb.focus() is win.status_board_dock.view
    kb.press(Key.Key_F12)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.detail_dock.disposition,
                    timeout=5000)
    assert win.detail_dock.incident is not None
    assert win.detail_dock.incident.number == top.number


def test_f1_lists_every_key_once(qtbot: QtBot, shift: Meldkamer, tmp_path: Path) -> None:
    win = open_window(qtbot, shift, tmp_path, None)
    listed = win.shortcut_list()
    keys = [k for k, _ in listed]
    assert len(keys) == len(set(keys)), keys
    native = QKeySequence.SequenceFormat.NativeText
    real = {seq.toString(native) for a in win.findChildren(QAction) for seq in a.shortcuts()}
    real |= {sc.key().toString(native) for sc in win.findChildren(QShortcut)}
    assert real <= set(keys)  # read from the real keys: none missing
    meaning = dict(listed)
    assert meaning["Ctrl+D"] == "Dispatch another unit (Call intake, Incident)"
    assert meaning["F12"] == "Close incident" and meaning["Ctrl+Q"] == "Quit"
    shown: list[str] = []

    def read() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(0, read)
            return
        shown.append(box.text())
        box.close()

    QTimer.singleShot(0, read)
    Keyboard(qtbot).press(Key.Key_F1)
    assert shown and all(shown[0].count(f"<b>{k}</b>") == 1 for k in keys)


def test_file_quit_asks_first_and_keeps_working_by_default(qtbot: QtBot, shift: Meldkamer,
                                                          tmp_path: Path) -> None:
    win = open_window(qtbot, shift, tmp_path, None)
    file_menu = win.menuBar().actions()[0]
    assert file_menu.text() == "&File"
    assert [(a.text(), a.shortcut().toString()) for a in file_menu.menu().actions()] == [
        ("Quit", "Ctrl+Q")]
    kb = Keyboard(qtbot)
    answer(Key.Key_Return)  # the operator's Enter meant something else
    kb.press(Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert win.isVisible()
    win.activateWindow()  # back from the question
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    answer(None, click="confirm_action")
    kb.press(Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not win.isVisible()
    with db_allowed():
        assert shift.incidents.list_incidents(active=True)  # nothing else happened


def test_an_alert_stored_here_shows_in_the_public_warnings_dock(
        qtbot: QtBot, shift: Meldkamer, tmp_path: Path) -> None:
    from meldkamer.exchange.alerts import PublicWarnings

    win = open_window(qtbot, shift, tmp_path, (1600, 900))
    assert win.alerts_dock.view.rowCount() == 0
    with db_allowed():
        warnings = PublicWarnings(shift)
        warnings.export(warnings.compose(headline="Kaya Grandi afgesloten", areas=["BO"],
                                         event="road_closure",
                                         texts={"en": {"headline": "Kaya Grandi closed"}}))
    # The stored event reloads the dock (off the GUI thread) and the operator is told.
    qtbot.waitUntil(lambda: win.alerts_dock.view.rowCount() == 1, timeout=5000)
    # The English workstation shows the English block.
    assert win.alerts_dock.view.item(0, 1).text() == "Kaya Grandi closed"
    qtbot.waitUntil(lambda: "Kaya Grandi closed" in win.status.currentMessage(),
                    timeout=5000)
    qtbot.keyClick(win, Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: win.alerts_dock.view.hasFocus(), timeout=5000)
    assert "Kaya Grandi closed" in win.alerts_dock.detail.toPlainText()
    win.close()
