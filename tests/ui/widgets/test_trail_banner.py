"""The audit alarm in the workstation: a red bar that stays until acknowledged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.events import AuditBroken
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed_steps
from tests.ui.test_main_window import open_window
from ui.qt import Qt


@pytest.fixture
def station(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref))


def test_a_break_shows_the_red_bar_until_it_is_acknowledged(
        qtbot: QtBot, station: Meldkamer, tmp_path: Path) -> None:
    win = open_window(qtbot, station, tmp_path, (1400, 900))
    assert not win.trail_bar.isVisible()
    problem = "incident BON-2026-000001: state differs from the trail"
    worker = threading.Thread(target=station.bus.publish, args=(
        AuditBroken(seq=7, problem=problem, workstation="ws-saba"),))
    worker.start()  # as the change feed does: from a thread of its own
    worker.join()
    qtbot.waitUntil(win.trail_bar.isVisible, timeout=5000)
    assert problem in win.trail_banner.label.text()
    assert "ws-saba" in win.trail_banner.label.text()
    qtbot.wait(50)
    assert win.trail_bar.isVisible()  # stays: nothing but an acknowledgement takes it away
    qtbot.waitUntil(win.trail_banner.button.isVisible, timeout=5000)
    qtbot.mouseClick(win.trail_banner.button, Qt.MouseButton.LeftButton)
    assert not win.trail_bar.isVisible() and win.trail_banner.breaks == []
