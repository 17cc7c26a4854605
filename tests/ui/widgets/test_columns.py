"""Columns as wide as their content; where the width runs out, elided with a tooltip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont, QHelpEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QToolTip
from pytestqt.qtbot import QtBot

from ui.qt import QEvent, Qt
from ui.widgets.columns import ColumnFitter, two_lines

ROWS = [("BON-2026-000001", "WZ.DUI.ZEE Duikongeval op zee / duikboot", "1"),
        ("BON-2026-000002", "BZ.INB.WON Inbraak woning", "2")]


@pytest.fixture
def table(qtbot: QtBot) -> Iterator[tuple[QTableView, ColumnFitter]]:
    model = QStandardItemModel(0, 3)
    model.setHorizontalHeaderLabels(["Number", "Classification", "Prio"])
    for row in ROWS:
        model.appendRow([QStandardItem(text) for text in row])
    view = QTableView()
    view.setModel(model)
    fitter = ColumnFitter(view, elastic=[1])
    qtbot.addWidget(view)
    view.resize(900, 200)
    view.show()
    qtbot.waitUntil(lambda: view.viewport().width() > 0 and not fitter._timer.isActive())
    yield view, fitter
    view.setFont(QFont())


def wanted(view: QTableView, row: int, col: int) -> int:
    return view.sizeHintForIndex(view.model().index(row, col)).width()


def test_wide_enough_columns_show_everything(table: tuple[QTableView, ColumnFitter]) -> None:
    view, fitter = table
    fitter.fit()
    for col in range(3):
        width = view.columnWidth(col)
        assert all(width >= wanted(view, r, col) for r in range(len(ROWS))), col
        assert width >= view.horizontalHeader().sectionSizeFromContents(col).width()
        assert fitter.delegate.tooltip(view, view.model().index(0, col)) == ""
    # The free width goes to the free-text column; the others stay as wide as they need.
    assert view.columnWidth(1) > wanted(view, 0, 1)
    assert view.columnWidth(0) == fitter.wanted(0)


def test_narrow_view_elides_free_text_in_the_middle_with_the_whole_text_as_tooltip(
        qtbot: QtBot, table: tuple[QTableView, ColumnFitter]) -> None:
    view, fitter = table
    view.resize(330, 200)
    qtbot.waitUntil(lambda: view.viewport().width() < 330 and not fitter._timer.isActive())
    fitter.fit()
    index = view.model().index(0, 1)
    assert view.columnWidth(1) < wanted(view, 0, 1)  # it really is cut
    assert view.columnWidth(0) >= wanted(view, 0, 0)  # the number never is
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert fitter.delegate.tooltip(view, index) == ROWS[0][1]
    # What the operator sees when hovering over it: the real tooltip event.
    centre = view.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, centre, view.viewport().mapToGlobal(centre))
    QApplication.sendEvent(view.viewport(), event)
    assert QToolTip.text() == ROWS[0][1]
    QToolTip.hideText()
    total = sum(view.columnWidth(c) for c in range(3))
    assert total <= view.viewport().width()  # no horizontal scrolling for it


def test_a_column_narrower_than_the_header_allows_still_fits(qtbot: QtBot) -> None:
    model = QStandardItemModel(0, 2)
    model.setHorizontalHeaderLabels(["#", "Why"])
    model.appendRow([QStandardItem("!"), QStandardItem("Boat: no unit available; " * 6)])
    view = QTableView()
    view.setModel(model)
    fitter = ColumnFitter(view, elastic=[1])
    qtbot.addWidget(view)
    view.resize(300, 120)
    view.show()
    qtbot.waitUntil(lambda: view.viewport().width() > 0 and not fitter._timer.isActive())
    fitter.fit()
    header = view.horizontalHeader()
    assert fitter.wanted(0) < header.minimumSectionSize()  # one character: below Qt's least
    assert view.columnWidth(0) == header.minimumSectionSize()
    assert view.columnWidth(0) + view.columnWidth(1) <= view.viewport().width()


def test_larger_text_widens_columns_and_rows(qtbot: QtBot,
                                             table: tuple[QTableView, ColumnFitter]) -> None:
    view, fitter = table
    before = view.columnWidth(0), view.verticalHeader().defaultSectionSize()
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    view.setFont(font)  # as Ctrl++ does for the whole application
    qtbot.waitUntil(lambda: not fitter._timer.isActive())
    assert view.columnWidth(0) > before[0]
    assert view.columnWidth(0) >= wanted(view, 0, 0)
    assert view.verticalHeader().defaultSectionSize() > before[1]
    assert view.rowHeight(0) >= view.fontMetrics().height()


def test_a_column_the_operator_sized_keeps_its_width(
        qtbot: QtBot, table: tuple[QTableView, ColumnFitter]) -> None:
    view, fitter = table
    view.horizontalHeader().resizeSection(2, 240)  # dragged by the operator
    view.model().setItem(1, 0, QStandardItem("BON-2026-000002 (extra)"))
    qtbot.waitUntil(lambda: not fitter._timer.isActive())
    fitter.fit()
    assert view.columnWidth(2) == 240
    assert view.columnWidth(0) >= wanted(view, 1, 0)  # the others still follow their text


def test_two_lines_breaks_long_headers_near_the_middle() -> None:
    assert two_lines("Vervoer naar bestemming") == "Vervoer naar\nbestemming"
    assert two_lines("Ter plaatse") == "Ter\nplaatse"
    assert two_lines("Gealarmeerd") == "Gealarmeerd"  # one word stays whole
    assert two_lines("Eenheid") == "Eenheid"
