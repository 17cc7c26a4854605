"""The lock screen: idle timeout (the timer driven, no sleeping), Ctrl+L, another user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.roles import Role
from meldkamer.settings import IDLE_MINUTES, Settings
from tests.fixtures import TESTER, TESTER_PASSWORD, open_core, seed_tester
from tests.ui.dbguard import db_allowed
from ui.lock import LockScreen
from ui.main_window import MainWindow
from ui.ops import Operations
from ui.qt import QDockWidget, QLabel, Qt


@pytest.fixture
def shift(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    with db_allowed():
        seed_tester(sqlite_url, "jansen", "operator")  # password: the tester's
        core = open_core(sqlite_url, ref)
        load_demo(core, incidents=False)
        core.users.log_in(TESTER, TESTER_PASSWORD)
    yield core
    core.close()


@pytest.fixture
def window(qtbot: QtBot, shift: Meldkamer) -> Iterator[tuple[MainWindow, LockScreen]]:
    ops = Operations()
    win = MainWindow(shift, ops)
    qtbot.addWidget(win)
    lock = LockScreen(win, shift, ops, Settings())
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    yield win, lock
    lock.watcher.stop()
    ops.wait()


def test_idle_locks_and_hides_everything(qtbot: QtBot,
                                         window: tuple[MainWindow, LockScreen]) -> None:
    win, lock = window
    assert lock.watcher.timer.interval() == Settings().get(IDLE_MINUTES) * 60_000 == 600_000
    assert lock.watcher.timer.isActive() and not lock.is_locked
    assert "tester" in win.windowTitle() and "tester" in win.user_label.text()
    with qtbot.waitSignal(lock.locked, timeout=2_000):
        lock.watcher.timer.timeout.emit()  # ten minutes without input
    assert lock.is_locked and lock.geometry() == win.rect()
    assert "locked" in win.windowTitle() and "tester" not in win.windowTitle()
    docks = win.findChildren(QDockWidget)
    assert docks and not any(d.isEnabled() for d in docks)
    assert not win.menuBar().isEnabled()
    assert not lock.watcher.timer.isActive()  # no second lock while locked
    assert lock.form.name.text() == TESTER and lock.form.password.text() == ""


def test_input_restarts_the_idle_time(qtbot: QtBot,
                                      window: tuple[MainWindow, LockScreen]) -> None:
    win, lock = window
    lock.watcher.timer.setInterval(60_000)
    lock.watcher.timer.start()
    lock.watcher.timer.stop()  # as if the time had nearly run out: not counting
    qtbot.keyClick(win.windowHandle(), Qt.Key.Key_Shift)  # through the window, as a key is
    assert lock.watcher.timer.isActive() and lock.watcher.timer.remainingTime() > 59_000


def test_ctrl_l_locks_and_another_user_unlocks(qtbot: QtBot, shift: Meldkamer,
                                               window: tuple[MainWindow, LockScreen]) -> None:
    win, lock = window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5_000)
    with qtbot.waitSignal(lock.locked, timeout=2_000):
        qtbot.keyClick(win.incidents_dock, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    lock.form.name.clear()
    qtbot.keyClicks(lock.form.name, "jansen")
    qtbot.keyClicks(lock.form.password, "wrong-password")
    with qtbot.waitSignal(lock.form.refused, timeout=10_000):
        qtbot.keyClick(lock.form.password, Qt.Key.Key_Return)
    assert lock.is_locked and shift.actor.user == TESTER
    qtbot.keyClicks(lock.form.password, TESTER_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        qtbot.keyClick(lock.form.password, Qt.Key.Key_Return)
    assert not lock.is_locked
    assert shift.actor.user == "jansen" and shift.actor.role == Role.OPERATOR
    assert shift.user == "jansen"
    assert "jansen" in win.windowTitle() and "jansen" in win.user_label.text()
    assert all(d.isEnabled() for d in win.findChildren(QDockWidget))
    assert win.menuBar().isEnabled() and lock.watcher.timer.isActive()


def test_an_emergency_while_locked_is_shown_on_the_lock_screen(
        qtbot: QtBot, shift: Meldkamer, window: tuple[MainWindow, LockScreen]) -> None:
    win, lock = window
    with db_allowed():
        number = shift.incidents.create(caller_name="Maria Caller", caller_number="+5997001234",
                                        lat=12.15, lon=-68.27,
                                        classification="BR.GEB.WON").number
    lock.lock()
    assert not lock.emergency.isVisible()
    with db_allowed():
        shift.alarms.raise_alarm("P-102", "button", lat=12.15, lon=-68.27)
    qtbot.waitUntil(lock.emergency.isVisible, timeout=5_000)
    text = lock.emergency.text()
    assert "P-102" in text and "unlock to act" in text
    assert "EMERGENCY" in win.windowTitle()
    # what the panel shows: no caller, no number, nothing about the incident
    shown = " ".join(w.text() for w in lock.findChildren(QLabel))
    for secret in ("Maria", "7001234", number, "12.15"):
        assert secret not in shown
    assert lock.is_locked  # the alarm bar behind the panel is still covered
    with db_allowed():
        alarm = shift.alarms.active()[0]
    lock.form.password.setText(TESTER_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        lock.form.submit()
    assert win.alarm_bar.isVisible() and "P-102" in win.alarm_banner.label.text()
    with db_allowed():
        shift.alarms.acknowledge(alarm.id)
    win.load_alarms()
    qtbot.waitUntil(lambda: not win.alarm_bar.isVisible(), timeout=5_000)
    assert lock.emergencies == []
    lock.lock()
    assert not lock.emergency.isVisible() and "EMERGENCY" not in win.windowTitle()


def _unlock_as(qtbot: QtBot, lock: LockScreen, name: str) -> None:
    lock.lock()
    lock.form.name.setText(name)
    lock.form.password.setText(TESTER_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        lock.form.submit()


def test_what_a_role_may_never_do_is_disabled_and_follows_the_user_at_the_lock(
        qtbot: QtBot, shift: Meldkamer, window: tuple[MainWindow, LockScreen]) -> None:
    win, lock = window
    with db_allowed():
        seed_tester(shift.store.url, "monteur", "technician")
    close = win.detail_dock.close_action
    menu_texts = {a.text(): a for a in win.menuBar().actions()[1].menu().actions()}
    assert close in menu_texts.values() and close.isEnabled()  # the tester: a supervisor
    _unlock_as(qtbot, lock, "monteur")
    assert shift.actor.role == Role.TECHNICIAN
    assert not close.isEnabled()  # "Close incident" (Afsluiten) greyed in the Call menu
    denied = {name for action, name in win.role_actions if not action.isEnabled()}
    assert denied == {"incident.create", "alarm.acknowledge", "attention.acknowledge"}
    assert not win.detail_dock.turnout_action.isEnabled()
    assert not win.detail_dock.disposition.isEnabled()
    _unlock_as(qtbot, lock, "jansen")
    assert shift.actor.role == Role.OPERATOR
    assert close.isEnabled() and win.detail_dock.turnout_action.isEnabled()
    assert all(action.isEnabled() for action, _ in win.role_actions)
