"""The incident list model: the database sorts and filters, rows come a page at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from meldkamer.services.incidents import IncidentService
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed_steps, db_allowed
from ui.docks.incidents import IncidentsDock
from ui.models.incidents import PAGE, PLACEHOLDER, IncidentTableModel
from ui.ops import Operations

ROWS = 2 * PAGE + 20  # three pages: the first, one never looked at, the last
ISLANDS = (("BO", 12.15, -68.27), ("SE", 17.4830, -62.9864), ("SA", 17.6265, -63.2497))


class Counting:
    """The incident service, recording what the model asked of it (on the worker)."""

    def __init__(self, inner: IncidentService) -> None:
        self.inner = inner
        self.pages: list[list[int]] = []
        self.queries: list[dict[str, Any]] = []

    def active_ids(self, **query: Any) -> list[int]:
        self.queries.append(query)
        return self.inner.active_ids(**query)

    def active_count(self) -> int:
        return self.inner.active_count()

    def summaries(self, ids: list[int]) -> list[IncidentView]:
        self.pages.append(list(ids))
        return self.inner.summaries(ids)

    def summaries_of(self, numbers: list[str]) -> list[IncidentView]:
        return self.inner.summaries_of(numbers)


@pytest.fixture
def busy(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """A shift with more open incidents than three pages, on all three islands."""
    for core in allowed_steps(demo_core(sqlite_url, ref)):
        with db_allowed():
            for i in range(ROWS):
                _, lat, lon = ISLANDS[i % 3]
                core.incidents.create(caller_number=f"{7170000 + i}", lat=lat, lon=lon,
                                      classification="BZ.INB.WON" if i % 2 else "GZ.ACU.REA")
        yield core


@pytest.fixture
def dock(qtbot: QtBot, busy: Meldkamer) -> Iterator[tuple[IncidentsDock, Counting]]:
    ops = Operations()
    source = Counting(busy.incidents)
    model = IncidentTableModel(busy.ref, ops, source)
    dock = IncidentsDock(busy.ref, model)
    qtbot.addWidget(dock)
    dock.resize(900, 400)
    dock.show()
    with qtbot.waitSignal(model.refreshed, timeout=10_000):
        model.reload(reset=True)
    yield dock, source
    ops.wait()


def shown_rows(dock: IncidentsDock) -> range:
    first, last = dock.visible_rows()
    return range(first, last + 1)


def filled(dock: IncidentsDock) -> bool:
    return all(dock.model.index(r, 0).data() != PLACEHOLDER for r in shown_rows(dock))


def test_only_the_visible_page_is_fetched(qtbot: QtBot,
                                          dock: tuple[IncidentsDock, Counting]) -> None:
    view, source = dock
    model = view.model
    with db_allowed():
        ids = source.inner.active_ids()
    assert model.rowCount() == ROWS and len(shown_rows(view)) < PAGE
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    assert source.pages == [ids[:PAGE]]
    assert not model.is_fetched(PAGE)

    view.view.scrollToBottom()
    assert model.index(ROWS - 1, 0).data() == PLACEHOLDER  # and now it is asked for
    with qtbot.waitSignal(model.rows_filled, timeout=5000):
        pass
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    assert source.pages == [ids[:PAGE], ids[2 * PAGE:]]
    assert not any(model.is_fetched(r) for r in range(PAGE, 2 * PAGE))  # never seen


def click_header(qtbot: QtBot, dock: IncidentsDock, column: int) -> None:
    header = dock.view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    with qtbot.waitSignal(dock.model.refreshed, timeout=5000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(x, header.height() // 2))


def test_a_header_click_sorts_in_the_database(qtbot: QtBot,
                                              dock: tuple[IncidentsDock, Counting]) -> None:
    view, source = dock
    model = view.model
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    view.select(model.incident_at(3).number)  # type: ignore[union-attr]
    chosen = view.current_number()
    click_header(qtbot, view, 0)  # Number
    assert source.queries[-1]["sort"] == "number" and not source.queries[-1]["descending"]
    with db_allowed():
        by_number = source.inner.active_ids(sort="number")
    assert [model.id_at(r) for r in range(ROWS)] == by_number
    assert view.current_number() == chosen  # the selection moved with its row
    click_header(qtbot, view, 0)
    assert source.queries[-1] == {"island": None, "discipline": None, "sort": "number",
                                  "descending": True}
    assert [model.id_at(r) for r in range(ROWS)] == by_number[::-1]
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    numbers = [model.index(r, 0).data() for r in shown_rows(view)]
    assert numbers == sorted(numbers, reverse=True)


def test_the_island_filter_is_a_query(qtbot: QtBot,
                                      dock: tuple[IncidentsDock, Counting]) -> None:
    view, source = dock
    model = view.model
    view.view.scrollToBottom()
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    fetches = len(source.pages)
    box = view.filters.island
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        box.setCurrentIndex(box.findData("SA"))
    assert source.queries[-1]["island"] == "SA"
    assert model.rowCount() == ROWS // 3
    assert view.visible_rows()[0] == 0  # a new list starts at its top
    assert filled(view) and len(source.pages) == fetches + 1  # its rows came with the ids
    assert {model.index(r, 3).data() for r in shown_rows(view)} == {"SA"}
    assert view.count.text() == f"{ROWS // 3} of {ROWS} open"


def test_changes_move_rows_in_place(qtbot: QtBot, busy: Meldkamer,
                                    dock: tuple[IncidentsDock, Counting]) -> None:
    from meldkamer.events import IncidentChanged
    from ui.bridge import EventBridge

    view, _ = dock
    model = view.model
    bridge = EventBridge(busy.bus)
    bridge.subscribe(IncidentChanged, lambda event: model.refresh(event.number))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    click_header(qtbot, view, 6)  # Age: the newest first
    with qtbot.waitSignal(model.rowsInserted, timeout=5000), db_allowed():
        new = busy.incidents.create(caller_number="911", lat=12.15, lon=-68.27)
    qtbot.waitUntil(lambda: model.is_fetched(0), timeout=5000)
    assert model.incident_at(0).number == new.number  # type: ignore[union-attr]
    with qtbot.waitSignal(model.rowsRemoved, timeout=5000), db_allowed():
        busy.incidents.close(new.number, "HANDLED")
    assert model.rowCount() == ROWS and resets == []
    bridge.close()


def test_a_burst_of_changes_shares_one_query(qtbot: QtBot,
                                             dock: tuple[IncidentsDock, Counting]) -> None:
    view, source = dock
    model = view.model
    qtbot.waitUntil(lambda: filled(view), timeout=5000)
    numbers = [model.incident_at(r).number for r in range(10)]  # type: ignore[union-attr]
    queries = len(source.queries)
    with qtbot.waitSignal(model.incidents_changed, timeout=5000) as changed:
        for number in numbers:  # as ten radio statuses in a row would
            model.refresh(number)
    assert sorted(n for n, _ in changed.args[0]) == sorted(numbers)
    assert len(source.queries) == queries + 1


@pytest.fixture
def forgotten(sqlite_url: str, ref: Reference) -> Iterator[tuple[Meldkamer, str]]:
    """A reanimation without a unit for five minutes, and three fresh burglaries."""
    from datetime import timedelta

    for core in allowed_steps(demo_core(sqlite_url, ref)):
        with db_allowed():
            real, before = core.clock, core.clock() - timedelta(minutes=5)
            core.clock = lambda: before  # type: ignore[method-assign]  # noqa: B023
            number = core.incidents.create(caller_number="911", lat=12.15, lon=-68.27,
                                           classification="GZ.ACU.REA").number
            core.clock = real  # type: ignore[method-assign]
            for i in range(3):
                core.incidents.create(caller_number=f"91{i + 2}", lat=12.15, lon=-68.27,
                                      classification="BZ.INB.WON")
        yield core, number


def test_a_flagged_row_is_painted_whole_and_its_colours_stay_in_it(
        qtbot: QtBot, forgotten: tuple[Meldkamer, str]) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QTableView

    from ui import theme

    core, number = forgotten
    ops = Operations()
    model = IncidentTableModel(core.ref, ops, core.incidents)
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    with qtbot.waitSignal(model.refreshed, timeout=10_000):
        model.reload(reset=True)
    qtbot.waitUntil(lambda: all(model.is_fetched(r) for r in range(4)), timeout=5000)
    assert model.incident_at(0).number == number  # type: ignore[union-attr]
    image = view.viewport().grab().toImage()

    def colour(row: int, col: int) -> QColor:
        rect = view.visualRect(model.index(row, col))
        return QColor(image.pixel(rect.right() - 2, rect.center().y()))

    amber = QColor(theme.ATTENTION["unattended"])
    assert all(colour(0, col) == amber for col in range(8))
    assert all(colour(row, col) != amber for row in (1, 2, 3) for col in range(8))
    assert model.index(1, 3).data(Qt.ItemDataRole.ForegroundRole) is None
    ops.wait()
