"""The unit status board dock."""

from __future__ import annotations

from ui.models.units import UnitBoardModel
from ui.qt import QAbstractItemView, QDockWidget, QTableView, QWidget


class StatusBoardDock(QDockWidget):
    """Every unit with its status colour, time in status and incident."""

    def __init__(self, model: UnitBoardModel, parent: QWidget | None = None) -> None:
        super().__init__("Eenheden", parent)
        self.setObjectName("dock_status_board")
        self.model = model
        self.view = QTableView(self)
        self.view.setObjectName("status_board_table")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((90, 55, 75, 190, 80)):
            self.view.setColumnWidth(col, width)
        self.setWidget(self.view)
