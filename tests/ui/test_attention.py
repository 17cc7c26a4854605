"""Attention on the workstation: flagged incidents first and coloured, the badge, F7."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.source import Source
from meldkamer.drafts import DraftJournal
from meldkamer.runtime import AttentionWatch
from meldkamer.settings import Settings
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from ui import theme
from ui.main_window import MainWindow
from ui.ops import Operations

KRALENDIJK = (12.1500, -68.2667)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shift(sqlite_url: str, ref: Reference) -> Iterator[tuple[Meldkamer, Clock, dict[str, str]]]:
    """A burglary with a unit, a diving accident forgotten for two minutes, a fresh P1."""
    for core in allowed_steps(demo_core(sqlite_url, ref, "centralist")):
        clock = Clock(core.clock())
        core.clock = clock  # type: ignore[method-assign]
        made: dict[str, str] = {}
        with db_allowed():
            burglary = core.incidents.create(caller_number="911", lat=KRALENDIJK[0],
                                             lon=KRALENDIJK[1], classification="BZ.INB.WON")
            core.dispatch.dispatch(burglary.number, ["P-101"])
            core.units.set_status("P-101", "en_route", source=Source.radio(
                core.user, "P-101", core.units.get("P-101").issi))
            made["burglary"] = burglary.number
            made["diving"] = core.incidents.create(
                caller_number="912", lat=KRALENDIJK[0], lon=KRALENDIJK[1],
                classification="WZ.DUI.ZEE").number
            clock.now += timedelta(minutes=2)
            made["fresh"] = core.incidents.create(
                caller_number="913", lat=KRALENDIJK[0], lon=KRALENDIJK[1],
                classification="GZ.ACU.REA").number
        yield core, clock, made


def open_window(qtbot: QtBot, core: Meldkamer, home: Path) -> MainWindow:
    win = MainWindow(core, Operations(), None, Settings(home / "settings.toml"),
                     DraftJournal(home / "draft.json"))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    return win


def rows(win: MainWindow) -> list[str]:
    model = win.incidents
    out = []
    for row in range(model.rowCount()):
        inc = model.incident_at(row)
        out.append(inc.number if inc is not None else "")
    return out


def background(win: MainWindow, row: int, col: int = 3) -> str:
    brush = win.incidents.index(row, col).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(brush, QBrush)
    return str(brush.color().name())


def test_a_flagged_incident_rises_to_the_top_coloured_and_counted(
        qtbot: QtBot, shift: tuple[Meldkamer, Clock, dict[str, str]], tmp_path: Path) -> None:
    core, clock, made = shift
    win = open_window(qtbot, core, tmp_path)
    qtbot.waitUntil(lambda: all(rows(win)), timeout=5000)
    # the diving accident (priority 1, no unit for two minutes) first, then by priority
    assert rows(win)[0] == made["diving"]
    assert background(win, 0) == theme.ATTENTION["unattended"]
    assert background(win, 1) != theme.ATTENTION["unattended"]
    assert win.incidents.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "Attention: no unit"
    qtbot.waitUntil(lambda: win.attention.badge.text() == "1 attention", timeout=5000)
    # a minute on, with nobody touching it, the fresh P1 is flagged too: the watch says so
    watch = AttentionWatch(core)
    with db_allowed():
        watch.check()
        clock.now += timedelta(seconds=61)
        assert [e.number for e in watch.check()] == [made["fresh"]]
    qtbot.waitUntil(lambda: win.attention.badge.text() == "2 attention", timeout=5000)
    qtbot.waitUntil(lambda: rows(win)[:2] == [made["diving"], made["fresh"]], timeout=5000)
    qtbot.waitUntil(lambda: background(win, 1) == theme.ATTENTION["unattended"], timeout=5000)
    assert rows(win)[2] == made["burglary"]


def test_f7_acknowledges_the_selected_incidents_flag(
        qtbot: QtBot, shift: tuple[Meldkamer, Clock, dict[str, str]], tmp_path: Path) -> None:
    core, _clock, made = shift
    win = open_window(qtbot, core, tmp_path)
    qtbot.waitUntil(lambda: all(rows(win)), timeout=5000)
    qtbot.waitUntil(lambda: win.attention.badge.count == 1, timeout=5000)
    win.incidents_dock.view.setFocus()
    win.incidents_dock.select(made["diving"])
    qtbot.waitUntil(lambda: win.detail_dock.incident is not None
                    and win.detail_dock.incident.number == made["diving"], timeout=5000)
    assert "Attention: no unit (F7)" in win.detail_dock.header.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: win.attention.badge.count == 0, timeout=5000)
    assert win.attention.badge.text() == "0 attention"
    qtbot.waitUntil(lambda: background(win, 0) != theme.ATTENTION["unattended"], timeout=5000)
    qtbot.waitUntil(allowed(lambda: core.incidents.get(made["diving"]).log[-1].kind
                            == "attention"), timeout=5000)
    assert "acknowledged" in win.status.currentMessage()
    # nothing flagged on the burglary: F7 says so and changes nothing
    win.incidents_dock.select(made["burglary"])
    qtbot.waitUntil(lambda: win.incidents_dock.current_number() == made["burglary"],
                    timeout=5000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: "no attention flag" in win.status.currentMessage(), timeout=5000)


def test_the_detail_shows_the_radio_not_the_operator_for_a_radio_status(
        qtbot: QtBot, shift: tuple[Meldkamer, Clock, dict[str, str]], tmp_path: Path) -> None:
    core, _clock, made = shift
    win = open_window(qtbot, core, tmp_path)
    win.detail_dock.load(made["burglary"])
    qtbot.waitUntil(lambda: "P-101" in win.detail_dock.log.toPlainText(), timeout=5000)
    lines = win.detail_dock.log.toPlainText().splitlines()
    with db_allowed():
        issi = core.units.get("P-101").issi
    status = next(line for line in lines if "En route" in line)
    assert f"radio P-101 (ISSI {issi})" in status and "centralist" not in status
    dispatched = next(line for line in lines if "dispatched" in line)
    assert "centralist" in dispatched
