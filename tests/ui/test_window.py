"""The first workstation window: loads, updates rows in place, takes screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.runtime import Runtime
from tests.fixtures import open_core
from tests.ui.dbguard import db_allowed
from ui.main_window import MainWindow
from ui.ops import Operations


@pytest.fixture
def shift(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    with db_allowed():
        core = open_core(sqlite_url, ref)
        load_demo(core)
    yield core
    core.close()


@pytest.fixture
def window(qtbot: QtBot, shift: Meldkamer) -> Iterator[MainWindow]:
    ops = Operations()
    win = MainWindow(shift, ops)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    yield win
    ops.wait()


def test_window_shows_active_incidents_and_units(qtbot: QtBot, window: MainWindow,
                                                 shift: Meldkamer) -> None:
    with db_allowed():
        active = shift.incidents.list_incidents(active=True)
        units = shift.units.list_units()
    assert window.incidents.rowCount() == len(active) > 0
    qtbot.waitUntil(lambda: all(window.incidents.is_fetched(r) for r in range(len(active))),
                    timeout=5000)
    shown = [window.incidents.incident_at(r) for r in range(len(active))]
    assert [i.number for i in shown if i is not None] == [i.number for i in active]
    assert window.units.rowCount() == len(units)
    assert window.incidents_dock.view.model() is window.incidents  # no proxy: SQL sorts


def test_rows_update_in_place(qtbot: QtBot, window: MainWindow, shift: Meldkamer) -> None:
    resets: list[bool] = []
    window.incidents.modelReset.connect(lambda: resets.append(True))
    window.units.modelReset.connect(lambda: resets.append(True))
    before = window.incidents.rowCount()
    with db_allowed():
        inc = shift.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                     classification="BZ.INB.WON")
    qtbot.waitUntil(lambda: window.incidents.rowCount() == before + 1, timeout=5000)
    with db_allowed():
        unit = shift.dispatch.propose(inc.number).proposals[0].callsign
        shift.dispatch.dispatch(inc.number, [unit])
    row = next(r for r in range(window.units.rowCount())
               if window.units.unit_at(r).callsign == unit)
    qtbot.waitUntil(lambda: window.units.unit_at(row).status == "dispatched", timeout=5000)
    with db_allowed():
        shift.units.set_status(unit, "available_mobile")
        shift.incidents.close(inc.number, "HANDLED")
    qtbot.waitUntil(lambda: window.incidents.rowCount() == before, timeout=5000)
    assert resets == []


def test_changes_from_another_workstation_arrive(
    qtbot: QtBot, window: MainWindow, shift: Meldkamer, sqlite_url: str, ref: Reference
) -> None:
    with db_allowed():
        runtime = Runtime(shift).start()
        other = open_core(sqlite_url, ref, user="collega")
    try:
        before = window.incidents.rowCount()
        with db_allowed():
            other.incidents.create(caller_number="911", lat=17.4830, lon=-62.9864)
        qtbot.waitUntil(lambda: window.incidents.rowCount() == before + 1, timeout=5000)
    finally:
        runtime.stop()
        other.close()


def test_screenshot_command(tmp_path: Path, sqlite_url: str) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MELDKAMER_DB=sqlite_url)
    done = subprocess.run(
        [sys.executable, "-m", "meldkamer", "gui", "--demo", "--screenshot", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    colours = {image.pixel(x, y) for x in range(0, 1920, 40) for y in range(0, 1080, 40)}
    assert len(colours) > 5, "the screenshot is blank"
