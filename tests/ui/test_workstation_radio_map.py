"""The workstation with its map, radio gateways and emergency banner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

import ui.map.webengine  # noqa: F401  (QtWebEngine before the QApplication)
from hardware.simulator import RadioSimulator
from maps.geo import fast_distance_m
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal
from meldkamer.radio import GatewayConfig, RadioLink
from meldkamer.settings import Settings
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed, allowed_steps, db_allowed
from tests.ui.test_workstation import Keyboard
from ui.main_window import MainWindow
from ui.ops import Operations


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref, "centralist"))


def window(qtbot: QtBot, core: Meldkamer, home: Path, **kw: object) -> MainWindow:
    win = MainWindow(core, Operations(), None, Settings(home / "s.toml"),
                     DraftJournal(home / "d.json"), **kw)  # type: ignore[arg-type]
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    win.activateWindow()
    return win


def js(qtbot: QtBot, win: MainWindow, expression: str) -> Any:
    """Evaluate an expression in the map page and return its JSON value."""
    box: list[str] = []
    assert win.map_dock is not None
    win.map_dock.web_page.runJavaScript(f"JSON.stringify({expression})", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def test_map_shows_units_and_a_click_sets_the_call_location(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path) -> None:
    win = window(qtbot, core, tmp_path, with_map=True)
    qtbot.waitUntil(lambda: win.map_dock is not None, timeout=10_000)  # built after show
    if not win.map_dock.is_ready:
        with qtbot.waitSignal(win.map_dock.ready, timeout=30_000):
            pass
    qtbot.waitUntil(lambda: js(qtbot, win, "meldkamerMap.count('units')") > 0, timeout=10_000)
    target = (12.1523, -68.2711)
    done: list[int] = []
    win.map_dock.applied.connect(done.append)
    seq = win.map_dock.centre_on(12.1520, -68.2700, 16)
    qtbot.waitUntil(lambda: seq in done, timeout=10_000)
    point = js(qtbot, win, f"meldkamerMap.map().latLngToContainerPoint([{target[0]}, "
                           f"{target[1]}])")
    assert isinstance(point, dict)
    surface = win.map_dock.view.focusProxy()
    QTest.mouseClick(surface, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(point["x"]), round(point["y"])))
    qtbot.waitUntil(lambda: win.intake_dock.location is not None, timeout=10_000)
    loc = win.intake_dock.location
    assert loc is not None and loc.island == "BO"
    assert abs(loc.lat - target[0]) < 1e-3 and abs(loc.lon - target[1]) < 1e-3
    with db_allowed():
        inc = core.incidents.create(caller_number="911", lat=target[0], lon=target[1])
    qtbot.waitUntil(lambda: js(qtbot, win, "meldkamerMap.count('incidents')") == 1,
                    timeout=10_000)
    assert inc.number


def test_emergency_banner_until_acknowledged(qtbot: QtBot, core: Meldkamer,
                                             tmp_path: Path) -> None:
    win = window(qtbot, core, tmp_path)
    assert not win.alarm_bar.isVisible()
    with db_allowed():
        core.alarms.raise_alarm("P-102", "button", lat=12.15, lon=-68.27)
    qtbot.waitUntil(win.alarm_bar.isVisible, timeout=5000)
    assert "P-102" in win.alarm_banner.label.text()
    Keyboard(qtbot).press(Qt.Key.Key_F11)  # too soon after it appeared: not confirmed
    qtbot.waitUntil(lambda: win.ops.pending == 0, timeout=5000)
    with db_allowed():
        assert len(core.alarms.active()) == 1
    win.alarm_banner.guard_s = 0.0  # as if the operator had read it for a moment
    Keyboard(qtbot).press(Qt.Key.Key_F11)
    qtbot.waitUntil(allowed(lambda: core.alarms.active() == []), timeout=5000)
    qtbot.waitUntil(lambda: not win.alarm_bar.isVisible(), timeout=5000)


def test_technician_panel_shows_gateways_and_runs_a_loopback(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path) -> None:
    with db_allowed():
        issi = core.units.get("P-101").issi
    assert issi is not None
    sim = RadioSimulator(None, [(issi, 12.15, -68.27)], interval=None).start()
    link = RadioLink(core, [GatewayConfig("tetra", str(sim.pty_path))]).start()
    try:
        win = window(qtbot, core, tmp_path, radio=link)
        panel = win.technician_dock
        qtbot.waitUntil(lambda: link.gateways["tetra"].ready, timeout=10_000)
        sim.inject_status(issi, core.ref.radio.value_of(5))
        qtbot.waitUntil(allowed(lambda: core.units.get("P-101").status == "available_mobile"),
                        timeout=10_000)
        panel.refresh()
        assert panel.gateways.rowCount() == 1
        assert panel.gateways.item(0, 3).text() == "ready"
        assert "status_received" in panel.lines.toPlainText()
        panel.url.setText("loop://")
        panel.nbytes.setValue(4096)
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.result.rowCount() > 0 and panel.run_button.isEnabled(),
                        timeout=20_000)
        results = {panel.result.item(r, 0).text(): panel.result.item(r, 1).text()
                   for r in range(panel.result.rowCount())}
        assert results["Passed"] == "True" and results["Bit errors"] == "0"  # by name
        assert panel.progress.value() == 1000
    finally:
        link.stop()
        sim.stop()


def test_the_map_follows_the_location_of_the_call(qtbot: QtBot, core: Meldkamer,
                                                 tmp_path: Path) -> None:
    win = window(qtbot, core, tmp_path, with_map=True)
    qtbot.waitUntil(lambda: win.map_dock is not None, timeout=10_000)
    if not win.map_dock.is_ready:
        with qtbot.waitSignal(win.map_dock.ready, timeout=30_000):
            pass
    qtbot.waitUntil(lambda: win.intake_dock.location_search is not None, timeout=10_000)
    centre = "(c => [c.lat, c.lng])(meldkamerMap.map().getCenter())"
    assert win.map_dock.island == "BO"
    kb = Keyboard(qtbot)
    kb.press(Qt.Key.Key_F2)
    kb.press(Qt.Key.Key_Tab)
    kb.press(Qt.Key.Key_Tab)
    kb.type("windwardside")  # a call from Saba, typed as the operator hears it
    qtbot.waitUntil(lambda: win.intake_dock.location_edit.results.count() > 0, timeout=10_000)
    kb.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.intake_dock.location is not None, timeout=10_000)
    loc = win.intake_dock.location
    assert loc is not None and loc.island == "SA"
    qtbot.waitUntil(lambda: js(qtbot, win, "meldkamerMap.pinPosition()") == [loc.lat, loc.lon],
                    timeout=10_000)
    assert win.map_dock.island == "SA" and win.map_dock.island_buttons["SA"].isChecked()
    lat, lon = js(qtbot, win, centre)
    assert fast_distance_m(lat, lon, loc.lat, loc.lon) < 20  # panned to it (to a pixel)
    assert js(qtbot, win, "meldkamerMap.map().getZoom()") >= 13
    # Typing another place moves the map along, back to Bonaire.
    assert kb.focus() is win.intake_dock.class_edit  # the form went on to the class
    kb.press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # back, the text selected
    kb.type("dorp rincon")
    qtbot.waitUntil(lambda: win.intake_dock.location_edit.results.count() > 0, timeout=10_000)
    kb.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.intake_dock.location is not None
                    and win.intake_dock.location.island == "BO", timeout=10_000)
    loc = win.intake_dock.location
    qtbot.waitUntil(lambda: js(qtbot, win, "meldkamerMap.pinPosition()") == [loc.lat, loc.lon],
                    timeout=10_000)
    lat, lon = js(qtbot, win, centre)
    assert win.map_dock.island == "BO"
    assert fast_distance_m(lat, lon, loc.lat, loc.lon) < 20
