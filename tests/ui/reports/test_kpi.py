"""The response-times window: figures from the worker, targets, chart, PNG and SVG."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from meldkamer import i18n
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core
from tests.meldkamer.reports.test_kpi import respond
from tests.ui.dbguard import allowed_steps
from ui.ops import Operations
from ui.qt import QApplication, Qt
from ui.reports.kpi import KpiWindow

DAY = date(2026, 3, 2)


def _ten(url: str, ref: Reference) -> Iterator[Meldkamer]:
    """Ten burglaries on Bonaire: processing 10..100 s, travel 100..1000 s (the core
    tests work the percentiles out by hand: median 55 s, P90 91 s, P95 95.5 s)."""
    now = [datetime(2026, 3, 2, 12, 0, tzinfo=UTC)]

    def at(t: datetime) -> None:
        now[0] = t

    for core in demo_core(url, ref):
        core.clock = lambda: now[0]
        for n in range(10):
            respond(core, at, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
                    + timedelta(hours=n % 8, minutes=n),
                    dispatch=10 * (n + 1), scene=100 * (n + 1))
        yield core


@pytest.fixture
def ten(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(_ten(sqlite_url, ref))


@pytest.fixture
def window(qtbot: QtBot, ten: Meldkamer) -> KpiWindow:
    ops = Operations()
    win = KpiWindow(ten, ops)
    ops.setParent(win)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.set_period(DAY, DAY)
    return win


def cells(win: KpiWindow, table: str = "table") -> list[list[str]]:
    t = getattr(win, table)
    return [[t.item(r, c).text() for c in range(t.columnCount())]
            for r in range(t.rowCount())]


def test_the_figures_and_targets_are_shown(window: KpiWindow) -> None:
    rows = cells(window)
    # Median 55 s, P90 91 s, P95 95.5 s (shown rounded to whole seconds).
    assert ["Bonaire", "Police", "2", "processing", "10", "0", "0:55",
            "1:31", "1:36"] in rows
    assert ["Bonaire", "Police", "2", "dispatch to scene", "10", "0", "9:10", "15:10",
            "15:55"] in rows
    targets = cells(window, "targets_table")
    assert ["NFPA 1225: processing within 60 s", "Bonaire", "10", "60.0%", "90%",
            "not met"] in targets
    assert "10 incidents" in window.status.text()


def test_the_chart_shows_percentiles_and_the_target(qtbot: QtBot, window: KpiWindow
                                                    ) -> None:
    groups = window.chart_groups()
    assert [label for label, _ in groups] == ["BO Pol P2"] or len(groups) == 1
    (_label, minutes), = groups
    assert [round(v * 60, 3) for v in minutes if v is not None] == [55.0, 91.0, 95.5]
    assert window.target_minutes() == 1.0
    window.interval_box.setCurrentIndex(2)  # call to on scene
    (_label, minutes), = window.chart_groups()
    assert [round(v * 60, 3) for v in minutes if v is not None] == [605.0, 1001.0, 1050.5]
    assert window.target_minutes() == 15.0
    names = [s.name() for s in window.chart.series()]
    assert "Target 15 min" in names


def test_the_island_picker_and_a_period_without_incidents(qtbot: QtBot,
                                                          window: KpiWindow) -> None:
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.island_box.setCurrentIndex(window.island_box.findData("SA"))
    assert window.table.rowCount() == 0 and window.chart_groups() == []
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.island_box.setCurrentIndex(window.island_box.findData("BO"))
    assert window.table.rowCount() == 3
    window.end_edit.setDate(window.start_edit.date().addDays(-1))
    window.refresh()
    assert "ends before it starts" in window.status.text()


def test_the_chart_is_saved_as_png_and_svg(window: KpiWindow, tmp_path: Path) -> None:
    png = window.save_chart(tmp_path / "chart.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 300
    svg = window.save_chart(tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "</svg>" in svg
    assert "Median" in svg  # the legend's text is in the drawing


def test_dutch_by_default_words(qtbot: QtBot, ten: Meldkamer) -> None:
    i18n.set_language("nl")
    ops = Operations()
    win = KpiWindow(ten, ops)
    ops.setParent(win)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    assert win.windowTitle().startswith("Rapporten")
    assert win.interval_box.itemText(0).startswith("Verwerking")


def test_the_reports_menu_opens_it_from_the_keyboard(qtbot: QtBot, ten: Meldkamer,
                                                     tmp_path: Path) -> None:
    from meldkamer.drafts import DraftJournal
    from meldkamer.settings import Settings
    from ui.main_window import MainWindow

    win = MainWindow(ten, Operations(), None, Settings(tmp_path / "settings.toml"),
                     DraftJournal(tmp_path / "draft.json"))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(win, "kpi_window", None) is not None, timeout=5000)
    reports = win.kpi_window
    qtbot.waitUntil(lambda: reports.report is not None, timeout=10_000)
    assert reports.isVisible()
