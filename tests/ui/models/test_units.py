"""The unit board model: status colours and the core's timer flags, painted per cell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from meldkamer.domain.reference import Reference
from meldkamer.domain.views import UnitView
from ui.models.units import UnitBoardModel
from ui.qt import QColor, QTableView

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _unit(callsign: str, status: str, minutes: float) -> UnitView:
    return UnitView(id=hash(callsign) % 1000, callsign=callsign, name="", discipline="police",
                    capabilities=("patrol_car",), station=None, island="BO", issi=None,
                    status=status, status_since=NOW - timedelta(minutes=minutes),
                    incident=None, lat=None, lon=None, demo=False, version=1)


def test_only_the_escalated_unit_is_painted_red(qtbot: QtBot, ref: Reference) -> None:
    from ui import theme
    from ui.qt import QApplication

    theme.apply(QApplication.instance(), "dark")  # type: ignore[arg-type]
    model = UnitBoardModel(ref)
    model.now = NOW
    # dispatched 10 minutes ago (3 min timer: escalated), then two without a flag
    model.reset([_unit("P-101", "dispatched", 10), _unit("P-102", "available_station", 600),
                 _unit("P-103", "en_route", 1)])
    assert [model.timer(model.unit_at(r)) for r in range(3)] == ["escalated", "none", "ok"]
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    image = view.viewport().grab().toImage()

    def colour(row: int, col: int = 4) -> QColor:
        rect = view.visualRect(model.index(row, col))
        return QColor(image.pixel(rect.left() + 3, rect.center().y()))

    red = QColor("#b71c1c")
    assert colour(0) == red
    # a cell painted after a coloured one must not keep its background (the role span
    # Qt hands to multiData is reused from cell to cell)
    assert colour(1) != red and colour(2) != red
    assert colour(0, 0) == QColor("#ef6c00")  # the callsign in the status colour
    assert colour(0, 1) != colour(0, 0) and colour(2, 1) != colour(2, 0)
